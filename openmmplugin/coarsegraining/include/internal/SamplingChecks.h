#ifndef EFFPOT_SAMPLING_CHECKS_H_
#define EFFPOT_SAMPLING_CHECKS_H_

#include "CoarseGrainingSettings.h"
#include "ReplicaStatistics.h"
#include <string>
#include <utility>
#include <vector>

namespace EffPot {

/** Named numbers recorded for the potential's diagnostics, in the order they were measured. */
typedef std::vector<std::pair<std::string, double> > DiagnosticList;

/**
 * The checks that stand between sampled statistics and a fit (docs/theory.md sections 4-6): is the sample whole,
 * did the run freeze, are the momenta Gaussian. A failed check that makes the fit wrong throws an OpenMMException
 * that says what was measured and which setting to change; a doubtful one is returned as a problem or a note.
 */
namespace SamplingChecks {

/**
 * Statistics that are to be fitted must be whole: every batch of every group sampled (a piece missing from a
 * merge would otherwise divide by zero, or silently shrink the sample).
 */
void checkWhole(const ReplicaStatistics& statistics, int dimensions, int groups, int batches, const std::string& what);

/**
 * Record the normality statistics of a group's momenta (skewness, excess kurtosis; D'Agostino and, beyond 1D,
 * Mardia p-values on the stored momenta) under `label`. A momentum with excess kurtosis above
 * settings.frozenKurtosis means replicas trapped in micro-wells: that throws. One outside the normality
 * tolerances is added to `problems`. The diagnostics' keys start with `key` (default: the label) and the messages
 * name the label.
 */
void checkNormality(const ReplicaStatistics& statistics, int group, const std::string& label, const CoarseGrainingSettings& settings,
                    DiagnosticList& diagnostics, std::vector<std::string>& problems, const std::string& key = "");

/**
 * The temperature the positions see: tr <p_d p_d^T> / (d m) over the drift momenta of group 0, with M = m I
 * (ReplicaStatistics::addDriftMomentum).
 */
double driftKT(const ReplicaStatistics& statistics, double mass);

/**
 * Frozen replicas (FrozenReplicaWatch) in the sampling run and Stage 1: throws when more samples were dropped for
 * them than kept (the run froze); otherwise returns the warning for the potential's notes ("" when none froze).
 */
std::string checkFrozenReplicas(const ReplicaStatistics& sampling, const ReplicaStatistics& stage1, bool restartFrozen,
                                DiagnosticList& diagnostics);

/**
 * A kT that collapsed to nothing against `scale` (the energy spread over the starting points, or kT*): the
 * replicas came to rest in micro-wells. Throws.
 */
void checkNotFrozen(double kT, double scale);

/** The momenta failed the normality check (`problems`) and the settings do not allow that: throws. */
void checkGaussian(const std::vector<std::string>& problems, const CoarseGrainingSettings& settings, bool frictionAutomatic = false);

} // namespace SamplingChecks
} // namespace EffPot

#endif /*EFFPOT_SAMPLING_CHECKS_H_*/
