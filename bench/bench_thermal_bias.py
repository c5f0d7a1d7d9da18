"""Kinetic and configurational temperature against the step size: DampedVerletIntegrator's thermal mode against
OpenMM's LangevinMiddleIntegrator, on independent 3D harmonic oscillators (omega = sqrt(k/m)).

The thermal mode is O-B-A-B-O (exact Ornstein-Uhlenbeck half steps around velocity Verlet) with velocities at full
steps; LangevinMiddleIntegrator is B-A-O-A-B in OpenMM's leapfrog form (velocities half a step off the positions).
For each integrator and step the script reports the kinetic temperature 2 <KE> / (3 N k_B) from the State, and the
configurational temperature <q . grad U> / (3 N k_B) = k <|q|^2> / (3 N k_B), both relative to the set temperature,
with standard errors over blocks of samples.

    python bench/bench_thermal_bias.py [--particles 500] [--steps 20000] [--omega-h 0.1 0.3 0.5 0.8 1.2 1.6]
"""
import argparse
import time

import numpy as np
import openmm as mm
from openmm import unit

import effpot
from effpot.constants import BOLTZ


def harmonic_system(count, stiffness, mass):
    system = mm.System()
    force = mm.CustomExternalForce(f"0.5*{stiffness!r}*(x^2+y^2+z^2)")
    for i in range(count):
        system.addParticle(mass)
        force.addParticle(i, [])
    system.addForce(force)
    return system


def integrator(kind, step, temperature, friction, count, mass, seed):
    if kind == "LangevinMiddleIntegrator":
        result = mm.LangevinMiddleIntegrator(temperature, friction, step)
        result.setRandomNumberSeed(seed)
        return result
    result = effpot.DampedVerletIntegrator(step)
    for i in range(count):
        result.addBlock([i], mass * np.eye(3), friction * mass * np.eye(3))
    result.setTemperature(temperature)
    result.setRandomNumberSeed(seed)
    return result


def measure(kind, omega_h, args):
    omega = np.sqrt(args.stiffness / args.mass)
    step = omega_h / omega
    system = harmonic_system(args.particles, args.stiffness, args.mass)
    chosen = integrator(kind, step, args.temperature, args.friction, args.particles, args.mass, args.seed)
    platform = mm.Platform.getPlatformByName(args.platform)
    context = mm.Context(system, chosen, platform)
    rng = np.random.default_rng(args.seed)
    kT = BOLTZ * args.temperature
    context.setPositions(rng.normal(scale=np.sqrt(kT / args.stiffness), size=(args.particles, 3)))
    context.setVelocitiesToTemperature(args.temperature, args.seed)
    equilibration = int(np.ceil(5.0 / (args.friction * step)))  # five friction times
    chosen.step(equilibration)
    kinetic, configurational = [], []
    for _ in range(args.steps // args.interval):
        chosen.step(args.interval)
        state = context.getState(getEnergy=True, getPositions=True)
        kinetic.append(state.getKineticEnergy().value_in_unit(unit.kilojoule_per_mole))
        q = state.getPositions(asNumpy=True).value_in_unit(unit.nanometer)
        configurational.append(args.stiffness * np.sum(q * q))
    dof = 3 * args.particles

    def ratio(values, scale):
        values = np.asarray(values) * scale / (dof * kT)
        blocks = values[: len(values) // 10 * 10].reshape(10, -1).mean(axis=1)
        return values.mean(), blocks.std(ddof=1) / np.sqrt(len(blocks))
    return step, ratio(kinetic, 2.0), ratio(configurational, 1.0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--particles", type=int, default=500)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--interval", type=int, default=10)
    parser.add_argument("--omega-h", type=float, nargs="+", default=[0.1, 0.3, 0.5, 0.8, 1.2, 1.6])
    parser.add_argument("--stiffness", type=float, default=1000.0, help="kJ/mol/nm^2")
    parser.add_argument("--mass", type=float, default=39.948, help="dalton (argon)")
    parser.add_argument("--friction", type=float, default=1.0, help="1/ps")
    parser.add_argument("--temperature", type=float, default=120.0, help="kelvin")
    parser.add_argument("--platform", default="CPU")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    omega = np.sqrt(args.stiffness / args.mass)
    print(f"{args.particles} harmonic oscillators, k = {args.stiffness:g} kJ/mol/nm^2, m = {args.mass:g} Da "
          f"(omega = {omega:.3f} /ps), gamma = {args.friction:g} /ps, T = {args.temperature:g} K, "
          f"{args.steps} steps per run on {args.platform}")
    print("| omega h | h (fs) | integrator | T_kinetic / T | T_config / T |")
    print("|---|---|---|---|---|")
    start = time.perf_counter()
    for omega_h in args.omega_h:
        for kind in ("DampedVerletIntegrator", "LangevinMiddleIntegrator"):
            step, (kin, kin_error), (conf, conf_error) = measure(kind, omega_h, args)
            label = "DampedVerlet (thermal)" if kind.startswith("Damped") else "LangevinMiddle"
            print(f"| {omega_h:g} | {1000 * step:.1f} | {label} | {kin:.4f} +- {kin_error:.4f} | "
                  f"{conf:.4f} +- {conf_error:.4f} |", flush=True)
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
