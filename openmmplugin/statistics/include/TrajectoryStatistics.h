#ifndef EFFPOT_TRAJECTORY_STATISTICS_H_
#define EFFPOT_TRAJECTORY_STATISTICS_H_

#include "internal/windowsExportEffPot.h"
#include <vector>

namespace EffPot {

/**
 * Streaming statistics of Ne trajectories of d-dimensional observables sampled on a common time grid
 * (docs/theory.md section 8), without storing the trajectories:
 *
 * - the mean path q_bar(t_n) = (1/Ne) sum_i q_i(t_n) (and its spread) for n < numTimes;
 * - the normalized autocorrelation C(m)/C(0) per component for lags m <= maxLag, with
 *   C(m) = 1/(Ne (N-m)) sum_i sum_{n < N-m} (q_i(n+m) - q_hat)(q_i(n) - q_hat) and q_hat the time-and-ensemble mean.
 *   The mean is not known while streaming, so raw lagged sums are kept and centred at the end (exact algebra).
 *
 * Samples are added one time step at a time for all trajectories; two accumulators over different trajectories
 * merge exactly.
 */
class OPENMM_EXPORT_EFFPOT TrajectoryStatistics {
public:
    /**
     * @param numTrajectories   Ne
     * @param dimensions        d, components per trajectory sample
     * @param maxLag            the largest ACF lag, in samples
     * @param numTimes          how many leading samples the mean path covers
     */
    TrajectoryStatistics(int numTrajectories, int dimensions, int maxLag, int numTimes);
    /** Add the samples of every trajectory at the next time: Ne x d values, trajectory-major. */
    void addSample(const std::vector<double>& values);
    int getNumSamples() const {
        return numSamples;
    }
    int getDimensions() const {
        return dimensions;
    }
    /** The mean path: numTimes x d values (time-major), over the samples added so far. */
    std::vector<double> getMeanPath() const;
    /** The standard deviation across trajectories at each time (numTimes x d). */
    std::vector<double> getPathSpread() const;
    /** The normalized ACF: (maxLag+1) x d values (lag-major), 1 at lag 0. */
    std::vector<double> getNormalizedAutocorrelation() const;
    /** Add another accumulator over different trajectories with the same settings and the same number of samples. */
    void merge(const TrajectoryStatistics& other);
    /**
     * The sums as plain numbers (to send a finished run to another process): numTrajectories, numSamples, then
     * the lagged sums, counts, totals and path sums. fromState() rebuilds an accumulator that merges but takes no
     * further samples.
     */
    std::vector<double> getState() const;
    /** The accumulator getState() described; dimensions, maxLag and numTimes as it was made with. */
    static TrajectoryStatistics fromState(int dimensions, int maxLag, int numTimes, const std::vector<double>& state);
private:
    int numTrajectories, dimensions, maxLag, numTimes, numSamples;
    std::vector<double> history;        // ring buffer of the last maxLag+1 samples, [slot][trajectory][component]
    std::vector<double> laggedProducts; // [lag][component]: sum over pairs of x(n+m) x(n)
    std::vector<double> laggedEarly;    // [lag][component]: sum over pairs of x(n)
    std::vector<double> laggedLate;     // [lag][component]: sum over pairs of x(n+m)
    std::vector<double> laggedCount;    // [lag]: number of pairs (per component)
    std::vector<double> total;          // [component]: sum over all samples
    std::vector<double> pathSum, pathSquares; // [time][component]
};

} // namespace EffPot

#endif /*EFFPOT_TRAJECTORY_STATISTICS_H_*/
