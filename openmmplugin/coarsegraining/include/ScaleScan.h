#ifndef EFFPOT_SCALE_SCAN_H_
#define EFFPOT_SCALE_SCAN_H_

#include "CoarseGrainer.h"
#include "internal/windowsExportEffPot.h"
#include <string>
#include <vector>

namespace OpenMM {
class Platform;
}

namespace EffPot {

/** What one step size of a ScaleScan gave (or, for getEdgePoint, its check at kT*). */
struct OPENMM_EXPORT_EFFPOT ScaleScanPoint {
    double stepSize = 0;                   ///< h, ps
    double friction = 0;                   ///< gamma used, 1/ps
    double kT = 0;                         ///< tr <p p^T> / d, kJ/mol (0 if the run exploded)
    std::vector<double> skewness;          ///< per component
    std::vector<double> excessKurtosis;    ///< per component
    std::vector<double> dagostinoPValue;   ///< per component, on thinned samples
    bool frozen = false;                   ///< kT collapsed or momenta heavy-tailed (excess kurtosis > 1)
    long long frozenReplicas = 0;          ///< replicas that came to rest in micro-wells (a few near a window's frozen end)
    bool exploded = false;                 ///< positions or momenta became non-finite
    /** The run's length, gamma (numEquilibrationSteps + numSteps) h, in relaxation times 1/gamma (M = I). */
    double relaxationTimes = 0;
    /**
     * The share of the starting state's excess energy still in the sampled averages, exp(-gamma t_eq)
     * (1 - exp(-gamma t_s)) / (gamma t_s) (docs/theory.md section 9): 1/20 for 20 relaxation times of sampling and
     * no equilibration.
     */
    double transientWeight = 0;
    /** transientWeight within the scan's limit (setMaxTransientWeight). True by default: points built by hand
     * (ScaleScan::classify on synthetic statistics) are taken as relaxed. */
    bool relaxed = true;
    bool gaussian = false;                 ///< relaxed, |skewness| and |excess kurtosis| within the tolerances
    /** The point was at a level's large-step edge and was run again at kT* (getEdgePoint has that run). */
    bool edgeChecked = false;
    /** The run at kT* was Gaussian (and relaxed, neither frozen nor exploded): for a checked point, this and not
     * `gaussian` decides whether it belongs to a level. */
    bool gaussianAtTargetKT = false;
};

/**
 * What the run of one step size gave, in one value that crosses process boundaries as plain data: its statistics,
 * or that it exploded (ScaleScan::samplePoint, the one place where an exploded run is recognised).
 */
struct OPENMM_EXPORT_EFFPOT ScaleScanRun {
    bool exploded = false;              ///< the run threw UnstableRunException (non-finite positions or momenta)
    ReplicaStatistics statistics;       ///< CoarseGrainer::sampleIsotropic's statistics; empty when exploded
};

/** A window of consecutive step sizes whose momenta are Gaussian: one scale level. */
struct OPENMM_EXPORT_EFFPOT ScaleScanLevel {
    double smallest, largest;   ///< the step sizes that bound the window (ps)
    double recommended;         ///< the geometric middle of the window's step sizes (ps)
    int numPoints;              ///< how many scanned step sizes the window holds
};

/**
 * Scale detection (docs/theory.md section 9): for a list of step sizes, run the replicas to equilibrium with isotropic
 * friction gamma = frictionFactor * h (so that kT ~ E[zeta^2] / (2 frictionFactor) does not drift with h), and
 * record kT, skewness and excess kurtosis per component, D'Agostino-Pearson p-values, and frozen / exploded flags.
 * Step sizes whose momenta are Gaussian, whose run neither froze nor exploded, and whose run was long enough to
 * forget its starts (relaxed: slow damping at small h) sit in a gap between scales; consecutive ones form a level.
 * The large-step edge of each level is then judged at the user's kT* (setTargetKT): the level's largest step is
 * run again with the friction whose predicted kinetic kT is kT*; while that run is not Gaussian the level loses the
 * step, and once it is, the step above is tried the same way and joins the level if Gaussian at kT*. The geometric
 * middle of each level is recommended.
 */
class OPENMM_EXPORT_EFFPOT ScaleScan {
public:
    /**
     * @param energy       an OpenMM expression in x, y, z (as for CoarseGrainer)
     * @param dimensions   1, 2 or 3
     */
    ScaleScan(const std::string& energy, int dimensions);
    /** The step sizes to scan (ps, positive; any order). */
    void setStepSizes(const std::vector<double>& stepSizes);
    /** Or `count` step sizes log-spaced from `smallest` to `largest` (ps). */
    void setStepSizeRange(double smallest, double largest, int count);
    const std::vector<double>& getStepSizes() const {
        return stepSizes;
    }
    /** gamma = frictionFactor * h (1/ps^2; default 2). */
    void setFrictionFactor(double factor);
    void setNumReplicas(int count);
    void setNumSteps(int steps);
    void setNumEquilibrationSteps(int steps);
    void setInitialBox(const std::vector<double>& lower, const std::vector<double>& upper);
    void setRandomSeed(int seed);
    /** Limits of |skewness| and |excess kurtosis| for a Gaussian point (default 0.1 and 0.2, as CoarseGrainer). */
    void setNormalityTolerance(double skewness, double excessKurtosis);
    /**
     * The largest share of the starts' excess energy a Gaussian point's averages may hold (ScaleScanPoint::
     * transientWeight; default 0.05, as 20 relaxation times of sampling with no equilibration). Small steps have
     * little friction (gamma = factor h): a run of few relaxation times is still cooling from its starts, and its
     * momenta may look Gaussian there although every scale is resolved. 1 accepts every run.
     */
    void setMaxTransientWeight(double weight);
    double getMaxTransientWeight() const {
        return maxTransientWeight;
    }
    /**
     * The temperature kT* (kJ/mol) at which the levels' large-step edges are judged (default 1, CoarseGrainer's
     * default target kT): the learning run will be at kT*, with the friction that gives it, not at the scan's own
     * kT. A colder kT* needs a heavier friction, whose momenta average fewer fine kicks and stop being Gaussian at
     * a smaller step; a hotter one reaches steeper parts of the coarse scale. 0: judge at the scan's own
     * temperature only (no second runs; the scan of earlier versions).
     */
    void setTargetKT(double kT);
    double getTargetKT() const {
        return targetKT;
    }
    /**
     * Run every step size; returns the points in increasing step size. The one walk over the step sizes: runPoint
     * for each, classifyPoints, then while getEdgeChecks() names points, runEdgeCheck for each. Other processes run
     * the same pieces (effpot.distributed): there samplePoint(getPointSettings(i), platform) (or getEdgeSettings),
     * here recordPoint(i, run) for each index (or recordEdgeCheck), with classifyPoints between the two.
     */
    const std::vector<ScaleScanPoint>& run(OpenMM::Platform& platform);
    /** Run step size `index` (sorted order) here and record what it gave (samplePoint, then recordPoint). */
    void runPoint(OpenMM::Platform& platform, int index);
    /**
     * Run one step size with the settings of getPointSettings: CoarseGrainer::sampleIsotropic at the settings'
     * friction, an UnstableRunException caught as an exploded run (any other error propagates). Static, so that a
     * worker process that holds only the settings runs exactly what run() runs.
     */
    static ScaleScanRun samplePoint(CoarseGrainer& pointSettings, OpenMM::Platform& platform);
    /** Record what the run of step size `index` gave (setPointExploded or setPointStatistics). */
    void recordPoint(int index, const ScaleScanRun& run);
    /** The CoarseGrainer holding the settings shared by every step size (step size and friction unset). */
    const CoarseGrainer& getCoarseGrainer() const {
        return settings;
    }
    double getFrictionFactor() const {
        return frictionFactor;
    }
    /** The settings of step size `index` (sorted order): this scan's CoarseGrainer with h and gamma = factor h. */
    CoarseGrainer getPointSettings(int index) const;
    /** Record the statistics of step size `index`. */
    void setPointStatistics(int index, const ReplicaStatistics& statistics);
    /** Record that the run of step size `index` exploded (non-finite positions or momenta). */
    void setPointExploded(int index);
    /**
     * Classify every point once all are recorded (frozen against the largest kT of the scan, relaxed, Gaussian,
     * levels). Forgets the checks at kT* (they follow from the levels).
     */
    void classifyPoints();
    // ---- the large-step edges at kT*, after classifyPoints
    /**
     * The points whose check at kT* is due, one per level: its largest step if not yet checked, else the step above
     * it (unless that one was checked, exploded, or is the last step before another level). Empty when kT* is 0, or
     * once every level's edge is settled: a failed check moves the edge one step inward, a passed one of the step
     * above one step outward.
     */
    std::vector<int> getEdgeChecks() const;
    /**
     * The settings of point `index`'s check at kT*: as getPointSettings, the starting velocities at kT*, and the
     * friction gamma* = log(1 + (kT / kT*) (exp(gamma h) - 1)) / h, for which the kinetic kT that the point's own
     * energy balance predicts, D h / (2 (exp(gamma* h) - 1)) with D = 2 gamma kT / phi(gamma h), is kT*. The run is
     * at least 5 relaxation times 1/gamma* of equilibration and 20 of sampling long (as the pilot run), at most 10
     * times the scan's sampling steps each, so that a light friction at a hot kT* is judged once relaxed.
     */
    CoarseGrainer getEdgeSettings(int index) const;
    /** Record point `index`'s check at kT* (classified like a point, against kT*). */
    void recordEdgeCheck(int index, const ScaleScanRun& run);
    /** Run point `index`'s check at kT* here (samplePoint on getEdgeSettings, then recordEdgeCheck). */
    void runEdgeCheck(OpenMM::Platform& platform, int index);
    /** The check at kT* of point `index` (ScaleScanPoint::edgeChecked), with its friction gamma*. */
    const ScaleScanPoint& getEdgePoint(int index) const;
    const std::vector<ScaleScanPoint>& getPoints() const {
        return points;
    }
    int getNumPoints() const {
        return points.size();
    }
    const ScaleScanPoint& getPoint(int index) const;
    /** The levels of the last run. */
    std::vector<ScaleScanLevel> getLevels() const {
        return groupLevels(points);
    }
    /**
     * Group points (in increasing step size) into levels: maximal runs of points that are Gaussian (so relaxed,
     * neither frozen nor exploded) or, where checked at kT*, Gaussian there (gaussianAtTargetKT decides).
     */
    static std::vector<ScaleScanLevel> groupLevels(const std::vector<ScaleScanPoint>& points);
    /**
     * Classify a point's statistics: sets frozen (excess kurtosis above 1 in a component, or kT below 1e-4 of
     * kTScale) and gaussian (all components within the tolerances, relaxed, and not frozen or exploded).
     */
    static void classify(ScaleScanPoint& point, double kTScale, double maxSkewness, double maxExcessKurtosis);
    /** ScaleScanPoint::transientWeight of a run at friction gamma (1/ps, M = I) and step h (ps). */
    static double transientWeight(double gamma, double stepSize, int equilibrationSteps, int samplingSteps);
private:
    // Record point `index` from its statistics (NULL: it exploded), `caller` naming the public call in errors.
    void storePoint(int index, const ReplicaStatistics* statistics, const std::string& caller);
    // Fill `point` from a run at `stepSize` and `gamma` of these steps: its relaxation, and its statistics (NULL: it
    // exploded).
    void fillPoint(ScaleScanPoint& point, double stepSize, double gamma, int equilibrationSteps, int samplingSteps,
                   const ReplicaStatistics* statistics, const std::string& caller) const;
    // The equilibration and sampling steps of a check at kT* with friction gamma.
    void edgeSteps(double gamma, double stepSize, int& equilibrationSteps, int& samplingSteps) const;
    // gamma* of point `index`'s check at kT* (getEdgeSettings), after the checks that it can have one.
    double edgeFriction(int index, const std::string& caller) const;
    CoarseGrainer settings; // replicas, steps, starts and seed, validated once; copied per step size
    int dimensions;
    double frictionFactor, maxSkewness, maxExcessKurtosis, maxTransientWeight, targetKT;
    std::vector<double> stepSizes;
    std::vector<ScaleScanPoint> points, edgePoints; // edgePoints[i]: point i's check at kT*, where edgeChecked
    std::vector<bool> measured;
    bool classified; // classifyPoints has run since the last point was recorded
};

} // namespace EffPot

#endif /*EFFPOT_SCALE_SCAN_H_*/
