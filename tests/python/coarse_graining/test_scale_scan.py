"""ScaleScan (docs/theory.md section 9) on P1: both windows, frozen and exploding runs (synthetic grouping: C++ tests)."""
import math

import openmm as mm
import pytest

import effpot
from effpot.coarse_graining import problems


def test_p1_scan_finds_both_windows_and_flags_frozen_and_exploded_runs():
    scan = effpot.ScaleScan(problems.p1(), 1)
    scan.setStepSizes([0.005, 0.01, 0.02, 0.03, 0.045, 0.07, 0.1, 0.15, 0.22, 0.3, 0.45, 0.7, 1.0, 3.0])
    scan.setNumReplicas(100)
    scan.setNumSteps(20000)
    # The edges judged at the kT* at which P1's levels are learned (test_scan_to_potentials.py). At the default
    # kT* = 1 the first level is gone: hot replicas cross e1's wells faster, and e1 stops being resolved at h = 0.02.
    scan.setTargetKT(0.15)
    points, levels = scan.run()
    by_h = {round(p["stepSize"], 3): p for p in points}
    # Below sqrt(5 e2) = 0.022 the micro-scale e2 is resolved and replicas settle in its wells.
    assert by_h[0.01]["frozen"]
    # At h = 3 the coarse part itself is unresolved (h omega > 2): the run explodes.
    assert by_h[3.0]["exploded"] and not by_h[3.0]["gaussian"]
    # Between the windows (h ~ 0.07) e1 is neither resolved nor noise: non-Gaussian momenta.
    assert not by_h[0.07]["gaussian"]
    # Two levels, around h = 0.03 (learns f0 + f1) and h = 0.3 (learns f0), as docs/theory.md section 10 says for P1.
    assert len(levels) == 2
    first, second = levels
    assert first["smallest"] <= 0.03 <= first["largest"] and 0.02 <= first["recommended"] <= 0.05
    assert second["smallest"] <= 0.3 <= second["largest"] and 0.15 <= second["recommended"] <= 0.5
    # kT is about E[zeta^2] / (2 factor): 1/8 where only e2 is noise, 1/4 where both are.
    assert by_h[0.03]["kT"] == pytest.approx(0.125, rel=0.1)
    assert by_h[0.3]["kT"] == pytest.approx(0.25, rel=0.15)


def test_scan_rejects_bad_settings():
    with pytest.raises(mm.OpenMMException, match="unknown variable"):
        effpot.ScaleScan("x^2 + q", 1)
    scan = effpot.ScaleScan("x^2", 1)
    with pytest.raises(mm.OpenMMException, match="positive numbers of ps"):
        scan.setStepSizes([0.1, -0.2])
    with pytest.raises(mm.OpenMMException, match="set the step sizes first"):
        scan.run()


def _transient_weight(gamma, h, equilibration, steps):
    """docs/theory.md section 9: the share of the starts' excess energy left in the sampled averages."""
    a, b = gamma * h * equilibration, gamma * h * steps
    return math.exp(-a) * -math.expm1(-b) / b


def test_a_run_that_never_relaxed_is_flagged_and_left_out_of_the_levels():
    # P1 at h = 0.005 resolves every scale: its stationary state is frozen, but gamma = 2 h = 0.01 makes the
    # relaxation time 100 ps, and 2000 + 20000 steps cover 1.1 of them. Started over [-1.5, 1.5], the momenta of
    # that slowly cooling run pass the normality tolerances (the false level of docs/scale-scan.md).
    def scan(weight=None):
        s = effpot.ScaleScan(problems.p1(), 1)
        s.setStepSizes([0.005])
        s.setInitialBox([-1.5], [1.5])
        s.setTargetKT(0)
        if weight is not None:
            s.setMaxTransientWeight(weight)
        return s.run()
    (point,), levels = scan()
    assert point["relaxationTimes"] == pytest.approx(0.01 * 0.005 * 22000, rel=1e-12)
    assert point["transientWeight"] == pytest.approx(_transient_weight(0.01, 0.005, 2000, 20000), rel=1e-12)
    assert point["transientWeight"] > 0.5 and not point["relaxed"]
    assert not point["gaussian"] and levels == []
    # The flag is all that changed: the same run, accepted whatever its length, is relaxed by definition.
    (accepted,), _ = scan(weight=1.0)
    assert accepted["relaxed"] and accepted["kT"] == point["kT"]


def test_the_same_step_is_relaxed_once_the_run_is_long_enough():
    # A lightly damped step (factor 0.25: gamma = 0.025 at h = 0.1, relaxation time 400 steps) in the noise regime
    # of 0.001 sin(x/0.001); kT ~ E[zeta^2] / (2 factor) = 1, the starting velocities' kT, and starts spread as the
    # law at kT = 1 (sd 1), so even a short run's momenta look nearly Gaussian.
    def scan(equilibration, steps):
        s = effpot.ScaleScan("x^2/2 + 0.001*sin(x/0.001)", 1)
        s.setStepSizes([0.1])
        s.setFrictionFactor(0.25)
        s.setNumEquilibrationSteps(equilibration)
        s.setNumSteps(steps)
        s.setInitialBox([-1.7], [1.7])
        s.setTargetKT(0)
        return s.run()
    (short,), short_levels = scan(200, 1000)  # 3 relaxation times: 22% of the starts' excess left
    assert short["transientWeight"] == pytest.approx(_transient_weight(0.025, 0.1, 200, 1000), rel=1e-12)
    assert not short["relaxed"] and not short["gaussian"] and short_levels == []
    (long,), long_levels = scan(2000, 20000)  # 55 relaxation times
    assert long["relaxed"] and long["transientWeight"] < 1e-3
    # 100 replicas x 55 relaxation times: the excess kurtosis' standard error is about 0.03, the tolerance 0.2.
    assert long["gaussian"] and long_levels == [dict(smallest=0.1, largest=0.1, recommended=0.1, numPoints=1)]


def test_the_large_step_edge_is_judged_at_the_target_kT():
    # x^4/4 with 1e-4 sin(x/1e-4) as noise. The fine gradient is bounded (a sine's: excess kurtosis -1.5), and the
    # momentum averages about 1/(gamma h) of its kicks, so its excess kurtosis is about -1.5 tanh(gamma h): the
    # momenta stop being Gaussian where gamma h grows too large. At the scan's own temperature (gamma = 2 h, kT ~
    # 0.125) the edge is h = 0.22 (0.33 sits at the tolerance: -0.21 to -0.23 over seeds). A cold kT* needs a
    # heavier friction (gamma* = 1.5 at h = 0.22: -0.34 to -0.40), so the edge moves inward; a hot kT* a lighter
    # one (gamma* h ~ 0.03 at h = 0.33: within 0.1 of 0), so it moves outward, until the hot replicas reach walls
    # too steep for the step (h = 0.5 explodes at kT* = 1). Seeds 1-4 give the same levels.
    steps = [0.05, 0.1, 0.15, 0.22, 0.33, 0.5, 0.75]

    def scan(kT):
        s = effpot.ScaleScan("x^4/4 + 0.0001*sin(x/0.0001)", 1)
        s.setStepSizes(steps)
        s.setNumSteps(10000)
        s.setTargetKT(kT)
        return s.run()
    cold_points, cold = scan(0.03)
    hot_points, hot = scan(1.0)
    # The scan's own runs do not depend on kT*.
    assert [p["kT"] for p in cold_points] == [p["kT"] for p in hot_points]
    own = [p["stepSize"] for p in cold_points if p["gaussian"]]
    assert 0.1 in own and 0.22 in own and 0.5 not in own
    own_edge = max(h for h in own if all(g in own for g in steps if 0.1 <= g <= h))
    assert len(cold) == 1 and len(hot) == 1
    assert cold[0]["smallest"] == hot[0]["smallest"] <= 0.1
    assert cold[0]["largest"] < 0.22 <= own_edge
    assert hot[0]["largest"] >= max(own_edge, 0.33)
    by_h = {p["stepSize"]: p for p in hot_points}
    # The checks ran at kT*: the friction chosen from each point's own energy balance gives that kinetic kT.
    assert by_h[0.33]["edgeChecked"] and by_h[0.33]["gaussianAtTargetKT"]
    assert by_h[0.33]["atTargetKT"]["kT"] == pytest.approx(1.0, rel=0.1)
    assert by_h[0.5]["edgeChecked"] and by_h[0.5]["atTargetKT"]["exploded"]
    assert not by_h[0.75]["edgeChecked"] and by_h[0.75]["atTargetKT"] is None
    for p in cold_points:
        if p["edgeChecked"]:
            assert p["atTargetKT"]["kT"] == pytest.approx(0.03, rel=0.3)
            assert p["atTargetKT"]["friction"] > p["friction"]  # colder: heavier friction


def test_a_scan_with_progress_runs_its_step_sizes_one_by_one_with_the_same_results():
    def scan():
        s = effpot.ScaleScan(problems.p1(), 1)
        s.setStepSizes([0.1, 0.3, 3.0])
        s.setNumReplicas(20)
        s.setNumSteps(1000)
        s.setNumEquilibrationSteps(200)
        s.setTargetKT(0)
        return s
    heard = []
    points, levels = scan().run(progress=lambda stage, done, total: heard.append((stage, done, total)))
    reference, reference_levels = scan().run()
    assert [p["kT"] for p in points] == [p["kT"] for p in reference] and levels == reference_levels
    assert heard[-1] == ("scale scan (tasks)", 3, 3) and len(heard) == 4  # before the first and after each
    with pytest.raises(ValueError, match="progress: give a callable"):
        scan().run(progress=5)
