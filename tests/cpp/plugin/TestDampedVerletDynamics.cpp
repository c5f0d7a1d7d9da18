// Dynamics of DampedVerletIntegrator on every host platform, against closed forms and conservation laws.
#include "TestSupport.h"
#include "internal/DampedVerletMatrices.h"
#include "openmm/OpenMMException.h"
#include "openmm/VerletIntegrator.h"
#include <Eigen/Dense>
#include <unsupported/Eigen/MatrixFunctions>
#include <cmath>

using namespace EffPot;
using namespace EffPotTest;
using namespace OpenMM;
using namespace std;

class DampedVerletDynamics : public ::testing::TestWithParam<string> {
protected:
    Platform& platform() {
        return Platform::getPlatformByName(GetParam());
    }
};

namespace {

// Largest |E(t) - E(0)| over each tenth of a run of `steps` steps with zero friction, sampled every 10 steps.
vector<double> energyErrorPerTenth(Platform& platform, double h, int steps) {
    unique_ptr<System> system(harmonicSystem(1));
    DampedVerletIntegrator integrator(h);
    integrator.addBlock({0}, massMatrix3(), vector<double>(9, 0.0));
    Context context(*system, integrator, platform);
    context.setPositions({Vec3(0.5, -0.3, 0.2)});
    context.setVelocities({Vec3(0.1, 0.4, -0.2)});
    double e0 = totalEnergy(context);
    vector<double> worst(10, 0.0);
    for (int i = 0; i < steps; i += 10) {
        integrator.step(10);
        int tenth = min(9, 10*i/steps);
        worst[tenth] = max(worst[tenth], fabs(totalEnergy(context)-e0));
    }
    return worst;
}

} // namespace

TEST_P(DampedVerletDynamics, ZeroFrictionConservesEnergyToSecondOrder) {
    // Stormer-Verlet is symplectic: the energy error stays bounded, O(h^2), with no secular drift.
    const int steps = 100000;
    vector<double> coarse = energyErrorPerTenth(platform(), 0.02, steps);
    vector<double> fine = energyErrorPerTenth(platform(), 0.01, steps);
    double coarseMax = *max_element(coarse.begin(), coarse.end());
    double fineMax = *max_element(fine.begin(), fine.end());
    // Halving h divides the bounded error by 4 (second order); allow for the phase at which the maximum is met.
    EXPECT_GT(coarseMax/fineMax, 3.2);
    EXPECT_LT(coarseMax/fineMax, 4.8);
    // No drift: the last tenth is no worse than the first one (a drift would grow it tenfold).
    EXPECT_LT(coarse[9], 1.5*coarse[0]);
    // Bounded at order h^2 relative to the energy (E0 ~ 0.5, frequencies ~ 2 per ps).
    EXPECT_LT(coarseMax, 0.01);
}

TEST_P(DampedVerletDynamics, FreeParticleVelocityDecaysAsMatrixExponential) {
    // With no force, v(t) = exp(-t M^-1 Gamma) v(0) exactly; checked with Eigen's Pade-based matrix exponential.
    typedef Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Matrix;
    vector<double> m6(36, 0.0), g6(36, 0.0);
    Matrix a = Matrix::Map(massMatrix3().data(), 3, 3), b = Matrix::Map(frictionMatrix3().data(), 3, 3);
    Matrix mass6(6, 6), friction6(6, 6);
    mass6 << a, 0.1*Matrix::Identity(3, 3), 0.1*Matrix::Identity(3, 3), 1.5*a;
    friction6 << b, 0.05*Matrix::Ones(3, 3), 0.05*Matrix::Ones(3, 3), 2*b;
    Matrix::Map(m6.data(), 6, 6) = mass6;
    Matrix::Map(g6.data(), 6, 6) = friction6;
    System system;
    for (int i = 0; i < 3; i++)
        system.addParticle(1.0);
    double h = 0.01;
    int steps = 500;
    DampedVerletIntegrator integrator(h);
    integrator.addBlock({0}, massMatrix3(), frictionMatrix3());
    integrator.addBlock({2, 1}, m6, g6);
    Context context(system, integrator, platform());
    vector<Vec3> v0 = {Vec3(1.0, -0.5, 0.3), Vec3(0.2, 0.7, -0.4), Vec3(-0.6, 0.1, 0.9)};
    context.setPositions(vector<Vec3>(3));
    context.setVelocities(v0);
    integrator.step(steps);
    vector<Vec3> v = context.getState(State::Velocities).getVelocities();
    double t = steps*h;
    Eigen::VectorXd x0(3), y0(6);
    x0 << v0[0][0], v0[0][1], v0[0][2];
    y0 << v0[2][0], v0[2][1], v0[2][2], v0[1][0], v0[1][1], v0[1][2];
    Eigen::MatrixXd e3 = (Eigen::MatrixXd(-t*a.inverse()*b)).exp(), e6 = (Eigen::MatrixXd(-t*mass6.inverse()*friction6)).exp();
    Eigen::VectorXd x = e3*x0, y = e6*y0;
    for (int c = 0; c < 3; c++) {
        EXPECT_NEAR(v[0][c], x[c], 1e-10*x.norm());
        EXPECT_NEAR(v[2][c], y[c], 1e-10*y.norm());
        EXPECT_NEAR(v[1][c], y[3+c], 1e-10*y.norm());
    }
    // The decay must be real: the velocities changed by far more than the tolerance.
    EXPECT_GT((x-x0).norm(), 0.1);
    EXPECT_NEAR(context.getState(State::Positions).getTime(), t, 1e-12);
}

TEST_P(DampedVerletDynamics, KineticEnergyIsQuadraticFormOfMassMatrix) {
    System system;
    system.addParticle(3.0);
    system.addParticle(2.0);
    DampedVerletIntegrator integrator(0.01);
    integrator.addBlock({0}, massMatrix3(), frictionMatrix3());
    Context context(system, integrator, platform());
    context.setPositions(vector<Vec3>(2));
    Vec3 v(0.3, -0.2, 0.5), w(1.0, 2.0, -1.0);
    context.setVelocities({v, w});
    vector<double> m = massMatrix3();
    double expected = 0.5*2.0*w.dot(w);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            expected += 0.5*v[i]*m[3*i+j]*v[j];
    EXPECT_NEAR(context.getState(State::Energy).getKineticEnergy(), expected, 1e-12);
}

TEST_P(DampedVerletDynamics, ParticlesOutsideBlocksUseSystemMassAndDefaultFriction) {
    // Particle 1 (mass 2) is free: its velocity decays as exp(-gamma t) and it falls with acceleration F/m.
    System system;
    system.addParticle(1.0);
    system.addParticle(2.0);
    CustomExternalForce* force = new CustomExternalForce("-3*x");
    force->addParticle(1);
    system.addForce(force);
    double gamma = 0.7, h = 0.01;
    int steps = 200;
    DampedVerletIntegrator integrator(h);
    integrator.setDefaultFriction(gamma);
    Context context(system, integrator, platform());
    context.setPositions(vector<Vec3>(2));
    context.setVelocities({Vec3(), Vec3(0, 1.0, 0)});
    integrator.step(steps);
    Vec3 v = context.getState(State::Velocities).getVelocities()[1];
    double t = steps*h;
    EXPECT_NEAR(v[1], exp(-gamma*t), 1e-10);
    // Constant acceleration a = F/m = 1.5: one O-B-A-B-O step maps v to d^2 v + d h a with d = exp(-gamma h/2),
    // so v_n = h a / (2 sinh(gamma h/2)) (1 - exp(-gamma t)), the continuous a (1-exp(-gamma t))/gamma to O(h^2).
    EXPECT_NEAR(v[0], h*1.5/(2*sinh(gamma*h/2))*(1-exp(-gamma*t)), 1e-12);
}

TEST_P(DampedVerletDynamics, ThermalModeKeepsVelocityCovarianceKTInverseMass) {
    // Free particles sharing one block matrix pair: the exact OU step preserves Cov(v) = kT M^-1, with OBABO's two
    // half steps and with BAOAB's two half steps drawn as one whole step (fullDecay, fullNoise). Start in equilibrium
    // and check the sample covariance of N independent particles after many steps.
    const int n = 4000;
    const double temperature = 300, kT = BOLTZ*temperature;
    for (int splitting : {(int) DampedVerletIntegrator::OBABO, (int) DampedVerletIntegrator::BAOAB}) {
        System system;
        for (int i = 0; i < n; i++)
            system.addParticle(1.0);
        DampedVerletIntegrator integrator(0.05);
        integrator.setTemperature(temperature);
        integrator.setRandomNumberSeed(17);
        integrator.setSplitting(splitting);
        for (int i = 0; i < n; i++)
            integrator.addBlock({i}, massMatrix3(), frictionMatrix3());
        Context context(system, integrator, platform());
        context.setPositions(vector<Vec3>(n));
        context.setVelocitiesToTemperature(temperature, 5);
        integrator.step(100); // several friction times (1/lambda_min ~ 3 ps > 100*0.05 = 5 ps)
        vector<Vec3> v = context.getState(State::Velocities).getVelocities();
        Eigen::Matrix3d sum = Eigen::Matrix3d::Zero();
        for (const Vec3& vi : v) {
            Eigen::Vector3d x(vi[0], vi[1], vi[2]);
            sum += x*x.transpose();
        }
        Eigen::Matrix3d covariance = sum/n;
        Eigen::Matrix3d expected = kT*Eigen::Matrix<double, 3, 3, Eigen::RowMajor>(massMatrix3().data()).inverse();
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                // Standard error of a sample covariance of Gaussians: sqrt((S_ii S_jj + S_ij^2)/N); allow 5 of them.
                double error = sqrt((expected(i, i)*expected(j, j)+expected(i, j)*expected(i, j))/n);
                EXPECT_NEAR(covariance(i, j), expected(i, j), 5*error) << "splitting " << splitting << ", entry " << i << "," << j;
            }
        // The kinetic energy reported is (1/2) v^T M v: its mean per particle is (3/2) kT, within 5 standard errors.
        double ke = context.getState(State::Energy).getKineticEnergy()/n;
        EXPECT_NEAR(ke, 1.5*kT, 5*sqrt(1.5/n)*kT) << "splitting " << splitting;
    }
}

TEST_P(DampedVerletDynamics, ParametersChangeInRunningContext) {
    System system;
    system.addParticle(1.0);
    DampedVerletIntegrator integrator(0.01);
    vector<double> identity = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    integrator.addBlock({0}, identity, vector<double>(9, 0.0));
    Context context(system, integrator, platform());
    context.setPositions(vector<Vec3>(1));
    context.setVelocities({Vec3(1, 0, 0)});
    integrator.step(10);
    EXPECT_NEAR(context.getState(State::Velocities).getVelocities()[0][0], 1.0, 1e-14);
    vector<double> friction = {2, 0, 0, 0, 2, 0, 0, 0, 2};
    integrator.setBlockParameters(0, identity, friction);
    integrator.step(10);
    EXPECT_NEAR(context.getState(State::Velocities).getVelocities()[0][0], exp(-2*0.1), 1e-12);
}

INSTANTIATE_TEST_SUITE_P(Platforms, DampedVerletDynamics, ::testing::ValuesIn(platformNames()));

namespace {

typedef Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> RowMatrix;

RowMatrix asMatrix(const vector<double>& values, int n) {
    return Eigen::Map<const RowMatrix>(values.data(), n, n);
}

} // namespace

TEST(DampedVerletMatrices, WholeStepOIsTheTwoHalfSteps) {
    // BAOAB's two consecutive half O steps, v <- D (D v + N z1) + N z2, are one Gaussian step of mean D^2 v and
    // covariance D N N^T D^T + N N^T: fullDecay and fullNoise must be exactly that (thermal and explicit noise, blocks
    // and free particles). The noise columns that can be nonzero come first (numNormals): 3 with friction in every
    // direction, 2 for a 2D model (no friction along z), 1 for a 1D one.
    vector<double> friction2D = {1.2, -0.3, 0, -0.3, 0.8, 0, 0, 0, 0}, friction1D = {0.7, 0, 0, 0, 0, 0, 0, 0, 0};
    vector<double> eye = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    vector<double> noiseCovariance = {2.0, 0.5, 0.1, 0.5, 1.0, -0.2, 0.1, -0.2, 0.6};
    System system;
    for (int i = 0; i < 6; i++)
        system.addParticle(1.5);
    DampedVerletIntegrator integrator(0.07);
    integrator.setTemperature(300);
    integrator.setDefaultFriction(2.0);
    integrator.addBlock({0}, massMatrix3(), frictionMatrix3());
    integrator.addBlock({1}, eye, friction2D);
    integrator.addBlock({2}, eye, friction1D);
    integrator.addBlock({3}, massMatrix3(), frictionMatrix3());
    integrator.setNoiseCovariance(3, noiseCovariance);
    DampedVerletMatrices m = integrator.computeMatrices(system);
    ASSERT_EQ(m.parameterSets.size(), 4u);
    const int expectedNormals[4] = {3, 2, 1, 3};
    for (int s = 0; s < 4; s++) {
        const DampedVerletMatrices::ParameterSet& set = m.parameterSets[s];
        RowMatrix d = asMatrix(set.decay, 3), n = asMatrix(set.noise, 3);
        RowMatrix e = asMatrix(set.fullDecay, 3), f = asMatrix(set.fullNoise, 3);
        EXPECT_LT((e-d*d).cwiseAbs().maxCoeff(), 1e-14) << "set " << s;
        RowMatrix twoHalves = d*n*n.transpose()*d.transpose()+n*n.transpose();
        EXPECT_LT((f*f.transpose()-twoHalves).cwiseAbs().maxCoeff(), 1e-14*twoHalves.cwiseAbs().maxCoeff()) << "set " << s;
        EXPECT_EQ(set.numNormals, expectedNormals[s]) << "set " << s;
        for (int c = set.numNormals; c < 3; c++)
            for (int r = 0; r < 3; r++) {
                EXPECT_EQ(n(r, c), 0.0) << "set " << s;
                EXPECT_EQ(f(r, c), 0.0) << "set " << s;
            }
    }
    ASSERT_EQ(m.freeParticles.size(), 2u);
    EXPECT_NEAR(m.freeFullDecay, m.freeDecay*m.freeDecay, 1e-15);
    for (int i = 0; i < 2; i++) {
        double half = m.freeNoise[i];
        EXPECT_NEAR(m.freeFullNoise[i]*m.freeFullNoise[i], m.freeDecay*m.freeDecay*half*half+half*half, 1e-14);
    }
}
