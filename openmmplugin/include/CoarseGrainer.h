#ifndef EFFPOT_COARSE_GRAINER_H_
#define EFFPOT_COARSE_GRAINER_H_

#include "EffectivePotential.h"
#include "PotentialFitter.h"
#include "ProgressReporter.h"
#include "ReplicaStatistics.h"
#include "internal/windowsExportEffPot.h"
#include <memory>
#include <string>
#include <vector>

namespace OpenMM {
class Platform;
class System;
}

namespace EffPot {

/**
 * Learns the effective potential of an energy landscape in 1 to 3 coordinates at the scale set by the step size
 * (SPEC.md sections 3 to 6), with DampedVerletIntegrator in its deterministic mode.
 *
 * - 1 dimension (section 4): R replicas with M = m, Gamma = gamma M; kT = <p^2>/m; U = -kT log rho.
 * - 2 or 3 dimensions (section 5): Stage 1 runs the d(d+1)/2 mass designs A = M^-1 with Gamma = gamma M as
 *   groups of replicas of one Context and estimates the effective-noise covariance D from the energy balances
 *   b_A = 2 gamma <p^T A p> / phi(gamma h); Stage 2 runs M = I, Gamma = D / (2 kT*), so that
 *   fluctuation-dissipation holds, and the positions sample exp(-U / kT).
 *
 * Momenta are checked for normality before anything is fitted: a frozen run, or a non-Gaussian 1D run or Stage 2
 * (whose laws are Gibbs-like, so their momenta must be Gaussian), raises an OpenMMException with advice (change h
 * or gamma) instead of returning a wrong potential. Stage 1 runs scalar friction against anisotropic noise, whose
 * law is not Gibbs: its momenta need not be Gaussian in a non-quadratic landscape (the energy balance it measures
 * holds regardless), so there non-Gaussian momenta are only noted.
 */
class OPENMM_EXPORT_EFFPOT CoarseGrainer {
public:
    /**
     * @param energy       an OpenMM expression in x (1D), x, y (2D) or x, y, z (3D), in kJ/mol
     * @param dimensions   1, 2 or 3
     */
    CoarseGrainer(const std::string& energy, int dimensions);
    /**
     * Coarse-grain replicas that live in a System of your own: `replicaParticles` are the replicas (each gets the
     * designed mass and friction matrices), the first `dimensions` Cartesian components are the active ones, and
     * every other particle moves with its System mass and the scalar friction. Stage-1 designs then run one
     * Context each. The System is copied.
     */
    CoarseGrainer(const OpenMM::System& system, const std::vector<int>& replicaParticles, int dimensions);
    /** Whether the replicas come from a System given to the constructor. */
    bool hasUserSystem() const {
        return userSystem != nullptr;
    }
    /** Positions of every particle of the user's System (N x 3, nm); the replicas' active components are then
     *  replaced by the initial replica positions. Default: all zero. */
    void setSystemPositions(const std::vector<double>& positions);
    const std::string& getEnergy() const {
        return energy;
    }
    int getDimensions() const {
        return dimensions;
    }
    /** The step size h, in ps: it sets the scale that is learned. */
    void setStepSize(double h);
    double getStepSize() const {
        return stepSize;
    }
    /** The friction gamma (1/ps) of the 1D run and of Stage 1. */
    void setFriction(double gamma);
    double getFriction() const {
        return friction;
    }
    /** The scalar mass m (dalton) of the 1D run (default 1). */
    void setMass(double mass);
    double getMass() const {
        return mass;
    }
    /** Replicas per design in Stage 1, and in the 1D run and Stage 2 (default 200). */
    void setNumReplicas(int count);
    int getNumReplicas() const {
        return userSystem ? (int) replicaParticles.size() : numReplicas;
    }
    /** Sampling steps of each run after equilibration (default 20000). */
    void setNumSteps(int steps);
    int getNumSteps() const {
        return numSteps;
    }
    /** Stage 2 sampling steps (default: twice getNumSteps()). */
    void setNumStage2Steps(int steps);
    int getNumStage2Steps() const {
        return numStage2Steps > 0 ? numStage2Steps : 2*numSteps;
    }
    /** Equilibration steps before sampling starts in each run (default 2000). */
    void setNumEquilibrationSteps(int steps);
    int getNumEquilibrationSteps() const {
        return numEquilibrationSteps;
    }
    /** Steps between two samples (default 10). */
    void setSampleInterval(int steps);
    int getSampleInterval() const {
        return sampleInterval;
    }
    /** The target temperature kT* of Stage 2, in kJ/mol (default 1). */
    void setTargetKT(double kT);
    double getTargetKT() const {
        return targetKT;
    }
    /**
     * Initial positions of the replicas: up to R rows of d values, row-major, reused cyclically when fewer (e.g.
     * one row per well); each design starts from the same ones. Starting velocities are random at kT* anyway.
     */
    void setInitialPositions(const std::vector<double>& positions);
    /** Or draw initial positions uniformly in a box (default [-1, 1]^d). */
    void setInitialBox(const std::vector<double>& lower, const std::vector<double>& upper);
    /** Histogram bins per dimension (default 150 in 1D, 50 in 2D, 25 in 3D). */
    void setGridBins(const std::vector<int>& bins);
    std::vector<int> getGridBins() const;
    /** Fix the histogram box (default: the range the replicas visit at the end of equilibration, widened). */
    void setGridBox(const std::vector<double>& lower, const std::vector<double>& upper);
    /** Replica batches for standard errors (default 10). */
    void setNumBatches(int count);
    int getNumBatches() const {
        return numBatches;
    }
    void setRandomSeed(int seed);
    /**
     * Threads for the replica runs (0, the default: one per core, at most 4). The replicas are split over that
     * many Contexts stepped in parallel; the trajectories, and so D and U, do not depend on the split.
     */
    void setNumThreads(int count);
    int getNumThreads() const;
    /**
     * Evaluate the energy with OpenMM's CustomExternalForce instead of ReplicaExpressionForce (the default, the
     * same energies and forces to round-off, several times faster): for comparisons and benchmarks.
     */
    void setUseCustomExternalForce(bool use) {
        useCustomExternalForce = use;
    }
    bool getUseCustomExternalForce() const {
        return useCustomExternalForce;
    }
    int getRandomSeed() const {
        return seed;
    }
    /** Limits of the normality check: |skewness| and |excess kurtosis| above these stop the run (0.1, 0.2). */
    void setNormalityTolerance(double skewness, double excessKurtosis);
    /** Fit anyway when momenta fail the normality check (recorded in the notes). Frozen runs always stop. */
    void setAllowNonGaussian(bool allow);
    /** The fitter's settings (knot spacing, smoothing, minimum bin count, bootstrap). */
    PotentialFitter& getFitter() {
        return fitter;
    }
    /** Receive progress reports during run() (not owned; NULL for none). */
    void setProgressReporter(ProgressReporter* reporter) {
        progress = reporter;
    }
    /** Run on a platform and return the learned potential. */
    EffectivePotential run(OpenMM::Platform& platform);
    /**
     * One run of the replicas with M = I and isotropic friction Gamma = gamma I, with no fit: the momentum
     * statistics a scale scan needs (ScaleScan). Uses the step size, replicas, steps and starts set here.
     */
    ReplicaStatistics sampleIsotropic(OpenMM::Platform& platform, double gamma);
    /**
     * Pick the friction for the 1D run and Stage 1 from a short pilot run (a tenth of the steps but at least 20
     * relaxation times, M = I, gamma_pilot = 2 h): its energy balance gives the effective noise D per component, and the friction is
     * the gamma for which the predicted kinetic kT, D phi(gamma h) / (2 gamma m), equals the target kT
     * (setTargetKT; SPEC.md section 4). run() calls it when no friction was set (setAutomaticFriction()).
     *
     * @return the friction, in 1/ps (it is not stored: call setFriction to keep it)
     */
    double choosePilotFriction(OpenMM::Platform& platform);
    /**
     * The sharpest learned potential a step may produce: the fit's penalty is raised until h^2 lambda_max / m of U
     * (largest Hessian eigenvalue within 3 kT of the minimum) is at most this (default 1). Sharper features of the
     * sampled law belong to the scales the step turns into noise (their imprints measured 2-4). SPEC.md section 3's
     * accuracy bound 0.3 is too strict for a limit: coarse parts exceed it at the SPEC's own steps (P2's walls at
     * h = 0.3: 0.6), and a limit there flattened them (RMSE 0.025 -> 0.096 kT); the resolution warning still uses
     * 0.3. 0 switches the limit off.
     */
    void setResolutionLimit(double limit);
    double getResolutionLimit() const {
        return resolutionLimit;
    }
    /** Let run() choose the friction by a pilot run (the default until setFriction is called). */
    void setAutomaticFriction() {
        friction = 0;
    }
    /** Whether run() will choose the friction by a pilot run. */
    bool isFrictionAutomatic() const {
        return friction == 0;
    }
    /** Statistics of the last run: Stage 1 (2D/3D) and the run whose positions were fitted (1D or Stage 2). */
    const ReplicaStatistics& getStage1Statistics() const {
        return stage1;
    }
    const ReplicaStatistics& getSamplingStatistics() const {
        return sampling;
    }
private:
    struct Run;
    ReplicaStatistics sample(OpenMM::Platform& platform, const Run& run, int steps, bool histogram, const std::string& stage);
    // Record normality statistics of a group; a frozen run throws, a non-Gaussian one is added to `problems`.
    void checkNormality(const ReplicaStatistics& statistics, int group, const std::string& label,
                        std::vector<std::pair<std::string, double> >& diagnostics, std::vector<std::string>& problems) const;
    std::vector<double> initialPositions(int count) const;
    // kT = D phi(gamma h) / (2 gamma m) for an effective noise D per component (m = 1 beyond 1D: M = I).
    double predictedKineticKT(double noise, double gamma) const;
    std::vector<std::pair<std::string, double> > pilotDiagnostics; // of the last automatic friction choice
    std::string energy;
    std::shared_ptr<OpenMM::System> userSystem;
    std::vector<int> replicaParticles;
    std::vector<double> systemPositions;
    int dimensions;
    double stepSize, friction, mass, targetKT;
    int numReplicas, numSteps, numStage2Steps, numEquilibrationSteps, sampleInterval, numBatches, seed;
    std::vector<double> positions, boxLower, boxUpper, gridLower, gridUpper;
    std::vector<int> gridBins;
    double maxSkewness, maxExcessKurtosis, frozenKurtosis;
    bool allowNonGaussian;
    PotentialFitter fitter;
    ProgressReporter* progress;
    int numThreads;
    double resolutionLimit;
    bool useCustomExternalForce;
    ReplicaStatistics stage1, sampling;
};

} // namespace EffPot

#endif /*EFFPOT_COARSE_GRAINER_H_*/
