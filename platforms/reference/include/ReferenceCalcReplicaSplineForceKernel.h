#ifndef EFFPOT_REFERENCE_CALC_REPLICA_SPLINE_FORCE_KERNEL_H_
#define EFFPOT_REFERENCE_CALC_REPLICA_SPLINE_FORCE_KERNEL_H_

#include "EffPotKernels.h"
#include "ReplicaBlockIO.h"
#include "SplineLaneForce.h"
#include "internal/SplineTable.h"
#include "openmm/reference/ReferencePlatform.h"
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace EffPot {

/**
 * ReplicaSplineForce on the Reference platform: blocks of ReplicaLaneForce::BlockSize particles through
 * SplineLaneForce, one after the other. The CPU platform's kernel derives from it and splits the blocks over its
 * threads; both add exactly the same numbers per particle.
 */
class OPENMM_EXPORT_EFFPOT ReferenceCalcReplicaSplineForceKernel : public CalcReplicaSplineForceKernel {
public:
    ReferenceCalcReplicaSplineForceKernel(std::string name, const OpenMM::Platform& platform, OpenMM::ReferencePlatform::PlatformData& data);
    void initialize(const OpenMM::System& system, const ReplicaSplineForce& force);
    double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy);
protected:
    virtual void forEachRange(int numBlocks, const std::function<void (int first, int end, int slot)>& function);
    virtual int getNumSlots() const {
        return 1;
    }
private:
    void evaluateBlock(int block, SplineLaneForce& lanes, bool includeForces, std::vector<OpenMM::Vec3>& positions,
                       std::vector<OpenMM::Vec3>& forces);
    OpenMM::ReferencePlatform::PlatformData& data;
    std::unique_ptr<SplineTable> table;
    ReplicaBlocks blocks;
    std::vector<std::unique_ptr<SplineLaneForce> > evaluators; // one per slot, created on first use
};

} // namespace EffPot

#endif /*EFFPOT_REFERENCE_CALC_REPLICA_SPLINE_FORCE_KERNEL_H_*/
