"""Issue 15: Stage 1's precision in the whitened frame, the discrete-step Stage 2 calibration, and error bands
that carry the uncertainty of D and kT (docs/theory.md sections 5, 6 and 10: P4, P6), with default run lengths."""
import numpy as np
import pytest

import effpot
from effpot.coarse_graining import problems
from effpot.coarse_graining.analysis import grid_points


def whitened(estimate, true):
    w, v = np.linalg.eigh(np.asarray(true))
    root = v @ np.diag(w ** -0.5) @ v.T
    return float(np.max(np.abs(np.linalg.eigvalsh(root @ np.asarray(estimate) @ root) - 1)))


def test_p6_noise_covariance_is_exact_and_ill_conditioned():
    h = 0.1
    D = np.array(problems.p6_noise_covariance(h))
    expected = h / 2 * (np.diag([1.0, 9.0, 49.0]) + 0.25 * np.ones((3, 3)))
    np.testing.assert_allclose(D, expected)
    w = np.linalg.eigvalsh(D)
    assert w[-1] / w[0] >= 30
    values = problems.p6_coarse_values(np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]]))
    np.testing.assert_allclose(values, [0.5, 1.3, 2.1])


_RUNS = {}
_COVARIANCES = {}


def position_covariance(statistics):
    """Cov(q) of the sampled positions, from the histogram of the sampling run (x fastest), less the bins' own
    variance w^2/12."""
    grid = statistics.getGrid()
    lower, upper, bins = np.array(grid.getLower()), np.array(grid.getUpper()), np.array(grid.getBins())
    counts = sum(np.array(statistics.getHistogram(k), dtype=float) for k in range(statistics.getNumBatches()))
    index = np.arange(counts.size)
    widths = (upper - lower) / bins
    cell = [(index // int(np.prod(bins[:i]))) % bins[i] for i in range(len(bins))]
    centres = np.stack([lower[i] + (cell[i] + 0.5) * widths[i] for i in range(len(bins))], axis=1)
    p = counts / counts.sum()
    mean = p @ centres
    return (centres - mean).T @ ((centres - mean) * p[:, None]) - np.diag(widths ** 2 / 12)


def learned(name, seed):
    if (name, seed) not in _RUNS:
        if name == "P4":
            cg = effpot.CoarseGrainer(problems.p4(), 2)
            cg.setFriction(0.5)
        else:
            cg = effpot.CoarseGrainer(problems.p6(), 3)
        cg.setStepSize(0.1)
        cg.setRandomSeed(seed)
        _RUNS[(name, seed)] = cg.run(platform="CPU")
        _COVARIANCES[(name, seed)] = position_covariance(cg._impl.getSamplingStatistics())
    return _RUNS[(name, seed)]


def test_p6_default_settings_meet_the_targets():
    # Issue 15 on P6 (condition number 39.7), default settings, seeds 1-3: D within 2% in the whitened sense, Cov(q)
    # within 3% of kT K^-1, RMSE of U within 3 kT at most 0.03 kT. One Stage-1 round alone gave 3.5-14.5% and
    # 0.059-0.082 kT; measured with three rounds and the bin-average correction: 1.0-1.7%, 0.018-0.021 kT.
    from effpot.coarse_graining.analysis import rmse_in_kt
    true = problems.p6_noise_covariance(0.1)
    K = np.array(problems.P6_STIFFNESS)
    for seed in (1, 2, 3):
        potential = learned("P6", seed)
        assert potential.diagnostics["stage1.rounds"] >= 2, seed
        assert whitened(potential.noiseCovariance, true) <= 0.02, seed
        relative = _COVARIANCES[("P6", seed)] @ K / potential.kT - np.eye(3)
        assert np.max(np.abs(relative)) <= 0.03, (seed, relative)
        assert rmse_in_kt(potential, problems.p6_coarse_values, [np.linspace(-2.5, 2.5, 26)] * 3) <= 0.03, seed


@pytest.mark.parametrize("name", ["P4", "P6"])
def test_reported_whitened_error_and_condition_number_are_honest(name):
    # Over 3 seeds the true whitened error of D-hat lies within 3 of its reported standard errors, and the
    # condition number is the exact one within what that error allows.
    true = problems.p4_noise_covariance(0.1) if name == "P4" else problems.p6_noise_covariance(0.1)
    w = np.linalg.eigvalsh(true)
    for seed in (1, 2, 3):
        potential = learned(name, seed)
        d = potential.diagnostics
        error = d["stage1.whitenedError"]
        assert 0 < error < 0.25
        assert whitened(potential.noiseCovariance, true) <= 3 * error, (seed, error)
        assert abs(d["stage1.conditionNumber"] / (w[-1] / w[0]) - 1) <= 6 * error
        for m in range(potential.dimensions):
            value, se = d[f"stage1.eigenvalue{m}"], d[f"stage1.eigenvalue{m}.standardError"]
            assert abs(value - w[m]) <= 4 * se + 1e-12, (seed, m, value, w[m], se)


@pytest.mark.parametrize("name", ["P4", "P6"])
def test_a_stage1_short_of_its_tolerance_says_so(name):
    # The note is there exactly when the rounds ran out before the reported whitened error reached stage1Tolerance
    # (P4 stops within it after 2 rounds; P6 ends its 3 rounds at 0.010-0.018 against 0.01), and it names both.
    tolerance = effpot.CoarseGrainer(problems.p4(), 2).settings.stage1Tolerance
    for seed in (1, 2, 3):
        d = learned(name, seed).diagnostics
        error = d["stage1.whitenedError"]
        assert ("stage1Precision" in d) == (error > tolerance), (seed, error)
        if error > tolerance:
            assert f"{error:.6g}" in d["stage1Precision"] and "maxStage1Rounds = 3" in d["stage1Precision"]


@pytest.mark.parametrize("name", ["P4", "P6"])
def test_stage2_drift_temperature_is_the_target_in_every_direction(name):
    # The positions see the drift momenta: their temperature along each eigendirection of Gamma is kT*, up to
    # the error of D-hat there (the whitened error) and no calibration warning fires on these good runs.
    for seed in (1, 2, 3):
        potential = learned(name, seed)
        d = potential.diagnostics
        allowed = 3 * d["stage1.whitenedError"] + 0.01
        for m in range(potential.dimensions):
            assert abs(d[f"stage2.driftKT.direction{m}"] / d["settings.targetKT"] - 1) <= allowed
        assert not [v for k, v in d.items() if k.startswith("stage1Note") and "not calibrated" in str(v)]


@pytest.mark.parametrize("name", ["P4", "P6"])
def test_bands_cover_the_exact_potential(name):
    # At least 90% of the grid points within 3 kT lie inside the 95% band of standardError, on each of 3 seeds.
    if name == "P4":
        reference, axes = (lambda p: (p ** 2).sum(axis=1) / 2), [np.linspace(-2.5, 2.5, 51)] * 2
    else:
        reference, axes = problems.p6_coarse_values, [np.linspace(-2.5, 2.5, 26)] * 3
    points = grid_points(axes)
    values = reference(points)
    for seed in (1, 2, 3):
        potential = learned(name, seed)
        mask = values - values.min() <= 3 * potential.kT
        difference = potential.evaluate(points[mask]) - values[mask]
        difference -= difference.mean()
        sigma = potential.standardError(points[mask])
        assert np.all(sigma > 0)
        assert np.mean(np.abs(difference) <= 1.96 * sigma) >= 0.9, seed


def test_p5_bands_cover_the_coarse_part():
    # P5 with the demo's settings (300 replicas, three wells, h = 0.02) on seeds 1-3: at least 90% of the grid points
    # within 3 kT of the minimum inside the 95% band. Measured with seed 1: 100%, RMSE 0.016 kT.
    import tomllib
    from effpot.cli import runs
    from effpot.cli.command import demo_config_path
    with open(demo_config_path(), "rb") as stream:
        config = tomllib.load(stream)
    points = grid_points([np.linspace(-1.5, 1.0, 51), np.linspace(-0.5, 2.0, 51)])
    values = problems.p5_coarse_values(points)
    for seed in (1, 2, 3):
        config["run"]["seed"] = seed
        potential = runs.coarse_grainer(config).run(platform="CPU")
        mask = values - values.min() <= 3 * potential.kT
        difference = potential.evaluate(points[mask]) - values[mask]
        difference -= difference.mean()
        sigma = potential.standardError(points[mask])
        assert np.mean(np.abs(difference) <= 1.96 * sigma) >= 0.9, seed


def test_standard_error_beside_evaluate():
    potential = learned("P4", 1)
    axes, values, errors, supported = potential.grid()
    nodes = grid_points(axes)
    sigma = potential.standardError(nodes).reshape(values.shape)
    # At the nodes: the bootstrap error and the temperature's share r U, in quadrature.
    r = potential.diagnostics["stage1.whitenedError"]
    np.testing.assert_allclose(sigma, np.sqrt(errors ** 2 + (r * np.maximum(values, 0)) ** 2), rtol=1e-9, atol=1e-12)
    assert np.isnan(potential.standardError([[np.nan, 0.0]])[0])
    with pytest.raises(ValueError):
        potential.standardError([[0.0, 0.0, 0.0]])
