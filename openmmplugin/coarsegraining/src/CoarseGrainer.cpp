// The coarse-graining driver (docs/theory.md sections 3-6): its settings, and the pipeline's pieces and their
// composition run(). The work is elsewhere: ReplicaSampler runs the replicas, RunDesigns sets each run's matrices,
// Stage1Estimate solves for D, SamplingChecks guards the fit (CoarseGrainerFit.cpp), the pilot picks the friction
// (CoarseGrainerPilot.cpp).
#include "CoarseGrainer.h"
#include "CoarseGrainingPlan.h"
#include "ReplicaSystem.h"
#include "internal/RunDesigns.h"
#include "internal/Stage1Estimate.h"
#include "openmm/OpenMMException.h"
#include "openmm/Platform.h"
#include "openmm/System.h"
#include "openmm/serialization/XmlSerializer.h"
#include <cmath>
#include <random>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

CoarseGrainer::CoarseGrainer(const string& energy, int dimensions) : startsFromPilot(false), progressPass(0), progress(NULL) {
    ReplicaSystem::validateEnergy(energy, dimensions, "CoarseGrainer");
    source.energy = energy;
    source.dimensions = dimensions;
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
    source.dimensions = dimensions;
    source.energy = "";
    source.userSystem.reset(XmlSerializer::clone<System>(system));
    source.replicaParticles = particles;
}

template <class Change>
void CoarseGrainer::update(const char* field, const string& caller, Change change) {
    CoarseGrainingSettings changed = settings;
    change(changed);
    changed.check(source.dimensions, caller, field);
    settings = changed;
}

void CoarseGrainer::setSettings(const CoarseGrainingSettings& value) {
    value.check(source.dimensions, "CoarseGrainer.setSettings");
    if (value.friction != settings.friction)
        pilotDiagnostics.clear(); // a friction set by hand: no pilot chose it
    settings = value;
    startsFromPilot = false; // the value's starts are the caller's
    fitter.setRandomSeed(settings.randomSeed);
}

void CoarseGrainer::setSystemPositions(const vector<double>& positions) {
    if (!source.userSystem)
        throw OpenMMException("CoarseGrainer.setSystemPositions: only for a CoarseGrainer built from a System");
    if ((int) positions.size() != 3*source.userSystem->getNumParticles())
        throw OpenMMException("CoarseGrainer.setSystemPositions: give N x 3 positions, N = "+
                              to_string(source.userSystem->getNumParticles()));
    source.systemPositions = positions;
}

void CoarseGrainer::setStepSize(double h) {
    update("stepSize", "CoarseGrainer.setStepSize", [&](CoarseGrainingSettings& s) { s.stepSize = h; });
}

void CoarseGrainer::setResolutionLimit(double limit) {
    update("resolutionLimit", "CoarseGrainer.setResolutionLimit", [&](CoarseGrainingSettings& s) { s.resolutionLimit = limit; });
}

void CoarseGrainer::setFriction(double gamma) {
    update("friction", "CoarseGrainer.setFriction", [&](CoarseGrainingSettings& s) { s.friction = gamma; });
    pilotDiagnostics.clear(); // a friction set by hand: no pilot chose it
}

void CoarseGrainer::setMass(double m) {
    update("mass", "CoarseGrainer.setMass", [&](CoarseGrainingSettings& s) { s.mass = m; });
}

void CoarseGrainer::setNumReplicas(int count) {
    if (source.userSystem)
        throw OpenMMException("CoarseGrainer.setNumReplicas: the replicas are the particles given with the System");
    update("numReplicas", "CoarseGrainer.setNumReplicas", [&](CoarseGrainingSettings& s) { s.numReplicas = count; });
    forgetPilotStarts(); // they were one per replica of the earlier count
}

void CoarseGrainer::forgetPilotStarts() {
    if (startsFromPilot)
        settings.initialPositions.clear();
    startsFromPilot = false;
}

void CoarseGrainer::setNumSteps(int steps) {
    update("numSteps", "CoarseGrainer.setNumSteps", [&](CoarseGrainingSettings& s) { s.numSteps = steps; });
}

void CoarseGrainer::setStage1Precision(double tolerance, int maxRounds) {
    update("stage1Tolerance", "CoarseGrainer.setStage1Precision", [&](CoarseGrainingSettings& s) { s.stage1Tolerance = tolerance; });
    update("maxStage1Rounds", "CoarseGrainer.setStage1Precision", [&](CoarseGrainingSettings& s) { s.maxStage1Rounds = maxRounds; });
}

void CoarseGrainer::setStage2Refinements(int passes) {
    update("stage2Refinements", "CoarseGrainer.setStage2Refinements", [&](CoarseGrainingSettings& s) { s.stage2Refinements = passes; });
}

void CoarseGrainer::setNumStage2Steps(int steps) {
    update("numStage2Steps", "CoarseGrainer.setNumStage2Steps", [&](CoarseGrainingSettings& s) { s.numStage2Steps = steps; });
}

void CoarseGrainer::setNumEquilibrationSteps(int steps) {
    update("numEquilibrationSteps", "CoarseGrainer.setNumEquilibrationSteps",
           [&](CoarseGrainingSettings& s) { s.numEquilibrationSteps = steps; });
}

void CoarseGrainer::setSampleInterval(int steps) {
    update("sampleInterval", "CoarseGrainer.setSampleInterval", [&](CoarseGrainingSettings& s) { s.sampleInterval = steps; });
}

void CoarseGrainer::setTargetKT(double kT) {
    update("targetKT", "CoarseGrainer.setTargetKT", [&](CoarseGrainingSettings& s) { s.targetKT = kT; });
}

void CoarseGrainer::setInitialPositions(const vector<double>& values) {
    update("initialPositions", "CoarseGrainer.setInitialPositions", [&](CoarseGrainingSettings& s) { s.initialPositions = values; });
    startsFromPilot = false; // given starts: never replaced, nor cleared by setAutomaticFriction
}

void CoarseGrainer::setInitialBox(const vector<double>& lower, const vector<double>& upper) {
    update("initialBox", "CoarseGrainer.setInitialBox", [&](CoarseGrainingSettings& s) {
        s.initialBoxLower = lower;
        s.initialBoxUpper = upper;
    });
    forgetPilotStarts(); // a given box takes over from the pilot's starts
}

void CoarseGrainer::setGridBins(const vector<int>& bins) {
    update("gridBins", "CoarseGrainer.setGridBins", [&](CoarseGrainingSettings& s) { s.gridBins = bins; });
}

vector<int> CoarseGrainer::getGridBins() const {
    return settings.gridBinsFor(source.dimensions);
}

void CoarseGrainer::setGridBox(const vector<double>& lower, const vector<double>& upper) {
    update("gridBox", "CoarseGrainer.setGridBox", [&](CoarseGrainingSettings& s) {
        s.gridBoxLower = lower;
        s.gridBoxUpper = upper;
    });
}

void CoarseGrainer::setNumBatches(int count) {
    update("numBatches", "CoarseGrainer.setNumBatches", [&](CoarseGrainingSettings& s) { s.numBatches = count; });
}

void CoarseGrainer::setRandomSeed(int value) {
    settings.randomSeed = value;
    fitter.setRandomSeed(value);
}

void CoarseGrainer::setNumThreads(int count) {
    update("numThreads", "CoarseGrainer.setNumThreads", [&](CoarseGrainingSettings& s) { s.numThreads = count; });
}

int CoarseGrainer::getNumThreads() const {
    return ReplicaSampler::threadsFor(settings);
}

void CoarseGrainer::setNormalityTolerance(double skewness, double excessKurtosis) {
    update("normalityTolerance", "CoarseGrainer.setNormalityTolerance", [&](CoarseGrainingSettings& s) {
        s.maxSkewness = skewness;
        s.maxExcessKurtosis = excessKurtosis;
    });
}

void CoarseGrainer::setAllowNonGaussian(bool allow) {
    settings.allowNonGaussian = allow;
}

vector<double> CoarseGrainer::initialPositions(int count) const {
    int d = source.dimensions;
    const vector<double>& positions = settings.initialPositions;
    vector<double> result(count*d);
    if (!positions.empty()) {
        int given = positions.size()/d;
        for (int r = 0; r < count; r++)
            for (int i = 0; i < d; i++)
                result[r*d+i] = positions[(r%given)*d+i];
        return result;
    }
    mt19937 random(settings.randomSeed);
    const vector<double>& lower = settings.initialBoxLower;
    const vector<double>& upper = settings.initialBoxUpper;
    for (int r = 0; r < count; r++)
        for (int i = 0; i < d; i++) {
            double lo = (lower.empty() ? -1.0 : lower[i]), hi = (upper.empty() ? 1.0 : upper[i]);
            result[r*d+i] = uniform_real_distribution<double>(lo, hi)(random);
        }
    return result;
}

SamplingResult CoarseGrainer::sample(Platform& platform, const SamplingPass& pass) {
    vector<double> start = initialPositions(getNumReplicas());
    ReplicaSampler sampler(source, settings, start, platform, platformProperties, progress);
    return sampler.sample(pass);
}

SamplingPass CoarseGrainer::samplingPass(const ReplicaRunDesign& run, const ReplicaPiece& piece, SamplingMode mode,
                                         const RegularGrid* grid) const {
    SamplingPass pass;
    pass.run = &run;
    pass.steps = (source.dimensions == 1 ? settings.numSteps : settings.stage2Steps());
    pass.stage = (source.dimensions == 1 ? "sampling" : "stage 2");
    if (progressPass > 0)
        pass.stage += ", pass "+to_string(progressPass+1);  // with an executor, pipeline.py labels it "sampling, pass N (tasks)"
    pass.piece = piece;
    pass.mode = mode;
    pass.grid = grid;
    pass.gridOfRange = [this](const vector<double>& range) { return samplingGrid(range); };
    return pass;
}

ReplicaStatistics CoarseGrainer::sampleIsotropic(Platform& platform, double gamma) {
    // The scan measures freezing: frozen replicas are counted, not restarted.
    return sampleIsotropic(platform, gamma, false, "scan", false).statistics;
}

SamplingResult CoarseGrainer::sampleIsotropic(Platform& platform, double gamma, bool restartFrozen, const string& stage,
                                              bool wantEndPositions) {
    if (settings.stepSize == 0)
        throw OpenMMException("CoarseGrainer.sampleIsotropic: set the step size first (setStepSize)");
    if (!(gamma > 0))
        throw OpenMMException("CoarseGrainer.sampleIsotropic: gamma must be positive (1/ps)");
    checkMass("CoarseGrainer.sampleIsotropic");
    ReplicaRunDesign run = RunDesigns::isotropic(source.dimensions, gamma, restartFrozen, settings.mass);
    SamplingPass pass;
    pass.run = &run;
    pass.steps = settings.numSteps;
    pass.stage = stage;
    pass.piece = {0, settings.numBatches, 0, 1};
    pass.wantEndPositions = wantEndPositions;
    return sample(platform, pass);
}

void CoarseGrainer::checkMass(const string& method) const {
    // A user's System in 1D: its replicas run with the 1D run's mass, which must then be theirs (it sets the
    // pilot's friction and the kT read off the momenta).
    if (source.dimensions == 1 && source.userSystem)
        for (int p : source.replicaParticles) {
            double mass = source.userSystem->getParticleMass(p);
            if (fabs(mass-settings.mass) > 1e-12*mass)
                throw OpenMMException(method+": replica particle "+to_string(p)+" has mass "+to_string(mass)+" Da in the "
                                      "System, but the 1D run's mass is "+to_string(settings.mass)+" Da: call setMass("+
                                      to_string(mass)+") (all replicas need the same mass)");
        }
}

void CoarseGrainer::checkRunSettings(const string& method) const {
    int dimensions = source.dimensions;
    checkMass(method);
    if (settings.stepSize == 0)
        throw OpenMMException(method+": set the step size first (setStepSize): it selects the scale to learn");
    if (settings.friction == 0)
        throw OpenMMException(method+": the friction is automatic (not set): run() picks it by a pilot run; for the pieces "
                              "of a run, pick it first (choosePilotFriction, then setFriction)");
    if (getNumReplicas() < settings.numBatches)
        throw OpenMMException(method+": "+to_string(getNumReplicas())+" replicas cannot fill "+to_string(settings.numBatches)+
                              " batches: use more replicas (setNumReplicas) or fewer batches (setNumBatches)");
    const vector<double>& positions = settings.initialPositions;
    if (!positions.empty() && (int) positions.size()/dimensions > getNumReplicas())
        throw OpenMMException(method+": setInitialPositions gave "+to_string(positions.size()/dimensions)+
                              " positions for "+to_string(getNumReplicas())+" replicas: give at most one per replica");
    int coarsening = fitter.getGridCoarsening();
    for (int bins : getGridBins())
        if (coarsening > 0 && (bins%coarsening != 0 || bins/coarsening < 4))
            throw OpenMMException(method+": a grid coarsening of "+to_string(coarsening)+" must divide the "+to_string(bins)+
                                  " histogram bins of every dimension and leave at least 4: choose another factor "
                                  "(setGridCoarsening, 0 for automatic) or other bin counts (setGridBins)");
    int stage2Steps = (dimensions == 1 ? settings.numSteps : getNumStage2Steps());
    if (min(settings.numSteps, stage2Steps)/settings.sampleInterval < 2)
        throw OpenMMException(method+": each run needs at least 2 samples: make the steps (setNumSteps, "
                              "setNumStage2Steps) at least twice the sample interval ("+to_string(settings.sampleInterval)+")");
}

void CoarseGrainer::checkBatches(const string& method, int firstBatch, int endBatch) const {
    int numBatches = settings.numBatches;
    if (firstBatch < 0 || endBatch <= firstBatch || endBatch > numBatches)
        throw OpenMMException(method+": the batches [firstBatch, endBatch) = ["+to_string(firstBatch)+", "+to_string(endBatch)+
                              ") must satisfy 0 <= firstBatch < endBatch <= getNumBatches() = "+to_string(numBatches));
}

int CoarseGrainer::getNumStage1Groups() const {
    int d = source.dimensions;
    return (d == 1 ? 0 : d*(d+1)/2);
}

ReplicaStatistics CoarseGrainer::runStage1(Platform& platform, int firstBatch, int endBatch, int firstGroup, int endGroup) {
    return runStage1(platform, firstBatch, endBatch, firstGroup, endGroup, vector<double>(), 0);
}

ReplicaStatistics CoarseGrainer::runStage1(Platform& platform, int firstBatch, int endBatch, int firstGroup, int endGroup,
                                           const vector<double>& frame, int round) {
    checkRunSettings("CoarseGrainer.runStage1");
    if (source.dimensions == 1)
        throw OpenMMException("CoarseGrainer.runStage1: a 1D landscape has no Stage 1: call runSampling with an empty noise");
    checkBatches("CoarseGrainer.runStage1", firstBatch, endBatch);
    if (firstGroup < 0 || endGroup <= firstGroup || endGroup > getNumStage1Groups())
        throw OpenMMException("CoarseGrainer.runStage1: the designs [firstGroup, endGroup) = ["+to_string(firstGroup)+", "+
                              to_string(endGroup)+") must satisfy 0 <= firstGroup < endGroup <= getNumStage1Groups() = "+
                              to_string(getNumStage1Groups()));
    if (round < 0 || round >= settings.maxStage1Rounds)
        throw OpenMMException("CoarseGrainer.runStage1: round "+to_string(round)+" is not in [0, maxStage1Rounds = "+
                              to_string(settings.maxStage1Rounds)+")");
    int d = source.dimensions;
    if (!frame.empty() && (int) frame.size() != d*d)
        throw OpenMMException("CoarseGrainer.runStage1: the frame must be d x d = "+to_string(d*d)+" values (or empty: the "
                              "first round's designs); got "+to_string(frame.size()));
    ReplicaRunDesign run = RunDesigns::stage1(d, settings, frame, round);
    SamplingPass pass;
    pass.run = &run;
    pass.steps = settings.numSteps;
    pass.stage = (round == 0 ? "stage 1" : "stage 1, round "+to_string(round+1));
    pass.piece = {firstBatch, endBatch, firstGroup, endGroup};
    return sample(platform, pass).statistics;
}

vector<double> CoarseGrainer::estimateNoiseCovariance(const ReplicaStatistics& statistics) const {
    if (source.dimensions == 1)
        throw OpenMMException("CoarseGrainer.estimateNoiseCovariance: a 1D landscape has no Stage 1 (its D comes from the fit)");
    Stage1Estimate estimate = Stage1Estimate::solve(statistics, source.dimensions, settings);
    estimate.requirePositiveDefinite();
    RunDesigns::sampling(source.dimensions, settings, estimate.noise); // throws if D is singular
    return estimate.noise;
}

vector<double> CoarseGrainer::runSamplingRange(Platform& platform, const vector<double>& noise, int firstBatch, int endBatch) {
    checkRunSettings("CoarseGrainer.runSamplingRange");
    checkBatches("CoarseGrainer.runSamplingRange", firstBatch, endBatch);
    if (settings.numEquilibrationSteps == 0)
        throw OpenMMException("CoarseGrainer.runSamplingRange: with no equilibration steps there is no range to find: set the "
                              "histogram box with setGridBox()");
    ReplicaRunDesign run = RunDesigns::sampling(source.dimensions, settings, noise);
    return sample(platform, samplingPass(run, {firstBatch, endBatch, 0, 1}, SamplingMode::Range, NULL)).range;
}

RegularGrid CoarseGrainer::samplingGrid(const vector<double>& range) const {
    if (!settings.gridBoxLower.empty())
        return RegularGrid(settings.gridBoxLower, settings.gridBoxUpper, getGridBins());
    if (settings.numEquilibrationSteps == 0)
        throw OpenMMException("CoarseGrainer: with no equilibration steps, set the histogram box with setGridBox()");
    int d = source.dimensions;
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
    if (grid.getDimensions() != source.dimensions)
        throw OpenMMException("CoarseGrainer.runSampling: the grid has "+to_string(grid.getDimensions())+" dimensions, the "
                              "landscape "+to_string(source.dimensions)+": use samplingGrid()");
    ReplicaRunDesign run = RunDesigns::sampling(source.dimensions, settings, noise);
    return sample(platform, samplingPass(run, {firstBatch, endBatch, 0, 1}, SamplingMode::HistogramOnGrid, &grid)).statistics;
}

EffectivePotential CoarseGrainer::run(Platform& platform) {
    // The one walk of the pipeline (CoarseGrainingPlan), here with one piece per stage over every batch; the
    // sampler splits each piece over threads.
    CoarseGrainingPlan plan(*this, platform, 0, "CoarseGrainer.run");
    while (plan.getStage() != CoarseGrainingPlan::Fit)
        plan.runStage(platform);
    return plan.fit(platform.getName());
}
