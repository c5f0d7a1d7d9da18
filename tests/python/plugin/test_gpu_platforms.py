"""DampedVerletIntegrator on the GPU platforms through Python (OpenCL: PoCL on a CPU-only machine).

The C++ tests (tests/cpp/platforms/TestDampedVerletGpu.cpp) cover the physics in every precision; here: the plugin loads
from the Python package, the same seed gives the Reference trajectory in the thermal mode (both splittings),
checkpoints, the fused replica kernel against the unfused path (tests/cpp/platforms/TestFusedReplicaGpu.cpp in full).
"""
import numpy as np
import openmm as mm
import pytest

import effpot
from conftest import FRICTION3, MASS3, external_system, state_arrays, opencl_with


def opencl():
    return opencl_with("EffPotIntegrateDampedVerletStep")


pytestmark = pytest.mark.skipif(opencl() is None, reason="no OpenCL platform with effpot's kernels")


def run(platform, properties, steps, seed=3, splitting="OBABO"):
    integrator = effpot.DampedVerletIntegrator(0.01)
    integrator.setSplitting(splitting)
    integrator.setTemperature(300)
    integrator.setRandomNumberSeed(seed)
    integrator.setDefaultFriction(0.5)
    for i in range(6):
        integrator.addBlock([i], MASS3 * (1 + 0.1 * i), FRICTION3)
    integrator.addBlock([7, 6], np.kron(np.eye(2), MASS3), np.kron(np.eye(2), FRICTION3))
    context = mm.Context(external_system("0.5*(2*x^2+3*y^2+4*z^2)+0.5*x*y", 10), integrator, platform, properties)
    context.setPositions(np.linspace(-2, 2, 30).reshape(10, 3))
    context.setVelocities(np.linspace(1, -1, 30).reshape(10, 3))
    integrator.step(steps)
    return context, integrator


def test_plugin_is_loaded_from_the_package():
    from effpot.plugin import libraries
    assert any("EffPotOpenCL" in path for path in libraries.load_plugins())


@pytest.mark.parametrize("precision, tolerance", [("single", 1e-3), ("mixed", 1e-5), ("double", 1e-9)])
def test_thermal_trajectory_matches_reference(precision, tolerance):
    reference = state_arrays(run(mm.Platform.getPlatformByName("Reference"), {}, 200)[0])
    context, _ = run(opencl(), {"Precision": precision}, 200)
    actual = state_arrays(context)
    for a, b in zip(actual, reference):
        assert np.abs(a - b).max() / np.abs(b).max() < tolerance
    assert context.getState().getStepCount() == 200


def test_baoab_thermal_trajectory_matches_reference():
    reference = state_arrays(run(mm.Platform.getPlatformByName("Reference"), {}, 200, splitting="BAOAB")[0])
    obabo = state_arrays(run(mm.Platform.getPlatformByName("Reference"), {}, 200)[0])
    context, integrator = run(opencl(), {"Precision": "double"}, 200, splitting="BAOAB")
    assert integrator.getSplitting() == "BAOAB"
    for a, b, c in zip(state_arrays(context), reference, obabo):
        assert np.abs(a - b).max() / np.abs(b).max() < 1e-9
        assert np.abs(c - b).max() / np.abs(b).max() > 1e-3  # the splittings give different trajectories


def test_checkpoint_continues_bit_for_bit():
    context, integrator = run(opencl(), {"Precision": "mixed"}, 20)
    checkpoint = context.createCheckpoint()
    integrator.step(30)
    first = state_arrays(context)
    context.loadCheckpoint(checkpoint)
    integrator.step(30)
    second = state_arrays(context)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def replica_run(splitting, fused, steps=300):
    """Thermal replicas under a ReplicaExpressionForce: the fused replica kernel, or (EFFPOT_GPU_FUSED=0, read when
    the Context is created) the unfused path."""
    import os
    system = mm.System()
    force = effpot.ReplicaExpressionForce("0.5*(2*x^2+1.2*x*y+y^2+3*z^2) + 0.1*sin(3*x-y)")
    for i in range(50):
        system.addParticle(1.0)
    force.addParticles(range(50))
    system.addForce(force)
    integrator = effpot.DampedVerletIntegrator(0.01)
    integrator.setSplitting(splitting)
    integrator.setTemperature(300)
    integrator.setRandomNumberSeed(5)
    for i in range(50):
        integrator.addBlock([i], MASS3, FRICTION3 * (1 + 0.01 * i))
    if not fused:
        os.environ["EFFPOT_GPU_FUSED"] = "0"
    try:
        context = mm.Context(system, integrator, opencl(), {"Precision": "double"})
    finally:
        os.environ.pop("EFFPOT_GPU_FUSED", None)
    context.setPositions(np.linspace(-1, 1, 150).reshape(50, 3))
    for _ in range(steps // 30):
        integrator.step(30)
    return state_arrays(context)


@pytest.mark.parametrize("splitting", ["OBABO", "BAOAB"])
def test_fused_replica_kernel_matches_unfused(splitting):
    fused, unfused = replica_run(splitting, True), replica_run(splitting, False)
    for a, b in zip(fused, unfused):
        assert np.abs(a - b).max() / np.abs(b).max() < 1e-9
