"""Streaming comparison statistics (docs/theory.md section 8) against closed forms and direct numpy computations."""
import numpy as np
import openmm as mm
import pytest
from scipy.linalg import expm

import effpot
from effpot import effpot_swig as core


def test_histogram_distances_closed_forms():
    assert core.totalVariation([3, 1, 0, 2], [6, 2, 0, 4]) == pytest.approx(0.0)  # same law, other sample size
    assert core.totalVariation([5, 5, 0, 0], [0, 0, 1, 3]) == pytest.approx(1.0)  # disjoint supports
    assert core.totalVariation([1, 1], [1, 0]) == pytest.approx(0.5)
    p, q = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    assert core.klDivergence(p.tolist(), q.tolist(), 0.0) == pytest.approx(np.sum(p * np.log(p / q)), rel=1e-12)
    assert core.klDivergence([1, 1], [1, 0], 0.0) == np.inf
    assert np.isfinite(core.klDivergence([1, 1], [1, 0]))  # the default pseudocount keeps it finite
    with pytest.raises(mm.OpenMMException, match="same, nonzero number of bins"):
        core.totalVariation([1, 2], [1, 2, 3])


def ar1(trajectories, samples, a, rng):
    """Stationary AR(1) x_(n+1) = a x_n + sqrt(1-a^2) z: the exact sampling of an Ornstein-Uhlenbeck process,
    whose normalized ACF is a^m."""
    x = np.empty((samples, trajectories))
    x[0] = rng.normal(size=trajectories)
    noise = rng.normal(size=(samples, trajectories)) * np.sqrt(1 - a * a)
    for n in range(1, samples):
        x[n] = a * x[n - 1] + noise[n]
    return x


def direct_acf(x, max_lag):
    """The definition of docs/theory.md section 8 written out: C(m) = 1/(Ne (N-m)) sum_i sum_{n<N-m} (x_i(n+m) - xhat)(x_i(n) - xhat)."""
    centred = x - x.mean()
    c = [np.mean(centred[m:] * centred[:len(x) - m]) for m in range(max_lag + 1)]
    return np.array(c) / c[0]


def test_autocorrelation_of_ornstein_uhlenbeck_process():
    rng = np.random.default_rng(2)
    a, trajectories, samples, max_lag = 0.9, 200, 2000, 30
    x = ar1(trajectories, samples, a, rng) + 3.0  # a nonzero mean, removed by the estimator
    statistics = core.TrajectoryStatistics(trajectories, 1, max_lag, 10)
    for n in range(samples):
        statistics.addSample(x[n].tolist())
    acf = np.array(statistics.getNormalizedAutocorrelation())
    # The streaming algebra is exact: it equals the definition computed on the stored samples.
    np.testing.assert_allclose(acf, direct_acf(x, max_lag), atol=1e-10)
    # And the estimate matches a^m within its statistical error: Var ~ (1+a^2)/(1-a^2) / (Ne N) per lag
    # (Bartlett), 0.005 here; 5 standard errors.
    error = np.sqrt((1 + a * a) / (1 - a * a) / (trajectories * samples))
    assert np.max(np.abs(acf - a ** np.arange(max_lag + 1))) < 5 * error
    assert acf[0] == 1.0


def test_mean_path_of_damped_harmonic_oscillator_and_merge():
    """Deterministic damped motion is linear: the mean path of Ne oscillators started from q0 ~ N(1, 1), v = 0,
    is the path of the mean start, given by powers of the scheme's one-step matrix (exactly) and close to the
    continuous damped oscillator (to O(h^2))."""
    ne, h, gamma, k, steps = 400, 0.05, 0.4, 4.0, 200
    system = mm.System()
    force = mm.CustomExternalForce(f"0.5*{k}*(x^2+y^2+z^2)")
    for i in range(ne):
        system.addParticle(1.0)
        force.addParticle(i, [])
    system.addForce(force)
    integrator = effpot.DampedVerletIntegrator(h)
    integrator.setDefaultFriction(gamma)
    context = mm.Context(system, integrator, mm.Platform.getPlatformByName("Reference"))
    rng = np.random.default_rng(5)
    q0 = rng.normal(1.0, 1.0, ne)
    context.setPositions(np.column_stack([q0, np.zeros((ne, 2))]))
    whole = core.TrajectoryStatistics(ne, 1, 5, steps + 1)
    halves = [core.TrajectoryStatistics(ne // 2, 1, 5, steps + 1) for _ in range(2)]
    for n in range(steps + 1):
        if n > 0:
            integrator.step(1)
        x = context.getState(getPositions=True).getPositions(asNumpy=True)._value[:, 0]
        whole.addSample(x.tolist())
        halves[0].addSample(x[:ne // 2].tolist())
        halves[1].addSample(x[ne // 2:].tolist())
    mean = np.array(whole.getMeanPath())
    # One O-B-A-B-O step on (q, v) for unit mass, scalar friction and stiffness k.
    e = np.exp(-0.5 * h * gamma)
    o = np.diag([1.0, e])
    kick = np.array([[1.0, 0.0], [-0.5 * h * k, 1.0]])
    drift = np.array([[1.0, h], [0.0, 1.0]])
    step = o @ kick @ drift @ kick @ o
    state, exact = np.array([q0.mean(), 0.0]), []
    for n in range(steps + 1):
        exact.append(state[0])
        state = step @ state
    np.testing.assert_allclose(mean, exact, atol=1e-12)
    t = h * np.arange(steps + 1)
    continuous = expm(np.array([[0.0, 1.0], [-k, -gamma]]) * t[:, None, None]) @ np.array([q0.mean(), 0.0])
    assert np.max(np.abs(mean - continuous[:, 0])) < 0.02 * abs(q0.mean())  # O((h omega)^2) = 1%
    # The spread across trajectories is |path of a unit start| x std(q0).
    spread = np.array(whole.getPathSpread())
    np.testing.assert_allclose(spread, np.abs(np.array(exact) / q0.mean()) * q0.std(ddof=1), rtol=1e-9, atol=1e-12)
    halves[0].merge(halves[1])
    np.testing.assert_allclose(halves[0].getMeanPath(), mean, atol=1e-12)
    np.testing.assert_allclose(halves[0].getNormalizedAutocorrelation(), whole.getNormalizedAutocorrelation(), atol=1e-12)
    with pytest.raises(mm.OpenMMException, match="merged accumulator"):
        halves[0].addSample([0.0] * (ne // 2))
