#ifndef EFFPOT_COARSE_GRAINING_SETTINGS_H_
#define EFFPOT_COARSE_GRAINING_SETTINGS_H_

#include "internal/windowsExportEffPot.h"
#include <string>
#include <vector>

namespace EffPot {

/** What the configuration file, Python and the docs know of one setting (CoarseGrainingSettings::describe). */
struct OPENMM_EXPORT_EFFPOT SettingDescription {
    std::string field;    // the field: C++ member, Python attribute, XML property (lists: element, capitalized)
    std::string kind;     // "float", "int", "bool", "floats", "ints", or "friction" (a float, or "auto" for 0)
    std::string section;  // its table in the configuration file ("learn" or "run"); "" if it has no key
    std::string key;      // its key there ("" if none: set from Python or C++ only)
    std::string help;     // one line: what it means, its default
};

/**
 * Every setting of a coarse-graining run, as one value: what CoarseGrainer's setters change, what
 * CoarseGrainingSettingsProxy serializes, what a worker process receives and what Python reads as attributes.
 * Each setting has one name (the field) and one default (its initializer below), and one entry in visitFields(),
 * which gives its configuration key and help: the serialization proxy, Python's attributes and pickling, the
 * configuration file's keys and `python -m effpot.cli.config` all follow from that list (a test holds the
 * docs/cli.md table to it). Adding a setting: the field, its visitFields() line, and its rule in check().
 *
 * Validation lives in one place, check(): the setters, the proxy and CoarseGrainer::setSettings all call it, so a
 * value that one route rejects is rejected by every route, with a message naming the caller and the field.
 *
 * The settings of the spline fit (knot spacing, smoothing, bootstrap) belong to PotentialFitter, and where the runs
 * go (platform, its properties, progress) is not a setting: neither changes what is learned from a given trajectory.
 */
class OPENMM_EXPORT_EFFPOT CoarseGrainingSettings {
public:
    /** The step size h (ps): it sets the scale that is learned. 0: not set yet (run() refuses it). */
    double stepSize = 0;
    /** The friction gamma (1/ps) of the 1D run and of Stage 1. 0: automatic, picked by a pilot run. */
    double friction = 0;
    /** The scalar mass m (dalton) of the 1D run. */
    double mass = 1;
    /** The target temperature kT* of Stage 2 (kJ/mol), and the temperature of the starting velocities. */
    double targetKT = 1;
    /** Replicas per design in Stage 1, and in the 1D run and Stage 2 (ignored for a user's System). */
    int numReplicas = 200;
    /** Sampling steps of the 1D run and of each Stage-1 design, after equilibration. */
    int numSteps = 20000;
    /** Stage 2 sampling steps; 0: twice numSteps (stage2Steps()). */
    int numStage2Steps = 0;
    /** Equilibration steps before sampling starts in each run. */
    int numEquilibrationSteps = 2000;
    /**
     * Stage 1 adds rounds of designs in the eigenframe of D-hat (docs/theory.md section 5) until the standard error
     * of D-hat's relative error along its worst direction (Stage1Estimate::whitenedError) is at most this, or
     * maxStage1Rounds rounds have run. 0: always run maxStage1Rounds.
     */
    double stage1Tolerance = 0.01;
    /** The most Stage-1 rounds (each runs d(d+1)/2 designs); 1: the first round's designs only. */
    int maxStage1Rounds = 3;
    /**
     * Stage-2 passes before the fitted one that recompute D from the noise the calibrated dynamics realise (its drift
     * momenta; RunDesigns::realisedNoise, docs/theory.md section 5), so that the friction puts the positions at kT* in
     * every direction. Each costs one more Stage-2 run; 0: Stage 2 runs once, with Stage 1's D (2D/3D only).
     */
    int stage2Refinements = 2;
    /** Steps between two samples. */
    int sampleInterval = 10;
    /** Replica batches for standard errors. */
    int numBatches = 10;
    /** Seeds the starting positions (in a box) and velocities, and the fit's bootstrap. */
    int randomSeed = 1;
    /** Threads (Contexts stepped in parallel) for the replica runs; 0: one per core, at most 4. */
    int numThreads = 0;
    /** Normality limits: |skewness| and |excess kurtosis| of the momenta above these stop the run. */
    double maxSkewness = 0.1;
    double maxExcessKurtosis = 0.2;
    /** Excess kurtosis of a momentum above which the run is taken as frozen (replicas trapped in micro-wells). */
    double frozenKurtosis = 1.0;
    /** Fit anyway when the momenta fail the normality check (recorded in the notes). */
    bool allowNonGaussian = false;
    /** Restart replicas that come to rest in micro-wells (FrozenReplicaWatch) instead of sampling them there. */
    bool restartFrozenReplicas = true;
    /** Evaluate the energy with OpenMM's CustomExternalForce instead of ReplicaExpressionForce (for comparisons). */
    bool useCustomExternalForce = false;
    /** The largest h^2 lambda_max / m the fit may produce; 0: no limit (CoarseGrainer::setResolutionLimit). */
    double resolutionLimit = 1.0;
    /** Starting positions: up to R rows of d values, reused cyclically. Empty: uniform in the initial box. */
    std::vector<double> initialPositions;
    /** The box the starting positions are drawn from (d values each). Empty: [-1, 1]^d. */
    std::vector<double> initialBoxLower, initialBoxUpper;
    /** Histogram bins per dimension. Empty: gridBinsFor(d). */
    std::vector<int> gridBins;
    /** The histogram box (d values each). Empty: the range the replicas visit at the end of equilibration, widened. */
    std::vector<double> gridBoxLower, gridBoxUpper;

    /**
     * Call visit(member, field, kind, section, key, help) for every setting, in the order of the fields above
     * (SettingDescription says what the strings are). `Settings` is CoarseGrainingSettings, const or not.
     */
    template <class Settings, class Visitor>
    static void visitFields(Settings& s, Visitor& visit) {
        visit(s.stepSize, "stepSize", "float", "learn", "step_size", "h in ps: too large for the small scales, fine for the kept ones");
        visit(s.friction, "friction", "friction", "learn", "friction", "gamma in 1/ps (1D and Stage 1), or \"auto\" (default): a pilot run picks it for target_kT");
        visit(s.mass, "mass", "float", "learn", "mass", "replica mass in dalton, 1D only (default 1)");
        visit(s.targetKT, "targetKT", "float", "learn", "target_kT", "kT* of Stage 2, and the kinetic kT an automatic friction aims at, in kJ/mol (default 1)");
        visit(s.numReplicas, "numReplicas", "int", "learn", "replicas", "number of replicas (default 200)");
        visit(s.numSteps, "numSteps", "int", "learn", "steps", "sampling steps per run (1D run, each Stage-1 design; default 20000)");
        visit(s.numStage2Steps, "numStage2Steps", "int", "learn", "stage2_steps", "Stage-2 sampling steps (default: twice steps)");
        visit(s.numEquilibrationSteps, "numEquilibrationSteps", "int", "learn", "equilibration_steps", "steps before sampling (default 2000)");
        visit(s.stage1Tolerance, "stage1Tolerance", "float", "learn", "stage1_tolerance", "Stage 1 adds rounds of designs until the standard error of D-hat along its worst direction is at most this (default 0.01)");
        visit(s.maxStage1Rounds, "maxStage1Rounds", "int", "learn", "stage1_rounds", "the most Stage-1 rounds, each d(d+1)/2 designs (default 3; 1: the first round only)");
        visit(s.stage2Refinements, "stage2Refinements", "int", "learn", "stage2_refinements", "Stage-2 passes that recompute the friction from the noise the calibrated dynamics realise, before the fitted pass (default 2; 0: none)");
        visit(s.sampleInterval, "sampleInterval", "int", "learn", "sample_interval", "steps between samples (default 10)");
        visit(s.numBatches, "numBatches", "int", "learn", "batches", "replica batches for error bars (default 10)");
        visit(s.randomSeed, "randomSeed", "int", "run", "seed", "random seed of starting states and thermal noise (default 1)");
        visit(s.numThreads, "numThreads", "int", "run", "threads", "threads for parallel replica Contexts; 0 = one per core (default)");
        visit(s.maxSkewness, "maxSkewness", "float", "", "", "the normality check's limit on |skewness| of the momenta (0.1)");
        visit(s.maxExcessKurtosis, "maxExcessKurtosis", "float", "", "", "the normality check's limit on |excess kurtosis| (0.2)");
        visit(s.frozenKurtosis, "frozenKurtosis", "float", "", "", "excess kurtosis of a momentum above which the run counts as frozen (1)");
        visit(s.allowNonGaussian, "allowNonGaussian", "bool", "learn", "allow_non_gaussian", "fit even if the momenta are not Gaussian (default false)");
        visit(s.restartFrozenReplicas, "restartFrozenReplicas", "bool", "learn", "restart_frozen_replicas", "restart replicas that come to rest in a micro-well, dropping their quiet samples (default true)");
        visit(s.useCustomExternalForce, "useCustomExternalForce", "bool", "", "", "evaluate the energy with OpenMM's CustomExternalForce (comparisons)");
        visit(s.resolutionLimit, "resolutionLimit", "float", "", "", "the largest h^2 lambda_max / m the fit may produce; 0: none (1)");
        visit(s.initialPositions, "initialPositions", "floats", "", "", "starting positions, R x d; from [learn] starts and start_spread");
        visit(s.initialBoxLower, "initialBoxLower", "floats", "", "", "lower corner of the box the starts are drawn from");
        visit(s.initialBoxUpper, "initialBoxUpper", "floats", "", "", "upper corner of that box");
        visit(s.gridBins, "gridBins", "ints", "learn", "grid_bins", "histogram bins per dimension (default: chosen from d)");
        visit(s.gridBoxLower, "gridBoxLower", "floats", "learn", "grid_lower", "lower corner of the histogram box in nm (default: the sampled range)");
        visit(s.gridBoxUpper, "gridBoxUpper", "floats", "learn", "grid_upper", "upper corner of the histogram box in nm");
    }
    /** Every setting's description, in the order of visitFields(). */
    static std::vector<SettingDescription> describe();
    /** Stage 2 sampling steps: numStage2Steps, or twice numSteps when it is 0. */
    int stage2Steps() const {
        return numStage2Steps > 0 ? numStage2Steps : 2*numSteps;
    }
    /** The histogram bins of a d-dimensional run: gridBins, or the default for d. */
    std::vector<int> gridBinsFor(int dimensions) const;
    /**
     * Throw an OpenMMException, naming `caller` and the setting, if any setting is out of range for a landscape in
     * `dimensions` coordinates (0: not known, as for a value read on its own; then only what does not depend on d
     * is checked). With `field` (a field name, e.g. "stepSize"), check only that setting (the setters).
     */
    void check(int dimensions, const std::string& caller, const std::string& field = "") const;
};

} // namespace EffPot

#endif /*EFFPOT_COARSE_GRAINING_SETTINGS_H_*/
