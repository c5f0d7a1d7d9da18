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
    /** Fewest units of work worth a thread pool round trip (measured: bench/bench_integrator.py). */
    static const int ParallelThreshold = 2048;
    CpuIntegrateDampedVerletStepKernel(std::string name, const OpenMM::Platform& platform,
            OpenMM::ReferencePlatform::PlatformData& data, OpenMM::ThreadPool& threads);
protected:
    void forEachRange(int numUnits, const std::function<void (int first, int end, int slot)>& function);
    int getNumSlots() const;
private:
    OpenMM::ThreadPool& threads;
};

} // namespace EffPot

#endif /*EFFPOT_CPU_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_*/
