"""The configurational bias of a learning step, counted twice by a surrogate Langevin model at the same step.

The learned U is -kT log rho of the law that the deterministic scheme samples at the learning step h. That law
carries the scheme's O(h^2) configurational bias, as any discretized Langevin dynamics does. A surrogate Langevin
model run at the same h adds its own bias on top. This script measures both for a saved 1D potential and its known
coarse part:
- -kT log rho - f0 of the surrogate Langevin model with the exact f0, at h and at h/10;
- the same with the learned U;
- the learned U - f0.
All are relative to the value at `--anchor`, in kT, at a few points.

    python bench/bench_surrogate_bias.py DIR/effective_potential.xml --coarse "(x^2-1)^2/4" \\
        --points -0.5 0 0.5 1 --anchor -1 --starts -1 1
"""
import argparse

import numpy as np
import openmm as mm

import effpot
from effpot import effpot_swig as _swig
from effpot.surrogates import SurrogateModels


def sampled_potential(models, step, points, anchor, starts, replicas, seed):
    """-kT log rho of the surrogate Langevin model at `step`, at `points` relative to `anchor` (bins of +-0.05)."""
    system, integrator = models.surrogateLangevin(replicas, stepSize=step, seed=seed)
    context = mm.Context(system, integrator, mm.Platform.getPlatformByName("Reference"))
    rng = np.random.default_rng(seed)
    q = np.zeros((replicas, 3))
    q[:, 0] = rng.choice(starts, replicas) + 0.2 * rng.normal(size=replicas)
    context.setPositions(q)
    context.setVelocities(models.velocities(replicas, rng))
    every = max(1, int(round(1.5 / step)))  # samples 1.5 ps apart
    integrator.step(200 * every)
    samples = []
    for _ in range(1000):
        integrator.step(every)
        samples.append(context.getState(getPositions=True).getPositions(asNumpy=True)._value[:, 0].copy())
    samples = np.concatenate(samples)

    def value(x):
        return -models.kT * np.log(np.mean(np.abs(samples - x) < 0.05))
    return np.array([value(x) - value(anchor) for x in points])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("potential")
    parser.add_argument("--coarse", required=True, help="the known coarse part f0 (an expression in x)")
    parser.add_argument("--points", type=float, nargs="+", required=True)
    parser.add_argument("--anchor", type=float, required=True)
    parser.add_argument("--starts", type=float, nargs="+", required=True, help="starting positions (wells)")
    parser.add_argument("--replicas", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    potential = effpot.EffectivePotential.load(args.potential)
    points = np.array(args.points)

    def f0(x):
        return _swig.evaluateEnergyExpression(args.coarse, 1, [float(x)])[0]
    reference = np.array([f0(x) - f0(args.anchor) for x in points])
    h = potential.calibration.stepSize
    rows = []
    for label, surrogate_energy, step in ((f"surrogate with f0 at h = {h:g}", args.coarse, h),
                                          (f"surrogate with f0 at h = {h / 10:g}", args.coarse, h / 10),
                                          (f"surrogate with the learned U at h = {h:g}", None, h)):
        models = SurrogateModels(potential, surrogateEnergy=surrogate_energy)
        values = sampled_potential(models, step, points, args.anchor, args.starts, args.replicas, args.seed)
        rows.append((label, (values - reference) / potential.kT))
    learned = potential.evaluate(np.concatenate([points, [args.anchor]])[:, None])
    rows.append(("learned U", (learned[:-1] - learned[-1] - reference) / potential.kT))
    print("| U - f0 relative to x = %g (kT) | " % args.anchor + " | ".join(f"x = {x:g}" for x in points) + " |")
    print("|---|" + "---|" * len(points))
    for label, values in rows:
        print(f"| {label} | " + " | ".join(f"{v:+.3f}" for v in values) + " |")


if __name__ == "__main__":
    main()
