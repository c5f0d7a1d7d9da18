#ifndef EFFPOT_UNRESOLVED_FEATURES_H_
#define EFFPOT_UNRESOLVED_FEATURES_H_

#include "EffectivePotential.h"
#include "ReplicaStatistics.h"
#include <string>

namespace EffPot {
namespace UnresolvedFeatures {

/**
 * The fitted U checked against the histogram it was fitted to, bin by bin: the bin where the counts say U is lower
 * or higher than the fit by the most, when that is at least 0.5 kT and four standard errors of the bin's log count
 * (from its spread over the replica batches). A feature narrower than the table's knots (a narrow basin, a sharp
 * barrier) is smoothed away by the fit, and its error bands, which measure the sampling noise, do not show it: a
 * basin holding 1.7% of the probability came out 1.5 kT too high at its centre, with a band of 0.06 kT. Returns
 * the note to show, or "" when every well-sampled bin agrees with U. Records the largest deviation (in kT) in
 * `largestDeviation`.
 */
std::string check(const ReplicaStatistics& sampling, const EffectivePotential& potential, double kT, double& largestDeviation);

} // namespace UnresolvedFeatures
} // namespace EffPot

#endif /*EFFPOT_UNRESOLVED_FEATURES_H_*/
