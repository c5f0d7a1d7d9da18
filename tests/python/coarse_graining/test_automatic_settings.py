"""Automatic settings of CoarseGrainer: the pilot-run friction (docs/theory.md section 4) and the resolution check."""
import numpy as np
import pytest
from scipy.optimize import brentq

import effpot
from effpot.coarse_graining import problems
from effpot.coarse_graining.analysis import rmse_in_kt


def phi(x):
    return x / np.expm1(x)


def p1_grainer(target, energy=None):
    cg = effpot.CoarseGrainer(energy or problems.p1(), 1)
    cg.setStepSize(0.3)
    cg.setTargetKT(target)
    cg.setNumReplicas(100)
    cg.setNumSteps(20000)
    cg.setInitialPositions(np.linspace(-1, 1, 100)[:, None])
    return cg


@pytest.mark.parametrize("target", [0.228, 0.1])
def test_pilot_friction_follows_the_spec_prediction(target):
    """P1 at h = 0.3: both micro-scales have E[zeta^2] = 1/2, so D = h and docs/theory.md section 4 predicts
    kT(gamma) = h phi(gamma h) / (2 gamma); the pilot's gamma solves kT(gamma) = target (0.6 for 0.228, theory.md's
    setting), and the run at that gamma has the target kinetic kT."""
    h = 0.3
    predicted = brentq(lambda g: h * phi(g * h) / (2 * g) - target, 1e-3, 1e3)
    cg = p1_grainer(target)
    assert cg.getFriction() == 0 and cg.isFrictionAutomatic()
    potential = cg.run()
    diagnostics = potential.diagnostics
    gamma = diagnostics["settings.friction"]
    # The pilot measures D from 100 replicas x 2000 steps (a few tenths of a percent), and the micro-scales are
    # not exactly independent noise at this step (the full run's D is 1-2% off h): 5%.
    assert gamma == pytest.approx(predicted, rel=0.05)
    assert diagnostics["pilot.noise"] == pytest.approx(h, rel=0.05)
    assert diagnostics["kT.kinetic"] == pytest.approx(target, rel=0.05)
    assert diagnostics["settings.frictionAutomatic"] == 1
    assert cg.isFrictionAutomatic()  # a rerun pilots again
    # A friction set by hand is used as it is.
    cg.setFriction(0.6)
    assert cg.run().diagnostics["settings.friction"] == 0.6


def test_resolution_check_warns_when_the_step_does_not_resolve_the_learned_potential():
    """h^2 lambda_max / m of the learned U within 3 kT of its minimum: 0.09 for x^2/2 at h = 0.3 (no warning);
    5 x^2 has lambda = 10, so 0.9 > 0.3 and the result says so. The estimate is a maximum of a noisy curvature,
    so it sits above the truth: measured 0.100-0.130 and 0.92-0.96 over seeds 1-3."""
    resolved = p1_grainer(0.228).run().diagnostics
    assert 0.08 < resolved["resolution.h2LambdaMax"] < 0.2
    assert "resolutionWarning" not in resolved
    stiff = p1_grainer(0.5, "5*x^2+0.01*sin(x/0.01)+1e-4*sin(x/1e-4)").run().diagnostics
    assert 0.8 < stiff["resolution.h2LambdaMax"] < 1.3
    assert "does not resolve" in stiff["resolutionWarning"]


def test_friction_input_is_checked():
    cg = effpot.CoarseGrainer(problems.p1(), 1)
    with pytest.raises(ValueError, match="'auto'"):
        cg.setFriction("automatic")
    import openmm
    with pytest.raises(openmm.OpenMMException, match="set the step size first"):
        cg.choosePilotFriction()


def test_p4_with_automatic_settings_meets_the_driver_targets():
    """P4 with nothing hand-set but the step: the pilot picks the Stage-1 friction (0.086-0.088 over seeds), the UBRE
    the knots (6 bins: a quadratic) and the penalty, the grid its default. The driver's targets: D within 5% with
    the truth inside 3 standard errors, RMSE < 0.05 kT (measured over seeds 1-3: D 0.3-1.1%, max |z| 1.4,
    RMSE 0.011-0.016 kT)."""
    cg = effpot.CoarseGrainer(problems.p4(), 2)
    cg.setStepSize(0.1)
    cg.setNumReplicas(300)
    cg.setNumSteps(20000)
    cg.setNumStage2Steps(40000)
    cg.setInitialBox([-3, -3], [3, 3])
    potential = cg.run()
    diagnostics = potential.diagnostics
    assert diagnostics["settings.frictionAutomatic"] == 1 and diagnostics["fit.knotSpacingAutomatic"] == 1
    true = np.array(problems.p4_noise_covariance(0.1))
    d, error = potential.noiseCovariance, potential.noiseCovarianceError
    assert np.linalg.norm(d - true) / np.linalg.norm(true) < 0.05
    assert np.all(np.abs(d - true) <= 3 * error)
    axes = [np.linspace(-2.5, 2.5, 51)] * 2
    assert rmse_in_kt(potential, lambda q: 0.5 * (q ** 2).sum(axis=1), axes) < 0.05


def p1_small_step(coarsening):
    cg = effpot.CoarseGrainer(problems.p1(), 1)
    cg.setStepSize(0.03)
    cg.setTargetKT(0.15)
    cg.setNumReplicas(200)
    cg.setNumSteps(40000)
    cg.setInitialBox([-1.5], [1.5])
    cg.setGridCoarsening(coarsening)
    return cg


def test_grid_is_chosen_by_held_out_likelihood():
    """P1 at h = 0.03 keeps the ripple 0.01 sin(x/0.01) (period 0.063 nm): a histogram of 300 bins over the 3 nm
    box blurs it, 1200 or 600 keep it. Held-out replica batches say so by hundreds of nats (measured over seeds 1-3:
    coarsening 4 scores 530-640 below the best), and the RMSE against f0 + f1 follows (0.018-0.023 kT chosen, 0.047
    with 300 bins)."""
    def resolved(q):
        return q[:, 0] ** 2 / 2 + 0.01 * np.sin(q[:, 0] / 0.01)
    axes = [np.linspace(-1.0, 1.0, 401)]
    chosen = p1_small_step("auto").run()
    diagnostics = chosen.diagnostics
    assert diagnostics["fit.gridCoarseningAutomatic"] == 1
    assert diagnostics["fit.gridCoarsening"] in (1, 2)
    assert diagnostics["fit.gridBins0"] == 1200 / diagnostics["fit.gridCoarsening"]
    scores = [diagnostics[f"fit.heldOutLogLikelihood.coarsening{k}"] for k in (1, 2, 3, 4)]
    assert max(scores) == 0 and scores[3] < -300
    coarse = p1_small_step(4).run()
    assert coarse.diagnostics["fit.gridCoarseningAutomatic"] == 0 and coarse.diagnostics["fit.gridBins0"] == 300
    assert rmse_in_kt(chosen, resolved, axes) < 0.03
    assert rmse_in_kt(coarse, resolved, axes) > 0.035


def test_grid_coarsening_must_divide_the_bins():
    cg = p1_small_step(7)
    with pytest.raises(Exception, match="grid coarsening of 7 must divide the 1200 histogram bins"):
        cg.run()


def shifted_p1(**settings):
    """P1 moved to x = 4, outside the default starting box [-1, 1]."""
    cg = effpot.CoarseGrainer(problems.p1().replace("x^2/2", "(x-4)^2/2"), 1)
    cg.setStepSize(0.3)
    cg.setTargetKT(0.228)
    cg.setNumReplicas(100)
    cg.setNumSteps(10000)
    for name, value in settings.items():
        getattr(cg, name)(*value)
    return cg


def test_replicas_start_where_the_pilot_ended():
    """With no starts given, the run starts from the pilot's end positions: spread over the well at x = 4 with the
    pilot's temperature (about E[zeta^2]/4 = 0.25 kJ/mol, so an sd near 0.5), not over the default box [-1, 1].
    Given starts (a box or positions) are kept, and run() leaves the settings as they were."""
    cg = shifted_p1()
    potential = cg.run()
    assert potential.diagnostics["settings.startsFromPilot"] == 1
    assert not cg.getStartsFromPilot() and cg.isFrictionAutomatic()
    starts = np.array(cg.getPilotPositions())
    assert starts.shape == (100,)
    # 100 replicas: the mean is within 4 standard errors of 4, the sd within 30% of sqrt(0.25).
    assert abs(starts.mean() - 4) < 4 * 0.5 / np.sqrt(100)
    assert 0.35 < starts.std() < 0.65
    # A rerun pilots again from the same seeded box and repeats the result exactly.
    again = cg.run()
    np.testing.assert_array_equal(again.evaluate(np.array([[3.5], [4.0], [4.5]])),
                                  potential.evaluate(np.array([[3.5], [4.0], [4.5]])))
    # Given starts are not replaced.
    for given in (shifted_p1(setInitialBox=([3.0], [5.0])), shifted_p1(setInitialPositions=([4.0, 4.2],))):
        assert given.run().diagnostics["settings.startsFromPilot"] == 0


def test_pilot_starts_give_way_to_given_settings():
    """Starts from a pilot never override what the user sets afterwards: given positions stay (and survive a
    return to automatic friction), a box drops the pilot's starts, and a new replica count makes the next run
    pilot again for that count."""
    import openmm as mm
    platform = mm.Platform.getPlatformByName("Reference")
    cg = shifted_p1()
    cg._impl.usePilotFriction(platform)
    assert cg.getStartsFromPilot()
    cg.setInitialPositions([4.0, 4.2])
    assert not cg.getStartsFromPilot()
    cg.setFriction("auto")
    assert cg.run().diagnostics["settings.startsFromPilot"] == 0  # the given positions were kept
    cg = shifted_p1()
    cg._impl.usePilotFriction(platform)
    cg.setInitialBox([3.0], [5.0])
    assert not cg.getStartsFromPilot()
    cg.setFriction("auto")
    assert cg.run().diagnostics["settings.startsFromPilot"] == 0
    cg = shifted_p1()
    cg._impl.usePilotFriction(platform)
    cg.setNumReplicas(50)  # the 100 pilot starts no longer fit
    assert not cg.getStartsFromPilot()
    cg.setFriction("auto")
    assert cg.run().diagnostics["settings.startsFromPilot"] == 1
    assert len(cg.getPilotPositions()) == 50
