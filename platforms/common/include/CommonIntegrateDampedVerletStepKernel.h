#ifndef EFFPOT_COMMON_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_
#define EFFPOT_COMMON_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_

#include "EffPotKernels.h"
#include "UnwrappedPositions.h"
#include "openmm/common/ComputeArray.h"
#include "openmm/common/ComputeContext.h"
#include "openmm/common/ComputeKernel.h"
#include "openmm/common/ComputeProgram.h"
#include <cstdint>
#include <memory>
#include <vector>

namespace EffPot {

/**
 * DampedVerletIntegrator on the GPU platforms (OpenCL and CUDA), from one kernel source (kernels/dampedVerlet.cc)
 * compiled through OpenMM's ComputeContext.
 *
 * The host precomputes everything (DampedVerletMatrices, double precision) and uploads it, in the precision of
 * velocities, only when the integrator's parameter version changes; a step is two kernel launches around the force
 * evaluation (O-B-A, B-O; with the BAOAB splitting B-A-O-O-A, B), with no host transfer. The GHMC splitting runs
 * on the fused replica kernel only (its Metropolis test needs each replica's own energy). Blocks and noise are keyed
 * by original particle index; a reorder listener keeps the map from original index to the device slot current.
 * Noise: the Philox stream of the Reference kernel.
 */
class CommonIntegrateDampedVerletStepKernel : public IntegrateDampedVerletStepKernel {
public:
    CommonIntegrateDampedVerletStepKernel(std::string name, const OpenMM::Platform& platform, OpenMM::ComputeContext& cc);
    ~CommonIntegrateDampedVerletStepKernel();
    void initialize(const OpenMM::System& system, const DampedVerletIntegrator& integrator);
    void execute(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator, bool& forcesAreValid);
    /**
     * Up to MaxBatchSteps steps in one launch of the fused replica kernel when the System is the replica case and
     * every Force is a replica force; otherwise one step (fused or not) as execute().
     */
    int executeSteps(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator, bool& forcesAreValid, int maxSteps);
    /** The most steps one fused launch takes. */
    static const int MaxBatchSteps = 256;
    double computeKineticEnergy(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator);
    /** The GHMC splitting's moves accepted (summed over the replicas' counters on the device) and made so far. */
    void getMetropolisCounts(long long& accepted, long long& proposed) const;
    void createCheckpoint(OpenMM::ContextImpl& context, std::ostream& stream) const;
    void loadCheckpoint(OpenMM::ContextImpl& context, std::istream& stream);
private:
    class ReorderListener;
    void updateMatrices(const DampedVerletIntegrator& integrator);
    void updateSlots();
    /** Decide whether the fused replica kernel applies (System, matrices, integration groups); compile it if so. */
    void updateFused(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator);
    /** `steps` fused steps (the fused kernel applies). */
    void stepFused(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator, bool& forcesAreValid, int steps);
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
    // The fused replica kernel: whether it applies for fusedGroups and matricesVersion (fusedChecked), whether its
    // steps may be batched (every Force a replica force), the force it inlines, its program (compiled once).
    bool fusedChecked, fusedApplies, batchable, fusedDisabled;
    int fusedGroups;
    long long fusedVersion;
    const OpenMM::Force* fusedForce;
    bool fusedHasGlobals;
    int splitting;
    std::vector<int> hostBlock3Atom; // block3Atom on the host
    OpenMM::ComputeArray fusedSplineCoefficients;
    UnwrappedPositions fusedUnwrapped; // the box shifts the fused force subtracts in a periodic System
    // GHMC: each replica's accepted moves (the fused kernel adds to them) and the moves made, since the Context
    // was created.
    OpenMM::ComputeArray acceptedCount;
    long long proposedMoves;
    OpenMM::ComputeProgram fusedProgram;
    OpenMM::ComputeKernel fusedKernel;
    OpenMM::ComputeKernel firstHalfKernel, secondHalfKernel, kineticEnergyKernel, sumKernel, slotKernel;
};

} // namespace EffPot

#endif /*EFFPOT_COMMON_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_*/
