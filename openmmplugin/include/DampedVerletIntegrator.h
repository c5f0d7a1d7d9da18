#ifndef EFFPOT_DAMPED_VERLET_INTEGRATOR_H_
#define EFFPOT_DAMPED_VERLET_INTEGRATOR_H_

#include "openmm/Integrator.h"
#include "openmm/Kernel.h"
#include "internal/windowsExportEffPot.h"
#include <vector>

namespace EffPot {

class DampedVerletMatrices;

/**
 * The damped Stormer-Verlet scheme with exact exponential friction and matrix-valued masses and friction
 * (docs/theory.md section 2). Each step is the symmetric split O-B-A-B-O in velocity form:
 *
 *     v <- E v (+ noise)        E = exp(-(h/2) M^-1 Gamma)   exact friction half step
 *     v <- v + (h/2) M^-1 F     half kick
 *     x <- x + h v              drift
 *     v <- v + (h/2) M^-1 F     half kick with the force at the new positions
 *     v <- E v (+ noise)
 *
 * with one force evaluation per step. Mass and friction matrices are given per block: a list of k particles
 * with a 3k x 3k mass matrix M (symmetric positive definite, dalton) and friction matrix Gamma (symmetric
 * positive semidefinite, dalton/ps; the friction force is -Gamma v). Degrees of freedom of a block are ordered
 * x0, y0, z0, x1, y1, z1, ... Particles outside every block use their System mass m_i and the scalar default
 * friction, Gamma = gamma m_i.
 *
 * Three modes:
 * - temperature 0 (the default) and no noise covariance: the deterministic scheme of Li and Tao, in which
 *   unresolved small scales of the potential act as noise;
 * - temperature T > 0: the exact Ornstein-Uhlenbeck step with fluctuation-dissipation in every block, so that
 *   the velocities of each block keep Cov(v) = kT M^-1 exactly;
 * - setNoiseCovariance(block, D): explicit momentum noise of covariance D for that block (dp = ... + Sigma dW,
 *   D = Sigma Sigma^T), with no fluctuation-dissipation relation to Gamma.
 *
 * The kinetic energy reported by a State is (1/2) v^T M v summed over blocks (plus (1/2) m_i v_i^2 outside
 * them), and Context::setVelocitiesToTemperature() draws v ~ N(0, kT M^-1) in every block.
 *
 * Changes to block parameters, temperature, friction or noise take effect at the next step of a running
 * Context. Constraints are not supported.
 */
class OPENMM_EXPORT_EFFPOT DampedVerletIntegrator : public OpenMM::Integrator {
public:
    /**
     * The order of the sub-steps of one step (docs/theory.md section 2); both evaluate the force once per step and
     * use the same matrices and noise counters.
     */
    enum Splitting {
        /**
         * O-B-A-B-O: a friction (and noise) half step at each end. The scheme effpot learns with (the default).
         */
        OBABO = 0,
        /**
         * B-A-O-A-B: the whole friction (and noise) step between two half drifts, as two exact half steps, like
         * OpenMM's LangevinMiddleIntegrator. In the thermal mode its configurational bias at large steps is much
         * smaller (P5's coarse part at 5x the learning step: TV 0.03 against 0.15 with OBABO): the surrogate
         * Langevin models use it. On every platform (Reference, CPU, OpenCL, CUDA).
         */
        BAOAB = 1,
        /**
         * Generalized hybrid Monte Carlo: the exact friction (and noise) step over h, then B-A-B, accepted per block
         * with probability min(1, exp(-dH/kT)) (dH the change of that block's potential plus kinetic energy over
         * the B-A-B move); on rejection the block returns to its state after the friction step with its velocity
         * reversed. Its equilibrium law is exp(-H/kT) exactly, at any step size: the configurational bias that
         * BAOAB keeps at large steps (P5's coarse part at 5x the learning step: TV 0.09) is gone (0.008), at the
         * price of the rejections, which perturb the dynamics (89% accepted there; docs/integrator.md).
         * Thermal mode only (temperature > 0, no explicit noise covariance), for replica Systems: every particle
         * a one-particle block and one ReplicaSplineForce or ReplicaExpressionForce, acting on each particle once,
         * the only force (the test needs each replica's own energy). Every platform (OpenCL and CUDA: the fused
         * replica kernel).
         * getMetropolisAcceptance() reports the fraction of moves accepted.
         */
        GHMC = 2
    };
    /**
     * Create a DampedVerletIntegrator.
     *
     * @param stepSize   the step size, in ps (positive)
     */
    explicit DampedVerletIntegrator(double stepSize);
    ~DampedVerletIntegrator();
    /**
     * Set the step size, in ps (positive).
     */
    void setStepSize(double size);
    /**
     * Add a block of particles that share a mass matrix and a friction matrix.
     *
     * @param particles        the indices of the k particles in the block (each in at most one block)
     * @param massMatrix       the 3k x 3k mass matrix, row-major, in dalton: symmetric positive definite
     * @param frictionMatrix   the 3k x 3k friction matrix, row-major, in dalton/ps: symmetric positive semidefinite
     * @return the index of the new block
     */
    int addBlock(const std::vector<int>& particles, const std::vector<double>& massMatrix,
                 const std::vector<double>& frictionMatrix);
    /**
     * Get the number of blocks.
     */
    int getNumBlocks() const;
    /**
     * Get the particles of a block.
     *
     * @param index   the index of the block
     */
    const std::vector<int>& getBlockParticles(int index) const;
    /**
     * Get the mass matrix of a block (3k x 3k, row-major, dalton).
     */
    const std::vector<double>& getBlockMassMatrix(int index) const;
    /**
     * Get the friction matrix of a block (3k x 3k, row-major, dalton/ps).
     */
    const std::vector<double>& getBlockFrictionMatrix(int index) const;
    /**
     * Replace the mass and friction matrices of a block. In a running Context this takes effect at the next step.
     *
     * @param index            the index of the block
     * @param massMatrix       the new 3k x 3k mass matrix (dalton)
     * @param frictionMatrix   the new 3k x 3k friction matrix (dalton/ps)
     */
    void setBlockParameters(int index, const std::vector<double>& massMatrix, const std::vector<double>& frictionMatrix);
    /**
     * Get the friction coefficient for particles outside every block, in 1/ps.
     */
    double getDefaultFriction() const;
    /**
     * Set the friction coefficient for particles outside every block, in 1/ps (non-negative): their friction
     * matrix is gamma m_i times the identity.
     */
    void setDefaultFriction(double gamma);
    /**
     * Get the temperature of the thermal mode, in kelvin (0: deterministic).
     */
    double getTemperature() const;
    /**
     * Set the temperature, in kelvin (non-negative). 0 is the deterministic scheme; T > 0 adds the noise that
     * satisfies fluctuation-dissipation in every block without an explicit noise covariance.
     */
    void setTemperature(double temperature);
    /**
     * Set an explicit momentum-noise covariance D for one block (dalton^2 nm^2 ps^-3, 3k x 3k, row-major,
     * symmetric positive semidefinite). The block then receives noise of covariance D per unit time whatever the
     * temperature, with no fluctuation-dissipation relation. An empty vector removes it.
     */
    void setNoiseCovariance(int block, const std::vector<double>& covariance);
    /**
     * Get the explicit noise covariance of a block (empty if it has none).
     */
    const std::vector<double>& getNoiseCovariance(int block) const;
    /**
     * Get the splitting of the step (a Splitting value).
     */
    int getSplitting() const {
        return splitting;
    }
    /**
     * Set the splitting of the step: OBABO (the default), BAOAB or GHMC.
     */
    void setSplitting(int splitting);
    /**
     * The fraction of the GHMC splitting's moves accepted since the Context was created or reinitialized (every
     * block's move of every step counts once), or -1 if none was made (another splitting, or no step yet). The
     * counts are not part of a checkpoint: Context::loadCheckpoint() neither restores nor resets them, so moves made
     * after the checkpoint was taken still count in that Context, and a new Context that loads it starts at -1.
     */
    double getMetropolisAcceptance();
    /**
     * Get the random number seed. See setRandomNumberSeed().
     */
    int getRandomNumberSeed() const;
    /**
     * Set the random number seed. The noise is a counter-based stream keyed by this seed, so a given seed gives
     * the same trajectory on every run and with any number of threads. 0 (the default) picks a new seed when a
     * Context is created.
     */
    void setRandomNumberSeed(int seed);
    /**
     * Advance the simulation by a number of steps.
     */
    void step(int steps);
    /**
     * Get a counter that changes whenever a parameter used by the kernels changes (for kernels: rebuild the
     * precomputed matrices when it differs from the one they last saw).
     */
    long long getParameterVersion() const;
    /**
     * Precompute (in double precision, on the host) every matrix the kernels need for a System: the kick,
     * friction and noise matrices per distinct block parameter set, and the scalars for particles outside blocks.
     * Validates the blocks against the System and throws OpenMMException on bad input.
     */
    DampedVerletMatrices computeMatrices(const OpenMM::System& system) const;
protected:
    void initialize(OpenMM::ContextImpl& context);
    void cleanup();
    std::vector<std::string> getKernelNames();
    void stateChanged(OpenMM::State::DataType changed);
    double computeKineticEnergy();
    std::vector<OpenMM::Vec3> getVelocitiesForTemperature(const OpenMM::System& system, double temperature,
                                                          int randomSeed) const;
    void createCheckpoint(std::ostream& stream) const;
    void loadCheckpoint(std::istream& stream);
private:
    struct Block {
        std::vector<int> particles;
        std::vector<double> mass, friction, noise;
    };
    void checkBlockIndex(int index, const char* method) const;
    std::vector<Block> blocks;
    std::vector<int> blockOfParticle;
    double defaultFriction, temperature;
    int randomNumberSeed, splitting;
    long long parameterVersion;
    bool forcesAreValid;
    OpenMM::Kernel kernel;
};

} // namespace EffPot

#endif /*EFFPOT_DAMPED_VERLET_INTEGRATOR_H_*/
