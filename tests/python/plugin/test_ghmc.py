"""DampedVerletIntegrator's GHMC splitting: exp(-H/kT) exactly at a step where BAOAB is biased, its acceptance,
the OpenCL kernel against Reference (PoCL on a CPU-only machine), and the Systems and modes it refuses
(docs/integrator.md)."""
import numpy as np
import openmm as mm
import pytest

from effpot import DampedVerletIntegrator, ReplicaExpressionForce
from effpot.constants import BOLTZ

ENERGY = "2*(x^2-1)^2 + 0.5*y^2 + 0.3*x*y"  # a double well in x coupled to a harmonic y
EDGES = (np.linspace(-2, 2, 21), np.linspace(-3, 3, 16))


def exact_histogram():
    fine = [np.linspace(e[0], e[-1], 8 * (len(e) - 1) + 1) for e in EDGES]
    X, Y = np.meshgrid(*[0.5 * (f[1:] + f[:-1]) for f in fine], indexing="ij")
    w = np.exp(-(2 * (X ** 2 - 1) ** 2 + 0.5 * Y ** 2 + 0.3 * X * Y))
    counts = w.reshape(len(EDGES[0]) - 1, 8, len(EDGES[1]) - 1, 8).sum(axis=(1, 3))
    return counts / counts.sum()


def replicas(splitting, h, count=2000, platform="CPU", friction=((0.5, 0.1), (0.1, 0.3))):
    system = mm.System()
    for _ in range(count):
        system.addParticle(1.0)
    force = ReplicaExpressionForce(ENERGY)
    force.addParticles(range(count))
    system.addForce(force)
    integrator = DampedVerletIntegrator(h)
    gamma = np.zeros((3, 3))
    gamma[:2, :2] = friction
    for i in range(count):
        integrator.addBlock([i], np.eye(3), gamma)
    integrator.setSplitting(splitting)
    integrator.setTemperature(1.0 / BOLTZ)  # kT = 1 kJ/mol
    integrator.setRandomNumberSeed(5)
    # OpenCL in double precision: the host's arithmetic to round-off.
    properties = {"Precision": "double"} if platform == "OpenCL" else {}
    context = mm.Context(system, integrator, mm.Platform.getPlatformByName(platform), properties)
    rng = np.random.default_rng(0)
    q = np.zeros((count, 3))
    q[:, 0] = rng.choice([-1.0, 1.0], count)
    context.setPositions(q)
    v = np.zeros((count, 3))
    v[:, :2] = rng.normal(size=(count, 2))
    context.setVelocities(v)
    return context, integrator


def sampled_tv(splitting, h, platform="CPU"):
    context, integrator = replicas(splitting, h, platform=platform)
    integrator.step(1000)
    samples = []
    for _ in range(200):
        integrator.step(10)
        samples.append(context.getState(getPositions=True).getPositions(asNumpy=True)._value[:, :2].copy())
    samples = np.concatenate(samples)
    finite = samples[np.isfinite(samples).all(axis=1)]  # BAOAB loses a few replicas up the quartic walls at h = 0.25
    counts, _, _ = np.histogram2d(finite[:, 0], finite[:, 1], bins=EDGES)
    return 0.5 * np.abs(counts / counts.sum() - exact_histogram()).sum(), integrator.getMetropolisAcceptance(), samples


def opencl_kernels():
    try:
        return mm.Platform.getPlatformByName("OpenCL").supportsKernels(["EffPotIntegrateDampedVerletStep"])
    except mm.OpenMMException:
        return False


NEEDS_OPENCL = pytest.mark.skipif(not opencl_kernels(), reason="no OpenCL platform with effpot's kernels")


@pytest.mark.parametrize("platform", ["Reference", "CPU", pytest.param("OpenCL", marks=NEEDS_OPENCL)])
def test_ghmc_samples_the_boltzmann_law_where_baoab_is_biased(platform):
    # 2000 replicas x 200 samples 0.1 time units apart (about 40 relaxation times): the TV of an exact sample on
    # 20 x 15 bins is about 0.01 (its expected value, from multinomial draws of the same size, is 0.008; correlated
    # samples raise it). At h = 0.25 BAOAB's bias gives 0.023 (and a few replicas explode); GHMC stays at the exact sample's level.
    tv, acceptance, samples = sampled_tv("GHMC", 0.25, platform)
    assert np.isfinite(samples).all()
    assert tv < 0.012, tv
    assert 0.85 < acceptance < 0.97, acceptance
    # The same moment the exact law has: <x^2> = 0.8633 (numerical integral), sampled within 0.01.
    assert abs(np.mean(samples[:, 0] ** 2) - 0.8633) < 0.01
    if platform == "CPU":
        baoab, none, _ = sampled_tv("BAOAB", 0.25)
        assert none == -1 and baoab > 0.018, baoab


@NEEDS_OPENCL
def test_opencl_kernel_follows_the_reference_trajectory():
    # The fused OpenCL kernel's GHMC against the host's: the same normals, uniforms and accept decisions. The GPU
    # path passes every force through OpenMM's 2^-32 fixed point (as its unfused path does), and this landscape at
    # h = 0.1 amplifies such differences about tenfold every 40 steps (BAOAB's trajectories part the same way): after
    # 40 steps the positions agree to 7e-9 (measured). The decisions are robust to that: over 400 steps (10 launches,
    # the energy carried from one to the next) both accept exactly the same moves, with about 600 rejections (the
    # branch that restores the state and reverses the velocity).
    runs = {}
    for platform in ("Reference", "OpenCL"):
        context, integrator = replicas("GHMC", 0.1, count=300, platform=platform)
        integrator.step(40)
        first = context.getState(getPositions=True).getPositions(asNumpy=True)._value
        for _ in range(9):
            integrator.step(40)
        runs[platform] = (first, integrator.getMetropolisAcceptance())
    (q0, a0), (q1, a1) = runs["Reference"], runs["OpenCL"]
    assert np.abs(q1 - q0).max() < 1e-7
    assert a1 == a0 and 0.99 < a0 < 0.997, (a0, a1)


def not_a_replica_system(platform):
    """GHMC on a System whose force is a CustomExternalForce: no per-replica energy for the test."""
    system = mm.System()
    system.addParticle(1.0)
    force = mm.CustomExternalForce("x^2")
    force.addParticle(0, [])
    system.addForce(force)
    integrator = DampedVerletIntegrator(0.1)
    integrator.addBlock([0], np.eye(3), np.eye(3))
    integrator.setSplitting("GHMC")
    integrator.setTemperature(300)
    return mm.Context(system, integrator, mm.Platform.getPlatformByName(platform)), integrator


@NEEDS_OPENCL
def test_opencl_refuses_ghmc_where_it_cannot_fuse():
    context, integrator = not_a_replica_system("OpenCL")
    with pytest.raises(mm.OpenMMException, match="replica Systems only"):
        integrator.step(1)


def test_small_steps_are_almost_always_accepted():
    context, integrator = replicas("GHMC", 0.01, count=200)
    assert integrator.getMetropolisAcceptance() == -1
    integrator.step(200)
    assert integrator.getMetropolisAcceptance() > 0.998


def test_the_acceptance_counts_the_contexts_moves_and_no_checkpoint_restores_it():
    """What docs/integrator.md says of getMetropolisAcceptance: the counts are not in a checkpoint, so loading one
    neither restores nor resets them, and a new Context starts at -1 (as after reinitialize)."""
    context, integrator = replicas("GHMC", 0.25, count=200)
    integrator.step(100)
    checkpoint = context.createCheckpoint()
    integrator.step(100)
    after = integrator.getMetropolisAcceptance()
    assert 0 < after < 1  # some moves are rejected at this step
    context.loadCheckpoint(checkpoint)
    assert integrator.getMetropolisAcceptance() == after  # the 100 steps after the checkpoint still count
    fresh, fresh_integrator = replicas("GHMC", 0.25, count=200)
    fresh.loadCheckpoint(checkpoint)
    assert fresh_integrator.getMetropolisAcceptance() == -1
    context.reinitialize(preserveState=True)
    assert integrator.getMetropolisAcceptance() == -1


def test_ghmc_refuses_what_it_cannot_test():
    context, integrator = replicas("GHMC", 0.1, count=10)
    integrator.setTemperature(0)
    with pytest.raises(mm.OpenMMException, match="needs a temperature"):
        integrator.step(1)
    context, integrator = replicas("GHMC", 0.1, count=10)
    integrator.setNoiseCovariance(0, np.eye(3).ravel().tolist())
    with pytest.raises(mm.OpenMMException, match="explicit noise covariance"):
        integrator.step(1)
    # Not a replica System: a CustomExternalForce has no per-replica energy for the test.
    context, integrator = not_a_replica_system("Reference")
    with pytest.raises(mm.OpenMMException, match="replica Systems only"):
        integrator.step(1)
    with pytest.raises(ValueError, match="GHMC"):
        integrator.setSplitting("MALA")
    assert integrator.getSplitting() == "GHMC"
