// The sampling loop of every replica run (ReplicaSampler): Contexts on threads, starting and restart velocities,
// equilibration with the visited range, sampling with frozen-replica restarts, statistics merged in a fixed order.
#include "internal/RowMajorMatrix.h"
#include "internal/ReplicaSampler.h"
#include "DampedVerletIntegrator.h"
#include "ReplicaSystem.h"
#include "UnstableRunException.h"
#include "internal/BlockMatrixAlgebra.h"
#include "internal/FrozenReplicaWatch.h"
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
#include <exception>
#include <random>
#include <thread>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

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

// One pass in progress: the numbers it derives from the settings, its Contexts (workers) and its phases, in the
// order ReplicaSampler::sample calls them.
class PassRunner {
public:
    PassRunner(const ReplicaSource& source, const CoarseGrainingSettings& settings, const vector<double>& start,
               Platform& platform, const map<string, string>& properties, ProgressReporter* progress, const SamplingPass& pass);
    // Split the piece over Contexts and set each up, one at a time (OpenMM compiles expressions then).
    void createWorkers(int threads);
    // Equilibrate; over the last fifth, record the range the replicas visit: d lower then d upper bounds.
    vector<double> equilibrate();
    // Sample the momenta (and, with a histogram, positions on `grid` and drift momenta), restarting frozen replicas.
    void sample(const RegularGrid& grid);
    // Where the replicas of each worker's first group ended (R x d).
    vector<double> endPositions() const;
    // The workers' statistics merged in a fixed order: sums are exact up to the order of additions.
    ReplicaStatistics merged() const;
private:
    Vec3 thermalVelocity(int g, const double* z) const;
    Vec3 restartVelocity(int g, int r, int s) const;
    int firstReplicaOfBatch(int b) const {
        return (int) (((long long) b*replicas+numBatches-1)/numBatches);
    }
    void setUp(Worker& w);
    void runPhase(const function<void (Worker&)>& work);
    void sampleChunk(Worker& w, int first, int last);
    void record(Worker& w, int g, int batch, const FrozenReplicaWatch::Sample& sample) const;
    const ReplicaSource& source;
    const CoarseGrainingSettings& settings;
    const vector<double>& start;
    Platform& platform;
    const map<string, string>& properties;
    ProgressReporter* progress;
    const ReplicaRunDesign& run;
    const SamplingPass& pass;
    int d, groups, replicas, numBatches, sampleInterval, seed, numEquilibrationSteps, numSamples;
    double stepSize, targetKT;
    bool histogram;                        // runs with a histogram (or that find its range) record positions too
    int relaxationSamples, maxStored, thin;
    vector<int> batchOf;                   // the batch of each replica
    vector<Eigen::MatrixXd> activeMass;
    vector<vector<double> > thermalFactor; // a velocity at kT* for group g from three standard normals
    vector<Vec3> startVelocity;
    vector<Worker> workers;
};

PassRunner::PassRunner(const ReplicaSource& source, const CoarseGrainingSettings& settings, const vector<double>& start,
                       Platform& platform, const map<string, string>& properties, ProgressReporter* progress,
                       const SamplingPass& pass) :
        source(source), settings(settings), start(start), platform(platform), properties(properties), progress(progress),
        run(*pass.run), pass(pass) {
    d = source.dimensions;
    groups = run.mass.size();
    replicas = source.numReplicas(settings);
    numBatches = settings.numBatches;
    sampleInterval = settings.sampleInterval;
    seed = settings.randomSeed;
    numEquilibrationSteps = settings.numEquilibrationSteps;
    stepSize = settings.stepSize;
    targetKT = settings.targetKT;
    histogram = (pass.mode != SamplingMode::Momenta);
    numSamples = pass.steps/sampleInterval;
    for (int r = 0; r < replicas; r++)
        batchOf.push_back((int) ((long long) r*numBatches/replicas));
    // Thin the stored momenta to about one per relaxation time, and spread them over the run.
    relaxationSamples = (int) ceil(1.0/(run.relaxationRate*stepSize*sampleInterval));
    // Every replica stores at most `perReplica` samples, so that the total never exceeds maxStored: the cap then never
    // truncates, and the stored set is the same however the replicas are split into Contexts or tasks (a cap that
    // cut in insertion order kept different samples per split: P5's p-values moved by up to 0.1 with --checkpoint).
    maxStored = max(5000, replicas);
    int perReplica = max(1, maxStored/replicas);
    int spread = (int) ceil((double) numSamples/perReplica);
    thin = max(1, max(relaxationSamples, spread));
    for (int g = 0; g < groups; g++)
        activeMass.push_back(rowMajorMatrix(run.mass[g], 3).topLeftCorner(d, d));
    for (int g = 0; g < groups; g++)
        thermalFactor.push_back(BlockMatrixAlgebra::thermalVelocityFactor(run.mass[g], targetKT));
    // Starting velocities at kT*, drawn here in one fixed order so that they do not depend on how the replicas are
    // split over Contexts: the scheme is deterministic, and replicas that start at one point with one velocity
    // would follow one trajectory and count as one.
    // A later Stage-1 round (run.stream > 0) draws from streams of its own, so that its trajectories are new ones.
    seed_seq roundSequence{(unsigned) seed, (unsigned) run.stream};
    mt19937_64 random(seed);
    if (run.stream > 0)
        random.seed(roundSequence);
    normal_distribution<double> normal;
    startVelocity.resize(groups*replicas);
    for (int g = 0; g < groups; g++)
        for (int r = 0; r < replicas; r++) {
            double z[3] = {normal(random), normal(random), normal(random)};
            startVelocity[g*replicas+r] = thermalVelocity(g, z);
        }
}

Vec3 PassRunner::thermalVelocity(int g, const double* z) const {
    Vec3 velocity; // inert components stay at rest
    for (int i = 0; i < d; i++)
        for (int j = 0; j < 3; j++)
            velocity[i] += thermalFactor[g][3*i+j]*z[j];
    return velocity;
}

Vec3 PassRunner::restartVelocity(int g, int r, int s) const {
    // A restarted replica gets a thermal velocity at kT* drawn from its own stream (seed, group, replica, sample), so
    // that restarts do not depend on how replicas are split.
    seed_seq sequence{(unsigned) seed, (unsigned) g, (unsigned) r, (unsigned) s};
    seed_seq roundSequence{(unsigned) seed, (unsigned) g, (unsigned) r, (unsigned) s, (unsigned) run.stream};
    mt19937_64 stream(sequence);
    if (run.stream > 0)
        stream.seed(roundSequence);
    normal_distribution<double> gaussian;
    double z[3] = {gaussian(stream), gaussian(stream), gaussian(stream)};
    return thermalVelocity(g, z);
}

void PassRunner::createWorkers(int threads) {
    // Our replica Systems split the piece's replicas over Contexts run on parallel threads (replicas are
    // independent, so the trajectories are the same however they are split); a user's System holds its replicas
    // once, so each group runs in a Context of its own, one after the other, stepping every replica and recording
    // the piece's.
    const ReplicaPiece& piece = pass.piece;
    int pieceBatches = piece.endBatch-piece.firstBatch;
    int pieceReplicas = firstReplicaOfBatch(piece.endBatch)-firstReplicaOfBatch(piece.firstBatch);
    if (source.userSystem) {
        for (int g = piece.firstGroup; g < piece.endGroup; g++) {
            workers.emplace_back();
            Worker& w = workers.back();
            w.firstGroup = g;
            w.endGroup = g+1;
            w.firstReplica = firstReplicaOfBatch(piece.firstBatch);
            w.endReplica = firstReplicaOfBatch(piece.endBatch);
            w.userParticles = &source.replicaParticles;
        }
    }
    else {
        // Split at batch boundaries, so that every batch's sums are accumulated by one Context in one order: the
        // results are then bitwise the same for any number of threads or pieces (deterministic chaos would
        // amplify a different rounding of D into different Stage-2 trajectories).
        int parts = max(1, min(threads, min(pieceBatches, pieceReplicas/8)));
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
    for (Worker& w : workers)
        setUp(w);
}

void PassRunner::setUp(Worker& w) {
    const shared_ptr<System>& userSystem = source.userSystem;
    int count = w.endReplica-w.firstReplica;
    w.system.reset(userSystem ? XmlSerializer::clone<System>(*userSystem)
                              : ReplicaSystem::create(source.energy, d, (w.endGroup-w.firstGroup)*count,
                                    settings.useCustomExternalForce ? ReplicaSystem::CustomExternal : ReplicaSystem::ReplicaExpression));
    w.integrator.reset(new DampedVerletIntegrator(stepSize));
    w.integrator->setRandomNumberSeed(seed);
    w.integrator->setDefaultFriction(settings.friction); // particles of a user's System that are not replicas
    for (int g = w.firstGroup; g < w.endGroup; g++)
        for (int r = (userSystem ? 0 : w.firstReplica); r < (userSystem ? replicas : w.endReplica); r++)
            w.integrator->addBlock({w.particleOf(g, r)}, run.mass[g], run.friction[g]);
    w.context.reset(new Context(*w.system, *w.integrator, platform, properties));
    int numParticles = w.system->getNumParticles();
    vector<Vec3> positions(numParticles), velocities(numParticles);
    const vector<double>& systemPositions = source.systemPositions;
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
}

void PassRunner::runPhase(const function<void (Worker&)>& work) {
    // Only the stepping runs in parallel, and only for our replica Systems (a user's runs group after group).
    if (!source.userSystem)
        forEachWorker(workers, work);
    else
        for (Worker& w : workers)
            work(w);
}

vector<double> PassRunner::equilibrate() {
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
            progress->report(pass.stage+" (equilibration)", done, numEquilibrationSteps);
    }
    // The range this pass's replicas visited: min and max are exact, so the union over pieces is the whole run's.
    vector<double> visited(2*d);
    for (int i = 0; i < d; i++) {
        visited[i] = INFINITY;
        visited[d+i] = -INFINITY;
        for (Worker& w : workers) {
            visited[i] = min(visited[i], w.low[i]);
            visited[d+i] = max(visited[d+i], w.high[i]);
        }
    }
    return visited;
}

void PassRunner::record(Worker& w, int g, int batch, const FrozenReplicaWatch::Sample& sample) const {
    w.statistics->addMomentum(g, batch, sample.p, run.design[g].data());
    if (sample.store)
        w.statistics->storeMomentum(g, sample.p);
    if (histogram) {
        w.statistics->addPosition(batch, sample.q);
        w.statistics->addDriftMomentum(g, batch, sample.drift);
    }
}

void PassRunner::sample(const RegularGrid& grid) {
    // Frozen replicas (FrozenReplicaWatch): kinetic temperature below 1% of the replica's own (starting at kT*) for
    // three relaxation times, but at least 30 samples; a restarted one settles for one relaxation time before it is
    // sampled again. The temperature scale follows about ten relaxation times.
    int watchWindow = max(30, 3*relaxationSamples), settle = relaxationSamples, memory = max(30, 10*relaxationSamples);
    for (Worker& w : workers) {
        w.statistics.reset(new ReplicaStatistics(d, groups, numBatches, grid, maxStored));
        w.watch.reset(new FrozenReplicaWatch((w.endGroup-w.firstGroup)*(w.endReplica-w.firstReplica), targetKT, 0.01,
                                             watchWindow, settle, memory, run.restartFrozen));
    }
    int largestSampleChunk = max(1, numSamples/50), samplesPerChunk = 1;
    for (int first = 0; first < numSamples; ) {
        int last = min(numSamples, first+samplesPerChunk);
        auto started = chrono::steady_clock::now();
        runPhase([&](Worker& w) { sampleChunk(w, first, last); });
        first = last;
        samplesPerChunk = nextChunk(samplesPerChunk, chrono::duration<double>(chrono::steady_clock::now()-started).count(), 1,
                                    largestSampleChunk);
        if (progress != NULL)
            progress->report(pass.stage, (long long) last*sampleInterval, (long long) numSamples*sampleInterval);
    }
    for (Worker& w : workers)
        w.statistics->addFrozen(w.watch->getNumFrozen(), w.watch->getNumDiscarded());
}

void PassRunner::sampleChunk(Worker& w, int first, int last) {
    FrozenReplicaWatch::Sample sample;
    vector<FrozenReplicaWatch::Sample> ready;
    vector<pair<int, int> > restarts;
    int count = w.endReplica-w.firstReplica;
    const double inverseD = 1.0/d;
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
                int particle = w.particleOf(g, r), batch = batchOf[r];
                const Vec3& vp = v[particle];
                const Vec3& xp = x[particle];
                // p = M v in locals: accumulated in sample.p, every addition went through memory (the compiler
                // cannot rule out that m's storage aliases it). Same order, same sums. The kinetic temperature
                // p.v / d is multiplied by 1/d rather than divided (divisions were a tenth of a Stage-1 run): only
                // the frozen-replica watch reads it, against thresholds, so its last bit decides nothing.
                double temperature = 0;
                for (int i = 0; i < d; i++) {
                    double pi = 0;
                    for (int j = 0; j < d; j++)
                        pi += m(i, j)*vp[j];
                    sample.p[i] = pi;
                    sample.q[i] = xp[i];
                    temperature += pi*vp[i];
                }
                temperature *= inverseD;
                if (!isfinite(sample.p[0]) || !isfinite(sample.q[0]))
                    throw UnstableRunException("CoarseGrainer: the run exploded (positions or momenta are not finite): "
                                               "the step size is too large for the coarse scale; reduce it", stepSize,
                                               (numEquilibrationSteps+(s+1.0)*sampleInterval)*stepSize);
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
}

vector<double> PassRunner::endPositions() const {
    vector<double> positions(replicas*d, 0.0);
    for (const Worker& w : workers) {
        vector<Vec3> x = w.context->getState(State::Positions).getPositions();
        for (int r = w.firstReplica; r < w.endReplica; r++)
            for (int i = 0; i < d; i++)
                positions[r*d+i] = x[w.particleOf(w.firstGroup, r)][i];
    }
    return positions;
}

ReplicaStatistics PassRunner::merged() const {
    ReplicaStatistics result = *workers[0].statistics;
    for (size_t k = 1; k < workers.size(); k++)
        result.merge(*workers[k].statistics);
    return result;
}

} // namespace

ReplicaSampler::ReplicaSampler(const ReplicaSource& source, const CoarseGrainingSettings& settings, const vector<double>& start,
                               Platform& platform, const map<string, string>& properties, ProgressReporter* progress) :
        source(source), settings(settings), start(start), platform(platform), properties(properties), progress(progress) {
}

int ReplicaSampler::threadsFor(const CoarseGrainingSettings& settings) {
    if (settings.numThreads > 0)
        return settings.numThreads;
    return max(1, min(4, (int) thread::hardware_concurrency()));
}

SamplingResult ReplicaSampler::sample(const SamplingPass& pass) const {
    PassRunner runner(source, settings, start, platform, properties, progress, pass);
    runner.createWorkers(threadsFor(settings));
    vector<double> visited = runner.equilibrate();
    int d = source.dimensions;
    // Positions that became NaN or infinite leave no finite range: the run exploded during equilibration (the same
    // message as an explosion while sampling; samplingGrid would only see an empty range).
    bool findsRange = (pass.mode == SamplingMode::Range || pass.mode == SamplingMode::HistogramOnOwnGrid);
    if (findsRange && settings.numEquilibrationSteps > 0)
        for (int i = 0; i < d; i++)
            if (!isfinite(visited[i]) || !isfinite(visited[d+i]))
                throw UnstableRunException("CoarseGrainer: the run exploded (positions are not finite after equilibration): "
                                           "the step size is too large for the coarse scale; reduce it", settings.stepSize,
                                           settings.numEquilibrationSteps*settings.stepSize);
    SamplingResult result;
    if (pass.mode == SamplingMode::Range) {
        result.range = visited;
        return result;
    }
    RegularGrid grid;
    if (pass.mode == SamplingMode::HistogramOnGrid)
        grid = *pass.grid;
    else if (pass.mode == SamplingMode::HistogramOnOwnGrid)
        grid = pass.gridOfRange(visited);
    runner.sample(grid);
    if (pass.wantEndPositions && !source.userSystem)
        result.endPositions = runner.endPositions();
    result.statistics = runner.merged();
    return result;
}
