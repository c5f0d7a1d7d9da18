#ifndef EFFPOT_REPLICA_EXPRESSION_FORCE_IMPL_H_
#define EFFPOT_REPLICA_EXPRESSION_FORCE_IMPL_H_

#include "ReplicaExpressionForce.h"
#include "openmm/Kernel.h"
#include "openmm/internal/ForceImpl.h"
#include <map>
#include <string>
#include <vector>

namespace EffPot {

/**
 * The Context-side part of a ReplicaExpressionForce: checks the force against the System and runs its kernel.
 */
class ReplicaExpressionForceImpl : public OpenMM::ForceImpl {
public:
    explicit ReplicaExpressionForceImpl(const ReplicaExpressionForce& owner) : owner(owner) {
    }
    void initialize(OpenMM::ContextImpl& context);
    const ReplicaExpressionForce& getOwner() const {
        return owner;
    }
    void updateContextState(OpenMM::ContextImpl& context, bool& forcesInvalid) {
    }
    double calcForcesAndEnergy(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy, int groups);
    std::map<std::string, double> getDefaultParameters();
    std::vector<std::string> getKernelNames();
private:
    const ReplicaExpressionForce& owner;
    OpenMM::Kernel kernel;
};

} // namespace EffPot

#endif /*EFFPOT_REPLICA_EXPRESSION_FORCE_IMPL_H_*/
