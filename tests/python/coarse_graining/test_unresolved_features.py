"""The fitted U checked against its own histogram: a feature narrower than the knots is reported, not hidden."""
import re

import pytest

import effpot

MICRO = " + 5e-4*(sin(x/1e-4) + 2*sin(y/1e-4) + sin((x+y)/1e-4))"
# A basin 0.1 nm wide and 3 kJ/mol deep at (2, 0), holding 1.7% of the probability: the fit's knots (3 bins of a
# coarsened grid) smooth it to U - U(0) = +0.5 kJ/mol at its centre against -1.0, with bands of 0.06 kT.
BASIN = "0.5*(x^2+y^2) - 3*exp(-((x-2.0)^2+y^2)/0.02)"


def learn(coarse):
    cg = effpot.CoarseGrainer(coarse + MICRO, 2)
    cg.setStepSize(0.03)
    cg.setNumReplicas(200)
    cg.setNumSteps(20000)
    cg.setRandomSeed(1)
    return cg.run(platform="CPU")


def test_a_narrow_basin_smoothed_away_is_reported_where_it_is():
    d = learn(BASIN).diagnostics
    note = d["unresolvedFeature"]
    x, y = (float(v) for v in re.match(r"at \(([-\d.e]+), ([-\d.e]+)\)", note).groups())
    assert abs(x - 2.0) < 0.1 and abs(y) < 0.1, note
    assert "kT lower than the fitted U" in note and d["fit.largestHistogramDeviation"] > 0.5


def test_a_smooth_well_has_no_such_note():
    # The same run without the basin: every well-sampled bin within 0.5 kT of U (0.2 measured).
    d = learn("0.5*(x^2+y^2)").diagnostics
    assert "unresolvedFeature" not in d
    assert d["fit.largestHistogramDeviation"] == pytest.approx(0.25, abs=0.2)
