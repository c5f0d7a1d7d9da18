"""effpot.simulation (module effpot.surrogates.simulations): the surrogate and reference models as openmm.app.Simulation objects
with OpenMM's reporters."""
import io
import struct

import numpy as np
import openmm as mm
import pytest
from openmm import app, unit

import effpot
from effpot.surrogates.simulations import KINDS, minimum_position, replica_topology


@pytest.fixture(scope="module")
def models(small_p4_potential):
    return effpot.SurrogateModels(small_p4_potential)


def read_dcd(path):
    """(frames, atoms, positions in nm as frames x atoms x 3) of a DCD file without unit cells, as OpenMM's
    DCDFile writes it (CHARMM layout, little-endian Fortran records)."""
    with open(path, "rb") as stream:
        data = stream.read()
    assert struct.unpack("<i4s", data[:8]) == (84, b"CORD")
    frames = struct.unpack("<i", data[8:12])[0]
    box = struct.unpack("<i", data[48:52])[0]
    assert box == 0
    title_bytes = struct.unpack("<i", data[92:96])[0]
    offset = 96 + title_bytes
    assert struct.unpack("<i", data[offset:offset + 4])[0] == title_bytes
    offset += 4
    assert struct.unpack("<i", data[offset:offset + 4])[0] == 4
    atoms = struct.unpack("<i", data[offset + 4:offset + 8])[0]
    offset += 12
    positions = np.empty((frames, atoms, 3))
    for f in range(frames):
        for c in range(3):
            length = struct.unpack("<i", data[offset:offset + 4])[0]
            assert length == 4 * atoms
            positions[f, :, c] = np.frombuffer(data[offset + 4:offset + 4 + length], dtype="<f4")
            offset += length + 8
    assert offset == len(data)
    return frames, atoms, positions / 10.0  # DCD stores angstrom


def test_replica_topology():
    topology = replica_topology(7)
    assert topology.getNumAtoms() == 7 and topology.getNumChains() == 1 and topology.getNumResidues() == 7
    assert all(atom.element is None for atom in topology.atoms())
    assert topology.getUnitCellDimensions() is None


@pytest.mark.parametrize("kind", KINDS)
def test_100_steps_with_state_data_and_dcd_reporters(models, kind, tmp_path):
    count = 20
    step = 0.01 if "Hamiltonian" in kind else None
    sim = effpot.simulation(models, kind, count, stepSize=step, seed=4)
    assert sim.topology.getNumAtoms() == count
    log = io.StringIO()
    path = str(tmp_path / f"{kind}.dcd")
    sim.reporters.append(app.StateDataReporter(log, 10, step=True, time=True, potentialEnergy=True,
                                               kineticEnergy=True))
    sim.reporters.append(app.DCDReporter(path, 10))
    start = sim.context.getState(getPositions=True).getPositions(asNumpy=True).value_in_unit(unit.nanometer)
    np.testing.assert_allclose(start[:, :2], np.tile(minimum_position(models.potential), (count, 1)))
    assert start[0, :2] == pytest.approx([0, 0], abs=0.3)  # P4's well is at the origin
    sim.step(100)
    del sim.reporters[:]  # closes nothing, but the DCD is flushed per frame
    frames, atoms, positions = read_dcd(path)
    assert frames == 10 and atoms == count
    state = sim.context.getState(getPositions=True, getEnergy=True)
    final = state.getPositions(asNumpy=True).value_in_unit(unit.nanometer)
    np.testing.assert_allclose(positions[-1], final, atol=1e-5)
    assert np.all(positions[:, :, 2] == 0)  # the inactive coordinate stays put
    assert np.ptp(positions[:, :, 0]) > 0  # the replicas move
    lines = log.getvalue().splitlines()
    assert lines[0].startswith('#"Step"') and len(lines) == 11
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    np.testing.assert_array_equal(rows[:, 0], np.arange(10, 101, 10))
    h = models.stepSize if step is None else step
    np.testing.assert_allclose(rows[:, 1], rows[:, 0] * h, rtol=1e-6)  # time in ps
    energy = state.getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
    assert rows[-1, 2] == pytest.approx(energy, rel=1e-4)


def test_surrogate_langevin_holds_its_temperature(models):
    count = 400
    sim = effpot.simulation(models, "surrogateLangevin", count, seed=9)
    # The replicas start at the minimum with thermal velocities: half the equilibrium energy. The calibrated
    # friction is light (Gamma = D / 2 kT*, about 0.05-0.13 / ps), so equilibrate for 400 ps first.
    sim.step(4000)
    kinetic = []
    for _ in range(100):
        sim.step(20)
        kinetic.append(sim.context.getState(getEnergy=True).getKineticEnergy().value_in_unit(
            unit.kilojoule_per_mole))
    # Two active components: <KE> = count kT (the inactive z has velocity 0).
    assert np.mean(kinetic) / count == pytest.approx(models.kT, rel=0.03), np.mean(kinetic) / count


def test_the_default_seed_repeats_a_run_and_none_asks_for_fresh_randomness(models):
    """The default seed was 0, which OpenMM reads as "a new noise seed per Context": two identical calls gave
    different trajectories (0.3 nm apart after 50 steps). Now it is a fixed seed; None asks for fresh randomness."""
    def final(**seed):
        sim = effpot.simulation(models, "surrogateLangevin", 5, **seed)
        sim.step(50)
        return sim, sim.context.getState(getPositions=True).getPositions(asNumpy=True).value_in_unit(unit.nanometer)

    sim, first = final()
    np.testing.assert_array_equal(first, final()[1])
    assert sim.integrator.getRandomNumberSeed() == 1
    assert not np.array_equal(final(seed=None)[1], final(seed=None)[1])
    with pytest.raises(ValueError, match="seed 0 would not repeat.*seed=None"):
        effpot.simulation(models, "surrogateLangevin", 5, seed=0)
    # An explicit seed means what it did: the noise seed, and numpy's generator for the starting velocities.
    sim = effpot.simulation(models, "surrogateLangevin", 5, seed=4)
    assert sim.integrator.getRandomNumberSeed() == 4
    velocities = sim.context.getState(getVelocities=True).getVelocities(asNumpy=True)
    np.testing.assert_array_equal(velocities.value_in_unit(unit.nanometer / unit.picosecond),
                                  models.velocities(5, np.random.default_rng(4)))
    # The builder underneath: a fixed default too, None (or OpenMM's 0) for a new seed per Context.
    assert models.surrogateLangevin(5)[1].getRandomNumberSeed() == 1
    assert models.surrogateLangevin(5, seed=None)[1].getRandomNumberSeed() == 0


def test_bad_arguments(models):
    with pytest.raises(ValueError, match="kind"):
        effpot.simulation(models, "langevin", 4)
    with pytest.raises(ValueError, match="stepSize"):
        effpot.simulation(models, "fullHamiltonian", 4)
    with pytest.raises(ValueError, match="learning step"):
        effpot.simulation(models, "referenceLangevin", 4, stepSize=0.01)
    with pytest.raises(ValueError, match="positions"):
        effpot.simulation(models, "surrogateLangevin", 4, positions=np.zeros((3, 2)))
    sim = effpot.simulation(models, "surrogateLangevin", 3, positions=[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]],
                            stepSize=0.05 * unit.picoseconds)
    positions = sim.context.getState(getPositions=True).getPositions(asNumpy=True).value_in_unit(unit.nanometer)
    np.testing.assert_allclose(positions, [[0.1, 0.2, 0], [0.3, 0.4, 0], [0.5, 0.6, 0]])
    assert sim.integrator.getStepSize().value_in_unit(unit.picosecond) == pytest.approx(0.05)


def test_learned_2d_u_on_real_particles_with_the_unused_axis_restrained_or_frozen(models):
    """docs/openmm-usage.md's two recipes: a harmonic restraint on z under LangevinMiddleIntegrator, and z frozen
    by a DampedVerlet block without friction there."""
    potential, kT = models.potential, models.kT
    count, k_z = 200, 1e3
    temperature = kT / effpot.constants.MOLAR_GAS_CONSTANT
    start = np.zeros((count, 3))
    start[:, :2] = minimum_position(potential)
    # Restrained: z samples N(0, kT / k_z).
    system = mm.System()
    for _ in range(count):
        system.addParticle(1.0)
    system.addForce(potential.createForce(list(range(count))))
    restraint = mm.CustomExternalForce("0.5*k_z*z^2")
    restraint.addGlobalParameter("k_z", k_z)
    for i in range(count):
        restraint.addParticle(i, [])
    system.addForce(restraint)
    integrator = mm.LangevinMiddleIntegrator(temperature, 5.0, 0.01)
    integrator.setRandomNumberSeed(3)
    context = mm.Context(system, integrator, mm.Platform.getPlatformByName("CPU"))
    context.setPositions(start)
    context.setVelocitiesToTemperature(temperature, 3)
    integrator.step(1000)
    z = []
    for _ in range(50):
        integrator.step(20)
        z.append(context.getState(getPositions=True).getPositions(asNumpy=True).value_in_unit(unit.nanometer)[:, 2])
    assert np.var(z) == pytest.approx(kT / k_z, rel=0.1)
    # Frozen: zero friction (so zero noise) and zero velocity in z keep it at 0 exactly.
    system = mm.System()
    for _ in range(count):
        system.addParticle(1.0)
    system.addForce(potential.createForce(list(range(count))))
    integrator = effpot.DampedVerletIntegrator(0.05)
    friction = np.zeros((3, 3))
    friction[:2, :2] = 2.0 * np.eye(2)
    for i in range(count):
        integrator.addBlock([i], np.eye(3), friction)
    integrator.setTemperature(temperature)
    context = mm.Context(system, integrator, mm.Platform.getPlatformByName("CPU"))
    context.setPositions(start)
    velocities = np.zeros((count, 3))
    velocities[:, :2] = np.random.default_rng(1).normal(scale=np.sqrt(kT), size=(count, 2))
    context.setVelocities(velocities)
    integrator.step(2000)
    state = context.getState(getPositions=True, getVelocities=True, getEnergy=True)
    positions = state.getPositions(asNumpy=True).value_in_unit(unit.nanometer)
    assert np.all(positions[:, 2] == 0) and np.ptp(positions[:, 0]) > 0.5
    assert np.all(state.getVelocities(asNumpy=True).value_in_unit(unit.nanometer / unit.picosecond)[:, 2] == 0)
