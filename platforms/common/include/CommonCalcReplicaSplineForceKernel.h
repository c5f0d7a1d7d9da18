#ifndef EFFPOT_COMMON_CALC_REPLICA_SPLINE_FORCE_KERNEL_H_
#define EFFPOT_COMMON_CALC_REPLICA_SPLINE_FORCE_KERNEL_H_

#include "EffPotKernels.h"
#include "UnwrappedPositions.h"
#include "openmm/common/ComputeArray.h"
#include "openmm/common/ComputeContext.h"
#include <functional>
#include <string>

namespace EffPot {

/**
 * ReplicaSplineForce on OpenCL and CUDA (one source through OpenMM's ComputeContext). SplineTable computes the
 * per-cell power-basis coefficients on the host; they are uploaded once (as real: float in single and mixed
 * precision, double in double precision) and the table's layout (cells, strides, origin, inverse spacing, clamp
 * bounds, wall stiffness) is written into the kernel source as constants. Each particle is a one-atom interaction of
 * BondedUtilities, which adds energies and forces in OpenMM's own buffers (fixed-point forces) and follows atom
 * reordering, like CommonCalcReplicaExpressionForceKernel. The arithmetic is SplinePoint's.
 */
class CommonCalcReplicaSplineForceKernel : public CalcReplicaSplineForceKernel {
public:
    CommonCalcReplicaSplineForceKernel(std::string name, const OpenMM::Platform& platform, OpenMM::ComputeContext& cc) :
            CalcReplicaSplineForceKernel(name, platform), cc(cc) {
    }
    void initialize(const OpenMM::System& system, const ReplicaSplineForce& force);
    /**
     * The force's code as a one-atom interaction (reads pos1, adds to energy, defines real3 force1): uploads the
     * table into `coefficients` (real) and names it `argument` in the code. Shared by the BondedUtilities
     * interaction and the fused step kernel (CommonIntegrateDampedVerletStepKernel).
     */
    static std::string createForceSource(OpenMM::ComputeContext& cc, const ReplicaSplineForce& force, OpenMM::ComputeArray& coefficients,
                                         const std::function<std::string ()>& argument);
    /** The work is queued by BondedUtilities with the other bonded forces; nothing to do here. */
    double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) {
        unwrapped.update(context);
        return 0.0;
    }
private:
    OpenMM::ComputeContext& cc;
    UnwrappedPositions unwrapped; // the positions as set, in a periodic System (OpenMM wraps posq)
    OpenMM::ComputeArray coefficients;
};

} // namespace EffPot

#endif /*EFFPOT_COMMON_CALC_REPLICA_SPLINE_FORCE_KERNEL_H_*/
