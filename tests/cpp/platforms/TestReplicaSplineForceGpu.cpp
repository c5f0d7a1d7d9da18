// ReplicaSplineForce on the GPU platforms (OpenCL here, PoCL on a CPU-only machine; CUDA where its driver and
// effpot's CUDA plugin load): energies and forces against the Reference platform for 1D, 2D and 3D tables at points
// inside the box, on its edges and nodes, and outside it (the wall), in double, mixed and single precision; and
// DampedVerletIntegrator (which fuses the force into its step on Reference and, with the fused replica kernel, on the
// GPU too: TestFusedReplicaGpu.cpp checks that kernel against the unfused GPU path).
#include "TestSupport.h"
#include "EffPotKernels.h"
#include "ReplicaSplineForce.h"
#include "openmm/NonbondedForce.h"
#include "openmm/OpenMMException.h"
#include "openmm/VerletIntegrator.h"
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <random>

using namespace EffPot;
using namespace EffPotTest;
using namespace OpenMM;
using namespace std;

namespace {

/** The GPU platforms here with effpot's ReplicaSplineForce kernel. */
vector<string> gpuPlatforms() {
    vector<string> names;
    for (const string& name : {"OpenCL", "CUDA"}) {
        try {
            Platform& platform = Platform::getPlatformByName(name);
#ifdef EFFPOT_CUDA_PLUGIN
            // The tests link the OpenCL kernels; the CUDA ones come from the plugin, loaded where OpenMM's CUDA
            // platform did (it needs a driver).
            if (name == string("CUDA") && !platform.supportsKernels({CalcReplicaSplineForceKernel::Name()}))
                Platform::loadPluginLibrary(EFFPOT_CUDA_PLUGIN);
#endif
            if (platform.supportsKernels({CalcReplicaSplineForceKernel::Name()}))
                names.push_back(name);
        }
        catch (const OpenMMException&) {
        }
    }
    return names;
}

/**
 * Agreement with Reference per precision, relative (energies against |E|, forces against the largest force
 * component). Double: 1e-10 (the tables' forces are O(100-1000) kJ/mol/nm, so that the 2^-32 fixed-point force
 * accumulation of OpenMM's GPU platforms stays far below it; PoCL: below 1e-12). Mixed computes forces and
 * energies in single precision (float coefficients; the energy summed in double) and single like it: 1e-5 and 1e-4
 * relative, for the float rounding of the coefficients, the local coordinates and Horner's sums for tables of O(100)
 * values (PoCL: about 1.2e-6 for forces, 1.5e-7 for energies, in both).
 */
double tolerance(const string& precision) {
    return precision == "double" ? 1e-10 : (precision == "mixed" ? 1e-5 : 1e-4);
}

struct Table {
    vector<int> nodes;
    vector<double> lower, upper, values, wall;
};

/** A smooth, anisotropic table of d coordinates with values of O(100) kJ/mol and stiff walls. */
Table table(int d) {
    Table t;
    const int nodes[3] = {11, 9, 7};
    const double lower[3] = {-1.3, -0.7, 0.25}, upper[3] = {1.1, 0.9, 1.5}, wall[3] = {800.0, 500.0, 1200.0};
    for (int i = 0; i < d; i++) {
        t.nodes.push_back(nodes[i]);
        t.lower.push_back(lower[i]);
        t.upper.push_back(upper[i]);
        t.wall.push_back(wall[i]);
    }
    int nx = t.nodes[0], ny = (d > 1 ? t.nodes[1] : 1), nz = (d > 2 ? t.nodes[2] : 1);
    for (int k = 0; k < nz; k++)
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) {
                double x = lower[0]+i*(upper[0]-lower[0])/(nx-1);
                double y = (d > 1 ? lower[1]+j*(upper[1]-lower[1])/(ny-1) : 0.0);
                double z = (d > 2 ? lower[2]+k*(upper[2]-lower[2])/(nz-1) : 0.0);
                t.values.push_back(120*sin(2.1*x+0.4)+80*x*x*y-60*cos(3*y-z)+150*z*z+40*x*z+25*(i%3));
            }
    return t;
}

/**
 * n points: random ones inside the box, on its faces and nodes, just inside and outside them (by 1e-12 nm, about the
 * clamp's inset, and 1e-6 nm), and well outside (the wall), in every coordinate; the unused coordinates take any
 * value (far outside too). Rounded to float for single and mixed precision, so that both platforms see the same
 * coordinates (the device bounds are chosen so that its selects then agree with the host's).
 */
vector<Vec3> points(const Table& t, int n, unsigned seed, bool toFloat) {
    int d = t.nodes.size();
    mt19937 random(seed);
    uniform_real_distribution<double> uniform(0.0, 1.0);
    vector<Vec3> result(n);
    for (int p = 0; p < n; p++) {
        int kind = p%6;
        for (int i = 0; i < 3; i++) {
            double u = uniform(random);
            if (i >= d) {
                result[p][i] = 20*(u-0.5);
                continue;
            }
            double lo = t.lower[i], hi = t.upper[i], span = hi-lo, h = span/(t.nodes[i]-1);
            double q = lo+u*span;
            // Each coordinate picks its own kind, so that corners, edges and mixed inside/outside points occur.
            int k = (kind+p/6+i)%6;
            if (k == 2) {
                const double offsets[] = {0.0, 1e-12, -1e-12, 1e-6, -1e-6, 1e-9*span, -1e-9*span};
                double offset = offsets[(p/3+i)%7];
                q = ((p+i)%2 == 0 ? lo : hi)+offset;
            }
            else if (k == 3)
                q = lo+((p*7+i)%t.nodes[i])*h; // a node
            else if (k == 4)
                q = (u < 0.5 ? lo-0.5*u : hi+0.5*(u-0.5)); // outside: the wall
            if (toFloat)
                q = (float) q;
            result[p][i] = q;
        }
        if (toFloat)
            for (int i = d; i < 3; i++)
                result[p][i] = (float) result[p][i];
    }
    return result;
}

struct Result {
    double energy;
    vector<Vec3> forces;
};

/**
 * The System: n particles in the force (in reverse order, one of them twice) and every fifth System particle left
 * out of it (no force).
 */
System* splineSystem(const Table& t, int n) {
    System* system = new System();
    ReplicaSplineForce* force = new ReplicaSplineForce(t.nodes, t.lower, t.upper, t.values, t.wall);
    for (int i = 0; i < n; i++)
        system->addParticle(1.0);
    for (int i = n-1; i >= 0; i--)
        if (i%5 != 4)
            force->addParticle(i);
    force->addParticle(0);
    system->addForce(force);
    return system;
}

Result evaluate(System& system, const string& platform, const vector<Vec3>& positions, const map<string, string>& properties = {}) {
    VerletIntegrator integrator(0.001);
    Context context(system, integrator, Platform::getPlatformByName(platform), properties);
    context.setPositions(positions);
    State state = context.getState(State::Energy | State::Forces);
    return {state.getPotentialEnergy(), state.getForces()};
}

/** The largest relative differences of energy and forces (see tolerance()). */
pair<double, double> difference(const Result& expected, const Result& actual) {
    double scale = 1.0;
    for (const Vec3& f : expected.forces)
        scale = max(scale, max(fabs(f[0]), max(fabs(f[1]), fabs(f[2]))));
    double worst = 0;
    for (int i = 0; i < (int) expected.forces.size(); i++)
        for (int k = 0; k < 3; k++)
            worst = max(worst, fabs(expected.forces[i][k]-actual.forces[i][k]));
    return {fabs(expected.energy-actual.energy)/max(1.0, fabs(expected.energy)), worst/scale};
}

} // namespace

class ReplicaSplineForceGpu : public ::testing::TestWithParam<string> {
protected:
    void SetUp() {
        platforms = gpuPlatforms();
        if (platforms.empty())
            GTEST_SKIP() << "no GPU platform (OpenCL, CUDA) with effpot's ReplicaSplineForce kernel";
    }
    map<string, string> properties() {
        return {{"Precision", GetParam()}};
    }
    vector<string> platforms;
};

TEST_P(ReplicaSplineForceGpu, MatchesReferenceInsideOnTheEdgeAndOutside) {
    const string precision = GetParam();
    for (const string& platform : platforms)
        for (int d = 1; d <= 3; d++) {
            Table t = table(d);
            // Not 1: OpenMM's OpenCL platform crashes on PoCL for any one-particle System (computeKineticEnergy).
            for (int n : {2, 37, 203}) {
                unique_ptr<System> system(splineSystem(t, n));
                vector<Vec3> positions = points(t, n, 100*d+n, precision != "double");
                Result expected = evaluate(*system, "Reference", positions);
                Result actual = evaluate(*system, platform, positions, properties());
                pair<double, double> diff = difference(expected, actual);
                if (n == 203)
                    cout<<platform<<" "<<precision<<" "<<d<<"D, "<<n<<" particles: energy "<<diff.first<<", forces "
                        <<diff.second<<" (relative)"<<endl;
                string what = platform+" "+precision+" "+to_string(d)+"D n="+to_string(n);
                EXPECT_LE(diff.first, tolerance(precision)) << what;
                EXPECT_LE(diff.second, tolerance(precision)) << what;
                // Coordinates the table does not use, and particles outside the force, feel no force at all.
                for (int i = 0; i < n; i++)
                    for (int k = 0; k < 3; k++)
                        if (k >= d || i%5 == 4)
                            ASSERT_EQ(actual.forces[i][k], 0.0) << what << " particle " << i << " coordinate " << k;
            }
        }
}

TEST_P(ReplicaSplineForceGpu, DampedVerletMatchesReference) {
    // One-particle blocks on every particle of the force: Reference fuses the force into its step, and so does the
    // GPU kernel (fusedReplicaSteps, force code inlined; EFFPOT_GPU_FUSED=0 takes the unfused path). Deterministic mode (T = 0); 67 particles start inside and near
    // the walls of a 2D and a 3D table with some velocity.
    const string precision = GetParam();
    const int n = 67, steps = 100;
    for (const string& platform : platforms)
        for (int d = 2; d <= 3; d++) {
            Table t = table(d);
            System system;
            ReplicaSplineForce* force = new ReplicaSplineForce(t.nodes, t.lower, t.upper, t.values, t.wall);
            mt19937 random(d);
            uniform_real_distribution<double> uniform(0.0, 1.0);
            vector<Vec3> positions(n), velocities(n);
            for (int i = 0; i < n; i++) {
                system.addParticle(1.0);
                force->addParticle(i);
                for (int k = 0; k < 3; k++) {
                    positions[i][k] = (k < d ? t.lower[k]+(1.2*uniform(random)-0.1)*(t.upper[k]-t.lower[k]) : uniform(random));
                    velocities[i][k] = 2*(uniform(random)-0.5);
                }
            }
            system.addForce(force);
            vector<State> states;
            for (int run = 0; run < 2; run++) {
                DampedVerletIntegrator integrator(0.002);
                for (int i = 0; i < n; i++)
                    integrator.addBlock({i}, scaled(massMatrix3(), 1.0+0.01*i), scaled(frictionMatrix3(), 0.5));
                integrator.setTemperature(0.0);
                Context context(system, integrator, Platform::getPlatformByName(run == 0 ? "Reference" : platform),
                                run == 0 ? map<string, string>() : properties());
                context.setPositions(positions);
                context.setVelocities(velocities);
                integrator.step(steps);
                states.push_back(context.getState(State::Positions | State::Velocities | State::Energy));
            }
            double dx = maxAbsDifference(states[1].getPositions(), states[0].getPositions())/maxAbs(states[0].getPositions());
            double dv = maxAbsDifference(states[1].getVelocities(), states[0].getVelocities())/maxAbs(states[0].getVelocities());
            double de = fabs(states[1].getPotentialEnergy()-states[0].getPotentialEnergy())/max(1.0, fabs(states[0].getPotentialEnergy()));
            cout<<platform<<" "<<precision<<" "<<d<<"D DampedVerlet vs Reference after "<<steps<<" steps: positions "<<dx
                <<", velocities "<<dv<<", potential energy "<<de<<" (relative)"<<endl;
            // Double: the forces' rounding (below 1e-12 relative) grows over the steps (PoCL: 3e-12 after 100 steps);
            // mixed and single: the forces' single precision (PoCL: below 1e-5 both; mixed keeps the positions in
            // double, but its forces are single like single's).
            double tol = (precision == "double" ? 1e-10 : (precision == "mixed" ? 5e-5 : 1e-4));
            EXPECT_LT(dx, tol) << platform << " " << d << "D";
            EXPECT_LT(dv, tol) << platform << " " << d << "D";
            EXPECT_LT(de, tol) << platform << " " << d << "D";
        }
}

TEST_P(ReplicaSplineForceGpu, SeveralForcesAndForceGroups) {
    // Two tables in one System (one BondedUtilities kernel holds both), in force groups of their own, on
    // overlapping particle sets: each group's energy and forces match Reference's.
    const string precision = GetParam();
    const int n = 45;
    Table t1 = table(1), t3 = table(3);
    System system;
    ReplicaSplineForce* first = new ReplicaSplineForce(t1.nodes, t1.lower, t1.upper, t1.values, t1.wall);
    ReplicaSplineForce* second = new ReplicaSplineForce(t3.nodes, t3.lower, t3.upper, t3.values, t3.wall);
    for (int i = 0; i < n; i++) {
        system.addParticle(1.0);
        if (i < 30)
            first->addParticle(i);
        if (i >= 12)
            second->addParticle(i);
    }
    first->setForceGroup(1);
    second->setForceGroup(2);
    system.addForce(first);
    system.addForce(second);
    vector<Vec3> positions = points(t3, n, 17, precision != "double");
    for (const string& platform : platforms) {
        VerletIntegrator integrator1(0.001), integrator2(0.001);
        Context reference(system, integrator1, Platform::getPlatformByName("Reference"));
        Context context(system, integrator2, Platform::getPlatformByName(platform), properties());
        reference.setPositions(positions);
        context.setPositions(positions);
        for (int groups : {1<<1, 1<<2, (1<<1)|(1<<2)}) {
            State expected = reference.getState(State::Energy | State::Forces, false, groups);
            State actual = context.getState(State::Energy | State::Forces, false, groups);
            pair<double, double> diff = difference({expected.getPotentialEnergy(), expected.getForces()},
                                                   {actual.getPotentialEnergy(), actual.getForces()});
            EXPECT_LE(diff.first, tolerance(precision)) << platform << " groups " << groups;
            EXPECT_LE(diff.second, tolerance(precision)) << platform << " groups " << groups;
        }
    }
}

TEST_P(ReplicaSplineForceGpu, FollowsParticlesWhenAtomsAreReordered) {
    // A NonbondedForce with a cutoff makes OpenMM reorder the particles it may treat alike on the device (on the
    // first step): those the table acts on once, those it does not act on (every seventh) and those it acts on
    // twice (every ninth) may not trade places (a ForceInfo that only tells in from out fails here). The particles
    // start on a scrambled lattice inside the periodic box and the table's box and move little in 100 steps
    // (OpenMM wraps the positions into the periodic box when it reorders; the table reads them as they are).
    const string precision = GetParam();
    const int n = 64, steps = 100;
    const double box = 4.0;
    System system;
    system.setDefaultPeriodicBoxVectors(Vec3(box, 0, 0), Vec3(0, box, 0), Vec3(0, 0, box));
    NonbondedForce* nonbonded = new NonbondedForce();
    nonbonded->setNonbondedMethod(NonbondedForce::CutoffPeriodic);
    nonbonded->setCutoffDistance(1.0);
    // A 3D table of wells, one per lattice site (like TestDampedVerletGpu's cosine lattice), with a slope, so that a
    // particle fed another's position would move differently.
    Table t;
    t.nodes = {17, 17, 17};
    t.lower = {0.0, 0.0, 0.0};
    t.upper = {box, box, box};
    t.wall = {100.0, 100.0, 100.0};
    for (int k = 0; k < 17; k++)
        for (int j = 0; j < 17; j++)
            for (int i = 0; i < 17; i++) {
                double x = i*box/16, y = j*box/16, z = k*box/16, pi = 3.141592653589793;
                t.values.push_back(2*(pow(cos(pi*x), 2)+pow(cos(pi*y), 2)+pow(cos(pi*z), 2))+0.3*x-0.2*y+0.1*z*x);
            }
    ReplicaSplineForce* force = new ReplicaSplineForce(t.nodes, t.lower, t.upper, t.values, t.wall);
    vector<Vec3> positions, velocities;
    for (int i = 0; i < n; i++) {
        system.addParticle(1.0);
        nonbonded->addParticle(0.0, 0.1, 0.05);
        if (i%7 != 3)
            force->addParticle(i);
        int cell = (37*i+11)%n;
        positions.push_back(Vec3(0.5+(cell%4), 0.5+(cell/4)%4, 0.5+cell/16)+Vec3(0.1*sin(i), 0.1*cos(2*i), 0.1*sin(3*i)));
        velocities.push_back(Vec3(0.5*cos(i), 0.5*sin(1.5*i), 0.5*cos(2.5*i)));
    }
    for (int i = 5; i < n; i += 9)
        force->addParticle(i);
    system.addForce(nonbonded);
    system.addForce(force);
    for (const string& platform : platforms) {
        vector<State> states;
        for (int run = 0; run < 2; run++) {
            DampedVerletIntegrator integrator(0.005);
            for (int i = 0; i < n; i++)
                integrator.addBlock({i}, scaled(massMatrix3(), 1.0+0.05*i), scaled(frictionMatrix3(), 1.0+0.1*(i%7)));
            Context context(system, integrator, Platform::getPlatformByName(run == 0 ? "Reference" : platform),
                            run == 0 ? map<string, string>() : properties());
            context.setPositions(positions);
            context.setVelocities(velocities);
            integrator.step(steps);
            states.push_back(context.getState(State::Positions | State::Velocities));
        }
        double dx = maxAbsDifference(states[1].getPositions(), states[0].getPositions())/maxAbs(states[0].getPositions());
        double dv = maxAbsDifference(states[1].getVelocities(), states[0].getVelocities())/maxAbs(states[0].getVelocities());
        cout<<platform<<" "<<precision<<" with reordering vs Reference after "<<steps<<" steps: positions "<<dx
            <<", velocities "<<dv<<endl;
        double tol = (precision == "double" ? 1e-9 : (precision == "mixed" ? 5e-5 : 1e-4));
        EXPECT_LT(dx, tol) << platform;
        EXPECT_LT(dv, tol) << platform;
    }
}

TEST_P(ReplicaSplineForceGpu, EmptyForceIsHarmless) {
    // No particles: no interaction is added; the Context works and the energy is 0.
    Table t = table(2);
    System system;
    system.addParticle(1.0);
    system.addParticle(1.0);
    system.addForce(new ReplicaSplineForce(t.nodes, t.lower, t.upper, t.values, t.wall));
    for (const string& platform : platforms) {
        Result result = evaluate(system, platform, {Vec3(0.1, 0.2, 0.3), Vec3(5, 5, 5)}, properties());
        EXPECT_EQ(result.energy, 0.0) << platform;
        EXPECT_EQ(maxAbs(result.forces), 0.0) << platform;
    }
}

INSTANTIATE_TEST_SUITE_P(Precisions, ReplicaSplineForceGpu, ::testing::Values("double", "mixed", "single"));
