#ifndef EFFPOT_REPLICA_FORCE_INFO_H_
#define EFFPOT_REPLICA_FORCE_INFO_H_

#include "openmm/common/ComputeForceInfo.h"
#include <vector>

namespace EffPot {

/**
 * Tells OpenMM which particles a replica force (ReplicaExpressionForce, ReplicaSplineForce: anything with
 * getNumParticles() and getParticle(i)) treats alike, for reordering: those it acts on equally often (a particle
 * added twice feels twice the force, so it may not trade places with one added once).
 */
template <class ReplicaForce>
class ReplicaForceInfo : public OpenMM::ComputeForceInfo {
public:
    ReplicaForceInfo(const ReplicaForce& force, int numParticles) : count(numParticles, 0) {
        for (int i = 0; i < force.getNumParticles(); i++)
            count[force.getParticle(i)]++;
    }
    bool areParticlesIdentical(int particle1, int particle2) {
        return count[particle1] == count[particle2];
    }
private:
    std::vector<int> count;
};

} // namespace EffPot

#endif /*EFFPOT_REPLICA_FORCE_INFO_H_*/
