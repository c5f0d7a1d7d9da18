#ifndef EFFPOT_COMMON_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_
#define EFFPOT_COMMON_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_

#include "EffPotKernels.h"
#include "openmm/common/ComputeArray.h"
#include "openmm/common/ComputeContext.h"
#include "openmm/common/ComputeKernel.h"
#include "openmm/common/ComputeProgram.h"
#include <cstdint>
#include <memory>

namespace EffPot {

/**
 * DampedVerletIntegrator on the GPU platforms (OpenCL and CUDA), from one kernel source (kernels/dampedVerlet.cc)
 * compiled through OpenMM's ComputeContext.
 *
 * The host precomputes everything (DampedVerletMatrices, double precision) and uploads it, in the precision of
 * velocities, only when the integrator's parameter version changes; a step is two kernel launches around the force
 * evaluation (O-B-A, B-O; with the BAOAB splitting B-A-O-O-A, B), with no host transfer. Blocks and noise are keyed
 * by original particle index; a reorder listener keeps the map from original index to the device slot current.
 * Noise: the Philox stream of the Reference kernel.
 */
class CommonIntegrateDampedVerletStepKernel : public IntegrateDampedVerletStepKernel {
public:
    CommonIntegrateDampedVerletStepKernel(std::string name, const OpenMM::Platform& platform, OpenMM::ComputeContext& cc);
    ~CommonIntegrateDampedVerletStepKernel();
    void initialize(const OpenMM::System& system, const DampedVerletIntegrator& integrator);
    void execute(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator, bool& forcesAreValid);
    double computeKineticEnergy(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator);
    void createCheckpoint(OpenMM::ContextImpl& context, std::ostream& stream) const;
    void loadCheckpoint(OpenMM::ContextImpl& context, std::istream& stream);
private:
    class ReorderListener;
    void updateMatrices(const DampedVerletIntegrator& integrator);
    void updateSlots();
    OpenMM::ComputeContext& cc;
    const OpenMM::System* system;
    long long matricesVersion;
    uint32_t seed;
    uint64_t noiseCounter;
    int numBlocks3, numBlocksN, numFree, keGroupSize, keNumGroups;
    double stepSize;
    OpenMM::ComputeArray slotOfAtom, block3Atom, block3Set, blockNStart, blockNSet, blockNParticles, setInfo, matrices,
            scratch, freeAtom, freeParams, scalars, partialSums;
    OpenMM::ComputeProgram program;
    ReorderListener* listener;
    OpenMM::ComputeKernel firstHalfKernel, secondHalfKernel, kineticEnergyKernel, sumKernel, slotKernel;
};

} // namespace EffPot

#endif /*EFFPOT_COMMON_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_*/
