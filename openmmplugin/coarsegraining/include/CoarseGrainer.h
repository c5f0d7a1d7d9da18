#ifndef EFFPOT_COARSE_GRAINER_H_
#define EFFPOT_COARSE_GRAINER_H_

#include "CoarseGrainingSettings.h"
#include "EffectivePotential.h"
#include "PotentialFitter.h"
#include "ProgressReporter.h"
#include "ReplicaStatistics.h"
#include "internal/ReplicaSampler.h"
#include "internal/windowsExportEffPot.h"
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace OpenMM {
class Platform;
class System;
}

namespace EffPot {

struct Stage1Estimate;

/**
 * Learns the effective potential of an energy landscape in 1 to 3 coordinates at the scale set by the step size
 * (docs/theory.md sections 3 to 6), with DampedVerletIntegrator in its deterministic mode.
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
        return source.userSystem != nullptr;
    }
    /** Positions of every particle of the user's System (N x 3, nm); the replicas' active components are then
     *  replaced by the initial replica positions. Default: all zero. */
    void setSystemPositions(const std::vector<double>& positions);
    const std::string& getEnergy() const {
        return source.energy;
    }
    int getDimensions() const {
        return source.dimensions;
    }
    /** Every setting as one value (CoarseGrainingSettings): what the setters below change. */
    const CoarseGrainingSettings& getSettings() const {
        return settings;
    }
    /**
     * Replace every setting at once; the value is checked as the setters check each field (an OpenMMException
     * names the field). Starting positions given here are the user's (not a pilot's), and the fit's bootstrap
     * takes the seed, as with setRandomSeed.
     */
    void setSettings(const CoarseGrainingSettings& settings);
    /** The step size h, in ps: it sets the scale that is learned. */
    void setStepSize(double h);
    double getStepSize() const {
        return settings.stepSize;
    }
    /** The friction gamma (1/ps) of the 1D run and of Stage 1. */
    void setFriction(double gamma);
    double getFriction() const {
        return settings.friction;
    }
    /** The scalar mass m (dalton) of the 1D run (default 1). */
    void setMass(double mass);
    double getMass() const {
        return settings.mass;
    }
    /** Replicas per design in Stage 1, and in the 1D run and Stage 2 (default 200). */
    void setNumReplicas(int count);
    int getNumReplicas() const {
        return source.numReplicas(settings);
    }
    /** Sampling steps of each run after equilibration (default 20000). */
    void setNumSteps(int steps);
    int getNumSteps() const {
        return settings.numSteps;
    }
    /** Stage 2 sampling steps (default: twice getNumSteps()). */
    void setNumStage2Steps(int steps);
    int getNumStage2Steps() const {
        return settings.stage2Steps();
    }
    /**
     * Stage 1's precision in every direction (docs/theory.md section 5): after the first round of designs, further
     * rounds in the eigenframe of D-hat run until the standard error of D-hat's relative error along its worst
     * direction (diagnostic stage1.whitenedError) is at most `tolerance` (default 0.01), or `maxRounds` rounds
     * (default 3; 1: the first round only) have run. An estimate that is not positive definite also gets another
     * round, and stops the run only when the rounds are spent.
     */
    void setStage1Precision(double tolerance, int maxRounds);
    /**
     * Stage-2 passes (0 to 5; default 2) before the fitted one, each recomputing D from the noise the calibrated
     * dynamics realise (RunDesigns::realisedNoise) so that the friction puts the positions at kT* in every direction.
     * Each costs one more Stage-2 run; 0: Stage 2 runs once, with Stage 1's D. 2D/3D only.
     */
    void setStage2Refinements(int passes);
    int getStage2Refinements() const {
        return settings.stage2Refinements;
    }
    double getStage1Tolerance() const {
        return settings.stage1Tolerance;
    }
    int getMaxStage1Rounds() const {
        return settings.maxStage1Rounds;
    }
    /** Equilibration steps before sampling starts in each run (default 2000). */
    void setNumEquilibrationSteps(int steps);
    int getNumEquilibrationSteps() const {
        return settings.numEquilibrationSteps;
    }
    /** Steps between two samples (default 10). */
    void setSampleInterval(int steps);
    int getSampleInterval() const {
        return settings.sampleInterval;
    }
    /** The target temperature kT* of Stage 2, in kJ/mol (default 1). */
    void setTargetKT(double kT);
    double getTargetKT() const {
        return settings.targetKT;
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
        return settings.numBatches;
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
        settings.useCustomExternalForce = use;
    }
    bool getUseCustomExternalForce() const {
        return settings.useCustomExternalForce;
    }
    int getRandomSeed() const {
        return settings.randomSeed;
    }
    /** Limits of the normality check: |skewness| and |excess kurtosis| above these stop the run (0.1, 0.2). */
    void setNormalityTolerance(double skewness, double excessKurtosis);
    /** Fit anyway when momenta fail the normality check (recorded in the notes). Frozen runs always stop. */
    void setAllowNonGaussian(bool allow);
    /**
     * Whether a replica that comes to rest in a micro-well during sampling (kinetic temperature below 1% of its
     * own running mean, which starts at kT*, for three relaxation times) is restarted with a thermal velocity at kT*, its quiet samples dropped (the
     * default), or left there and sampled as it is. Captures happen near the frozen end of a scale window; a
     * captured replica adds a spike to -kT log rho. Counts are in the diagnostics (sampling.frozenReplicas).
     */
    void setRestartFrozenReplicas(bool restart) {
        settings.restartFrozenReplicas = restart;
    }
    bool getRestartFrozenReplicas() const {
        return settings.restartFrozenReplicas;
    }
    /** The fitter's settings (knot spacing, smoothing, minimum bin count, bootstrap). */
    PotentialFitter& getFitter() {
        return fitter;
    }
    /** Receive progress reports during run() (not owned; NULL for none). */
    void setProgressReporter(ProgressReporter* reporter) {
        progress = reporter;
    }
    /**
     * Platform properties for the Contexts of every run (e.g. {"DeviceIndex": "1"} to put a process on one GPU).
     * Not part of the settings: they say where to run, not what.
     */
    void setPlatformProperties(const std::map<std::string, std::string>& properties) {
        platformProperties = properties;
    }
    const std::map<std::string, std::string>& getPlatformProperties() const {
        return platformProperties;
    }
    /**
     * Run on a platform and return the learned potential: CoarseGrainingPlan's walk of the pipeline, each stage one
     * piece over every batch and design (runStage1, runSampling with its own range, fit), run here on threads.
     */
    EffectivePotential run(OpenMM::Platform& platform);

    // ---- The pipeline in pieces, with plain-data inputs and outputs, for runs split over processes or machines
    // (effpot.distributed). A piece covers the replica batches [firstBatch, endBatch) (and in Stage 1 the designs
    // [firstGroup, endGroup)); its statistics have the shape of the whole run and are zero elsewhere, and every
    // batch's sums come from the same trajectories whatever the split, so merging the pieces (in any fixed order)
    // gives the D and U of run() exactly. A batch's starting positions and velocities are drawn from the one
    // seeded stream at the batch's own place in it: they depend on the seed, the stage and the batch only.

    /** The designs (groups) of Stage 1: d(d+1)/2 in 2D and 3D; 0 in 1D, which has no Stage 1. */
    int getNumStage1Groups() const;
    /**
     * Stage 1 for the batches [firstBatch, endBatch) of the designs [firstGroup, endGroup). A user's System
     * holds every replica, so there each piece steps them all and records only its batches: split such runs by
     * design.
     */
    ReplicaStatistics runStage1(OpenMM::Platform& platform, int firstBatch, int endBatch, int firstGroup, int endGroup);
    /**
     * A later Stage-1 round (CoarseGrainingPlan::getStage1Round): the designs A = W B W of the round's frame W
     * (CoarseGrainingPlan::getStage1Frame, d x d), on trajectories of their own (the round seeds its streams).
     */
    ReplicaStatistics runStage1(OpenMM::Platform& platform, int firstBatch, int endBatch, int firstGroup, int endGroup,
                                const std::vector<double>& frame, int round);
    /**
     * D (d x d, row-major) from the merged statistics of all of Stage 1: checks that no design froze and that D
     * is not singular (both throw), as run() does before Stage 2.
     */
    std::vector<double> estimateNoiseCovariance(const ReplicaStatistics& stage1) const;
    /**
     * Equilibrate the sampling run (the 1D run, or Stage 2 with Gamma = D / (2 kT*)) of the batches
     * [firstBatch, endBatch) and return the range its replicas visit over the last fifth of equilibration: d lower
     * bounds then d upper bounds. The union over all batches gives the histogram grid (samplingGrid).
     *
     * @param noise   D from estimateNoiseCovariance (d x d), or empty in 1D
     */
    std::vector<double> runSamplingRange(OpenMM::Platform& platform, const std::vector<double>& noise, int firstBatch, int endBatch);
    /** Whether the sampling run needs runSamplingRange for its grid (no box was set with setGridBox). */
    bool needsSamplingRange() const {
        return settings.gridBoxLower.empty();
    }
    /**
     * The histogram grid of the sampling run: the box of setGridBox, or `range` (the union of runSamplingRange
     * over all batches: d lower then d upper bounds) widened by 15% of its width on each side.
     */
    RegularGrid samplingGrid(const std::vector<double>& range) const;
    /** The sampling run of the batches [firstBatch, endBatch), its positions histogrammed on `grid`. */
    ReplicaStatistics runSampling(OpenMM::Platform& platform, const std::vector<double>& noise, const RegularGrid& grid,
                                  int firstBatch, int endBatch);
    /**
     * Checks, diagnostics and the fit from the merged statistics of the whole run (stage1 empty in 1D); keeps
     * them as getStage1Statistics() and getSamplingStatistics().
     *
     * @param platformName   recorded in the potential's notes
     */
    EffectivePotential fit(const ReplicaStatistics& stage1, const ReplicaStatistics& sampling, const std::string& platformName);
    /**
     * One run of the replicas with M = I and isotropic friction Gamma = gamma I, with no fit: the momentum
     * statistics a scale scan needs (ScaleScan). Uses the step size, replicas, steps and starts set here.
     * Replicas that freeze in micro-wells are counted (ReplicaStatistics::getNumFrozenReplicas) but, unlike in
     * run(), not restarted: freezing is what a scan measures.
     */
    ReplicaStatistics sampleIsotropic(OpenMM::Platform& platform, double gamma);
    /**
     * Pick the friction for the 1D run and Stage 1 from a short pilot run (a tenth of the steps but at least 20
     * relaxation times, M = I, gamma_pilot = 2 h): its energy balance gives the effective noise D per component, and the friction is
     * the gamma for which the predicted kinetic kT, D phi(gamma h) / (2 gamma m), equals the target kT
     * (setTargetKT; docs/theory.md section 4). run() calls it when no friction was set (setAutomaticFriction()).
     *
     * @return the friction, in 1/ps (it is not stored: call setFriction to keep it)
     */
    double choosePilotFriction(OpenMM::Platform& platform);
    /**
     * Pick the friction by a pilot run (choosePilotFriction) and keep it, with the pilot's diagnostics for the next
     * fit(): what run() does when the friction is automatic, for runs split into pieces (the pieces need a fixed
     * friction). When no starting positions or box were given (and the replicas are not a user's System), the
     * replicas then start where the pilot's ended: spread over the region the dynamics visits at this step, and
     * already relaxed for the pilot's run (diagnostics: settings.startsFromPilot). setAutomaticFriction() undoes both.
     *
     * @return the friction, in 1/ps
     */
    double usePilotFriction(OpenMM::Platform& platform);
    /**
     * The sharpest learned potential a step may produce: the fit's penalty is raised until h^2 lambda_max / m of U
     * (largest Hessian eigenvalue within 3 kT of the minimum) is at most this (default 1). Sharper features of the
     * sampled law belong to the scales the step turns into noise (their imprints measured 2-4). docs/theory.md section 3's
     * accuracy bound 0.3 is too strict for a limit: coarse parts exceed it at theory.md's own steps (P2's walls at
     * h = 0.3: 0.6), and a limit there flattened them (RMSE 0.025 -> 0.096 kT); the resolution warning still uses
     * 0.3. 0 switches the limit off.
     */
    void setResolutionLimit(double limit);
    double getResolutionLimit() const {
        return settings.resolutionLimit;
    }
    /** Let run() choose the friction by a pilot run (the default until setFriction is called). */
    void setAutomaticFriction() {
        settings.friction = 0;
        pilotDiagnostics.clear();
        forgetPilotStarts();
    }
    /** Where the replicas of the last pilot run ended (R x d, row-major; empty for a user's System). */
    const std::vector<double>& getPilotPositions() const {
        return pilotPositions;
    }
    /** Whether the initial positions are the pilot's end positions (see usePilotFriction). */
    bool getStartsFromPilot() const {
        return startsFromPilot;
    }
    /** Whether run() will choose the friction by a pilot run. */
    bool isFrictionAutomatic() const {
        return settings.friction == 0;
    }
    /** Statistics of the last run: Stage 1 (2D/3D) and the run whose positions were fitted (1D or Stage 2). */
    const ReplicaStatistics& getStage1Statistics() const {
        return stage1;
    }
    const ReplicaStatistics& getSamplingStatistics() const {
        return sampling;
    }
private:
    friend class CoarseGrainerProxy;
    friend class CoarseGrainingPlan;
    // Drop initial positions that came from a pilot (usePilotFriction); given ones stay.
    void forgetPilotStarts();
    // Change one setting: `change` edits a copy, which is checked (CoarseGrainingSettings::check) before it is kept.
    template <class Change>
    void update(const char* field, const std::string& caller, Change change);
    // sampleIsotropic, restarting frozen replicas or only counting them (the scan), with progress under `stage`.
    SamplingResult sampleIsotropic(OpenMM::Platform& platform, double gamma, bool restartFrozen, const std::string& stage,
                                   bool wantEndPositions);
    // Run one pass of the pipeline on ReplicaSampler, from this grainer's starting positions.
    SamplingResult sample(OpenMM::Platform& platform, const SamplingPass& pass);
    // The pass of the run whose positions are fitted (the 1D run or Stage 2) over `piece`.
    SamplingPass samplingPass(const ReplicaRunDesign& run, const ReplicaPiece& piece, SamplingMode mode, const RegularGrid* grid) const;
    void checkRunSettings(const std::string& method) const;
    /** The friction whose predicted kinetic kT (predictedKineticKT) is kT*, for a noise D that `measuredBy` measured. */
    double frictionForNoise(double noise, const std::string& measuredBy) const;
    /** Throws when a user's System gives its 1D replicas a mass other than the run's (setMass). */
    void checkMass(const std::string& method) const;
    void checkBatches(const std::string& method, int firstBatch, int endBatch) const;
    // The fit from the merged statistics, with Stage 1 solved once by the caller (empty in 1D). `samplingNoise`: the
    // D the sampling run's friction came from (CoarseGrainingPlan's refined one), or NULL for Stage 1's.
    EffectivePotential fit(const Stage1Estimate* stage1Estimate, const ReplicaStatistics& stage1, const ReplicaStatistics& sampling,
                           const std::string& platformName, const std::vector<double>* samplingNoise = NULL);
    std::vector<double> initialPositions(int count) const;
    // The potential's calibration record from the fitted run's D (d x d; 1D: unused) and kT.
    Calibration calibration(const std::vector<double>& noise, double kT) const;
    // kT = D phi(gamma h) / (2 gamma m) for an effective noise D per component (m = 1 beyond 1D: M = I).
    double predictedKineticKT(double noise, double gamma) const;
    ReplicaSource source;
    CoarseGrainingSettings settings;
    std::vector<std::pair<std::string, double> > pilotDiagnostics; // of the last automatic friction choice
    std::vector<double> pilotPositions;  // where the last pilot's replicas ended
    bool startsFromPilot;                // settings.initialPositions are the pilot's end positions (usePilotFriction)
    int progressPass;                    // CoarseGrainingPlan's refinement pass being run (0: the first), for progress labels
    PotentialFitter fitter;
    ProgressReporter* progress;
    std::map<std::string, std::string> platformProperties;
    ReplicaStatistics stage1, sampling;
};

} // namespace EffPot

#endif /*EFFPOT_COARSE_GRAINER_H_*/
