"""DampedVerletIntegrator at zero friction (velocity Verlet) against OpenMM's leapfrog VerletIntegrator, from the
same setPositions/setVelocities: one particle in U = 50 |q|^2 (m = 1, omega = 10 /ps), h = 0.05 ps, 100 steps.

    python bench/verlet_forms.py
"""
import numpy as np
import openmm as mm

import effpot


def run(integrator, steps=100):
    system = mm.System()
    system.addParticle(1.0)
    force = mm.CustomExternalForce("0.5*100*(x^2+y^2+z^2)")
    force.addParticle(0, [])
    system.addForce(force)
    context = mm.Context(system, integrator, mm.Platform.getPlatformByName("Reference"))
    context.setPositions([[0.1, 0, 0]])
    context.setVelocities([[0, 1.0, 0]])
    energies = []
    for _ in range(steps):
        integrator.step(1)
        state = context.getState(getPositions=True, getEnergy=True)
        energies.append(state.getPotentialEnergy()._value + state.getKineticEnergy()._value)
    return np.array(state.getPositions(asNumpy=True)._value[0]), np.array(energies)


h = 0.05
damped = effpot.DampedVerletIntegrator(h)
damped.addBlock([0], np.eye(3), np.zeros((3, 3)))
initial = 0.5 * 100 * 0.1 ** 2 + 0.5 * 1.0 ** 2
for name, integrator in (("DampedVerlet, zero friction", damped), ("VerletIntegrator (leapfrog)", mm.VerletIntegrator(h))):
    position, energies = run(integrator)
    print(f"{name}: q after 100 steps = {np.round(position, 4).tolist()}, total energy / initial "
          f"{energies.min() / initial:.4f} .. {energies.max() / initial:.4f}")
