// The AVX2 lanes' Box-Muller cosine and sine (platforms/host/src/BoxMullerAvx2.h) against long double: the fused
// thermal step's normals on AVX2 processors come from them. This file is compiled with -mavx2 -mfma
// (tests/cpp/CMakeLists.txt) and its tests skip on processors without them.
#include <gtest/gtest.h>
#if defined(__AVX2__) && defined(__FMA__)
#include "BoxMullerAvx2.h"
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <random>
#include <vector>

using namespace std;

namespace {

bool haveAvx2() {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/** |a - exact| in units of the last place of the double nearest exact (an exact zero: a must be 0 too). */
double ulps(double a, long double exact) {
    double nearest = (double) exact;
    if (nearest == 0.0)
        return (a == 0.0 ? 0.0 : numeric_limits<double>::infinity());
    double ulp = nextafter(fabs(nearest), numeric_limits<double>::infinity())-fabs(nearest);
    return (double) (fabsl((long double) a-exact)/ulp);
}

const long double TwoPi = 6.283185307179586476925286766559L;

/**
 * cos(2 pi t) and sin(2 pi t) in long double from the whole quarter turns of t, split off exactly: near the zeros
 * of either (t near a quarter) 2 pi t itself, rounded, would be wrong in the relative sense the ulps measure.
 */
void exactCosSin(double t, long double& c, long double& s) {
    long double k = nearbyintl(4.0L*t);
    long double a = TwoPi*((long double) t-k/4);
    long double ca = cosl(a), sa = sinl(a);
    switch (((long long) k)%4) {
        case 0: c = ca; s = sa; break;
        case 1: c = -sa; s = ca; break;
        case 2: c = -ca; s = -sa; break;
        default: c = sa; s = -ca; break;
    }
}

/** The uniforms Box-Muller takes (w 2^-32 for 32-bit words w): the octant edges, both ends, and random words. */
vector<double> turns() {
    const double scale = 1.0/4294967296.0;
    vector<double> t;
    for (int eighth = 0; eighth <= 8; eighth++)
        for (int offset = -2; offset <= 2; offset++) {
            long long w = eighth*(1LL<<29)+offset;
            if (w >= 0 && w < (1LL<<32))
                t.push_back(w*scale);
        }
    t.push_back(1.0);
    mt19937 random(5);
    while (t.size()%4 != 0 || t.size() < 100000)
        t.push_back(random()*scale);
    return t;
}

TEST(BoxMullerAvx2, CosineAndSineOfTurnsWithinAFewUlp) {
    if (!haveAvx2())
        GTEST_SKIP() << "no AVX2 and FMA on this processor";
    vector<double> t = turns();
    const size_t n = t.size();
    // 32-byte aligned arrays, as the lanes hand them over (n is a multiple of 4, so each starts aligned).
    vector<double> buffer(3*n+4);
    double* x = buffer.data();
    while (((uintptr_t) x)%32 != 0)
        x++;
    double* c = x+n;
    double* s = x+2*n;
    copy(t.begin(), t.end(), x);
    EffPot::BoxMullerAvx2::cosSinTurns(x, c, s, (int) n);
    double worstCos = 0, worstSin = 0, worstAbsolute = 0;
    for (size_t i = 0; i < n; i++) {
        long double exactCos, exactSin;
        exactCosSin(x[i], exactCos, exactSin);
        worstCos = max(worstCos, ulps(c[i], exactCos));
        worstSin = max(worstSin, ulps(s[i], exactSin));
        // And against the unreduced angle, to an absolute 2^-52: the quarter turns and the signs are right.
        worstAbsolute = max(worstAbsolute, (double) max(fabsl(c[i]-cosl(TwoPi*x[i])), fabsl(s[i]-sinl(TwoPi*x[i]))));
    }
    cout << "worst cosine " << worstCos << " ulp, sine " << worstSin << " ulp, absolute " << worstAbsolute << endl;
    // The bound: half an ulp each from rounding 2 pi r and from the last FMA, the first scaled by |a tan a| <= pi/4,
    // a fraction of one from the polynomial's own roundings, and up to twice that where the exact value sits just
    // above a power of two (its nearest double's ulp is the smaller one): 2.5 ulp. 1.7 is seen.
    EXPECT_LE(worstCos, 2.5);
    EXPECT_LE(worstSin, 2.5);
    EXPECT_LE(worstAbsolute, 2.3e-16);
    // Without a sine buffer only the cosine is written, and it is the same.
    vector<double> again(c, c+n);
    EffPot::BoxMullerAvx2::cosSinTurns(x, c, nullptr, (int) n);
    for (size_t i = 0; i < n; i++)
        ASSERT_EQ(again[i], c[i]);
}

} // namespace
#else
TEST(BoxMullerAvx2, CosineAndSineOfTurnsWithinAFewUlp) {
    GTEST_SKIP() << "not compiled for AVX2 (not x86-64 with GCC or Clang)";
}
#endif
