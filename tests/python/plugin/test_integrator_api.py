"""The Python face of DampedVerletIntegrator: argument conversion, errors, serialization, checkpoints, plugins."""
import copy
import pickle

import numpy as np
import openmm as mm
import pytest
from openmm import unit

import effpot
from conftest import FRICTION3, KB, MASS3, external_system, state_arrays


def test_accepts_units_lists_and_arrays():
    integrator = effpot.DampedVerletIntegrator(2 * unit.femtoseconds)
    assert integrator.getStepSize().value_in_unit(unit.picosecond) == pytest.approx(0.002)
    nested = MASS3.tolist()
    b0 = integrator.addBlock(np.array([0]), nested, FRICTION3 * unit.dalton / unit.picosecond)
    b1 = integrator.addBlock([1, 2], np.eye(6).reshape(-1) * unit.dalton, np.zeros((6, 6)))
    assert (b0, b1) == (0, 1)
    np.testing.assert_array_equal(integrator.getBlockMassMatrix(0), MASS3)
    np.testing.assert_array_equal(integrator.getBlockFrictionMatrix(0), FRICTION3)
    assert integrator.getBlockParticles(1) == [1, 2]
    integrator.setTemperature(310 * unit.kelvin)
    integrator.setDefaultFriction(2 / unit.picosecond)
    assert integrator.getTemperature() == 310 * unit.kelvin
    assert integrator.getDefaultFriction().value_in_unit(unit.picosecond ** -1) == pytest.approx(2)
    integrator.setNoiseCovariance(0, np.eye(3))
    np.testing.assert_array_equal(integrator.getNoiseCovariance(0), np.eye(3))
    integrator.setNoiseCovariance(0, None)
    assert integrator.getNoiseCovariance(0) is None


@pytest.mark.parametrize("call, exception, words", [
    (lambda i: i.addBlock([0], np.eye(2), np.eye(3)), ValueError, ["massMatrix", "3 x 3"]),
    (lambda i: i.addBlock([0, 1], np.eye(6), np.eye(3)), ValueError, ["frictionMatrix", "6 x 6"]),
    (lambda i: i.addBlock([0], [[1, 2, 0], [0, 1, 0], [0, 0, 1]], np.eye(3)), mm.OpenMMException, ["massMatrix", "not symmetric"]),
    (lambda i: i.addBlock([0], -np.eye(3), np.eye(3)), mm.OpenMMException, ["massMatrix", "positive definite"]),
    (lambda i: i.addBlock([0], np.eye(3), -np.eye(3)), mm.OpenMMException, ["frictionMatrix", "semidefinite"]),
    (lambda i: i.addBlock([0], np.full((3, 3), np.nan), np.eye(3)), mm.OpenMMException, ["massMatrix", "NaN"]),
    (lambda i: i.addBlock([0.5], np.eye(3), np.eye(3)), TypeError, ["particles"]),
    (lambda i: i.setTemperature(-5), mm.OpenMMException, ["temperature"]),
    (lambda i: i.setTemperature(5 * unit.nanometer), TypeError, ["temperature", "kelvin"]),
    (lambda i: i.setStepSize(-1), mm.OpenMMException, ["stepSize"]),
    (lambda i: i.getBlockMassMatrix(4), mm.OpenMMException, ["block index 4"]),
])
def test_bad_input_names_the_parameter(call, exception, words):
    integrator = effpot.DampedVerletIntegrator(0.01)
    with pytest.raises(exception) as info:
        call(integrator)
    for word in words:
        assert word in str(info.value)


def test_particle_in_two_blocks_and_out_of_range():
    integrator = effpot.DampedVerletIntegrator(0.01)
    integrator.addBlock([1], MASS3, FRICTION3)
    with pytest.raises(mm.OpenMMException, match="particle 1 is already in block 0"):
        integrator.addBlock([1], MASS3, FRICTION3)
    with pytest.raises(mm.OpenMMException, match="particle 1, but the System has only 1 particles"):
        mm.Context(external_system("x^2", 1), integrator, mm.Platform.getPlatformByName("Reference"))


def test_xml_round_trip_and_pickle_preserve_every_parameter():
    integrator = effpot.DampedVerletIntegrator(0.0321)
    integrator.addBlock([3], MASS3, FRICTION3)
    integrator.addBlock([0, 2], np.diag([1, 2, 3, 4, 5, 6.0 + 1 / 3]), np.eye(6) / 7)
    integrator.setNoiseCovariance(1, np.diag([0.1, 0.2, 0.3, 0.4, 0.5, 1 / 3]))
    integrator.setTemperature(123.25)
    integrator.setDefaultFriction(0.7)
    integrator.setRandomNumberSeed(99)
    integrator.setIntegrationForceGroups(6)
    for other in (effpot.DampedVerletIntegrator.deserialize(mm.XmlSerializer.serialize(integrator)),
                  pickle.loads(pickle.dumps(integrator)), copy.deepcopy(integrator)):
        assert isinstance(other, effpot.DampedVerletIntegrator)
        assert other.getStepSize() == integrator.getStepSize()
        assert other.getTemperature() == integrator.getTemperature()
        assert other.getDefaultFriction() == integrator.getDefaultFriction()
        assert other.getRandomNumberSeed() == 99
        assert other.getIntegrationForceGroups() == 6
        assert other.getNumBlocks() == 2
        for b in range(2):
            assert other.getBlockParticles(b) == integrator.getBlockParticles(b)
            np.testing.assert_array_equal(other.getBlockMassMatrix(b), integrator.getBlockMassMatrix(b))
            np.testing.assert_array_equal(other.getBlockFrictionMatrix(b), integrator.getBlockFrictionMatrix(b))
        assert other.getNoiseCovariance(0) is None
        np.testing.assert_array_equal(other.getNoiseCovariance(1), integrator.getNoiseCovariance(1))


def test_checkpoint_continues_bit_for_bit(platform):
    integrator = effpot.DampedVerletIntegrator(0.02)
    integrator.setTemperature(300)
    integrator.setRandomNumberSeed(5)
    for i in range(8):
        integrator.addBlock([i], MASS3, FRICTION3)
    context = mm.Context(external_system("x^4+y^2+z^2", 8), integrator, platform)
    context.setPositions(np.linspace(-1, 1, 24).reshape(8, 3))
    integrator.step(50)
    checkpoint = context.createCheckpoint()
    integrator.step(100)
    first = state_arrays(context)
    context.loadCheckpoint(checkpoint)
    integrator.step(100)
    second = state_arrays(context)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_velocities_to_temperature_draw_inverse_mass_law(platform):
    """setVelocitiesToTemperature draws v ~ N(0, kT M^-1) in blocks: check the covariance over 20000 particles."""
    n, temperature = 20000, 250.0
    kt = KB * temperature
    integrator = effpot.DampedVerletIntegrator(0.01)
    for i in range(n):
        integrator.addBlock([i], MASS3, FRICTION3)
    system = mm.System()
    for i in range(n):
        system.addParticle(3.0)  # System masses are irrelevant inside blocks
    context = mm.Context(system, integrator, platform)
    context.setPositions(np.zeros((n, 3)))
    context.setVelocitiesToTemperature(temperature, 2)
    v = state_arrays(context)[1]
    expected = kt * np.linalg.inv(MASS3)
    error = np.sqrt((np.outer(np.diag(expected), np.diag(expected)) + expected ** 2) / n)
    assert np.max(np.abs(v.T @ v / n - expected) / error) < 5
    # Reported kinetic energy is (1/2) sum v^T M v.
    ke = context.getState(getEnergy=True).getKineticEnergy().value_in_unit(unit.kilojoule_per_mole)
    assert ke == pytest.approx(0.5 * np.einsum("ni,ij,nj->", v, MASS3, v), rel=1e-12)


def test_forces_are_recomputed_after_a_state_query_for_other_groups(platform):
    """The first kick reuses the previous step's forces, unless a query for other force groups overwrote them."""
    def run(query):
        system = external_system("x^2+y^2+z^2", 1)
        extra = mm.CustomExternalForce("3*x")
        extra.addParticle(0, [])
        extra.setForceGroup(1)
        system.addForce(extra)
        integrator = effpot.DampedVerletIntegrator(0.01)
        integrator.addBlock([0], MASS3, FRICTION3)
        context = mm.Context(system, integrator, platform)
        context.setPositions([[0.3, 0.2, 0.1]])
        for _ in range(20):
            integrator.step(1)
            if query:
                context.getState(getForces=True, groups={1})
        return state_arrays(context)

    plain, queried = run(False), run(True)
    assert np.array_equal(plain[0], queried[0]) and np.array_equal(plain[1], queried[1])


def test_plugin_load_failure_is_reported(tmp_path, monkeypatch):
    from effpot.plugin import libraries
    (tmp_path / "libBroken.so").write_bytes(b"not a library")
    monkeypatch.setattr(libraries, "PLUGIN_DIR", str(tmp_path))
    monkeypatch.setattr(libraries, "_loaded", [])
    with pytest.raises(ImportError, match="libBroken.so"):
        libraries.load_plugins()
