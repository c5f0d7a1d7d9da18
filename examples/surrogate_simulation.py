"""Run a surrogate model of a learned potential as an ordinary openmm.app.Simulation, with OpenMM's reporters.

    python examples/surrogate_simulation.py [POTENTIAL.xml] [-o out/surrogate] [--replicas 200] [--steps 20000]

POTENTIAL.xml is an effective_potential.xml written by `effpot learn` or `effpot demo`; without one the example
learns Muller-Brown (P5) at small settings first (a few seconds). The surrogate Langevin model (the learned U,
thermal DampedVerlet at the learned kT, M and Gamma) runs from the minimum of U; a StateDataReporter writes
state.csv and a DCDReporter replicas.dcd (one element-less atom per replica; x and y active, z = 0), which any
DCD reader opens (VMD, MDTraj, MDAnalysis). At the end the example prints the share of replicas in each
Muller-Brown well.
"""
import argparse
import os
import sys

import numpy as np
from openmm import app, unit

import effpot
from effpot.coarse_graining import problems

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import output_folder  # noqa: E402


def small_p5_potential(seed=1):
    cg = effpot.CoarseGrainer(problems.p5(), 2)
    cg.setStepSize(0.02)
    cg.setFriction(1.0)
    cg.setNumReplicas(150)
    cg.setNumSteps(10000)
    cg.setNumEquilibrationSteps(5000)
    cg.setRandomSeed(seed)
    wells = np.array(problems.P5_WELLS)
    rng = np.random.default_rng(seed)
    cg.setInitialPositions(wells[np.arange(150) % 3] + 0.05 * rng.normal(size=(150, 2)))
    return cg.run(platform="CPU")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("potential", nargs="?", help="effective_potential.xml (default: learn P5 first)")
    parser.add_argument("-o", "--output", default="out/surrogate")
    parser.add_argument("--replicas", type=int, default=200)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--platform", default="CPU")
    args = parser.parse_args(argv)
    folder = output_folder(args.output)
    if args.potential:
        potential = effpot.EffectivePotential.load(args.potential)
    else:
        print("learning P5 at small settings ...")
        potential = small_p5_potential()
    models = effpot.SurrogateModels(potential)
    simulation = effpot.simulation(models, "surrogateLangevin", args.replicas, platform=args.platform, seed=2)
    interval = max(1, args.steps // 100)
    simulation.reporters.append(app.StateDataReporter(os.path.join(folder, "state.csv"), interval, step=True,
                                                      time=True, potentialEnergy=True, kineticEnergy=True,
                                                      speed=True))
    simulation.reporters.append(app.StateDataReporter(sys.stdout, max(1, args.steps // 5), step=True,
                                                      potentialEnergy=True, progress=True, remainingTime=True,
                                                      totalSteps=args.steps))
    simulation.reporters.append(app.DCDReporter(os.path.join(folder, "replicas.dcd"), interval))
    simulation.step(args.steps)
    positions = simulation.context.getState(getPositions=True).getPositions(asNumpy=True)
    q = positions.value_in_unit(unit.nanometer)[:, :potential.dimensions]
    print(f"wrote {folder}/state.csv and {folder}/replicas.dcd ({args.steps // interval} frames, "
          f"{args.replicas} atoms)")
    if potential.dimensions == 2:
        wells = np.array(problems.P5_WELLS)
        nearest = np.argmin(np.linalg.norm(q[:, None, :] - wells[None], axis=2), axis=1)
        shares = np.bincount(nearest, minlength=len(wells)) / len(q)
        print("share of replicas nearest each well " + ", ".join(
            f"({w[0]:.2f}, {w[1]:.2f}): {s:.2f}" for w, s in zip(wells, shares)))


if __name__ == "__main__":
    main()
