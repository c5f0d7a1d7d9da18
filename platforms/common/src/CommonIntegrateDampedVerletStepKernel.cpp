#include "CommonIntegrateDampedVerletStepKernel.h"
#include "CommonCalcReplicaExpressionForceKernel.h"
#include "CommonCalcReplicaSplineForceKernel.h"
#include "CommonEffPotKernelSources.h"
#include "ReplicaExpressionForce.h"
#include "ReplicaSplineForce.h"
#include "internal/DampedVerletMatrices.h"
#include "internal/NoiseStreamCheckpoint.h"
#include "openmm/OpenMMException.h"
#include "openmm/common/ContextSelector.h"
#include "openmm/common/IntegrationUtilities.h"
#include "openmm/internal/ContextImpl.h"
#include "openmm/internal/OSRngSeed.h"
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

/** Rebuilds the map from original atom index to device slot whenever OpenMM reorders atoms. */
class CommonIntegrateDampedVerletStepKernel::ReorderListener : public ComputeContext::ReorderListener {
public:
    explicit ReorderListener(CommonIntegrateDampedVerletStepKernel& owner) : owner(owner) {
    }
    void execute() {
        owner.updateSlots();
    }
private:
    CommonIntegrateDampedVerletStepKernel& owner;
};

namespace {

const int KineticEnergyGroupSize = 128;

// Uploads host values (double) into an array of the mixed type, allocating it on first use or when the size changes.
template <class Double, class Float>
void uploadMixed(ComputeContext& cc, ComputeArray& array, const vector<Double>& values, const string& name) {
    bool useDouble = cc.getUseDoublePrecision() || cc.getUseMixedPrecision();
    size_t size = max((size_t) 1, values.size());
    if (!array.isInitialized() || array.getSize() != size) {
        if (array.isInitialized())
            array.resize(size);
        else
            array.initialize(cc, size, useDouble ? sizeof(Double) : sizeof(Float), name);
    }
    if (values.empty())
        return;
    array.upload(values, true);
}

template <class T>
void uploadInts(ComputeContext& cc, ComputeArray& array, const vector<T>& values, const string& name) {
    size_t size = max((size_t) 1, values.size());
    if (!array.isInitialized())
        array.initialize<T>(cc, size, name);
    else if (array.getSize() != size)
        array.resize(size);
    if (!values.empty())
        array.upload(values);
}

} // namespace

CommonIntegrateDampedVerletStepKernel::CommonIntegrateDampedVerletStepKernel(string name, const Platform& platform, ComputeContext& cc) :
        IntegrateDampedVerletStepKernel(name, platform), cc(cc), system(NULL), matricesVersion(-1), seed(0), noiseCounter(0),
        numBlocks3(0), numBlocksN(0), numFree(0), keGroupSize(KineticEnergyGroupSize), keNumGroups(1), stepSize(0), listener(NULL),
        fusedChecked(false), fusedApplies(false), batchable(false), fusedDisabled(false), fusedGroups(0), fusedVersion(-1),
        fusedForce(NULL), fusedHasGlobals(false), splitting(0), proposedMoves(0) {
    // EFFPOT_GPU_FUSED=0 keeps every step on the unfused path (two launches around OpenMM's force evaluation).
    const char* fused = getenv("EFFPOT_GPU_FUSED");
    fusedDisabled = (fused != NULL && string(fused) == "0");
}

CommonIntegrateDampedVerletStepKernel::~CommonIntegrateDampedVerletStepKernel() {
    if (listener != NULL) {
        vector<ComputeContext::ReorderListener*>& listeners = cc.getReorderListeners();
        auto found = find(listeners.begin(), listeners.end(), listener);
        if (found != listeners.end()) {
            listeners.erase(found);
            delete listener;
        }
    }
}

void CommonIntegrateDampedVerletStepKernel::initialize(const System& system, const DampedVerletIntegrator& integrator) {
    cc.initializeContexts();
    ContextSelector selector(cc);
    this->system = &system;
    int requested = integrator.getRandomNumberSeed();
    seed = (uint32_t) (requested == 0 ? osrngseed() : requested);
    map<string, string> defines;
    defines["PADDED_NUM_ATOMS"] = cc.intToString(cc.getPaddedNumAtoms());
    defines["KE_GROUP_SIZE"] = cc.intToString(keGroupSize);
    program = cc.compileProgram(CommonEffPotKernelSources::dampedVerlet, defines);
    slotOfAtom.initialize<int>(cc, max(1, system.getNumParticles()), "dampedVerletSlotOfAtom");
    slotKernel = program->createKernel("dampedVerletBuildSlotOfAtom");
    slotKernel->addArg(cc.getNumAtoms());
    slotKernel->addArg(cc.getAtomIndexArray());
    slotKernel->addArg(slotOfAtom);
    updateSlots();
    listener = new ReorderListener(*this);
    cc.addReorderListener(listener);
    updateMatrices(integrator);
}

void CommonIntegrateDampedVerletStepKernel::updateSlots() {
    if (cc.getNumAtoms() > 0)
        slotKernel->execute(cc.getNumAtoms());
}

void CommonIntegrateDampedVerletStepKernel::updateMatrices(const DampedVerletIntegrator& integrator) {
    if (matricesVersion == integrator.getParameterVersion())
        return;
    ContextSelector selector(cc);
    DampedVerletMatrices m = integrator.computeMatrices(*system);
    stepSize = m.stepSize;

    // Parameter sets: (n, offset, hasNoise, numNormals) and the matrices halfKick, decay, mass, then with noise noise,
    // fullDecay and fullNoise (BAOAB's whole-step O), back to back.
    vector<mm_int4> info;
    vector<double> values;
    for (const auto& set : m.parameterSets) {
        int n = set.size;
        if (set.halfKick.size() != (size_t) n*n || set.decay.size() != (size_t) n*n || set.mass.size() != (size_t) n*n)
            throw OpenMMException("CommonIntegrateDampedVerletStepKernel: a parameter set's matrices do not match its size");
        if (!set.noise.empty() && (set.noise.size() != (size_t) n*n || set.fullDecay.size() != (size_t) n*n ||
                                   set.fullNoise.size() != (size_t) n*n))
            throw OpenMMException("CommonIntegrateDampedVerletStepKernel: a parameter set's noise matrices do not match its size");
        info.push_back(mm_int4(n, (int) values.size(), set.noise.empty() ? 0 : 1, set.numNormals));
        values.insert(values.end(), set.halfKick.begin(), set.halfKick.end());
        values.insert(values.end(), set.decay.begin(), set.decay.end());
        values.insert(values.end(), set.mass.begin(), set.mass.end());
        if (!set.noise.empty()) {
            values.insert(values.end(), set.noise.begin(), set.noise.end());
            values.insert(values.end(), set.fullDecay.begin(), set.fullDecay.end());
            values.insert(values.end(), set.fullNoise.begin(), set.fullNoise.end());
        }
    }

    // One-particle blocks take the 3x3 path; the others the general one.
    vector<int> atom3, set3, startN, setN, particlesN;
    int numBlocks = m.blockParameterSet.size();
    for (int b = 0; b < numBlocks; b++) {
        int set = m.blockParameterSet[b];
        int first = m.blockStart[b], end = m.blockStart[b+1];
        if (m.parameterSets[set].size == 3) {
            atom3.push_back(m.blockParticles[first]);
            set3.push_back(set);
        }
        else {
            startN.push_back(particlesN.size());
            setN.push_back(set);
            particlesN.insert(particlesN.end(), m.blockParticles.begin()+first, m.blockParticles.begin()+end);
        }
    }
    numBlocks3 = atom3.size();
    hostBlock3Atom = atom3;
    splitting = m.splitting;
    numBlocksN = setN.size();
    numFree = m.freeParticles.size();
    vector<mm_double4> free(numFree);
    for (int i = 0; i < numFree; i++)
        free[i] = mm_double4(m.freeInverseMass[i], m.freeNoise[i], m.freeFullNoise[i], 0.0);

    uploadInts(cc, setInfo, info, "dampedVerletSetInfo");
    uploadMixed<double, float>(cc, matrices, values, "dampedVerletMatrices");
    uploadInts(cc, block3Atom, atom3, "dampedVerletBlock3Atom");
    uploadInts(cc, block3Set, set3, "dampedVerletBlock3Set");
    uploadInts(cc, blockNStart, startN, "dampedVerletBlockNStart");
    uploadInts(cc, blockNSet, setN, "dampedVerletBlockNSet");
    uploadInts(cc, blockNParticles, particlesN, "dampedVerletBlockNParticles");
    uploadMixed<double, float>(cc, scratch, vector<double>(6*particlesN.size(), 0.0), "dampedVerletScratch");
    uploadInts(cc, freeAtom, m.freeParticles, "dampedVerletFreeAtom");
    uploadMixed<mm_double4, mm_float4>(cc, freeParams, free, "dampedVerletFreeParams");
    // kT (kJ/mol) for the fused kernel's GHMC test.
    uploadMixed<double, float>(cc, scalars, vector<double>{m.stepSize, m.freeDecay, m.freeFullDecay, m.kT}, "dampedVerletScalars");
    int numUnits = numBlocks3+numBlocksN+numFree;
    keNumGroups = max(1, min(cc.getNumThreadBlocks(), (numUnits+keGroupSize-1)/keGroupSize));
    uploadMixed<double, float>(cc, partialSums, vector<double>(keNumGroups, 0.0), "dampedVerletPartialSums");

    // Kernels are (re)created so that their arguments name the arrays as they are now.
    firstHalfKernel = program->createKernel("dampedVerletFirstHalf");
    secondHalfKernel = program->createKernel("dampedVerletSecondHalf");
    kineticEnergyKernel = program->createKernel("dampedVerletKineticEnergy");
    sumKernel = program->createKernel("dampedVerletSumKineticEnergy");
    for (ComputeKernel* kernel : {&firstHalfKernel, &secondHalfKernel, &kineticEnergyKernel}) {
        (*kernel)->addArg(numBlocks3);
        (*kernel)->addArg(numBlocksN);
        (*kernel)->addArg(numFree);
    }
    firstHalfKernel->addArg(cc.getPosq());
    if (cc.getUseMixedPrecision())
        firstHalfKernel->addArg(cc.getPosqCorrection());
    else
        firstHalfKernel->addArg(nullptr);
    for (ComputeKernel* kernel : {&firstHalfKernel, &secondHalfKernel}) {
        (*kernel)->addArg(cc.getVelm());
        (*kernel)->addArg(cc.getLongForceBuffer());
        (*kernel)->addArg(slotOfAtom);
        (*kernel)->addArg(block3Atom);
        (*kernel)->addArg(block3Set);
        (*kernel)->addArg(blockNStart);
        (*kernel)->addArg(blockNSet);
        (*kernel)->addArg(blockNParticles);
        (*kernel)->addArg(setInfo);
        (*kernel)->addArg(matrices);
        (*kernel)->addArg(scratch);
        (*kernel)->addArg(freeAtom);
        (*kernel)->addArg(freeParams);
        (*kernel)->addArg(scalars);
        (*kernel)->addArg(); // noise counter, low word
        (*kernel)->addArg(); // noise counter, high word
        (*kernel)->addArg(seed);
        // The splitting (DampedVerletIntegrator::Splitting): setSplitting() changes the parameter version, so the
        // kernels are rebound here with the new value before the next step.
        (*kernel)->addArg(m.splitting);
    }
    kineticEnergyKernel->addArg(cc.getVelm());
    kineticEnergyKernel->addArg(slotOfAtom);
    kineticEnergyKernel->addArg(block3Atom);
    kineticEnergyKernel->addArg(block3Set);
    kineticEnergyKernel->addArg(blockNStart);
    kineticEnergyKernel->addArg(blockNSet);
    kineticEnergyKernel->addArg(blockNParticles);
    kineticEnergyKernel->addArg(setInfo);
    kineticEnergyKernel->addArg(matrices);
    kineticEnergyKernel->addArg(freeAtom);
    kineticEnergyKernel->addArg(freeParams);
    kineticEnergyKernel->addArg(partialSums);
    sumKernel->addArg(keNumGroups);
    sumKernel->addArg(partialSums);
    matricesVersion = integrator.getParameterVersion();
    fusedChecked = false;
}

namespace {

int numReplicaParticles(const Force* force) {
    if (const ReplicaExpressionForce* expression = dynamic_cast<const ReplicaExpressionForce*>(force))
        return expression->getNumParticles();
    return dynamic_cast<const ReplicaSplineForce*>(force)->getNumParticles();
}

int replicaParticle(const Force* force, int i) {
    if (const ReplicaExpressionForce* expression = dynamic_cast<const ReplicaExpressionForce*>(force))
        return expression->getParticle(i);
    return dynamic_cast<const ReplicaSplineForce*>(force)->getParticle(i);
}

bool isReplicaForce(const Force& force) {
    return dynamic_cast<const ReplicaExpressionForce*>(&force) != NULL || dynamic_cast<const ReplicaSplineForce*>(&force) != NULL;
}

/**
 * Whether the fused kernel takes a barrier per step (EFFPOT_GPU_FUSED_BARRIER=1; off by default). On PoCL it lets the
 * compiler vectorize the step over a group's work-items, but measured interleaved on 2 shared cores it helped only a
 * cheap force (harmonic, R = 1e5: 1.7e8 against 9.7e7 replica-steps/s), was neutral for the 2D quadratic and cost a
 * third for P5 (1.7e7 against 2.7e7); on GPUs it would only cost.
 */
bool useStepBarrier() {
    const char* value = getenv("EFFPOT_GPU_FUSED_BARRIER");
    return value != NULL && string(value) == "1";
}

} // namespace

void CommonIntegrateDampedVerletStepKernel::updateFused(ContextImpl& context, const DampedVerletIntegrator& integrator) {
    int groups = integrator.getIntegrationForceGroups();
    if (!fusedChecked || fusedGroups != groups) {
        // The conditions of the host's FusedReplicaStepper: every particle a one-particle block, no free particles,
        // no virtual sites, the only Force of the integration groups one replica force acting once on every particle.
        fusedGroups = groups;
        fusedChecked = true;
        fusedApplies = false;
        batchable = false;
        const Force* found = NULL;
        bool single = true;
        for (int i = 0; i < system->getNumForces(); i++) {
            const Force& force = system->getForce(i);
            if ((groups&(1<<force.getForceGroup())) == 0)
                continue;
            if (!isReplicaForce(force) || found != NULL)
                single = false;
            found = &force;
        }
        bool applies = !fusedDisabled && single && found != NULL && numBlocksN == 0 && numFree == 0 && numBlocks3 > 0 &&
                       cc.getNumContexts() == 1 && numReplicaParticles(found) == numBlocks3;
        for (int i = 0; applies && i < system->getNumParticles(); i++)
            applies = !system->isVirtualSite(i);
        if (applies) {
            // Every block particle exactly once in the force.
            vector<char> isBlock(system->getNumParticles(), 0), seen(system->getNumParticles(), 0);
            for (int atom : hostBlock3Atom)
                isBlock[atom] = 1;
            for (int i = 0; applies && i < numBlocks3; i++) {
                int p = replicaParticle(found, i);
                applies = (p >= 0 && p < system->getNumParticles() && isBlock[p] && !seen[p]);
                if (applies)
                    seen[p] = 1;
            }
        }
        if (applies && fusedForce != found) {
            // Compile the kernel with the force's code inlined (once: a System's forces do not change).
            string extra, source;
            map<string, string> defines;
            defines["PADDED_NUM_ATOMS"] = cc.intToString(cc.getPaddedNumAtoms());
            defines["KE_GROUP_SIZE"] = cc.intToString(keGroupSize);
            if (const ReplicaExpressionForce* expression = dynamic_cast<const ReplicaExpressionForce*>(found)) {
                fusedHasGlobals = (expression->getNumGlobalParameters() > 0);
                if (fusedHasGlobals)
                    extra = ", GLOBAL const real* RESTRICT globals";
                source = CommonCalcReplicaExpressionForceKernel::createForceSource(cc, *expression, "globals");
            }
            else {
                fusedHasGlobals = false;
                extra = ", GLOBAL const real* RESTRICT splineCoefficients";
                source = CommonCalcReplicaSplineForceKernel::createForceSource(cc, dynamic_cast<const ReplicaSplineForce&>(*found),
                        fusedSplineCoefficients, []() { return string("splineCoefficients"); });
            }
            if (useStepBarrier())
                defines["FUSED_STEP_BARRIER"] = "1";
            // In a periodic System the force reads the positions as set (UnwrappedPositions).
            if (fusedUnwrapped.initialize(cc, *system)) {
                defines["USE_CELL_SHIFTS"] = "1";
                extra += ", GLOBAL const real4* RESTRICT cellShifts";
            }
            map<string, string> replacements = {{"REPLICA_FORCE", source}, {"EXTRA_ARGUMENTS", extra}};
            try {
                fusedProgram = cc.compileProgram(CommonEffPotKernelSources::dampedVerlet+"\n"+
                        cc.replaceStrings(CommonEffPotKernelSources::fusedReplica, replacements), defines);
                fusedForce = found;
                fusedVersion = -1;
            }
            catch (const OpenMMException& e) {
                // A compiler that rejects the fused kernel (not seen on PoCL; CUDA is unchecked): the unfused path.
                cerr<<"effpot: the fused replica kernel did not compile, DampedVerletIntegrator takes the unfused path: "<<e.what()<<endl;
                fusedDisabled = true;
                applies = false;
            }
        }
        fusedApplies = applies;
        if (applies) {
            // Multi-step launches only where nothing could happen between steps: no Force but replica forces.
            batchable = true;
            for (int i = 0; i < system->getNumForces(); i++)
                batchable &= isReplicaForce(system->getForce(i));
        }
    }
    if (fusedApplies && fusedVersion != matricesVersion) {
        // Bound to the arrays as updateMatrices left them.
        fusedKernel = fusedProgram->createKernel("fusedReplicaSteps");
        fusedKernel->addArg(numBlocks3);
        fusedKernel->addArg(); // steps
        fusedKernel->addArg(cc.getPosq());
        if (cc.getUseMixedPrecision())
            fusedKernel->addArg(cc.getPosqCorrection());
        else
            fusedKernel->addArg(nullptr);
        fusedKernel->addArg(cc.getVelm());
        fusedKernel->addArg(cc.getLongForceBuffer());
        fusedKernel->addArg(slotOfAtom);
        fusedKernel->addArg(block3Atom);
        fusedKernel->addArg(block3Set);
        fusedKernel->addArg(setInfo);
        fusedKernel->addArg(matrices);
        fusedKernel->addArg(scalars);
        fusedKernel->addArg(); // noise counter, low word
        fusedKernel->addArg(); // noise counter, high word
        fusedKernel->addArg(seed);
        fusedKernel->addArg(splitting);
        if (!acceptedCount.isInitialized())
            acceptedCount.initialize<int>(cc, numBlocks3, "dampedVerletAcceptedCount");
        if (proposedMoves == 0)
            acceptedCount.upload(vector<int>(numBlocks3, 0));
        fusedKernel->addArg(acceptedCount);
        if (dynamic_cast<const ReplicaSplineForce*>(fusedForce) != NULL)
            fusedKernel->addArg(fusedSplineCoefficients);
        else if (fusedHasGlobals) {
            cc.updateGlobalParamValues(); // allocates the array on first use
            fusedKernel->addArg(cc.getGlobalParamValues());
        }
        if (fusedUnwrapped.isActive())
            fusedKernel->addArg(fusedUnwrapped.getShifts());
        fusedVersion = matricesVersion;
    }
}

void CommonIntegrateDampedVerletStepKernel::stepFused(ContextImpl& context, const DampedVerletIntegrator& integrator, bool& forcesAreValid,
        int steps) {
    int groups = integrator.getIntegrationForceGroups();
    if (!forcesAreValid)
        context.calcForcesAndEnergy(true, false, groups);
    if (fusedHasGlobals)
        cc.updateGlobalParamValues();
    fusedUnwrapped.update(context); // the shifts of the last reorder (OpenMM reorders after the launch, below)
    fusedKernel->setArg(1, steps);
    fusedKernel->setArg(12, (unsigned int) noiseCounter);
    fusedKernel->setArg(13, (unsigned int) (noiseCounter>>32));
    fusedKernel->execute(numBlocks3);
    if (splitting == DampedVerletIntegrator::GHMC)
        proposedMoves += (long long) numBlocks3*steps;
    // The force buffer holds the integration groups' forces at the new positions, as calcForcesAndEnergy leaves it.
    context.getLastForceGroups() = groups;
    noiseCounter += 2*(uint64_t) steps;
    // Time advances by repeated additions, as it does one step at a time.
    for (int s = 0; s < steps; s++)
        cc.setTime(cc.getTime()+stepSize);
    cc.setStepCount(cc.getStepCount()+steps);
    cc.reorderAtoms();
    forcesAreValid = !cc.getAtomsWereReordered();
}

int CommonIntegrateDampedVerletStepKernel::executeSteps(ContextImpl& context, const DampedVerletIntegrator& integrator,
        bool& forcesAreValid, int maxSteps) {
    ContextSelector selector(cc);
    updateMatrices(integrator);
    updateFused(context, integrator);
    int steps = min(maxSteps, MaxBatchSteps);
    if (!fusedApplies || !batchable || steps < 2) {
        execute(context, integrator, forcesAreValid);
        return 1;
    }
    stepFused(context, integrator, forcesAreValid, steps);
    return steps;
}

void CommonIntegrateDampedVerletStepKernel::execute(ContextImpl& context, const DampedVerletIntegrator& integrator, bool& forcesAreValid) {
    ContextSelector selector(cc);
    updateMatrices(integrator);
    updateFused(context, integrator);
    if (fusedApplies) {
        stepFused(context, integrator, forcesAreValid, 1);
        return;
    }
    if (splitting == DampedVerletIntegrator::GHMC)
        throw OpenMMException("DampedVerletIntegrator: the GHMC splitting needs each replica's own energy, so it runs on replica "
                              "Systems only: every particle a one-particle block (addBlock([i], ...)) and one ReplicaSplineForce "
                              "or ReplicaExpressionForce acting once on each the only force in the integration groups (no "
                              "virtual sites; and not with EFFPOT_GPU_FUSED=0); use the OBABO or BAOAB splitting for other "
                              "Systems");
    int groups = integrator.getIntegrationForceGroups();
    if (!forcesAreValid)
        context.calcForcesAndEnergy(true, false, groups);
    int numUnits = numBlocks3+numBlocksN+numFree;
    // Positions of the noise counter's words among the kernels' arguments (the first half has posq and
    // posqCorrection in addition).
    const int secondLow = 17, secondHigh = 18, firstLow = secondLow+2, firstHigh = secondHigh+2;
    if (numUnits > 0) {
        firstHalfKernel->setArg(firstLow, (unsigned int) noiseCounter);
        firstHalfKernel->setArg(firstHigh, (unsigned int) (noiseCounter>>32));
        firstHalfKernel->execute(numUnits);
    }
    cc.getIntegrationUtilities().computeVirtualSites();
    context.calcForcesAndEnergy(true, false, groups);
    if (numUnits > 0) {
        uint64_t next = noiseCounter+1;
        secondHalfKernel->setArg(secondLow, (unsigned int) next);
        secondHalfKernel->setArg(secondHigh, (unsigned int) (next>>32));
        secondHalfKernel->execute(numUnits);
    }
    noiseCounter += 2;
    cc.setTime(cc.getTime()+stepSize);
    cc.setStepCount(cc.getStepCount()+1);
    // OpenMM reorders atoms between steps for the sake of the nonbonded kernels; the forces in the buffer then
    // belong to the old order and cannot serve as the next step's first kick.
    cc.reorderAtoms();
    forcesAreValid = !cc.getAtomsWereReordered();
}

double CommonIntegrateDampedVerletStepKernel::computeKineticEnergy(ContextImpl& context, const DampedVerletIntegrator& integrator) {
    ContextSelector selector(cc);
    updateMatrices(integrator);
    int numUnits = numBlocks3+numBlocksN+numFree;
    if (numUnits == 0)
        return 0.0;
    kineticEnergyKernel->execute(keNumGroups*keGroupSize, keGroupSize);
    sumKernel->execute(keGroupSize, keGroupSize);
    // The sum is in the first element (one small download: a kinetic energy is asked for by a State, not per step).
    if (cc.getUseDoublePrecision() || cc.getUseMixedPrecision()) {
        vector<double> sums;
        partialSums.download(sums);
        return sums[0];
    }
    vector<float> sums;
    partialSums.download(sums);
    return sums[0];
}

void CommonIntegrateDampedVerletStepKernel::getMetropolisCounts(long long& accepted, long long& proposed) const {
    accepted = 0;
    proposed = proposedMoves;
    if (proposedMoves == 0 || !acceptedCount.isInitialized())
        return;
    ContextSelector selector(cc);
    vector<int> counts;
    acceptedCount.download(counts);
    for (int count : counts)
        accepted += count;
}

void CommonIntegrateDampedVerletStepKernel::createCheckpoint(ContextImpl& context, ostream& stream) const {
    NoiseStreamCheckpoint::write(stream, seed, noiseCounter);
}

void CommonIntegrateDampedVerletStepKernel::loadCheckpoint(ContextImpl& context, istream& stream) {
    if (NoiseStreamCheckpoint::read(stream, seed, noiseCounter))
        matricesVersion = -1; // rebind the kernels with the restored seed
}
