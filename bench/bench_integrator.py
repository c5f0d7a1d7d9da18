"""Time per step of DampedVerletIntegrator against OpenMM's own integrators, on the same platform, in one run.

R independent particles in the 2D Muller-Brown-like surface of P5 (a CustomExternalForce; z is inert). For each
platform and R: VerletIntegrator, LangevinMiddleIntegrator, and DampedVerletIntegrator with a full 3x3 mass and
friction matrix per particle (deterministic, and thermal). Each timing is the best of several repeats of enough
steps to take about `--seconds`; the ratio to Verlet is what the issue's target is about (<= 1.10 for R >= 1000).

    python bench/bench_integrator.py [--replicas 10 1000 100000] [--platforms Reference CPU] [--seconds 1]
    python bench/bench_integrator.py --platforms OpenCL --precision mixed --replicas 1000 100000

On the GPU platforms (OpenCL, CUDA) every step is queued asynchronously: a timing ends with a State query, so
that it includes the work still in the queue.
"""
import argparse
import json
import platform as host
import sys
import time

import numpy as np
import openmm as mm

import effpot
from effpot.coarse_graining import problems

MASS = np.array([[2.0, 0.3, -0.2], [0.3, 1.5, 0.4], [-0.2, 0.4, 1.0]])
FRICTION = np.array([[1.2, -0.3, 0.1], [-0.3, 0.8, 0.2], [0.1, 0.2, 0.5]])
STEP = 0.002


def make_system(n):
    system = mm.System()
    force = mm.CustomExternalForce(problems.p5_coarse())
    for i in range(n):
        system.addParticle(1.0)
        force.addParticle(i, [])
    system.addForce(force)
    return system


def make_integrator(kind, n):
    if kind == "Verlet":
        return mm.VerletIntegrator(STEP)
    if kind == "LangevinMiddle":
        return mm.LangevinMiddleIntegrator(300, 1.0, STEP)
    integrator = effpot.DampedVerletIntegrator(STEP)
    for i in range(n):
        integrator.addBlock([i], MASS, FRICTION)
    if kind == "DampedVerlet (thermal)":
        integrator.setTemperature(300)
    return integrator


def prepare(platform, kind, n, properties):
    context = mm.Context(make_system(n), make_integrator(kind, n), platform, properties)
    rng = np.random.default_rng(0)
    positions = np.column_stack([rng.uniform(-1.2, 0.8, n), rng.uniform(-0.2, 1.8, n), np.zeros(n)])
    context.setPositions(positions)
    context.getIntegrator().step(2)  # warm-up: kernels, matrices, caches
    return context


def time_steps(context, steps):
    integrator = context.getIntegrator()
    start = time.perf_counter()
    integrator.step(steps)
    context.getState(getVelocities=True)  # waits for the device queue on GPU platforms
    return (time.perf_counter() - start) / steps


def time_per_step(platform, kinds, n, seconds, repeats, properties):
    """Best time per step of each integrator; repeats interleave the integrators so that a slow spell of a shared
    machine affects all of them alike."""
    contexts = {kind: prepare(platform, kind, n, properties) for kind in kinds}
    steps = {kind: max(3, int(seconds / max(time_steps(context, 3), 1e-9))) for kind, context in contexts.items()}
    best = {kind: np.inf for kind in kinds}
    for _ in range(repeats):
        for kind in kinds:
            best[kind] = min(best[kind], time_steps(contexts[kind], steps[kind]))
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, nargs="+", default=[10, 1000, 100000])
    parser.add_argument("--platforms", nargs="+", default=["Reference", "CPU"])
    parser.add_argument("--seconds", type=float, default=1.0, help="approximate duration of one timing")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--precision", choices=["single", "mixed", "double"],
                        help="Precision property of the GPU platforms (OpenCL, CUDA); their default if omitted")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    kinds = ["Verlet", "LangevinMiddle", "DampedVerlet", "DampedVerlet (thermal)"]
    print(f"# openmm {mm.version.full_version}, effpot {effpot.__version__}, {host.processor() or host.machine()}, "
          f"python {sys.version.split()[0]}")
    print("| platform | R | integrator | us/step | replica-steps/s | ratio to Verlet |")
    print("|---|---|---|---|---|---|")
    results = []
    for name in args.platforms:
        platform = mm.Platform.getPlatformByName(name)
        properties = {"Precision": args.precision} if args.precision and name in ("OpenCL", "CUDA") else {}
        label = f"{name} ({args.precision})" if properties else name
        for n in args.replicas:
            times = time_per_step(platform, kinds, n, args.seconds, args.repeats, properties)
            for kind in kinds:
                ratio = times[kind] / times["Verlet"]
                print(f"| {label} | {n} | {kind} | {times[kind] * 1e6:.1f} | {n / times[kind]:.3g} | {ratio:.3f} |",
                      flush=True)
                results.append(dict(platform=name, replicas=n, integrator=kind, seconds_per_step=times[kind],
                                    ratio_to_verlet=ratio))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1)


if __name__ == "__main__":
    main()
