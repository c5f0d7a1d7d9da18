#ifndef EFFPOT_COMMON_CALC_REPLICA_EXPRESSION_FORCE_KERNEL_H_
#define EFFPOT_COMMON_CALC_REPLICA_EXPRESSION_FORCE_KERNEL_H_

#include "EffPotKernels.h"
#include "UnwrappedPositions.h"
#include "openmm/common/ComputeContext.h"
#include <string>

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
    /**
     * The force's code as a one-atom interaction (reads pos1, adds to energy, defines real3 force1), with the
     * global parameters read from the array named `globals` (registered with the context). Shared by the
     * BondedUtilities interaction and the fused step kernel (CommonIntegrateDampedVerletStepKernel).
     */
    static std::string createForceSource(OpenMM::ComputeContext& cc, const ReplicaExpressionForce& force, const std::string& globals);
    /** The work is queued by BondedUtilities with the other bonded forces; nothing to do here. */
    double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) {
        unwrapped.update(context);
        return 0.0;
    }
private:
    OpenMM::ComputeContext& cc;
    UnwrappedPositions unwrapped; // the positions as set, in a periodic System (OpenMM wraps posq)
};

} // namespace EffPot

#endif /*EFFPOT_COMMON_CALC_REPLICA_EXPRESSION_FORCE_KERNEL_H_*/
