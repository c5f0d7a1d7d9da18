"""Models that blow up while the comparison times them: reported (None, a smaller step), never raised."""
import math

import openmm as mm
import pytest

from effpot.surrogates.comparison import energy_error, step_rate, timed_stable_step

REFERENCE = mm.Platform.getPlatformByName("Reference")


def harmonic(count, step):
    """count free particles in x^2/2 (omega = 1, mass 1): Verlet is stable for step < 2."""
    system = mm.System()
    force = mm.CustomExternalForce("x^2/2")
    for i in range(count):
        system.addParticle(1.0)
        force.addParticle(i, [])
    system.addForce(force)
    return system, mm.VerletIntegrator(step)


POSITIONS = [[1.0, 0.0, 0.0], [0.5, 0.0, 0.0]]
VELOCITIES = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]


def test_a_run_that_blows_up_has_no_rate():
    # At step 10 the harmonic Verlet map has an eigenvalue near -98: NaN within a few hundred steps, which the
    # Reference platform raises as "Particle coordinate is NaN" instead of returning.
    assert step_rate(harmonic, POSITIONS, VELOCITIES, 10.0, REFERENCE, seconds=0.05) is None
    assert step_rate(harmonic, POSITIONS, VELOCITIES, 0.5, REFERENCE, seconds=0.05) > 0
    assert energy_error(harmonic, POSITIONS, VELOCITIES, 2000.0, 10.0, REFERENCE) == math.inf


def test_the_timed_step_steps_down_until_the_run_survives():
    # 10 / sqrt(2)^k: 10, 7.07, 5, 3.54, 2.5 blow up; 1.77 < 2 is stable.
    step, rate, failed = timed_stable_step(harmonic, POSITIONS, VELOCITIES, 10.0, REFERENCE)
    assert step == pytest.approx(10.0 / 2 ** 2.5) and rate > 0
    assert failed == pytest.approx([10.0 / 2 ** (k / 2) for k in range(5)])
    assert timed_stable_step(harmonic, POSITIONS, VELOCITIES, 10.0, REFERENCE, tries=3)[:2] == (None, None)
