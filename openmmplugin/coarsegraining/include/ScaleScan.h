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

/** What one step size of a ScaleScan gave. */
struct OPENMM_EXPORT_EFFPOT ScaleScanPoint {
    double stepSize;                       ///< h, ps
    double friction;                       ///< gamma used, 1/ps
    double kT;                             ///< tr <p p^T> / d, kJ/mol (0 if the run exploded)
    std::vector<double> skewness;          ///< per component
    std::vector<double> excessKurtosis;    ///< per component
    std::vector<double> dagostinoPValue;   ///< per component, on thinned samples
    bool frozen;                           ///< kT collapsed or momenta heavy-tailed (excess kurtosis > 1)
    long long frozenReplicas;              ///< replicas that came to rest in micro-wells (a few near a window's frozen end)
    bool exploded;                         ///< positions or momenta became non-finite
    bool gaussian;                         ///< |skewness| and |excess kurtosis| within the tolerances
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
 * Step sizes whose momenta are Gaussian and whose run neither froze nor exploded sit in a gap between scales;
 * consecutive ones form a level, and the geometric middle of each is recommended.
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
     * Run every step size; returns the points in increasing step size. The one walk over the step sizes:
     * runPoint for each, then classifyPoints. Other processes run the same pieces (effpot.distributed): there
     * samplePoint(getPointSettings(i), platform), here recordPoint(i, run) for each index, then classifyPoints.
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
    /** Classify every point once all are recorded (frozen against the largest kT of the scan, Gaussian, levels). */
    void classifyPoints();
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
    /** Group points (in increasing step size) into levels: maximal runs of Gaussian, neither frozen nor exploded. */
    static std::vector<ScaleScanLevel> groupLevels(const std::vector<ScaleScanPoint>& points);
    /**
     * Classify a point's statistics: sets frozen (excess kurtosis above 1 in a component, or kT below 1e-4 of
     * kTScale) and gaussian (all components within the tolerances, and not frozen or exploded).
     */
    static void classify(ScaleScanPoint& point, double kTScale, double maxSkewness, double maxExcessKurtosis);
private:
    ScaleScanPoint& pointToSet(int index);
    CoarseGrainer settings; // replicas, steps, starts and seed, validated once; copied per step size
    int dimensions;
    double frictionFactor, maxSkewness, maxExcessKurtosis;
    std::vector<double> stepSizes;
    std::vector<ScaleScanPoint> points;
    std::vector<bool> measured;
};

} // namespace EffPot

#endif /*EFFPOT_SCALE_SCAN_H_*/
