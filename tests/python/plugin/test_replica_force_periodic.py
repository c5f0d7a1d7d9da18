"""Replica forces in a periodic System on OpenCL see the positions as set, not as OpenMM wrapped them.

With a NonbondedForce with a periodic cutoff, OpenCL and CUDA reorder atoms and wrap each one into the box, keeping
the box shifts apart; a force of absolute positions read from the wrapped ones was evaluated a box length away (a
learned U on 20 of 40 particles: 3349 kJ/mol on OpenCL against 343 on Reference). UnwrappedPositions adds the
shifts back, also after the reorders of a run.
"""
import numpy as np
import openmm as mm
import pytest

import effpot
from conftest import opencl_with

OPENCL = opencl_with("EffPotCalcReplicaSplineForce")
REFERENCE = mm.Platform.getPlatformByName("Reference")
N = 40
pytestmark = pytest.mark.skipif(OPENCL is None, reason="no OpenCL platform with effpot's replica force kernels")


def replica_forces(particles):
    spline = effpot.effpot_swig.ReplicaSplineForce([9, 7], [-1.0, -0.5], [1.2, 0.8],
                                                   list(np.linspace(0, 50, 63) ** 1.5 / 10), [500.0, 300.0])
    expression = effpot.ReplicaExpressionForce("3*x^2 + y^2 + 0.5*z^2 + x*y")
    for p in particles:
        spline.addParticle(p)
        expression.addParticle(p)
    spline.setForceGroup(1)
    expression.setForceGroup(2)
    return spline, expression


def periodic_system():
    system = mm.System()
    system.setDefaultPeriodicBoxVectors([3, 0, 0], [0.2, 3, 0], [-0.3, 0.4, 3])  # triclinic
    nonbonded = mm.NonbondedForce()
    nonbonded.setNonbondedMethod(mm.NonbondedForce.CutoffPeriodic)
    nonbonded.setCutoffDistance(0.9)
    for _ in range(N):
        system.addParticle(2.0)
        nonbonded.addParticle(0.0, 0.2, 0.5)
    system.addForce(nonbonded)
    for force in replica_forces(range(0, N, 2)):
        system.addForce(force)
    return system


def group_energies(context):
    return [context.getState(getEnergy=True, groups={g}).getPotentialEnergy()._value for g in (1, 2)]


def starting_positions():
    grid = np.stack(np.meshgrid(np.arange(4), np.arange(5), np.arange(2), indexing="ij"), -1).reshape(-1, 3) * 0.55
    return grid + 0.01 * np.random.default_rng(0).normal(size=(N, 3)) - [1.0, 0.9, 0.5]  # some below 0: wrapped


def test_replica_forces_on_opencl_match_reference_in_a_periodic_system():
    system = periodic_system()
    gpu = mm.Context(system, mm.VerletIntegrator(0.002), OPENCL, {"Precision": "double"})
    reference = mm.Context(system, mm.VerletIntegrator(0.002), REFERENCE)
    positions = starting_positions()
    for context in (gpu, reference):
        context.setPositions(positions)
    np.testing.assert_allclose(group_energies(gpu), group_energies(reference), rtol=1e-10)
    # Through OpenCL's reorders (every 250 steps) and back: the energies at the positions the run reached.
    gpu.setVelocities(np.random.default_rng(1).normal(0, 1, (N, 3)))
    for _ in range(3):
        gpu.getIntegrator().step(300)
        reached = gpu.getState(getPositions=True).getPositions(asNumpy=True)._value
        reference.setPositions(reached)
        assert np.any(reached < 0)  # some particles left the box's first image
        np.testing.assert_allclose(group_energies(gpu), group_energies(reference), rtol=1e-9)


def test_the_fused_damped_verlet_step_on_opencl_follows_reference_in_a_periodic_system():
    # Every replica a one-particle block and the replica force alone in the integration groups: the fused kernel
    # steps them (once per step, around the NonbondedForce of another group, which makes OpenCL reorder and wrap).
    system = mm.System()
    system.setDefaultPeriodicBoxVectors([3, 0, 0], [0, 3, 0], [0, 0, 3])
    nonbonded = mm.NonbondedForce()
    nonbonded.setNonbondedMethod(mm.NonbondedForce.CutoffPeriodic)
    nonbonded.setCutoffDistance(0.9)
    nonbonded.setForceGroup(3)
    for _ in range(N):
        system.addParticle(2.0)
        nonbonded.addParticle(0.0, 0.2, 0.5)
    system.addForce(nonbonded)
    spline = replica_forces(range(N))[0]
    spline.setForceGroup(0)
    system.addForce(spline)
    runs = []
    for platform, properties in ((REFERENCE, {}), (OPENCL, {"Precision": "double"})):
        integrator = effpot.DampedVerletIntegrator(0.002)
        for i in range(N):
            integrator.addBlock([i], 2 * np.eye(3), 0.5 * np.eye(3))
        integrator.setIntegrationForceGroups({0})
        context = mm.Context(system, integrator, platform, properties)
        context.setPositions(starting_positions())
        context.setVelocities(np.random.default_rng(1).normal(0, 1, (N, 3)))
        integrator.step(600)
        runs.append(context.getState(getPositions=True).getPositions(asNumpy=True)._value)
    assert np.any(runs[0] < 0)
    np.testing.assert_allclose(runs[1], runs[0], atol=1e-8)
