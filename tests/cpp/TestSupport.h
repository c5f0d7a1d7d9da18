#ifndef EFFPOT_TEST_SUPPORT_H_
#define EFFPOT_TEST_SUPPORT_H_

// Shared helpers of the C++ tests: small Systems and matrices with known answers.
#include "DampedVerletIntegrator.h"
#include "openmm/Context.h"
#include "openmm/CustomExternalForce.h"
#include "openmm/Platform.h"
#include "openmm/State.h"
#include "openmm/System.h"
#include "openmm/reference/SimTKOpenMMRealType.h"  // BOLTZ (kJ/mol/K): the one Boltzmann constant, OpenMM's
#include <gtest/gtest.h>
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

namespace EffPotTest {

/** A matrix (any flat vector) times a scalar. */
inline std::vector<double> scaled(const std::vector<double>& m, double s) {
    std::vector<double> result(m);
    for (double& x : result)
        x *= s;
    return result;
}

/** The largest |component| of a list of vectors. */
inline double maxAbs(const std::vector<OpenMM::Vec3>& a) {
    double result = 0;
    for (const OpenMM::Vec3& x : a)
        result = std::max(result, std::max(std::fabs(x[0]), std::max(std::fabs(x[1]), std::fabs(x[2]))));
    return result;
}

/** The largest |difference| of the components of two lists of vectors. */
inline double maxAbsDifference(const std::vector<OpenMM::Vec3>& a, const std::vector<OpenMM::Vec3>& b) {
    double result = 0;
    for (size_t i = 0; i < a.size(); i++)
        for (int c = 0; c < 3; c++)
            result = std::max(result, std::fabs(a[i][c]-b[i][c]));
    return result;
}

/** The platforms every test runs on. */
inline std::vector<std::string> platformNames() {
#ifdef EFFPOT_HAVE_CPU
    return {"Reference", "CPU"};
#else
    return {"Reference"};
#endif
}

/** A non-diagonal symmetric positive definite 3x3 mass matrix (dalton). */
inline std::vector<double> massMatrix3() {
    return {2.0, 0.3, -0.2,
            0.3, 1.5, 0.4,
            -0.2, 0.4, 1.0};
}

/** A non-diagonal symmetric positive definite 3x3 friction matrix (dalton/ps). */
inline std::vector<double> frictionMatrix3() {
    return {1.2, -0.3, 0.1,
            -0.3, 0.8, 0.2,
            0.1, 0.2, 0.5};
}

/** A System of n particles of mass 1 in an anisotropic, coupled harmonic well (energy 0.5 q^T K q per particle). */
inline OpenMM::System* harmonicSystem(int n) {
    OpenMM::System* system = new OpenMM::System();
    OpenMM::CustomExternalForce* force = new OpenMM::CustomExternalForce("0.5*(2*x^2+3*y^2+4*z^2)+0.5*x*y");
    for (int i = 0; i < n; i++) {
        system->addParticle(1.0);
        force->addParticle(i);
    }
    system->addForce(force);
    return system;
}

/** A smooth anharmonic well with coupling between coordinates. */
inline OpenMM::System* anharmonicSystem(int n) {
    OpenMM::System* system = new OpenMM::System();
    OpenMM::CustomExternalForce* force = new OpenMM::CustomExternalForce("0.25*x^4+0.5*y^2+0.3*z^2+0.2*x*y+0.1*sin(3*z)");
    for (int i = 0; i < n; i++) {
        system->addParticle(1.0);
        force->addParticle(i);
    }
    system->addForce(force);
    return system;
}

inline double totalEnergy(OpenMM::Context& context) {
    OpenMM::State state = context.getState(OpenMM::State::Energy);
    return state.getKineticEnergy()+state.getPotentialEnergy();
}

/**
 * Step 20, checkpoint, step 30; reload the checkpoint, step 30 again: both continuations must be identical
 * (positions, velocities, step count), so a checkpoint restores the state and the noise stream exactly.
 */
inline void expectCheckpointContinuesBitForBit(OpenMM::Context& context, OpenMM::Integrator& integrator) {
    integrator.step(20);
    std::stringstream checkpoint;
    context.createCheckpoint(checkpoint);
    integrator.step(30);
    OpenMM::State first = context.getState(OpenMM::State::Positions | OpenMM::State::Velocities);
    context.loadCheckpoint(checkpoint);
    integrator.step(30);
    OpenMM::State second = context.getState(OpenMM::State::Positions | OpenMM::State::Velocities);
    EXPECT_EQ(maxAbsDifference(first.getPositions(), second.getPositions()), 0.0);
    EXPECT_EQ(maxAbsDifference(first.getVelocities(), second.getVelocities()), 0.0);
    EXPECT_EQ(first.getStepCount(), second.getStepCount());
}

} // namespace EffPotTest

#endif
