#ifndef EFFPOT_CPU_CALC_REPLICA_SPLINE_FORCE_KERNEL_H_
#define EFFPOT_CPU_CALC_REPLICA_SPLINE_FORCE_KERNEL_H_

#include "ReferenceCalcReplicaSplineForceKernel.h"
#include "openmm/internal/ThreadPool.h"

namespace EffPot {

/**
 * ReplicaSplineForce on the CPU platform: the Reference kernel's blocks split over OpenMM's thread pool (in
 * contiguous ranges, since every block costs the same), serially below ParallelThreshold blocks where one pool
 * round trip would cost more than the work.
 */
class CpuCalcReplicaSplineForceKernel : public ReferenceCalcReplicaSplineForceKernel {
public:
    static const int ParallelThreshold = 64;
    CpuCalcReplicaSplineForceKernel(std::string name, const OpenMM::Platform& platform,
            OpenMM::ReferencePlatform::PlatformData& data, OpenMM::ThreadPool& threads);
protected:
    void forEachRange(int numBlocks, const std::function<void (int first, int end, int slot)>& function);
    int getNumSlots() const;
private:
    OpenMM::ThreadPool& threads;
};

} // namespace EffPot

#endif /*EFFPOT_CPU_CALC_REPLICA_SPLINE_FORCE_KERNEL_H_*/
