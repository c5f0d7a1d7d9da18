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
    return _RUNS[(name, seed)]


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
