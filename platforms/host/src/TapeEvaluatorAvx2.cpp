// TapeEvaluator's instruction loops and ReplicaLaneKernels for AVX2 with FMA; compiled with -mavx2 -mfma and only
// called after a cpuid check (TapeEvaluator.cpp).
#include "ReplicaLanes.h"
#include "TapeInstructions.h"
#include "BoxMullerAvx2.h"

#if defined(EFFPOT_HAVE_LIBMVEC) && defined(__x86_64__)
#include <immintrin.h>

// glibc's vector math library, AVX2 variants (x86-64 vector function ABI, ISA letter 'd', 4 lanes).
extern "C" {
__m256d _ZGVdN4v_sin(__m256d);
__m256d _ZGVdN4v_cos(__m256d);
__m256d _ZGVdN4v_exp(__m256d);
__m256d _ZGVdN4v_log(__m256d);
__m256d _ZGVdN4vv_pow(__m256d, __m256d);
}

namespace {

using EffPot::TapeInstructions::B;

struct Avx2Math {
    static void sin(const double* a, double* d) { for (int i = 0; i < B; i += 4) _mm256_store_pd(d+i, _ZGVdN4v_sin(_mm256_load_pd(a+i))); }
    static void cos(const double* a, double* d) { for (int i = 0; i < B; i += 4) _mm256_store_pd(d+i, _ZGVdN4v_cos(_mm256_load_pd(a+i))); }
    static void exp(const double* a, double* d) { for (int i = 0; i < B; i += 4) _mm256_store_pd(d+i, _ZGVdN4v_exp(_mm256_load_pd(a+i))); }
    static void log(const double* a, double* d) { for (int i = 0; i < B; i += 4) _mm256_store_pd(d+i, _ZGVdN4v_log(_mm256_load_pd(a+i))); }
    static void pow(const double* a, const double* b, double* d) {
        for (int i = 0; i < B; i += 4)
            _mm256_store_pd(d+i, _ZGVdN4vv_pow(_mm256_load_pd(a+i), _mm256_load_pd(b+i)));
    }
};

} // namespace

namespace {

/** hi and lo 32 bits of the eight 32 x 32 -> 64-bit products m * c (vpmuludq on the even and the odd lanes). */
inline void mulHiLo(__m256i m, __m256i c, __m256i& hi, __m256i& lo) {
    __m256i even = _mm256_mul_epu32(m, c);
    __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(m, 32), _mm256_srli_epi64(c, 32));
    hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

/** Four unsigned 32-bit lanes to double, exactly (AVX2 converts signed ones only). */
inline __m256d unsignedToDouble(__m128i v) {
    __m128i flipped = _mm_xor_si128(v, _mm_set1_epi32((int) 0x80000000u));
    return _mm256_add_pd(_mm256_cvtepi32_pd(flipped), _mm256_set1_pd(2147483648.0));
}

const int L = EffPot::TapeInstructions::B;

/**
 * ReplicaLanes::philoxUniforms with the Philox rounds written for AVX2, eight lanes per register: the compiler's
 * version of the generic loop spends most of its time shuffling 64-bit products. The same integers and the same
 * exact double arithmetic, so the same uniforms bit for bit; only the first `pairs` (1 or 2) word pairs are
 * converted.
 */
void philoxUniformsAvx2(uint32_t key0, uint32_t key1, const uint32_t* particle, uint64_t counter, int pairs, double (*u1)[L],
                        double (*u2)[L]) {
    const __m256i multiplier0 = _mm256_set1_epi32((int) 0xD2511F53u), multiplier1 = _mm256_set1_epi32((int) 0xCD9E8D57u);
    const __m256d one = _mm256_set1_pd(1.0), scale = _mm256_set1_pd(1.0/4294967296.0);
    for (int i = 0; i < L; i += 8) {
        __m256i c0 = _mm256_loadu_si256((const __m256i*) (particle+i));
        __m256i c1 = _mm256_set1_epi32((int) (uint32_t) counter);
        __m256i c2 = _mm256_set1_epi32((int) (uint32_t) (counter>>32));
        __m256i c3 = _mm256_setzero_si256();
        uint32_t k0 = key0, k1 = key1;
        for (int round = 0; round < 10; round++) {
            __m256i hi0, lo0, hi1, lo1;
            mulHiLo(multiplier0, c0, hi0, lo0);
            mulHiLo(multiplier1, c2, hi1, lo1);
            c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32((int) k0));
            c1 = lo1;
            c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32((int) k1));
            c3 = lo0;
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        const __m256i words[2][2] = {{c0, c1}, {c2, c3}};
        for (int pair = 0; pair < pairs; pair++)
            for (int half = 0; half < 2; half++) {
                __m128i a = (half == 0 ? _mm256_castsi256_si128(words[pair][0]) : _mm256_extracti128_si256(words[pair][0], 1));
                __m128i b = (half == 0 ? _mm256_castsi256_si128(words[pair][1]) : _mm256_extracti128_si256(words[pair][1], 1));
                _mm256_store_pd(&u1[pair][i+4*half], _mm256_mul_pd(_mm256_add_pd(unsignedToDouble(a), one), scale));
                _mm256_store_pd(&u2[pair][i+4*half], _mm256_mul_pd(unsignedToDouble(b), scale));
            }
    }
}

/** Box-Muller's cosine and sine from the angle in turns, both from one reduction (BoxMullerAvx2.h). */
struct TurnsCosSin {
    static void cosSin(const double* t, double* c, double* s) {
        EffPot::BoxMullerAvx2::cosSinTurns(t, c, s, L);
    }
};

/**
 * ReplicaLanes::normals on philoxUniformsAvx2 (the same uniforms bit for bit) and TurnsCosSin: the same normals to
 * an ulp or two (libmvec's cosine and sine are not those of libm either).
 */
void normalsAvx2(uint32_t key0, uint32_t key1, const uint32_t* particle, uint64_t counter, int count, double* const z[3]) {
    alignas(64) double u1[2][L], u2[2][L];
    philoxUniformsAvx2(key0, key1, particle, counter, (count > 2 ? 2 : 1), u1, u2);
    EffPot::ReplicaLanes::normalsFromUniforms<Avx2Math, TurnsCosSin>(u1, u2, count, z);
}

/** ReplicaLanes::exponentials on philoxUniformsAvx2. */
void exponentialsAvx2(uint32_t key0, uint32_t key1, const uint32_t* particle, uint64_t counter, double* e) {
    alignas(64) double u1[2][L], u2[2][L];
    philoxUniformsAvx2(key0, key1, particle, counter, 1, u1, u2);
    Avx2Math::log(u1[0], e);
    for (int i = 0; i < L; i++)
        e[i] = -e[i];
}

} // namespace

namespace EffPot {
void runTapeAvx2(const ExpressionTape::Instruction* instructions, int count, double* registers) {
    TapeInstructions::run<Avx2Math>(instructions, count, registers);
}
// Vec3 arrays to structure of arrays and back, 4 particles (3 ymm registers) at a time with blends and lane
// permutations: what the compiler makes of the stride-3 loops costs as much as the tape itself.
// Memory m0 = [x0 y0 z0 x1], m1 = [y1 z1 x2 y2], m2 = [z2 x3 y3 z3].
void gatherAvx2(const double* aos, double* a, double* b, double* c) {
    for (int i = 0; i < TapeEvaluator::BlockSize; i += 4, aos += 12) {
        __m256d m0 = _mm256_loadu_pd(aos), m1 = _mm256_loadu_pd(aos+4), m2 = _mm256_loadu_pd(aos+8);
        __m256d x = _mm256_blend_pd(_mm256_blend_pd(m0, m1, 0x4), m2, 0x2); // [x0 x3 x2 x1]
        __m256d y = _mm256_blend_pd(_mm256_blend_pd(m0, m1, 0x9), m2, 0x4); // [y1 y0 y3 y2]
        __m256d z = _mm256_blend_pd(_mm256_blend_pd(m0, m1, 0x2), m2, 0x9); // [z2 z1 z0 z3]
        _mm256_store_pd(a+i, _mm256_permute4x64_pd(x, 0x6C));
        _mm256_store_pd(b+i, _mm256_permute4x64_pd(y, 0xB1));
        _mm256_store_pd(c+i, _mm256_permute4x64_pd(z, 0xC6));
    }
}

void scatterAvx2(double* aos, const double* a, const double* b, const double* c) {
    for (int i = 0; i < TapeEvaluator::BlockSize; i += 4, aos += 12) {
        __m256d x = _mm256_permute4x64_pd(_mm256_load_pd(a+i), 0x6C); // [x0 x3 x2 x1]
        __m256d y = _mm256_permute4x64_pd(_mm256_load_pd(b+i), 0xB1); // [y1 y0 y3 y2]
        __m256d z = _mm256_permute4x64_pd(_mm256_load_pd(c+i), 0xC6); // [z2 z1 z0 z3]
        _mm256_storeu_pd(aos, _mm256_blend_pd(_mm256_blend_pd(x, y, 0x2), z, 0x4));
        _mm256_storeu_pd(aos+4, _mm256_blend_pd(_mm256_blend_pd(y, z, 0x2), x, 0x4));
        _mm256_storeu_pd(aos+8, _mm256_blend_pd(_mm256_blend_pd(z, x, 0x2), y, 0x4));
    }
}

const ReplicaLaneKernels& replicaLaneKernelsAvx2() {
    static const ReplicaLaneKernels kernels = {gatherAvx2, scatterAvx2, ReplicaLanes::firstHalf, ReplicaLanes::secondHalf,
                                               normalsAvx2, ReplicaLanes::firstHalfNoisy, ReplicaLanes::secondHalfNoisy,
                                               ReplicaLanes::firstHalfMiddle, ReplicaLanes::firstHalfMiddleNoisy,
                                               ReplicaLanes::secondHalfMiddle, ReplicaLanes::friction, exponentialsAvx2, ReplicaLanes::kickDrift,
                                               {ReplicaLanes::firstHalfLanes, ReplicaLanes::secondHalfLanes, ReplicaLanes::firstHalfNoisyLanes,
                                                ReplicaLanes::secondHalfNoisyLanes, ReplicaLanes::firstHalfMiddleLanes,
                                                ReplicaLanes::firstHalfMiddleNoisyLanes, ReplicaLanes::secondHalfMiddleLanes,
                                                ReplicaLanes::frictionLanes}};
    return kernels;
}
}

#endif
