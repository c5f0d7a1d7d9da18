// ReplicaSplineForce: energies and forces against the CustomCompoundBondForce that EffectivePotential::createForce
// emits (the same table, clamp and wall) in 1D, 2D and 3D, inside, on the edges and outside the box, for replica
// counts that are not multiples of the SIMD block; NaN coordinates; serialization; fused against unfused steps;
// the thermal fused step's velocity covariance; and the errors.
#include "TestSupport.h"
#include "DampedVerletIntegrator.h"
#include "ReplicaSplineForce.h"
#include "internal/SplineTable.h"
#include "openmm/CustomCompoundBondForce.h"
#include "openmm/CustomExternalForce.h"
#include "openmm/OpenMMException.h"
#include "openmm/TabulatedFunction.h"
#include "openmm/VerletIntegrator.h"
#include "openmm/serialization/XmlSerializer.h"
#include <cmath>
#include <memory>
#include <random>
#include <sstream>

using namespace EffPot;
using namespace EffPotTest;
using namespace OpenMM;
using namespace std;

namespace {

struct Table {
    vector<int> nodes;
    vector<double> lower, upper, values, wall;
};

/** A rough random table (the spline must reproduce OpenMM's for any values, not only smooth ones). */
Table randomTable(int d, unsigned seed) {
    mt19937 random(seed);
    normal_distribution<double> normal;
    Table t;
    const int nodes[3] = {11, 8, 6};
    const double lower[3] = {-1.0, -2.0, -0.5}, upper[3] = {1.5, 1.0, 0.7}, wall[3] = {30.0, 55.0, 70.0};
    int count = 1;
    for (int i = 0; i < d; i++) {
        t.nodes.push_back(nodes[i]);
        t.lower.push_back(lower[i]);
        t.upper.push_back(upper[i]);
        t.wall.push_back(wall[i]);
        count *= nodes[i];
    }
    for (int i = 0; i < count; i++)
        t.values.push_back(normal(random));
    return t;
}

/** createForce's expression for this table (EffectivePotential.cpp): the same clamp and wall. */
CustomCompoundBondForce* portableForce(const Table& t, int particles) {
    int d = t.nodes.size();
    const char* names[3] = {"x", "y", "z"};
    stringstream expression, definitions;
    expression.precision(17);
    definitions.precision(17);
    expression<<"effpot_U(";
    for (int i = 0; i < d; i++)
        expression<<(i > 0 ? ", " : "")<<"effpot_"<<names[i];
    expression<<")+effpot_wall";
    definitions<<"; effpot_wall = ";
    for (int i = 0; i < d; i++)
        definitions<<(i > 0 ? " + " : "")<<t.wall[i]<<"*("<<names[i]<<"1-effpot_"<<names[i]<<")^2";
    for (int i = 0; i < d; i++) {
        double inset = 1e-9*(t.upper[i]-t.lower[i]), low = t.lower[i]+inset, high = t.upper[i]-inset;
        definitions<<"; effpot_"<<names[i]<<" = select(step("<<names[i]<<"1-("<<low<<")), select(step("<<names[i]
                   <<"1-("<<high<<")), "<<high<<", "<<names[i]<<"1), "<<low<<")";
    }
    CustomCompoundBondForce* force = new CustomCompoundBondForce(1, expression.str()+definitions.str());
    TabulatedFunction* table;
    if (d == 1)
        table = new Continuous1DFunction(t.values, t.lower[0], t.upper[0]);
    else if (d == 2)
        table = new Continuous2DFunction(t.nodes[0], t.nodes[1], t.values, t.lower[0], t.upper[0], t.lower[1], t.upper[1]);
    else
        table = new Continuous3DFunction(t.nodes[0], t.nodes[1], t.nodes[2], t.values, t.lower[0], t.upper[0], t.lower[1],
                                         t.upper[1], t.lower[2], t.upper[2]);
    force->addTabulatedFunction("effpot_U", table);
    for (int p = 0; p < particles; p++)
        force->addBond({p}, {});
    return force;
}

ReplicaSplineForce* fastForce(const Table& t, int particles) {
    ReplicaSplineForce* force = new ReplicaSplineForce(t.nodes, t.lower, t.upper, t.values, t.wall);
    for (int p = 0; p < particles; p++)
        force->addParticle(p);
    return force;
}

/** Points inside, exactly on the box faces and nodes, and outside it. */
vector<Vec3> testPoints(const Table& t, int count, unsigned seed) {
    mt19937 random(seed);
    vector<Vec3> points(count);
    int d = t.nodes.size();
    for (int p = 0; p < count; p++)
        for (int i = 0; i < 3; i++) {
            if (i >= d) {
                points[p][i] = uniform_real_distribution<double>(-3, 3)(random);
                continue;
            }
            double lo = t.lower[i], hi = t.upper[i], width = hi-lo;
            switch (p%4) {
            case 0: // inside
                points[p][i] = uniform_real_distribution<double>(lo, hi)(random);
                break;
            case 1: // on a node or a face
                points[p][i] = lo+(random()%t.nodes[i])*width/(t.nodes[i]-1);
                break;
            default: // anywhere around the box, often outside
                points[p][i] = uniform_real_distribution<double>(lo-0.4*width, hi+0.4*width)(random);
            }
        }
    return points;
}

State evaluate(Force* force, int particles, const vector<Vec3>& positions, const string& platform) {
    System system;
    for (int p = 0; p < particles; p++)
        system.addParticle(1.0);
    system.addForce(force);
    VerletIntegrator integrator(0.001);
    Context context(system, integrator, Platform::getPlatformByName(platform));
    context.setPositions(positions);
    return context.getState(State::Energy | State::Forces);
}

} // namespace

TEST(ReplicaSplineForce, MatchesTheEmittedPortableForce) {
    for (int d = 1; d <= 3; d++)
        for (int count : {1, 63, 65, 203})
            for (const string& platform : platformNames()) {
                Table t = randomTable(d, 10+d);
                vector<Vec3> points = testPoints(t, count, 100+count);
                State portable = evaluate(portableForce(t, count), count, points, "Reference");
                State fast = evaluate(fastForce(t, count), count, points, platform);
                ASSERT_NEAR(fast.getPotentialEnergy(), portable.getPotentialEnergy(), 1e-10*fabs(portable.getPotentialEnergy()))
                        << d << "D, " << count << " particles, " << platform;
                double largest = 0;
                for (const Vec3& f : portable.getForces())
                    largest = max(largest, sqrt(f.dot(f)));
                for (int p = 0; p < count; p++)
                    for (int i = 0; i < 3; i++)
                        ASSERT_NEAR(fast.getForces()[p][i], portable.getForces()[p][i], 1e-10*largest)
                                << d << "D, particle " << p << " component " << i << ", " << platform;
            }
}

TEST(ReplicaSplineForce, ScalarTableAgreesWithTheLanes) {
    // SplineTable::evaluate (one point) is the plain form of what the lanes compute.
    Table t = randomTable(2, 5);
    SplineTable table(t.nodes, t.lower, t.upper, t.values, t.wall, "test");
    vector<Vec3> points = testPoints(t, 65, 9);
    State fast = evaluate(fastForce(t, 65), 65, points, "Reference");
    double sum = 0;
    for (int p = 0; p < 65; p++) {
        double gradient[3];
        sum += table.evaluate(&points[p][0], gradient);
        for (int i = 0; i < 3; i++)
            ASSERT_NEAR(-gradient[i], fast.getForces()[p][i], 1e-9*(1+fabs(gradient[i])));
    }
    ASSERT_NEAR(sum, fast.getPotentialEnergy(), 1e-10*fabs(sum));
}

TEST(ReplicaSplineForce, NanCoordinateGivesNanNotACrash) {
    Table t = randomTable(2, 3);
    double point[3] = {NAN, 0.1, 0.0}, gradient[3];
    SplineTable table(t.nodes, t.lower, t.upper, t.values, t.wall, "test");
    ASSERT_TRUE(std::isnan(table.evaluate(point, gradient)));
    ASSERT_TRUE(std::isnan(gradient[0]));
}

TEST(ReplicaSplineForce, SerializationRoundTrip) {
    Table t = randomTable(3, 4);
    unique_ptr<ReplicaSplineForce> force(fastForce(t, 70));
    force->setForceGroup(3);
    force->setName("learned");
    stringstream buffer;
    XmlSerializer::serialize<Force>(force.get(), "Force", buffer);
    ReplicaSplineForce* copy = dynamic_cast<ReplicaSplineForce*>(XmlSerializer::deserialize<Force>(buffer));
    ASSERT_TRUE(copy != NULL);
    ASSERT_EQ(copy->getForceGroup(), 3);
    ASSERT_EQ(copy->getName(), "learned");
    ASSERT_EQ(copy->getNumParticles(), 70);
    ASSERT_EQ(copy->getValues(), t.values);
    ASSERT_EQ(copy->getWallStiffness(), t.wall);
    vector<Vec3> points = testPoints(t, 70, 1);
    State a = evaluate(force.release(), 70, points, "Reference");
    State b = evaluate(copy, 70, points, "Reference");
    ASSERT_EQ(a.getPotentialEnergy(), b.getPotentialEnergy());
}

TEST(ReplicaSplineForce, BadTablesAreRejected) {
    Table t = randomTable(2, 1);
    ASSERT_THROW(ReplicaSplineForce({3, 8}, t.lower, t.upper, vector<double>(24, 0.0), t.wall), OpenMMException);
    ASSERT_THROW(ReplicaSplineForce(t.nodes, t.lower, t.upper, vector<double>(5, 0.0), t.wall), OpenMMException);
    ASSERT_THROW(ReplicaSplineForce(t.nodes, t.upper, t.lower, t.values, t.wall), OpenMMException);
    ASSERT_THROW(ReplicaSplineForce(t.nodes, t.lower, t.upper, t.values, {1.0, -1.0}), OpenMMException);
    vector<double> bad = t.values;
    bad[7] = NAN;
    ASSERT_THROW(ReplicaSplineForce(t.nodes, t.lower, t.upper, bad, t.wall), OpenMMException);
    ASSERT_THROW(ReplicaSplineForce({}, {}, {}, {}, {}), OpenMMException);
    ReplicaSplineForce force(t.nodes, t.lower, t.upper, t.values, t.wall);
    ASSERT_THROW(force.addParticle(-1), OpenMMException);
    ASSERT_THROW(force.getParticle(0), OpenMMException);
}

namespace {

/** A smooth 2D bowl tabulated on a grid (curvature 2 along x, 1 along y). */
Table bowl() {
    Table t;
    t.nodes = {40, 30};
    t.lower = {-3.0, -3.5};
    t.upper = {3.0, 3.5};
    t.wall = {20.0, 20.0};
    for (int j = 0; j < 30; j++)
        for (int i = 0; i < 40; i++) {
            double x = -3.0+i*6.0/39, y = -3.5+j*7.0/29;
            t.values.push_back(x*x+0.5*y*y+0.1*x*y);
        }
    return t;
}

/** R replicas of the bowl stepped by DampedVerlet; `unfused` adds a zero force so the step cannot fuse. */
State run(int replicas, int steps, bool thermal, bool unfused, const string& platform) {
    System system;
    for (int p = 0; p < replicas; p++)
        system.addParticle(1.0);
    system.addForce(fastForce(bowl(), replicas));
    if (unfused) {
        CustomExternalForce* zero = new CustomExternalForce("0*x");
        zero->addParticle(0);
        system.addForce(zero);
    }
    DampedVerletIntegrator integrator(0.05);
    for (int p = 0; p < replicas; p++)
        integrator.addBlock({p}, massMatrix3(), frictionMatrix3());
    if (thermal) {
        integrator.setTemperature(150);
        integrator.setRandomNumberSeed(7);
    }
    Context context(system, integrator, Platform::getPlatformByName(platform));
    vector<Vec3> positions(replicas), velocities(replicas);
    for (int p = 0; p < replicas; p++) {
        positions[p] = Vec3(-1+2.0*p/replicas, 0.5-1.0*p/replicas, 0.1);
        velocities[p] = Vec3(0.3, -0.2, 0.1*(p%3));
    }
    context.setPositions(positions);
    context.setVelocities(velocities);
    integrator.step(steps);
    return context.getState(State::Positions | State::Velocities);
}

} // namespace

TEST(ReplicaSplineForce, FusedStepsAgreeWithUnfusedSteps) {
    for (bool thermal : {false, true})
        for (const string& platform : platformNames()) {
            State fused = run(131, 200, thermal, false, platform);
            State unfused = run(131, 200, thermal, true, platform);
            for (int p = 0; p < 131; p++)
                for (int i = 0; i < 3; i++) {
                    ASSERT_NEAR(fused.getPositions()[p][i], unfused.getPositions()[p][i], 1e-10) << platform << " thermal " << thermal;
                    ASSERT_NEAR(fused.getVelocities()[p][i], unfused.getVelocities()[p][i], 1e-10) << platform << " thermal " << thermal;
                }
        }
}

TEST(ReplicaSplineForce, ThermalFusedStepKeepsTheVelocityCovariance) {
    // Cov(v) = kT M^-1 in every block (exact OU step); the sample covariance of N replicas has standard error
    // sqrt((S_ii S_jj + S_ij^2) / N) per entry.
    const int replicas = 6000;
    for (const string& platform : platformNames()) {
        State state = run(replicas, 400, true, false, platform);
        double kT = 150*BOLTZ;  // kJ/mol
        vector<double> m = massMatrix3();
        // The inverse of the 3x3 mass matrix.
        double a = m[0], b = m[1], c = m[2], d = m[4], e = m[5], f = m[8];
        double det = a*(d*f-e*e)-b*(b*f-c*e)+c*(b*e-c*d);
        double inv[9] = {(d*f-e*e)/det, (c*e-b*f)/det, (b*e-c*d)/det, (c*e-b*f)/det, (a*f-c*c)/det, (b*c-a*e)/det,
                         (b*e-c*d)/det, (b*c-a*e)/det, (a*d-b*b)/det};
        double mean[3] = {0, 0, 0}, cov[9] = {0};
        for (const Vec3& v : state.getVelocities())
            for (int i = 0; i < 3; i++)
                mean[i] += v[i]/replicas;
        for (const Vec3& v : state.getVelocities())
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    cov[3*i+j] += (v[i]-mean[i])*(v[j]-mean[j])/(replicas-1);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                double expected = kT*inv[3*i+j];
                double error = sqrt((kT*inv[4*i]*kT*inv[4*j]+expected*expected)/replicas);
                ASSERT_NEAR(cov[3*i+j], expected, 4*error) << platform << " entry " << i << j;
            }
    }
}
