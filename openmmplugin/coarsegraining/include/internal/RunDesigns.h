#ifndef EFFPOT_RUN_DESIGNS_H_
#define EFFPOT_RUN_DESIGNS_H_

#include "CoarseGrainingSettings.h"
#include "internal/ReplicaSampler.h"
#include "ReplicaStatistics.h"
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
 * The noise covariance (d x d) that a Stage-2 run with D = `noise` realised, from its drift momenta u (after the
 * first O half step and half kick; ReplicaStatistics::getDriftSecondMomentSums): with M = I, E = exp(-Gamma h) and
 * the fine gradient independent of the past (docs/theory.md section 5), u_(n+1) = E u_n + (h/2)(I + E) zeta, so
 * S = <u u^T> solves S = E S E + (h/4)(I + E) D (I + E) and D = (4/h)(I + E)^-1 (S - E S E)(I + E)^-1.
 *
 * Why: the micro-scale's noise depends a little on the dynamics that cross it; D measured under Stage 1's designed
 * masses was 2% off the noise of the calibrated dynamics along one direction of a coupled 3D quadratic, so the
 * positions saw kT* to within 3% only. Stage 2 with this D puts every direction at kT* within 0.3% there.
 * Returns `noise` itself when the estimate is not positive definite (too few samples to refine).
 */
std::vector<double> realisedNoise(int dimensions, const CoarseGrainingSettings& settings, const std::vector<double>& noise,
                                  const ReplicaStatistics& sampling);

/**
 * The drift temperature <(q_m^T u)^2> of a Stage-2 run with D = `noise` along each eigendirection q_m of its friction
 * (in the order of the friction's eigenvalues, ascending): kT* in each when D is the noise the run realised.
 * `standardErrors` (if given) receives each one's standard error, from the spread of the replica batches' own.
 */
std::vector<double> driftTemperatures(int dimensions, const CoarseGrainingSettings& settings, const std::vector<double>& noise,
                                      const ReplicaStatistics& sampling, std::vector<double>* standardErrors = NULL);

/**
 * The run whose positions are fitted. 1D: M = m, Gamma = gamma M. Stage 2: M = I, Gamma = stage2Friction, so that
 * the positions see kT* in every direction; throws when D (d x d, from Stage 1) is not positive definite.
 */
ReplicaRunDesign sampling(int dimensions, const CoarseGrainingSettings& settings, const std::vector<double>& noise);

/**
 * The pilot run and the scale scan: M = I, Gamma = gamma I; in 1D M = m (`mass`, the 1D run's), Gamma = gamma m,
 * so that the pilot sees the step's regime h^2 / (m eps) of the run it calibrates.
 */
ReplicaRunDesign isotropic(int dimensions, double gamma, bool restartFrozen, double mass = 1.0);

} // namespace RunDesigns
} // namespace EffPot

#endif /*EFFPOT_RUN_DESIGNS_H_*/
