#ifndef EFFPOT_STAGE1_ESTIMATE_H_
#define EFFPOT_STAGE1_ESTIMATE_H_

#include "CoarseGrainingSettings.h"
#include "ReplicaStatistics.h"
#include "internal/SamplingChecks.h"
#include "internal/windowsExportEffPot.h"
#include <string>
#include <vector>

namespace EffPot {

/**
 * Stage 1's estimate of the effective-noise covariance D (docs/theory.md section 5): from the merged statistics of
 * the mass designs A (d(d+1)/2 per round), the energy balances b_A = 2 gamma <p^T A p> / phi(gamma h) by batch
 * means, solved for D and its standard errors by weighted least squares over every design of every round
 * (NoiseCovarianceDesigns::solve). Computed once per fit: the driver uses it both to set Stage 2's friction and for
 * the potential's record, and CoarseGrainingPlan uses it to decide whether Stage 1 needs another round.
 */
struct OPENMM_EXPORT_EFFPOT Stage1Estimate {
    std::vector<double> noise, noiseError;  // D and its standard errors, d x d row-major
    DiagnosticList diagnostics;             // normality per design and the b_A
    std::vector<std::string> notes;         // non-Gaussian designs: expected away from quadratic landscapes
    std::vector<double> eigenvalues, eigenvalueErrors;  // of the least-squares D (before projection), ascending
    std::vector<double> eigenvectors;       // d x d row-major, column m belongs to eigenvalues[m]
    double conditionNumber = 0;             // largest over smallest eigenvalue of D (infinite when not positive definite)
    double whitenedError = 0;               // standard error of D-hat's relative error along its worst direction
    int rounds = 1;                         // Stage-1 rounds the designs came from
    bool positiveDefinite = false;          // the least-squares D is positive definite
    std::string failure;                    // why it is not: eigenvalues, their errors, what to change
    std::string abandoned;                  // why a further round was dropped (CoarseGrainingPlan::abandonStage1Round)
    /** Whether Stage 1 is done: D is positive definite and its whitened error is within settings.stage1Tolerance. */
    bool isPrecise(const CoarseGrainingSettings& settings) const {
        return positiveDefinite && whitenedError <= settings.stage1Tolerance;
    }
    /** Throw `failure` as an OpenMMException unless D is positive definite. */
    void requirePositiveDefinite() const;
    /**
     * The frame W of the next round's designs A = W B W (NoiseCovarianceDesigns::designs): in the eigenframe of
     * D-hat, W^2 has eigenvalue a_m = s_max / s_m per direction, s_m the eigenvalue (or, where it is not resolved,
     * its standard error), so that every direction contributes about equally to each b_A; a_m is at most
     * maxDesignContrast (docs/theory.md section 5 says why).
     */
    std::vector<double> nextFrame() const;
    /** How much lighter a later round's designs may make a direction than the first round's: 10. */
    static const double maxDesignContrast;
    /**
     * Solve Stage 1 from the merged statistics of all its rounds: d(d+1)/2 groups per round, in round order. Round
     * r's designs are those of the frame nextFrame() of the estimate from rounds 0 to r-1, re-derived here from the
     * statistics themselves, so that the statistics alone determine D. A design that froze throws; non-Gaussian
     * designs are only noted (Stage 1 runs scalar friction against anisotropic noise, whose law is not Gibbs). A
     * least-squares D that is not positive definite is reported in `failure`.
     */
    static Stage1Estimate solve(const ReplicaStatistics& statistics, int dimensions, const CoarseGrainingSettings& settings);
    /** The designs of every round of `statistics` (d x d each, in group order), as solve() re-derives them. */
    static std::vector<std::vector<double> > designsOf(const ReplicaStatistics& statistics, int dimensions,
                                                       const CoarseGrainingSettings& settings);
private:
    // The estimate from the first designs.size() groups of `statistics`, one per design.
    static Stage1Estimate solveDesigns(const ReplicaStatistics& statistics, const std::vector<std::vector<double> >& designs,
                                       int dimensions, const CoarseGrainingSettings& settings);
    void measurePrecision(const std::vector<std::vector<double> >& designs, const std::vector<double>& b,
                          const std::vector<double>& bError, const std::vector<std::vector<double> >& batchB, int dimensions);
};

} // namespace EffPot

#endif /*EFFPOT_STAGE1_ESTIMATE_H_*/
