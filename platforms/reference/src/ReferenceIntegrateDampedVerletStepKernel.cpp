#include "ReferenceIntegrateDampedVerletStepKernel.h"
#include "ReplicaExpressionForce.h"
#include "internal/NoiseStreamCheckpoint.h"
#include "openmm/OpenMMException.h"
#include "openmm/internal/ContextImpl.h"
#include "openmm/internal/OSRngSeed.h"
#include <algorithm>
#include <iostream>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

ReferenceIntegrateDampedVerletStepKernel::ReferenceIntegrateDampedVerletStepKernel(string name, const Platform& platform,
        ReferencePlatform::PlatformData& data) : IntegrateDampedVerletStepKernel(name, platform), data(data), system(NULL),
        fusedGroups(0), fusedChecked(false), batchable(false), matricesVersion(-1), seed(0), noiseCounter(0), hasVirtualSites(false),
        keptAccepted(0), keptProposed(0) {
}

void ReferenceIntegrateDampedVerletStepKernel::initialize(const System& system, const DampedVerletIntegrator& integrator) {
    this->system = &system;
    int requested = integrator.getRandomNumberSeed();
    seed = (uint32_t) (requested == 0 ? osrngseed() : requested);
    for (int i = 0; i < system.getNumParticles(); i++)
        hasVirtualSites |= system.isVirtualSite(i);
    updateMatrices(integrator);
}

void ReferenceIntegrateDampedVerletStepKernel::updateMatrices(const DampedVerletIntegrator& integrator) {
    if (matricesVersion == integrator.getParameterVersion())
        return;
    stepper.reset();
    keepMetropolisCounts();
    fused.reset();
    fusedChecked = false;
    matrices = integrator.computeMatrices(*system);
    stepper.reset(new DampedVerletStepper(matrices, seed));
    matricesVersion = integrator.getParameterVersion();
}

void ReferenceIntegrateDampedVerletStepKernel::updateFusedStepper(const DampedVerletIntegrator& integrator) {
    int groups = integrator.getIntegrationForceGroups();
    if (fusedChecked && fusedGroups == groups)
        return;
    keepMetropolisCounts();
    fused.reset(FusedReplicaStepper::create(*system, matrices, groups, seed, getNumSlots()));
    fusedGroups = groups;
    fusedChecked = true;
    if (fused == NULL && matrices.splitting == DampedVerletIntegrator::GHMC)
        throw OpenMMException("DampedVerletIntegrator: the GHMC splitting needs each replica's own energy, so it runs on replica "
                              "Systems only: every particle a one-particle block (addBlock([i], ...)) and one ReplicaSplineForce "
                              "or ReplicaExpressionForce acting once on each the only force in the integration groups (no "
                              "virtual sites); use the OBABO or BAOAB splitting for other Systems");
    // The replica forces have no context state to update between steps; any other Force might (a barostat,
    // CMMotionRemover), even outside the integration groups.
    batchable = (fused != NULL);
    for (int i = 0; i < system->getNumForces(); i++)
        batchable &= FusedReplicaStepper::isReplicaForce(system->getForce(i));
}

void ReferenceIntegrateDampedVerletStepKernel::keepMetropolisCounts() {
    if (fused == NULL)
        return;
    long long accepted, proposed;
    fused->getMetropolisCounts(accepted, proposed);
    keptAccepted += accepted;
    keptProposed += proposed;
}

void ReferenceIntegrateDampedVerletStepKernel::getMetropolisCounts(long long& accepted, long long& proposed) const {
    accepted = keptAccepted;
    proposed = keptProposed;
    if (fused != NULL) {
        long long a, p;
        fused->getMetropolisCounts(a, p);
        accepted += a;
        proposed += p;
    }
}

void ReferenceIntegrateDampedVerletStepKernel::forEachRange(int numUnits, const function<void (int, int, int)>& function) {
    function(0, numUnits, 0);
}

void ReferenceIntegrateDampedVerletStepKernel::execute(ContextImpl& context, const DampedVerletIntegrator& integrator, bool& forcesAreValid) {
    updateMatrices(integrator);
    updateFusedStepper(integrator);
    if (fused) {
        stepFused(context, integrator, forcesAreValid, 1);
        return;
    }
    int groups = validForces(context, integrator, forcesAreValid);
    vector<Vec3>& x = *data.positions;
    vector<Vec3>& v = *data.velocities;
    vector<Vec3>& f = *data.forces;
    uint64_t counter = noiseCounter;
    int numUnits = stepper->getNumUnits();
    forEachRange(numUnits, [&](int first, int end, int) { stepper->firstHalf(first, end, x, v, f, counter); });
    if (hasVirtualSites)
        context.computeVirtualSites();
    context.calcForcesAndEnergy(true, false, groups);
    forEachRange(numUnits, [&](int first, int end, int) { stepper->secondHalf(first, end, v, f, counter+1); });
    advance(context, forcesAreValid, 1);
}

int ReferenceIntegrateDampedVerletStepKernel::executeSteps(ContextImpl& context, const DampedVerletIntegrator& integrator,
        bool& forcesAreValid, int maxSteps) {
    updateMatrices(integrator);
    updateFusedStepper(integrator);
    int steps = min(maxSteps, (int) MaxBatchSteps);
    if (!fused || !batchable || steps < 2) {
        execute(context, integrator, forcesAreValid);
        return 1;
    }
    stepFused(context, integrator, forcesAreValid, steps);
    return steps;
}

void ReferenceIntegrateDampedVerletStepKernel::stepFused(ContextImpl& context, const DampedVerletIntegrator& integrator,
        bool& forcesAreValid, int steps) {
    int groups = validForces(context, integrator, forcesAreValid);
    vector<Vec3>& x = *data.positions;
    vector<Vec3>& v = *data.velocities;
    vector<Vec3>& f = *data.forces;
    uint64_t counter = noiseCounter;
    fused->updateGlobals(context);
    forEachBlockRange(fused->getNumBlocks(), steps, [&](int first, int end, int slot) { fused->stepBlocks(first, end, slot, x, v, f, counter, steps); });
    // f now holds the forces of the integration groups at the new positions, as calcForcesAndEnergy leaves them.
    context.getLastForceGroups() = groups;
    advance(context, forcesAreValid, steps);
}

int ReferenceIntegrateDampedVerletStepKernel::validForces(ContextImpl& context, const DampedVerletIntegrator& integrator,
        bool forcesAreValid) {
    int groups = integrator.getIntegrationForceGroups();
    if (!forcesAreValid)
        context.calcForcesAndEnergy(true, false, groups);
    return groups;
}

void ReferenceIntegrateDampedVerletStepKernel::advance(ContextImpl& context, bool& forcesAreValid, int steps) {
    noiseCounter += 2*steps;
    // Time advances by repeated additions, as it does one step at a time.
    for (int s = 0; s < steps; s++)
        context.setTime(context.getTime()+matrices.stepSize);
    context.setStepCount(context.getStepCount()+steps);
    forcesAreValid = true;
}

double ReferenceIntegrateDampedVerletStepKernel::computeKineticEnergy(ContextImpl& context, const DampedVerletIntegrator& integrator) {
    updateMatrices(integrator);
    vector<double> partial(getNumSlots(), 0.0);
    const vector<Vec3>& v = *data.velocities;
    forEachRange(stepper->getNumUnits(), [&](int first, int end, int slot) { partial[slot] += stepper->kineticEnergy(first, end, v); });
    double energy = 0;
    for (double e : partial)
        energy += e;
    return energy;
}

void ReferenceIntegrateDampedVerletStepKernel::createCheckpoint(ContextImpl& context, ostream& stream) const {
    NoiseStreamCheckpoint::write(stream, seed, noiseCounter);
}

void ReferenceIntegrateDampedVerletStepKernel::loadCheckpoint(ContextImpl& context, istream& stream) {
    if (NoiseStreamCheckpoint::read(stream, seed, noiseCounter))
        matricesVersion = -1; // rebuild the stepper with the restored noise stream
}
