// TapeEvaluator's instruction loops and ReplicaLaneKernels for AVX2 with FMA; compiled with -mavx2 -mfma and only
// called after a cpuid check (TapeEvaluator.cpp).
#include "ReplicaLanes.h"
#include "TapeInstructions.h"

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
                                               ReplicaLanes::normals<Avx2Math>, ReplicaLanes::firstHalfNoisy, ReplicaLanes::secondHalfNoisy,
                                               ReplicaLanes::firstHalfMiddle, ReplicaLanes::secondHalfMiddle};
    return kernels;
}
}

#endif
