"""Surrogate models, ensemble runs and the docs/theory.md section 8 comparisons against closed forms."""
import types

import numpy as np
import openmm as mm
import pytest
from scipy.linalg import solve_discrete_lyapunov

import effpot
from effpot import effpot_swig as core
from effpot.coarse_graining import problems
from effpot.surrogates.comparison import ComparisonSettings, compare, energy_error, largest_stable_step
from effpot.surrogates.ensembles import run_ensemble
from effpot.constants import MOLAR_GAS_CONSTANT
from effpot.surrogates import SurrogateModels

# P1 without its finest scale: at h = 0.3 the ripple 0.01 sin(x/0.01) is effective noise and U ~ x^2/2.
ENERGY_1D = "x^2/2+0.01*sin(x/0.01)"
H, GAMMA = 0.3, 0.6


@pytest.fixture(scope="module")
def potential_1d():
    cg = effpot.CoarseGrainer(ENERGY_1D, 1)
    cg.setStepSize(H)
    cg.setFriction(GAMMA)
    cg.setNumReplicas(100)
    cg.setNumSteps(20000)
    cg.setInitialPositions(np.linspace(-1, 1, 100)[:, None])
    return cg.run()


def reference_platform():
    return mm.Platform.getPlatformByName("Reference")


def test_surrogate_models_carry_the_calibration(potential_1d):
    models = SurrogateModels(potential_1d)
    assert models.energy == ENERGY_1D
    assert models.kT == potential_1d.kT and models.stepSize == H
    np.testing.assert_array_equal(models.massMatrix, [[1.0]])
    np.testing.assert_allclose(models.frictionMatrix, [[GAMMA]])  # Gamma = gamma m in 1D
    system, integrator = models.surrogateLangevin(3, seed=5)
    assert integrator.getTemperature()._value == pytest.approx(potential_1d.kT / MOLAR_GAS_CONSTANT, rel=1e-12)
    assert integrator.getStepSize()._value == pytest.approx(H)
    friction = integrator.getBlockFrictionMatrix(2)
    assert friction[0, 0] == pytest.approx(GAMMA) and np.all(friction[1:, :] == 0)  # inactive y, z: no noise
    # The learned force is the potential: energies agree (to the table's interpolation) inside the box.
    context = mm.Context(system, integrator, reference_platform())
    points = np.array([[-0.4, 0, 0], [0.1, 0, 0], [0.5, 0, 0]])
    context.setPositions(points)
    energy = context.getState(getEnergy=True).getPotentialEnergy()._value
    assert energy == pytest.approx(np.sum(potential_1d.evaluate(points[:, :1])), abs=1e-3)
    _, reference = models.referenceLangevin(2)
    assert reference.getTemperature()._value == 0  # the deterministic scheme
    _, hamiltonian = models.fullHamiltonian(2, 0.01)
    assert np.all(hamiltonian.getBlockFrictionMatrix(0) == 0)


def test_user_system_potential_needs_the_energy(potential_1d):
    class FromSystem:  # the calibration of a potential learned from a user System: no energy expression
        dimensions, kT = 1, 1.0
        calibration = types.SimpleNamespace(isKnown=True, stepSize=0.1, energy="", system=mm.System(),
                                            mass=np.eye(1), friction=np.eye(1), kT=1.0, targetKT=1.0)
    with pytest.raises(ValueError, match="pass the full energy expression"):
        SurrogateModels(FromSystem())


def one_step_map(h, k, m, gamma):
    """The O-B-A-B-O map of a 1D harmonic oscillator in (q, v), and the velocity-noise gain of each O step."""
    c = np.exp(-gamma * h / 2)
    o = np.diag([1.0, c])
    b = np.array([[1.0, 0.0], [-h * k / (2 * m), 1.0]])
    a = np.array([[1.0, h], [0.0, 1.0]])
    inner = o @ b @ a @ b
    return inner @ o, inner, 1 - c * c


def test_reference_mean_path_is_the_schemes_linear_map(potential_1d):
    """With the coarse energy alone the reference model is linear and deterministic: the mean path over any
    starts is the path of the mean start, M^n q0 exactly."""
    models = SurrogateModels(potential_1d, energy="x^2/2")
    rng = np.random.default_rng(3)
    count, samples = 500, 40
    q0 = np.zeros((count, 3))
    q0[:, 0] = rng.normal(1.0, 1.0, count)
    v0 = models.velocities(count, rng)
    run = run_ensemble(lambda n, seed: models.referenceLangevin(n), q0, v0, 1, samples=samples, interval=5,
                       times=samples + 1, sample_start=True, platform="Reference", threads=2)
    step, _, _ = one_step_map(H, 1.0, 1.0, GAMMA)
    five = np.linalg.matrix_power(step, 5)
    state = np.array([q0[:, 0].mean(), v0[:, 0].mean()])
    expected = []
    for _ in range(samples + 1):
        expected.append(state[0])
        state = five @ state
    np.testing.assert_allclose(run.meanPath(1)[:, 0], expected, atol=1e-10)


def test_thermal_autocorrelation_against_the_discrete_closed_form():
    """The surrogate Langevin path (thermal mode) of a harmonic well: its stationary normalized ACF is
    (M^m Sigma)_qq / Sigma_qq with Sigma the discrete Lyapunov covariance of the O-B-A-B-O scheme."""
    h, k, m, gamma, kT = 0.2, 4.0, 1.0, 0.5, 1.3
    step, inner, gain = one_step_map(h, k, m, gamma)
    noise = kT / m * gain * (np.outer(inner[:, 1], inner[:, 1]) + np.outer([0, 1], [0, 1]))
    sigma = solve_discrete_lyapunov(step, noise)
    lags, interval = 40, 2
    exact = np.array([(np.linalg.matrix_power(step, interval * j) @ sigma)[0, 0] / sigma[0, 0]
                      for j in range(lags + 1)])

    def build(count, seed):
        system = mm.System()
        force = mm.CustomExternalForce(f"{k / 2}*x^2")
        for i in range(count):
            system.addParticle(m)
            force.addParticle(i, [])
        system.addForce(force)
        integrator = effpot.DampedVerletIntegrator(h)
        for i in range(count):
            integrator.addBlock([i], np.eye(3) * m, np.diag([gamma * m, 0, 0]))
        integrator.setTemperature(kT / MOLAR_GAS_CONSTANT)
        integrator.setRandomNumberSeed(seed)
        return system, integrator

    # Independent runs started from the exact stationary law; the spread of their ACFs gives the tolerance.
    estimates = []
    for run_index in range(10):
        rng = np.random.default_rng(run_index)
        count = 400
        start = rng.multivariate_normal([0, 0], sigma, size=count)
        q0, v0 = np.zeros((count, 3)), np.zeros((count, 3))
        q0[:, 0], v0[:, 0] = start[:, 0], start[:, 1]
        run = run_ensemble(build, q0, v0, 1, samples=1000, interval=interval, max_lag=lags, seed=run_index + 1,
                           platform="Reference", threads=2)
        estimates.append(run.autocorrelation(1)[:, 0])
    estimates = np.array(estimates)
    standard_error = estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))
    mean = estimates.mean(axis=0)
    assert mean[0] == 1.0
    # 5 standard errors (from 10 runs), with a floor of 1e-3 for the first lags whose spread is tiny.
    assert np.all(np.abs(mean - exact) <= 5 * standard_error + 1e-3), np.max(np.abs(mean - exact))
    # The test can fail: the continuous-time ACF (no discretization) is farther off than the tolerance.
    omega1 = np.sqrt(k / m - gamma ** 2 / 4)
    t = np.arange(lags + 1) * interval * h
    continuous = np.exp(-gamma * t / 2) * (np.cos(omega1 * t) + gamma / (2 * omega1) * np.sin(omega1 * t))
    assert np.max(np.abs(mean - continuous)) > 5 * np.max(standard_error) + 1e-3


def test_ensemble_results_do_not_depend_on_threads(potential_1d):
    models = SurrogateModels(potential_1d)
    rng = np.random.default_rng(9)
    q0 = np.zeros((64, 3))
    q0[:, 0] = rng.normal(size=64)
    v0 = models.velocities(64, rng)
    grid = core.RegularGrid([-2.0], [2.0], [20])
    runs = [run_ensemble(lambda n, seed: models.surrogateLangevin(n, seed=seed), q0, v0, 1, samples=50,
                         interval=3, grid=grid, max_lag=10, times=20, batches=4, threads=t, seed=4,
                         platform="Reference") for t in (1, 2, 3)]
    for other in runs[1:]:
        np.testing.assert_array_equal(other.histogram, runs[0].histogram)
        np.testing.assert_array_equal(other.autocorrelation(1), runs[0].autocorrelation(1))
        np.testing.assert_array_equal(other.meanPath(1), runs[0].meanPath(1))
    assert runs[0].histogram.sum() + runs[0].outside == 64 * 50


def test_ensemble_recorder_histogram_and_merge():
    """Counts equal numpy's histogram of the recorded positions; two recorders merge to the one over both."""
    system = mm.System()
    for _ in range(6):
        system.addParticle(1.0)
    context = mm.Context(system, mm.VerletIntegrator(0.01), reference_platform())
    positions = np.array([[0.1, 0.2, 0], [0.5, -0.3, 0], [0.9, 0.9, 0], [-0.2, 0.4, 0], [0.35, 0.6, 0],
                          [2.0, 0.0, 0]])
    context.setPositions(positions)
    grid = core.RegularGrid([0.0, -0.5], [1.0, 1.0], [4, 3])
    whole = core.EnsembleRecorder(list(range(6)), 2, grid, 0, 1)
    whole.record(context, 1, 0)
    expected, _, _ = np.histogram2d(positions[:, 0], positions[:, 1], bins=[4, 3], range=[[0, 1], [-0.5, 1]])
    np.testing.assert_array_equal(np.array(whole.getHistogram()).reshape(3, 4).T, expected)
    assert whole.getOutsideCount() == 2  # (-0.2, 0.4) and (2, 0)
    first, second = (core.EnsembleRecorder(p, 2, grid, 0, 1) for p in ([0, 1, 2], [3, 4, 5]))
    first.record(context, 1, 0)
    second.record(context, 1, 0)
    first.merge(second)
    assert list(first.getHistogram()) == list(whole.getHistogram())
    np.testing.assert_allclose(first.trajectoryStatistics().getMeanPath(),
                               whole.trajectoryStatistics().getMeanPath(), rtol=1e-15)
    with pytest.raises(mm.OpenMMException, match="not in the Context"):
        core.EnsembleRecorder([7], 2, grid, 0, 1).record(context, 1, 0)
    with pytest.raises(mm.OpenMMException, match="grid has 2 dimensions"):
        core.EnsembleRecorder([0], 1, grid, 0, 1)


def test_largest_stable_step_of_a_harmonic_oscillator(potential_1d):
    """Stormer-Verlet is stable for h omega < 2: with omega = 10 the last stable step below 0.2 is found."""
    models = SurrogateModels(potential_1d, energy="50*x^2")  # k = 100, m = 1: omega = 10
    q0 = np.array([[0.3, 0, 0], [-0.2, 0, 0]])
    v0 = np.array([[0.5, 0, 0], [1.0, 0, 0]])
    steps = [0.05, 0.1, 0.15, 0.19, 0.21, 0.25]
    best, table = largest_stable_step(models.fullHamiltonian, q0, v0, steps, 20.0, 500.0, reference_platform())
    assert best == 0.19
    assert table[-1][0] == 0.21 and table[-1][1] > 500.0  # unstable: the energy exploded
    # Inside the stable range the error is the O(h^2) oscillation of the modified energy, not a drift.
    small = energy_error(models.fullHamiltonian, q0, v0, 20.0, 0.01, reference_platform())
    half = energy_error(models.fullHamiltonian, q0, v0, 20.0, 0.005, reference_platform())
    assert 3.5 < small / half < 4.5


def learn_p4(energy):
    cg = effpot.CoarseGrainer(energy, 2)
    cg.setStepSize(0.1)
    cg.setFriction(0.5)
    cg.setNumReplicas(200)
    cg.setNumSteps(10000)
    cg.setNumStage2Steps(20000)
    cg.setInitialPositions(np.random.default_rng(1).normal(size=(200, 2)))
    return cg.run()


P4_SETTINGS = ComparisonSettings(starts=[[0.0, 0.0]], start_spread=1.0, replicas=500, equilibration_steps=500,
                                 samples=500, sample_interval=5, acf_lags=20, histogram_bins=[16, 16],
                                 mean_path_replicas=4000, mean_path_samples=50, mean_path_interval=2,
                                 mean_path_start=[1.0, 1.0], mean_path_spread=0.3, hamiltonian_time=3.0, seed=2,
                                 threads=2)


def test_compare_tells_a_good_surrogate_from_a_bad_one():
    """P4 learned at h = 0.1 against its reference; then a potential learned from a 40% stiffer well, judged
    against the same reference, must fail every metric."""
    potential = learn_p4(problems.p4())
    good, curves = compare(potential, P4_SETTINGS)
    # Measured over seeds 1-4: TV 0.011-0.013 (sampling noise of 16 x 16 histograms of 500 x 500 correlated
    # samples), ACF 0.035-0.050 (the learned curvature; 0.006 with the exact f0), mean path 0.04-0.06 sd with
    # at most 2.9 standard errors over 51 times x 2 components.
    assert good["tv_distance"] < 0.03
    assert good["acf_max_difference"] < 0.08
    assert good["mean_path_max_difference_sd"] < 0.1 and good["mean_path_max_z"] < 4.5
    assert good["stable_step_ratio"] >= 10
    counted = curves["histogram_reference"].sum()
    assert counted == pytest.approx(500 * 500 * (1 - good["outside_fraction_reference"]))
    stiff = learn_p4(problems.p4().replace("(x^2+y^2)/2", "0.7*(x^2+y^2)"))
    bad, _ = compare(stiff, P4_SETTINGS, energy=problems.p4())
    assert bad["tv_distance"] > 0.08           # measured 0.11-0.12
    assert bad["acf_max_difference"] > 0.5      # 1.19: the frequency is 18% off
    assert bad["mean_path_max_difference_sd"] > 0.5 and bad["mean_path_max_z"] > 20


def test_learned_force_is_finite_at_and_beyond_the_box(potential_1d):
    """The emitted force clamps its table argument inside the box (OpenMM's tables throw outside their range,
    and an exception inside JIT-compiled expressions aborts the process): points on, just beyond and far
    beyond both edges, and NaN, give finite or NaN energies, never an abort."""
    lower, upper = potential_1d._impl.getLower()[0], potential_1d._impl.getUpper()[0]
    width = upper - lower
    xs = [lower, upper, lower - 1e-12, upper + 1e-12, lower - 1e-3 * width, upper + 1e-3 * width, lower - width,
          upper + width, np.nextafter(upper, np.inf), np.nextafter(lower, -np.inf)]
    models = SurrogateModels(potential_1d)
    system, integrator = models.surrogateHamiltonian(len(xs) + 1, 0.01)
    context = mm.Context(system, integrator, reference_platform())
    positions = np.zeros((len(xs) + 1, 3))
    positions[:-1, 0] = xs
    positions[-1, 0] = np.nan
    context.setPositions(positions)
    forces = context.getState(getForces=True).getForces(asNumpy=True)._value
    assert np.all(np.isfinite(forces[:-1]))
    # Outside the box the wall pushes back in.
    assert forces[6, 0] > 0 and forces[7, 0] < 0


def test_table_is_confining_outside_the_support(potential_1d):
    """Outside the sampled support the emitted table is U + (c/2) d^2, with d the distance to the nearest supported
    node and c = getTableCurvature() (U's largest curvature within 3 kT of its minimum), the squared distance
    blurred by two passes of a (1, 2, 1)/4 filter (which adds at most one node spacing squared): it meets U with no
    kink, rises on both sides (no spurious well where the fit bends down, none of the probability a level floor
    holds far out), and curves no more than the landscape where the dynamics lives, so a step that integrates U
    integrates the table (a cone with a kink at the edge reached 20 times that curvature)."""
    values = np.array(potential_1d._impl.getTableValues())
    spline = np.array(potential_1d._impl.getNodeValues())
    supported = np.array(potential_1d._impl.getNodeSupported(), dtype=bool)
    assert (~supported).any() and supported.any()
    axes, _, _, _ = potential_1d.grid()
    x = axes[0]
    spacing = x[1] - x[0]
    c = potential_1d._impl.getTableCurvature()
    assert c == pytest.approx(max(potential_1d._impl.getMaxCurvature(3 * potential_1d.kT),
                                  potential_1d.kT / (0.1 * (x[-1] - x[0])) ** 2), rel=1e-12)
    inside = np.flatnonzero(supported)
    d2 = (np.abs(x[:, None] - x[inside][None, :]).min(axis=1)) ** 2
    # The filter averages d^2 over +-2 nodes: it moves it by at most 4 d s + 4 s^2 (s the spacing); in the open
    # (in the tails, away from the box's ends and the support) by exactly s^2, the filter's variance.
    bound = 0.5 * c * (4 * np.sqrt(d2) * spacing + 4 * spacing ** 2) + 1e-12
    assert np.all(np.abs(values - (spline + 0.5 * c * d2))[~supported] <= bound[~supported])
    far = np.r_[np.arange(2, inside[0] - 2), np.arange(inside[-1] + 3, len(x) - 2)]  # the two tails
    np.testing.assert_allclose(values[far], (spline + 0.5 * c * (d2 + spacing ** 2))[far], rtol=1e-9)
    np.testing.assert_array_equal(values[supported], spline[supported])
    # Away from the support the table only rises.
    left, right = inside[0], inside[-1]
    assert np.all(np.diff(values[:left + 1]) < 0) and np.all(np.diff(values[right:]) > 0)
    # Its curvature outside the support stays below c (and below U's own inside it), up to the spline's.
    curvature = np.diff(values, 2) / spacing ** 2
    outside = ~supported[1:-1]
    assert curvature[outside].max() <= max(c, curvature[~outside].max()) * 1.05


def test_ensembles_on_an_executor_equal_threads(potential_1d):
    """The comparisons' batches as tasks on worker processes (effpot.local_executor) give exactly what threads
    give: each batch returns its sums as plain data and they merge in batch order."""
    from effpot.surrogates.comparison import ModelSpec
    from effpot.distributed.executors import local_executor
    spec = ModelSpec(potential_1d.toXml(), ENERGY_1D, None, "surrogate", H)
    rng = np.random.default_rng(11)
    q0 = np.zeros((48, 3))
    q0[:, 0] = rng.normal(size=48)
    v0 = np.zeros((48, 3))
    v0[:, 0] = rng.normal(size=48) * np.sqrt(potential_1d.kT)
    grid = core.RegularGrid([-2.0], [2.0], [16])
    common = dict(samples=40, interval=3, grid=grid, max_lag=8, times=10, batches=4, seed=7, platform="Reference")
    threads = run_ensemble(spec, q0, v0, 1, threads=2, **common)
    with local_executor(2) as executor:
        workers = run_ensemble(spec, q0, v0, 1, executor=executor, **common)
    np.testing.assert_array_equal(workers.histogram, threads.histogram)
    np.testing.assert_array_equal(workers.autocorrelation(1), threads.autocorrelation(1))
    np.testing.assert_array_equal(workers.meanPath(1), threads.meanPath(1))
    np.testing.assert_array_equal(workers.pathSpread(1), threads.pathSpread(1))
    # A finished accumulator's state round-trips exactly.
    state = threads.trajectories.getState()
    again = core.TrajectoryStatistics.fromState(1, 8, 10, state)
    assert list(again.getState()) == list(state)
    with pytest.raises(mm.OpenMMException, match="does not match"):
        core.TrajectoryStatistics.fromState(2, 8, 10, state)
