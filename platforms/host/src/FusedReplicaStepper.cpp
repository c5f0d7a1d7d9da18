#include "FusedReplicaStepper.h"
#include "ReplicaExpressionForce.h"
#include "DampedVerletIntegrator.h"
#include "ReplicaSplineForce.h"
#include "SplineLaneForce.h"
#include "ReplicaLaneKernels.h"
#include "openmm/internal/ContextImpl.h"
#include <algorithm>
#include <cmath>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

typedef DampedVerletMatrices::ParameterSet ParameterSet;

namespace {

const int B = ReplicaLaneForce::BlockSize;

// The particles of either replica force.
int numForceParticles(const Force* force) {
    if (const ReplicaExpressionForce* expression = dynamic_cast<const ReplicaExpressionForce*>(force))
        return expression->getNumParticles();
    return dynamic_cast<const ReplicaSplineForce*>(force)->getNumParticles();
}

/** Whether a 3 x 3 matrix is exactly the identity (a decay without friction). */
bool isIdentity(const vector<double>& a) {
    for (int j = 0; j < 9; j++)
        if (a[j] != (j%4 == 0 ? 1.0 : 0.0))
            return false;
    return true;
}

int forceParticle(const Force* force, int i) {
    if (const ReplicaExpressionForce* expression = dynamic_cast<const ReplicaExpressionForce*>(force))
        return expression->getParticle(i);
    return dynamic_cast<const ReplicaSplineForce*>(force)->getParticle(i);
}

} // namespace

bool FusedReplicaStepper::isReplicaForce(const Force& force) {
    return dynamic_cast<const ReplicaExpressionForce*>(&force) != NULL || dynamic_cast<const ReplicaSplineForce*>(&force) != NULL;
}

FusedReplicaStepper* FusedReplicaStepper::create(const System& system, const DampedVerletMatrices& m, int integrationGroups,
                                                 uint32_t seed, int numSlots) {
    const Force* found = NULL;
    for (int i = 0; i < system.getNumForces(); i++) {
        const Force& force = system.getForce(i);
        if ((integrationGroups&(1<<force.getForceGroup())) == 0)
            continue;
        if (!isReplicaForce(force) || found != NULL)
            return NULL;
        found = &force;
    }
    if (found == NULL || !m.freeParticles.empty())
        return NULL;
    for (int i = 0; i < system.getNumParticles(); i++)
        if (system.isVirtualSite(i))
            return NULL;
    int numBlocks = m.blockParameterSet.size();
    if (numBlocks == 0 || numForceParticles(found) != numBlocks)
        return NULL;
    vector<int> setOf(system.getNumParticles(), -1);
    for (int b = 0; b < numBlocks; b++) {
        if (m.blockStart[b+1]-m.blockStart[b] != 1)
            return NULL;
        setOf[m.blockParticles[m.blockStart[b]]] = m.blockParameterSet[b];
    }
    // Every block particle exactly once in the force (then no particle is left unstepped or stepped twice).
    vector<int> particles(numBlocks);
    vector<bool> seen(system.getNumParticles(), false);
    for (int i = 0; i < numBlocks; i++) {
        int p = forceParticle(found, i);
        if (p >= system.getNumParticles() || setOf[p] < 0 || seen[p])
            return NULL;
        seen[p] = true;
        particles[i] = p;
    }
    unique_ptr<FusedReplicaStepper> stepper(new FusedReplicaStepper(m, particles, seed, numSlots));
    if (const ReplicaExpressionForce* expression = dynamic_cast<const ReplicaExpressionForce*>(found)) {
        for (int i = 0; i < expression->getNumGlobalParameters(); i++)
            stepper->globalNames.push_back(expression->getGlobalParameterName(i));
        stepper->globalValues.resize(stepper->globalNames.size());
        // GHMC's Metropolis test needs each replica's energy too.
        ExpressionTape::Outputs outputs = (m.splitting == DampedVerletIntegrator::GHMC ? ExpressionTape::EnergyAndForces : ExpressionTape::ForcesOnly);
        stepper->tape.reset(new ExpressionTape(expression->getEnergyFunction(), stepper->globalNames, outputs, "ReplicaExpressionForce"));
        for (int s = 0; s < numSlots; s++)
            stepper->evaluators.emplace_back(new TapeLaneForce(*stepper->tape));
    }
    else {
        const ReplicaSplineForce& spline = dynamic_cast<const ReplicaSplineForce&>(*found);
        stepper->table.reset(new SplineTable(spline.getNodes(), spline.getLower(), spline.getUpper(), spline.getValues(),
                                             spline.getWallStiffness(), "ReplicaSplineForce"));
        for (int s = 0; s < numSlots; s++)
            stepper->evaluators.emplace_back(new SplineLaneForce(*stepper->table));
    }
    return stepper.release();
}

FusedReplicaStepper::FusedReplicaStepper(const DampedVerletMatrices& matrices, const vector<int>& particles, uint32_t seed,
        int numSlots) : m(matrices), random(seed), particles(particles), accepted(numSlots, 0), proposed(numSlots, 0) {
    int n = particles.size();
    numBlocks = (n+B-1)/B;
    vector<int> setOf(*max_element(m.blockParticles.begin(), m.blockParticles.end())+1, -1);
    for (int b = 0; b < (int) m.blockParameterSet.size(); b++)
        setOf[m.blockParticles[m.blockStart[b]]] = m.blockParameterSet[b];
    for (int p : particles)
        particleSet.push_back(setOf[p]);
    blockSet.resize(numBlocks);
    for (int b = 0; b < numBlocks; b++) {
        int first = b*B, end = min(n, first+B);
        bool uniform = all_of(particleSet.begin()+first, particleSet.begin()+end, [&](int s) { return s == particleSet[first]; });
        blockSet[b] = (uniform ? particleSet[first] : -1);
        bool consecutive = true;
        for (int i = first+1; i < end; i++)
            consecutive &= (particles[i] == particles[i-1]+1);
        blockContiguous.push_back(consecutive);
        // The normals a block draws per friction step: none without noise, else the largest numNormals of its
        // particles' sets (the columns of their noise factors that are not zero: 2 for a 2D model, whose third normal
        // would only meet a zero column). The stream does not depend on it: normals3's z0, z1, z2 are what they are.
        int normals = 0;
        for (int i = first; i < end; i++)
            normals = max(normals, m.parameterSets[particleSet[i]].numNormals);
        blockNormals.push_back(normals);
        int quiet = 0, noisy = 0;
        for (int i = first; i < end; i++)
            (m.parameterSets[particleSet[i]].noise.empty() ? quiet : noisy)++;
        blockNoise.push_back(noisy == 0 ? 0 : quiet == 0 ? 1 : -1);
    }
}

void FusedReplicaStepper::updateGlobals(ContextImpl& context) {
    for (int g = 0; g < (int) globalNames.size(); g++)
        globalValues[g] = context.getParameter(globalNames[g]);
}

/**
 * A block of replicas held in SIMD lanes (structure of arrays) for all the steps of a batch, with what its steps
 * need to know of its particles' parameter sets.
 */
struct FusedReplicaStepper::LoadedBlock {
    int start, count;              ///< its first particle (index into `particles`) and its used lanes
    bool contiguous;               ///< a whole block of consecutive particles: a slice of OpenMM's arrays
    ReplicaLaneForce* evaluator;   ///< the slot's force; its position lanes are the block's x
    int set;                       ///< the parameter set of every particle, or -1 if they differ
    bool uniform;                  ///< one set, without noise
    bool frictionless;             ///< one set, without friction (decay exactly I): kickDrift
    bool uniformNoisy;             ///< one set, with noise
    bool perLane;                  ///< mixed sets that all have noise or none has: per-lane matrices
    bool perLaneNoisy;             ///< per-lane matrices, with noise
    int numNormals;                ///< normals per particle per friction step (0, 2 or 3)
    alignas(64) double v[3][B], f[3][B], z[3][B];
    alignas(64) uint32_t noiseIndex[B];       ///< each lane's particle, the key of its noise
    /// Each lane's matrices, for a block of mixed sets: loadBlock fills them for OBABO and BAOAB (perLane blocks),
    /// metropolisSteps with GHMC's own choice (fullDecay, fullNoise); a uniform block reads its set's instead.
    alignas(64) double laneDecay[9*B], laneKick[9*B], laneNoise[9*B];
    double* x[3];                  ///< = the evaluator's positions
    double* vLanes[3];
    double* fLanes[3];
    double* zLanes[3];
};

template <class Pick>
void FusedReplicaStepper::fillLaneMatrix(int start, int count, double* out, Pick pick) const {
    for (int i = 0; i < B; i++) {
        const double* a = pick(m.parameterSets[particleSet[start+(i < count ? i : 0)]]);
        for (int j = 0; j < 9; j++)
            out[j*B+i] = (a == NULL ? 0.0 : a[j]);
    }
}

void FusedReplicaStepper::stepBlocks(int first, int end, int slot, Vectors& x, Vectors& v, Vectors& f, uint64_t noiseCounter, int numSteps) {
    ReplicaLaneForce& evaluator = *evaluators[slot];
    evaluator.setGlobals(globalValues);
    LoadedBlock b;
    for (int block = first; block < end; block++) {
        loadBlock(block, evaluator, x, v, f, b);
        // The block stays in these lanes for all its steps: OpenMM's arrays are read and written once per batch.
        if (m.splitting == DampedVerletIntegrator::GHMC)
            metropolisSteps(b, slot, noiseCounter, numSteps);
        else
            for (int step = 0; step < numSteps; step++) {
                if (m.splitting == DampedVerletIntegrator::BAOAB)
                    middleStep(b, noiseCounter+2*step);
                else
                    outerStep(b, noiseCounter+2*step);
            }
        storeBlock(b, x, v, f);
    }
}

void FusedReplicaStepper::loadBlock(int block, ReplicaLaneForce& evaluator, const Vectors& x, const Vectors& v, const Vectors& f,
                                    LoadedBlock& b) const {
    const ReplicaLaneKernels& lanes = ReplicaLaneKernels::get();
    const int n = particles.size();
    b.start = block*B;
    b.count = min(B, n-b.start);
    b.evaluator = &evaluator;
    for (int c = 0; c < 3; c++) {
        b.x[c] = evaluator.positions(c);
        b.vLanes[c] = b.v[c];
        b.fLanes[c] = b.f[c];
        b.zLanes[c] = b.z[c];
    }
    const int* index = &particles[b.start];
    // Replicas are usually particles start, start+1, ...: then a block is a slice of OpenMM's Vec3 arrays.
    // (Vec3 is three doubles: OpenMM's own CPU kernels read its arrays this way.)
    b.contiguous = (b.count == B && blockContiguous[block]);
    if (b.contiguous) {
        lanes.gather(reinterpret_cast<const double*>(&x[index[0]]), b.x[0], b.x[1], b.x[2]);
        lanes.gather(reinterpret_cast<const double*>(&v[index[0]]), b.v[0], b.v[1], b.v[2]);
        lanes.gather(reinterpret_cast<const double*>(&f[index[0]]), b.f[0], b.f[1], b.f[2]);
    }
    else
        // A short last block repeats its first particle in the unused lanes (finite values, never stored).
        for (int i = 0; i < B; i++) {
            int p = index[i < b.count ? i : 0];
            for (int c = 0; c < 3; c++) {
                b.x[c][i] = x[p][c];
                b.v[c][i] = v[p][c];
                b.f[c][i] = f[p][c];
            }
        }
    for (int i = 0; i < B; i++)
        b.noiseIndex[i] = (uint32_t) index[i < b.count ? i : 0];
    const int set = b.set = blockSet[block];
    b.uniform = (set >= 0 && m.parameterSets[set].noise.empty());
    // A set without friction (a Hamiltonian model) skips the products with its identity decay.
    b.frictionless = (b.uniform && isIdentity(m.parameterSets[set].decay));
    // Thermal blocks draw their noise on the lanes too (the same Philox stream as the unfused step).
    b.uniformNoisy = (set >= 0 && !b.uniform);
    b.numNormals = blockNormals[block];
    b.perLane = (set < 0 && blockNoise[block] >= 0);
    b.perLaneNoisy = (b.perLane && blockNoise[block] == 1);
    // A mixed block whose sets all have noise, or none has: each lane's own matrices (9 x B, structure of arrays),
    // filled once per block, and the per-lane kernels, which cost what the uniform ones do. (GHMC fills its own.)
    if (b.perLane && m.splitting != DampedVerletIntegrator::GHMC) {
        const bool middle = (m.splitting == DampedVerletIntegrator::BAOAB), noisy = b.perLaneNoisy;
        fillLaneMatrix(b.start, b.count, b.laneDecay, [&](const ParameterSet& s) {
            return (middle && noisy ? s.fullDecay : s.decay).data();
        });
        fillLaneMatrix(b.start, b.count, b.laneKick, [](const ParameterSet& s) { return s.halfKick.data(); });
        fillLaneMatrix(b.start, b.count, b.laneNoise, [&](const ParameterSet& s) {
            return (noisy ? (middle ? s.fullNoise : s.noise).data() : (const double*) NULL);
        });
    }
}

void FusedReplicaStepper::storeBlock(const LoadedBlock& b, Vectors& x, Vectors& v, Vectors& f) const {
    const ReplicaLaneKernels& lanes = ReplicaLaneKernels::get();
    const int* index = &particles[b.start];
    if (b.contiguous) {
        lanes.scatter(&x[index[0]][0], b.x[0], b.x[1], b.x[2]);
        lanes.scatter(&v[index[0]][0], b.v[0], b.v[1], b.v[2]);
        lanes.scatter(&f[index[0]][0], b.f[0], b.f[1], b.f[2]);
    }
    else
        for (int i = 0; i < b.count; i++) {
            x[index[i]] = Vec3(b.x[0][i], b.x[1][i], b.x[2][i]);
            v[index[i]] = Vec3(b.v[0][i], b.v[1][i], b.v[2][i]);
            f[index[i]] = Vec3(b.f[0][i], b.f[1][i], b.f[2][i]);
        }
}

void FusedReplicaStepper::middleStep(LoadedBlock& b, uint64_t counter) {
    // B, A/2, O, O, A/2; with noise the two half O steps as one over h (noise counter `counter`, counter+1 unused, as
    // in DampedVerletStepper); the force; B.
    const ReplicaLaneKernels& lanes = ReplicaLaneKernels::get();
    const double h = m.stepSize;
    if (b.numNormals > 0)
        lanes.normals(random.getKey0(), random.getKey1(), b.noiseIndex, counter, b.numNormals, b.zLanes);
    if (b.set >= 0) {
        const ParameterSet& matrices = m.parameterSets[b.set];
        if (b.uniformNoisy)
            lanes.firstHalfMiddleNoisy(matrices.fullDecay.data(), matrices.halfKick.data(), matrices.fullNoise.data(), h, b.vLanes,
                                       b.fLanes, b.zLanes, b.x);
        else
            lanes.firstHalfMiddle(matrices.decay.data(), matrices.halfKick.data(), h, b.vLanes, b.fLanes, b.x);
    }
    else if (b.perLaneNoisy)
        lanes.perLane.firstHalfMiddleNoisy(b.laneDecay, b.laneKick, b.laneNoise, h, b.vLanes, b.fLanes, b.zLanes, b.x);
    else if (b.perLane)
        lanes.perLane.firstHalfMiddle(b.laneDecay, b.laneKick, h, b.vLanes, b.fLanes, b.x);
    else
        mixedSetLanes(b, true, NULL);
    b.evaluator->compute();
    const double* const dE[3] = {b.evaluator->derivative(0), b.evaluator->derivative(1), b.evaluator->derivative(2)};
    if (b.set >= 0)
        lanes.secondHalfMiddle(m.parameterSets[b.set].halfKick.data(), dE, b.vLanes, b.fLanes);
    else if (b.perLane)
        lanes.perLane.secondHalfMiddle(b.laneKick, dE, b.vLanes, b.fLanes);
    else {
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < B; i++)
                b.f[c][i] = -dE[c][i];
        mixedSetLanes(b, false, dE);
    }
}

void FusedReplicaStepper::outerStep(LoadedBlock& b, uint64_t counter) {
    const ReplicaLaneKernels& lanes = ReplicaLaneKernels::get();
    const double h = m.stepSize;
    const uint32_t key0 = random.getKey0(), key1 = random.getKey1();

    // O, B: friction half step and half kick with the current forces; A: drift.
    if (b.uniformNoisy) {
        const ParameterSet& matrices = m.parameterSets[b.set];
        lanes.normals(key0, key1, b.noiseIndex, counter, b.numNormals, b.zLanes);
        lanes.firstHalfNoisy(matrices.decay.data(), matrices.halfKick.data(), matrices.noise.data(), h, b.vLanes, b.fLanes, b.zLanes,
                             b.x);
    }
    else if (b.frictionless)
        lanes.kickDrift(m.parameterSets[b.set].halfKick.data(), h, b.vLanes, b.fLanes, b.x);
    else if (b.uniform)
        lanes.firstHalf(m.parameterSets[b.set].decay.data(), m.parameterSets[b.set].halfKick.data(), h, b.vLanes, b.fLanes, b.x);
    else if (b.perLaneNoisy) {
        lanes.normals(key0, key1, b.noiseIndex, counter, b.numNormals, b.zLanes);
        lanes.perLane.firstHalfNoisy(b.laneDecay, b.laneKick, b.laneNoise, h, b.vLanes, b.fLanes, b.zLanes, b.x);
    }
    else if (b.perLane)
        lanes.perLane.firstHalf(b.laneDecay, b.laneKick, h, b.vLanes, b.fLanes, b.x);
    else {
        if (b.numNormals > 0)
            lanes.normals(key0, key1, b.noiseIndex, counter, b.numNormals, b.zLanes);
        mixedSetLanes(b, true, NULL);
    }

    // The forces at the new positions.
    b.evaluator->compute();
    const double* const dE[3] = {b.evaluator->derivative(0), b.evaluator->derivative(1), b.evaluator->derivative(2)};

    // B, O: half kick with the new forces, friction half step.
    if (b.uniformNoisy) {
        const ParameterSet& matrices = m.parameterSets[b.set];
        lanes.normals(key0, key1, b.noiseIndex, counter+1, b.numNormals, b.zLanes);
        lanes.secondHalfNoisy(matrices.decay.data(), matrices.halfKick.data(), matrices.noise.data(), dE, b.vLanes, b.fLanes, b.zLanes);
    }
    else if (b.frictionless)
        lanes.secondHalfMiddle(m.parameterSets[b.set].halfKick.data(), dE, b.vLanes, b.fLanes);  // B, with O = I
    else if (b.uniform)
        lanes.secondHalf(m.parameterSets[b.set].decay.data(), m.parameterSets[b.set].halfKick.data(), dE, b.vLanes, b.fLanes);
    else if (b.perLaneNoisy) {
        lanes.normals(key0, key1, b.noiseIndex, counter+1, b.numNormals, b.zLanes);
        lanes.perLane.secondHalfNoisy(b.laneDecay, b.laneKick, b.laneNoise, dE, b.vLanes, b.fLanes, b.zLanes);
    }
    else if (b.perLane)
        lanes.perLane.secondHalf(b.laneDecay, b.laneKick, dE, b.vLanes, b.fLanes);
    else {
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < B; i++)
                b.f[c][i] = -dE[c][i];
        if (b.numNormals > 0)
            lanes.normals(key0, key1, b.noiseIndex, counter+1, b.numNormals, b.zLanes);
        mixedSetLanes(b, false, dE);
    }
}

void FusedReplicaStepper::mixedSetLanes(LoadedBlock& b, bool firstHalf, const double* const dE[3]) const {
    // A block that mixes quiet sets with noisy ones: the lane kernel once per set, on copies, keeping the lanes of that
    // set. Every particle thus takes the same arithmetic (and the same lane-drawn noise) whatever its neighbours in the
    // block, so that its trajectory does not depend on how replicas are split into blocks, threads or Contexts.
    const ReplicaLaneKernels& lanes = ReplicaLaneKernels::get();
    const bool middle = (m.splitting == DampedVerletIntegrator::BAOAB);
    const double h = m.stepSize;
    alignas(64) double copyV[3][B], copyX[3][B], copyF[3][B];
    double* const copyVLanes[3] = {copyV[0], copyV[1], copyV[2]};
    double* const copyXLanes[3] = {copyX[0], copyX[1], copyX[2]};
    double* const copyFLanes[3] = {copyF[0], copyF[1], copyF[2]};
    int done[B], numDone = 0;
    for (int i = 0; i < b.count; i++) {
        int set = particleSet[b.start+i];
        const ParameterSet& matrices = m.parameterSets[set];
        if (find(done, done+numDone, set) != done+numDone)
            continue;
        done[numDone++] = set;
        bool noisy = !matrices.noise.empty();
        for (int c = 0; c < 3; c++)
            copy(b.v[c], b.v[c]+B, copyV[c]);
        if (firstHalf)
            for (int c = 0; c < 3; c++)
                copy(b.x[c], b.x[c]+B, copyX[c]);
        if (middle) {
            if (!firstHalf)
                lanes.secondHalfMiddle(matrices.halfKick.data(), dE, copyVLanes, copyFLanes);
            else if (noisy)
                lanes.firstHalfMiddleNoisy(matrices.fullDecay.data(), matrices.halfKick.data(), matrices.fullNoise.data(), h, copyVLanes,
                                           b.fLanes, b.zLanes, copyXLanes);
            else
                lanes.firstHalfMiddle(matrices.decay.data(), matrices.halfKick.data(), h, copyVLanes, b.fLanes, copyXLanes);
        }
        else if (firstHalf) {
            if (noisy)
                lanes.firstHalfNoisy(matrices.decay.data(), matrices.halfKick.data(), matrices.noise.data(), h, copyVLanes, b.fLanes,
                                     b.zLanes, copyXLanes);
            else
                lanes.firstHalf(matrices.decay.data(), matrices.halfKick.data(), h, copyVLanes, b.fLanes, copyXLanes);
        }
        else if (noisy)
            lanes.secondHalfNoisy(matrices.decay.data(), matrices.halfKick.data(), matrices.noise.data(), dE, copyVLanes, copyFLanes,
                                  b.zLanes);
        else
            lanes.secondHalf(matrices.decay.data(), matrices.halfKick.data(), dE, copyVLanes, copyFLanes);
        for (int j = i; j < b.count; j++)
            if (particleSet[b.start+j] == set)
                for (int c = 0; c < 3; c++) {
                    b.v[c][j] = copyV[c][j];
                    if (firstHalf)
                        b.x[c][j] = copyX[c][j];
                }
    }
}

void FusedReplicaStepper::metropolisSteps(LoadedBlock& b, int slot, uint64_t noiseCounter, int numSteps) {
    // GHMC per replica (DampedVerletIntegrator::GHMC): O over h; then B, A, force, B; then the B-A-B move is accepted
    // with probability min(1, exp(-dH/kT)), or the replica returns to its state after O with the velocity reversed.
    // The normals come from the step's first noise counter (as BAOAB's O), the test's uniform from its second.
    const ReplicaLaneKernels& lanes = ReplicaLaneKernels::get();
    static const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, zero[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    alignas(64) double laneMass[9*B], laneIdentity[9*B];
    const int set = b.set, count = b.count, numNormals = max(1, b.numNormals);
    ReplicaLaneForce& evaluator = *b.evaluator;
    double* const* x = b.x;
    double* const* v = b.vLanes;
    double* const* f = b.fLanes;
    const double* decay = b.laneDecay;
    const double* kick = b.laneKick;
    const double* noise = b.laneNoise;
    const double* mass = laneMass;
    if (set >= 0) {
        const ParameterSet& matrices = m.parameterSets[set];
        decay = matrices.fullDecay.data();
        kick = matrices.halfKick.data();
        noise = (matrices.fullNoise.empty() ? zero : matrices.fullNoise.data());
        mass = matrices.mass.data();
    }
    else {
        // Each lane's own matrices (a set without friction has no noise: a zero noise factor), so that every lane
        // takes the same arithmetic whatever its neighbours.
        fillLaneMatrix(b.start, count, b.laneDecay, [](const ParameterSet& s) { return s.fullDecay.data(); });
        fillLaneMatrix(b.start, count, b.laneKick, [](const ParameterSet& s) { return s.halfKick.data(); });
        fillLaneMatrix(b.start, count, b.laneNoise, [](const ParameterSet& s) {
            return (s.fullNoise.empty() ? (const double*) NULL : s.fullNoise.data());
        });
        fillLaneMatrix(b.start, count, laneMass, [](const ParameterSet& s) { return s.mass.data(); });
        fillLaneMatrix(b.start, count, laneIdentity, [](const ParameterSet&) { return identity; });
    }
    // Element j of lane i's mass matrix: mass[j] for a uniform block, mass[j*B+i] for a mixed one.
    const int elementStride = (set >= 0 ? 1 : B), laneStride = (set >= 0 ? 0 : 1);
    auto kinetic = [&](double* const u[3], double* out) {
        const double* vx = u[0];
        const double* vy = u[1];
        const double* vz = u[2];
        for (int i = 0; i < B; i++) {
            const double* a = mass+i*laneStride;
            const int s = elementStride;
            double px = a[0]*vx[i]+a[s]*vy[i]+a[2*s]*vz[i];
            double py = a[3*s]*vx[i]+a[4*s]*vy[i]+a[5*s]*vz[i];
            double pz = a[6*s]*vx[i]+a[7*s]*vy[i]+a[8*s]*vz[i];
            out[i] = 0.5*(vx[i]*px+vy[i]*py+vz[i]*pz);
        }
    };
    alignas(64) double threshold[B], energy[B], kinetic0[B], kinetic1[B];
    alignas(64) double savedX[3][B], savedV[3][B], savedF[3][B];
    double* const* z = b.zLanes;
    const double h = m.stepSize, kT = m.kT;
    // The replicas' energies at the block's starting positions (the forces in f are already theirs).
    evaluator.compute();
    copy(evaluator.energy(), evaluator.energy()+B, energy);
    long long acceptedHere = 0;
    for (int step = 0; step < numSteps; step++) {
        uint64_t counter = noiseCounter+2*step;
        lanes.normals(random.getKey0(), random.getKey1(), b.noiseIndex, counter, numNormals, z);
        if (set >= 0)
            lanes.friction(decay, noise, v, z);
        else
            lanes.perLane.friction(decay, noise, v, z);
        for (int c = 0; c < 3; c++) {
            copy(x[c], x[c]+B, savedX[c]);
            copy(v[c], v[c]+B, savedV[c]);
            copy(f[c], f[c]+B, savedF[c]);
        }
        kinetic(v, kinetic0);
        // B, A: the quiet first half without friction (decay I: kickDrift in a uniform block); the force; B.
        if (set >= 0)
            lanes.kickDrift(kick, h, v, f, x);
        else
            lanes.perLane.firstHalf(laneIdentity, kick, h, v, f, x);
        evaluator.compute();
        const double* const dE[3] = {evaluator.derivative(0), evaluator.derivative(1), evaluator.derivative(2)};
        if (set >= 0)
            lanes.secondHalfMiddle(kick, dE, v, f);
        else
            lanes.perLane.secondHalf(laneIdentity, kick, dE, v, f);
        kinetic(v, kinetic1);
        lanes.exponentials(random.getKey0(), random.getKey1(), b.noiseIndex, counter+1, threshold);
        const double* proposedEnergy = evaluator.energy();
        for (int i = 0; i < B; i++) {
            double change = (proposedEnergy[i]-energy[i])+(kinetic1[i]-kinetic0[i]);
            // u <= exp(-dH/kT) as dH <= kT (-log u); a proposal that is not finite (a NaN change) fails the
            // comparison: it is rejected.
            if (change <= kT*threshold[i]) {
                energy[i] = proposedEnergy[i];
                acceptedHere += (i < count ? 1 : 0);
            }
            else
                for (int c = 0; c < 3; c++) {
                    x[c][i] = savedX[c][i];
                    v[c][i] = -savedV[c][i];
                    f[c][i] = savedF[c][i];
                }
        }
    }
    accepted[slot] += acceptedHere;
    proposed[slot] += (long long) count*numSteps;
}

void FusedReplicaStepper::getMetropolisCounts(long long& acceptedMoves, long long& proposedMoves) const {
    acceptedMoves = proposedMoves = 0;
    for (size_t s = 0; s < accepted.size(); s++) {
        acceptedMoves += accepted[s];
        proposedMoves += proposed[s];
    }
}
