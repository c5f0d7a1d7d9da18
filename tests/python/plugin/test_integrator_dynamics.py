"""DampedVerletIntegrator against an independent implementation of the O-B-A-B-O scheme and conservation laws."""
import numpy as np
import openmm as mm
from scipy.linalg import expm

import effpot
from conftest import FRICTION3, MASS3, external_system, state_arrays

# A smooth anharmonic, coupled well and its exact gradient (written independently of OpenMM's expression parser).
ANHARMONIC = "0.25*x^4+0.5*y^2+0.3*z^2+0.2*x*y+0.1*sin(3*z)"


def anharmonic_force(q):
    x, y, z = q[:, 0], q[:, 1], q[:, 2]
    return -np.stack([x ** 3 + 0.2 * y, y + 0.2 * x, 0.6 * z + 0.3 * np.cos(3 * z)], axis=1)


def block6():
    """A full 6x6 SPD mass matrix and SPD friction matrix coupling two particles."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 6))
    mass = a @ a.T / 6 + np.eye(6)
    b = rng.normal(size=(6, 6))
    friction = b @ b.T / 6 + 0.1 * np.eye(6)
    return mass, friction


def obabo_numpy(q, v, blocks, h, steps):
    """Independent O-B-A-B-O in velocity form: matrices from scipy.linalg.expm, dense per block."""
    q, v = q.copy(), v.copy()
    prepared = []
    for particles, mass, friction in blocks:
        inv_mass = np.linalg.inv(mass)
        prepared.append((particles, inv_mass, expm(-0.5 * h * inv_mass @ friction)))

    def friction_half(v):
        for particles, _, decay in prepared:
            v[particles] = (decay @ v[particles].reshape(-1)).reshape(-1, 3)

    def kick(v, f):
        for particles, inv_mass, _ in prepared:
            v[particles] += (0.5 * h * inv_mass @ f[particles].reshape(-1)).reshape(-1, 3)

    f = anharmonic_force(q)
    for _ in range(steps):
        friction_half(v)
        kick(v, f)
        q += h * v
        f = anharmonic_force(q)
        kick(v, f)
        friction_half(v)
    return q, v


def test_matches_independent_obabo_implementation(platform):
    mass6, friction6 = block6()
    blocks = [([0], MASS3, FRICTION3), ([2, 1], mass6, friction6)]
    h, steps = 0.02, 1000
    integrator = effpot.DampedVerletIntegrator(h)
    for particles, mass, friction in blocks:
        integrator.addBlock(particles, mass, friction)
    context = mm.Context(external_system(ANHARMONIC, 3), integrator, platform)
    rng = np.random.default_rng(11)
    q0, v0 = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    context.setPositions(q0)
    context.setVelocities(v0)
    integrator.step(steps)
    q, v = state_arrays(context)
    q_ref, v_ref = obabo_numpy(q0, v0, blocks, h, steps)
    assert np.max(np.abs(q - q_ref)) <= 1e-10 * np.max(np.abs(q_ref))
    assert np.max(np.abs(v - v_ref)) <= 1e-10 * np.max(np.abs(v_ref))
    # The motion is nontrivial: positions changed by O(1).
    assert np.max(np.abs(q_ref - q0)) > 0.3


def test_zero_friction_energy_error_is_second_order_without_drift(platform):
    def worst_error(h, steps=20000):
        integrator = effpot.DampedVerletIntegrator(h)
        integrator.addBlock([0], MASS3, np.zeros((3, 3)))
        context = mm.Context(external_system(ANHARMONIC, 1), integrator, platform)
        context.setPositions([[0.8, -0.3, 0.2]])
        context.setVelocities([[0.1, 0.4, -0.2]])

        def energy():
            state = context.getState(getEnergy=True)
            return (state.getKineticEnergy() + state.getPotentialEnergy())._value

        e0 = energy()
        errors = []
        for _ in range(steps // 20):
            integrator.step(20)
            errors.append(abs(energy() - e0))
        errors = np.array(errors)
        half = len(errors) // 2
        return errors.max(), errors[:half].max(), errors[half:].max()

    coarse, first, second = worst_error(0.04)
    fine, _, _ = worst_error(0.02)
    assert 3.0 < coarse / fine < 5.0  # order 2
    assert second < 1.5 * first  # bounded: no secular drift
    assert coarse < 5e-3


def test_reference_and_cpu_agree_in_thermal_mode():
    """The noise is a counter-based stream keyed by the seed, so platforms agree step by step, not only in law."""
    results = []
    for name in ("Reference", "CPU"):
        integrator = effpot.DampedVerletIntegrator(0.02)
        integrator.setTemperature(300)
        integrator.setRandomNumberSeed(1234)
        for i in range(10):
            integrator.addBlock([i], MASS3, FRICTION3)
        context = mm.Context(external_system(ANHARMONIC, 12), integrator, mm.Platform.getPlatformByName(name))
        context.setPositions(np.linspace(-1, 1, 36).reshape(12, 3))
        integrator.step(500)
        results.append(state_arrays(context))
    (q1, v1), (q2, v2) = results
    assert np.max(np.abs(q1 - q2)) < 1e-10
    assert np.max(np.abs(v1 - v2)) < 1e-10


def test_seed_determines_the_noise(platform):
    def run(seed):
        integrator = effpot.DampedVerletIntegrator(0.02)
        integrator.setTemperature(300)
        integrator.setDefaultFriction(1.0)
        integrator.setRandomNumberSeed(seed)
        context = mm.Context(external_system(ANHARMONIC, 5), integrator, platform)
        context.setPositions(np.zeros((5, 3)))
        integrator.step(50)
        return state_arrays(context)[1]

    assert np.array_equal(run(7), run(7))
    assert np.max(np.abs(run(7) - run(8))) > 0.1
