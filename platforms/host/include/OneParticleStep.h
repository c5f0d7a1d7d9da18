#ifndef EFFPOT_ONE_PARTICLE_STEP_H_
#define EFFPOT_ONE_PARTICLE_STEP_H_

// One particle's damped Stormer-Verlet step with 3 x 3 matrices (docs/theory.md section 2): the arithmetic that
// both host steppers take for a one-particle block, DampedVerletStepper on OpenMM's Vec3 arrays and ReplicaLanes
// (FusedReplicaStepper) on SIMD lanes. Written once so that the two do the same floating-point operations in the
// same order: they differ only where libmvec's vector sin, cos and log differ from the scalar ones in the thermal
// noise, and by contraction to FMA in the AVX2 build.
//
// Each half step names its letters; D is the friction half step's decay exp(-(h/2) M^-1 Gamma), K the half kick
// (h/2) M^-1, f the force, and g, g1, g2 the noise kicks N z of the O steps (ignored unless Noisy); E the friction
// step over a whole step (BAOAB's two half O steps as one, with noise). Matrices are
// anything with [0..8] row-major: a pointer, or a Matrix3 copy that the compiler keeps in registers.
//
// Internal linkage, like ReplicaLanes.h: the header is compiled with and without -mavx2 -mfma, and inline functions
// with external linkage would be merged by the linker into whichever variant came first.

namespace EffPot {
namespace OneParticleStep {
namespace {

/** A particle's x, y, z: no member functions, so nothing here has external linkage. */
struct Vector {
    double x, y, z;
};

/** A 3 x 3 row-major matrix by value, so that the compiler keeps it in registers across a loop. */
struct Matrix3 {
    double a[9];
    explicit Matrix3(const double* m) : a{m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]} {
    }
    double operator[](int i) const {
        return a[i];
    }
};

/** A u, each row summed left to right. */
template <class Matrix>
inline Vector times(const Matrix& a, const Vector& u) {
    return Vector{a[0]*u.x+a[1]*u.y+a[2]*u.z, a[3]*u.x+a[4]*u.y+a[5]*u.z, a[6]*u.x+a[7]*u.y+a[8]*u.z};
}

inline Vector plus(const Vector& a, const Vector& b) {
    return Vector{a.x+b.x, a.y+b.y, a.z+b.z};
}

/** A over time t: x <- x + t v. */
inline void drift(Vector& x, const Vector& v, double t) {
    x.x += v.x*t;
    x.y += v.y*t;
    x.z += v.z*t;
}

/** O, B, A (OBABO before the force): v <- (D v + K f) (+ g), then x <- x + h v. */
template <bool Noisy, class Matrix>
inline void obaboBeforeForce(const Matrix& d, const Matrix& k, double h, Vector& v, const Vector& f, const Vector& g, Vector& x) {
    v = plus(times(d, v), times(k, f));
    if (Noisy)
        v = plus(v, g);
    drift(x, v, h);
}

/**
 * B, A without friction (D exactly the identity, as in a Hamiltonian model or GHMC's move): v <- v + K f, then
 * x <- x + h v. obaboBeforeForce with D = I gives the same numbers (1 v_i and 0 v_j are exact); this skips the
 * nine products with D.
 */
template <class Matrix>
inline void kickDrift(const Matrix& k, double h, Vector& v, const Vector& f, Vector& x) {
    v = plus(v, times(k, f));
    drift(x, v, h);
}

/** B, O (OBABO after the force, f the new force): v <- D (v + K f) (+ g). */
template <bool Noisy, class Matrix>
inline void obaboAfterForce(const Matrix& d, const Matrix& k, Vector& v, const Vector& f, const Vector& g) {
    v = times(d, plus(v, times(k, f)));
    if (Noisy)
        v = plus(v, g);
}

/**
 * B, A/2, O, O, A/2 (BAOAB before the force): v <- v + K f; x <- x + (h/2) v; v <- D v (+ g1); v <- D v (+ g2);
 * x <- x + (h/2) v.
 */
template <bool Noisy, class Matrix>
inline void baoabBeforeForce(const Matrix& d, const Matrix& k, double halfH, Vector& v, const Vector& f, const Vector& g1,
                             const Vector& g2, Vector& x) {
    v = plus(v, times(k, f));
    drift(x, v, halfH);
    v = times(d, v);
    if (Noisy)
        v = plus(v, g1);
    v = times(d, v);
    if (Noisy)
        v = plus(v, g2);
    drift(x, v, halfH);
}

/**
 * B, A/2, O, A/2 with BAOAB's two half friction steps drawn as one exact O step over h (the thermal and noise modes):
 * v <- v + K f; x <- x + (h/2) v; v <- E v + g (E = exp(-h M^-1 Gamma), g the whole step's noise kick);
 * x <- x + (h/2) v.
 */
template <class Matrix>
inline void baoabBeforeForceFullO(const Matrix& e, const Matrix& k, double halfH, Vector& v, const Vector& f, const Vector& g,
                                  Vector& x) {
    v = plus(v, times(k, f));
    drift(x, v, halfH);
    v = plus(times(e, v), g);
    drift(x, v, halfH);
}

/** B (BAOAB after the force): v <- v + K f. */
template <class Matrix>
inline void baoabAfterForce(const Matrix& k, Vector& v, const Vector& f) {
    v = plus(v, times(k, f));
}

} // namespace
} // namespace OneParticleStep
} // namespace EffPot

#endif /*EFFPOT_ONE_PARTICLE_STEP_H_*/
