// DampedVerletIntegrator on the GPU platforms (OpenCL here, PoCL on a CPU-only machine) in single, mixed and double
// precision: agreement with Reference, the laws of the thermal and noise modes, atom reordering, checkpoints; both
// splittings (OBABO, BAOAB).
#include "TestSupport.h"
#include "EffPotKernels.h"
#include "openmm/CustomExternalForce.h"
#include "openmm/NonbondedForce.h"
#include "openmm/OpenMMException.h"
#include <Eigen/Dense>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

using namespace EffPot;
using namespace EffPotTest;
using namespace OpenMM;
using namespace std;

namespace {

typedef Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Matrix;

bool openCLAvailable() {
    try {
        Platform& platform = Platform::getPlatformByName("OpenCL");
        return platform.supportsKernels({IntegrateDampedVerletStepKernel::Name()});
    }
    catch (const OpenMMException&) {
        return false;
    }
}

/** Relative agreement each precision reaches over 1000 steps against Reference (double, host). */
double tolerance(const string& precision) {
    return precision == "double" ? 1e-10 : (precision == "mixed" ? 1e-5 : 1e-4);
}

vector<double> matrix6(double scale, double coupling) {
    Matrix a = Matrix::Map(massMatrix3().data(), 3, 3), m(6, 6);
    m << a, coupling*Matrix::Identity(3, 3), coupling*Matrix::Identity(3, 3), scale*a;
    return vector<double>(m.data(), m.data()+36);
}

/**
 * Every kind of unit: one-particle blocks with different matrices, a two-particle block (6x6), free particles with
 * the default friction. A harmonic well with weak anharmonic terms; amplitudes of several nm, so that the 2^-32
 * fixed-point force accumulation of OpenMM's GPU platforms (absolute) stays below 1e-10 relative in double.
 */
struct Mixture {
    unique_ptr<System> system;
    vector<Vec3> positions, velocities;
    double temperature;
    int seed, splitting;
    double stepSize = 0.01, frictionScale = 1.0; // every friction (blocks and default) is scaled by frictionScale
    Mixture(double temperature, int seed, int splitting = DampedVerletIntegrator::OBABO) : system(new System()),
            temperature(temperature), seed(seed), splitting(splitting) {
        CustomExternalForce* force = new CustomExternalForce("0.5*(2*x^2+3*y^2+4*z^2)+0.5*x*y+0.002*x^4+0.1*sin(z)");
        int n = 7;
        for (int i = 0; i < n; i++) {
            system->addParticle(1.0+0.1*i);
            force->addParticle(i);
        }
        system->addForce(force);
        for (int i = 0; i < n; i++) {
            positions.push_back(Vec3(8*sin(1.3*i+0.2), 8*cos(0.7*i+1.1), 6*sin(2.1*i+0.5)));
            velocities.push_back(Vec3(6*cos(1.7*i), -4*sin(0.9*i+0.3), 5*cos(2.3*i+0.7)));
        }
    }
    /** A new integrator (an integrator binds to one Context for good). */
    DampedVerletIntegrator* integrator() const {
        DampedVerletIntegrator* integrator = new DampedVerletIntegrator(stepSize);
        integrator->addBlock({0}, massMatrix3(), scaled(frictionMatrix3(), 0.1*frictionScale));
        integrator->addBlock({3}, scaled(massMatrix3(), 2.0), scaled(frictionMatrix3(), 0.05*frictionScale));
        integrator->addBlock({5, 1}, matrix6(1.5, 0.1), scaled(matrix6(2.0, 0.0005), frictionScale));
        if (temperature > 0)
            integrator->setNoiseCovariance(1, scaled(frictionMatrix3(), 0.3)); // one block with explicit noise
        integrator->setDefaultFriction(0.07*frictionScale);
        integrator->setTemperature(temperature);
        integrator->setRandomNumberSeed(seed);
        integrator->setSplitting(splitting);
        return integrator;
    }
    State run(Platform& platform, const map<string, string>& properties, int steps) {
        unique_ptr<DampedVerletIntegrator> integ(integrator());
        Context context(*system, *integ, platform, properties);
        context.setPositions(positions);
        context.setVelocities(velocities);
        integ->step(steps);
        return context.getState(State::Positions | State::Velocities | State::Energy);
    }
};

/** The particles of each kind of unit in a Mixture: one-particle blocks, the two-particle block, free particles. */
const vector<pair<string, vector<int> > > MIXTURE_UNITS = {{"3x3 blocks", {0, 3}}, {"6x6 block", {5, 1}}, {"free particles", {2, 4, 6}}};

/** max |a - b| over some particles, relative to max |b| over them. */
double relativeDifference(const vector<Vec3>& a, const vector<Vec3>& b, const vector<int>& particles) {
    vector<Vec3> x, y;
    for (int i : particles) {
        x.push_back(a[i]);
        y.push_back(b[i]);
    }
    return maxAbsDifference(x, y)/maxAbs(y);
}

/**
 * R independent 3D harmonic oscillators of unit mass (stiffness 4, 1, 2.25), thermal at 300 K with unit friction
 * (one-particle blocks) at step h: the second moments of the positions over replicas and 20 snapshots taken 5 steps
 * apart after 100 steps (the setup of TestDampedVerletSplitting.cpp).
 */
vector<double> harmonicSecondMoments(Platform& platform, const map<string, string>& properties, int splitting, int replicas,
                                     double h) {
    System system;
    CustomExternalForce* force = new CustomExternalForce("0.5*(4*x^2 + y^2 + 2.25*z^2)");
    for (int i = 0; i < replicas; i++) {
        system.addParticle(1.0);
        force->addParticle(i);
    }
    system.addForce(force);
    DampedVerletIntegrator integrator(h);
    for (int i = 0; i < replicas; i++)
        integrator.addBlock({i}, {1, 0, 0, 0, 1, 0, 0, 0, 1}, {1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0});
    integrator.setTemperature(300);
    integrator.setRandomNumberSeed(11);
    integrator.setSplitting(splitting);
    Context context(system, integrator, platform, properties);
    context.setPositions(vector<Vec3>(replicas, Vec3(0.1, -0.2, 0.3)));
    context.setVelocities(vector<Vec3>(replicas, Vec3(0.2, 0.1, -0.1)));
    integrator.step(100);
    vector<double> moments(3, 0.0);
    for (int s = 0; s < 20; s++) {
        integrator.step(5);
        for (const Vec3& q : context.getState(State::Positions).getPositions())
            for (int c = 0; c < 3; c++)
                moments[c] += q[c]*q[c]/(20.0*replicas);
    }
    return moments;
}

} // namespace

class DampedVerletGpu : public ::testing::TestWithParam<string> {
protected:
    void SetUp() {
        if (!openCLAvailable())
            GTEST_SKIP() << "no OpenCL platform with effpot's kernels";
    }
    Platform& platform() {
        return Platform::getPlatformByName("OpenCL");
    }
    map<string, string> properties() {
        return {{"Precision", GetParam()}};
    }
};

TEST_P(DampedVerletGpu, DeterministicModeMatchesReference) {
    Mixture mixture(0.0, 1);
    const int steps = 1000;
    State expected = mixture.run(Platform::getPlatformByName("Reference"), {}, steps);
    State actual = mixture.run(platform(), properties(), steps);
    double dx = maxAbsDifference(actual.getPositions(), expected.getPositions())/maxAbs(expected.getPositions());
    double dv = maxAbsDifference(actual.getVelocities(), expected.getVelocities())/maxAbs(expected.getVelocities());
    double dk = fabs(actual.getKineticEnergy()-expected.getKineticEnergy())/expected.getKineticEnergy();
    cout<<"OpenCL "<<GetParam()<<" vs Reference after "<<steps<<" steps: positions "<<dx<<", velocities "<<dv
        <<", kinetic energy "<<dk<<" (relative)"<<endl;
    EXPECT_LT(dx, tolerance(GetParam()));
    EXPECT_LT(dv, tolerance(GetParam()));
    EXPECT_LT(dk, tolerance(GetParam()));
    EXPECT_NEAR(actual.getTime(), expected.getTime(), 1e-9);
    EXPECT_EQ(actual.getStepCount(), expected.getStepCount());
}

TEST_P(DampedVerletGpu, NoiseStreamMatchesReference) {
    // The device draws the Reference kernel's Philox stream (same seed, particle and counter): thermal and explicit
    // noise trajectories agree up to rounding, not just in law.
    Mixture mixture(300.0, 12345);
    const int steps = 200;
    State expected = mixture.run(Platform::getPlatformByName("Reference"), {}, steps);
    State actual = mixture.run(platform(), properties(), steps);
    double dx = maxAbsDifference(actual.getPositions(), expected.getPositions())/maxAbs(expected.getPositions());
    double dv = maxAbsDifference(actual.getVelocities(), expected.getVelocities())/maxAbs(expected.getVelocities());
    cout<<"OpenCL "<<GetParam()<<" thermal vs Reference after "<<steps<<" steps: positions "<<dx<<", velocities "<<dv<<endl;
    double tol = (GetParam() == "double" ? 1e-9 : (GetParam() == "mixed" ? 1e-5 : 1e-3));
    EXPECT_LT(dx, tol);
    EXPECT_LT(dv, tol);
}

TEST_P(DampedVerletGpu, ThermalModeGivesCovarianceKTInverseMass) {
    // No force: the O steps are exact Ornstein-Uhlenbeck steps, so from rest the velocities relax to N(0, kT M^-1)
    // exactly (strong friction, 400 steps of 0.02 ps: transients below e^-20). Each block is an independent sample.
    const int num3 = 3000, num6 = 600, numFree = 1000;
    System system;
    for (int i = 0; i < num3+2*num6+numFree; i++)
        system.addParticle(i < num3+2*num6 ? 1.0 : 2.5);
    DampedVerletIntegrator integrator(0.02);
    vector<double> friction3 = scaled(frictionMatrix3(), 5.0), mass6 = matrix6(1.5, 0.1), friction6 = matrix6(6.0, 0.05);
    for (int i = 0; i < num3; i++)
        integrator.addBlock({i}, massMatrix3(), friction3);
    for (int i = 0; i < num6; i++)
        integrator.addBlock({num3+2*i+1, num3+2*i}, mass6, friction6);
    double temperature = 300, kT = BOLTZ*temperature;
    integrator.setTemperature(temperature);
    integrator.setDefaultFriction(3.0);
    integrator.setRandomNumberSeed(7);
    Context context(system, integrator, platform(), properties());
    context.setPositions(vector<Vec3>(system.getNumParticles()));
    integrator.step(400);
    vector<Vec3> v = context.getState(State::Velocities).getVelocities();
    // Whitened velocities w = L^T v (M = L L^T) have Cov(w) = kT I; check every entry of the sample covariance
    // against 5 standard deviations of its estimate ((1+delta_ij) kT^2 / N).
    auto check = [&](const vector<double>& massValues, int n, int numBlocks, function<int (int, int)> particle) {
        Matrix mass = Matrix::Map(massValues.data(), n, n);
        Matrix lowerT = Eigen::LLT<Matrix>(mass).matrixL().transpose();
        Matrix covariance = Matrix::Zero(n, n);
        for (int b = 0; b < numBlocks; b++) {
            Eigen::VectorXd x(n);
            for (int j = 0; j < n/3; j++)
                for (int c = 0; c < 3; c++)
                    x[3*j+c] = v[particle(b, j)][c];
            Eigen::VectorXd w = lowerT*x;
            covariance += w*w.transpose();
        }
        covariance /= numBlocks;
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) {
                double sigma = kT*sqrt((r == c ? 2.0 : 1.0)/numBlocks);
                EXPECT_NEAR(covariance(r, c), r == c ? kT : 0.0, 5*sigma) << n << "x" << n << " blocks, entry " << r << "," << c;
            }
    };
    check(massMatrix3(), 3, num3, [](int b, int j) { return b; });
    check(mass6, 6, num6, [&](int b, int j) { return num3+2*b+1-j; });
    check(vector<double>{2.5, 0, 0, 0, 2.5, 0, 0, 0, 2.5}, 3, numFree, [&](int b, int j) { return num3+2*num6+b; });
    // The device kinetic energy is the mean of (1/2) v^T M v: (3/2) kT per particle.
    double energy = context.getState(State::Energy).getKineticEnergy();
    int dof = 3*system.getNumParticles();
    EXPECT_NEAR(energy, 0.5*dof*kT, 5*kT*sqrt(0.5*dof));
}

TEST_P(DampedVerletGpu, NoiseModeGivesLyapunovCovariance) {
    // Explicit noise covariance D, no force: the stationary velocity covariance C solves the continuous Lyapunov
    // equation B C + C B^T = M^-1 D M^-1 with B = M^-1 Gamma (the O steps are exact).
    const int numBlocks = 4000;
    System system;
    DampedVerletIntegrator integrator(0.02);
    vector<double> friction = scaled(frictionMatrix3(), 5.0);
    vector<double> noise = {3.0, 1.0, 0.0, 1.0, 2.0, 0.5, 0.0, 0.5, 1.0};
    for (int i = 0; i < numBlocks; i++) {
        system.addParticle(1.0);
        integrator.addBlock({i}, massMatrix3(), friction);
        integrator.setNoiseCovariance(i, noise);
    }
    integrator.setRandomNumberSeed(11);
    Context context(system, integrator, platform(), properties());
    context.setPositions(vector<Vec3>(numBlocks));
    integrator.step(400);
    vector<Vec3> v = context.getState(State::Velocities).getVelocities();
    Matrix mass = Matrix::Map(massMatrix3().data(), 3, 3), inverseMass = mass.inverse();
    Matrix b = inverseMass*Matrix::Map(friction.data(), 3, 3);
    Matrix q = inverseMass*Matrix::Map(noise.data(), 3, 3)*inverseMass;
    Matrix identity = Matrix::Identity(3, 3), kron(9, 9);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 3; k++)
                for (int l = 0; l < 3; l++)
                    kron(3*i+k, 3*j+l) = b(i, j)*identity(k, l)+identity(i, j)*b(k, l);
    Eigen::VectorXd qv(9);
    for (int i = 0; i < 9; i++)
        qv[i] = q(i/3, i%3);
    Eigen::VectorXd cv = kron.fullPivLu().solve(qv);
    Matrix expected(3, 3), sample = Matrix::Zero(3, 3);
    for (int i = 0; i < 9; i++)
        expected(i/3, i%3) = cv[i];
    for (const Vec3& x : v) {
        Eigen::Vector3d y(x[0], x[1], x[2]);
        sample += y*y.transpose();
    }
    sample /= numBlocks;
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            double sigma = sqrt((expected(r, r)*expected(c, c)+expected(r, c)*expected(r, c))/numBlocks);
            EXPECT_NEAR(sample(r, c), expected(r, c), 5*sigma) << "entry " << r << "," << c;
        }
}

TEST_P(DampedVerletGpu, BlocksFollowParticlesWhenAtomsAreReordered) {
    // A NonbondedForce with a cutoff makes OpenMM reorder identical particles on the device (on the first step and
    // every 250 steps). Every particle has its own mass and friction matrices (some in two-particle blocks), so a
    // block applied to the wrong slot would change the trajectory at once.
    const int n = 64;
    const double box = 4.0;
    System system;
    system.setDefaultPeriodicBoxVectors(Vec3(box, 0, 0), Vec3(0, box, 0), Vec3(0, 0, box));
    NonbondedForce* nonbonded = new NonbondedForce();
    nonbonded->setNonbondedMethod(NonbondedForce::CutoffPeriodic);
    nonbonded->setCutoffDistance(1.0);
    // Each particle stays in its own well of a lattice of wells (one expression for all, so that the particles stay
    // identical for OpenMM and may be reordered), so that the run does not turn chaotic through collisions.
    CustomExternalForce* well = new CustomExternalForce("2*(cos(3.141592653589793*x)^2+cos(3.141592653589793*y)^2+cos(3.141592653589793*z)^2)");
    vector<Vec3> positions, velocities;
    for (int i = 0; i < n; i++) {
        system.addParticle(1.0);
        nonbonded->addParticle(0.0, 0.1, 0.05); // only there to make OpenMM reorder: small, or the run is chaotic
        well->addParticle(i);
        // A scrambled lattice, so that spatial sorting permutes the particles.
        int cell = (37*i+11)%n;
        positions.push_back(Vec3(0.5+(cell%4), 0.5+(cell/4)%4, 0.5+cell/16)+Vec3(0.1*sin(i), 0.1*cos(2*i), 0.1*sin(3*i)));
        velocities.push_back(Vec3(0.5*cos(i), 0.5*sin(1.5*i), 0.5*cos(2.5*i)));
    }
    system.addForce(nonbonded);
    system.addForce(well);
    const int steps = 600;
    vector<State> states;
    for (int k = 0; k < 2; k++) {
        DampedVerletIntegrator integrator(0.005);
        for (int i = 0; i < n-8; i++)
            integrator.addBlock({i}, scaled(massMatrix3(), 1.0+0.05*i), scaled(frictionMatrix3(), 1.0+0.1*(i%7)));
        for (int i = n-8; i < n; i += 2)
            integrator.addBlock({i+1, i}, matrix6(1.0+0.2*(i%3), 0.1), matrix6(0.5+0.1*(i%5), 0.001));
        Context context(system, integrator, k == 0 ? Platform::getPlatformByName("Reference") : platform(), k == 0 ? map<string, string>() : properties());
        context.setPositions(positions);
        context.setVelocities(velocities);
        integrator.step(steps);
        states.push_back(context.getState(State::Positions | State::Velocities));
    }
    double dx = maxAbsDifference(states[1].getPositions(), states[0].getPositions())/maxAbs(states[0].getPositions());
    double dv = maxAbsDifference(states[1].getVelocities(), states[0].getVelocities())/maxAbs(states[0].getVelocities());
    cout<<"OpenCL "<<GetParam()<<" with reordering vs Reference after "<<steps<<" steps: positions "<<dx<<", velocities "<<dv<<endl;
    double tol = (GetParam() == "single" ? 2e-4 : (GetParam() == "mixed" ? 2e-5 : 1e-8)); // mixed: forces in single
    EXPECT_LT(dx, tol);
    EXPECT_LT(dv, tol);
}

TEST_P(DampedVerletGpu, CheckpointRestoresNoiseStream) {
    Mixture mixture(300.0, 99);
    unique_ptr<DampedVerletIntegrator> integrator(mixture.integrator());
    Context context(*mixture.system, *integrator, platform(), properties());
    context.setPositions(mixture.positions);
    context.setVelocities(mixture.velocities);
    expectCheckpointContinuesBitForBit(context, *integrator);
}

TEST_P(DampedVerletGpu, ParametersChangeInRunningContext) {
    // A new friction matrix is uploaded on the next step: with zero friction and no force, velocities stay put.
    System system;
    system.addParticle(1.0);
    system.addParticle(1.0);
    DampedVerletIntegrator integrator(0.01);
    integrator.addBlock({0}, massMatrix3(), frictionMatrix3());
    Context context(system, integrator, platform(), properties());
    context.setPositions(vector<Vec3>(2));
    context.setVelocities({Vec3(1, 2, 3), Vec3(-1, 0.5, 2)});
    integrator.step(10);
    integrator.setBlockParameters(0, massMatrix3(), vector<double>(9, 0.0));
    vector<Vec3> before = context.getState(State::Velocities).getVelocities();
    integrator.step(10);
    vector<Vec3> after = context.getState(State::Velocities).getVelocities();
    EXPECT_LT(maxAbsDifference(before, after), 1e-6);
    EXPECT_LT(fabs(before[0][0]-1.0), 0.9); // the friction of the first 10 steps did act
}

TEST_P(DampedVerletGpu, BaoabDeterministicModeMatchesReference) {
    // Every kind of unit (3x3 blocks, the 6x6 block, free particles with the default friction) in the B-A-O-A-B
    // splitting, checked separately. In this weakly damped setting the OBABO trajectory differs from the BAOAB one
    // by 5e-7 to 2e-5 (relative) only: the double comparison tells the splittings apart (checked below), single
    // and mixed check the precision; BaoabSamplesHarmonicPositionsExactly tells them apart in every precision.
    const int steps = 200;
    Mixture mixture(0.0, 1, DampedVerletIntegrator::BAOAB), obabo(0.0, 1, DampedVerletIntegrator::OBABO);
    State expected = mixture.run(Platform::getPlatformByName("Reference"), {}, steps);
    State actual = mixture.run(platform(), properties(), steps);
    State other = obabo.run(Platform::getPlatformByName("Reference"), {}, steps);
    for (const auto& units : MIXTURE_UNITS) {
        double dx = relativeDifference(actual.getPositions(), expected.getPositions(), units.second);
        double dv = relativeDifference(actual.getVelocities(), expected.getVelocities(), units.second);
        double split = relativeDifference(other.getVelocities(), expected.getVelocities(), units.second);
        cout<<"OpenCL "<<GetParam()<<" BAOAB vs Reference after "<<steps<<" steps, "<<units.first<<": positions "<<dx
            <<", velocities "<<dv<<" (relative; Reference OBABO vs BAOAB: velocities "<<split<<")"<<endl;
        EXPECT_LT(dx, tolerance(GetParam())) << units.first;
        EXPECT_LT(dv, tolerance(GetParam())) << units.first;
        EXPECT_GT(split, 1000*tolerance("double")) << units.first;
    }
    double dk = fabs(actual.getKineticEnergy()-expected.getKineticEnergy())/expected.getKineticEnergy();
    EXPECT_LT(dk, tolerance(GetParam()));
    EXPECT_NEAR(actual.getTime(), expected.getTime(), 1e-9);
    EXPECT_EQ(actual.getStepCount(), expected.getStepCount());
}

TEST_P(DampedVerletGpu, BaoabNoiseStreamMatchesReference) {
    // Thermal and explicit noise in the B-A-O-A-B splitting: the two half friction steps draw the counters c and c+1
    // of the Reference kernel, so the trajectories agree up to rounding.
    // The OBABO trajectory (same seed) differs by 4e-4 to 7e-3: far outside the double and mixed tolerances.
    Mixture mixture(300.0, 12345, DampedVerletIntegrator::BAOAB), obabo(300.0, 12345, DampedVerletIntegrator::OBABO);
    const int steps = 200;
    State expected = mixture.run(Platform::getPlatformByName("Reference"), {}, steps);
    State actual = mixture.run(platform(), properties(), steps);
    State other = obabo.run(Platform::getPlatformByName("Reference"), {}, steps);
    double tol = (GetParam() == "double" ? 1e-9 : (GetParam() == "mixed" ? 1e-5 : 1e-3));
    for (const auto& units : MIXTURE_UNITS) {
        double dx = relativeDifference(actual.getPositions(), expected.getPositions(), units.second);
        double dv = relativeDifference(actual.getVelocities(), expected.getVelocities(), units.second);
        double split = relativeDifference(other.getVelocities(), expected.getVelocities(), units.second);
        cout<<"OpenCL "<<GetParam()<<" BAOAB thermal vs Reference after "<<steps<<" steps, "<<units.first
            <<": positions "<<dx<<", velocities "<<dv<<" (Reference OBABO vs BAOAB: velocities "<<split<<")"<<endl;
        EXPECT_LT(dx, tol) << units.first;
        EXPECT_LT(dv, tol) << units.first;
        EXPECT_GT(split, 1e-4) << units.first;
    }
}

TEST_P(DampedVerletGpu, SplittingChangesInRunningContext) {
    // OBABO, then BAOAB, then OBABO again in one Context (thermal, so that the noise counters matter too): the kernels
    // take the new splitting at the next step, as on Reference.
    Mixture mixture(300.0, 4321);
    vector<State> states;
    for (int k = 0; k < 2; k++) {
        unique_ptr<DampedVerletIntegrator> integrator(mixture.integrator());
        Context context(*mixture.system, *integrator, k == 0 ? Platform::getPlatformByName("Reference") : platform(),
                        k == 0 ? map<string, string>() : properties());
        context.setPositions(mixture.positions);
        context.setVelocities(mixture.velocities);
        integrator->step(40);
        integrator->setSplitting(DampedVerletIntegrator::BAOAB);
        integrator->step(40);
        integrator->setSplitting(DampedVerletIntegrator::OBABO);
        integrator->step(40);
        states.push_back(context.getState(State::Positions | State::Velocities));
    }
    double dx = maxAbsDifference(states[1].getPositions(), states[0].getPositions())/maxAbs(states[0].getPositions());
    double dv = maxAbsDifference(states[1].getVelocities(), states[0].getVelocities())/maxAbs(states[0].getVelocities());
    cout<<"OpenCL "<<GetParam()<<" OBABO/BAOAB/OBABO vs Reference: positions "<<dx<<", velocities "<<dv<<endl;
    double tol = (GetParam() == "double" ? 1e-9 : (GetParam() == "mixed" ? 1e-5 : 1e-3));
    EXPECT_LT(dx, tol);
    EXPECT_LT(dv, tol);
}

TEST_P(DampedVerletGpu, BaoabSamplesHarmonicPositionsExactly) {
    // The closed form of TestDampedVerletSplitting.cpp on the device: at omega h = 1.6 (x), 0.8 (y), 1.2 (z), B-A-O-A-B
    // samples <q^2> = kT/k exactly; O-B-A-B-O gives kT/k / (1 - (omega h/2)^2) (2.8 times the truth along x).
    const double h = 0.8, kT = BOLTZ*300;
    const double stiffness[3] = {4.0, 1.0, 2.25};
    const int replicas = 4000;
    for (int splitting : {(int) DampedVerletIntegrator::BAOAB, (int) DampedVerletIntegrator::OBABO}) {
        vector<double> moments = harmonicSecondMoments(platform(), properties(), splitting, replicas, h);
        for (int c = 0; c < 3; c++) {
            double omega = sqrt(stiffness[c]), exact = kT/stiffness[c];
            double expected = (splitting == DampedVerletIntegrator::BAOAB ? exact : exact/(1-0.25*omega*h*omega*h));
            // 80000 samples, correlated in time: 6 standard errors of a variance, sqrt(2/N) relative (as on the host).
            double error = expected*sqrt(2.0/(20*replicas));
            cout<<"OpenCL "<<GetParam()<<(splitting == DampedVerletIntegrator::BAOAB ? " BAOAB" : " OBABO")<<" <q"<<c
                <<"^2> "<<moments[c]<<", expected "<<expected<<" ("<<(moments[c]-expected)/error<<" standard errors)"<<endl;
            EXPECT_NEAR(moments[c], expected, 6*error) << "splitting " << splitting << " component " << c;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(OpenCLPrecisions, DampedVerletGpu, ::testing::Values("single", "mixed", "double"));
