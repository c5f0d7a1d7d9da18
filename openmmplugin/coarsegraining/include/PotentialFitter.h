#ifndef EFFPOT_POTENTIAL_FITTER_H_
#define EFFPOT_POTENTIAL_FITTER_H_

#include "EffectivePotential.h"
#include "ProgressReporter.h"
#include "ReplicaStatistics.h"
#include "internal/windowsExportEffPot.h"

namespace EffPot {

/**
 * Boltzmann inversion with P-splines (docs/theory.md section 6): from position histograms of replica batches and the
 * temperature of the sampled law to an EffectivePotential with bootstrap standard errors and a support mask.
 */
class OPENMM_EXPORT_EFFPOT PotentialFitter {
public:
    PotentialFitter();
    /**
     * Spline knot spacing in histogram bins ("several bins wide"). 0 (the default) chooses it per fit among 3, 4
     * and 6 bins by the unbiased risk estimate, which compares fits of the same data across knots as well as
     * penalties; the scores are in the diagnostics (fit.ubre.knotSpacing*).
     */
    void setKnotSpacing(double bins);
    double getKnotSpacing() const {
        return knotSpacing;
    }
    /**
     * Fix the roughness penalty, relative to the mean weight of a supported bin (the data term of bin b has the
     * inverse variance n_b / kT^2 of -kT log n_b as weight, so 1 weighs the penalty like one typical bin).
     * By default (or with a negative value) it is chosen per fit by the unbiased risk estimate among 10^-4 .. 10^4.
     */
    void setSmoothing(double smoothing);
    /**
     * Limit the largest Hessian eigenvalue of the fit within 3 kT of its minimum (kJ/mol/nm^2; 0, the default,
     * for none): the penalty is raised by sqrt(10) at a time until the fit is that smooth. CoarseGrainer sets it
     * to 0.3 m / h^2, the sharpest potential a step h resolves (docs/theory.md section 3).
     */
    void setMaxCurvature(double value);
    double getMaxCurvature() const {
        return maxCurvature;
    }
    /** The fixed smoothing, or a negative number when it is chosen automatically. */
    double getSmoothing() const {
        return smoothing;
    }
    /**
     * Fit on the recorded histogram's bins merged `factor` at a time along every dimension (1: as recorded). 0 (the
     * default) chooses the factor among those of 1 to 4 that divide every dimension's bin count, by the
     * log-likelihood of held-out replica batches (5-fold cross-validation; scores in the diagnostics,
     * fit.heldOutLogLikelihood.coarsening*). A fixed factor must divide every dimension's bin count.
     */
    void setGridCoarsening(int factor);
    int getGridCoarsening() const {
        return gridCoarsening;
    }
    /** Bins with fewer samples are outside the support and not fitted (default 20). */
    void setMinBinCount(int count);
    int getMinBinCount() const {
        return minBinCount;
    }
    /** Bootstrap resamples of the replica batches for standard errors (default 20; 0: none). */
    void setNumBootstrap(int count);
    int getNumBootstrap() const {
        return numBootstrap;
    }
    void setRandomSeed(int seed) {
        this->seed = seed;
    }
    int getRandomSeed() const {
        return seed;
    }
    /**
     * Fit U = -kT log rho on the statistics' histogram.
     *
     * @param statistics   statistics with a histogram (all batches are used)
     * @param kT           the thermal energy of the sampled law (kJ/mol)
     */
    EffectivePotential fit(const ReplicaStatistics& statistics, double kT) const;
    /**
     * A reporter that receives report("fit", 0, 1) before every spline solve of fit() (a heartbeat, a few per
     * second: the Python wrapper checks for Ctrl-C there), or NULL (the default). Not owned, not serialized.
     */
    void setProgressReporter(ProgressReporter* reporter) {
        progress = reporter;
    }
private:
    // Fit -kT log(n_b / (N V)) on the supported bins; `smoothing` < 0 chooses it (and returns the choice in it).
    // `dispersion` scales the Poisson variance of the counts (positions sampled within a relaxation time are
    // correlated), so that the weights are true inverse variances for the automatic smoothing.
    // `spacing` <= 0 chooses the knot spacing too (returned in it); `scores` receives (spacing, UBRE) of each try.
    PSplineFit fitCounts(const RegularGrid& grid, const std::vector<long long>& counts, double kT, double dispersion,
                         std::vector<int>& numBasis, double& smoothing, double& spacing,
                         std::vector<std::pair<double, double> >* scores) const;
    // The overdispersion of counts between replica batches (1 for Poisson counts).
    // fitCounts' first fit, of -kT log(n_b / (N V)) as it is.
    PSplineFit fitCountsOnce(const RegularGrid& grid, const std::vector<long long>& counts, double kT, double dispersion,
                             std::vector<int>& numBasis, double& smoothing, double& spacing,
                             std::vector<std::pair<double, double> >* scores) const;
    static double countDispersion(const std::vector<std::vector<long long> >& batches);
    // The grid with `factor` bins merged into one along every dimension, and a histogram summed onto it.
    static RegularGrid coarsenGrid(const RegularGrid& grid, int factor);
    static std::vector<long long> coarsenCounts(const RegularGrid& grid, const std::vector<long long>& counts, int factor);
    // The coarsening factor with the largest held-out log-likelihood over folds of the replica batches; `heldOut`
    // receives (factor, log-likelihood less the best's) for each factor tried, `smoothing`, `spacing` and
    // `ubreScores` the knot and penalty choice on all batches at the chosen factor (unchanged when there was none).
    int chooseCoarsening(const RegularGrid& grid, const std::vector<std::vector<long long> >& batches, double kT,
                         std::vector<std::pair<int, double> >& heldOut, double& smoothing, double& spacing,
                         std::vector<std::pair<double, double> >& ubreScores) const;
    double knotSpacing, smoothing, maxCurvature;
    int minBinCount, numBootstrap, seed, gridCoarsening;
    ProgressReporter* progress;
};

} // namespace EffPot

#endif /*EFFPOT_POTENTIAL_FITTER_H_*/
