"""Replicas that come to rest in micro-wells inside a scale window (FrozenReplicaWatch): found, restarted, and their
quiet samples kept out of the histogram.

P2 at h = 0.018 sits near the frozen end of its first window (h^2/e2 = 3.2): the total potential has local minima
where the coarse slope nearly cancels the micro-scale's, flat enough for the step, and about 35 of 1000 replicas are
captured in 4e4 steps (measured over seeds 1-3: 31, 39, 35). Each captured replica adds the rest of its run to one
histogram bin. Measured over seeds 1-3 (restarts on / off): RMSE against f0 + f1 0.020 / 0.046-0.058 kT, largest
deviation 0.054-0.065 / 0.22-0.35 kT, kT 2% low without restarts."""
import numpy as np
import openmm as mm

import effpot
from effpot.coarse_graining import problems
from effpot.coarse_graining.analysis import rmse_in_kt

ENERGY = problems.p1().replace("x^2/2", "(x^2-1)^2/4")
AXES = [np.linspace(-1.5, 1.5, 301)]


def resolved(q):
    return (q[:, 0] ** 2 - 1) ** 2 / 4 + 0.01 * np.sin(q[:, 0] / 0.01)


def learn(restart):
    cg = effpot.CoarseGrainer(ENERGY, 1)
    cg.setStepSize(0.018)
    cg.setTargetKT(0.15)
    cg.setNumReplicas(1000)
    cg.setNumSteps(40000)
    cg.setInitialBox([-1.5], [1.5])
    cg.setRestartFrozenReplicas(restart)
    return cg.run()


def largest_deviation(potential):
    """Largest |U - (f0 + f1)| in kT over the region within 3 kT of the minimum, the mean difference removed."""
    x = AXES[0][:, None]
    reference = resolved(x)
    mask = reference - reference.min() <= 3 * potential.kT
    difference = potential.evaluate(x[mask]) - reference[mask]
    return float(np.abs(difference - difference.mean()).max() / potential.kT)


def test_frozen_replicas_are_restarted_and_leave_no_spikes():
    restarted, left = learn(True), learn(False)
    found = restarted.diagnostics["sampling.frozenReplicas"]
    # Captures are Poisson-like events at a rate of about 35 per run: fewer than 10 would mean the watch misses them.
    assert found >= 10 and left.diagnostics["sampling.frozenReplicas"] >= 10
    assert "restarted" in restarted.diagnostics["frozenReplicasWarning"]
    assert "restarts off" in left.diagnostics["frozenReplicasWarning"]
    # What is dropped is the captured replicas' quiet stretches (3 relaxation times) and one settling time each.
    assert 0 < restarted.diagnostics["sampling.discardedFraction"] < 0.02
    assert left.diagnostics["sampling.discardedFraction"] == 0
    # The learned U: the driver's target (0.05 kT) with restarts; spikes of captured replicas without them. With
    # 1000 replicas the bootstrap error of U is about 0.02 kT per point, so 0.15 kT bounds the largest deviation over
    # 300 points with a wide margin; each spike left in is 0.2-0.35 kT.
    assert rmse_in_kt(restarted, resolved, AXES) < 0.035
    assert largest_deviation(restarted) < 0.15
    assert largest_deviation(left) > 2 * largest_deviation(restarted)
    # Captured replicas sit at zero kinetic energy: counted in, they cool the measured kT.
    assert restarted.kT > left.kT


def test_a_scan_counts_frozen_replicas_without_restarting_them():
    cg = effpot.CoarseGrainer(ENERGY, 1)
    cg.setStepSize(0.018)
    cg.setNumReplicas(200)
    cg.setNumSteps(20000)
    cg.setInitialBox([-1.5], [1.5])
    statistics = cg._impl.sampleIsotropic(mm.Platform.getPlatformByName("Reference"), 2 * 0.018)
    assert statistics.getNumFrozenReplicas() > 0
    assert statistics.getNumDiscardedSamples() == 0
    assert statistics.getGroupCount(0) == 200 * 20000 // 10
