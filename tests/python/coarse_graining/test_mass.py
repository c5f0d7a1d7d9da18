"""The 1D run's mass: the pilot runs with it, 2D/3D refuse it, a user's System must agree with it."""
import numpy as np
import openmm as mm
import pytest

import effpot
from effpot.coarse_graining.analysis import rmse_in_kt

# Physical units: 12 Da, kT* = 2.494 kJ/mol (300 K), ripples of 0.01 nm. At h = 0.35 ps the coarse part's
# curvature (up to ~30 kJ/mol/nm^2 in the sampled region) gives h^2 lambda / m = 0.3: stable at 12 Da, and 3.7 at
# the 1 Da the pilot used to run with, where it exploded.
COARSE = "2*(x^2-1)^2 + 0.5*x"
ENERGY = COARSE + " + 0.02*sin(6.2831853*x/0.01) + 0.001*cos(6.2831853*x/0.0007)"


def grainer(mass):
    cg = effpot.CoarseGrainer(ENERGY, 1)
    cg.setStepSize(0.35)
    cg.setMass(mass)
    cg.setTargetKT(2.494)
    cg.setNumReplicas(200)
    cg.setNumSteps(20000)
    cg.setNumEquilibrationSteps(4000)
    cg.setRandomSeed(1)
    return cg


def test_the_pilot_runs_with_the_1d_mass():
    potential = grainer(12.0).run(platform="CPU")
    d = potential.diagnostics
    # The pilot's D and the main run's agree when both see the same regime h^2 / (m eps) (a pilot at 1 Da
    # exploded): the pilot's energy balance 2 gamma m kT / phi against the main run's D.
    assert d["pilot.noise"] == pytest.approx(potential.noiseCovariance[0, 0], rel=0.15)
    assert d["settings.mass"] == 12.0 and potential.calibration.mass[0, 0] == 12.0
    axes = [np.linspace(-1.6, 1.6, 161)]
    coarse = lambda q: np.array(effpot.effpot_swig.evaluateEnergyExpression(COARSE, 1, q.ravel().tolist()))
    assert rmse_in_kt(potential, coarse, axes) < 0.06  # 0.024 measured


@pytest.mark.parametrize("d", [2, 3])
def test_a_mass_in_2d_or_3d_is_refused_not_ignored(d):
    cg = effpot.CoarseGrainer(" + ".join(f"{c}^2" for c in "xyz"[:d]), d)
    with pytest.raises(mm.OpenMMException, match=r"CoarseGrainer.setMass: the mass .* is the 1D run's"):
        cg.setMass(12.0)
    cg.setMass(1.0)  # the default, accepted
    settings = cg.settings
    settings.mass = 2.0
    with pytest.raises(mm.OpenMMException, match=r"CoarseGrainer.setSettings: the mass"):
        cg.setSettings(settings)


def test_a_users_system_must_agree_with_the_1d_mass():
    system = mm.System()
    force = mm.CustomExternalForce("x^2/2 + 0.01*sin(x/0.01)")
    for i in range(20):
        system.addParticle(12.0)
        force.addParticle(i, [])
    system.addForce(force)
    cg = effpot.CoarseGrainer.fromSystem(system, list(range(20)), 1)
    cg.setStepSize(0.3)
    cg.setFriction(0.5)
    cg.setNumSteps(200)
    with pytest.raises(mm.OpenMMException, match=r"replica particle 0 has mass 12\.0+ Da in the System, but the 1D "
                                                 r"run's mass is 1\.0+ Da: call setMass\(12"):
        cg.run()
