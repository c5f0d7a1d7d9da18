#ifndef EFFPOT_REPLICA_SPLINE_FORCE_IMPL_H_
#define EFFPOT_REPLICA_SPLINE_FORCE_IMPL_H_

#include "ReplicaSplineForce.h"
#include "openmm/Kernel.h"
#include "openmm/internal/ForceImpl.h"
#include <map>
#include <string>
#include <vector>

namespace EffPot {

/**
 * The ForceImpl of ReplicaSplineForce: checks the particle indices against the System and calls the platform's
 * CalcReplicaSplineForceKernel.
 */
class ReplicaSplineForceImpl : public OpenMM::ForceImpl {
public:
    explicit ReplicaSplineForceImpl(const ReplicaSplineForce& owner) : owner(owner) {
    }
    void initialize(OpenMM::ContextImpl& context);
    const ReplicaSplineForce& getOwner() const {
        return owner;
    }
    void updateContextState(OpenMM::ContextImpl& context, bool& forcesInvalid) {
    }
    double calcForcesAndEnergy(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy, int groups);
    std::map<std::string, double> getDefaultParameters() {
        return std::map<std::string, double>();
    }
    std::vector<std::string> getKernelNames();
private:
    const ReplicaSplineForce& owner;
    OpenMM::Kernel kernel;
};

} // namespace EffPot

#endif /*EFFPOT_REPLICA_SPLINE_FORCE_IMPL_H_*/
