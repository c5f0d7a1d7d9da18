#ifndef EFFPOT_HISTOGRAM_DISTANCES_H_
#define EFFPOT_HISTOGRAM_DISTANCES_H_

#include "internal/windowsExportEffPot.h"
#include <vector>

namespace EffPot {

/**
 * Distances between two equilibrium histograms on the same grid (docs/theory.md section 8): how far a surrogate's law of
 * q is from the reference's.
 */
namespace HistogramDistances {

/** Total variation (1/2) sum |p_b - q_b| of the normalized histograms: 0 identical, 1 disjoint. */
OPENMM_EXPORT_EFFPOT double totalVariation(const std::vector<double>& counts, const std::vector<double>& otherCounts);

/**
 * Kullback-Leibler divergence sum p_b log(p_b / q_b) of the normalized histograms. Empty bins of q where p has
 * mass would make it infinite: `pseudocount` is added to every bin of both before normalizing (0: none, and an
 * empty bin of q under p gives infinity).
 */
OPENMM_EXPORT_EFFPOT double klDivergence(const std::vector<double>& counts, const std::vector<double>& otherCounts,
                                         double pseudocount = 0.5);

} // namespace HistogramDistances
} // namespace EffPot

#endif /*EFFPOT_HISTOGRAM_DISTANCES_H_*/
