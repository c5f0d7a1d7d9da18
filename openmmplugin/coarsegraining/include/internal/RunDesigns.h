#ifndef EFFPOT_RUN_DESIGNS_H_
#define EFFPOT_RUN_DESIGNS_H_

#include "CoarseGrainingSettings.h"
#include "internal/ReplicaSampler.h"
#include <vector>

namespace EffPot {

/**
 * The mass and friction matrices of each run of the pipeline (docs/theory.md sections 4 and 5), as ReplicaSampler
 * runs them. Matrices are 3x3 with the inert components at rest (mass 1, or m in 1D).
 */
namespace RunDesigns {

/** Stage 1: the d(d+1)/2 designs A = M^-1 as groups of one Context, Gamma = gamma M (scalar friction factor). */
ReplicaRunDesign stage1(int dimensions, const CoarseGrainingSettings& settings);
/** A Stage-1 round: the designs of `frame` (NoiseCovarianceDesigns::designs; empty: the first round's), its own streams. */
ReplicaRunDesign stage1(int dimensions, const CoarseGrainingSettings& settings, const std::vector<double>& frame, int round);

/**
 * Stage 2's friction (d x d): in the eigenbasis of D, gamma_i = (1/h) log((4 kT* + h d_i) / (4 kT* - h d_i)), the
 * rate at which the discrete scheme's drift temperature along that direction is kT* (docs/theory.md section 5;
 * D / (2 kT*) to first order in gamma h). Throws when D is not positive definite or kT* <= h d_i / 4.
 */
std::vector<double> stage2Friction(int dimensions, const CoarseGrainingSettings& settings, const std::vector<double>& noise);

/** Stage 2's expected full-step <p p^T> (d x d): (h d_i / 2) / (e^(gamma_i h) - 1) per eigendirection of D. */
std::vector<double> stage2MomentumCovariance(int dimensions, const CoarseGrainingSettings& settings, const std::vector<double>& noise);

/**
 * The run whose positions are fitted. 1D: M = m, Gamma = gamma M. Stage 2: M = I, Gamma = stage2Friction, so that
 * the positions see kT* in every direction; throws when D (d x d, from Stage 1) is not positive definite.
 */
ReplicaRunDesign sampling(int dimensions, const CoarseGrainingSettings& settings, const std::vector<double>& noise);

/** M = I, Gamma = gamma I: the pilot run and the scale scan. */
ReplicaRunDesign isotropic(int dimensions, double gamma, bool restartFrozen);

} // namespace RunDesigns
} // namespace EffPot

#endif /*EFFPOT_RUN_DESIGNS_H_*/
