#ifndef EFFPOT_REFERENCE_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_
#define EFFPOT_REFERENCE_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_

#include "EffPotKernels.h"
#include "DampedVerletStepper.h"
#include "FusedReplicaStepper.h"
#include "internal/DampedVerletMatrices.h"
#include "openmm/reference/ReferencePlatform.h"
#include <cstdint>
#include <functional>
#include <memory>

namespace EffPot {

/**
 * DampedVerletIntegrator on the Reference platform (serial). The CPU platform's kernel derives from it and only
 * changes how units of work are distributed.
 *
 * When the System is the replica case (FusedReplicaStepper: one-particle blocks, one ReplicaExpressionForce in the
 * integration groups), a step is a single pass that fuses the force evaluation into the update, without going
 * through ContextImpl::calcForcesAndEnergy.
 */
class OPENMM_EXPORT_EFFPOT ReferenceIntegrateDampedVerletStepKernel : public IntegrateDampedVerletStepKernel {
public:
    ReferenceIntegrateDampedVerletStepKernel(std::string name, const OpenMM::Platform& platform, OpenMM::ReferencePlatform::PlatformData& data);
    void initialize(const OpenMM::System& system, const DampedVerletIntegrator& integrator);
    void execute(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator, bool& forcesAreValid);
    /**
     * In the fused replica case with no other Force in the System (so nothing to update between steps), up to
     * MaxBatchSteps steps at once: each block of replicas takes them all while it sits in registers and L1, with one
     * thread-pool round trip for the batch. Otherwise one step.
     */
    int executeSteps(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator, bool& forcesAreValid, int maxSteps);
    /** The most steps one executeSteps() call takes (it cannot be interrupted). */
    static const int MaxBatchSteps = 256;
    double computeKineticEnergy(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator);
    void getMetropolisCounts(long long& accepted, long long& proposed) const;
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
    /**
     * forEachRange for the fused step's blocks (of TapeEvaluator::BlockSize particles), each taking numSteps steps.
     * Serial here.
     */
    virtual void forEachBlockRange(int numBlocks, int numSteps, const std::function<void (int first, int end, int slot)>& function) {
        function(0, numBlocks, 0);
    }
private:
    void updateFusedStepper(const DampedVerletIntegrator& integrator);
    void updateMatrices(const DampedVerletIntegrator& integrator);
    // The integration groups, with their forces computed first unless they are still valid.
    int validForces(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator, bool forcesAreValid);
    // `steps` steps of the fused replica stepper (fused must be set).
    void stepFused(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator, bool& forcesAreValid, int steps);
    // After `steps` steps: the noise counter, time and step count move on; the forces are those at the new positions.
    void advance(OpenMM::ContextImpl& context, bool& forcesAreValid, int steps);
    // Add the GHMC counts of `fused` to the kept ones before it is replaced (they count since the Context began).
    void keepMetropolisCounts();
    OpenMM::ReferencePlatform::PlatformData& data;
    const OpenMM::System* system;
    DampedVerletMatrices matrices;
    std::unique_ptr<DampedVerletStepper> stepper;
    std::unique_ptr<FusedReplicaStepper> fused;
    int fusedGroups;     // the integration groups `fused` was made for
    bool fusedChecked;   // whether `fused` was made for the current matrices
    bool batchable;      // whether fused steps may be batched: every Force of the System is a replica force
    long long matricesVersion;
    uint32_t seed;
    uint64_t noiseCounter;
    bool hasVirtualSites;
    long long keptAccepted, keptProposed; // GHMC moves of fused steppers that were replaced
};

} // namespace EffPot

#endif /*EFFPOT_REFERENCE_INTEGRATE_DAMPED_VERLET_STEP_KERNEL_H_*/
