#ifndef EFFPOT_COMMON_CALC_REPLICA_EXPRESSION_FORCE_KERNEL_H_
#define EFFPOT_COMMON_CALC_REPLICA_EXPRESSION_FORCE_KERNEL_H_

#include "EffPotKernels.h"
#include "openmm/common/ComputeContext.h"

namespace EffPot {

/**
 * ReplicaExpressionForce on OpenCL and CUDA (one source through OpenMM's ComputeContext): the energy expression and
 * its derivatives become GPU code (OpenMM's ExpressionUtilities), run as one-atom interactions of BondedUtilities,
 * which adds energies and forces in OpenMM's own buffers and follows atom reordering.
 */
class CommonCalcReplicaExpressionForceKernel : public CalcReplicaExpressionForceKernel {
public:
    CommonCalcReplicaExpressionForceKernel(std::string name, const OpenMM::Platform& platform, OpenMM::ComputeContext& cc) :
            CalcReplicaExpressionForceKernel(name, platform), cc(cc) {
    }
    void initialize(const OpenMM::System& system, const ReplicaExpressionForce& force);
    /** The work is queued by BondedUtilities with the other bonded forces; nothing to do here. */
    double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) {
        return 0.0;
    }
private:
    class ForceInfo;
    OpenMM::ComputeContext& cc;
};

} // namespace EffPot

#endif /*EFFPOT_COMMON_CALC_REPLICA_EXPRESSION_FORCE_KERNEL_H_*/
