#ifndef EFFPOT_BASIN_MIXING_H_
#define EFFPOT_BASIN_MIXING_H_

#include "EffectivePotential.h"
#include "ReplicaStatistics.h"
#include "internal/windowsExportEffPot.h"
#include <string>
#include <vector>

namespace EffPot {
namespace BasinMixing {

/** The basin of the fitted U whose share of the samples mixed the slowest. */
struct Basin {
    std::vector<double> minimum;  // the bin centre where U is lowest in the basin
    double share = 0;             // its share of the samples in the grid
    double correlationTime = 0;   // how long its occupation stays correlated, from the batches' spread (ps)
    double memory = 0;            // the part of the starts' imbalance still in the sampled averages (0 to 1)
    double independentSamples = 0; // the batches' spread of its share, as independent samples per replica
};

/**
 * Have the basins of U exchanged replicas often enough for their weights to forget the starts? The bins of the
 * histogram are split into basins by steepest descent of the fitted U, and for each basin holding 1-99% of the
 * samples the spread of its share over the replica batches says how many independent samples m of "in the basin"
 * each replica gave: the share's variance over batches of R_b replicas is p (1 - p) / (m R_b); m = 1 when no
 * replica ever leaves the basin it started in. For an exponentially correlated occupation over a window T_s,
 * 1/m = 2x (1 - x (1 - exp(-1/x))) gives its correlation time tau = x T_s, and an imbalance of the starts between
 * the basins leaves the part exp(-T_eq / tau) x (1 - exp(-1/x)) of itself in the window's average after an
 * equilibration T_eq. All batches start from the same law, so that part biases every batch alike and is not in the
 * error bands (a 2D double well, barrier 9 kT, wells 1 kT apart: Delta U = 0.23 +- 0.11 kT against 1.0).
 * Returns the basin with the fewest independent samples (no minimum when U has one basin holding 1-99%, or fewer
 * than five batches judge it). docs/theory.md section 6.
 */
OPENMM_EXPORT_EFFPOT Basin slowest(const ReplicaStatistics& sampling, const EffectivePotential& potential, double replicasPerBatch,
                                   double equilibrationTime, double samplingTime);

/**
 * The note for a basin whose memory is at least 5%, or with fewer than two independent samples per replica (then
 * tau may be as long as the window or longer, and no equilibration can be shown to suffice), or "".
 */
OPENMM_EXPORT_EFFPOT std::string note(const Basin& basin, double equilibrationTime, double samplingTime);

} // namespace BasinMixing
} // namespace EffPot

#endif /*EFFPOT_BASIN_MIXING_H_*/
