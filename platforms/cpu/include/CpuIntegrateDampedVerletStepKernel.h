#ifndef EFFPOT_CPU_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_
#define EFFPOT_CPU_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_

#include "ReferenceIntegrateDampedVerletStepKernel.h"
#include "openmm/internal/ThreadPool.h"

namespace EffPot {

/**
 * DampedVerletIntegrator on the CPU platform: the Reference arithmetic with units of work split over OpenMM's
 * thread pool. Below ParallelThreshold units a pool round trip costs more than the work, so it runs serially.
 * Results do not depend on the number of threads (counter-based noise, disjoint units).
 */
class CpuIntegrateDampedVerletStepKernel : public ReferenceIntegrateDampedVerletStepKernel {
public:
    /**
     * Fewest units of work worth splitting. A step makes two thread-pool round trips (~40 us each on a 2-core
     * machine) against ~15 ns of serial work per one-particle block: measured with bench/bench_threshold.py,
     * two threads start to win between 4096 and 16384 blocks.
     */
    static const int ParallelThreshold = 8192;
    /**
     * Least work of the fused replica step (FusedReplicaStepper), in block-steps (TapeEvaluator::BlockSize
     * particles for one step, about 1 us), worth splitting over the pool: measured with
     * bench/bench_replica_force.py --threshold on the shared 2-core machine, two threads lose at 128 block-steps
     * and win at 256 (docs/benchmarks.md).
     */
    static const int FusedParallelThreshold = 256;
    CpuIntegrateDampedVerletStepKernel(std::string name, const OpenMM::Platform& platform,
            OpenMM::ReferencePlatform::PlatformData& data, OpenMM::ThreadPool& threads);
protected:
    void forEachRange(int numUnits, const std::function<void (int first, int end, int slot)>& function);
    int getNumSlots() const;
    void forEachBlockRange(int numBlocks, int numSteps, const std::function<void (int first, int end, int slot)>& function);
    void split(int numUnits, int threshold, const std::function<void (int first, int end, int slot)>& function);
private:
    OpenMM::ThreadPool& threads;
};

} // namespace EffPot

#endif /*EFFPOT_CPU_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_*/
