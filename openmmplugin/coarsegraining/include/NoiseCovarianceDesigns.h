#ifndef EFFPOT_NOISE_COVARIANCE_DESIGNS_H_
#define EFFPOT_NOISE_COVARIANCE_DESIGNS_H_

#include "internal/windowsExportEffPot.h"
#include <vector>

namespace EffPot {

/**
 * Stage 1 of docs/theory.md section 5: the mass designs A = M^-1 and the linear algebra that turns their measured
 * energy balances into the effective-noise covariance D.
 *
 * For a design A run with Gamma = gamma M, b_A = 2 gamma <p^T A p> / phi(gamma h) satisfies
 * sum_i A_ii D_ii + 2 sum_{i<j} A_ij D_ij = b_A.
 */
namespace NoiseCovarianceDesigns {

/**
 * The d(d+1)/2 designs (each d x d, row-major): d diagonal ones (2 on one diagonal entry, 1 elsewhere: a
 * nonsingular table of diagonals), then one per pair i<j with unit diagonal and A_ij = A_ji = 1/2.
 */
OPENMM_EXPORT_EFFPOT std::vector<std::vector<double> > designs(int dimensions);

/**
 * The designs of a later Stage-1 round (docs/theory.md section 5): A = W B W for each design B of designs(), with
 * `frame` the symmetric d x d matrix W of that round (Stage1Estimate::nextFrame). An empty frame is the identity
 * (the first round's designs).
 */
OPENMM_EXPORT_EFFPOT std::vector<std::vector<double> > designs(int dimensions, const std::vector<double>& frame);

/** phi(x) = x / (e^x - 1): the bias of sampling momenta at full steps of the exact friction splitting. */
OPENMM_EXPORT_EFFPOT double samplingBias(double x);

/**
 * Solve for D by (weighted) least squares from the designs' b values and their standard errors.
 *
 * @param designs      the designs used (each d x d)
 * @param b            the measured b_A per design
 * @param bError       standard errors of b_A (independent designs)
 * @param covariance   on output, D (d x d) symmetrised and projected onto the positive semidefinite cone
 * @param error        on output, standard errors of the entries of the least-squares D (before the projection,
 *                     which only changes D when an eigenvalue was negative)
 */
OPENMM_EXPORT_EFFPOT void solve(const std::vector<std::vector<double> >& designs, const std::vector<double>& b,
        const std::vector<double>& bError, std::vector<double>& covariance, std::vector<double>& error);

/**
 * The least-squares D of solve() before the projection (symmetric, possibly indefinite), and its standard errors.
 * It is linear in b, so the mean of per-batch solutions with the same bError is the solution of the batch means.
 */
OPENMM_EXPORT_EFFPOT void solveUnprojected(const std::vector<std::vector<double> >& designs, const std::vector<double>& b,
        const std::vector<double>& bError, std::vector<double>& covariance, std::vector<double>& error);

} // namespace NoiseCovarianceDesigns
} // namespace EffPot

#endif /*EFFPOT_NOISE_COVARIANCE_DESIGNS_H_*/
