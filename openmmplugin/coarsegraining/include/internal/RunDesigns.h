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

/**
 * The run whose positions are fitted. 1D: M = m, Gamma = gamma M. Stage 2: M = I, Gamma = D / (2 kT*), so that
 * fluctuation-dissipation holds at kT*; throws when D (d x d, from Stage 1) is not positive definite.
 */
ReplicaRunDesign sampling(int dimensions, const CoarseGrainingSettings& settings, const std::vector<double>& noise);

/** M = I, Gamma = gamma I: the pilot run and the scale scan. */
ReplicaRunDesign isotropic(int dimensions, double gamma, bool restartFrozen);

} // namespace RunDesigns
} // namespace EffPot

#endif /*EFFPOT_RUN_DESIGNS_H_*/
