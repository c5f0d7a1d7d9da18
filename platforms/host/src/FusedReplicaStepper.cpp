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
    double* X = evaluator.positions(0);
    double* Y = evaluator.positions(1);
    double* Z = evaluator.positions(2);
    alignas(64) double vx[B], vy[B], vz[B], fx[B], fy[B], fz[B];
    const ReplicaLaneKernels& lanes = ReplicaLaneKernels::get();
    double* const vLanes[3] = {vx, vy, vz};
    double* const fLanes[3] = {fx, fy, fz};
    double* const xLanes[3] = {X, Y, Z};
    alignas(64) double zx[B], zy[B], zz[B];
    double* const zLanes[3] = {zx, zy, zz};
    const bool middle = (m.splitting == DampedVerletIntegrator::BAOAB);
    const double h = m.stepSize;
    const int n = particles.size();
    // A block that mixes quiet sets with noisy ones: the lane kernel once per set, on copies, keeping the lanes of that set. Every
    // particle thus takes the same arithmetic (and the same lane-drawn noise) whatever its neighbours in the block, so
    // that its trajectory does not depend on how replicas are split into blocks, threads or Contexts.
    alignas(64) double copyV[3][B], copyX[3][B], copyF[3][B];
    double* const copyVLanes[3] = {copyV[0], copyV[1], copyV[2]};
    double* const copyXLanes[3] = {copyX[0], copyX[1], copyX[2]};
    double* const copyFLanes[3] = {copyF[0], copyF[1], copyF[2]};
    double* const vOut[3] = {vx, vy, vz};
    double* const xOut[3] = {X, Y, Z};
    auto mixedLanes = [&](int start, int count, bool firstHalf, const double* const dE[3]) {
        int done[B], numDone = 0;
        for (int i = 0; i < count; i++) {
            int set = particleSet[start+i];
            const DampedVerletMatrices::ParameterSet& matrices = m.parameterSets[set];
            if (find(done, done+numDone, set) != done+numDone)
                continue;
            done[numDone++] = set;
            bool noisy = !matrices.noise.empty();
            for (int c = 0; c < 3; c++)
                copy(vOut[c], vOut[c]+B, copyV[c]);
            if (middle) {
                if (firstHalf) {
                    for (int c = 0; c < 3; c++)
                        copy(xOut[c], xOut[c]+B, copyX[c]);
                    if (noisy)
                        lanes.firstHalfMiddleNoisy(matrices.fullDecay.data(), matrices.halfKick.data(), matrices.fullNoise.data(), h,
                                                   copyVLanes, fLanes, zLanes, copyXLanes);
                    else
                        lanes.firstHalfMiddle(matrices.decay.data(), matrices.halfKick.data(), h, copyVLanes, fLanes, copyXLanes);
                }
                else
                    lanes.secondHalfMiddle(matrices.halfKick.data(), dE, copyVLanes, copyFLanes);
            }
            else if (firstHalf) {
                for (int c = 0; c < 3; c++)
                    copy(xOut[c], xOut[c]+B, copyX[c]);
                if (noisy)
                    lanes.firstHalfNoisy(matrices.decay.data(), matrices.halfKick.data(), matrices.noise.data(), h, copyVLanes, fLanes,
                                         zLanes, copyXLanes);
                else
                    lanes.firstHalf(matrices.decay.data(), matrices.halfKick.data(), h, copyVLanes, fLanes, copyXLanes);
            }
            else if (noisy)
                lanes.secondHalfNoisy(matrices.decay.data(), matrices.halfKick.data(), matrices.noise.data(), dE, copyVLanes, copyFLanes, zLanes);
            else
                lanes.secondHalf(matrices.decay.data(), matrices.halfKick.data(), dE, copyVLanes, copyFLanes);
            for (int j = i; j < count; j++)
                if (particleSet[start+j] == set)
                    for (int c = 0; c < 3; c++) {
                        vOut[c][j] = copyV[c][j];
                        if (firstHalf)
                            xOut[c][j] = copyX[c][j];
                    }
        }
    };
    // A mixed block whose sets all have noise, or none has: each lane's own matrices (9 x B, structure of arrays),
    // filled once per block, and the per-lane kernels, which cost what the uniform ones do.
    alignas(64) double laneDecay[9*B], laneKick[9*B], laneNoise[9*B];
    for (int block = first; block < end; block++) {
        int start = block*B;
        int count = min(B, n-start);
        const int* index = &particles[start];
        // Replicas are usually particles start, start+1, ...: then a block is a slice of OpenMM's Vec3 arrays.
        bool contiguous = (count == B && blockContiguous[block]);
        if (contiguous) {
            lanes.gather(&x[index[0]][0], X, Y, Z);
            lanes.gather(&v[index[0]][0], vx, vy, vz);
            lanes.gather(&f[index[0]][0], fx, fy, fz);
        }
        else {
            for (int i = 0; i < count; i++) {
                const Vec3& xp = x[index[i]];
                const Vec3& vp = v[index[i]];
                const Vec3& fp = f[index[i]];
                X[i] = xp[0]; Y[i] = xp[1]; Z[i] = xp[2];
                vx[i] = vp[0]; vy[i] = vp[1]; vz[i] = vp[2];
                fx[i] = fp[0]; fy[i] = fp[1]; fz[i] = fp[2];
            }
            // A short last block repeats its first particle in the unused lanes (finite values, never stored).
            for (int i = count; i < B; i++) {
                X[i] = X[0]; Y[i] = Y[0]; Z[i] = Z[0];
                vx[i] = vx[0]; vy[i] = vy[0]; vz[i] = vz[0];
                fx[i] = fx[0]; fy[i] = fy[0]; fz[i] = fz[0];
            }
        }
        int set = blockSet[block];
        bool uniform = (set >= 0 && m.parameterSets[set].noise.empty());
        // A set without friction (a Hamiltonian model) skips the products with its identity decay.
        bool frictionless = (uniform && isIdentity(m.parameterSets[set].decay));
        // Thermal blocks draw their noise on the lanes too (the same Philox stream as the unfused step).
        bool uniformNoisy = (set >= 0 && !uniform);
        const int numNormals = blockNormals[block];
        const bool anyNoisy = (numNormals > 0);
        const bool perLane = (set < 0 && blockNoise[block] >= 0);
        const bool perLaneNoisy = (perLane && blockNoise[block] == 1);
        if (perLane) {
            fillLaneMatrix(start, count, laneDecay, [&](const ParameterSet& s) {
                return (middle && perLaneNoisy ? s.fullDecay : s.decay).data();
            });
            fillLaneMatrix(start, count, laneKick, [](const ParameterSet& s) { return s.halfKick.data(); });
            fillLaneMatrix(start, count, laneNoise, [&](const ParameterSet& s) {
                return (perLaneNoisy ? (middle ? s.fullNoise : s.noise).data() : (const double*) NULL);
            });
        }
        alignas(64) uint32_t noiseIndex[B];
        for (int i = 0; i < B; i++)
            noiseIndex[i] = (uint32_t) index[i < count ? i : 0];
        const bool ghmc = (m.splitting == DampedVerletIntegrator::GHMC);
        if (ghmc)
            metropolisSteps(start, count, slot, set, max(1, numNormals), evaluator, xLanes, vLanes, fLanes, noiseIndex, noiseCounter,
                            numSteps);
        // The block stays in these lanes for all its steps: OpenMM's arrays are read and written once per batch.
        for (int step = 0; !ghmc && step < numSteps; step++) {
            uint64_t counter = noiseCounter+2*step;

            if (middle) {
                // B, A/2, O, O, A/2; with noise the two half O steps as one over h (noise counter `counter`, counter+1
                // unused, as in DampedVerletStepper); the force; B.
                if (anyNoisy)
                    lanes.normals(random.getKey0(), random.getKey1(), noiseIndex, counter, numNormals, zLanes);
                if (set >= 0) {
                    const DampedVerletMatrices::ParameterSet& matrices = m.parameterSets[set];
                    if (uniformNoisy)
                        lanes.firstHalfMiddleNoisy(matrices.fullDecay.data(), matrices.halfKick.data(), matrices.fullNoise.data(), h,
                                                   vLanes, fLanes, zLanes, xLanes);
                    else
                        lanes.firstHalfMiddle(matrices.decay.data(), matrices.halfKick.data(), h, vLanes, fLanes, xLanes);
                }
                else if (perLaneNoisy)
                    lanes.perLane.firstHalfMiddleNoisy(laneDecay, laneKick, laneNoise, h, vLanes, fLanes, zLanes, xLanes);
                else if (perLane)
                    lanes.perLane.firstHalfMiddle(laneDecay, laneKick, h, vLanes, fLanes, xLanes);
                else
                    mixedLanes(start, count, true, NULL);
                evaluator.compute();
                const double* const dE[3] = {evaluator.derivative(0), evaluator.derivative(1), evaluator.derivative(2)};
                if (set >= 0)
                    lanes.secondHalfMiddle(m.parameterSets[set].halfKick.data(), dE, vLanes, fLanes);
                else if (perLane)
                    lanes.perLane.secondHalfMiddle(laneKick, dE, vLanes, fLanes);
                else {
                    for (int i = 0; i < B; i++) {
                        fx[i] = -dE[0][i];
                        fy[i] = -dE[1][i];
                        fz[i] = -dE[2][i];
                    }
                    mixedLanes(start, count, false, dE);
                }
                continue;
            }

            // O, B: friction half step and half kick with the current forces; A: drift.
            if (uniformNoisy) {
                const DampedVerletMatrices::ParameterSet& matrices = m.parameterSets[set];
                lanes.normals(random.getKey0(), random.getKey1(), noiseIndex, counter, numNormals, zLanes);
                lanes.firstHalfNoisy(matrices.decay.data(), matrices.halfKick.data(), matrices.noise.data(), h, vLanes, fLanes, zLanes, xLanes);
            }
            else if (frictionless)
                lanes.kickDrift(m.parameterSets[set].halfKick.data(), h, vLanes, fLanes, xLanes);
            else if (uniform)
                lanes.firstHalf(m.parameterSets[set].decay.data(), m.parameterSets[set].halfKick.data(), h, vLanes, fLanes, xLanes);
            else if (perLaneNoisy) {
                lanes.normals(random.getKey0(), random.getKey1(), noiseIndex, counter, numNormals, zLanes);
                lanes.perLane.firstHalfNoisy(laneDecay, laneKick, laneNoise, h, vLanes, fLanes, zLanes, xLanes);
            }
            else if (perLane)
                lanes.perLane.firstHalf(laneDecay, laneKick, h, vLanes, fLanes, xLanes);
            else {
                if (anyNoisy)
                    lanes.normals(random.getKey0(), random.getKey1(), noiseIndex, counter, numNormals, zLanes);
                mixedLanes(start, count, true, NULL);
            }

            // The forces at the new positions.
            evaluator.compute();
            const double* const dE[3] = {evaluator.derivative(0), evaluator.derivative(1), evaluator.derivative(2)};

            // B, O: half kick with the new forces, friction half step.
            if (uniformNoisy) {
                const DampedVerletMatrices::ParameterSet& matrices = m.parameterSets[set];
                lanes.normals(random.getKey0(), random.getKey1(), noiseIndex, counter+1, numNormals, zLanes);
                lanes.secondHalfNoisy(matrices.decay.data(), matrices.halfKick.data(), matrices.noise.data(), dE, vLanes, fLanes, zLanes);
            }
            else if (frictionless)
                lanes.secondHalfMiddle(m.parameterSets[set].halfKick.data(), dE, vLanes, fLanes);  // B, with O = I
            else if (uniform)
                lanes.secondHalf(m.parameterSets[set].decay.data(), m.parameterSets[set].halfKick.data(), dE, vLanes, fLanes);
            else if (perLaneNoisy) {
                lanes.normals(random.getKey0(), random.getKey1(), noiseIndex, counter+1, numNormals, zLanes);
                lanes.perLane.secondHalfNoisy(laneDecay, laneKick, laneNoise, dE, vLanes, fLanes, zLanes);
            }
            else if (perLane)
                lanes.perLane.secondHalf(laneDecay, laneKick, dE, vLanes, fLanes);
            else {
                for (int i = 0; i < B; i++) {
                    fx[i] = -dE[0][i];
                    fy[i] = -dE[1][i];
                    fz[i] = -dE[2][i];
                }
                if (anyNoisy)
                    lanes.normals(random.getKey0(), random.getKey1(), noiseIndex, counter+1, numNormals, zLanes);
                mixedLanes(start, count, false, dE);
            }
        }
        if (contiguous) {
            lanes.scatter(&x[index[0]][0], X, Y, Z);
            lanes.scatter(&v[index[0]][0], vx, vy, vz);
            lanes.scatter(&f[index[0]][0], fx, fy, fz);
        }
        else
            for (int i = 0; i < count; i++) {
                x[index[i]] = Vec3(X[i], Y[i], Z[i]);
                v[index[i]] = Vec3(vx[i], vy[i], vz[i]);
                f[index[i]] = Vec3(fx[i], fy[i], fz[i]);
            }
    }
}

void FusedReplicaStepper::metropolisSteps(int start, int count, int slot, int set, int numNormals, ReplicaLaneForce& evaluator,
                                          double* const x[3], double* const v[3], double* const f[3], const uint32_t* noiseIndex,
                                          uint64_t noiseCounter, int numSteps) {
    // GHMC per replica (DampedVerletIntegrator::GHMC): O over h; then B, A, force, B; then the B-A-B move is accepted
    // with probability min(1, exp(-dH/kT)), or the replica returns to its state after O with the velocity reversed.
    // The normals come from the step's first noise counter (as BAOAB's O), the test's uniform from its second.
    const ReplicaLaneKernels& lanes = ReplicaLaneKernels::get();
    static const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, zero[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    alignas(64) double laneDecay[9*B], laneKick[9*B], laneNoise[9*B], laneMass[9*B], laneIdentity[9*B];
    const double* decay = laneDecay;
    const double* kick = laneKick;
    const double* noise = laneNoise;
    const double* mass = laneMass;
    if (set >= 0) {
        const DampedVerletMatrices::ParameterSet& matrices = m.parameterSets[set];
        decay = matrices.fullDecay.data();
        kick = matrices.halfKick.data();
        noise = (matrices.fullNoise.empty() ? zero : matrices.fullNoise.data());
        mass = matrices.mass.data();
    }
    else {
        // Each lane's own matrices (a set without friction has no noise: a zero noise factor), so that every lane
        // takes the same arithmetic whatever its neighbours.
        fillLaneMatrix(start, count, laneDecay, [](const ParameterSet& s) { return s.fullDecay.data(); });
        fillLaneMatrix(start, count, laneKick, [](const ParameterSet& s) { return s.halfKick.data(); });
        fillLaneMatrix(start, count, laneNoise, [](const ParameterSet& s) {
            return (s.fullNoise.empty() ? (const double*) NULL : s.fullNoise.data());
        });
        fillLaneMatrix(start, count, laneMass, [](const ParameterSet& s) { return s.mass.data(); });
        fillLaneMatrix(start, count, laneIdentity, [](const ParameterSet&) { return identity; });
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
    alignas(64) double zx[B], zy[B], zz[B], threshold[B], energy[B], kinetic0[B], kinetic1[B];
    alignas(64) double savedX[3][B], savedV[3][B], savedF[3][B];
    double* const z[3] = {zx, zy, zz};
    const double h = m.stepSize, kT = m.kT;
    // The replicas' energies at the block's starting positions (the forces in f are already theirs).
    evaluator.compute();
    copy(evaluator.energy(), evaluator.energy()+B, energy);
    long long acceptedHere = 0;
    for (int step = 0; step < numSteps; step++) {
        uint64_t counter = noiseCounter+2*step;
        lanes.normals(random.getKey0(), random.getKey1(), noiseIndex, counter, numNormals, z);
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
        lanes.exponentials(random.getKey0(), random.getKey1(), noiseIndex, counter+1, threshold);
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
