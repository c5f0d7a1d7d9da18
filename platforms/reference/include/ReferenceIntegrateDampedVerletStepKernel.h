#ifndef EFFPOT_REFERENCE_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_
#define EFFPOT_REFERENCE_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_

#include "EffPotKernels.h"
#include "DampedVerletStepper.h"
#include "internal/DampedVerletMatrices.h"
#include "openmm/reference/ReferencePlatform.h"
#include <cstdint>
#include <functional>
#include <memory>

namespace EffPot {

/**
 * DampedVerletIntegrator on the Reference platform (serial). The CPU platform's kernel derives from it and only
 * changes how units of work are distributed.
 */
class OPENMM_EXPORT_EFFPOT ReferenceIntegrateDampedVerletStepKernel : public IntegrateDampedVerletStepKernel {
public:
    ReferenceIntegrateDampedVerletStepKernel(std::string name, const OpenMM::Platform& platform, OpenMM::ReferencePlatform::PlatformData& data);
    void initialize(const OpenMM::System& system, const DampedVerletIntegrator& integrator);
    void execute(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator, bool& forcesAreValid);
    double computeKineticEnergy(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator);
    void createCheckpoint(OpenMM::ContextImpl& context, std::ostream& stream) const;
    void loadCheckpoint(OpenMM::ContextImpl& context, std::istream& stream);
protected:
    /**
     * Apply a function to every unit range [first, end) of 0..numUnits, possibly in parallel; `slot` is a distinct
     * index < getNumSlots() per concurrently running call. Serial here.
     */
    virtual void forEachRange(int numUnits, const std::function<void (int first, int end, int slot)>& function);
    virtual int getNumSlots() const {
        return 1;
    }
private:
    void updateMatrices(const DampedVerletIntegrator& integrator);
    OpenMM::ReferencePlatform::PlatformData& data;
    const OpenMM::System* system;
    DampedVerletMatrices matrices;
    std::unique_ptr<DampedVerletStepper> stepper;
    long long matricesVersion;
    uint32_t seed;
    uint64_t noiseCounter;
    bool hasVirtualSites;
};

} // namespace EffPot

#endif /*EFFPOT_REFERENCE_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_*/
