"""Basins of U that exchange replicas too rarely for their weights to forget the starts are reported: the bands,
from batches that all start from the same law, do not contain that error (internal/BasinMixing.h, theory.md §6)."""
import numpy as np
import pytest

import effpot
from effpot.coarse_graining import problems

MICRO_2D = " + 5e-4*(sin(x/1e-4) + 2*sin(y/1e-4) + sin((x+y)/1e-4))"


def double_well(barrier, seed=1):
    # Wells at x = -1 and 1, 1 kJ/mol apart (kT comes out 1.00), the barrier in kJ/mol; 1200 ps of sampling.
    cg = effpot.CoarseGrainer(f"{barrier}*(x^2-1)^2 + 0.5*x + 0.5*y^2" + MICRO_2D, 2)
    cg.setStepSize(0.03)
    cg.setNumReplicas(200)
    cg.setNumSteps(20000)
    cg.setRandomSeed(seed)
    return cg.run(platform="CPU")


def well_difference(potential, left, right):
    """U(right) - U(left) in kT, and its band's standard error."""
    a, b = np.array([left]), np.array([right])
    difference = (potential.evaluate(b) - potential.evaluate(a))[0] / potential.kT
    return difference, np.hypot(potential.standardError(a)[0], potential.standardError(b)[0]) / potential.kT


def test_a_barrier_of_9_kT_is_reported_where_the_bands_are_wrong():
    # Measured: Delta U = 0.28 +- 0.07 kT against 1.00 (10 standard errors off), the basins' shares spread like
    # 2.3 independent samples per replica, a quarter of the starts' imbalance left in the histogram.
    potential = double_well(9.0)
    d = potential.diagnostics
    difference, error = well_difference(potential, [-1.0, 0.0], [1.0, 0.0])
    assert abs(difference - 1.0 / potential.kT) > 4 * error  # the error the note is for
    note = d["unequilibratedBasins"]
    x = float(note.split("at (")[1].split(",")[0])
    assert abs(abs(x) - 1.0) < 0.15, note
    assert d["sampling.basinMemory"] >= 0.05 and d["sampling.basinSamplesPerReplica"] < 5
    assert "setNumEquilibrationSteps" in note and "setInitialPositions" in note


def test_a_barrier_of_3_kT_mixes_and_says_nothing():
    # The same wells, crossed every 20 ps: 30 independent samples per replica, memory 1e-3.
    d = double_well(3.0).diagnostics
    assert "unequilibratedBasins" not in d
    assert d["sampling.basinMemory"] < 0.01 and d["sampling.basinSamplesPerReplica"] > 10


def test_a_1d_double_well_never_crossed_is_reported():
    # 1D: wells at x = -2 and 2, 0.64 kT apart, barrier 5.7 kT: the replicas barely cross in 4000 ps (m about 1).
    cg = effpot.CoarseGrainer("9*((x/2)^2-1)^2 + 0.25*x + 1e-2*sin(x/1e-2)", 1)
    cg.setStepSize(0.2)
    cg.setNumReplicas(200)
    cg.setNumSteps(20000)
    cg.setRandomSeed(1)
    d = cg.run(platform="CPU").diagnostics
    assert "unequilibratedBasins" in d and "setNumStage2Steps" not in d["unequilibratedBasins"]


def test_p5_with_the_demo_settings_has_no_such_note():
    # P5's three wells, the demo's starts (one per well) and 200 ps of equilibration: memory below 1e-3 (seeds 1-3);
    # the upper-left well, the slowest, gives 9-57 independent samples per replica.
    cg = effpot.CoarseGrainer(problems.p5(), 2)
    cg.setStepSize(0.02)
    cg.setFriction(1.0)
    cg.setNumReplicas(300)
    cg.setNumStage2Steps(40000)
    cg.setNumEquilibrationSteps(10000)
    cg.setInitialPositions([[-0.558, 1.442], [-0.050, 0.467], [0.623, 0.028]])
    cg.setRandomSeed(1)
    d = cg.run(platform="CPU").diagnostics
    assert "unequilibratedBasins" not in d
    assert d["sampling.basinMemory"] < 0.01
    assert d["sampling.basinSamplesPerReplica"] == pytest.approx(20, rel=0.6)
