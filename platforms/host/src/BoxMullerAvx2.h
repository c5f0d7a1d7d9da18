#ifndef EFFPOT_BOX_MULLER_AVX2_H_
#define EFFPOT_BOX_MULLER_AVX2_H_

// The cosine and sine of Box-Muller's angle for the AVX2 lanes (included by TapeEvaluatorAvx2.cpp only, which is
// compiled with -mavx2 -mfma). The angle is 2 pi t with t a uniform in [0, 1): its reduction to an eighth of a turn
// is exact in turns (no 2 pi to carry in extra precision, unlike a general sine), and one polynomial pair on
// [-pi/4, pi/4] gives both the cosine and the sine. libmvec's cos and sin each reduce the angle again and took 16%
// of a zero-force thermal replica step (docs/benchmarks.md, "The thermal step's floor").

#include <immintrin.h>

namespace EffPot {
namespace BoxMullerAvx2 {

/**
 * c[i] <- cos(2 pi t[i]), s[i] <- sin(2 pi t[i]) (unless s is null) for n lanes (a multiple of 4, 32-byte aligned),
 * t[i] in [0, 1]. Within 2.5 ulp of cos and sin of the exact angle (1.7 seen; tested against long double); libm's
 * cos(2 pi t) differs from it by the rounding of 2 pi t as well.
 */
inline void cosSinTurns(const double* t, double* c, double* s, int n) {
    // Taylor coefficients (-1)^k / n!: on |a| <= pi/4 the first neglected terms are a^19/19! < 1.1e-19 and
    // a^20/20! < 4e-21, far below an ulp.
    const __m256d s3 = _mm256_set1_pd(-1.0/6), s5 = _mm256_set1_pd(1.0/120), s7 = _mm256_set1_pd(-1.0/5040),
                  s9 = _mm256_set1_pd(1.0/362880), s11 = _mm256_set1_pd(-1.0/39916800), s13 = _mm256_set1_pd(1.0/6227020800.0),
                  s15 = _mm256_set1_pd(-1.0/1307674368000.0), s17 = _mm256_set1_pd(1.0/355687428096000.0);
    const __m256d c2 = _mm256_set1_pd(-0.5), c4 = _mm256_set1_pd(1.0/24), c6 = _mm256_set1_pd(-1.0/720),
                  c8 = _mm256_set1_pd(1.0/40320), c10 = _mm256_set1_pd(-1.0/3628800), c12 = _mm256_set1_pd(1.0/479001600),
                  c14 = _mm256_set1_pd(-1.0/87178291200.0), c16 = _mm256_set1_pd(1.0/20922789888000.0),
                  c18 = _mm256_set1_pd(-1.0/6402373705728000.0);
    const __m256d one = _mm256_set1_pd(1.0), two = _mm256_set1_pd(2.0), three = _mm256_set1_pd(3.0),
                  four = _mm256_set1_pd(4.0), quarter = _mm256_set1_pd(0.25), twoPi = _mm256_set1_pd(6.283185307179586),
                  signBit = _mm256_set1_pd(-0.0);
    for (int i = 0; i < n; i += 4) {
        __m256d x = _mm256_load_pd(t+i);
        // k quarter turns (0 to 4) plus r in [-1/8, 1/8]: 4 t is exact, and so is t - k/4 (a multiple of t's ulp
        // no larger than 1/8).
        __m256d k = _mm256_round_pd(_mm256_mul_pd(x, four), _MM_FROUND_TO_NEAREST_INT|_MM_FROUND_NO_EXC);
        __m256d r = _mm256_fnmadd_pd(k, quarter, x);
        __m256d a = _mm256_mul_pd(r, twoPi);
        __m256d a2 = _mm256_mul_pd(a, a);
        __m256d ps = _mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_fmadd_pd(
                         s17, a2, s15), a2, s13), a2, s11), a2, s9), a2, s7), a2, s5), a2, s3);
        __m256d sinA = _mm256_fmadd_pd(_mm256_mul_pd(a, a2), ps, a);
        __m256d pc = _mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_fmadd_pd(
                         _mm256_fmadd_pd(c18, a2, c16), a2, c14), a2, c12), a2, c10), a2, c8), a2, c6), a2, c4), a2, c2);
        __m256d cosA = _mm256_fmadd_pd(a2, pc, one);
        // cos(k pi/2 + a), sin(k pi/2 + a): odd k swaps the two; k = 1, 2 negate the cosine, k = 2, 3 the sine
        // (k = 4 is k = 0).
        __m256d odd = _mm256_or_pd(_mm256_cmp_pd(k, one, _CMP_EQ_OQ), _mm256_cmp_pd(k, three, _CMP_EQ_OQ));
        __m256d cosNegative = _mm256_or_pd(_mm256_cmp_pd(k, one, _CMP_EQ_OQ), _mm256_cmp_pd(k, two, _CMP_EQ_OQ));
        __m256d sinNegative = _mm256_or_pd(_mm256_cmp_pd(k, two, _CMP_EQ_OQ), _mm256_cmp_pd(k, three, _CMP_EQ_OQ));
        __m256d cosine = _mm256_blendv_pd(cosA, sinA, odd);
        _mm256_store_pd(c+i, _mm256_xor_pd(cosine, _mm256_and_pd(cosNegative, signBit)));
        if (s != nullptr) {
            __m256d sine = _mm256_blendv_pd(sinA, cosA, odd);
            _mm256_store_pd(s+i, _mm256_xor_pd(sine, _mm256_and_pd(sinNegative, signBit)));
        }
    }
}

} // namespace BoxMullerAvx2
} // namespace EffPot

#endif /*EFFPOT_BOX_MULLER_AVX2_H_*/
