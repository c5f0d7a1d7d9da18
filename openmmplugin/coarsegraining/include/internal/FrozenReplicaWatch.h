#ifndef EFFPOT_FROZEN_REPLICA_WATCH_H_
#define EFFPOT_FROZEN_REPLICA_WATCH_H_

#include <vector>

namespace EffPot {

/**
 * Finds replicas that froze in a micro-well during sampling, so that their samples are not taken for the law.
 *
 * Why: even inside a scale window the deterministic scheme has stable fixed points. Where the gradient of the
 * resolved part nearly cancels the largest slope of an unresolved scale, the total potential has local minima
 * whose curvature is small enough for the step (h^2 lambda < 4). A replica that passes there slowly enough is
 * captured, and friction brings it to rest for good: it then adds every later sample to one histogram bin (a
 * spike in -kT log rho) and zero kinetic energy to the temperature. Near the frozen end of a window (P2 at
 * h = 0.025) a few replicas in 200 are captured per 4e4 steps and the learned U is off by up to 0.1 kT there.
 *
 * Rule: a replica whose kinetic temperature (p^T M^-1 p / d) stays below `fraction` of its own temperature scale
 * for `window` consecutive samples is frozen. The scale starts at the caller's guess (kT*) and follows the
 * replica's temperature (a running mean over `memory` samples, not updated by quiet ones), so the rule holds where
 * the sampled temperature is far from kT* (Stage 1 with a friction given). A free replica's energy changes by about
 * kT within a relaxation time 1/gamma, so staying below 1% of kT for three relaxation times does not happen to it in
 * any run of practical length; a captured one stays at rest. The samples of a quiet stretch are held back until it ends: if the replica moves again they are
 * recorded (nothing is lost or reordered for a free replica's statistics), if it is found frozen they are dropped.
 *
 * With `restart`, the caller gives a frozen replica a fresh thermal velocity, and its next `settle` samples are
 * dropped too (one relaxation time, so that the restart leaves no trace of where it froze). Without it (the
 * scale scan, which measures freezing) every sample is recorded at once and frozen replicas are only counted.
 *
 * Decisions depend on the replica's own trajectory only, so results do not depend on how replicas are split
 * over threads, Contexts or processes.
 */
class FrozenReplicaWatch {
public:
    struct Sample {
        double p[3], q[3], drift[3];
        bool store; // keep p for the normality tests
    };
    FrozenReplicaWatch(int numReplicas, double initialScale, double fraction, int window, int settle, int memory, bool restart) :
            fraction(fraction), inverseMemory(1.0/memory), window(window), settle(settle), restart(restart), replicas(numReplicas),
            frozen(0), discarded(0) {
        for (Replica& replica : replicas)
            replica.scale = initialScale;
    }
    /**
     * One sample of replica r with kinetic temperature `temperature`. Samples to record now are appended to
     * `record` (in order). Returns true when r has just been found frozen (then restart it, if restarts are on).
     */
    bool observe(int r, double temperature, const Sample& sample, std::vector<Sample>& record) {
        Replica& replica = replicas[r];
        bool quiet = (temperature < fraction*replica.scale);
        if (!quiet)
            replica.scale += (temperature-replica.scale)*inverseMemory;
        if (!restart) {
            record.push_back(sample);
            if (replica.counted)
                return false;
            replica.quiet = (quiet ? replica.quiet+1 : 0);
            replica.counted = (replica.quiet >= window);
            frozen += replica.counted;
            return replica.counted;
        }
        if (replica.settling > 0) {
            replica.settling--;
            discarded++;
            return false;
        }
        if (!quiet) {
            flush(r, record);
            record.push_back(sample);
            return false;
        }
        replica.held.push_back(sample);
        if ((int) replica.held.size() < window)
            return false;
        discarded += replica.held.size();
        replica.held.clear();
        replica.settling = settle;
        frozen++;
        return true;
    }
    /** Record replica r's held samples (at the end of a run: a quiet stretch that did not last is not a freeze). */
    void flush(int r, std::vector<Sample>& record) {
        std::vector<Sample>& held = replicas[r].held;
        record.insert(record.end(), held.begin(), held.end());
        held.clear();
    }
    long long getNumFrozen() const {
        return frozen;
    }
    long long getNumDiscarded() const {
        return discarded;
    }
private:
    struct Replica {
        std::vector<Sample> held;
        double scale = 0;
        int quiet = 0, settling = 0;
        bool counted = false;
    };
    double fraction, inverseMemory; // 1/memory, the running mean's weight: multiplied, as a division per sample and
    int window, settle;             // replica costs more than the rest of the watch
    bool restart;
    std::vector<Replica> replicas;
    long long frozen, discarded;
};

} // namespace EffPot

#endif /*EFFPOT_FROZEN_REPLICA_WATCH_H_*/
