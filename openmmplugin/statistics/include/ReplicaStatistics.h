#ifndef EFFPOT_REPLICA_STATISTICS_H_
#define EFFPOT_REPLICA_STATISTICS_H_

#include "RegularGrid.h"
#include "internal/windowsExportEffPot.h"
#include <vector>

namespace EffPot {

/**
 * Mergeable statistics of replica runs: everything the coarse-graining driver needs from a trajectory, kept as
 * sums so that runs split over processes or machines combine exactly (merge()), and serializable (XmlSerializer).
 *
 * Samples belong to a group (a Stage-1 mass design, or the single group of a 1D or Stage-2 run) and to a replica
 * batch (independent replicas split into batches give standard errors by batch means and bootstrap). Per group
 * and batch: the sample count, the sum of p^T A p and the sums of p_i p_j; per group: sums of p_i, p_i^2, p_i^3,
 * p_i^4 for skewness and kurtosis, and a capped set of thinned momentum vectors for normality tests; per batch: a
 * position histogram on a RegularGrid.
 */
class OPENMM_EXPORT_EFFPOT ReplicaStatistics {
public:
    ReplicaStatistics();
    /**
     * @param dimensions        active coordinates d (1 to 3)
     * @param numGroups         number of groups
     * @param numBatches        replica batches per group
     * @param grid              the histogram grid (d dimensions); a default-constructed grid keeps no histogram
     * @param maxStoredSamples  the most thinned momentum vectors kept per group for normality tests
     */
    ReplicaStatistics(int dimensions, int numGroups, int numBatches, const RegularGrid& grid, int maxStoredSamples = 5000);
    /**
     * Record one momentum sample.
     *
     * @param group     the group
     * @param batch     the replica batch
     * @param momentum  p, d entries
     * @param design    A (d x d row-major) for the quadratic form p^T A p, or NULL for the identity
     */
    void addMomentum(int group, int batch, const double* momentum, const double* design);
    /**
     * Record the drift momentum of one sample: M v_(n+1/2), the momentum the positions move with in the drift
     * (after the first friction half step and half kick). Its second moments give the temperature the positions
     * see, which differs from the full-step kinetic temperature by O(h^2 E[zeta^2]).
     */
    void addDriftMomentum(int group, int batch, const double* momentum);
    /** Keep a momentum vector for the normality tests (the caller thins). Ignored once the cap is reached. */
    void storeMomentum(int group, const double* momentum);
    /** Record one position sample in the batch's histogram; positions outside the grid are counted apart. */
    void addPosition(int batch, const double* position);
    /**
     * Count replicas found frozen in micro-wells and the samples dropped because of them (see the coarse-graining
     * driver: a replica at rest in a micro-well is not sampling the law).
     */
    void addFrozen(long long replicas, long long discardedSamples);
    /** Add another accumulator's sums to this one (same dimensions, groups, batches and grid). */
    void merge(const ReplicaStatistics& other);
    /**
     * Append the groups of `other` (a run of the same dimensions and batches, with no histogram) after this one's:
     * the statistics of two runs recorded as one, as Stage 1 keeps its rounds. Frozen counts add up.
     */
    void appendGroups(const ReplicaStatistics& other);

    int getDimensions() const {
        return dimensions;
    }
    int getNumGroups() const {
        return numGroups;
    }
    int getNumBatches() const {
        return numBatches;
    }
    const RegularGrid& getGrid() const {
        return grid;
    }
    bool hasHistogram() const {
        return grid.getDimensions() > 0;
    }
    int getMaxStoredSamples() const {
        return maxStoredSamples;
    }
    long long getCount(int group, int batch) const;
    long long getGroupCount(int group) const;
    /** Sum over samples of p^T A p in one group and batch. */
    double getQuadraticSum(int group, int batch) const;
    /** Sums of p_i p_j (d x d) in one group and batch. */
    std::vector<double> getSecondMomentSums(int group, int batch) const;
    /** Sums of the drift momenta's products p_i p_j (d x d) in one group and batch, and their sample count. */
    std::vector<double> getDriftSecondMomentSums(int group, int batch) const;
    long long getDriftCount(int group, int batch) const;
    /** Sums of p_i^k for k = 1..4 in one group: entry [(k-1)*d + i]. */
    const std::vector<double>& getPowerSums(int group) const {
        checkGroup(group, "getPowerSums");
        return powerSums[group];
    }
    /** Thinned momentum vectors of a group (d per sample). */
    const std::vector<double>& getStoredMomenta(int group) const {
        checkGroup(group, "getStoredMomenta");
        return storedMomenta[group];
    }
    /** Histogram counts of a batch (grid layout, x fastest). */
    const std::vector<long long>& getHistogram(int batch) const {
        checkHistogram(batch);
        return histograms[batch];
    }
    long long getOutsideCount() const {
        return outside;
    }
    /** Replicas found frozen (each time one froze, counting restarts). */
    long long getNumFrozenReplicas() const {
        return frozenReplicas;
    }
    /** Samples not recorded because their replica was frozen (or settling after a restart). */
    long long getNumDiscardedSamples() const {
        return discardedSamples;
    }
    /** Raw state, for serialization. */
    const std::vector<long long>& getCounts() const {
        return counts;
    }
    const std::vector<double>& getQuadraticSums() const {
        return quadraticSums;
    }
    const std::vector<double>& getSecondMoments() const {
        return secondMoments;
    }
    const std::vector<long long>& getDriftCounts() const {
        return driftCounts;
    }
    const std::vector<double>& getDriftSecondMoments() const {
        return driftSecondMoments;
    }
    void setRawState(const std::vector<long long>& counts, const std::vector<double>& quadraticSums,
                     const std::vector<double>& secondMoments, const std::vector<std::vector<double> >& powerSums,
                     const std::vector<std::vector<double> >& storedMomenta, const std::vector<std::vector<long long> >& histograms,
                     long long outside, const std::vector<long long>& driftCounts, const std::vector<double>& driftSecondMoments);
private:
    void check(int group, int batch) const;
    // OpenMMException("ReplicaStatistics.method: ...") unless the index is in range (and there is a histogram).
    void checkGroup(int group, const char* method) const;
    void checkHistogram(int batch) const;
    int dimensions, numGroups, numBatches, maxStoredSamples;
    RegularGrid grid;
    std::vector<long long> counts;                    // [group][batch]
    std::vector<double> quadraticSums;                // [group][batch]
    std::vector<double> secondMoments;                // [group][batch][d][d]
    std::vector<long long> driftCounts;               // [group][batch]
    std::vector<double> driftSecondMoments;           // [group][batch][d][d]
    std::vector<std::vector<double> > powerSums;      // [group][4 d]
    std::vector<std::vector<double> > storedMomenta;  // [group][d * samples]
    std::vector<std::vector<long long> > histograms;  // [batch][bins]
    long long outside, frozenReplicas, discardedSamples;
};

} // namespace EffPot

#endif /*EFFPOT_REPLICA_STATISTICS_H_*/
