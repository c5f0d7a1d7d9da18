"""ScaleScan (docs/theory.md section 9) on P1: both windows, frozen and exploding runs (synthetic grouping: C++ tests)."""
import openmm as mm
import pytest

import effpot
from effpot.coarse_graining import problems


def test_p1_scan_finds_both_windows_and_flags_frozen_and_exploded_runs():
    scan = effpot.ScaleScan(problems.p1(), 1)
    scan.setStepSizes([0.005, 0.01, 0.02, 0.03, 0.045, 0.07, 0.1, 0.15, 0.22, 0.3, 0.45, 0.7, 1.0, 3.0])
    scan.setNumReplicas(100)
    scan.setNumSteps(20000)
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
