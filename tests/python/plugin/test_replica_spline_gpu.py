"""ReplicaSplineForce on OpenCL (PoCL on a CPU-only machine) through Python: the same energy as on Reference.

The C++ test tests/cpp/platforms/TestReplicaSplineForceGpu.cpp covers forces, edges, every precision and DampedVerlet; here:
the GPU kernel is reachable from the Python package.
"""
import numpy as np
import openmm as mm
import pytest

import effpot
from conftest import opencl_with


def opencl():
    return opencl_with("EffPotCalcReplicaSplineForce")


pytestmark = pytest.mark.skipif(opencl() is None, reason="no OpenCL platform with effpot's ReplicaSplineForce kernel")


def spline_system(n):
    """n particles in a 2D table of O(100) kJ/mol on [-1, 1.2] x [-0.5, 0.8] with walls."""
    nodes, lower, upper = [9, 7], [-1.0, -0.5], [1.2, 0.8]
    x = np.linspace(lower[0], upper[0], nodes[0])
    y = np.linspace(lower[1], upper[1], nodes[1])
    values = (100 * np.sin(2 * x[None, :] + 0.3) + 60 * x[None, :] * y[:, None] ** 2).ravel()  # x fastest
    force = effpot.effpot_swig.ReplicaSplineForce(nodes, lower, upper, list(values), [500.0, 300.0])
    system = mm.System()
    for i in range(n):
        system.addParticle(1.0)
        force.addParticle(i)
    system.addForce(force)
    return system


def energy(system, positions, platform, properties):
    context = mm.Context(system, mm.VerletIntegrator(0.001), platform, properties)
    context.setPositions(positions)
    return context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(mm.unit.kilojoule_per_mole)


@pytest.mark.parametrize("precision, tolerance", [("double", 1e-10), ("mixed", 1e-5)])
def test_energy_matches_reference(precision, tolerance):
    n = 101  # not a multiple of 64
    # Inside, and outside the box (the wall) in x and y; rounded to float so that both platforms see the same points.
    positions = np.random.default_rng(5).uniform([-1.5, -0.9, -3], [1.6, 1.2, 3], size=(n, 3)).astype(np.float32)
    positions = positions.astype(np.float64)
    system = spline_system(n)
    expected = energy(system, positions, mm.Platform.getPlatformByName("Reference"), {})
    actual = energy(system, positions, opencl(), {"Precision": precision})
    assert abs(actual - expected) <= tolerance * abs(expected)
