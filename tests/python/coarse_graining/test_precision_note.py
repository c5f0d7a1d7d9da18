"""Single precision far from the origin: the run says what its float positions resolve (OpenCL: PoCL here)."""
import re

import pytest

import effpot
from conftest import opencl_with


def opencl():
    return opencl_with("EffPotIntegrateDampedVerletStep")


pytestmark = pytest.mark.skipif(opencl() is None, reason="no OpenCL platform with effpot's kernels")


def learn(centre, precision=None):
    cg = effpot.CoarseGrainer(f"(x-{centre})^2/2 + 0.01*sin(x/0.01)", 1)
    cg.setStepSize(0.3)
    cg.setFriction(0.5)
    cg.setNumReplicas(40)
    cg.setNumSteps(2000)
    cg.setInitialBox([centre - 1.0], [centre + 1.0])
    if precision is not None:
        cg.setPlatformProperties({"Precision": precision})
    return cg.run(platform="OpenCL").diagnostics


def test_single_precision_far_from_the_origin_is_noted():
    # At x ~ 1000 a float resolves 6e-5 nm: the phase of sin(x/0.01) is off by up to 0.006 rad per evaluation.
    far = learn(1000.0)
    assert far["precision.positionResolution"] == pytest.approx(1003 * 2.0 ** -24, rel=0.01)
    assert re.search(r"single precision, whose positions resolve only [56]\.\d+e-05 nm", far["precisionWarning"])
    near = learn(0.0)
    assert near["precision.positionResolution"] < 1e-6 and "precisionWarning" not in near
    assert "precision.positionResolution" not in learn(1000.0, "double")
