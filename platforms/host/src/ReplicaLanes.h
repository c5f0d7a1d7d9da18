#ifndef EFFPOT_REPLICA_LANES_H_
#define EFFPOT_REPLICA_LANES_H_

// The bodies of ReplicaLaneKernels, included by one translation unit per instruction set (like TapeInstructions.h).
// The arithmetic follows DampedVerletStepper's one-particle-block path operation for operation.

#include "ReplicaLaneKernels.h"
#include "TapeEvaluator.h"
#include <cmath>
#include <cstdint>

namespace EffPot {
namespace ReplicaLanes {
// Internal linkage: every instruction-set translation unit must keep its own copy (an inline function with external
// linkage would be merged by the linker into whichever variant comes first).
namespace {

const int L = TapeEvaluator::BlockSize;

#define EFFPOT_LANES _Pragma("omp simd") for (int i = 0; i < L; i++)

inline void gather(const double* aos, double* a, double* b, double* c) {
    EFFPOT_LANES {
        a[i] = aos[3*i];
        b[i] = aos[3*i+1];
        c[i] = aos[3*i+2];
    }
}

inline void scatter(double* aos, const double* a, const double* b, const double* c) {
    EFFPOT_LANES {
        aos[3*i] = a[i];
        aos[3*i+1] = b[i];
        aos[3*i+2] = c[i];
    }
}

inline void firstHalf(const double* d, const double* k, double h, double* const v[3], const double* const f[3], double* const x[3]) {
    const double d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4], d5 = d[5], d6 = d[6], d7 = d[7], d8 = d[8];
    const double k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5], k6 = k[6], k7 = k[7], k8 = k[8];
    double* vx = v[0];
    double* vy = v[1];
    double* vz = v[2];
    const double* fx = f[0];
    const double* fy = f[1];
    const double* fz = f[2];
    double* X = x[0];
    double* Y = x[1];
    double* Z = x[2];
    EFFPOT_LANES {
        double a = vx[i], b = vy[i], c = vz[i];
        double nx = (d0*a+d1*b+d2*c)+(k0*fx[i]+k1*fy[i]+k2*fz[i]);
        double ny = (d3*a+d4*b+d5*c)+(k3*fx[i]+k4*fy[i]+k5*fz[i]);
        double nz = (d6*a+d7*b+d8*c)+(k6*fx[i]+k7*fy[i]+k8*fz[i]);
        vx[i] = nx;
        vy[i] = ny;
        vz[i] = nz;
        X[i] += nx*h;
        Y[i] += ny*h;
        Z[i] += nz*h;
    }
}

inline void secondHalf(const double* d, const double* k, const double* const dE[3], double* const v[3], double* const f[3]) {
    const double d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4], d5 = d[5], d6 = d[6], d7 = d[7], d8 = d[8];
    const double k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5], k6 = k[6], k7 = k[7], k8 = k[8];
    double* vx = v[0];
    double* vy = v[1];
    double* vz = v[2];
    double* fx = f[0];
    double* fy = f[1];
    double* fz = f[2];
    const double* ex = dE[0];
    const double* ey = dE[1];
    const double* ez = dE[2];
    EFFPOT_LANES {
        double gx = -ex[i], gy = -ey[i], gz = -ez[i];
        fx[i] = gx;
        fy[i] = gy;
        fz[i] = gz;
        double a = vx[i]+(k0*gx+k1*gy+k2*gz);
        double b = vy[i]+(k3*gx+k4*gy+k5*gz);
        double c = vz[i]+(k6*gx+k7*gy+k8*gz);
        vx[i] = d0*a+d1*b+d2*c;
        vy[i] = d3*a+d4*b+d5*c;
        vz[i] = d6*a+d7*b+d8*c;
    }
}

/**
 * The three standard normal deviates of PhiloxNormal::normals3(particle[i], counter) for every lane, with the
 * transcendental functions of Math (libmvec's vector variants where available: within a few ulp of the scalar ones
 * PhiloxNormal calls, so fused thermal steps agree with unfused ones to round-off, not bit for bit). The integer
 * rounds vectorize; the 53-bit uniforms are built in double arithmetic (exact: r0 2^21 + (r1 >> 11) + 1 <= 2^53).
 */
/**
 * The normals of the 53-bit uniforms u1 (in (0, 1]) and u2 (in [0, 1)) of PhiloxNormal's Box-Muller, `calls` (1 or
 * 2) Philox outputs per lane: z0, z1 from the first, z2 from the second (0 when calls = 1).
 */
template <class Math>
inline void normalsFromUniforms(double (*u1)[L], double (*u2)[L], int calls, double* const z[3]) {
    alignas(64) double radius[2][L], angle[2][L], cosine[2][L], sine[L];
    for (int call = 0; call < calls; call++) {
        Math::log(u1[call], radius[call]);
        double* r = radius[call];
        double* a = angle[call];
        const double* second = u2[call];
        EFFPOT_LANES {
            r[i] = std::sqrt(-2.0*r[i]);
            a[i] = 6.283185307179586*second[i];
        }
        Math::cos(angle[call], cosine[call]);
    }
    Math::sin(angle[0], sine);
    double* z0 = z[0];
    double* z1 = z[1];
    double* z2 = z[2];
    if (calls == 2)
        EFFPOT_LANES {
            z0[i] = radius[0][i]*cosine[0][i];
            z1[i] = radius[0][i]*sine[i];
            z2[i] = radius[1][i]*cosine[1][i];
        }
    else
        EFFPOT_LANES {
            z0[i] = radius[0][i]*cosine[0][i];
            z1[i] = radius[0][i]*sine[i];
            z2[i] = 0.0;
        }
}

/**
 * The three standard normal deviates of PhiloxNormal::normals3(particle[i], counter) for every lane, with the
 * transcendental functions of Math (libmvec's vector variants where available: within a few ulp of the scalar
 * ones PhiloxNormal calls, so fused thermal steps agree with unfused ones to round-off, not bit for bit). The
 * 53-bit uniforms are built in double arithmetic (exact: r0 2^21 + (r1 >> 11) + 1 <= 2^53), bit for bit those of
 * normals3. The third normal comes from the second Philox call alone: with count = 2 it is skipped (z[2] = 0), and
 * the first two are unchanged. (The AVX2 build replaces the integer rounds by normalsAvx2, bit for bit.)
 */
template <class Math>
inline void normals(uint32_t key0, uint32_t key1, const uint32_t* particle, uint64_t counter, int count, double* const z[3]) {
    alignas(64) double u1[2][L], u2[2][L];
    const uint32_t lowCounter = (uint32_t) counter, highCounter = (uint32_t) (counter>>32);
    const double scale = 1.0/9007199254740992.0;
    const int calls = (count > 2 ? 2 : 1);
    for (int call = 0; call < calls; call++) {
        double* first = u1[call];
        double* second = u2[call];
        EFFPOT_LANES {
            uint32_t c0 = particle[i], c1 = lowCounter, c2 = highCounter, c3 = (uint32_t) call;
            uint32_t k0 = key0, k1 = key1;
            for (int round = 0; round < 10; round++) {
                uint64_t p0 = (uint64_t) 0xD2511F53u*c0;
                uint64_t p1 = (uint64_t) 0xCD9E8D57u*c2;
                uint32_t n0 = (uint32_t) (p1>>32)^c1^k0;
                uint32_t n1 = (uint32_t) p1;
                uint32_t n2 = (uint32_t) (p0>>32)^c3^k1;
                uint32_t n3 = (uint32_t) p0;
                c0 = n0; c1 = n1; c2 = n2; c3 = n3;
                k0 += 0x9E3779B9u;
                k1 += 0xBB67AE85u;
            }
            first[i] = ((double) c0*2097152.0+(double) (c1>>11)+1.0)*scale;
            second[i] = ((double) c2*2097152.0+(double) (c3>>11))*scale;
        }
    }
    normalsFromUniforms<Math>(u1, u2, calls, z);
}

/** O, B, A with noise: v <- (D v + K f) + N z, then x <- x + h v (the order of the per-particle noisy path). */
inline void firstHalfNoisy(const double* d, const double* k, const double* n, double h, double* const v[3], const double* const f[3],
                           const double* const z[3], double* const x[3]) {
    double* vx = v[0];
    double* vy = v[1];
    double* vz = v[2];
    const double* fx = f[0];
    const double* fy = f[1];
    const double* fz = f[2];
    const double* za = z[0];
    const double* zb = z[1];
    const double* zc = z[2];
    double* X = x[0];
    double* Y = x[1];
    double* Z = x[2];
    EFFPOT_LANES {
        double a = vx[i], b = vy[i], c = vz[i];
        double ox = (d[0]*a+d[1]*b+d[2]*c)+(k[0]*fx[i]+k[1]*fy[i]+k[2]*fz[i]);
        double oy = (d[3]*a+d[4]*b+d[5]*c)+(k[3]*fx[i]+k[4]*fy[i]+k[5]*fz[i]);
        double oz = (d[6]*a+d[7]*b+d[8]*c)+(k[6]*fx[i]+k[7]*fy[i]+k[8]*fz[i]);
        ox += n[0]*za[i]+n[1]*zb[i]+n[2]*zc[i];
        oy += n[3]*za[i]+n[4]*zb[i]+n[5]*zc[i];
        oz += n[6]*za[i]+n[7]*zb[i]+n[8]*zc[i];
        vx[i] = ox;
        vy[i] = oy;
        vz[i] = oz;
        X[i] += ox*h;
        Y[i] += oy*h;
        Z[i] += oz*h;
    }
}

/** f <- -dE, then B, O with noise: v <- D (v + K f) + N z. */
inline void secondHalfNoisy(const double* d, const double* k, const double* n, const double* const dE[3], double* const v[3],
                            double* const f[3], const double* const z[3]) {
    double* vx = v[0];
    double* vy = v[1];
    double* vz = v[2];
    double* fx = f[0];
    double* fy = f[1];
    double* fz = f[2];
    const double* ex = dE[0];
    const double* ey = dE[1];
    const double* ez = dE[2];
    const double* za = z[0];
    const double* zb = z[1];
    const double* zc = z[2];
    EFFPOT_LANES {
        double gx = -ex[i], gy = -ey[i], gz = -ez[i];
        fx[i] = gx;
        fy[i] = gy;
        fz[i] = gz;
        double a = vx[i]+(k[0]*gx+k[1]*gy+k[2]*gz);
        double b = vy[i]+(k[3]*gx+k[4]*gy+k[5]*gz);
        double c = vz[i]+(k[6]*gx+k[7]*gy+k[8]*gz);
        vx[i] = (d[0]*a+d[1]*b+d[2]*c)+(n[0]*za[i]+n[1]*zb[i]+n[2]*zc[i]);
        vy[i] = (d[3]*a+d[4]*b+d[5]*c)+(n[3]*za[i]+n[4]*zb[i]+n[5]*zc[i]);
        vz[i] = (d[6]*a+d[7]*b+d[8]*c)+(n[6]*za[i]+n[7]*zb[i]+n[8]*zc[i]);
    }
}

/** The body of firstHalfMiddle, with or without the noise terms (a compile-time choice, so the quiet loop has none). */
template <bool Noisy>
inline void firstHalfMiddleLanes(const double* d, const double* k, const double* n, double h, double* const v[3],
                                 const double* const f[3], const double* const z1[3], const double* const z2[3],
                                 double* const x[3]) {
    double* vx = v[0];
    double* vy = v[1];
    double* vz = v[2];
    const double* fx = f[0];
    const double* fy = f[1];
    const double* fz = f[2];
    double* X = x[0];
    double* Y = x[1];
    double* Z = x[2];
    const double half = 0.5*h;
    const double* const z[2][3] = {{z1[0], z1[1], z1[2]}, {z2[0], z2[1], z2[2]}};
    EFFPOT_LANES {
        double a = vx[i]+(k[0]*fx[i]+k[1]*fy[i]+k[2]*fz[i]);
        double b = vy[i]+(k[3]*fx[i]+k[4]*fy[i]+k[5]*fz[i]);
        double c = vz[i]+(k[6]*fx[i]+k[7]*fy[i]+k[8]*fz[i]);
        X[i] += a*half;
        Y[i] += b*half;
        Z[i] += c*half;
        for (int twice = 0; twice < 2; twice++) {
            double p = d[0]*a+d[1]*b+d[2]*c, q = d[3]*a+d[4]*b+d[5]*c, r = d[6]*a+d[7]*b+d[8]*c;
            if (Noisy) {
                double za = z[twice][0][i], zb = z[twice][1][i], zc = z[twice][2][i];
                p += n[0]*za+n[1]*zb+n[2]*zc;
                q += n[3]*za+n[4]*zb+n[5]*zc;
                r += n[6]*za+n[7]*zb+n[8]*zc;
            }
            a = p;
            b = q;
            c = r;
        }
        vx[i] = a;
        vy[i] = b;
        vz[i] = c;
        X[i] += a*half;
        Y[i] += b*half;
        Z[i] += c*half;
    }
}

/**
 * B, A/2, O, O, A/2 (the BAOAB splitting before the force evaluation): v += K f; x += (h/2) v; then twice
 * v <- D v (+ N z), with z1 and z2; x += (h/2) v. `n` null: no noise.
 */
inline void firstHalfMiddle(const double* d, const double* k, const double* n, double h, double* const v[3],
                            const double* const f[3], const double* const z1[3], const double* const z2[3], double* const x[3]) {
    if (n == nullptr)
        firstHalfMiddleLanes<false>(d, k, n, h, v, f, z1, z2, x);
    else
        firstHalfMiddleLanes<true>(d, k, n, h, v, f, z1, z2, x);
}

/** f <- -dE, then B: v += K f (the BAOAB splitting after the force evaluation). */
inline void secondHalfMiddle(const double* k, const double* const dE[3], double* const v[3], double* const f[3]) {
    double* vx = v[0];
    double* vy = v[1];
    double* vz = v[2];
    double* fx = f[0];
    double* fy = f[1];
    double* fz = f[2];
    const double* ex = dE[0];
    const double* ey = dE[1];
    const double* ez = dE[2];
    EFFPOT_LANES {
        double gx = -ex[i], gy = -ey[i], gz = -ez[i];
        fx[i] = gx;
        fy[i] = gy;
        fz[i] = gz;
        vx[i] += k[0]*gx+k[1]*gy+k[2]*gz;
        vy[i] += k[3]*gx+k[4]*gy+k[5]*gz;
        vz[i] += k[6]*gx+k[7]*gy+k[8]*gz;
    }
}

#undef EFFPOT_LANES

} // namespace
} // namespace ReplicaLanes
} // namespace EffPot

#endif /*EFFPOT_REPLICA_LANES_H_*/
