#ifndef EFFPOT_STAGE1_ESTIMATE_H_
#define EFFPOT_STAGE1_ESTIMATE_H_

#include "CoarseGrainingSettings.h"
#include "ReplicaStatistics.h"
#include "internal/SamplingChecks.h"
#include <string>
#include <vector>

namespace EffPot {

/**
 * Stage 1's estimate of the effective-noise covariance D (docs/theory.md section 5): from the merged statistics of
 * the d(d+1)/2 mass designs A, the energy balances b_A = 2 gamma <p^T A p> / phi(gamma h) by batch means, solved
 * for D and its standard errors (NoiseCovarianceDesigns::solve). Computed once per fit: the driver uses it both to
 * set Stage 2's friction and for the potential's record.
 */
struct Stage1Estimate {
    std::vector<double> noise, noiseError;  // D and its standard errors, d x d row-major
    DiagnosticList diagnostics;             // normality per design and the b_A
    std::vector<std::string> notes;         // non-Gaussian designs: expected away from quadratic landscapes
    std::vector<double> eigenvalues, eigenvalueErrors;  // of the least-squares D (before projection), ascending
    double conditionNumber = 0;             // largest over smallest eigenvalue of D
    double whitenedError = 0;               // standard error of D-hat's relative error along its worst direction
    /**
     * Solve Stage 1. A design that froze throws; non-Gaussian designs are only noted (Stage 1 runs scalar friction
     * against anisotropic noise, whose law is not Gibbs). A least-squares D that is not positive definite throws,
     * stating its eigenvalues with their standard errors (over replica batches) and what to change.
     */
    void measurePrecision(const std::vector<std::vector<double> >& designs, const std::vector<double>& b,
                          const std::vector<double>& bError, const std::vector<std::vector<double> >& batchB, int dimensions);
    static Stage1Estimate solve(const ReplicaStatistics& statistics, int dimensions, const CoarseGrainingSettings& settings);
};

} // namespace EffPot

#endif /*EFFPOT_STAGE1_ESTIMATE_H_*/
