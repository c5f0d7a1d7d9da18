#ifndef EFFPOT_KERNELS_H_
#define EFFPOT_KERNELS_H_

#include "DampedVerletIntegrator.h"
#include "ReplicaExpressionForce.h"
#include "ReplicaSplineForce.h"
#include "openmm/KernelImpl.h"
#include "openmm/System.h"
#include <iosfwd>
#include <string>

namespace EffPot {

/**
 * Advances a DampedVerletIntegrator by one O-B-A-B-O step.
 */
class OPENMM_EXPORT_EFFPOT IntegrateDampedVerletStepKernel : public OpenMM::KernelImpl {
public:
    static std::string Name() {
        return "EffPotIntegrateDampedVerletStep";
    }
    IntegrateDampedVerletStepKernel(std::string name, const OpenMM::Platform& platform) : OpenMM::KernelImpl(name, platform) {
    }
    /** Defined in libEffPot, so that the class's type information has one home shared by every plugin library. */
    virtual ~IntegrateDampedVerletStepKernel();
    /**
     * Initialize the kernel.
     */
    virtual void initialize(const OpenMM::System& system, const DampedVerletIntegrator& integrator) = 0;
    /**
     * Execute one step.
     *
     * @param forcesAreValid  on input, whether the context's forces are those at the current positions for the
     *                        integration force groups (then the first kick reuses them); set true on output
     */
    virtual void execute(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator, bool& forcesAreValid) = 0;
    /**
     * Execute between 1 and maxSteps steps and return how many. A kernel may take several steps at once only when
     * nothing could happen between them (no Force with a context state to update): the result must be what as
     * many calls of execute() would give. This default takes one.
     */
    virtual int executeSteps(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator, bool& forcesAreValid, int maxSteps) {
        execute(context, integrator, forcesAreValid);
        return 1;
    }
    /**
     * Compute the kinetic energy (1/2) v^T M v.
     */
    virtual double computeKineticEnergy(OpenMM::ContextImpl& context, const DampedVerletIntegrator& integrator) = 0;
    /**
     * The GHMC splitting's moves accepted and made so far (both 0 on a kernel that makes none).
     */
    virtual void getMetropolisCounts(long long& accepted, long long& proposed) const {
        accepted = proposed = 0;
    }
    /**
     * Write the kernel's own state (the noise counter) to a checkpoint.
     */
    virtual void createCheckpoint(OpenMM::ContextImpl& context, std::ostream& stream) const = 0;
    /**
     * Read the kernel's own state from a checkpoint.
     */
    virtual void loadCheckpoint(OpenMM::ContextImpl& context, std::istream& stream) = 0;
};

/**
 * Computes the energy and forces of a ReplicaExpressionForce.
 */
class OPENMM_EXPORT_EFFPOT CalcReplicaExpressionForceKernel : public OpenMM::KernelImpl {
public:
    static std::string Name() {
        return "EffPotCalcReplicaExpressionForce";
    }
    CalcReplicaExpressionForceKernel(std::string name, const OpenMM::Platform& platform) : OpenMM::KernelImpl(name, platform) {
    }
    /** Defined in libEffPot, like ~IntegrateDampedVerletStepKernel. */
    virtual ~CalcReplicaExpressionForceKernel();
    /**
     * Initialize the kernel.
     */
    virtual void initialize(const OpenMM::System& system, const ReplicaExpressionForce& force) = 0;
    /**
     * Add the forces to the context's forces and return the energy (kJ/mol; 0 if includeEnergy is false).
     */
    virtual double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) = 0;
};

/**
 * Computes the forces and energy of a ReplicaSplineForce.
 */
class OPENMM_EXPORT_EFFPOT CalcReplicaSplineForceKernel : public OpenMM::KernelImpl {
public:
    static std::string Name() {
        return "EffPotCalcReplicaSplineForce";
    }
    CalcReplicaSplineForceKernel(std::string name, const OpenMM::Platform& platform) : OpenMM::KernelImpl(name, platform) {
    }
    virtual ~CalcReplicaSplineForceKernel();
    /**
     * @param system   the System this kernel is part of
     * @param force    the ReplicaSplineForce this kernel evaluates
     */
    virtual void initialize(const OpenMM::System& system, const ReplicaSplineForce& force) = 0;
    /**
     * @return the potential energy of the force (kJ/mol) if includeEnergy, else 0
     */
    virtual double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) = 0;
};

} // namespace EffPot

#endif /*EFFPOT_KERNELS_H_*/
