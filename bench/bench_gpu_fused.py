"""Replica-steps per second of the fused replica kernel on a GPU platform (issue 18).

For the 2D quadratic of bench/bench_replica_force.py (h = 0.1, gamma = 0.5) and P5 (effpot.coarse_graining.problems.p5(),
h = 0.02, gamma = 1), R replicas of mass 1 with scalar friction (one-particle blocks), on one platform (OpenCL by
default; PoCL on a machine without a GPU) and one precision, in one run:

- fused: DampedVerletIntegrator + ReplicaExpressionForce, the fused kernel (up to 256 steps per launch, the force
  inlined);
- unfused: the same System and integrator with EFFPOT_GPU_FUSED=0 (two launches per step around OpenMM's force
  evaluation of the ReplicaExpressionForce);
- OpenMM: CustomExternalForce + OpenMM's VerletIntegrator (no friction: the cheapest OpenMM step); with
  --temperature, LangevinMiddleIntegrator (and the DampedVerlet runs in the thermal mode).

Every timing is the best of --repeats windows of at least --seconds, each ending with a position download (the
queue is asynchronous), the implementations interleaved so that a slow spell of a shared machine affects them alike.
Usage:

    python bench/bench_gpu_fused.py [--platform OpenCL] [--precision single] [--replicas 10000 100000]
                                    [--potentials quadratic p5] [--seconds 2] [--repeats 2] [--temperature 0]
"""
import argparse
import os
import sys
import time

import numpy as np
import openmm as mm

import effpot
from effpot.coarse_graining import problems

QUADRATIC = "(2*x^2 + 1.2*x*y + y^2)/2 + 1e-3*(2*sin((x-y)/1e-3) + 1.5*sin(x/1e-3))"
POTENTIALS = {
    "quadratic": dict(energy=QUADRATIC, h=0.1, gamma=0.5),
    "p5": dict(energy=problems.p5(), h=0.02, gamma=1.0),
}
MODES = ["fused", "unfused", "OpenMM CustomExternalForce + VerletIntegrator"]


def starting_positions(name, count):
    r = (np.arange(count) * 0.618034) % 1.0
    if name == "p5":
        return np.column_stack([-0.55 + 0.6 * r, 1.0 + 0.4 * r, np.zeros(count)])
    return np.column_stack([r - 0.5, 0.5 - r, np.zeros(count)])


def make_context(name, replicas, mode, platform, precision, temperature=0.0):
    spec = POTENTIALS[name]
    system = mm.System()
    for _ in range(replicas):
        system.addParticle(1.0)
    if mode.startswith("OpenMM"):
        force = mm.CustomExternalForce(spec["energy"])
        for i in range(replicas):
            force.addParticle(i, [])
        # Thermal runs compare with OpenMM's LangevinMiddleIntegrator (same friction).
        integrator = (mm.LangevinMiddleIntegrator(temperature, spec["gamma"], spec["h"]) if temperature > 0
                      else mm.VerletIntegrator(spec["h"]))
    else:
        force = effpot.ReplicaExpressionForce(spec["energy"])
        force.addParticles(range(replicas))
        integrator = effpot.DampedVerletIntegrator(spec["h"])
        for i in range(replicas):
            integrator.addBlock([i], np.eye(3), spec["gamma"] * np.eye(3))
        integrator.setTemperature(temperature)
    system.addForce(force)
    # The step kernel reads EFFPOT_GPU_FUSED when the Context creates it.
    if mode == "unfused":
        os.environ["EFFPOT_GPU_FUSED"] = "0"
    try:
        context = mm.Context(system, integrator, mm.Platform.getPlatformByName(platform), {"Precision": precision})
    finally:
        os.environ.pop("EFFPOT_GPU_FUSED", None)
    context.setPositions(starting_positions(name, replicas))
    return context, integrator


def timed(context, integrator, replicas, seconds):
    """Replica-steps/s of step(chunk) for at least `seconds`, synchronised by a position download."""
    chunk = max(16, int(2e6 / replicas))
    integrator.step(chunk)  # warm up (kernel compilation, first force evaluation)
    context.getState(getPositions=True)
    done, start = 0, time.perf_counter()
    while True:
        integrator.step(chunk)
        done += chunk
        context.getState(getPositions=True)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return replicas * done / elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platform", default="OpenCL")
    parser.add_argument("--precision", default="single")
    parser.add_argument("--replicas", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--potentials", nargs="+", default=list(POTENTIALS), choices=list(POTENTIALS))
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--temperature", type=float, default=0.0,
                        help="K; > 0: the thermal mode, and OpenMM's LangevinMiddleIntegrator in place of VerletIntegrator")
    args = parser.parse_args(argv)
    probe, _ = make_context("quadratic", 16, "fused", args.platform, args.precision)
    device = next((probe.getPlatform().getPropertyValue(probe, p) for p in ["DeviceName", "OpenCLDeviceName", "CudaDeviceName"]
                   if p in probe.getPlatform().getPropertyNames()), "?")
    del probe
    print(f"platform {args.platform} (device {device}), precision {args.precision}, temperature {args.temperature} K"
          f"{' (OpenMM: LangevinMiddleIntegrator)' if args.temperature > 0 else ''}; load average before: {os.getloadavg()}")
    rows = []
    for name in args.potentials:
        for replicas in args.replicas:
            contexts = {mode: make_context(name, replicas, mode, args.platform, args.precision, args.temperature) for mode in MODES}
            best = {mode: 0.0 for mode in MODES}
            for _ in range(args.repeats):
                for mode in MODES:
                    best[mode] = max(best[mode], timed(*contexts[mode], replicas, args.seconds))
            for mode in MODES:
                rows.append((name, replicas, mode, best[mode], best[mode] / best["unfused"]))
            print(f"  done: {name} R={replicas}", file=sys.stderr, flush=True)
            del contexts
    print(f"load average after: {os.getloadavg()}")
    print(f"| potential | R | {args.platform} {args.precision} | replica-steps/s | ratio to unfused |")
    print("|---|---|---|---|---|")
    for name, replicas, mode, rate, ratio in rows:
        label = mode.replace("VerletIntegrator", "LangevinMiddleIntegrator") if args.temperature > 0 else mode
        print(f"| {name} | {replicas:g} | {label} | {rate:.3g} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
