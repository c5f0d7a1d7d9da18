// DampedVerletIntegrator's fused replica step (FusedReplicaStepper) against the unfused path: the same System with
// a CustomExternalForce (never fused) must follow the same trajectory to round-off, in every mode and layout.
#include "TestSupport.h"
#include "ReplicaExpressionForce.h"
#include "openmm/OpenMMException.h"
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <random>

using namespace EffPot;
using namespace EffPotTest;
using namespace OpenMM;
using namespace std;

namespace {

// Smooth (so that round-off does not grow chaotically over a few steps) but with every kind of term.
const char* Energy = "0.5*(2*x^2+1.2*x*y+y^2) + 0.1*sin(3*x-y) + 0.05*exp(-z^2) + 0.02*cos(2*y)";

struct Layout {
    string name;
    int numReplicas;
    bool reversed;        // force particles in reverse order (non-contiguous gathers)
    bool mixedMatrices;   // two parameter sets interleaved (non-uniform blocks)
    bool thermal;         // noise in every block
    bool frictionless = false;  // no friction: the Hamiltonian case (the fused step's kickDrift lanes)
    bool explicitNoise = false; // the mixed sets' other blocks with an explicit noise covariance, the rest quiet
                                // (temperature 0): blocks that mix noisy and quiet sets
    int splitting = DampedVerletIntegrator::OBABO;
};

void build(const Layout& layout, bool custom, System& system, DampedVerletIntegrator& integrator) {
    int n = layout.numReplicas;
    for (int i = 0; i < n; i++)
        system.addParticle(1.0);
    if (custom) {
        CustomExternalForce* force = new CustomExternalForce(Energy);
        for (int i = 0; i < n; i++)
            force->addParticle(layout.reversed ? n-1-i : i);
        system.addForce(force);
    }
    else {
        ReplicaExpressionForce* force = new ReplicaExpressionForce(Energy);
        for (int i = 0; i < n; i++)
            force->addParticle(layout.reversed ? n-1-i : i);
        system.addForce(force);
    }
    vector<double> eye = {1, 0, 0, 0, 1, 0, 0, 0, 1}, zero(9, 0.0);
    for (int i = 0; i < n; i++) {
        bool other = layout.mixedMatrices && (i%3 == 1);
        vector<double> friction = (other ? frictionMatrix3() : eye);
        int block = integrator.addBlock({i}, other ? eye : massMatrix3(), layout.frictionless ? zero : friction);
        if (other && layout.explicitNoise)
            integrator.setNoiseCovariance(block, frictionMatrix3());
    }
    integrator.setSplitting(layout.splitting);
    if (layout.thermal)
        integrator.setTemperature(300);
    integrator.setRandomNumberSeed(7);
}

void expectSameTrajectory(const Layout& layout, const string& platform, int steps) {
    System fusedSystem, plainSystem;
    DampedVerletIntegrator fusedIntegrator(0.01), plainIntegrator(0.01);
    build(layout, false, fusedSystem, fusedIntegrator);
    build(layout, true, plainSystem, plainIntegrator);
    Context fused(fusedSystem, fusedIntegrator, Platform::getPlatformByName(platform));
    Context plain(plainSystem, plainIntegrator, Platform::getPlatformByName(platform));
    mt19937 random(layout.numReplicas);
    uniform_real_distribution<double> uniform(-1, 1);
    vector<Vec3> positions(layout.numReplicas), velocities(layout.numReplicas);
    for (int i = 0; i < layout.numReplicas; i++) {
        positions[i] = Vec3(uniform(random), uniform(random), uniform(random));
        velocities[i] = Vec3(uniform(random), uniform(random), uniform(random));
    }
    for (Context* context : {&fused, &plain}) {
        context->setPositions(positions);
        context->setVelocities(velocities);
    }
    fusedIntegrator.step(steps);
    plainIntegrator.step(steps);
    State a = fused.getState(State::Positions | State::Velocities | State::Forces | State::Energy);
    State b = plain.getState(State::Positions | State::Velocities | State::Forces | State::Energy);
    double worst = 0;
    for (int i = 0; i < layout.numReplicas; i++)
        for (int k = 0; k < 3; k++) {
            worst = max(worst, fabs(a.getPositions()[i][k]-b.getPositions()[i][k]));
            worst = max(worst, fabs(a.getVelocities()[i][k]-b.getVelocities()[i][k]));
            worst = max(worst, fabs(a.getForces()[i][k]-b.getForces()[i][k]));
        }
    EXPECT_LT(worst, 1e-11) << layout.name << " on " << platform;
    EXPECT_NEAR(b.getPotentialEnergy(), a.getPotentialEnergy(), 1e-11*fabs(b.getPotentialEnergy())) << layout.name;
    EXPECT_NEAR(b.getKineticEnergy(), a.getKineticEnergy(), 1e-11*fabs(b.getKineticEnergy())) << layout.name;
    EXPECT_EQ(b.getStepCount(), a.getStepCount());
    EXPECT_DOUBLE_EQ(b.getTime(), a.getTime());
}

} // namespace

TEST(FusedReplicaStep, MatchesTheUnfusedStep) {
    vector<Layout> layouts = {
        {"replicas", 1000, false, false, false},
        {"one short block", 37, false, false, false},
        {"reversed order", 5001, true, false, false},
        {"mixed matrices", 700, false, true, false},
        {"thermal", 300, false, false, true},
        {"thermal, mixed, reversed", 129, true, true, true},
        {"frictionless", 1000, false, false, false, true},
        {"frictionless, reversed, short block", 133, true, false, false, true},
        {"explicit noise in some sets", 700, false, true, false, false, true},
        {"explicit noise in some sets, reversed", 129, true, true, false, false, true},
        {"BAOAB, explicit noise in some sets", 700, false, true, false, false, true, DampedVerletIntegrator::BAOAB},
        {"BAOAB, thermal, mixed", 300, false, true, true, false, false, DampedVerletIntegrator::BAOAB},
    };
    for (const string& platform : platformNames())
        for (const Layout& layout : layouts)
            expectSameTrajectory(layout, platform, 50);
}

// Between steps the State may be asked for other force groups, positions may be set, parameters changed: the fused
// step must then start from freshly computed forces, as the unfused one does.
TEST(FusedReplicaStep, FollowsStateChangesBetweenSteps) {
    for (const string& platform : platformNames()) {
        Layout layout = {"replicas", 200, false, false, false};
        System fusedSystem, plainSystem;
        DampedVerletIntegrator fusedIntegrator(0.01), plainIntegrator(0.01);
        build(layout, false, fusedSystem, fusedIntegrator);
        build(layout, true, plainSystem, plainIntegrator);
        fusedSystem.getForce(0).setForceGroup(1);
        plainSystem.getForce(0).setForceGroup(1);
        Context fused(fusedSystem, fusedIntegrator, Platform::getPlatformByName(platform));
        Context plain(plainSystem, plainIntegrator, Platform::getPlatformByName(platform));
        vector<Vec3> positions(layout.numReplicas);
        for (int i = 0; i < layout.numReplicas; i++)
            positions[i] = Vec3(0.01*i-1, 0.5-0.003*i, 0.1);
        for (Context* context : {&fused, &plain})
            context->setPositions(positions);
        for (int round = 0; round < 3; round++) {
            fusedIntegrator.step(10);
            plainIntegrator.step(10);
            // Forces of another group only (zero) overwrite the context's force buffer.
            fused.getState(State::Forces, false, 1<<0);
            plain.getState(State::Forces, false, 1<<0);
            if (round == 1) {
                positions[3] = Vec3(0.2, 0.1, 0);
                fused.setPositions(positions);
                plain.setPositions(positions);
            }
        }
        fusedIntegrator.step(10);
        plainIntegrator.step(10);
        State a = fused.getState(State::Positions | State::Velocities);
        State b = plain.getState(State::Positions | State::Velocities);
        for (int i = 0; i < layout.numReplicas; i++)
            for (int k = 0; k < 3; k++) {
                ASSERT_NEAR(b.getPositions()[i][k], a.getPositions()[i][k], 1e-11) << platform;
                ASSERT_NEAR(b.getVelocities()[i][k], a.getVelocities()[i][k], 1e-11) << platform;
            }
    }
}

// Not the replica case (a second force in the integration groups; or integration groups without the force): the
// unfused step, with exactly the forces of those groups, as with CustomExternalForce alone. With groups 1<<0 the
// step is fused but not batched (another Force exists, outside the integration groups).
TEST(FusedReplicaStep, OtherSystemsTakeTheUnfusedStep) {
    for (const string& platform : platformNames())
        for (int groups : {-1, 1<<1, 1<<0}) {
            Layout layout = {"replicas", 100, false, false, false};
            System fusedSystem, plainSystem;
            DampedVerletIntegrator fusedIntegrator(0.01), plainIntegrator(0.01);
            build(layout, false, fusedSystem, fusedIntegrator);
            build(layout, true, plainSystem, plainIntegrator);
            for (System* system : {&fusedSystem, &plainSystem}) {
                CustomExternalForce* extra = new CustomExternalForce("0.3*x-0.2*y");
                for (int i = 0; i < layout.numReplicas; i++)
                    extra->addParticle(i);
                extra->setForceGroup(1);
                system->addForce(extra);
            }
            fusedIntegrator.setIntegrationForceGroups(groups);
            plainIntegrator.setIntegrationForceGroups(groups);
            Context fused(fusedSystem, fusedIntegrator, Platform::getPlatformByName(platform));
            Context plain(plainSystem, plainIntegrator, Platform::getPlatformByName(platform));
            vector<Vec3> positions(layout.numReplicas);
            for (int i = 0; i < layout.numReplicas; i++)
                positions[i] = Vec3(0.01*i-1, 0.5-0.003*i, 0.1);
            fused.setPositions(positions);
            plain.setPositions(positions);
            fusedIntegrator.step(20);
            plainIntegrator.step(20);
            State a = fused.getState(State::Positions), b = plain.getState(State::Positions);
            for (int i = 0; i < layout.numReplicas; i++)
                for (int k = 0; k < 3; k++)
                    ASSERT_NEAR(b.getPositions()[i][k], a.getPositions()[i][k], 1e-11) << platform << " groups " << groups;
        }
}

// A replica's trajectory must not depend on which other replicas share its Context, block or thread: the driver
// splits replicas over Contexts and relies on that for thread-count-independent results. Parameter sets change
// every 7 replicas (blocks mix them) and the split is not at a block boundary.
// Blocks that mix parameter sets take per-lane matrices (all sets quiet or all noisy) or the kernels once per set
// (quiet and noisy sets together): either way a replica's trajectory is the same bit for bit whatever its neighbours
// in a block, in both splittings, deterministic and thermal. The neighbours change by cutting the replicas into two
// Contexts (deterministic only: the noise is keyed by the particle index, which the cut changes) and by rotating
// the force's particle order (blocks follow it; the particle indices, hence the noise, stay).
TEST(FusedReplicaStep, TrajectoriesDoNotDependOnTheSplit) {
    const int n = 300, cut = 137, steps = 40;
    vector<double> eye = {1, 0, 0, 0, 1, 0, 0, 0, 1}, none(9, 0.0);
    struct Mode {
        string name;
        int splitting;
        bool thermal, quietOthers;   // quietOthers: the first set has no friction, hence no noise
        bool explicitNoise = false;  // temperature 0; the second set with an explicit noise covariance, the first quiet
    };
    vector<Mode> modes = {{"OBABO", DampedVerletIntegrator::OBABO, false, false},
                          {"BAOAB", DampedVerletIntegrator::BAOAB, false, false},
                          {"OBABO thermal", DampedVerletIntegrator::OBABO, true, false},
                          {"BAOAB thermal", DampedVerletIntegrator::BAOAB, true, false},
                          {"OBABO thermal, quiet and noisy sets", DampedVerletIntegrator::OBABO, true, true},
                          {"BAOAB thermal, quiet and noisy sets", DampedVerletIntegrator::BAOAB, true, true},
                          {"GHMC", DampedVerletIntegrator::GHMC, true, false},
                          {"GHMC, quiet and noisy sets", DampedVerletIntegrator::GHMC, true, true},
                          {"OBABO, explicit noise in one set", DampedVerletIntegrator::OBABO, false, false, true},
                          {"BAOAB, explicit noise in one set", DampedVerletIntegrator::BAOAB, false, false, true}};
    auto run = [&](const Mode& mode, int first, int end, int rotation, const string& platform) {
        System system;
        DampedVerletIntegrator integrator(0.05);
        ReplicaExpressionForce* force = new ReplicaExpressionForce("(2*x^2 + 1.2*x*y + y^2)/2 + 1e-3*(2*sin((x-y)/1e-3) + 1.5*sin(x/1e-3))");
        vector<Vec3> positions;
        for (int r = first; r < end; r++) {
            int i = system.addParticle(1.0);
            bool other = ((r/7)%2 == 1);
            int block = integrator.addBlock({i}, other ? massMatrix3() : eye, other ? frictionMatrix3() : (mode.quietOthers ? none : eye));
            if (other && mode.explicitNoise)
                integrator.setNoiseCovariance(block, frictionMatrix3());
            positions.push_back(Vec3(0.5*sin(r), 0.5*cos(1.3*r), 0));
        }
        int count = end-first;
        for (int i = 0; i < count; i++)
            force->addParticle((i+rotation)%count);
        system.addForce(force);
        integrator.setSplitting(mode.splitting);
        if (mode.thermal)
            integrator.setTemperature(300);
        integrator.setRandomNumberSeed(11);
        Context context(system, integrator, Platform::getPlatformByName(platform));
        context.setPositions(positions);
        integrator.step(steps);
        return context.getState(State::Positions | State::Velocities);
    };
    for (const string& platform : platformNames())
        for (const Mode& mode : modes) {
            State whole = run(mode, 0, n, 0, platform);
            State rotated = run(mode, 0, n, 29, platform);
            for (int r = 0; r < n; r++) {
                ASSERT_EQ(whole.getPositions()[r], rotated.getPositions()[r]) << platform << ", " << mode.name << ", replica " << r;
                ASSERT_EQ(whole.getVelocities()[r], rotated.getVelocities()[r]) << platform << ", " << mode.name << ", replica " << r;
            }
            if (mode.thermal || mode.explicitNoise)
                continue;  // the noise is keyed by the particle index, which the cut changes
            State left = run(mode, 0, cut, 0, platform), right = run(mode, cut, n, 0, platform);
            for (int r = 0; r < n; r++) {
                const State& part = (r < cut ? left : right);
                int i = (r < cut ? r : r-cut);
                ASSERT_EQ(whole.getPositions()[r], part.getPositions()[i]) << platform << ", " << mode.name << ", replica " << r;
                ASSERT_EQ(whole.getVelocities()[r], part.getVelocities()[i]) << platform << ", " << mode.name << ", replica " << r;
            }
        }
}
