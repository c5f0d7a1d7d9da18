#include "CoarseGrainer.h"
#include "DampedVerletIntegrator.h"
#include "EnergyExpression.h"
#include "internal/BlockMatrixAlgebra.h"
#include "internal/FrozenReplicaWatch.h"
#include "NoiseCovarianceDesigns.h"
#include "NormalityTests.h"
#include "ReplicaSystem.h"
#include "openmm/Context.h"
#include "openmm/OpenMMException.h"
#include "openmm/Platform.h"
#include "openmm/State.h"
#include "openmm/System.h"
#include "openmm/serialization/XmlSerializer.h"
#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <exception>
#include <functional>
#include <memory>
#include <thread>
#include <random>
#include <sstream>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

/** One replica run: groups of replicas sharing a 3x3 mass and friction matrix and a design for p^T A p. */
struct CoarseGrainer::Run {
    vector<vector<double> > mass, friction; // per group, 3x3 (inert components included)
    vector<vector<double> > design;         // per group, d x d: A in p^T A p
    double relaxationRate;                  // slowest rate of M^-1 Gamma over the active components, 1/ps
    bool restartFrozen = true;              // restart frozen replicas (FrozenReplicaWatch); the scan only counts them
};

/** A share of a run: the replica batches [firstBatch, endBatch) of the groups [firstGroup, endGroup). */
struct CoarseGrainer::Piece {
    int firstBatch, endBatch, firstGroup, endGroup;
};

namespace {

string number(double x) {
    stringstream s;
    s<<x;
    return s.str();
}

// A 3x3 matrix whose leading d x d block is `active` and whose inert diagonal entries are `inert`.
vector<double> embed(const Eigen::MatrixXd& active, double inert) {
    vector<double> m(9, 0.0);
    int d = active.rows();
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            m[3*i+j] = (i < d && j < d ? active(i, j) : (i == j ? inert : 0.0));
    return m;
}

Eigen::MatrixXd toMatrix(const vector<double>& values, int d) {
    Eigen::MatrixXd m(d, d);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            m(i, j) = values[i*d+j];
    return m;
}

// The temperature the positions see: tr <p_d p_d^T> / (d m) over the drift momenta of group 0, with M = m I.
double driftKT(const ReplicaStatistics& statistics, double mass) {
    int d = statistics.getDimensions();
    double trace = 0;
    long long count = 0;
    for (int b = 0; b < statistics.getNumBatches(); b++) {
        vector<double> sums = statistics.getDriftSecondMomentSums(0, b);
        for (int i = 0; i < d; i++)
            trace += sums[i*d+i];
        count += statistics.getDriftCount(0, b);
    }
    return trace/(count*d*mass);
}

// The spread (max - min) of the energy over the replicas' starting points: the scale against which a kT that
// collapsed to nothing is recognised.
double energySpread(const string& energy, const vector<double>& positions, int d) {
    vector<double> values = EnergyExpression::evaluate(energy, d, positions);
    return *max_element(values.begin(), values.end())-*min_element(values.begin(), values.end());
}

// The next chunk's size (in units of `unit`), so that a chunk takes about a tenth of a second: progress is reported
// between chunks, and a Python reporter handles Ctrl-C there, so every run stops within a second of it however
// long it is. At most `largest` (a fiftieth of the run), at least one unit. Chunks only set where reports fall:
// the trajectories and every recorded number are the same for any chunking.
int nextChunk(int current, double seconds, int unit, int largest) {
    int units = current/unit;
    if (seconds > 0.2)
        units = max(1, (int) (units*0.1/seconds));
    else if (seconds < 0.05)
        units = 2*units;
    return max(unit, min(largest, units*unit));
}

} // namespace

CoarseGrainer::CoarseGrainer(const string& energy, int dimensions) : energy(energy), dimensions(dimensions), stepSize(0),
        friction(0), mass(1), targetKT(1), numReplicas(200), numSteps(20000), numStage2Steps(0), numEquilibrationSteps(2000),
        sampleInterval(10), numBatches(10), seed(1), maxSkewness(0.1), maxExcessKurtosis(0.2), frozenKurtosis(1.0),
        allowNonGaussian(false), restartFrozenReplicas(true), startsFromPilot(false), progress(NULL), numThreads(0), resolutionLimit(1.0), useCustomExternalForce(false) {
    ReplicaSystem::validateEnergy(energy, dimensions);
}

CoarseGrainer::CoarseGrainer(const System& system, const vector<int>& particles, int dimensions) : CoarseGrainer("x", 1) {
    if (dimensions < 1 || dimensions > 3)
        throw OpenMMException("CoarseGrainer: dimensions is "+to_string(dimensions)+"; it must be 1, 2 or 3 (x, y, z)");
    if (particles.size() < 2)
        throw OpenMMException("CoarseGrainer: give at least 2 replica particles");
    vector<bool> seen(system.getNumParticles(), false);
    for (int p : particles) {
        if (p < 0 || p >= system.getNumParticles())
            throw OpenMMException("CoarseGrainer: replica particle "+to_string(p)+" is not a particle of the System ("+
                                  to_string(system.getNumParticles())+" particles)");
        if (seen[p])
            throw OpenMMException("CoarseGrainer: replica particle "+to_string(p)+" is listed twice");
        seen[p] = true;
    }
    this->dimensions = dimensions;
    energy = "";
    userSystem.reset(XmlSerializer::clone<System>(system));
    replicaParticles = particles;
}

void CoarseGrainer::setSystemPositions(const vector<double>& positions) {
    if (!userSystem)
        throw OpenMMException("CoarseGrainer.setSystemPositions: only for a CoarseGrainer built from a System");
    if ((int) positions.size() != 3*userSystem->getNumParticles())
        throw OpenMMException("CoarseGrainer.setSystemPositions: give N x 3 positions, N = "+to_string(userSystem->getNumParticles()));
    systemPositions = positions;
}

void CoarseGrainer::setStepSize(double h) {
    if (!(h > 0) || !isfinite(h))
        throw OpenMMException("CoarseGrainer.setStepSize: the step size must be a positive number of ps");
    stepSize = h;
}

void CoarseGrainer::setResolutionLimit(double limit) {
    if (!(limit >= 0) || isinf(limit))
        throw OpenMMException("CoarseGrainer.setResolutionLimit: the limit on h^2 lambda_max / m must be >= 0 (0: none)");
    resolutionLimit = limit;
}

void CoarseGrainer::setFriction(double gamma) {
    if (!(gamma > 0) || !isfinite(gamma))
        throw OpenMMException("CoarseGrainer.setFriction: the friction must be a positive number (1/ps)");
    friction = gamma;
    pilotDiagnostics.clear(); // a friction set by hand: no pilot chose it
}

void CoarseGrainer::setMass(double m) {
    if (!(m > 0) || !isfinite(m))
        throw OpenMMException("CoarseGrainer.setMass: the mass must be positive (dalton)");
    mass = m;
}

void CoarseGrainer::setNumReplicas(int count) {
    if (userSystem)
        throw OpenMMException("CoarseGrainer.setNumReplicas: the replicas are the particles given with the System");
    if (count < 2)
        throw OpenMMException("CoarseGrainer.setNumReplicas: at least 2 replicas are needed");
    numReplicas = count;
    forgetPilotStarts(); // they were one per replica of the earlier count
}

void CoarseGrainer::forgetPilotStarts() {
    if (startsFromPilot)
        positions.clear();
    startsFromPilot = false;
}

void CoarseGrainer::setNumSteps(int steps) {
    if (steps < 1)
        throw OpenMMException("CoarseGrainer.setNumSteps: the number of sampling steps must be positive");
    numSteps = steps;
}

void CoarseGrainer::setNumStage2Steps(int steps) {
    if (steps < 1)
        throw OpenMMException("CoarseGrainer.setNumStage2Steps: the number of sampling steps must be positive");
    numStage2Steps = steps;
}

void CoarseGrainer::setNumEquilibrationSteps(int steps) {
    if (steps < 0)
        throw OpenMMException("CoarseGrainer.setNumEquilibrationSteps: the number of steps must be non-negative");
    numEquilibrationSteps = steps;
}

void CoarseGrainer::setSampleInterval(int steps) {
    if (steps < 1)
        throw OpenMMException("CoarseGrainer.setSampleInterval: the sample interval must be at least 1 step");
    sampleInterval = steps;
}

void CoarseGrainer::setTargetKT(double kT) {
    if (!(kT > 0) || !isfinite(kT))
        throw OpenMMException("CoarseGrainer.setTargetKT: kT* must be a positive energy (kJ/mol)");
    targetKT = kT;
}

void CoarseGrainer::setInitialPositions(const vector<double>& values) {
    if (values.empty() || values.size()%dimensions != 0)
        throw OpenMMException("CoarseGrainer.setInitialPositions: give R x d values (d = "+to_string(dimensions)+" per replica)");
    for (double x : values)
        if (!isfinite(x))
            throw OpenMMException("CoarseGrainer.setInitialPositions: positions must be finite");
    positions = values;
    startsFromPilot = false; // given starts: never replaced, nor cleared by setAutomaticFriction
}

void CoarseGrainer::setInitialBox(const vector<double>& lower, const vector<double>& upper) {
    if ((int) lower.size() == dimensions && (int) upper.size() == dimensions)
        for (int i = 0; i < dimensions; i++)
            if (!(upper[i] > lower[i]) || !isfinite(lower[i]) || !isfinite(upper[i]))
                throw OpenMMException("CoarseGrainer.setInitialBox: each upper bound must be finite and above its lower bound");
    if ((int) lower.size() != dimensions)
        throw OpenMMException("CoarseGrainer.setInitialBox: lower and upper need d = "+to_string(dimensions)+" entries");
    boxLower = lower;
    boxUpper = upper;
    forgetPilotStarts(); // a given box takes over from the pilot's starts
}

void CoarseGrainer::setGridBins(const vector<int>& bins) {
    if ((int) bins.size() != dimensions)
        throw OpenMMException("CoarseGrainer.setGridBins: give one bin count per dimension (d = "+to_string(dimensions)+")");
    for (int b : bins)
        if (b < 4)
            throw OpenMMException("CoarseGrainer.setGridBins: use at least 4 bins per dimension");
    gridBins = bins;
}

vector<int> CoarseGrainer::getGridBins() const {
    if (!gridBins.empty())
        return gridBins;
    // The histogram is recorded this fine; the fit merges bins 1-4 at a time, the factor chosen by held-out
    // likelihood (PotentialFitter::setGridCoarsening), so these are the finest grids it can choose. Measured: P1 at
    // h = 0.03 keeps a ripple of period 0.063 nm over a box of 3 nm and takes 600 or 1200 bins (300: RMSE 0.047 kT
    // instead of 0.02); P5 takes 100 x 100 (RMSE 0.014-0.021 kT; 50 x 50: 0.031-0.040, 25 x 25: 0.13-0.16).
    // Each number of bins is divisible by 2, 3 and 4.
    int bins = (dimensions == 1 ? 1200 : dimensions == 2 ? 96 : 24);
    return vector<int>(dimensions, bins);
}

void CoarseGrainer::setGridBox(const vector<double>& lower, const vector<double>& upper) {
    if ((int) lower.size() == dimensions && (int) upper.size() == dimensions)
        for (int i = 0; i < dimensions; i++)
            if (!(upper[i] > lower[i]) || !isfinite(lower[i]) || !isfinite(upper[i]))
                throw OpenMMException("CoarseGrainer.setGridBox: each upper bound must be finite and above its lower bound");
    if ((int) lower.size() != dimensions)
        throw OpenMMException("CoarseGrainer.setGridBox: lower and upper need d = "+to_string(dimensions)+" entries");
    gridLower = lower;
    gridUpper = upper;
}

void CoarseGrainer::setNumBatches(int count) {
    if (count < 2)
        throw OpenMMException("CoarseGrainer.setNumBatches: at least 2 batches are needed for standard errors");
    numBatches = count;
}

void CoarseGrainer::setRandomSeed(int value) {
    seed = value;
    fitter.setRandomSeed(value);
}

void CoarseGrainer::setNumThreads(int count) {
    if (count < 0)
        throw OpenMMException("CoarseGrainer.setNumThreads: the number of threads must be non-negative (0: automatic)");
    numThreads = count;
}

void CoarseGrainer::setNormalityTolerance(double skewness, double excessKurtosis) {
    if (!(skewness > 0) || !(excessKurtosis > 0))
        throw OpenMMException("CoarseGrainer.setNormalityTolerance: tolerances must be positive");
    maxSkewness = skewness;
    maxExcessKurtosis = excessKurtosis;
}

void CoarseGrainer::setAllowNonGaussian(bool allow) {
    allowNonGaussian = allow;
}

vector<double> CoarseGrainer::initialPositions(int count) const {
    int d = dimensions;
    vector<double> result(count*d);
    if (!positions.empty()) {
        int given = positions.size()/d;
        for (int r = 0; r < count; r++)
            for (int i = 0; i < d; i++)
                result[r*d+i] = positions[(r%given)*d+i];
        return result;
    }
    mt19937 random(seed);
    for (int r = 0; r < count; r++)
        for (int i = 0; i < d; i++) {
            double lo = (boxLower.empty() ? -1.0 : boxLower[i]), hi = (boxUpper.empty() ? 1.0 : boxUpper[i]);
            result[r*d+i] = uniform_real_distribution<double>(lo, hi)(random);
        }
    return result;
}

namespace {

// One Context's share of a run: groups [firstGroup, endGroup) x replicas [firstReplica, endReplica).
struct Worker {
    unique_ptr<System> system;
    unique_ptr<DampedVerletIntegrator> integrator;
    unique_ptr<Context> context;
    int firstGroup, endGroup, firstReplica, endReplica;
    const vector<int>* userParticles; // replica particles of a user's System, or NULL
    int particleOf(int g, int r) const {
        return userParticles ? (*userParticles)[r] : (g-firstGroup)*(endReplica-firstReplica)+(r-firstReplica);
    }
    vector<double> low, high;          // the range visited at the end of equilibration
    unique_ptr<ReplicaStatistics> statistics;
    unique_ptr<FrozenReplicaWatch> watch; // indexed (g-firstGroup)*(endReplica-firstReplica)+(r-firstReplica)
    exception_ptr error;
};

// Run `work(worker)` for every worker, on threads when there are several, and rethrow the first error.
template <class Function>
void forEachWorker(vector<Worker>& workers, Function work) {
    if (workers.size() == 1)
        work(workers[0]);
    else {
        vector<thread> threads;
        for (Worker& w : workers)
            threads.emplace_back([&w, &work]() {
                try {
                    work(w);
                }
                catch (...) {
                    w.error = current_exception();
                }
            });
        for (thread& t : threads)
            t.join();
    }
    for (Worker& w : workers)
        if (w.error)
            rethrow_exception(w.error);
}

} // namespace

int CoarseGrainer::getNumThreads() const {
    if (numThreads > 0)
        return numThreads;
    return max(1, min(4, (int) thread::hardware_concurrency()));
}

ReplicaStatistics CoarseGrainer::sample(Platform& platform, const Run& run, int steps, const string& stage, const Piece& piece,
                                        const RegularGrid* givenGrid, bool ownGrid, vector<double>* range,
                                        vector<double>* endPositions) {
    int d = dimensions, groups = run.mass.size(), replicas = getNumReplicas();
    // Runs with a histogram (or that find its range) also record the visited range and the drift momenta.
    bool histogram = (givenGrid != NULL || ownGrid || range != NULL);
    auto firstReplicaOfBatch = [&](int b) { return (int) (((long long) b*replicas+numBatches-1)/numBatches); };
    vector<double> start = initialPositions(replicas);
    int numSamples = steps/sampleInterval;
    // Thin the stored momenta to about one per relaxation time, and spread them over the run.
    int relaxationSamples = (int) ceil(1.0/(run.relaxationRate*stepSize*sampleInterval));
    // Every replica stores at most `perReplica` samples, so that the total never exceeds maxStored: the cap then never
    // truncates, and the stored set is the same however the replicas are split into Contexts or tasks (a cap that
    // cut in insertion order kept different samples per split: P5's p-values moved by up to 0.1 with --checkpoint).
    int maxStored = max(5000, replicas);
    int perReplica = max(1, maxStored/replicas);
    int spread = (int) ceil((double) numSamples/perReplica);
    int thin = max(1, max(relaxationSamples, spread));
    vector<Eigen::MatrixXd> activeMass;
    for (int g = 0; g < groups; g++)
        activeMass.push_back(toMatrix(run.mass[g], 3).topLeftCorner(d, d));
    // Starting velocities at kT*, drawn here in one fixed order so that they do not depend on how the replicas are
    // split over Contexts: the scheme is deterministic, and replicas that start at one point with one velocity
    // would follow one trajectory and count as one.
    mt19937_64 random(seed);
    normal_distribution<double> normal;
    // A velocity at kT* for group g from three standard normals (inert components stay at rest).
    vector<vector<double> > thermalFactor;
    for (int g = 0; g < groups; g++)
        thermalFactor.push_back(BlockMatrixAlgebra::thermalVelocityFactor(run.mass[g], targetKT));
    auto thermalVelocity = [&](int g, const double* z) {
        Vec3 velocity;
        for (int i = 0; i < d; i++)
            for (int j = 0; j < 3; j++)
                velocity[i] += thermalFactor[g][3*i+j]*z[j];
        return velocity;
    };
    vector<Vec3> startVelocity(groups*replicas);
    for (int g = 0; g < groups; g++)
        for (int r = 0; r < replicas; r++) {
            double z[3] = {normal(random), normal(random), normal(random)};
            startVelocity[g*replicas+r] = thermalVelocity(g, z);
        }
    // Our replica Systems split the piece's replicas over Contexts run on parallel threads (replicas are
    // independent, so the trajectories are the same however they are split); a user's System holds its replicas
    // once, so each group runs in a Context of its own, one after the other, stepping every replica and recording
    // the piece's.
    vector<Worker> workers;
    int pieceBatches = piece.endBatch-piece.firstBatch;
    int pieceReplicas = firstReplicaOfBatch(piece.endBatch)-firstReplicaOfBatch(piece.firstBatch);
    if (userSystem) {
        for (int g = piece.firstGroup; g < piece.endGroup; g++) {
            workers.emplace_back();
            Worker& w = workers.back();
            w.firstGroup = g;
            w.endGroup = g+1;
            w.firstReplica = firstReplicaOfBatch(piece.firstBatch);
            w.endReplica = firstReplicaOfBatch(piece.endBatch);
            w.userParticles = &replicaParticles;
        }
    }
    else {
        // Split at batch boundaries, so that every batch's sums are accumulated by one Context in one order: the
        // results are then bitwise the same for any number of threads or pieces (deterministic chaos would
        // amplify a different rounding of D into different Stage-2 trajectories).
        int parts = max(1, min(getNumThreads(), min(pieceBatches, pieceReplicas/8)));
        for (int k = 0; k < parts; k++) {
            workers.emplace_back();
            Worker& w = workers.back();
            w.firstGroup = piece.firstGroup;
            w.endGroup = piece.endGroup;
            w.firstReplica = firstReplicaOfBatch(piece.firstBatch+k*pieceBatches/parts);
            w.endReplica = firstReplicaOfBatch(piece.firstBatch+(k+1)*pieceBatches/parts);
            w.userParticles = NULL;
        }
    }
    auto setUp = [&](Worker& w) {
        int count = w.endReplica-w.firstReplica;
        w.system.reset(userSystem ? XmlSerializer::clone<System>(*userSystem)
                                  : ReplicaSystem::create(energy, d, (w.endGroup-w.firstGroup)*count,
                                        useCustomExternalForce ? ReplicaSystem::CustomExternal : ReplicaSystem::ReplicaExpression));
        w.integrator.reset(new DampedVerletIntegrator(stepSize));
        w.integrator->setRandomNumberSeed(seed);
        w.integrator->setDefaultFriction(friction); // particles of a user's System that are not replicas
        for (int g = w.firstGroup; g < w.endGroup; g++)
            for (int r = (userSystem ? 0 : w.firstReplica); r < (userSystem ? replicas : w.endReplica); r++)
                w.integrator->addBlock({w.particleOf(g, r)}, run.mass[g], run.friction[g]);
        w.context.reset(new Context(*w.system, *w.integrator, platform, platformProperties));
        int numParticles = w.system->getNumParticles();
        vector<Vec3> positions(numParticles), velocities(numParticles);
        if (!systemPositions.empty())
            for (int i = 0; i < numParticles; i++)
                positions[i] = Vec3(systemPositions[3*i], systemPositions[3*i+1], systemPositions[3*i+2]);
        // A user's System starts every replica (all of them move), ours only the piece's.
        int initFirst = (userSystem ? 0 : w.firstReplica), initEnd = (userSystem ? replicas : w.endReplica);
        for (int g = w.firstGroup; g < w.endGroup; g++)
            for (int r = initFirst; r < initEnd; r++) {
                int p = w.particleOf(g, r);
                for (int i = 0; i < d; i++)
                    positions[p][i] = start[r*d+i];
                velocities[p] = startVelocity[g*replicas+r];
            }
        w.context->setPositions(positions);
        w.context->setVelocities(velocities);
        w.low.assign(d, INFINITY);
        w.high.assign(d, -INFINITY);
    };
    // Contexts are created one at a time (OpenMM compiles expressions then); only the stepping runs in parallel.
    for (Worker& w : workers)
        setUp(w);
    bool parallel = !userSystem;
    auto runPhase = [&](const function<void (Worker&)>& work) {
        if (parallel)
            forEachWorker(workers, work);
        else
            for (Worker& w : workers) {
                work(w);
            }
    };
    // Equilibrate in chunks (progress is reported between chunks, from this thread only); over the last fifth,
    // record the range the replicas visit (the default histogram box).
    int recordFrom = numEquilibrationSteps-numEquilibrationSteps/5;
    int largestChunk = max(sampleInterval, (numEquilibrationSteps/50/sampleInterval)*sampleInterval);
    int chunk = sampleInterval;
    for (int done = 0; done < numEquilibrationSteps; ) {
        int length = min(chunk, numEquilibrationSteps-done);
        auto started = chrono::steady_clock::now();
        runPhase([&](Worker& w) {
            for (int k = 0; k < length; k += sampleInterval) {
                int now = min(sampleInterval, length-k);
                w.integrator->step(now);
                if (histogram && done+k+now >= recordFrom) {
                    vector<Vec3> q = w.context->getState(State::Positions).getPositions();
                    for (int g = w.firstGroup; g < w.endGroup; g++)
                        for (int r = w.firstReplica; r < w.endReplica; r++)
                            for (int i = 0; i < d; i++) {
                                w.low[i] = min(w.low[i], q[w.particleOf(g, r)][i]);
                                w.high[i] = max(w.high[i], q[w.particleOf(g, r)][i]);
                            }
                }
            }
        });
        done += length;
        chunk = nextChunk(chunk, chrono::duration<double>(chrono::steady_clock::now()-started).count(), sampleInterval, largestChunk);
        if (progress != NULL)
            progress->report(stage+" (equilibration)", done, numEquilibrationSteps);
    }
    // The range this call's replicas visited: min and max are exact, so the union over pieces is the whole run's.
    vector<double> visited(2*d);
    for (int i = 0; i < d; i++) {
        visited[i] = INFINITY;
        visited[d+i] = -INFINITY;
        for (Worker& w : workers) {
            visited[i] = min(visited[i], w.low[i]);
            visited[d+i] = max(visited[d+i], w.high[i]);
        }
    }
    // Positions that became NaN or infinite leave no finite range: the run exploded during equilibration (the same
    // message as an explosion while sampling; samplingGrid would only see an empty range).
    if (histogram && numEquilibrationSteps > 0 && (range != NULL || (givenGrid == NULL && ownGrid)))
        for (int i = 0; i < d; i++)
            if (!isfinite(visited[i]) || !isfinite(visited[d+i]))
                throw OpenMMException("CoarseGrainer: the run exploded (positions are not finite after equilibration): "
                                      "the step size is too large for the coarse scale; reduce it");
    if (range != NULL) {
        *range = visited;
        return ReplicaStatistics();
    }
    RegularGrid grid;
    if (givenGrid != NULL)
        grid = *givenGrid;
    else if (ownGrid)
        grid = samplingGrid(visited);
    // Frozen replicas (FrozenReplicaWatch): kinetic temperature below 1% of the replica's own (starting at kT*) for
    // three relaxation times, but at least 30 samples; a restarted one settles for one relaxation time before it is
    // sampled again. The temperature scale follows about ten relaxation times.
    int watchWindow = max(30, 3*relaxationSamples), settle = relaxationSamples, memory = max(30, 10*relaxationSamples);
    for (Worker& w : workers) {
        w.statistics.reset(new ReplicaStatistics(d, groups, numBatches, grid, maxStored));
        w.watch.reset(new FrozenReplicaWatch((w.endGroup-w.firstGroup)*(w.endReplica-w.firstReplica), targetKT, 0.01,
                                             watchWindow, settle, memory, run.restartFrozen));
    }
    auto record = [&](Worker& w, int g, int batch, const FrozenReplicaWatch::Sample& sample) {
        w.statistics->addMomentum(g, batch, sample.p, run.design[g].data());
        if (sample.store)
            w.statistics->storeMomentum(g, sample.p);
        if (histogram) {
            w.statistics->addPosition(batch, sample.q);
            w.statistics->addDriftMomentum(g, batch, sample.drift);
        }
    };
    // A restarted replica gets a thermal velocity at kT* drawn from its own stream (seed, group, replica, sample), so
    // that restarts do not depend on how replicas are split.
    auto restartVelocity = [&](int g, int r, int s) {
        seed_seq sequence{(unsigned) seed, (unsigned) g, (unsigned) r, (unsigned) s};
        mt19937_64 stream(sequence);
        normal_distribution<double> gaussian;
        double z[3] = {gaussian(stream), gaussian(stream), gaussian(stream)};
        return thermalVelocity(g, z);
    };
    int largestSampleChunk = max(1, numSamples/50), samplesPerChunk = 1;
    for (int first = 0; first < numSamples; ) {
        int last = min(numSamples, first+samplesPerChunk);
        auto started = chrono::steady_clock::now();
        runPhase([&](Worker& w) {
            FrozenReplicaWatch::Sample sample;
            vector<FrozenReplicaWatch::Sample> ready;
            vector<pair<int, int> > restarts;
            int count = w.endReplica-w.firstReplica;
            for (int s = first; s < last; s++) {
                // Histogram runs also need the drift velocity v_(n+1/2), the one that moves the positions (see
                // ReplicaStatistics::addDriftMomentum): it is exactly (q_(n+1) - q_n) / h, so one more step and a
                // cheap position query give it without an extra force evaluation.
                w.integrator->step(histogram ? sampleInterval-1 : sampleInterval);
                State state = w.context->getState(State::Positions | State::Velocities);
                const vector<Vec3>& x = state.getPositions();
                const vector<Vec3>& v = state.getVelocities();
                vector<Vec3> next;
                if (histogram) {
                    w.integrator->step(1);
                    next = w.context->getState(State::Positions).getPositions();
                }
                restarts.clear();
                for (int g = w.firstGroup; g < w.endGroup; g++) {
                    const Eigen::MatrixXd& m = activeMass[g];
                    for (int r = w.firstReplica; r < w.endReplica; r++) {
                        int particle = w.particleOf(g, r), batch = (int) ((long long) r*numBatches/replicas);
                        double temperature = 0;
                        for (int i = 0; i < d; i++) {
                            sample.p[i] = 0;
                            for (int j = 0; j < d; j++)
                                sample.p[i] += m(i, j)*v[particle][j];
                            sample.q[i] = x[particle][i];
                            temperature += sample.p[i]*v[particle][i]/d;
                        }
                        if (!isfinite(sample.p[0]) || !isfinite(sample.q[0]))
                            throw OpenMMException("CoarseGrainer: the run exploded (positions or momenta are not finite): "
                                                  "the step size is too large for the coarse scale; reduce it");
                        sample.store = (s%thin == 0);
                        if (histogram) {
                            Eigen::VectorXd drift(d);
                            for (int i = 0; i < d; i++)
                                drift[i] = (next[particle][i]-x[particle][i])/stepSize;
                            Eigen::VectorXd pd = m*drift;
                            for (int i = 0; i < d; i++)
                                sample.drift[i] = pd[i];
                        }
                        ready.clear();
                        int index = (g-w.firstGroup)*count+(r-w.firstReplica);
                        if (w.watch->observe(index, temperature, sample, ready) && run.restartFrozen)
                            restarts.push_back(make_pair(g, r));
                        if (s == numSamples-1)
                            w.watch->flush(index, ready);
                        for (const FrozenReplicaWatch::Sample& recorded : ready)
                            record(w, g, batch, recorded);
                    }
                }
                if (!restarts.empty()) {
                    vector<Vec3> velocities = w.context->getState(State::Velocities).getVelocities();
                    for (const pair<int, int>& restart : restarts)
                        velocities[w.particleOf(restart.first, restart.second)] = restartVelocity(restart.first, restart.second, s);
                    w.context->setVelocities(velocities);
                }
            }
        });
        first = last;
        samplesPerChunk = nextChunk(samplesPerChunk, chrono::duration<double>(chrono::steady_clock::now()-started).count(), 1,
                                    largestSampleChunk);
        if (progress != NULL)
            progress->report(stage, (long long) last*sampleInterval, (long long) numSamples*sampleInterval);
    }
    for (Worker& w : workers)
        w.statistics->addFrozen(w.watch->getNumFrozen(), w.watch->getNumDiscarded());
    if (endPositions != NULL && !userSystem) {
        endPositions->assign(replicas*d, 0.0);
        for (Worker& w : workers) {
            vector<Vec3> x = w.context->getState(State::Positions).getPositions();
            for (int r = w.firstReplica; r < w.endReplica; r++)
                for (int i = 0; i < d; i++)
                    (*endPositions)[r*d+i] = x[w.particleOf(w.firstGroup, r)][i];
        }
    }
    // Merge in a fixed order: sums are exact up to the order of additions.
    ReplicaStatistics result = *workers[0].statistics;
    for (size_t k = 1; k < workers.size(); k++)
        result.merge(*workers[k].statistics);
    return result;
}

ReplicaStatistics CoarseGrainer::sampleIsotropic(Platform& platform, double gamma) {
    // The scan measures freezing: frozen replicas are counted, not restarted.
    return sampleIsotropic(platform, gamma, false, "scan");
}

ReplicaStatistics CoarseGrainer::sampleIsotropic(Platform& platform, double gamma, bool restartFrozen, const string& stage,
                                                 vector<double>* endPositions) {
    if (stepSize == 0)
        throw OpenMMException("CoarseGrainer.sampleIsotropic: set the step size first (setStepSize)");
    if (!(gamma > 0))
        throw OpenMMException("CoarseGrainer.sampleIsotropic: gamma must be positive (1/ps)");
    int d = dimensions;
    Run run;
    Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(d, d);
    run.mass.push_back(embed(identity, 1.0));
    run.friction.push_back(embed(gamma*identity, gamma));
    run.design.push_back(vector<double>(identity.data(), identity.data()+d*d));
    run.relaxationRate = gamma;
    run.restartFrozen = restartFrozen;
    Piece all = {0, numBatches, 0, 1};
    return sample(platform, run, numSteps, stage, all, NULL, false, NULL, endPositions);
}

void CoarseGrainer::checkNormality(const ReplicaStatistics& statistics, int group, const string& label,
        vector<pair<string, double> >& diagnostics, vector<string>& problems) const {
    int d = dimensions;
    const char* names = "xyz";
    vector<double> skewness, kurtosis;
    NormalityTests::momentsFromPowerSums(statistics.getPowerSums(group), d, statistics.getGroupCount(group), skewness, kurtosis);
    for (int i = 0; i < d; i++) {
        diagnostics.push_back(make_pair(label+".skewness."+names[i], skewness[i]));
        diagnostics.push_back(make_pair(label+".excessKurtosis."+names[i], kurtosis[i]));
    }
    const vector<double>& stored = statistics.getStoredMomenta(group);
    if ((int) stored.size() >= 20*d) {
        NormalityTests::Result test = NormalityTests::test(stored, d);
        diagnostics.push_back(make_pair(label+".normalitySamples", test.samples));
        for (int i = 0; i < d; i++)
            diagnostics.push_back(make_pair(label+".dagostinoPValue."+names[i], test.dagostinoPValue[i]));
        if (d > 1) {
            diagnostics.push_back(make_pair(label+".mardiaSkewnessPValue", test.mardiaSkewnessPValue));
            diagnostics.push_back(make_pair(label+".mardiaKurtosisPValue", test.mardiaKurtosisPValue));
        }
    }
    for (int i = 0; i < d; i++) {
        if (kurtosis[i] > frozenKurtosis)
            throw OpenMMException("CoarseGrainer: "+label+" froze: the momentum "+string(1, names[i])+" has excess kurtosis "+
                    number(kurtosis[i])+" (Gaussian: 0), so replicas are trapped in micro-wells: the step size is too "
                    "small to turn the small scales into noise. Increase the step size, or decrease the friction.");
        if (fabs(skewness[i]) > maxSkewness || fabs(kurtosis[i]) > maxExcessKurtosis)
            problems.push_back(label+": momentum "+string(1, names[i])+" is not Gaussian (skewness "+number(skewness[i])+
                    ", excess kurtosis "+number(kurtosis[i])+"; tolerance "+number(maxSkewness)+", "+number(maxExcessKurtosis)+")");
    }
}

void CoarseGrainer::checkRunSettings(const string& method) const {
    if (stepSize == 0)
        throw OpenMMException(method+": set the step size first (setStepSize): it selects the scale to learn");
    if (friction == 0)
        throw OpenMMException(method+": the friction is automatic (not set): run() picks it by a pilot run; for the pieces "
                              "of a run, pick it first (choosePilotFriction, then setFriction)");
    if (getNumReplicas() < numBatches)
        throw OpenMMException(method+": "+to_string(getNumReplicas())+" replicas cannot fill "+to_string(numBatches)+
                              " batches: use more replicas (setNumReplicas) or fewer batches (setNumBatches)");
    if (!positions.empty() && (int) positions.size()/dimensions > getNumReplicas())
        throw OpenMMException(method+": setInitialPositions gave "+to_string(positions.size()/dimensions)+
                              " positions for "+to_string(getNumReplicas())+" replicas: give at most one per replica");
    int coarsening = fitter.getGridCoarsening();
    for (int bins : getGridBins())
        if (coarsening > 0 && (bins%coarsening != 0 || bins/coarsening < 4))
            throw OpenMMException(method+": a grid coarsening of "+to_string(coarsening)+" must divide the "+to_string(bins)+
                                  " histogram bins of every dimension and leave at least 4: choose another factor "
                                  "(setGridCoarsening, 0 for automatic) or other bin counts (setGridBins)");
    int stage2Steps = (dimensions == 1 ? numSteps : getNumStage2Steps());
    if (min(numSteps, stage2Steps)/sampleInterval < 2)
        throw OpenMMException(method+": each run needs at least 2 samples: make the steps (setNumSteps, "
                              "setNumStage2Steps) at least twice the sample interval ("+to_string(sampleInterval)+")");
}

void CoarseGrainer::checkBatches(const string& method, int firstBatch, int endBatch) const {
    if (firstBatch < 0 || endBatch <= firstBatch || endBatch > numBatches)
        throw OpenMMException(method+": the batches [firstBatch, endBatch) = ["+to_string(firstBatch)+", "+to_string(endBatch)+
                              ") must satisfy 0 <= firstBatch < endBatch <= getNumBatches() = "+to_string(numBatches));
}

int CoarseGrainer::getNumStage1Groups() const {
    return (dimensions == 1 ? 0 : dimensions*(dimensions+1)/2);
}

CoarseGrainer::Run CoarseGrainer::stage1Run() const {
    // Stage 1: the designs as groups of one Context, Gamma = gamma M (scalar friction factor exp(-gamma h/2)).
    int d = dimensions;
    Run run;
    for (const vector<double>& a : NoiseCovarianceDesigns::designs(d)) {
        Eigen::MatrixXd m = toMatrix(a, d).inverse();
        run.mass.push_back(embed(m, 1.0));
        run.friction.push_back(embed(friction*m, friction));
        run.design.push_back(a);
    }
    run.relaxationRate = friction;
    run.restartFrozen = restartFrozenReplicas;
    return run;
}

CoarseGrainer::Run CoarseGrainer::samplingRun(const vector<double>& noise) const {
    int d = dimensions;
    Run run;
    if (d == 1) {
        // The 1D run: M = m, Gamma = gamma M.
        Eigen::MatrixXd m = Eigen::MatrixXd::Constant(1, 1, mass);
        run.mass.push_back(embed(m, mass));
        run.friction.push_back(embed(friction*m, friction*mass));
        run.design.push_back({1.0/mass});
        run.relaxationRate = friction;
        run.restartFrozen = restartFrozenReplicas;
        return run;
    }
    // Stage 2: M = I, Gamma = D / (2 kT*): fluctuation-dissipation at kT*.
    if ((int) noise.size() != d*d)
        throw OpenMMException("CoarseGrainer: Stage 2 needs the noise covariance D (d x d = "+to_string(d*d)+
                              " values, from estimateNoiseCovariance); got "+to_string(noise.size()));
    Eigen::MatrixXd gamma = toMatrix(noise, d)/(2*targetKT);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(gamma);
    if (!(eigen.eigenvalues().minCoeff() > 1e-12*eigen.eigenvalues().maxCoeff()))
        throw OpenMMException("CoarseGrainer: the estimated noise covariance is singular, so Stage 2 would have no friction "
                              "along some direction: the step size does not turn the small scales into noise in every direction");
    run.mass.push_back(embed(Eigen::MatrixXd::Identity(d, d), 1.0));
    run.friction.push_back(embed(gamma, 1.0));
    Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(d, d);
    run.design.push_back(vector<double>(identity.data(), identity.data()+d*d));
    run.relaxationRate = eigen.eigenvalues().minCoeff();
    run.restartFrozen = restartFrozenReplicas;
    return run;
}

namespace {

// Statistics that are to be fitted must be whole: every batch of every group sampled (a piece missing from a
// merge would otherwise divide by zero, or silently shrink the sample).
void checkWhole(const ReplicaStatistics& statistics, int dimensions, int groups, int batches, const string& what) {
    if (statistics.getDimensions() != dimensions || statistics.getNumGroups() != groups || statistics.getNumBatches() != batches)
        throw OpenMMException("CoarseGrainer: the "+what+" statistics have "+to_string(statistics.getDimensions())+" dimensions, "+
                              to_string(statistics.getNumGroups())+" groups and "+to_string(statistics.getNumBatches())+
                              " batches; these settings need "+to_string(dimensions)+", "+to_string(groups)+" and "+to_string(batches));
    for (int g = 0; g < groups; g++)
        for (int b = 0; b < batches; b++)
            if (statistics.getCount(g, b) == 0)
                throw OpenMMException("CoarseGrainer: the "+what+" statistics have no samples in group "+to_string(g)+", batch "+
                                      to_string(b)+": a piece of the run is missing from the merge");
}

} // namespace

void CoarseGrainer::solveStage1(const ReplicaStatistics& statistics, vector<pair<string, double> >& diagnostics,
        vector<string>& notes, vector<double>& noise, vector<double>& noiseError) const {
    vector<vector<double> > designs = NoiseCovarianceDesigns::designs(dimensions);
    checkWhole(statistics, dimensions, designs.size(), numBatches, "Stage-1");
    double phi = NoiseCovarianceDesigns::samplingBias(friction*stepSize);
    vector<double> b, bError;
    for (int g = 0; g < (int) designs.size(); g++) {
        checkNormality(statistics, g, "stage1.design"+to_string(g), diagnostics, notes);
        double sum = 0, sumSquares = 0;
        for (int k = 0; k < numBatches; k++) {
            double value = 2*friction*statistics.getQuadraticSum(g, k)/statistics.getCount(g, k)/phi;
            sum += value;
            sumSquares += value*value;
        }
        double mean = sum/numBatches;
        b.push_back(mean);
        bError.push_back(sqrt(max(0.0, (sumSquares/numBatches-mean*mean)/(numBatches-1))));
        diagnostics.push_back(make_pair("stage1.design"+to_string(g)+".b", mean));
    }
    NoiseCovarianceDesigns::solve(designs, b, bError, noise, noiseError);
}

ReplicaStatistics CoarseGrainer::runStage1(Platform& platform, int firstBatch, int endBatch, int firstGroup, int endGroup) {
    checkRunSettings("CoarseGrainer.runStage1");
    if (dimensions == 1)
        throw OpenMMException("CoarseGrainer.runStage1: a 1D landscape has no Stage 1: call runSampling with an empty noise");
    checkBatches("CoarseGrainer.runStage1", firstBatch, endBatch);
    if (firstGroup < 0 || endGroup <= firstGroup || endGroup > getNumStage1Groups())
        throw OpenMMException("CoarseGrainer.runStage1: the designs [firstGroup, endGroup) = ["+to_string(firstGroup)+", "+
                              to_string(endGroup)+") must satisfy 0 <= firstGroup < endGroup <= getNumStage1Groups() = "+
                              to_string(getNumStage1Groups()));
    Piece piece = {firstBatch, endBatch, firstGroup, endGroup};
    return sample(platform, stage1Run(), numSteps, "stage 1", piece, NULL, false, NULL);
}

vector<double> CoarseGrainer::estimateNoiseCovariance(const ReplicaStatistics& statistics) const {
    if (dimensions == 1)
        throw OpenMMException("CoarseGrainer.estimateNoiseCovariance: a 1D landscape has no Stage 1 (its D comes from the fit)");
    vector<pair<string, double> > diagnostics;
    vector<string> notes;
    vector<double> noise, noiseError;
    solveStage1(statistics, diagnostics, notes, noise, noiseError);
    samplingRun(noise); // throws if D is singular
    return noise;
}

vector<double> CoarseGrainer::runSamplingRange(Platform& platform, const vector<double>& noise, int firstBatch, int endBatch) {
    checkRunSettings("CoarseGrainer.runSamplingRange");
    checkBatches("CoarseGrainer.runSamplingRange", firstBatch, endBatch);
    if (numEquilibrationSteps == 0)
        throw OpenMMException("CoarseGrainer.runSamplingRange: with no equilibration steps there is no range to find: set the "
                              "histogram box with setGridBox()");
    Piece piece = {firstBatch, endBatch, 0, 1};
    vector<double> range;
    sample(platform, samplingRun(noise), (dimensions == 1 ? numSteps : getNumStage2Steps()),
           (dimensions == 1 ? "sampling" : "stage 2"), piece, NULL, false, &range);
    return range;
}

RegularGrid CoarseGrainer::samplingGrid(const vector<double>& range) const {
    if (!gridLower.empty())
        return RegularGrid(gridLower, gridUpper, getGridBins());
    if (numEquilibrationSteps == 0)
        throw OpenMMException("CoarseGrainer: with no equilibration steps, set the histogram box with setGridBox()");
    int d = dimensions;
    if ((int) range.size() != 2*d)
        throw OpenMMException("CoarseGrainer.samplingGrid: the range needs d lower then d upper bounds (2 d = "+to_string(2*d)+
                              " values, from runSamplingRange); got "+to_string(range.size()));
    vector<double> lower, upper;
    for (int i = 0; i < d; i++) {
        double low = range[i], high = range[d+i];
        if (!isfinite(low) || !isfinite(high) || high < low)
            throw OpenMMException("CoarseGrainer.samplingGrid: the range is empty or not finite in dimension "+to_string(i)+
                                  ": merge runSamplingRange over all batches");
        double margin = 0.15*max(high-low, 1e-6);
        lower.push_back(low-margin);
        upper.push_back(high+margin);
    }
    return RegularGrid(lower, upper, getGridBins());
}

ReplicaStatistics CoarseGrainer::runSampling(Platform& platform, const vector<double>& noise, const RegularGrid& grid,
                                             int firstBatch, int endBatch) {
    checkRunSettings("CoarseGrainer.runSampling");
    checkBatches("CoarseGrainer.runSampling", firstBatch, endBatch);
    if (grid.getDimensions() != dimensions)
        throw OpenMMException("CoarseGrainer.runSampling: the grid has "+to_string(grid.getDimensions())+" dimensions, the "
                              "landscape "+to_string(dimensions)+": use samplingGrid()");
    Piece piece = {firstBatch, endBatch, 0, 1};
    return sample(platform, samplingRun(noise), (dimensions == 1 ? numSteps : getNumStage2Steps()),
                  (dimensions == 1 ? "sampling" : "stage 2"), piece, &grid, false, NULL);
}

EffectivePotential CoarseGrainer::run(Platform& platform) {
    if (stepSize == 0)
        throw OpenMMException("CoarseGrainer.run: set the step size first (setStepSize): it selects the scale to learn");
    // No friction set: a pilot run picks it, and may give the starting positions (usePilotFriction); both are undone
    // afterwards, so that a rerun pilots again.
    struct AutomaticFriction {
        CoarseGrainer& grainer;
        bool automatic;
        ~AutomaticFriction() {
            if (automatic) {
                vector<pair<string, double> > kept = grainer.pilotDiagnostics;
                grainer.setAutomaticFriction();
                grainer.pilotDiagnostics = kept; // they describe the last fit
            }
        }
    } automaticFriction{*this, friction == 0};
    pilotDiagnostics.clear();
    if (automaticFriction.automatic)
        usePilotFriction(platform);
    checkRunSettings("CoarseGrainer.run");
    ReplicaStatistics first;
    vector<double> noise;
    if (dimensions > 1) {
        Piece all = {0, numBatches, 0, getNumStage1Groups()};
        first = sample(platform, stage1Run(), numSteps, "stage 1", all, NULL, false, NULL);
        noise = estimateNoiseCovariance(first);
    }
    // One pass over all batches finds the grid from its own equilibration (runSamplingRange + runSampling split it).
    Piece all = {0, numBatches, 0, 1};
    ReplicaStatistics second = sample(platform, samplingRun(noise), (dimensions == 1 ? numSteps : getNumStage2Steps()),
                                      (dimensions == 1 ? "sampling" : "stage 2"), all, NULL, true, NULL);
    return fit(first, second, platform.getName());
}

EffectivePotential CoarseGrainer::fit(const ReplicaStatistics& stage1, const ReplicaStatistics& sampling, const string& platformName) {
    checkRunSettings("CoarseGrainer.fit");
    int d = dimensions;
    checkWhole(sampling, d, 1, numBatches, "sampling");
    if (!sampling.hasHistogram())
        throw OpenMMException("CoarseGrainer.fit: the sampling statistics keep no histogram: give the ones of runSampling");
    vector<pair<string, double> > diagnostics;
    vector<string> problems, warnings;
    double phi = NoiseCovarianceDesigns::samplingBias(friction*stepSize);
    double kT;
    vector<double> noise, noiseError;
    if (d == 1) {
        checkNormality(sampling, 0, "the 1D run", diagnostics, problems);
        // kT = <p^2>/m; by batch means for its error. D = 2 gamma m kT / phi(gamma h) (the 1D energy balance).
        vector<double> batchKT;
        for (int b = 0; b < numBatches; b++)
            batchKT.push_back(sampling.getQuadraticSum(0, b)/sampling.getCount(0, b));
        double sum = 0, sumSquares = 0;
        for (double x : batchKT) {
            sum += x;
            sumSquares += x*x;
        }
        double kineticKT = sum/numBatches;
        kT = driftKT(sampling, mass);
        diagnostics.push_back(make_pair("kT.kinetic", kineticKT));
        double kTError = sqrt(max(0.0, (sumSquares/numBatches-kineticKT*kineticKT)/(numBatches-1)));
        diagnostics.push_back(make_pair("kT.kinetic.standardError", kTError));
        noise = {2*friction*mass*kineticKT/phi};
        noiseError = {2*friction*mass*kTError/phi};
    }
    else {
        vector<string> stage1Notes; // Stage 1's law is not Gibbs: non-Gaussian momenta are noted, not fatal
        solveStage1(stage1, diagnostics, stage1Notes, noise, noiseError);
        checkNormality(sampling, 0, "stage2", diagnostics, problems);
        for (const string& note : stage1Notes)
            warnings.push_back(note+" (expected in Stage 1 away from quadratic landscapes; not used for the fit)");
        // <p p^T> / kT* should be the identity. The positions see the temperature of the drift momenta
        // (driftKT), which differs from the full-step one by O(h^2); both are reported.
        vector<double> second(d*d, 0.0);
        long long count = sampling.getGroupCount(0);
        for (int k = 0; k < numBatches; k++) {
            vector<double> s = sampling.getSecondMomentSums(0, k);
            for (int i = 0; i < d*d; i++)
                second[i] += s[i];
        }
        double trace = 0;
        const char* names = "xyz";
        for (int i = 0; i < d; i++) {
            trace += second[i*d+i]/count;
            for (int j = 0; j < d; j++)
            {
                double ratio = second[i*d+j]/count/targetKT;
                diagnostics.push_back(make_pair(string("stage2.ppT_over_targetKT.")+names[i]+names[j], ratio));
                if (fabs(ratio-(i == j ? 1.0 : 0.0)) > 0.1)
                    warnings.push_back(string("Stage 2 is not calibrated: <p p^T>/kT* entry ")+names[i]+names[j]+" is "+number(ratio)+
                                       ": the Stage-1 estimate of D is off; run Stage 1 longer or with more replicas");
            }
        }
        diagnostics.push_back(make_pair("kT.kinetic", trace/d));
        kT = driftKT(sampling, 1.0);
    }
    // Replicas captured at rest in micro-wells were restarted and their quiet samples dropped (FrozenReplicaWatch).
    // A few mean the step is near the frozen end of its window; when most samples go, the run froze.
    long long frozenReplicas = sampling.getNumFrozenReplicas()+stage1.getNumFrozenReplicas();
    double discarded = sampling.getNumDiscardedSamples(), recorded = sampling.getGroupCount(0);
    diagnostics.push_back(make_pair("sampling.frozenReplicas", sampling.getNumFrozenReplicas()));
    diagnostics.push_back(make_pair("sampling.discardedFraction", discarded/(discarded+recorded)));
    if (d > 1)
        diagnostics.push_back(make_pair("stage1.frozenReplicas", stage1.getNumFrozenReplicas()));
    if (discarded > recorded)
        throw OpenMMException("CoarseGrainer: the run froze: "+to_string(sampling.getNumFrozenReplicas())+" times a replica "
                "came to rest in a micro-well, and more samples were dropped for it than kept: the step size is too small to "
                "turn the small scales into noise. Increase the step size, or decrease the friction.");
    string frozenWarning;
    if (frozenReplicas > 0 && restartFrozenReplicas)
        frozenWarning = to_string(frozenReplicas)+" times a replica came to rest in a micro-well (kinetic temperature "
                "below 1% of its own for three relaxation times); it was restarted with a thermal velocity and its quiet samples "
                "were dropped. The step is near the frozen end of its window: a slightly larger step avoids this.";
    else if (frozenReplicas > 0)
        frozenWarning = to_string(frozenReplicas)+" replicas came to rest in micro-wells (kinetic temperature below 1% of "
                "their own for three relaxation times) and, with restarts off, were sampled there: each adds a spike to the learned "
                "U. Turn restarts on (setRestartFrozenReplicas) or take a slightly larger step.";
    // A frozen run: the deterministic dynamics settled into micro-wells and the "noise" vanished.
    // (For a user's System the energy of one replica is not separable: only the kurtosis check applies.)
    double spread = (userSystem ? 0.0 : energySpread(energy, initialPositions(numReplicas), d));
    diagnostics.push_back(make_pair("energySpreadAtStart", spread));
    diagnostics.push_back(make_pair("kT.drift", kT));
    // Replicas started at one point (or a user's System) give no spread: compare with kT* then.
    double scale = (spread > 0 ? spread : targetKT);
    if (!(kT > 1e-4*scale))
        throw OpenMMException("CoarseGrainer: the run froze: kT = "+number(kT)+" kJ/mol, against an energy scale of "+
                number(scale)+" kJ/mol (the spread over the starting points, or kT*), so the replicas came to rest in micro-wells: the step "
                "size is too small to turn the small scales into noise. Increase the step size, or decrease the friction.");
    if (!problems.empty() && !allowNonGaussian) {
        string message = "CoarseGrainer: the momenta are not Gaussian, so the sampled law is not the Gibbs-like law the fit "
                         "assumes:";
        for (const string& p : problems)
            message += " "+p+";";
        message += " change the step size (a scale is neither resolved nor turned into noise) or the friction, run longer, "
                   "or call setAllowNonGaussian(true) to fit anyway.";
        throw OpenMMException(message);
    }
    if (progress != NULL)
        progress->report("fit", 0, 1);
    // The learned U may not be sharper than the step resolves (setResolutionLimit; docs/theory.md section 3).
    fitter.setMaxCurvature(resolutionLimit > 0 ? resolutionLimit*(d == 1 ? mass : 1.0)/(stepSize*stepSize) : 0.0);
    // The fitter reports a heartbeat to this run's reporter (a Python one may raise on Ctrl-C: unset it either way).
    struct FitterReporter {
        PotentialFitter& fitter;
        ~FitterReporter() { fitter.setProgressReporter(NULL); }
    } fitterReporter = {fitter};
    fitter.setProgressReporter(progress);
    EffectivePotential potential = fitter.fit(sampling, kT);
    if (progress != NULL)
        progress->report("fit", 1, 1);
    potential.setNoiseCovariance(noise, noiseError);
    for (auto& entry : diagnostics)
        potential.getDiagnostics()[entry.first] = entry.second;
    for (auto& entry : pilotDiagnostics)
        potential.getDiagnostics()[entry.first] = entry.second;
    // The pilot's diagnostics are those of the friction it picked (run() clears them when the friction was set).
    potential.getDiagnostics()["settings.frictionAutomatic"] = (pilotDiagnostics.empty() ? 0 : 1);
    // Does the step resolve what was learned? (docs/theory.md section 3: h^2 lambda_max(M^-1 Hessian) <~ 0.3.)
    double resolution = stepSize*stepSize*potential.getMaxCurvature(3*kT)/(d == 1 ? mass : 1.0);
    potential.getDiagnostics()["resolution.h2LambdaMax"] = resolution;
    if (resolution > 0.3)
        potential.getNotes()["resolutionWarning"] = "the learned U has curvature the step does not resolve (h^2 lambda_max/m = "+
                number(resolution)+" > 0.3): its sharpest features are partly noise at this step; a smaller step learns them, "
                "a larger one smooths them out";
    auto& notes = potential.getNotes();
    auto& numbers = potential.getDiagnostics();
    notes["strategy"] = (d == 1 ? "1D: scalar friction, kT = <p^2>/m" : "Stage 1 (noise covariance) and Stage 2 (calibrated friction)");
    notes["energy"] = (userSystem ? "(a user System; replicas are particles of it)" : energy);
    notes["platform"] = platformName;
    for (size_t i = 0; i < problems.size(); i++)
        notes["normalityWarning"+to_string(i)] = problems[i];
    for (size_t i = 0; i < warnings.size(); i++)
        notes["stage1Note"+to_string(i)] = warnings[i];
    if (!frozenWarning.empty())
        notes["frozenReplicasWarning"] = frozenWarning;
    numbers["settings.dimensions"] = d;
    numbers["settings.stepSize"] = stepSize;
    numbers["settings.friction"] = friction;
    numbers["settings.mass"] = mass;
    numbers["settings.targetKT"] = targetKT;
    numbers["settings.numReplicas"] = getNumReplicas();
    numbers["settings.numSteps"] = numSteps;
    numbers["settings.numStage2Steps"] = (d == 1 ? 0 : getNumStage2Steps());
    numbers["settings.numEquilibrationSteps"] = numEquilibrationSteps;
    numbers["settings.sampleInterval"] = sampleInterval;
    numbers["settings.numBatches"] = numBatches;
    numbers["settings.randomSeed"] = seed;
    numbers["settings.startsFromPilot"] = (startsFromPilot ? 1 : 0);
    numbers["samples"] = sampling.getGroupCount(0);
    numbers["samplingBias.phi"] = phi;
    this->stage1 = stage1;
    this->sampling = sampling;
    return potential;
}
