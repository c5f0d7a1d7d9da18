"""Models that blow up while the comparison times them: reported (None, a smaller step), never raised."""
import math

import numpy as np
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


def test_the_energy_error_is_the_worst_replicas_not_the_ensembles_mean():
    # Quartic wells x^4 at step 0.3: each replica's energy error is its own, and alone in a Context it is the same.
    # The ensemble's total energy hid it: replicas of opposite phase cancel there (the old test divided the net
    # change of the sum by R, and a rough energy's random-walk errors shrank as 1/sqrt(R)).
    def quartic(count, step):
        system = mm.System()
        force = mm.CustomExternalForce("x^4")
        for i in range(count):
            system.addParticle(1.0)
            force.addParticle(i, [])
        system.addForce(force)
        return system, mm.VerletIntegrator(step)
    positions = [[x, 0.0, 0.0] for x in (1.0, -0.7, 0.4, 1.2)]
    velocities = [[v, 0.0, 0.0] for v in (0.0, 0.5, -1.0, 0.3)]
    ensemble = energy_error(quartic, positions, velocities, 30.0, 0.05, REFERENCE)
    alone = [energy_error(quartic, [q], [v], 30.0, 0.05, REFERENCE) for q, v in zip(positions, velocities)]
    assert ensemble == pytest.approx(max(alone), rel=1e-9)
    # and more than the mean's error of the sum
    system, integrator = quartic(len(positions), 0.05)
    context = mm.Context(system, integrator, REFERENCE)
    context.setPositions(positions)
    context.setVelocities(velocities)
    total = []
    for _ in range(50):
        state = context.getState(getEnergy=True)
        total.append(state.getKineticEnergy()._value + state.getPotentialEnergy()._value)
        integrator.step(12)
    assert max(abs(np.array(total) - total[0])) / len(positions) < 0.5 * ensemble
