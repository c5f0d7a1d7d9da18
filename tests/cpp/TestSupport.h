#ifndef EFFPOT_TEST_SUPPORT_H_
#define EFFPOT_TEST_SUPPORT_H_

// Shared helpers of the C++ tests: small Systems and matrices with known answers.
#include "DampedVerletIntegrator.h"
#include "openmm/Context.h"
#include "openmm/CustomExternalForce.h"
#include "openmm/Platform.h"
#include "openmm/State.h"
#include "openmm/System.h"
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace EffPotTest {

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

} // namespace EffPotTest

#endif
