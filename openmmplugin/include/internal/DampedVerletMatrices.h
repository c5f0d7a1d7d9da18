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
        /**
         * The friction step over a whole step h, exp(-h M^-1 Gamma), and its noise factor (B B^T the velocity-noise
         * covariance over h; empty if none): BAOAB's two consecutive half O steps drawn as one exact O step in the
         * thermal and noise modes (the same Gaussian law; one set of normals instead of two).
         */
        std::vector<double> fullDecay;
        std::vector<double> fullNoise;
        /**
         * The columns of noise and fullNoise are ordered so that those that can be nonzero come first: columns
         * numNormals .. n-1 are zero (for a 3 x 3 set of a 2D model, numNormals = 2: the third normal is not needed).
         * 0 without noise, at least 1 with.
         */
        int numNormals;
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
    std::vector<double> freeFullNoise;               ///< standard deviation of the velocity noise over a whole step
    double freeFullDecay;                            ///< exp(-h gamma)
    double stepSize;                                 ///< h, in ps
    int splitting;                                   ///< DampedVerletIntegrator::Splitting
    double kT;                                       ///< the thermal mode's kT (kJ/mol; 0 deterministic): GHMC's test
    bool anyNoise;                                   ///< whether any block or free particle receives noise
};

} // namespace EffPot

#endif /*EFFPOT_DAMPED_VERLET_MATRICES_H_*/
