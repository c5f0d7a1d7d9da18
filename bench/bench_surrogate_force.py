"""Replica-steps per second of a learned surrogate against the model it replaces (issue 14).

For two learned 2D potentials, P5 (effpot.coarse_graining.problems.p5(), h = 0.02) and the quadratic of bench_replica_force.py
(h = 0.1), R replicas with the calibrated mass and friction (SurrogateModels), measures in one run:

- surrogate, fast: the learned U as a ReplicaSplineForce (EffectivePotential.createReplicaForce), fused into
  DampedVerletIntegrator's step: thermal (the surrogate Langevin model) and without friction (Hamiltonian);
- (a) the full rough model it replaces: the rough energy as a ReplicaExpressionForce in the deterministic damped
  scheme (the reference Langevin model), fused too;
- (b) the portable learned force (createForce, a CustomCompoundBondForce with a Continuous2DFunction) with the
  same thermal DampedVerletIntegrator;
- (c) the portable learned force with OpenMM's LangevinMiddleIntegrator (scalar friction, OpenMM's own route);
- two floors of the thermal step, to read the Langevin ratios by: the rough energy itself in the surrogate's thermal
  step (what (a) costs once it also draws the noise), and a zero force in it (the noise and the Ornstein-Uhlenbeck
  update alone: no thermal surrogate, whatever its force, runs faster per step on this path).

All per step (the step sizes are the models' own; net speed-ups at the largest usable steps are in the reports of
effpot compare). CPU platform with 2 threads (--threads), and Reference. Every timing is the best of --repeats runs of at
least --seconds each, interleaved. Usage:

    python bench/bench_surrogate_force.py [--replicas 1000 20000 200000] [--seconds 1] [--repeats 2]
"""
import argparse
import os
import sys

import numpy as np
import openmm as mm

import effpot
from effpot.coarse_graining import problems
from effpot.constants import BOLTZ
from effpot.surrogates import SurrogateModels

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_replica_force import QUADRATIC, starting_positions, timed  # noqa: E402


def learn(name):
    if name == "p5":
        cg = effpot.CoarseGrainer(problems.p5(), 2)
        cg.setStepSize(0.02)
        cg.setFriction(1.0)
        cg.setNumReplicas(300)
        cg.setInitialPositions(np.array(problems.P5_WELLS)[np.arange(300) % 3])
    else:
        cg = effpot.CoarseGrainer(QUADRATIC, 2)
        cg.setStepSize(0.1)
        cg.setFriction(0.5)
    return cg.run()


def stepper(models, kind, replicas, platform):
    """(step function, context) of one model."""
    if kind == "surrogate Langevin, fast":
        system, integrator = models.surrogateLangevin(replicas)
    elif kind == "surrogate Langevin, GHMC":
        system, integrator = models.surrogateLangevin(replicas, splitting="GHMC")
    elif kind == "surrogate Hamiltonian, fast":
        system, integrator = models.surrogateHamiltonian(replicas, models.stepSize)
    elif kind == "floor: rough energy, thermal step":
        system, integrator = SurrogateModels(models.potential, surrogateEnergy=models.energy).surrogateLangevin(replicas)
    elif kind == "floor: zero force, thermal step":
        system, integrator = SurrogateModels(models.potential, surrogateEnergy="0").surrogateLangevin(replicas)
    elif kind == "(a) full rough model, fused":
        system, integrator = models.referenceLangevin(replicas)
    elif kind == "(b) portable force + DampedVerlet":
        system, integrator = SurrogateModels(models.potential, portable=True).surrogateLangevin(replicas)
    else:  # (c) OpenMM's route
        system, _ = SurrogateModels(models.potential, portable=True).surrogateLangevin(replicas)
        gamma = float(np.mean(np.diag(models.frictionMatrix)))  # scalar friction: the trace's mean
        integrator = mm.LangevinMiddleIntegrator(models.kT / BOLTZ, gamma, models.stepSize)
    properties = {"Threads": str(THREADS)} if platform == "CPU" else {}
    context = mm.Context(system, integrator, mm.Platform.getPlatformByName(platform), properties)
    context.setPositions(starting_positions("p5" if models.stepSize < 0.05 else "quadratic", replicas))
    context.setVelocities(models.velocities(replicas, np.random.default_rng(1)))
    return integrator.step, context


THREADS = 2  # the CPU platform's threads (--threads)

KINDS = ["surrogate Langevin, fast", "surrogate Langevin, GHMC", "surrogate Hamiltonian, fast", "(a) full rough model, fused",
         "(b) portable force + DampedVerlet", "(c) portable force + LangevinMiddleIntegrator",
         "floor: rough energy, thermal step", "floor: zero force, thermal step"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1000, 20000, 200000])
    parser.add_argument("--potentials", nargs="+", default=["p5", "quadratic"])
    parser.add_argument("--platforms", nargs="+", default=["CPU", "Reference"])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="CPU platform threads (1: a clean profile)")
    args = parser.parse_args()
    global THREADS
    THREADS = args.threads
    print(f"load average before: {os.getloadavg()}")
    for name in args.potentials:
        models = SurrogateModels(learn(name))
        for platform in args.platforms:
            for replicas in args.replicas:
                steppers = {kind: stepper(models, kind, replicas, platform) for kind in KINDS}
                best = {kind: 0.0 for kind in KINDS}
                for _ in range(args.repeats):
                    for kind in KINDS:
                        best[kind] = max(best[kind], timed(steppers[kind][0], replicas, args.seconds))
                fast = best["surrogate Langevin, fast"]
                print(f"\n{name}, {platform}, R = {replicas}: M replica-steps/s (surrogate Langevin / this)")
                for kind in KINDS:
                    print(f"  {kind:48s} {best[kind] / 1e6:9.2f}   {fast / best[kind]:7.2f}")
                del steppers
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
