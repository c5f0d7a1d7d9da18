#ifndef EFFPOT_DAMPED_VERLET_MATRICES_H_
#define EFFPOT_DAMPED_VERLET_MATRICES_H_

#include "windowsExportEffPot.h"
#include <vector>

namespace EffPot {

/**
 * Everything a DampedVerletIntegrator kernel needs, precomputed once per parameter change on the host in double
 * precision, so that a kernel only does small matrix-vector products (docs/theory.md section 2, velocity form).
 *
 * Blocks that share their matrices (replicas) share one parameter set. All matrices are n x n row-major with
 * n = 3k for a block of k particles.
 */
struct OPENMM_EXPORT_EFFPOT DampedVerletMatrices {
    /** One distinct set of block matrices. */
    struct ParameterSet {
        int size;                        ///< n = 3k
        std::vector<double> halfKick;    ///< (h/2) M^-1: a half kick is v += halfKick F (ps/dalton)
        std::vector<double> decay;       ///< E = exp(-(h/2) M^-1 Gamma), the friction half step
        std::vector<double> noise;       ///< B with B B^T the velocity-noise covariance of one half step; empty if none
        std::vector<double> mass;        ///< M, for the kinetic energy (dalton)
    };
    std::vector<ParameterSet> parameterSets;
    std::vector<int> blockParameterSet;              ///< the parameter set of each block
    /** The particles of block b are blockParticles[blockStart[b] .. blockStart[b+1]) (flat, for kernels). */
    std::vector<int> blockStart;
    std::vector<int> blockParticles;
    /** Particles outside every block with a nonzero mass: scalar kick, decay and noise. */
    std::vector<int> freeParticles;
    std::vector<double> freeInverseMass;             ///< 1/m_i
    std::vector<double> freeNoise;                   ///< standard deviation of the velocity noise per half step
    double freeDecay;                                ///< exp(-(h/2) gamma)
    double stepSize;                                 ///< h, in ps
    int splitting;                                   ///< DampedVerletIntegrator::Splitting
    bool anyNoise;                                   ///< whether any block or free particle receives noise
};

} // namespace EffPot

#endif /*EFFPOT_DAMPED_VERLET_MATRICES_H_*/
