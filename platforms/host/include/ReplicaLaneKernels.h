#ifndef EFFPOT_REPLICA_LANE_KERNELS_H_
#define EFFPOT_REPLICA_LANE_KERNELS_H_

#include "internal/windowsExportEffPot.h"
#include <cstdint>

namespace EffPot {

/**
 * The lane loops of FusedReplicaStepper over one block of TapeEvaluator::BlockSize particles (structure of
 * arrays), compiled like the tape's for baseline x86-64 and for AVX2 with FMA, and chosen at run time with it.
 */
struct OPENMM_EXPORT_EFFPOT ReplicaLaneKernels {
    // The step kernels' signatures, shared by the uniform kernels and their PerLane variants.
    typedef void (*FirstHalf)(const double* decay, const double* kick, double h, double* const v[3], const double* const f[3],
                              double* const x[3]);
    typedef void (*SecondHalf)(const double* decay, const double* kick, const double* const dE[3], double* const v[3], double* const f[3]);
    typedef void (*FirstHalfNoisy)(const double* decay, const double* kick, const double* noise, double h, double* const v[3],
                                   const double* const f[3], const double* const z[3], double* const x[3]);
    typedef void (*SecondHalfNoisy)(const double* decay, const double* kick, const double* noise, const double* const dE[3],
                                    double* const v[3], double* const f[3], const double* const z[3]);
    typedef void (*SecondHalfMiddle)(const double* kick, const double* const dE[3], double* const v[3], double* const f[3]);
    typedef void (*Friction)(const double* fullDecay, const double* fullNoise, double* const v[3], const double* const z[3]);
    typedef void (*KickDrift)(const double* kick, double h, double* const v[3], const double* const f[3], double* const x[3]);
    /** a, b, c <- the x, y, z of BlockSize consecutive Vec3 starting at aos. */
    void (*gather)(const double* aos, double* a, double* b, double* c);
    /** BlockSize consecutive Vec3 starting at aos <- a, b, c. */
    void (*scatter)(double* aos, const double* a, const double* b, const double* c);
    /** O, B, A: v <- D v + K f, then x <- x + h v (D, K 3 x 3 row-major). */
    FirstHalf firstHalf;
    /** f <- -dE, then B, O: v <- D (v + K f). */
    SecondHalf secondHalf;
    /**
     * z[0..2][i] <- the normals of PhiloxNormal(key0, key1).normals3(particle[i], counter), BlockSize lanes; only
     * the first `count` (1 to 3: the set's numNormals, the columns of its noise factor that are not zero), the
     * others 0.
     */
    void (*normals)(uint32_t key0, uint32_t key1, const uint32_t* particle, uint64_t counter, int count, double* const z[3]);
    /** O, B, A with noise N z: v <- (D v + K f) + N z, then x <- x + h v. */
    FirstHalfNoisy firstHalfNoisy;
    /** f <- -dE, then B, O with noise: v <- D (v + K f) + N z. */
    SecondHalfNoisy secondHalfNoisy;
    /** B, A/2, O, O, A/2 (BAOAB before the force) without noise: v += K f; x += (h/2) v; v <- D D v; x += (h/2) v. */
    FirstHalf firstHalfMiddle;
    /**
     * B, A/2, O, A/2 (BAOAB before the force) with noise, the two half O steps as one over h: v += K f;
     * x += (h/2) v; v <- E v + N z (E, N: fullDecay, fullNoise); x += (h/2) v.
     */
    FirstHalfNoisy firstHalfMiddleNoisy;
    /** f <- -dE, then B: v += K f (BAOAB after the force). */
    SecondHalfMiddle secondHalfMiddle;
    /** O over a whole step: v <- E v + N z (E, N: fullDecay, fullNoise; GHMC's friction step). */
    Friction friction;
    /**
     * e[i] <- -log(u1), u1 = (w0 + 1) 2^-32 in (0, 1] from word 0 of the Philox call PhiloxNormal(key0, key1) makes
     * for (particle[i], counter), BlockSize lanes: GHMC's test accepts when dH <= kT e (u1 <= exp(-dH/kT)).
     */
    void (*exponentials)(uint32_t key0, uint32_t key1, const uint32_t* particle, uint64_t counter, double* e);
    /**
     * B, A of a set without friction (its decay exactly I: a Hamiltonian model, GHMC's move): v <- v + K f, then
     * x <- x + h v; firstHalf with D = I, to the same numbers, without the products with D. (Its second half is
     * secondHalfMiddle.)
     */
    KickDrift kickDrift;
    /**
     * The step kernels above for a block whose lanes have matrices of their own (particles of different
     * parameter sets): each matrix argument is 9 x BlockSize, structure of arrays (element j of lane i at
     * [j*BlockSize+i]). Every lane takes the same operations as in the uniform kernel, so a particle's trajectory
     * does not depend on its neighbours in the block.
     */
    struct PerLane {
        FirstHalf firstHalf;
        SecondHalf secondHalf;
        FirstHalfNoisy firstHalfNoisy;
        SecondHalfNoisy secondHalfNoisy;
        FirstHalf firstHalfMiddle;
        FirstHalfNoisy firstHalfMiddleNoisy;
        SecondHalfMiddle secondHalfMiddle;
        Friction friction;
    } perLane;
    /** The variant for this processor. */
    static const ReplicaLaneKernels& get();
};

} // namespace EffPot

#endif /*EFFPOT_REPLICA_LANE_KERNELS_H_*/
