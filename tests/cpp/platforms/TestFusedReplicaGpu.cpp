// DampedVerletIntegrator's fused replica kernel on the GPU platforms (OpenCL here, PoCL on a CPU-only machine; the
// platform named by EFFPOT_GPU_PLATFORM, e.g. CUDA, where set):
// for replica Systems (one-particle blocks, one ReplicaExpressionForce or ReplicaSplineForce on every particle) the
// common kernel runs many whole steps per launch with the force inlined. Its trajectories must be those of the
// unfused path (two launches around OpenMM's force evaluation), which the same System takes when a second, trivial
// force ("0*x" on one particle) joins the integration groups: in every precision, both splittings, the thermal mode,
// with atoms reordered, with step(1) against step(n) and with a reporting interval (step(7) repeatedly).
#include "TestSupport.h"
#include "EffPotKernels.h"
#include "ReplicaExpressionForce.h"
#include "ReplicaSplineForce.h"
#include "openmm/CustomExternalForce.h"
#include "openmm/NonbondedForce.h"
#include "openmm/OpenMMException.h"
#include <Eigen/Dense>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <sstream>

using namespace EffPot;
using namespace EffPotTest;
using namespace OpenMM;
using namespace std;

namespace {

typedef Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Matrix;

/**
 * The platform under test: OpenCL, or the one named by EFFPOT_GPU_PLATFORM (bench/gpu_check.sh sets CUDA on a
 * machine with a GPU).
 */
string gpuPlatformName() {
    const char* name = getenv("EFFPOT_GPU_PLATFORM");
    return name == NULL || string(name).empty() ? "OpenCL" : string(name);
}

bool gpuPlatformAvailable() {
    try {
        Platform& platform = Platform::getPlatformByName(gpuPlatformName());
        vector<string> kernels = {IntegrateDampedVerletStepKernel::Name(), CalcReplicaExpressionForceKernel::Name()};
#ifdef EFFPOT_CUDA_PLUGIN
        // The tests link the OpenCL kernels; the CUDA ones come from the plugin, loaded where OpenMM's CUDA platform
        // did (it needs a driver).
        if (gpuPlatformName() == "CUDA" && !platform.supportsKernels(kernels))
            Platform::loadPluginLibrary(EFFPOT_CUDA_PLUGIN);
#endif
        return platform.supportsKernels(kernels);
    }
    catch (const OpenMMException&) {
        return false;
    }
}

/** Relative agreement of fused and unfused trajectories over 1000 steps. */
double tolerance(const string& precision) {
    return precision == "double" ? 1e-10 : (precision == "mixed" ? 1e-5 : 1e-4);
}

double relativeDifference(const vector<Vec3>& a, const vector<Vec3>& b) {
    return maxAbsDifference(a, b)/maxAbs(b);
}

// Smooth (round-off does not grow chaotically) with every kind of term, and a global parameter.
const char* Energy = "0.5*(2*x^2+1.2*x*y+y^2+3*z^2) + 0.1*sin(3*x-y) + 0.05*exp(-z^2) + 0.02*cos(2*y) + a*x^4";

struct Table {
    vector<int> nodes;
    vector<double> lower, upper, values, wall;
};

/** A smooth 2D table (values of O(1-10) kJ/mol) with walls. */
Table table2() {
    Table t;
    t.nodes = {15, 12};
    t.lower = {-1.5, -1.2};
    t.upper = {1.5, 1.3};
    t.wall = {50.0, 40.0};
    for (int j = 0; j < t.nodes[1]; j++)
        for (int i = 0; i < t.nodes[0]; i++) {
            double x = t.lower[0]+i*(t.upper[0]-t.lower[0])/(t.nodes[0]-1);
            double y = t.lower[1]+j*(t.upper[1]-t.lower[1])/(t.nodes[1]-1);
            t.values.push_back(2*x*x+0.6*x*y+1.5*y*y+0.3*sin(2*x+y));
        }
    return t;
}

/**
 * A replica System: R one-particle blocks (two parameter sets interleaved, the force's particles in reverse order, so
 * that units, slots and force order all differ), one replica force (expression or spline). `unfused` adds the
 * trivial second force to the integration groups.
 */
struct Replicas {
    int numReplicas = 400;
    bool spline = false, unfused = false, reorder = false;
    double temperature = 0, stepSize = 0.01;
    int splitting = DampedVerletIntegrator::OBABO;
    shared_ptr<System> system;
    vector<Vec3> positions, velocities;
    void build() {
        system.reset(new System());
        int n = numReplicas;
        for (int i = 0; i < n; i++)
            system->addParticle(1.0);
        if (spline) {
            Table t = table2();
            ReplicaSplineForce* force = new ReplicaSplineForce(t.nodes, t.lower, t.upper, t.values, t.wall);
            for (int i = 0; i < n; i++)
                force->addParticle(n-1-i);
            system->addForce(force);
        }
        else {
            ReplicaExpressionForce* force = new ReplicaExpressionForce(Energy);
            force->addGlobalParameter("a", 0.01);
            for (int i = 0; i < n; i++)
                force->addParticle(n-1-i);
            system->addForce(force);
        }
        if (unfused) {
            CustomExternalForce* trivial = new CustomExternalForce("0*x");
            trivial->addParticle(0);
            system->addForce(trivial);
        }
        if (reorder) {
            // A NonbondedForce with a cutoff outside the integration groups: OpenMM reorders atoms (at the first step
            // and every 250 steps) although it never computes it during the steps.
            double box = 6.0;
            system->setDefaultPeriodicBoxVectors(Vec3(box, 0, 0), Vec3(0, box, 0), Vec3(0, 0, box));
            NonbondedForce* nonbonded = new NonbondedForce();
            nonbonded->setNonbondedMethod(NonbondedForce::CutoffPeriodic);
            nonbonded->setCutoffDistance(1.0);
            for (int i = 0; i < n; i++)
                nonbonded->addParticle(0.0, 0.1, 0.0);
            nonbonded->setForceGroup(1);
            system->addForce(nonbonded);
        }
        mt19937 random(n);
        uniform_real_distribution<double> uniform(-1, 1);
        positions.resize(n);
        velocities.resize(n);
        for (int i = 0; i < n; i++) {
            positions[i] = Vec3(uniform(random), uniform(random), 0.5*uniform(random));
            velocities[i] = Vec3(uniform(random), uniform(random), uniform(random));
            if (reorder)
                positions[i] += Vec3(3+2*uniform(random), 3+2*uniform(random), 3+2*uniform(random)); // scattered in the box
        }
    }
    DampedVerletIntegrator* integrator() const {
        DampedVerletIntegrator* integrator = new DampedVerletIntegrator(stepSize);
        vector<double> eye = {1, 0, 0, 0, 1, 0, 0, 0, 1};
        for (int i = 0; i < numReplicas; i++) {
            bool other = (i%3 == 1);
            integrator->addBlock({i}, other ? eye : massMatrix3(), other ? scaled(frictionMatrix3(), 0.5) : scaled(eye, 0.1));
        }
        integrator->setTemperature(temperature);
        integrator->setRandomNumberSeed(17);
        integrator->setSplitting(splitting);
        if (reorder)
            integrator->setIntegrationForceGroups(1<<0);
        return integrator;
    }
};

/** Runs the steps as `chunks` calls of step(); returns the final State and the State after each call. */
State run(Replicas& r, Platform& platform, const map<string, string>& properties, const vector<int>& chunks,
          vector<State>* reports = NULL, double* seconds = NULL) {
    r.build();
    unique_ptr<DampedVerletIntegrator> integrator(r.integrator());
    Context context(*r.system, *integrator, platform, properties);
    context.setPositions(r.positions);
    context.setVelocities(r.velocities);
    auto start = chrono::steady_clock::now();
    for (int steps : chunks) {
        integrator->step(steps);
        if (reports != NULL)
            reports->push_back(context.getState(State::Positions | State::Velocities | State::Energy, false, 1<<0));
    }
    if (seconds != NULL) {
        context.getState(State::Positions);
        *seconds = chrono::duration<double>(chrono::steady_clock::now()-start).count();
    }
    return context.getState(State::Positions | State::Velocities | State::Forces | State::Energy, false, 1<<0);
}

} // namespace

class FusedReplicaGpu : public ::testing::TestWithParam<string> {
protected:
    void SetUp() {
        if (!gpuPlatformAvailable())
            GTEST_SKIP() << "no " << gpuPlatformName() << " platform with effpot's kernels";
    }
    Platform& platform() {
        return Platform::getPlatformByName(gpuPlatformName());
    }
    map<string, string> properties() {
        return {{"Precision", GetParam()}};
    }
    /** Fused and unfused runs of the same replicas: positions, velocities, forces, energies, time and step count. */
    void expectFusedMatchesUnfused(Replicas r, const vector<int>& chunks, double tol, const string& what) {
        Replicas plain = r;
        plain.unfused = true;
        double fusedSeconds, plainSeconds;
        State a = run(r, platform(), properties(), chunks, NULL, &fusedSeconds);
        State b = run(plain, platform(), properties(), chunks, NULL, &plainSeconds);
        double dx = relativeDifference(a.getPositions(), b.getPositions());
        double dv = relativeDifference(a.getVelocities(), b.getVelocities());
        double df = relativeDifference(a.getForces(), b.getForces());
        double de = fabs(a.getPotentialEnergy()-b.getPotentialEnergy())/fabs(b.getPotentialEnergy());
        double dk = fabs(a.getKineticEnergy()-b.getKineticEnergy())/fabs(b.getKineticEnergy());
        int steps = 0;
        for (int s : chunks)
            steps += s;
        cout<<gpuPlatformName()<<" "<<GetParam()<<" "<<what<<", fused vs unfused after "<<steps<<" steps: positions "<<dx<<", velocities "
            <<dv<<", forces "<<df<<", potential energy "<<de<<", kinetic energy "<<dk<<" (relative); "<<fusedSeconds<<" s vs "
            <<plainSeconds<<" s (wall, with kernel compilation and set-up)"<<endl;
        EXPECT_LT(dx, tol) << what;
        EXPECT_LT(dv, tol) << what;
        EXPECT_LT(df, tol) << what;
        EXPECT_LT(de, tol) << what;
        EXPECT_LT(dk, tol) << what;
        EXPECT_EQ(a.getStepCount(), b.getStepCount()) << what;
        EXPECT_EQ(a.getTime(), b.getTime()) << what; // repeated additions of the step size in both
    }
};

TEST_P(FusedReplicaGpu, DeterministicExpressionMatchesUnfused) {
    for (int splitting : {(int) DampedVerletIntegrator::OBABO, (int) DampedVerletIntegrator::BAOAB}) {
        Replicas r;
        r.splitting = splitting;
        expectFusedMatchesUnfused(r, {1000}, tolerance(GetParam()), splitting == DampedVerletIntegrator::OBABO ? "expression OBABO" : "expression BAOAB");
    }
}

TEST_P(FusedReplicaGpu, ThermalExpressionMatchesUnfused) {
    // The same Philox counters (c, c+1 per step) as the unfused kernels: the same noise, so the same trajectory up to
    // rounding (which the noise does not amplify over 200 steps).
    double tol = (GetParam() == "double" ? 1e-9 : (GetParam() == "mixed" ? 1e-5 : 1e-3));
    for (int splitting : {(int) DampedVerletIntegrator::OBABO, (int) DampedVerletIntegrator::BAOAB}) {
        Replicas r;
        r.temperature = 300;
        r.splitting = splitting;
        expectFusedMatchesUnfused(r, {200}, tol, splitting == DampedVerletIntegrator::OBABO ? "thermal OBABO" : "thermal BAOAB");
    }
}

TEST_P(FusedReplicaGpu, SplineMatchesUnfused) {
    for (int splitting : {(int) DampedVerletIntegrator::OBABO, (int) DampedVerletIntegrator::BAOAB})
        for (double temperature : {0.0, 300.0}) {
            Replicas r;
            r.spline = true;
            r.splitting = splitting;
            r.temperature = temperature;
            double tol = (temperature == 0 ? tolerance(GetParam()) : (GetParam() == "double" ? 1e-9 : (GetParam() == "mixed" ? 1e-5 : 1e-3)));
            expectFusedMatchesUnfused(r, {temperature == 0 ? 1000 : 200}, tol, string("spline ")+
                    (splitting == DampedVerletIntegrator::OBABO ? "OBABO" : "BAOAB")+(temperature == 0 ? "" : " thermal"));
        }
}

TEST_P(FusedReplicaGpu, ReorderedAtomsMatchUnfused) {
    // With the NonbondedForce (another group) the steps are fused one at a time (not batched), and OpenMM reorders the
    // atoms between them: the kernel must follow each replica to its new slot.
    Replicas r;
    r.reorder = true;
    r.temperature = 300;
    expectFusedMatchesUnfused(r, {600}, GetParam() == "double" ? 1e-9 : (GetParam() == "mixed" ? 1e-5 : 1e-3), "reordered, thermal");
}

TEST_P(FusedReplicaGpu, StepOneAtATimeMatchesBatches) {
    // step(1) x 300 (one step per launch) against step(300) (launches of up to 256 steps): the same arithmetic. BAOAB
    // thermal too: its whole-step O steps share one Philox call per two steps, and a launch may start at the second.
    const pair<int, double> cases[] = {{DampedVerletIntegrator::OBABO, 0.0}, {DampedVerletIntegrator::OBABO, 300.0},
                                       {DampedVerletIntegrator::BAOAB, 300.0}};
    for (const pair<int, double>& c : cases) {
        const int splitting = c.first;
        const double temperature = c.second;
        Replicas r;
        r.temperature = temperature;
        r.splitting = splitting;
        State batched = run(r, platform(), properties(), {300});
        State single = run(r, platform(), properties(), vector<int>(300, 1));
        double dx = relativeDifference(single.getPositions(), batched.getPositions());
        double dv = relativeDifference(single.getVelocities(), batched.getVelocities());
        cout<<gpuPlatformName()<<" "<<GetParam()<<(temperature == 0 ? "" : " thermal")<<(splitting == 0 ? "" : " BAOAB")
            <<" step(1) x 300 vs step(300): positions "<<dx
            <<", velocities "<<dv<<endl;
        EXPECT_LT(dx, 1e-3*tolerance(GetParam()));
        EXPECT_LT(dv, 1e-3*tolerance(GetParam()));
        EXPECT_EQ(single.getStepCount(), batched.getStepCount());
        EXPECT_EQ(single.getTime(), batched.getTime());
    }
}

TEST_P(FusedReplicaGpu, ReportingIntervalMatchesUnfused) {
    // step(7) repeatedly with a State (positions, velocities, energy) after each call, as a reporter takes them: every
    // report of the fused run is the unfused one's.
    Replicas r;
    r.temperature = 300;
    Replicas plain = r;
    plain.unfused = true;
    vector<int> chunks(60, 7);
    vector<State> fused, unfused;
    run(r, platform(), properties(), chunks, &fused);
    run(plain, platform(), properties(), chunks, &unfused);
    double tol = (GetParam() == "double" ? 1e-9 : (GetParam() == "mixed" ? 1e-5 : 1e-3));
    double worst = 0;
    for (size_t i = 0; i < chunks.size(); i++) {
        worst = max(worst, relativeDifference(fused[i].getPositions(), unfused[i].getPositions()));
        worst = max(worst, relativeDifference(fused[i].getVelocities(), unfused[i].getVelocities()));
        worst = max(worst, fabs(fused[i].getPotentialEnergy()-unfused[i].getPotentialEnergy())/fabs(unfused[i].getPotentialEnergy()));
        EXPECT_EQ(fused[i].getStepCount(), unfused[i].getStepCount());
        EXPECT_EQ(fused[i].getTime(), unfused[i].getTime());
    }
    cout<<gpuPlatformName()<<" "<<GetParam()<<" step(7) x 60 with reports, fused vs unfused: worst relative difference "<<worst<<endl;
    EXPECT_LT(worst, tol);
}

TEST_P(FusedReplicaGpu, ChangesBetweenCallsMatchUnfused) {
    // Between calls: a global parameter (the fused kernel reads the context's current value), a block's friction
    // (new matrices, the kernel rebound to them), the splitting; thermal, so that the noise counters matter too.
    Replicas r, plain;
    r.temperature = 300;
    plain.temperature = 300;
    plain.unfused = true;
    vector<State> states;
    for (Replicas* x : {&r, &plain}) {
        x->build();
        unique_ptr<DampedVerletIntegrator> integrator(x->integrator());
        Context context(*x->system, *integrator, platform(), properties());
        context.setPositions(x->positions);
        context.setVelocities(x->velocities);
        integrator->step(50);
        context.setParameter("a", 0.5);
        integrator->step(50);
        integrator->setBlockParameters(5, massMatrix3(), scaled(frictionMatrix3(), 3.0));
        integrator->step(50);
        integrator->setSplitting(DampedVerletIntegrator::BAOAB);
        integrator->step(50);
        states.push_back(context.getState(State::Positions | State::Velocities));
        EXPECT_EQ(states.back().getStepCount(), 200);
    }
    double dx = relativeDifference(states[0].getPositions(), states[1].getPositions());
    double dv = relativeDifference(states[0].getVelocities(), states[1].getVelocities());
    cout<<gpuPlatformName()<<" "<<GetParam()<<" parameter, friction and splitting changed, fused vs unfused: positions "<<dx
        <<", velocities "<<dv<<endl;
    double tol = (GetParam() == "double" ? 1e-9 : (GetParam() == "mixed" ? 1e-5 : 1e-3));
    EXPECT_LT(dx, tol);
    EXPECT_LT(dv, tol);
}

TEST_P(FusedReplicaGpu, ManyReplicasMatchUnfused) {
    // More replicas than threads in a launch (each thread takes several, in turn), and a count that fills no
    // work-group evenly.
    Replicas r;
    r.numReplicas = 20011;
    r.temperature = 300;
    expectFusedMatchesUnfused(r, {40}, GetParam() == "double" ? 1e-9 : (GetParam() == "mixed" ? 1e-5 : 1e-3), "20011 replicas, thermal");
}

TEST_P(FusedReplicaGpu, CheckpointContinuesBitForBit) {
    // A checkpoint restores positions, velocities and the noise counter; the fused kernel is rebound to the seed.
    Replicas r;
    r.temperature = 300;
    r.build();
    unique_ptr<DampedVerletIntegrator> integrator(r.integrator());
    Context context(*r.system, *integrator, platform(), properties());
    context.setPositions(r.positions);
    context.setVelocities(r.velocities);
    expectCheckpointContinuesBitForBit(context, *integrator);
}

TEST_P(FusedReplicaGpu, ThermalModeGivesCovarianceKTInverseMass) {
    // A force-free replica force ("0"): the O steps are exact Ornstein-Uhlenbeck steps, so from rest the velocities
    // relax to N(0, kT M^-1) (strong friction, 400 steps of 0.02 ps). Whitened velocities w = L^T v (M = L L^T) have
    // Cov(w) = kT I: every entry within 5 standard errors ((1+delta_ij) kT^2 / N).
    const int numReplicas = 4000;
    double kT = BOLTZ*300;
    for (int splitting : {(int) DampedVerletIntegrator::OBABO, (int) DampedVerletIntegrator::BAOAB}) {
        System system;
        ReplicaExpressionForce* force = new ReplicaExpressionForce("0*x");
        DampedVerletIntegrator integrator(0.02);
        for (int i = 0; i < numReplicas; i++) {
            system.addParticle(1.0);
            force->addParticle(i);
            integrator.addBlock({i}, massMatrix3(), scaled(frictionMatrix3(), 5.0));
        }
        system.addForce(force);
        integrator.setTemperature(300);
        integrator.setRandomNumberSeed(7);
        integrator.setSplitting(splitting);
        Context context(system, integrator, platform(), properties());
        context.setPositions(vector<Vec3>(numReplicas));
        integrator.step(400);
        vector<Vec3> v = context.getState(State::Velocities).getVelocities();
        Matrix mass = Matrix::Map(massMatrix3().data(), 3, 3);
        Matrix lowerT = Eigen::LLT<Matrix>(mass).matrixL().transpose();
        Matrix covariance = Matrix::Zero(3, 3);
        for (const Vec3& x : v) {
            Eigen::Vector3d w = lowerT*Eigen::Vector3d(x[0], x[1], x[2]);
            covariance += w*w.transpose();
        }
        covariance /= numReplicas;
        double worst = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                double sigma = kT*sqrt((i == j ? 2.0 : 1.0)/numReplicas);
                double z = (covariance(i, j)-(i == j ? kT : 0.0))/sigma;
                worst = max(worst, fabs(z));
                EXPECT_NEAR(covariance(i, j), i == j ? kT : 0.0, 5*sigma) << "splitting " << splitting << " entry " << i << "," << j;
            }
        cout<<gpuPlatformName()<<" "<<GetParam()<<(splitting == DampedVerletIntegrator::OBABO ? " OBABO" : " BAOAB")
            <<" fused thermal Cov(L^T v): worst entry "<<worst<<" standard errors from kT I"<<endl;
        EXPECT_EQ(context.getState(State::Velocities).getStepCount(), 400);
    }
}

INSTANTIATE_TEST_SUITE_P(Precisions, FusedReplicaGpu, ::testing::Values("single", "mixed", "double"));
