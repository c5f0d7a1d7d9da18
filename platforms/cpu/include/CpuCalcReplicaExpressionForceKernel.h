#ifndef EFFPOT_CPU_CALC_REPLICA_EXPRESSION_FORCE_KERNEL_H_
#define EFFPOT_CPU_CALC_REPLICA_EXPRESSION_FORCE_KERNEL_H_

#include "ReferenceCalcReplicaExpressionForceKernel.h"
#include "openmm/internal/ThreadPool.h"

namespace EffPot {

/**
 * ReplicaExpressionForce on the CPU platform: the Reference kernel's vectorized blocks, split over OpenMM's thread
 * pool in contiguous ranges. Below ParallelThreshold blocks a pool round trip costs more than the work, so it runs
 * serially. Results do not depend on the number of threads (disjoint blocks, energy summed in block order).
 */
class CpuCalcReplicaExpressionForceKernel : public ReferenceCalcReplicaExpressionForceKernel {
public:
    /**
     * Fewest blocks (of TapeEvaluator::BlockSize particles) worth splitting. Measured with
     * bench/bench_replica_force.py --threshold on the shared 2-core machine: two threads do not clearly win below
     * 256 blocks (docs/benchmarks.md). This kernel serves State queries and unfused steps; replica Systems stepped
     * by DampedVerletIntegrator use the fused step.
     */
    static const int ParallelThreshold = 256;
    CpuCalcReplicaExpressionForceKernel(std::string name, const OpenMM::Platform& platform,
            OpenMM::ReferencePlatform::PlatformData& data, OpenMM::ThreadPool& threads);
protected:
    void forEachRange(int numBlocks, const std::function<void (int first, int end, int slot)>& function);
    int getNumSlots() const;
private:
    OpenMM::ThreadPool& threads;
};

} // namespace EffPot

#endif /*EFFPOT_CPU_CALC_REPLICA_EXPRESSION_FORCE_KERNEL_H_*/
