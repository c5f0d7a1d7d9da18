#ifndef EFFPOT_REPLICA_LANES_H_
#define EFFPOT_REPLICA_LANES_H_

// The bodies of ReplicaLaneKernels, included by one translation unit per instruction set (like TapeInstructions.h).
// Each lane takes OneParticleStep's arithmetic, as DampedVerletStepper's one-particle blocks do.

#include "OneParticleStep.h"
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

using OneParticleStep::Matrix3;
using OneParticleStep::Vector;

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

/** Lane i of a, b, c <- u. */
inline void store(const Vector& u, double* a, double* b, double* c, int i) {
    a[i] = u.x;
    b[i] = u.y;
    c[i] = u.z;
}

// The quiet loops copy their two matrices (Matrix3), the noisy ones read their three through the pointers: the
// choices these loops made before they called OneParticleStep, kept so that their generated code stays as measured.
inline void firstHalf(const double* d, const double* k, double h, double* const v[3], const double* const f[3], double* const x[3]) {
    const Matrix3 decay(d), kick(k);
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
        Vector vi = {vx[i], vy[i], vz[i]}, xi = {X[i], Y[i], Z[i]};
        OneParticleStep::obaboBeforeForce<false>(decay, kick, h, vi, Vector{fx[i], fy[i], fz[i]}, Vector(), xi);
        store(vi, vx, vy, vz, i);
        store(xi, X, Y, Z, i);
    }
}

inline void secondHalf(const double* d, const double* k, const double* const dE[3], double* const v[3], double* const f[3]) {
    const Matrix3 decay(d), kick(k);
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
        Vector g = {-ex[i], -ey[i], -ez[i]};
        store(g, fx, fy, fz, i);
        Vector vi = {vx[i], vy[i], vz[i]};
        OneParticleStep::obaboAfterForce<false>(decay, kick, vi, g, Vector());
        store(vi, vx, vy, vz, i);
    }
}

/**
 * The normals of PhiloxNormal's Box-Muller for every lane from its uniforms u1 (in (0, 1]) and u2 (in [0, 1)) of the
 * two word pairs of one Philox output: z0 = r0 cos(a0), z1 = r0 sin(a0) from the first pair, z2 = r1 cos(a1) from the
 * second. Only the first `count` (1, 2 or 3) are computed; the others are set to 0.
 */
template <class Math>
inline void normalsFromUniforms(double (*u1)[L], double (*u2)[L], int count, double* const z[3]) {
    alignas(64) double radius[2][L], angle[2][L], cosine[2][L], sine[L];
    const int pairs = (count > 2 ? 2 : 1);
    for (int pair = 0; pair < pairs; pair++) {
        Math::log(u1[pair], radius[pair]);
        double* r = radius[pair];
        double* a = angle[pair];
        const double* second = u2[pair];
        EFFPOT_LANES {
            r[i] = std::sqrt(-2.0*r[i]);
            a[i] = 6.283185307179586*second[i];
        }
        Math::cos(angle[pair], cosine[pair]);
    }
    if (count > 1)
        Math::sin(angle[0], sine);
    double* z0 = z[0];
    double* z1 = z[1];
    double* z2 = z[2];
    EFFPOT_LANES {
        z0[i] = radius[0][i]*cosine[0][i];
        z1[i] = (count > 1 ? radius[0][i]*sine[i] : 0.0);
        z2[i] = (count > 2 ? radius[1][i]*cosine[1][i] : 0.0);
    }
}

/**
 * The first `count` (1 to 3) standard normal deviates of PhiloxNormal::normals3(particle[i], counter) for every lane
 * (the others 0), with the transcendental functions of Math (libmvec's vector variants where available: within a
 * few ulp of the scalar ones PhiloxNormal calls, so fused thermal steps agree with unfused ones to round-off, not bit
 * for bit). One Philox call per lane; the 32-bit uniforms are exact in double, bit for bit those of normals3. (The
 * AVX2 build replaces the integer rounds by normalsAvx2, bit for bit.)
 */
template <class Math>
inline void normals(uint32_t key0, uint32_t key1, const uint32_t* particle, uint64_t counter, int count, double* const z[3]) {
    alignas(64) double u1[2][L], u2[2][L];
    const uint32_t lowCounter = (uint32_t) counter, highCounter = (uint32_t) (counter>>32);
    const double scale = 1.0/4294967296.0;
    double* first0 = u1[0];
    double* second0 = u2[0];
    double* first1 = u1[1];
    double* second1 = u2[1];
    EFFPOT_LANES {
        uint32_t c0 = particle[i], c1 = lowCounter, c2 = highCounter, c3 = 0;
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
        first0[i] = ((double) c0+1.0)*scale;
        second0[i] = (double) c1*scale;
        first1[i] = ((double) c2+1.0)*scale;
        second1[i] = (double) c3*scale;
    }
    normalsFromUniforms<Math>(u1, u2, count, z);
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
        Vector vi = {vx[i], vy[i], vz[i]}, xi = {X[i], Y[i], Z[i]};
        OneParticleStep::obaboBeforeForce<true>(d, k, h, vi, Vector{fx[i], fy[i], fz[i]},
                                                OneParticleStep::times(n, Vector{za[i], zb[i], zc[i]}), xi);
        store(vi, vx, vy, vz, i);
        store(xi, X, Y, Z, i);
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
        Vector g = {-ex[i], -ey[i], -ez[i]};
        store(g, fx, fy, fz, i);
        Vector vi = {vx[i], vy[i], vz[i]};
        OneParticleStep::obaboAfterForce<true>(d, k, vi, g, OneParticleStep::times(n, Vector{za[i], zb[i], zc[i]}));
        store(vi, vx, vy, vz, i);
    }
}

/**
 * B, A/2, O, O, A/2 (the BAOAB splitting before the force evaluation) without noise: v += K f; x += (h/2) v; twice
 * v <- D v; x += (h/2) v.
 */
inline void firstHalfMiddle(const double* d, const double* k, double h, double* const v[3], const double* const f[3],
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
    EFFPOT_LANES {
        Vector vi = {vx[i], vy[i], vz[i]}, xi = {X[i], Y[i], Z[i]};
        OneParticleStep::baoabBeforeForce<false>(d, k, half, vi, Vector{fx[i], fy[i], fz[i]}, Vector(), Vector(), xi);
        store(vi, vx, vy, vz, i);
        store(xi, X, Y, Z, i);
    }
}

/**
 * B, A/2, O, A/2 with noise (BAOAB's two half friction steps as one exact O step over h): v += K f; x += (h/2) v;
 * v <- E v + N z (E, N the full step's decay and noise factor); x += (h/2) v.
 */
inline void firstHalfMiddleNoisy(const double* e, const double* k, const double* n, double h, double* const v[3],
                                 const double* const f[3], const double* const z[3], double* const x[3]) {
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
    const double half = 0.5*h;
    EFFPOT_LANES {
        Vector vi = {vx[i], vy[i], vz[i]}, xi = {X[i], Y[i], Z[i]};
        OneParticleStep::baoabBeforeForceFullO(e, k, half, vi, Vector{fx[i], fy[i], fz[i]},
                                               OneParticleStep::times(n, Vector{za[i], zb[i], zc[i]}), xi);
        store(vi, vx, vy, vz, i);
        store(xi, X, Y, Z, i);
    }
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
        Vector g = {-ex[i], -ey[i], -ez[i]};
        store(g, fx, fy, fz, i);
        Vector vi = {vx[i], vy[i], vz[i]};
        OneParticleStep::baoabAfterForce(k, vi, g);
        store(vi, vx, vy, vz, i);
    }
}

#undef EFFPOT_LANES

} // namespace
} // namespace ReplicaLanes
} // namespace EffPot

#endif /*EFFPOT_REPLICA_LANES_H_*/
