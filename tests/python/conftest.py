"""Shared fixtures: every integrator test runs on each host platform, named explicitly (DESIGN.md pitfalls)."""
import numpy as np
import openmm as mm
import pytest

import effpot  # noqa: F401  (loads the plugins)
from effpot.constants import BOLTZ as KB  # noqa: F401  (kJ/mol/K, OpenMM's BOLTZ; the tests import it from here)

PLATFORMS = ["Reference", "CPU"]

# A non-diagonal SPD mass matrix and a non-diagonal SPD friction matrix for one particle (dalton, dalton/ps).
MASS3 = np.array([[2.0, 0.3, -0.2], [0.3, 1.5, 0.4], [-0.2, 0.4, 1.0]])
FRICTION3 = np.array([[1.2, -0.3, 0.1], [-0.3, 0.8, 0.2], [0.1, 0.2, 0.5]])
# Stiffness of the coupled harmonic well 0.5 q^T K q = 0.5 (2x^2 + 3y^2 + 4z^2) + 0.5 x y.
STIFFNESS = np.array([[2.0, 0.5, 0.0], [0.5, 3.0, 0.0], [0.0, 0.0, 4.0]])
HARMONIC = "0.5*(2*x^2+3*y^2+4*z^2)+0.5*x*y"


@pytest.fixture(params=PLATFORMS)
def platform(request):
    return mm.Platform.getPlatformByName(request.param)


def external_system(expression, n, mass=1.0):
    """A System of n particles, each in the same CustomExternalForce."""
    system = mm.System()
    force = mm.CustomExternalForce(expression)
    for i in range(n):
        system.addParticle(mass)
        force.addParticle(i, [])
    system.addForce(force)
    return system


def state_arrays(context):
    state = context.getState(getPositions=True, getVelocities=True)
    return (np.array(state.getPositions(asNumpy=True)._value), np.array(state.getVelocities(asNumpy=True)._value))


@pytest.fixture(scope="session")
def small_p4_potential():
    """A 2D potential of P4 (anisotropic micro-scale over a quadratic well), learned small and fast, once per session
    (the exports, the report and the Simulation helper read it; none changes it)."""
    from effpot.coarse_graining import problems
    cg = effpot.CoarseGrainer(problems.p4(), 2)
    cg.setStepSize(0.1)
    cg.setFriction(0.5)
    cg.setNumReplicas(100)
    cg.setNumSteps(4000)
    cg.setNumEquilibrationSteps(500)
    cg.setRandomSeed(3)
    return cg.run(platform="CPU")


def opencl_with(kernel):
    """The OpenCL platform when it exists and has effpot's `kernel` (PoCL on a CPU-only machine), else None."""
    try:
        platform = mm.Platform.getPlatformByName("OpenCL")
    except mm.OpenMMException:
        return None
    return platform if platform.supportsKernels([kernel]) else None
