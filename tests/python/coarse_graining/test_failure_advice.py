"""What a failed run tells the user to change: the lever they have, not one they never set."""
import openmm as mm
import pytest

import effpot
from effpot.coarse_graining import problems


def test_a_noise_without_small_scales_along_a_direction_is_called_singular():
    # The micro-scale acts along x only: along y the deterministic scheme has no noise at all, and more sampling
    # only shrinks the error bar around D_yy = 0. The message used to ask for more rounds, replicas or steps.
    cg = effpot.CoarseGrainer("0.5*x^2 + 0.5*y^2 + 0.3*x*y + 3e-3*sin(x/1e-3)", 2)
    cg.setStepSize(0.1)
    cg.setNumReplicas(200)
    cg.setNumSteps(10000)
    cg.setRandomSeed(1)
    with pytest.raises(mm.OpenMMException, match=r"D looks singular, as if the small scales did not act along the "
                                                 r"direction \(-?0\.0\d*(e-\d+)?, 1\)\. .*cannot learn U"):
        cg.run(platform="CPU")


def test_a_non_gaussian_run_with_the_automatic_friction_points_at_kT():
    # P1 at kT* = 0.03: the pilot's friction for so low a kT* relaxes the momenta within a few kicks.
    cg = effpot.CoarseGrainer(problems.p1(), 1)
    cg.setStepSize(0.3)
    cg.setTargetKT(0.03)
    cg.setNumReplicas(100)
    cg.setNumSteps(20000)
    with pytest.raises(mm.OpenMMException, match=r"not Gaussian.* or kT\* \(setTargetKT: the automatic friction "
                                                 r"follows it"):
        cg.run(platform="CPU")
