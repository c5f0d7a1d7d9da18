"""Replica-steps per second of the deterministic scheme on independent replicas (issue 8).

For the 2D potential (2x^2 + 1.2xy + y^2)/2 + 1e-3 (2 sin((x-y)/1e-3) + 1.5 sin(x/1e-3)) (h = 0.1, gamma = 0.5)
and P5 (effpot.coarse_graining.problems.p5(), h = 0.02, gamma = 1), R replicas of mass 1 with scalar friction, measures:

- effpot: DampedVerletIntegrator + ReplicaExpressionForce on the CPU platform (2 threads, and 1) and on Reference;
- OpenMM's CustomExternalForce (with the same DampedVerletIntegrator) on Reference and on CPU (2 threads);
- a vectorized numpy implementation of the scheme;
- the fused C++ loop of bench/fused_loop.cpp (vectorized with libmvec, 1 and 2 threads; and scalar, 1 thread),
  built here with CMake into build/bench if it is not there yet.

Every timing is the best of --repeats runs of at least --seconds each, the implementations interleaved so that a
slow spell of the (shared) machine affects them alike; ratios are against the fused vectorized loop on the same
number of threads. Usage:

    python bench/bench_replica_force.py [--replicas 1000 20000 200000] [--seconds 1] [--repeats 3]
    python bench/bench_replica_force.py --threshold     # the CPU kernels' parallel thresholds
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np
import openmm as mm

import effpot
from effpot.coarse_graining import problems

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUADRATIC = "(2*x^2 + 1.2*x*y + y^2)/2 + 1e-3*(2*sin((x-y)/1e-3) + 1.5*sin(x/1e-3))"
POTENTIALS = {
    "quadratic": dict(energy=QUADRATIC, h=0.1, gamma=0.5),
    "p5": dict(energy=problems.p5(), h=0.02, gamma=1.0),
}


def starting_positions(name, count):
    r = (np.arange(count) * 0.618034) % 1.0
    if name == "p5":
        return np.column_stack([-0.55 + 0.6 * r, 1.0 + 0.4 * r, np.zeros(count)])
    return np.column_stack([r - 0.5, 0.5 - r, np.zeros(count)])


def timed(step, replicas, seconds):
    """Replica-steps/s of step(n) run in chunks for at least `seconds`."""
    chunk = max(1, int(2e6 / replicas))
    step(chunk)  # warm up (and let the CPU platform's threads start)
    done, start = 0, time.perf_counter()
    while True:
        step(chunk)
        done += chunk
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return replicas * done / elapsed


def openmm_stepper(name, replicas, platform, threads, custom):
    spec = POTENTIALS[name]
    system = mm.System()
    for _ in range(replicas):
        system.addParticle(1.0)
    if custom:
        force = mm.CustomExternalForce(spec["energy"])
        for i in range(replicas):
            force.addParticle(i, [])
    else:
        force = effpot.ReplicaExpressionForce(spec["energy"])
        force.addParticles(range(replicas))
    system.addForce(force)
    integrator = effpot.DampedVerletIntegrator(spec["h"])
    for i in range(replicas):
        integrator.addBlock([i], np.eye(3), spec["gamma"] * np.eye(3))
    properties = {"Threads": str(threads)} if platform == "CPU" else {}
    context = mm.Context(system, integrator, mm.Platform.getPlatformByName(platform), properties)
    context.setPositions(starting_positions(name, replicas))
    return integrator.step, context


def numpy_stepper(name, replicas):
    spec = POTENTIALS[name]
    h, decay = spec["h"], np.exp(-0.5 * spec["gamma"] * spec["h"])
    q = starting_positions(name, replicas)[:, :2].copy()
    v = np.zeros_like(q)

    if name == "quadratic":
        def force(q):
            x, y = q[:, 0], q[:, 1]
            c1, c2 = np.cos((x - y) / 1e-3), np.cos(x / 1e-3)
            return -np.column_stack([2 * x + 0.6 * y + 2 * c1 + 1.5 * c2, 0.6 * x + y - 2 * c1])
    else:
        A = np.array([-200, -100, -170, 15.0])
        a, b, c = np.array([-1, -1, -6.5, 0.7]), np.array([0, 0, 11, 0.6]), np.array([-10, -10, -6.5, 0.7])
        xi, yi = np.array([1, 0, -0.5, -1.0]), np.array([0, 0.5, 1.5, 1.0])

        def force(q):
            x, y = q[:, :1], q[:, 1:]
            dx, dy = x - xi, y - yi
            term = A * np.exp(a * dx * dx + b * dx * dy + c * dy * dy)
            gx = 0.05 * ((term * (2 * a * dx + b * dy)).sum(1) + 80 * (x[:, 0] + 0.05))
            gy = 0.05 * ((term * (b * dx + 2 * c * dy)).sum(1) + 80 * (y[:, 0] - 0.4667))
            cxy = np.cos((x[:, 0] + y[:, 0]) / 1e-5)
            return -np.column_stack([gx + 5 * (np.cos(x[:, 0] / 1e-5) + cxy), gy + 5 * (2 * np.cos(y[:, 0] / 1e-5) + cxy)])

    state = {"f": force(q)}

    def step(n):
        nonlocal q, v
        f = state["f"]
        for _ in range(n):
            v = decay * v + 0.5 * h * f
            q = q + h * v
            f = force(q)
            v = decay * (v + 0.5 * h * f)
        state["f"] = f
    return step


def fused_loop_binary(name):
    build = os.path.join(ROOT, "build", "bench")
    binary = os.path.join(build, name)
    if not os.path.exists(binary):
        subprocess.run(["cmake", "-S", os.path.join(ROOT, "bench"), "-B", build, "-DCMAKE_BUILD_TYPE=Release"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", build], check=True, stdout=subprocess.DEVNULL)
    return binary


def fused_loop(binary, name, replicas, seconds, threads):
    out = subprocess.run([binary, name, str(replicas), str(seconds), str(threads)], check=True,
                         capture_output=True, text=True).stdout
    return float(out.split()[0])


def measure(args):
    vectorized, scalar = fused_loop_binary("fused_loop"), fused_loop_binary("fused_loop_scalar")
    print(f"load average before: {os.getloadavg()}")
    rows = []
    for name in args.potentials:
        for replicas in args.replicas:
            cases = {
                "effpot ReplicaExpressionForce, CPU 2 threads": ("openmm", "CPU", 2, False),
                "effpot ReplicaExpressionForce, CPU 1 thread": ("openmm", "CPU", 1, False),
                "effpot ReplicaExpressionForce, Reference": ("openmm", "Reference", 1, False),
                "CustomExternalForce, Reference": ("openmm", "Reference", 1, True),
                "CustomExternalForce, CPU 2 threads": ("openmm", "CPU", 2, True),
                "numpy (vectorized)": ("numpy",),
                "fused C++ loop, vectorized, 2 threads": ("fused", vectorized, 2),
                "fused C++ loop, vectorized, 1 thread": ("fused", vectorized, 1),
                "fused C++ loop, scalar, 1 thread": ("fused", scalar, 1),
            }
            steppers, contexts = {}, []
            for label, case in cases.items():
                if case[0] == "openmm":
                    steppers[label], context = openmm_stepper(name, replicas, case[1], case[2], case[3])
                    contexts.append(context)  # the integrator needs its Context alive
                elif case[0] == "numpy":
                    steppers[label] = numpy_stepper(name, replicas)
            best = {label: 0.0 for label in cases}
            for _ in range(args.repeats):
                for label, case in cases.items():
                    if case[0] == "fused":
                        rate = fused_loop(case[1], name, replicas, args.seconds, case[2])
                    else:
                        # The slow implementations get a shorter window at large R: a few steps suffice there.
                        rate = timed(steppers[label], replicas, args.seconds)
                    best[label] = max(best[label], rate)
            for label, case in cases.items():
                threads = 2 if "2 threads" in label else 1
                reference = best[f"fused C++ loop, vectorized, {threads} thread{'s' if threads == 2 else ''}"]
                rows.append((name, replicas, label, best[label], best[label] / reference))
            print(f"  done: {name} R={replicas}", file=sys.stderr)
    print(f"load average after: {os.getloadavg()}")
    print("| potential | R | implementation | replica-steps/s | ratio to the fused vectorized loop (same threads) |")
    print("|---|---|---|---|---|")
    for name, replicas, label, rate, ratio in rows:
        print(f"| {name} | {replicas:g} | {label} | {rate:.3g} | {ratio:.2f} |")


def thresholds(args):
    """Time per single fused step (integrator.step(1), so no batching) and per force evaluation (a State with
    forces, which does not fuse) with 1 and 2 CPU threads, around the parallel thresholds."""
    print("| R | blocks of 64 | step(1), 1 thread (us) | step(1), 2 threads (us) | forces, 1 thread (us) | forces, 2 threads (us) |")
    print("|---|---|---|---|---|---|")
    for replicas in [512, 1024, 2048, 4096, 8192, 16384, 32768]:
        row = []
        for kind in ["step", "force"]:
            for threads in [1, 2]:
                step, context = openmm_stepper("quadratic", replicas, "CPU", threads, False)  # keeps context alive
                if kind == "step":
                    rate = timed(lambda n: [step(1) for _ in range(n)], replicas, args.seconds)
                else:
                    rate = timed(lambda n: [context.getState(getForces=True) for _ in range(n)], replicas, args.seconds)
                row.append(1e6 * replicas / rate)
        print(f"| {replicas} | {replicas // 64} | " + " | ".join(f"{t:.1f}" for t in row) + " |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--potentials", nargs="+", default=["quadratic", "p5"], choices=list(POTENTIALS))
    parser.add_argument("--replicas", nargs="+", type=int, default=[1000, 20000, 200000])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threshold", action="store_true", help="measure the CPU kernels' parallel thresholds")
    args = parser.parse_args(argv)
    if args.threshold:
        thresholds(args)
    else:
        measure(args)


if __name__ == "__main__":
    main()
