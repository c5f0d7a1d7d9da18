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

/**
 * cos(2 pi t[i]) and sin(2 pi t[i]) (t in turns) with Math's cosine and sine of the angle 6.283185307179586 t: the
 * generic route of normalsFromUniforms. The AVX2 build has its own (BoxMullerAvx2.h).
 */
template <class Math>
struct AngleCosSin {
    static void cosSin(const double* t, double* c, double* s) {
        alignas(64) double angle[L];
        EFFPOT_LANES {
            angle[i] = 6.283185307179586*t[i];
        }
        Math::cos(angle, c);
        if (s != nullptr)
            Math::sin(angle, s);
    }
};

/**
 * The normals of PhiloxNormal's Box-Muller for every lane from its uniforms u1 (in (0, 1]) and u2 (in [0, 1)) of the
 * two word pairs of one Philox output: z0 = r0 cos(a0), z1 = r0 sin(a0) from the first pair, z2 = r1 cos(a1) from the
 * second, a = 2 pi u2. Only the first `count` (1, 2 or 3) are computed; the others are set to 0. CosSin::cosSin(t, c,
 * s) gives cos(2 pi t) and, unless s is null, sin(2 pi t).
 */
template <class Math, class CosSin = AngleCosSin<Math> >
inline void normalsFromUniforms(double (*u1)[L], double (*u2)[L], int count, double* const z[3]) {
    alignas(64) double radius[2][L], cosine[2][L], sine[L];
    const int pairs = (count > 2 ? 2 : 1);
    for (int pair = 0; pair < pairs; pair++) {
        Math::log(u1[pair], radius[pair]);
        double* r = radius[pair];
        EFFPOT_LANES {
            r[i] = std::sqrt(-2.0*r[i]);
        }
        CosSin::cosSin(u2[pair], cosine[pair], (pair == 0 && count > 1 ? sine : nullptr));
    }
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
 * The uniforms of one Philox4x32-10 call per lane (counter (particle[i], counter)): u1 = (w + 1) 2^-32 in (0, 1]
 * from words 0 and 2, u2 = w 2^-32 in [0, 1) from words 1 and 3, exact in double, bit for bit those of
 * PhiloxNormal.
 */
inline void philoxUniforms(uint32_t key0, uint32_t key1, const uint32_t* particle, uint64_t counter, double (*u1)[L], double (*u2)[L]) {
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
    philoxUniforms(key0, key1, particle, counter, u1, u2);
    normalsFromUniforms<Math>(u1, u2, count, z);
}

/**
 * e[i] <- -log(u1) with u1 the first uniform of philoxUniforms, an exponential deviate (>= 0), with Math's log: GHMC
 * accepts a move when dH <= kT e, the test u <= exp(-dH/kT) without an exponential per lane.
 */
template <class Math>
inline void exponentials(uint32_t key0, uint32_t key1, const uint32_t* particle, uint64_t counter, double* e) {
    alignas(64) double u1[2][L], u2[2][L];
    philoxUniforms(key0, key1, particle, counter, u1, u2);
    Math::log(u1[0], e);
    EFFPOT_LANES {
        e[i] = -e[i];
    }
}

// Where a loop reads a lane's 3 x 3 matrices from (OneParticleStep takes anything with [0..8]):
// - SameMatrix: one matrix for every lane, copied, so that the compiler keeps it in registers across the loop;
// - SamePointer: one matrix for every lane, read through the pointer;
// - PerLane: lane i's own matrix, structure of arrays (element j of lane i at a[j*L+i]): a block whose particles
//   belong to different parameter sets, with every lane taking the same operations as in a uniform block. Each
//   iteration copies its lane's nine elements into a LaneMatrix: GCC 12 does not vectorize the loops when the
//   matrix indexes the arrays itself (one "no vectype" load per iteration), and then they run 2.6x slower.
struct SameMatrix {
    Matrix3 m;
    explicit SameMatrix(const double* a) : m(a) {
    }
    const Matrix3& operator()(int) const {
        return m;
    }
};

struct SamePointer {
    const double* a;
    explicit SamePointer(const double* a) : a(a) {
    }
    const double* operator()(int) const {
        return a;
    }
};

struct LaneMatrix {
    double a[9];
    double operator[](int j) const {
        return a[j];
    }
};

struct PerLane {
    const double* a;
    explicit PerLane(const double* a) : a(a) {
    }
    LaneMatrix operator()(int i) const {
        LaneMatrix m;
        for (int j = 0; j < 9; j++)
            m.a[j] = a[j*L+i];
        return m;
    }
};

/** O, B, A: v <- D v + K f, then x <- x + h v. */
template <class M>
inline void firstHalfWith(M decay, M kick, double h, double* const v[3], const double* const f[3], double* const x[3]) {
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
        OneParticleStep::obaboBeforeForce<false>(decay(i), kick(i), h, vi, Vector{fx[i], fy[i], fz[i]}, Vector(), xi);
        store(vi, vx, vy, vz, i);
        store(xi, X, Y, Z, i);
    }
}

/** B, A without friction (the decay is exactly I): v <- v + K f, then x <- x + h v. */
template <class M>
inline void kickDriftWith(M kick, double h, double* const v[3], const double* const f[3], double* const x[3]) {
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
        OneParticleStep::kickDrift(kick(i), h, vi, Vector{fx[i], fy[i], fz[i]}, xi);
        store(vi, vx, vy, vz, i);
        store(xi, X, Y, Z, i);
    }
}

/** f <- -dE, then B, O: v <- D (v + K f). */
template <class M>
inline void secondHalfWith(M decay, M kick, const double* const dE[3], double* const v[3], double* const f[3]) {
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
        OneParticleStep::obaboAfterForce<false>(decay(i), kick(i), vi, g, Vector());
        store(vi, vx, vy, vz, i);
    }
}

/** O, B, A with noise: v <- (D v + K f) + N z, then x <- x + h v (the order of the per-particle noisy path). */
template <class M>
inline void firstHalfNoisyWith(M d, M k, M n, double h, double* const v[3], const double* const f[3],
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
        OneParticleStep::obaboBeforeForce<true>(d(i), k(i), h, vi, Vector{fx[i], fy[i], fz[i]},
                                                OneParticleStep::times(n(i), Vector{za[i], zb[i], zc[i]}), xi);
        store(vi, vx, vy, vz, i);
        store(xi, X, Y, Z, i);
    }
}

/** f <- -dE, then B, O with noise: v <- D (v + K f) + N z. */
template <class M>
inline void secondHalfNoisyWith(M d, M k, M n, const double* const dE[3], double* const v[3],
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
        OneParticleStep::obaboAfterForce<true>(d(i), k(i), vi, g, OneParticleStep::times(n(i), Vector{za[i], zb[i], zc[i]}));
        store(vi, vx, vy, vz, i);
    }
}

/**
 * B, A/2, O, O, A/2 (the BAOAB splitting before the force evaluation) without noise: v += K f; x += (h/2) v; twice
 * v <- D v; x += (h/2) v.
 */
template <class M>
inline void firstHalfMiddleWith(M d, M k, double h, double* const v[3], const double* const f[3], double* const x[3]) {
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
        OneParticleStep::baoabBeforeForce<false>(d(i), k(i), half, vi, Vector{fx[i], fy[i], fz[i]}, Vector(), Vector(), xi);
        store(vi, vx, vy, vz, i);
        store(xi, X, Y, Z, i);
    }
}

/**
 * B, A/2, O, A/2 with noise (BAOAB's two half friction steps as one exact O step over h): v += K f; x += (h/2) v;
 * v <- E v + N z (E, N the full step's decay and noise factor); x += (h/2) v.
 */
template <class M>
inline void firstHalfMiddleNoisyWith(M e, M k, M n, double h, double* const v[3], const double* const f[3],
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
    const double half = 0.5*h;
    EFFPOT_LANES {
        Vector vi = {vx[i], vy[i], vz[i]}, xi = {X[i], Y[i], Z[i]};
        OneParticleStep::baoabBeforeForceFullO(e(i), k(i), half, vi, Vector{fx[i], fy[i], fz[i]},
                                               OneParticleStep::times(n(i), Vector{za[i], zb[i], zc[i]}), xi);
        store(vi, vx, vy, vz, i);
        store(xi, X, Y, Z, i);
    }
}

/** f <- -dE, then B: v += K f (the BAOAB splitting after the force evaluation). */
template <class M>
inline void secondHalfMiddleWith(M k, const double* const dE[3], double* const v[3], double* const f[3]) {
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
        OneParticleStep::baoabAfterForce(k(i), vi, g);
        store(vi, vx, vy, vz, i);
    }
}

/** O over a whole step: v <- E v + N z (GHMC's friction step; E, N the full step's decay and noise factor). */
template <class M>
inline void frictionWith(M e, M n, double* const v[3], const double* const z[3]) {
    double* vx = v[0];
    double* vy = v[1];
    double* vz = v[2];
    const double* za = z[0];
    const double* zb = z[1];
    const double* zc = z[2];
    EFFPOT_LANES {
        Vector vi = OneParticleStep::plus(OneParticleStep::times(e(i), Vector{vx[i], vy[i], vz[i]}),
                                          OneParticleStep::times(n(i), Vector{za[i], zb[i], zc[i]}));
        store(vi, vx, vy, vz, i);
    }
}

// The kernels of ReplicaLaneKernels. Uniform blocks: the quiet OBABO loops copy their two matrices, the others read
// them through the pointers (the choices these loops made before, kept so that their generated code stays as
// measured). Mixed blocks (the *Lanes variants): per-lane matrices, structure of arrays.

inline void firstHalf(const double* d, const double* k, double h, double* const v[3], const double* const f[3], double* const x[3]) {
    firstHalfWith(SameMatrix(d), SameMatrix(k), h, v, f, x);
}

inline void secondHalf(const double* d, const double* k, const double* const dE[3], double* const v[3], double* const f[3]) {
    secondHalfWith(SameMatrix(d), SameMatrix(k), dE, v, f);
}

inline void kickDrift(const double* k, double h, double* const v[3], const double* const f[3], double* const x[3]) {
    kickDriftWith(SameMatrix(k), h, v, f, x);
}

inline void firstHalfNoisy(const double* d, const double* k, const double* n, double h, double* const v[3], const double* const f[3],
                           const double* const z[3], double* const x[3]) {
    firstHalfNoisyWith(SamePointer(d), SamePointer(k), SamePointer(n), h, v, f, z, x);
}

inline void secondHalfNoisy(const double* d, const double* k, const double* n, const double* const dE[3], double* const v[3],
                            double* const f[3], const double* const z[3]) {
    secondHalfNoisyWith(SamePointer(d), SamePointer(k), SamePointer(n), dE, v, f, z);
}

inline void firstHalfMiddle(const double* d, const double* k, double h, double* const v[3], const double* const f[3],
                            double* const x[3]) {
    firstHalfMiddleWith(SamePointer(d), SamePointer(k), h, v, f, x);
}

inline void firstHalfMiddleNoisy(const double* e, const double* k, const double* n, double h, double* const v[3],
                                 const double* const f[3], const double* const z[3], double* const x[3]) {
    firstHalfMiddleNoisyWith(SamePointer(e), SamePointer(k), SamePointer(n), h, v, f, z, x);
}

inline void secondHalfMiddle(const double* k, const double* const dE[3], double* const v[3], double* const f[3]) {
    secondHalfMiddleWith(SamePointer(k), dE, v, f);
}

inline void friction(const double* e, const double* n, double* const v[3], const double* const z[3]) {
    frictionWith(SamePointer(e), SamePointer(n), v, z);
}

inline void firstHalfLanes(const double* d, const double* k, double h, double* const v[3], const double* const f[3], double* const x[3]) {
    firstHalfWith(PerLane(d), PerLane(k), h, v, f, x);
}

inline void secondHalfLanes(const double* d, const double* k, const double* const dE[3], double* const v[3], double* const f[3]) {
    secondHalfWith(PerLane(d), PerLane(k), dE, v, f);
}

inline void firstHalfNoisyLanes(const double* d, const double* k, const double* n, double h, double* const v[3],
                                const double* const f[3], const double* const z[3], double* const x[3]) {
    firstHalfNoisyWith(PerLane(d), PerLane(k), PerLane(n), h, v, f, z, x);
}

inline void secondHalfNoisyLanes(const double* d, const double* k, const double* n, const double* const dE[3], double* const v[3],
                                 double* const f[3], const double* const z[3]) {
    secondHalfNoisyWith(PerLane(d), PerLane(k), PerLane(n), dE, v, f, z);
}

inline void firstHalfMiddleLanes(const double* d, const double* k, double h, double* const v[3], const double* const f[3],
                                 double* const x[3]) {
    firstHalfMiddleWith(PerLane(d), PerLane(k), h, v, f, x);
}

inline void firstHalfMiddleNoisyLanes(const double* e, const double* k, const double* n, double h, double* const v[3],
                                      const double* const f[3], const double* const z[3], double* const x[3]) {
    firstHalfMiddleNoisyWith(PerLane(e), PerLane(k), PerLane(n), h, v, f, z, x);
}

inline void secondHalfMiddleLanes(const double* k, const double* const dE[3], double* const v[3], double* const f[3]) {
    secondHalfMiddleWith(PerLane(k), dE, v, f);
}

inline void frictionLanes(const double* e, const double* n, double* const v[3], const double* const z[3]) {
    frictionWith(PerLane(e), PerLane(n), v, z);
}


#undef EFFPOT_LANES

} // namespace
} // namespace ReplicaLanes
} // namespace EffPot

#endif /*EFFPOT_REPLICA_LANES_H_*/
