// ReplicaExpressionForce: energies and forces against CustomExternalForce on every platform, global parameters,
// force groups, errors, serialization, thread-count independence, and the replica System of the driver.
#include "TestSupport.h"
#include "EffPotKernels.h"
#include "ReplicaExpressionForce.h"
#include "ReplicaSystem.h"
#include "TapeEvaluator.h"
#include "openmm/NonbondedForce.h"
#include "openmm/OpenMMException.h"
#include "openmm/VerletIntegrator.h"
#include "openmm/serialization/XmlSerializer.h"
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <sstream>

using namespace EffPot;
using namespace EffPotTest;
using namespace OpenMM;
using namespace std;

namespace {

const char* P5 = "(0.05)*(((-200.0)*exp((-1.0)*(x-(1.0))^2+(0.0)*(x-(1.0))*(y-(0.0))+(-10.0)*(y-(0.0))^2)"
    "+(-100.0)*exp((-1.0)*(x-(0.0))^2+(0.0)*(x-(0.0))*(y-(0.5))+(-10.0)*(y-(0.5))^2)"
    "+(-170.0)*exp((-6.5)*(x-(-0.5))^2+(11.0)*(x-(-0.5))*(y-(1.5))+(-6.5)*(y-(1.5))^2)"
    "+(15.0)*exp((0.7)*(x-(-1.0))^2+(0.6)*(x-(-1.0))*(y-(1.0))+(0.7)*(y-(1.0))^2))"
    "+(40.0)*((x-(-0.05))^2+(y-(0.4667))^2))+(5e-05)*(sin(x/1e-05)+2*sin(y/1e-05)+sin((x+y)/1e-05))";

/** Expressions covering every kind of operation the tape has (and the two benchmark potentials). */
vector<string> expressions() {
    return {
        "(2*x^2 + 1.2*x*y + y^2)/2 + 1e-3*(2*sin((x-y)/1e-3) + 1.5*sin(x/1e-3))",
        P5,
        "step(x)*x^2 + select(step(y-0.1), y^3, -y) + min(x, z)^2 + max(y, 0.2*z) + abs(x*y-0.1)",
        "sqrt(x^2+y^2+1) + log(2+cos(z)) + exp(-x^2)*tan(0.3*y) + (1+x^2)^-3/(1+x^4) + (1.5+sin(z))^2.5 + (1+y^2)^x",
        "atan2(y, x+2) + sinh(0.5*x)*cosh(0.2*y) + tanh(z) + erf(x) + erfc(y) + asin(0.3*sin(z)) + acos(0.2*cos(x))",
        "atan(x*y) + 1/(2+cos(x)) + sec(0.3*y) + csc(1+0.1*z^2) + cot(1+0.1*x^2) + floor(2*x)*y + ceil(y)*z + delta(x)",
        "-x + 3*y^2 - 0.5*z",
        "0",
    };
}

vector<Vec3> randomPositions(int n, unsigned seed) {
    mt19937 random(seed);
    uniform_real_distribution<double> uniform(-1.5, 1.5);
    vector<Vec3> positions(n);
    for (Vec3& p : positions)
        p = Vec3(uniform(random), uniform(random), uniform(random));
    return positions;
}

struct Result {
    double energy;
    vector<Vec3> forces;
};

Result evaluate(System& system, const string& platform, const vector<Vec3>& positions, const map<string, string>& properties = {}) {
    VerletIntegrator integrator(0.001);
    Context context(system, integrator, Platform::getPlatformByName(platform), properties);
    context.setPositions(positions);
    State state = context.getState(State::Energy | State::Forces);
    return {state.getPotentialEnergy(), state.getForces()};
}

System* systemWith(const string& energy, int n, bool custom) {
    System* system = new System();
    for (int i = 0; i < n; i++)
        system->addParticle(1.0);
    if (custom) {
        CustomExternalForce* force = new CustomExternalForce(energy);
        for (int i = 0; i < n; i++)
            force->addParticle(i);
        system->addForce(force);
    }
    else {
        ReplicaExpressionForce* force = new ReplicaExpressionForce(energy);
        for (int i = 0; i < n; i++)
            force->addParticle(i);
        system->addForce(force);
    }
    return system;
}

/** Relative agreement: energies against |E| (or 1), forces against the largest force component. */
void expectClose(const Result& expected, const Result& actual, double tolerance, const string& what) {
    EXPECT_NEAR(expected.energy, actual.energy, tolerance*max(1.0, fabs(expected.energy))) << what;
    double scale = 1.0;
    for (const Vec3& f : expected.forces)
        scale = max(scale, max(fabs(f[0]), max(fabs(f[1]), fabs(f[2]))));
    double worst = 0;
    for (int i = 0; i < (int) expected.forces.size(); i++)
        for (int k = 0; k < 3; k++)
            worst = max(worst, fabs(expected.forces[i][k]-actual.forces[i][k]));
    EXPECT_LE(worst, tolerance*scale) << what;
}

bool openCLAvailable() {
    try {
        return Platform::getPlatformByName("OpenCL").supportsKernels({CalcReplicaExpressionForceKernel::Name()});
    }
    catch (const OpenMMException&) {
        return false;
    }
}

} // namespace

// The same numbers as CustomExternalForce to 1e-12 (double), for counts below, at and above the block size.
TEST(ReplicaExpressionForce, MatchesCustomExternalForceOnReferenceAndCpu) {
    for (const string& energy : expressions())
        for (int n : {1, 63, 64, 65, 1001, 5000}) {
            vector<Vec3> positions = randomPositions(n, n);
            unique_ptr<System> custom(systemWith(energy, n, true)), replica(systemWith(energy, n, false));
            Result expected = evaluate(*custom, "Reference", positions);
            for (const string& platform : platformNames())
                expectClose(expected, evaluate(*replica, platform, positions), 1e-12, platform+" n="+to_string(n)+": "+energy);
        }
}

// OpenCL (PoCL here): double precision to 1e-9 (the device's own math library), mixed to single precision (single
// computes the forces as mixed does). The micro-scale terms of P5 (sin(x/1e-5)) lose all meaning in single
// precision, so P5 is left out there.
TEST(ReplicaExpressionForce, MatchesCustomExternalForceOnOpenCL) {
    if (!openCLAvailable())
        GTEST_SKIP() << "no OpenCL platform";
    for (const string& precision : {"double", "mixed"})
        for (const string& energy : expressions()) {
            if (precision != "double" && energy == P5)
                continue;
            int n = 1001;
            vector<Vec3> positions = randomPositions(n, 7);
            unique_ptr<System> custom(systemWith(energy, n, true)), replica(systemWith(energy, n, false));
            Result expected = evaluate(*custom, "Reference", positions);
            double tolerance = (precision == "double" ? 1e-9 : 2e-4);
            expectClose(expected, evaluate(*replica, "OpenCL", positions, {{"Precision", precision}}), tolerance,
                        "OpenCL "+precision+": "+energy);
        }
}

// OpenMM reorders the particles it may treat alike on the device when a NonbondedForce has a cutoff (on the first
// step): particles the force acts on twice (every ninth) must not trade places with those it acts on once or not at
// all (every seventh), or the double force lands on another particle.
TEST(ReplicaExpressionForce, RepeatedParticlesFollowReorderingOnOpenCL) {
    if (!openCLAvailable())
        GTEST_SKIP() << "no OpenCL platform";
    const int n = 64, steps = 100;
    const double box = 4.0;
    System system;
    system.setDefaultPeriodicBoxVectors(Vec3(box, 0, 0), Vec3(0, box, 0), Vec3(0, 0, box));
    NonbondedForce* nonbonded = new NonbondedForce();
    nonbonded->setNonbondedMethod(NonbondedForce::CutoffPeriodic);
    nonbonded->setCutoffDistance(1.0);
    ReplicaExpressionForce* force = new ReplicaExpressionForce(
            "2*(cos(3.141592653589793*x)^2+cos(3.141592653589793*y)^2+cos(3.141592653589793*z)^2)+0.3*x");
    vector<Vec3> positions, velocities;
    for (int i = 0; i < n; i++) {
        system.addParticle(1.0);
        nonbonded->addParticle(0.0, 0.1, 0.05);
        if (i%7 != 3)
            force->addParticle(i);
        int cell = (37*i+11)%n; // a scrambled lattice, so that spatial sorting permutes the particles
        positions.push_back(Vec3(0.5+(cell%4), 0.5+(cell/4)%4, 0.5+cell/16)+Vec3(0.1*sin(i), 0.1*cos(2*i), 0.1*sin(3*i)));
        velocities.push_back(Vec3(0.5*cos(i), 0.5*sin(1.5*i), 0.5*cos(2.5*i)));
    }
    for (int i = 5; i < n; i += 9)
        force->addParticle(i);
    system.addForce(nonbonded);
    system.addForce(force);
    vector<vector<Vec3> > results;
    for (const string& platform : {"Reference", "OpenCL"}) {
        VerletIntegrator integrator(0.005);
        map<string, string> properties;
        if (platform == string("OpenCL"))
            properties["Precision"] = "double";
        Context context(system, integrator, Platform::getPlatformByName(platform), properties);
        context.setPositions(positions);
        context.setVelocities(velocities);
        integrator.step(steps);
        results.push_back(context.getState(State::Positions).getPositions());
    }
    double worst = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            worst = max(worst, fabs(results[0][i][k]-results[1][i][k]));
    EXPECT_LT(worst, 1e-8); // PoCL: 2e-11 nm (0.12 nm with a ForceInfo that only tells in from out)
}

// The tape really is vectorized on this machine when it can be (the benchmarks depend on it).
TEST(ReplicaExpressionForce, ReportsItsInstructionSet) {
    cout << "TapeEvaluator uses AVX2: " << (TapeEvaluator::usesAvx2() ? "yes" : "no") << endl;
}

TEST(ReplicaExpressionForce, GlobalParametersFollowTheContext) {
    int n = 100;
    vector<Vec3> positions = randomPositions(n, 3);
    for (const string& platform : platformNames()) {
        System system, customSystem;
        ReplicaExpressionForce* force = new ReplicaExpressionForce("k*(x-x0)^2 + sin(y)");
        CustomExternalForce* custom = new CustomExternalForce("k*(x-x0)^2 + sin(y)");
        force->addGlobalParameter("k", 2.0);
        force->addGlobalParameter("x0", 0.5);
        custom->addGlobalParameter("k", 2.0);
        custom->addGlobalParameter("x0", 0.5);
        for (int i = 0; i < n; i++) {
            system.addParticle(1.0);
            customSystem.addParticle(1.0);
            force->addParticle(i);
            custom->addParticle(i);
        }
        system.addForce(force);
        customSystem.addForce(custom);
        VerletIntegrator i1(0.001), i2(0.001);
        Context context(system, i1, Platform::getPlatformByName(platform));
        Context reference(customSystem, i2, Platform::getPlatformByName("Reference"));
        context.setPositions(positions);
        reference.setPositions(positions);
        for (double k : {2.0, -1.5}) {
            context.setParameter("k", k);
            reference.setParameter("k", k);
            State a = context.getState(State::Energy | State::Forces), b = reference.getState(State::Energy | State::Forces);
            expectClose({b.getPotentialEnergy(), b.getForces()}, {a.getPotentialEnergy(), a.getForces()}, 1e-12, platform);
        }
    }
}

// Energy only, forces only and both give the same numbers; a force outside the groups asked for contributes nothing.
TEST(ReplicaExpressionForce, ComputesWhatIsAskedInItsForceGroup) {
    int n = 200;
    vector<Vec3> positions = randomPositions(n, 5);
    for (const string& platform : platformNames()) {
        unique_ptr<System> system(systemWith(P5, n, false));
        system->getForce(0).setForceGroup(2);
        VerletIntegrator integrator(0.001);
        Context context(*system, integrator, Platform::getPlatformByName(platform));
        context.setPositions(positions);
        State both = context.getState(State::Energy | State::Forces);
        State energy = context.getState(State::Energy);
        State forces = context.getState(State::Forces);
        EXPECT_EQ(both.getPotentialEnergy(), energy.getPotentialEnergy());
        for (int i = 0; i < n; i++)
            EXPECT_EQ(both.getForces()[i], forces.getForces()[i]);
        State other = context.getState(State::Energy | State::Forces, false, 1<<0);
        EXPECT_EQ(0.0, other.getPotentialEnergy());
        EXPECT_EQ(Vec3(), other.getForces()[0]);
        EXPECT_EQ(both.getPotentialEnergy(), context.getState(State::Energy, false, 1<<2).getPotentialEnergy());
    }
}

// A particle added twice feels the force twice (and the CPU kernel must not race on it).
TEST(ReplicaExpressionForce, RepeatedParticlesAddUp) {
    int n = 3000;
    vector<Vec3> positions = randomPositions(n, 11);
    for (const string& platform : platformNames()) {
        System system;
        ReplicaExpressionForce* force = new ReplicaExpressionForce("x^2+sin(y)");
        for (int i = 0; i < n; i++) {
            system.addParticle(1.0);
            force->addParticle(i);
        }
        for (int i = 0; i < n; i++)
            force->addParticle(i);
        system.addForce(force);
        unique_ptr<System> single(systemWith("x^2+sin(y)", n, true));
        Result once = evaluate(*single, "Reference", positions), twice = evaluate(system, platform, positions);
        EXPECT_NEAR(2*once.energy, twice.energy, 1e-12*fabs(once.energy));
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 3; k++)
                EXPECT_NEAR(2*once.forces[i][k], twice.forces[i][k], 1e-12*max(1.0, fabs(once.forces[i][k])));
    }
}

#ifdef EFFPOT_HAVE_CPU
// Blocks are disjoint and the energy is summed in block order: results are bitwise the same for any thread count.
TEST(ReplicaExpressionForce, CpuResultsDoNotDependOnThreads) {
    int n = 20001;
    vector<Vec3> positions = randomPositions(n, 13);
    unique_ptr<System> system(systemWith(P5, n, false));
    Result one = evaluate(*system, "CPU", positions, {{"Threads", "1"}});
    for (const string& threads : {"2", "3"}) {
        Result many = evaluate(*system, "CPU", positions, {{"Threads", threads}});
        EXPECT_EQ(one.energy, many.energy);
        for (int i = 0; i < n; i++)
            ASSERT_EQ(one.forces[i], many.forces[i]);
    }
}
#endif

TEST(ReplicaExpressionForce, MalformedExpressionsAreExplained) {
    try {
        ReplicaExpressionForce force("x^2 + (y");
        FAIL() << "a malformed expression was accepted";
    }
    catch (const OpenMMException& e) {
        string message = e.what();
        EXPECT_NE(string::npos, message.find("ReplicaExpressionForce")) << message;
        EXPECT_NE(string::npos, message.find("does not parse")) << message;
        EXPECT_NE(string::npos, message.find("OpenMM's expression syntax")) << message;
    }
    EXPECT_THROW(ReplicaExpressionForce("x^2 + foo(y)"), OpenMMException);
    ReplicaExpressionForce force("x");
    EXPECT_THROW(force.setEnergyFunction("sin("), OpenMMException);
    EXPECT_EQ("x", force.getEnergyFunction());
}

TEST(ReplicaExpressionForce, ConstantsThatAreNotFiniteAreRefusedInsteadOfHanging) {
    // Lepton's optimize() loops forever on a constant that folds to NaN (it compares trees with ==): each of these
    // used to hang the process, in this force and in OpenMM's CustomExternalForce alike. The last one's NaN only
    // appears in the derivative the kernels take, log(-2).
    const char* energies[][2] = {{"x + (0-2)^2.5", "((0)-(2))^(2.5)"}, {"x + log(-1)", "log(-(1))"}, {"x^2 + 0/0", "(0)/(0)"},
                                 {"x + acos(2)", "acos(2)"}, {"(-2)^x", "in its derivative in x"}};
    for (auto& energy : energies) {
        try {
            ReplicaExpressionForce force(energy[0]);
            FAIL() << energy[0] << " was accepted";
        }
        catch (const OpenMMException& e) {
            string message = e.what();
            EXPECT_NE(string::npos, message.find("ReplicaExpressionForce: the energy '"+string(energy[0])+"'")) << message;
            EXPECT_NE(string::npos, message.find(energy[1])) << message;
            EXPECT_NE(string::npos, message.find("not a finite number")) << message;
        }
    }
    ReplicaExpressionForce force("x");
    EXPECT_THROW(force.setEnergyFunction("x*sqrt(-1)"), OpenMMException);
    EXPECT_EQ("x", force.getEnergyFunction());
    ReplicaExpressionForce fine("x + 2^2.5 + (-2)^3 + 0*x");  // finite constants, a negative base to an integer power
    EXPECT_EQ("x + 2^2.5 + (-2)^3 + 0*x", fine.getEnergyFunction());
}

TEST(ReplicaExpressionForce, DeepNestingIsRefusedBeforeTheParserOverflowsTheStack) {
    // Lepton's parser recurses once per level: 20 000 parentheses or unary signs were a segmentation fault.
    for (const string& energy : {string(20000, '(')+"x"+string(20000, ')'), string(50000, '-')+"x"}) {
        try {
            ReplicaExpressionForce force(energy);
            FAIL() << "a 20 000-deep expression was accepted";
        }
        catch (const OpenMMException& e) {
            EXPECT_NE(string::npos, string(e.what()).find("levels deep")) << e.what();
        }
    }
    ReplicaExpressionForce fine(string(900, '(')+"x"+string(900, ')')+" - "+string(900, '-')+"y");  // within the limit
}

TEST(ReplicaExpressionForce, IntegerPowersBeyondTwoToThe30UsePow) {
    // x^-2147483647's derivative has the exponent INT_MIN, whose std::abs stays negative: the tape's squaring loop
    // never ended. Such powers (and x^3e9, whose (int) is undefined) now go to pow(); the energy is 2^-2147483647,
    // which underflows to 0, and so does the force.
    for (const string& platform : {"Reference", "CPU"}) {
        unique_ptr<System> system(systemWith("x^(-2147483647) + x^3e9*0 + x", 1, false));
        Result result = evaluate(*system, platform, {Vec3(2, 0, 0)});
        EXPECT_EQ(2.0, result.energy) << platform;
        EXPECT_EQ(-1.0, result.forces[0][0]) << platform;
    }
}

TEST(ReplicaExpressionForce, UnknownVariablesAreExplained) {
    for (const string& platform : platformNames()) {
        System system;
        system.addParticle(1.0);
        ReplicaExpressionForce* force = new ReplicaExpressionForce("x^2 + w*y");
        force->addParticle(0);
        system.addForce(force);
        VerletIntegrator integrator(0.001);
        try {
            Context context(system, integrator, Platform::getPlatformByName(platform));
            FAIL() << "an unknown variable was accepted";
        }
        catch (const OpenMMException& e) {
            string message = e.what();
            EXPECT_NE(string::npos, message.find("'w'")) << message;
            EXPECT_NE(string::npos, message.find("x, y, z")) << message;
            EXPECT_NE(string::npos, message.find("addGlobalParameter(\"w\"")) << message;
        }
        force->addGlobalParameter("w", 3.0); // the fix the message names
        Context context(system, integrator, Platform::getPlatformByName(platform));
        context.setPositions({Vec3(1, 2, 0)});
        EXPECT_NEAR(7.0, context.getState(State::Energy).getPotentialEnergy(), 1e-14);
    }
}

TEST(ReplicaExpressionForce, BadIndicesAreExplained) {
    ReplicaExpressionForce force("x");
    EXPECT_THROW(force.addParticle(-1), OpenMMException);
    EXPECT_THROW(force.getParticle(0), OpenMMException);
    EXPECT_THROW(force.addGlobalParameter("y", 1.0), OpenMMException);
    System system;
    system.addParticle(1.0);
    ReplicaExpressionForce* outside = new ReplicaExpressionForce("x");
    outside->addParticle(3);
    system.addForce(outside);
    VerletIntegrator integrator(0.001);
    try {
        Context context(system, integrator, Platform::getPlatformByName("Reference"));
        FAIL() << "a particle outside the System was accepted";
    }
    catch (const OpenMMException& e) {
        EXPECT_NE(string::npos, string(e.what()).find("particle 3")) << e.what();
    }
}

TEST(ReplicaExpressionForce, SerializationRoundTrip) {
    ReplicaExpressionForce force("k*x^2+y");
    force.addGlobalParameter("k", 1.5);
    force.addParticle(2);
    force.addParticle(0);
    force.setForceGroup(3);
    force.setName("replicas");
    stringstream buffer;
    XmlSerializer::serialize<Force>(&force, "Force", buffer);
    unique_ptr<Force> copy(XmlSerializer::deserialize<Force>(buffer));
    ReplicaExpressionForce& loaded = dynamic_cast<ReplicaExpressionForce&>(*copy);
    EXPECT_EQ(force.getEnergyFunction(), loaded.getEnergyFunction());
    EXPECT_EQ(3, loaded.getForceGroup());
    EXPECT_EQ("replicas", loaded.getName());
    ASSERT_EQ(1, loaded.getNumGlobalParameters());
    EXPECT_EQ("k", loaded.getGlobalParameterName(0));
    EXPECT_EQ(1.5, loaded.getGlobalParameterDefaultValue(0));
    ASSERT_EQ(2, loaded.getNumParticles());
    EXPECT_EQ(2, loaded.getParticle(0));
    EXPECT_EQ(0, loaded.getParticle(1));
}

// The driver's replica System uses ReplicaExpressionForce by default, with the numbers of CustomExternalForce.
TEST(ReplicaExpressionForce, ReplicaSystemUsesItByDefault) {
    int n = 300;
    unique_ptr<System> fast(ReplicaSystem::create(P5, 2, n));
    unique_ptr<System> custom(ReplicaSystem::create(P5, 2, n, ReplicaSystem::CustomExternal));
    ASSERT_NE(nullptr, dynamic_cast<ReplicaExpressionForce*>(&fast->getForce(0)));
    ASSERT_NE(nullptr, dynamic_cast<CustomExternalForce*>(&custom->getForce(0)));
    vector<Vec3> positions = randomPositions(n, 17);
    for (Vec3& p : positions)
        p[2] = 0;
    expectClose(evaluate(*custom, "Reference", positions), evaluate(*fast, "Reference", positions), 1e-12, "ReplicaSystem");
}

// Degenerate Systems: a force with no particles, and a fixed (mass 0) particle outside every block.
TEST(ReplicaExpressionForce, EmptyForceIsHarmless) {
    for (const string& platform : platformNames()) {
        System system;
        system.addParticle(0.0);
        system.addForce(new ReplicaExpressionForce("x^2"));
        DampedVerletIntegrator integrator(0.01);
        Context context(system, integrator, Platform::getPlatformByName(platform));
        context.setPositions({Vec3(1, 2, 3)});
        integrator.step(5);
        State state = context.getState(State::Energy | State::Forces | State::Positions);
        EXPECT_EQ(0.0, state.getPotentialEnergy());
        EXPECT_EQ(Vec3(), state.getForces()[0]);
        EXPECT_EQ(Vec3(1, 2, 3), state.getPositions()[0]);
    }
}
