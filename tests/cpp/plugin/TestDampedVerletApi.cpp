// Input validation, serialization, checkpoints and cross-platform agreement of DampedVerletIntegrator.
#include "TestSupport.h"
#include "openmm/HarmonicBondForce.h"
#include "openmm/OpenMMException.h"
#include "openmm/serialization/XmlSerializer.h"
#include <cmath>
#include <limits>
#include <sstream>

using namespace EffPot;
using namespace EffPotTest;
using namespace OpenMM;
using namespace std;

namespace {

// Expect an OpenMMException whose message contains every one of the given words.
template <class Function>
void expectError(Function function, const vector<string>& words) {
    try {
        function();
        ADD_FAILURE() << "no exception; expected one mentioning " << words[0];
    }
    catch (const OpenMMException& e) {
        for (const string& word : words)
            EXPECT_NE(string(e.what()).find(word), string::npos) << "message '" << e.what() << "' lacks '" << word << "'";
    }
}

const vector<double> identity3 = {1, 0, 0, 0, 1, 0, 0, 0, 1};
const vector<double> zero3(9, 0.0);

} // namespace

TEST(DampedVerletApi, RejectsBadInputNamingTheParameter) {
    DampedVerletIntegrator integrator(0.01);
    expectError([&] { integrator.addBlock({0}, vector<double>(4, 1.0), zero3); }, {"massMatrix", "3 x 3"});
    expectError([&] { integrator.addBlock({0}, identity3, vector<double>(36, 0.0)); }, {"frictionMatrix", "3 x 3"});
    expectError([&] { integrator.addBlock({0}, {1, 0.5, 0, 0, 1, 0, 0, 0, 1}, zero3); }, {"massMatrix", "not symmetric"});
    expectError([&] { integrator.addBlock({0}, {1, 0, 0, 0, -1, 0, 0, 0, 1}, zero3); }, {"massMatrix", "not positive definite"});
    // A denormal mass passes the relative test, but its inverse is infinite (the velocities were NaN after a step).
    expectError([&] { integrator.addBlock({0}, {1e-320, 0, 0, 0, 1e-320, 0, 0, 0, 1e-320}, zero3); }, {"massMatrix", "too small to invert"});
    expectError([&] { integrator.addBlock({0}, identity3, {1, 0, 0, 0, -0.5, 0, 0, 0, 1}); }, {"frictionMatrix", "not positive semidefinite"});
    double nan = numeric_limits<double>::quiet_NaN();
    expectError([&] { integrator.addBlock({0}, {nan, 0, 0, 0, 1, 0, 0, 0, 1}, zero3); }, {"massMatrix", "NaN"});
    expectError([&] { integrator.addBlock({-1}, identity3, zero3); }, {"particle index -1"});
    expectError([&] { integrator.addBlock({}, {}, {}); }, {"particles", "empty"});
    integrator.addBlock({0}, identity3, zero3);
    expectError([&] { integrator.addBlock({0}, identity3, zero3); }, {"particle 0", "already in block 0"});
    // A particle listed twice in one call is that, not "already in block 1" (a block that does not exist).
    expectError([&] { integrator.addBlock({1, 1}, vector<double>(36, 0.0), vector<double>(36, 0.0)); }, {"particle 1", "listed more than once"});
    // Positive definite but with a condition number of 1e12: said as such, not as "not positive definite".
    expectError([&] { integrator.addBlock({1}, {1, 0, 0, 0, 1, 0, 0, 0, 1e-12}, zero3); }, {"massMatrix", "ill-conditioned", "condition number"});
    expectError([&] { integrator.setBlockParameters(3, identity3, zero3); }, {"setBlockParameters", "block index 3"});
    expectError([&] { integrator.setNoiseCovariance(0, {1, 0, 0, 0, -1, 0, 0, 0, 1}); }, {"covariance", "not positive semidefinite"});
    expectError([&] { integrator.setTemperature(-1); }, {"temperature"});
    expectError([&] { integrator.setDefaultFriction(-1); }, {"gamma"});
    expectError([&] { integrator.setStepSize(-0.1); }, {"stepSize"});
    expectError([&] { DampedVerletIntegrator bad(0.0); }, {"stepSize"});
    // Nothing half-applied: the failed calls left one block.
    EXPECT_EQ(integrator.getNumBlocks(), 1);
}

TEST(DampedVerletApi, RejectsBlocksThatDoNotFitTheSystem) {
    Platform& platform = Platform::getPlatformByName("Reference");
    {
        System system;
        system.addParticle(1.0);
        DampedVerletIntegrator integrator(0.01);
        integrator.addBlock({3}, identity3, zero3);
        expectError([&] { Context context(system, integrator, platform); }, {"particle 3", "only 1 particles"});
    }
    {
        System system;
        system.addParticle(0.0);
        DampedVerletIntegrator integrator(0.01);
        integrator.addBlock({0}, identity3, zero3);
        expectError([&] { Context context(system, integrator, platform); }, {"particle 0", "mass is zero"});
    }
    {
        System system;
        system.addParticle(1.0);
        system.addParticle(1.0);
        system.addConstraint(0, 1, 0.1);
        DampedVerletIntegrator integrator(0.01);
        integrator.addBlock({0}, {2, 0.5, 0, 0.5, 1, 0, 0, 0, 1}, zero3);
        expectError([&] { Context context(system, integrator, platform); }, {"constraints"});
    }
    {
        // A friction of 1e308 is finite, but its decomposition is not: the thermal surrogate went NaN silently.
        System system;
        system.addParticle(1.0);
        DampedVerletIntegrator integrator(0.01);
        integrator.addBlock({0}, identity3, {1e308, 0, 0, 0, 1e308, 0, 0, 0, 1e308});
        integrator.setTemperature(300);
        expectError([&] { Context context(system, integrator, platform); }, {"too large or too ill-conditioned"});
    }
    {
        // Once bound, a block naming a particle the System lacks is refused at addBlock: accepted, it made every
        // later step fail, and a block cannot be removed.
        System system;
        for (int i = 0; i < 3; i++)
            system.addParticle(i == 2 ? 0.0 : 1.0);
        DampedVerletIntegrator integrator(0.01);
        Context context(system, integrator, platform);
        expectError([&] { integrator.addBlock({5}, identity3, zero3); }, {"particle 5", "System, which has 3 particles"});
        expectError([&] { integrator.addBlock({2}, identity3, zero3); }, {"particle 2", "mass zero"});
        EXPECT_EQ(integrator.getNumBlocks(), 0);
        integrator.addBlock({1}, identity3, zero3);
        context.setPositions(vector<Vec3>(3));
        integrator.step(2);
    }
}

TEST(DampedVerletApi, XmlRoundTripPreservesEveryParameter) {
    DampedVerletIntegrator integrator(0.0123);
    integrator.addBlock({2}, massMatrix3(), frictionMatrix3());
    vector<double> m6(36, 0.0), g6(36, 0.0);
    for (int i = 0; i < 6; i++) {
        m6[7*i] = 1.0+0.1*i+1.0/3.0;
        g6[7*i] = 0.2*i;
    }
    integrator.addBlock({0, 5}, m6, g6);
    integrator.setNoiseCovariance(0, frictionMatrix3());
    integrator.setDefaultFriction(0.321);
    integrator.setTemperature(123.4);
    integrator.setRandomNumberSeed(987);
    integrator.setIntegrationForceGroups(5);
    stringstream buffer;
    XmlSerializer::serialize<Integrator>(&integrator, "Integrator", buffer);
    unique_ptr<Integrator> copy(XmlSerializer::deserialize<Integrator>(buffer));
    DampedVerletIntegrator& other = dynamic_cast<DampedVerletIntegrator&>(*copy);
    EXPECT_EQ(other.getStepSize(), integrator.getStepSize());
    EXPECT_EQ(other.getDefaultFriction(), 0.321);
    EXPECT_EQ(other.getTemperature(), 123.4);
    EXPECT_EQ(other.getRandomNumberSeed(), 987);
    EXPECT_EQ(other.getIntegrationForceGroups(), 5);
    ASSERT_EQ(other.getNumBlocks(), 2);
    for (int b = 0; b < 2; b++) {
        EXPECT_EQ(other.getBlockParticles(b), integrator.getBlockParticles(b));
        EXPECT_EQ(other.getBlockMassMatrix(b), integrator.getBlockMassMatrix(b)); // bitwise
        EXPECT_EQ(other.getBlockFrictionMatrix(b), integrator.getBlockFrictionMatrix(b));
        EXPECT_EQ(other.getNoiseCovariance(b), integrator.getNoiseCovariance(b));
    }
}

class DampedVerletPlatform : public ::testing::TestWithParam<string> {};

TEST_P(DampedVerletPlatform, CheckpointContinuesBitForBit) {
    // Thermal mode, so that the noise stream is part of what must be restored.
    unique_ptr<System> system(anharmonicSystem(50));
    DampedVerletIntegrator integrator(0.02);
    integrator.setTemperature(200);
    integrator.setRandomNumberSeed(42);
    for (int i = 0; i < 40; i++)
        integrator.addBlock({i}, massMatrix3(), frictionMatrix3());
    integrator.setDefaultFriction(1.0);
    Platform& platform = Platform::getPlatformByName(GetParam());
    Context context(*system, integrator, platform);
    vector<Vec3> positions;
    for (int i = 0; i < 50; i++)
        positions.push_back(Vec3(0.1*sin(i), 0.1*cos(i), 0.05*i/50.0));
    context.setPositions(positions);
    context.setVelocitiesToTemperature(200, 3);
    integrator.step(100);
    stringstream checkpoint;
    context.createCheckpoint(checkpoint);
    integrator.step(200);
    State first = context.getState(State::Positions | State::Velocities);
    context.loadCheckpoint(checkpoint);
    integrator.step(200);
    State second = context.getState(State::Positions | State::Velocities);
    for (int i = 0; i < 50; i++) {
        EXPECT_EQ(first.getPositions()[i], second.getPositions()[i]);
        EXPECT_EQ(first.getVelocities()[i], second.getVelocities()[i]);
    }
    EXPECT_EQ(first.getTime(), second.getTime());
    EXPECT_EQ(first.getStepCount(), second.getStepCount());
}

TEST_P(DampedVerletPlatform, AgreesWithReferenceOverDeterministicSteps) {
    // 1000 two-particle blocks with full 6x6 matrices, then one-particle blocks: over 8192 units, so the CPU
    // kernel splits the work over its threads.
    const int n = 12000;
    unique_ptr<System> system(anharmonicSystem(n));
    vector<double> mass6 = {2, 0.1, 0, 0.2, 0, 0,  0.1, 1.5, 0, 0, 0, 0,  0, 0, 1, 0, 0, 0.1,
                            0.2, 0, 0, 2, 0, 0,  0, 0, 0, 0, 1, 0,  0, 0, 0.1, 0, 0, 1};
    vector<double> friction6 = {1, 0, 0, 0.1, 0, 0,  0, 1, 0, 0, 0, 0,  0, 0, 1, 0, 0, 0,
                                0.1, 0, 0, 1, 0, 0,  0, 0, 0, 0, 1, 0,  0, 0, 0, 0, 0, 1};
    auto run = [&](const string& name) {
        DampedVerletIntegrator integrator(0.03);
        for (int i = 0; i < 2000; i += 2)
            integrator.addBlock({i, i+1}, mass6, friction6);
        for (int i = 2000; i < n-100; i++)
            integrator.addBlock({i}, massMatrix3(), frictionMatrix3());
        integrator.setDefaultFriction(0.5);
        Context context(*system, integrator, Platform::getPlatformByName(name));
        vector<Vec3> positions;
        for (int i = 0; i < n; i++)
            positions.push_back(Vec3(sin(0.1*i), cos(0.3*i), 0.5*sin(0.7*i)));
        context.setPositions(positions);
        integrator.step(1000);
        return context.getState(State::Positions | State::Velocities);
    };
    State reference = run("Reference"), other = run(GetParam());
    double worst = 0;
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 3; c++) {
            worst = max(worst, fabs(reference.getPositions()[i][c]-other.getPositions()[i][c]));
            worst = max(worst, fabs(reference.getVelocities()[i][c]-other.getVelocities()[i][c]));
        }
    // Both evaluate CustomExternalForce in double precision on the host: round-off only.
    EXPECT_LT(worst, 1e-10);
    // The run is not trivial: particles moved.
    EXPECT_GT(fabs(reference.getPositions()[7][0]-sin(0.7)), 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Platforms, DampedVerletPlatform, ::testing::ValuesIn(platformNames()));
