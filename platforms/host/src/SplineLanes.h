#ifndef EFFPOT_SPLINE_LANES_H_
#define EFFPOT_SPLINE_LANES_H_

// The body of the SplineLaneForce lane loops, included by one translation unit per instruction set (like
// ReplicaLanes.h). SplinePoint's arithmetic in passes that the compiler or the intrinsics vectorize: the clamp,
// wall and cell index of every lane; then the Horner evaluation. Baseline (and 1D): each lane's cell coefficients
// copied into structure-of-arrays rows (the one pass with lane-dependent addresses: plain loads, which beat AVX2
// gathers on the processors we measured), then Horner at unit stride. AVX2 in 2D and 3D: hornerFromCells, each
// lane's rows evaluated in registers straight from its cell.

#include "SplineLaneForce.h"
#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace EffPot {
namespace SplineLanes {
namespace {

const int L = ReplicaLaneForce::BlockSize;

#define EFFPOT_LANES _Pragma("omp simd") for (int i = 0; i < L; i++)

/** Clamp, wall and cell of coordinate c of every lane: local coordinate in [0, 1], cell offset added to `cell`. */
// Cell indices are kept as doubles (exact below 2^53) and truncated with trunc(): a double-to-int conversion in
// the loop keeps the compiler from vectorizing it.
// The first coordinate sets `cell` and `wallEnergy`, the others add to them: zeroing the two arrays first compiled
// to two `rep stos` per block, 11% of the spline's time.
template <bool First>
inline void locate(const SplineTable::Layout& t, int c, const double* q, double* local, double* inside, double* wallEnergy,
                   double* wallGradient, double* cell) {
    const double low = t.low[c], high = t.high[c], origin = t.origin[c], inverse = t.inverseSpacing[c], wall = t.wall[c];
    const double last = t.cells[c]-1, stride = t.stride[c];
    EFFPOT_LANES {
        double x = q[i];
        bool aboveLow = (x >= low), belowHigh = (x < high);
        double clamped = (aboveLow ? (belowHigh ? x : high) : low);
        inside[i] = ((aboveLow & belowHigh) ? 1.0 : 0.0);
        double s = (clamped-origin)*inverse;
        double index = __builtin_trunc(s);
        index = (index > last ? last : index);
        local[i] = s-index;
        double outside = x-clamped;
        cell[i] = (First ? 0.0 : cell[i])+index*stride;
        wallEnergy[i] = (First ? 0.0 : wallEnergy[i])+wall*outside*outside;
        wallGradient[i] = 2*wall*outside;
    }
}

#if defined(__AVX2__)
/**
 * rows[j][i] <- coefficient j of lane i's cell: four lanes at a time, each lane's coefficients read four at a time
 * (contiguous) and transposed in registers; a quarter of the loads and stores of the scalar copy.
 */
inline void copyRows(const double* coefficients, const double* cell, int K, double* rows) {
    for (int i = 0; i < L; i += 4) {
        const double* p0 = coefficients+(long long) cell[i]*K;  // cell[i] is a whole number
        const double* p1 = coefficients+(long long) cell[i+1]*K;
        const double* p2 = coefficients+(long long) cell[i+2]*K;
        const double* p3 = coefficients+(long long) cell[i+3]*K;
        for (int j = 0; j < K; j += 4) {
            __m256d a0 = _mm256_loadu_pd(p0+j), a1 = _mm256_loadu_pd(p1+j), a2 = _mm256_loadu_pd(p2+j), a3 = _mm256_loadu_pd(p3+j);
            __m256d t0 = _mm256_unpacklo_pd(a0, a1), t1 = _mm256_unpackhi_pd(a0, a1);
            __m256d t2 = _mm256_unpacklo_pd(a2, a3), t3 = _mm256_unpackhi_pd(a2, a3);
            _mm256_store_pd(rows+(j+0)*L+i, _mm256_permute2f128_pd(t0, t2, 0x20));
            _mm256_store_pd(rows+(j+1)*L+i, _mm256_permute2f128_pd(t1, t3, 0x20));
            _mm256_store_pd(rows+(j+2)*L+i, _mm256_permute2f128_pd(t0, t2, 0x31));
            _mm256_store_pd(rows+(j+3)*L+i, _mm256_permute2f128_pd(t1, t3, 0x31));
        }
    }
}

/** Transpose the 4 x 4 matrix whose rows are a, b, c, d (the rows become its columns). */
inline void transpose4(__m256d& a, __m256d& b, __m256d& c, __m256d& d) {
    __m256d t0 = _mm256_unpacklo_pd(a, b), t1 = _mm256_unpackhi_pd(a, b);
    __m256d t2 = _mm256_unpacklo_pd(c, d), t3 = _mm256_unpackhi_pd(c, d);
    a = _mm256_permute2f128_pd(t0, t2, 0x20);
    b = _mm256_permute2f128_pd(t1, t3, 0x20);
    c = _mm256_permute2f128_pd(t0, t2, 0x31);
    d = _mm256_permute2f128_pd(t1, t3, 0x31);
}

/**
 * The Horner evaluation of a 2D or 3D table straight from each lane's cell, four lanes at a time: one lane's four v
 * rows of one w power evaluate in u at once in a register (the value and the u-slope of each row, from the table's
 * transposed coefficients, four contiguous loads), four lanes' rows are transposed, and the Horner in v (and w)
 * runs across the lanes. This replaces copying every coefficient into structure-of-arrays rows (copyRows: a load,
 * a shuffle and a store per coefficient) and the Horner over those rows. The operations are the generic loop's,
 * in its order, with its contractions into FMAs: the same values bit for bit (tested against SplinePoint).
 */
template <int D>
inline void hornerFromCells(const double* transposed, const double* cell, const double* u, const double* v, const double* w,
                            double* e, double* eu, double* ev, double* ew) {
    const int K = (D == 2 ? 16 : 64);
    const __m256d three = _mm256_set1_pd(3.0), two = _mm256_set1_pd(2.0), zero = _mm256_setzero_pd();
    for (int i = 0; i < L; i += 4) {
        const double* k[4];
        __m256d uu[4];
        for (int l = 0; l < 4; l++) {
            k[l] = transposed+(long long) cell[i+l]*K;  // cell[i] is a whole number
            uu[l] = _mm256_broadcast_sd(u+i+l);
        }
        const __m256d vv = _mm256_load_pd(v+i);
        __m256d E = zero, Eu = zero, Ev = zero, Ew = zero;
        for (int c = (D == 3 ? 3 : 0); c >= 0; c--) {
            __m256d value[4], slope[4];
            for (int l = 0; l < 4; l++) {
                const double* t = k[l]+16*c;
                __m256d t0 = _mm256_loadu_pd(t), t1 = _mm256_loadu_pd(t+4), t2 = _mm256_loadu_pd(t+8), t3 = _mm256_loadu_pd(t+12);
                value[l] = _mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_fmadd_pd(t3, uu[l], t2), uu[l], t1), uu[l], t0);
                slope[l] = _mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_mul_pd(three, t3), uu[l], _mm256_mul_pd(two, t2)), uu[l], t1);
            }
            // value[b] <- row b of the four lanes.
            transpose4(value[0], value[1], value[2], value[3]);
            transpose4(slope[0], slope[1], slope[2], slope[3]);
            __m256d p = zero, pu = zero, pv = zero;
            for (int b = 3; b >= 0; b--) {
                pv = _mm256_fmadd_pd(pv, vv, p);
                p = _mm256_fmadd_pd(p, vv, value[b]);
                pu = _mm256_fmadd_pd(pu, vv, slope[b]);
            }
            if (D == 3) {
                const __m256d ww = _mm256_load_pd(w+i);
                Ew = _mm256_fmadd_pd(Ew, ww, E);
                E = _mm256_fmadd_pd(E, ww, p);
                Eu = _mm256_fmadd_pd(Eu, ww, pu);
                Ev = _mm256_fmadd_pd(Ev, ww, pv);
            }
            else {
                E = p;
                Eu = pu;
                Ev = pv;
            }
        }
        _mm256_store_pd(e+i, E);
        _mm256_store_pd(eu+i, Eu);
        _mm256_store_pd(ev+i, Ev);
        _mm256_store_pd(ew+i, Ew);
    }
}
#else
/** rows[j][i] <- coefficient j of lane i's cell. */
inline void copyRows(const double* coefficients, const double* cell, int K, double* rows) {
    for (int i = 0; i < L; i++) {
        const double* k = coefficients+(long long) cell[i]*K;  // cell[i] is a whole number
        for (int j = 0; j < K; j++)
            rows[j*L+i] = k[j];
    }
}
#endif

template <int D>
void run(const SplineTable& table, const double* const q[3], double* energy, double* const gradient[3]) {
    const SplineTable::Layout& t = table.getLayout();
    alignas(64) double local[3][L], inside[3][L], wallGradient[3][L], wallEnergy[L];
    alignas(64) double cell[L];
    locate<true>(t, 0, q[0], local[0], inside[0], wallEnergy, wallGradient[0], cell);
    for (int c = 1; c < D; c++)
        locate<false>(t, c, q[c], local[c], inside[c], wallEnergy, wallGradient[c], cell);
    const double* u = local[0];
    const double* v = local[1];
    const double* w = local[2];
    double* gx = gradient[0];
    double* gy = gradient[1];
    double* gz = gradient[2];
    const double ix = t.inverseSpacing[0], iy = t.inverseSpacing[1], iz = t.inverseSpacing[2];
#if defined(__AVX2__)
    if (D >= 2) {
        alignas(64) double e[L], eu[L], ev[L], ew[L];
        hornerFromCells<D>(table.getTransposedCoefficients().data(), cell, u, v, w, e, eu, ev, ew);
        EFFPOT_LANES {
            energy[i] = e[i]+wallEnergy[i];
            gx[i] = eu[i]*ix*inside[0][i]+wallGradient[0][i];
            gy[i] = ev[i]*iy*inside[1][i]+wallGradient[1][i];
            gz[i] = (D >= 3 ? ew[i]*iz*inside[2][i]+wallGradient[2][i] : 0.0);
        }
        return;
    }
#endif
    const int K = (D == 1 ? 4 : D == 2 ? 16 : 64);
    alignas(64) double rows[K][L];
    copyRows(table.getCoefficients().data(), cell, K, rows[0]);
    EFFPOT_LANES {
        // Horner in u for each (v, w) power, then in v, then in w, carrying the derivatives along (SplinePoint).
        double e = 0, eu = 0, ev = 0, ew = 0;
        for (int c = (D == 3 ? 3 : 0); c >= 0; c--) {
            double p = 0, pu = 0, pv = 0;
            for (int b = (D >= 2 ? 3 : 0); b >= 0; b--) {
                const int r = 4*b+16*c;
                double value = ((rows[r+3][i]*u[i]+rows[r+2][i])*u[i]+rows[r+1][i])*u[i]+rows[r][i];
                double slope = (3*rows[r+3][i]*u[i]+2*rows[r+2][i])*u[i]+rows[r+1][i];
                pv = (D >= 2 ? pv*v[i]+p : 0.0);
                p = (D >= 2 ? p*v[i]+value : value);
                pu = (D >= 2 ? pu*v[i]+slope : slope);
            }
            if (D == 3) {
                ew = ew*w[i]+e;
                e = e*w[i]+p;
                eu = eu*w[i]+pu;
                ev = ev*w[i]+pv;
            }
            else {
                e = p;
                eu = pu;
                ev = pv;
            }
        }
        energy[i] = e+wallEnergy[i];
        gx[i] = eu*ix*inside[0][i]+wallGradient[0][i];
        gy[i] = (D >= 2 ? ev*iy*inside[1][i]+wallGradient[1][i] : 0.0);
        gz[i] = (D >= 3 ? ew*iz*inside[2][i]+wallGradient[2][i] : 0.0);
    }
}

#undef EFFPOT_LANES

} // namespace
} // namespace SplineLanes
} // namespace EffPot

#endif /*EFFPOT_SPLINE_LANES_H_*/
