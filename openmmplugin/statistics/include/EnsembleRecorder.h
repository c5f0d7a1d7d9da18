#ifndef EFFPOT_ENSEMBLE_RECORDER_H_
#define EFFPOT_ENSEMBLE_RECORDER_H_

#include "RegularGrid.h"
#include "TrajectoryStatistics.h"
#include "internal/windowsExportEffPot.h"
#include <vector>

namespace OpenMM {
class Context;
}

namespace EffPot {

/**
 * Runs an ensemble of independent trajectories held by one Context (one particle per trajectory, e.g. the
 * replicas of a surrogate or reference model) and streams what the comparisons of docs/theory.md section 8 need:
 * a TrajectoryStatistics (mean path, spread, normalized ACF) of the leading `dimensions` coordinates and,
 * optionally, their histogram on a RegularGrid. Nothing else is stored, so long runs of many trajectories
 * cost no memory. Recorders over different trajectories (batches) merge exactly.
 */
class OPENMM_EXPORT_EFFPOT EnsembleRecorder {
public:
    /**
     * @param particles    the particle of each trajectory, in the Context's System
     * @param dimensions   how many leading coordinates (x; x, y; x, y, z) are recorded, 1 to 3
     * @param grid         the histogram grid (d dimensions); a default-constructed grid keeps no histogram
     * @param maxLag       the largest ACF lag, in samples
     * @param numTimes     how many leading samples the mean path covers
     */
    EnsembleRecorder(const std::vector<int>& particles, int dimensions, const RegularGrid& grid, int maxLag, int numTimes);
    /**
     * Take numSamples samples, each after `interval` steps of the Context's integrator (interval 0 samples the
     * current state once, e.g. the starting point of the mean path).
     */
    void record(OpenMM::Context& context, int numSamples, int interval);
    /** The mean path, spread and ACF accumulated so far. */
    const TrajectoryStatistics& getTrajectoryStatistics() const {
        return trajectories;
    }
    /** Histogram counts (grid layout, x fastest); empty without a grid. */
    const std::vector<double>& getHistogram() const {
        return histogram;
    }
    /** How many samples fell outside the histogram grid. */
    double getOutsideCount() const {
        return outside;
    }
    const RegularGrid& getGrid() const {
        return grid;
    }
    int getNumSamples() const {
        return trajectories.getNumSamples();
    }
    /** Add a recorder over other trajectories with the same settings and number of samples. */
    void merge(const EnsembleRecorder& other);
private:
    std::vector<int> particles;
    int dimensions;
    RegularGrid grid;
    TrajectoryStatistics trajectories;
    std::vector<double> histogram;
    double outside;
};

} // namespace EffPot

#endif /*EFFPOT_ENSEMBLE_RECORDER_H_*/
