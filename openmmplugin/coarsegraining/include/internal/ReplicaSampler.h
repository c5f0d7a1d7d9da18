#ifndef EFFPOT_REPLICA_SAMPLER_H_
#define EFFPOT_REPLICA_SAMPLER_H_

#include "CoarseGrainingSettings.h"
#include "ProgressReporter.h"
#include "RegularGrid.h"
#include "ReplicaStatistics.h"
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace OpenMM {
class Platform;
class System;
}

namespace EffPot {

/**
 * Where the replicas live: a landscape expression (effpot builds a System of independent replicas), or a user's
 * System whose listed particles are the replicas and whose first `dimensions` Cartesian components are active.
 */
struct ReplicaSource {
    std::string energy;                        // empty for a user's System
    int dimensions = 1;
    std::shared_ptr<OpenMM::System> userSystem; // NULL: replicas of `energy`
    std::vector<int> replicaParticles;         // a user's System's replica particles
    std::vector<double> systemPositions;       // a user's System's positions (N x 3), or empty (all zero)
    /** The number of replicas: those of the user's System, or the settings' count. */
    int numReplicas(const CoarseGrainingSettings& settings) const {
        return userSystem ? (int) replicaParticles.size() : settings.numReplicas;
    }
};

/**
 * The physics of one replica run: groups of replicas sharing a mass and friction matrix (3x3 each, inert
 * components included) and a design A for the recorded quadratic form p^T A p (d x d). Stage 1 has one group per
 * design; the 1D run, Stage 2, the pilot and the scale scan one group.
 */
struct ReplicaRunDesign {
    std::vector<std::vector<double> > mass, friction, design;
    double relaxationRate = 0;  // slowest rate of M^-1 Gamma over the active components, 1/ps
    bool restartFrozen = true;  // restart frozen replicas (FrozenReplicaWatch); the scan and the pilot only count them
    int stream = 0;             // which velocity streams the run draws from: a later Stage-1 round's own (0: the first's)
};

/** A share of a run: the replica batches [firstBatch, endBatch) of the groups [firstGroup, endGroup). */
struct ReplicaPiece {
    int firstBatch, endBatch, firstGroup, endGroup;
};

/** What a sampling pass records. */
enum class SamplingMode {
    Momenta,             // momentum statistics only (Stage 1, the pilot, the scan)
    Range,               // only equilibrate, and return the range the replicas visit over its last fifth
    HistogramOnGrid,     // momenta, positions on the given grid, drift momenta
    HistogramOnOwnGrid   // the same, on the grid of the range this pass's own replicas visit (run() in one pass)
};

/** One pass of a replica run: what to run and what to record. */
struct SamplingPass {
    const ReplicaRunDesign* run = nullptr;
    int steps = 0;                // sampling steps after equilibration
    std::string stage;            // progress label
    ReplicaPiece piece = {0, 0, 0, 0};
    SamplingMode mode = SamplingMode::Momenta;
    const RegularGrid* grid = nullptr;                                    // HistogramOnGrid
    std::function<RegularGrid(const std::vector<double>&)> gridOfRange;   // HistogramOnOwnGrid: range -> grid
    bool wantEndPositions = false; // where the replicas of the first group ended (not for a user's System)
};

/** What a pass returns. */
struct SamplingResult {
    ReplicaStatistics statistics;        // empty in Range mode
    std::vector<double> range;           // Range mode: d lower then d upper bounds
    std::vector<double> endPositions;    // with wantEndPositions: R x d
};

/**
 * Runs replicas of DampedVerletIntegrator's deterministic scheme and streams their statistics: the sampling loop
 * shared by the coarse-graining driver (the 1D run, Stage 1 and Stage 2), its pilot run and the scale scan.
 *
 * The replicas of a piece are split over Contexts stepped on parallel threads, at batch boundaries, so that every
 * batch's sums are accumulated by one Context in one order: the results are bitwise the same for any number of
 * threads or pieces. Starting velocities (at kT*) and the velocities of restarted frozen replicas are drawn from
 * streams that depend on the seed, the group and the replica only. Progress goes to the reporter between chunks
 * of about a tenth of a second, so a Python reporter can stop a run on Ctrl-C within a second.
 *
 * An exploding run (positions or momenta not finite) throws UnstableRunException.
 */
class ReplicaSampler {
public:
    /**
     * @param source       the replicas
     * @param settings     step size, friction of a user's inert particles, seed, counts, threads
     * @param start        starting positions, R x d (one row per replica)
     * @param properties   platform properties of every Context
     * @param progress     receives progress reports (NULL for none)
     */
    ReplicaSampler(const ReplicaSource& source, const CoarseGrainingSettings& settings, const std::vector<double>& start,
                   OpenMM::Platform& platform, const std::map<std::string, std::string>& properties, ProgressReporter* progress);
    SamplingResult sample(const SamplingPass& pass) const;
    /** Threads a piece is split over: the settings' count, or one per core (at most 4). */
    static int threadsFor(const CoarseGrainingSettings& settings);
private:
    const ReplicaSource& source;
    const CoarseGrainingSettings& settings;
    const std::vector<double>& start;
    OpenMM::Platform& platform;
    const std::map<std::string, std::string>& properties;
    ProgressReporter* progress;
};

} // namespace EffPot

#endif /*EFFPOT_REPLICA_SAMPLER_H_*/
