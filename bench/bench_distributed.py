"""The P5 pipeline (bench_p5_pipeline.py's settings) on worker processes against the in-process threaded run.

Runs, on the Reference platform: the in-process run with 1 and 2 replica threads (CoarseGrainer.run(), no
executor); effpot.local_executor(1) and local_executor(2) (worker processes, one replica thread each, one task per
replica batch), first on a fresh pool (its start-up, spawn and `import effpot`, included), then on the warm pool;
and 2 processes with 5 batches per task (one task per process and stage: fewer Contexts, no load balancing).
Configurations run in interleaved rounds and the minimum is reported, since the machine may be shared. Every run
must give the same D and kT bit for bit (asserted). Reported: wall time, speed-up of 2 processes over 1 and its
efficiency (speed-up / 2), and each against the threaded runs.

    python bench/bench_distributed.py [--replicas 300] [--platform Reference] [--repeats 3]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import effpot  # noqa: E402
from effpot.coarse_graining import problems  # noqa: E402
from bench_p5_pipeline import EQUILIBRATION, GAMMA, H, STEPS1, STEPS2, starts  # noqa: E402


def grainer(replicas, threads):
    cg = effpot.CoarseGrainer(problems.p5(), 2)
    cg.setStepSize(H)
    cg.setFriction(GAMMA)
    cg.setNumReplicas(replicas)
    cg.setNumSteps(STEPS1)
    cg.setNumStage2Steps(STEPS2)
    cg.setNumEquilibrationSteps(EQUILIBRATION)
    cg.setInitialPositions(starts()[:replicas] if replicas <= 300 else np.resize(starts(), (replicas, 2)))
    cg.setNumThreads(threads)
    return cg


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=300)
    parser.add_argument("--platform", default="Reference")
    parser.add_argument("--repeats", type=int, default=3, help="rounds over all configurations (the minimum is reported)")
    args = parser.parse_args(argv)

    def threaded(threads):
        return lambda: grainer(args.replicas, threads).run(platform=args.platform)

    def processes(executor, batches_per_task=1):
        return lambda: grainer(args.replicas, 1).run(platform=args.platform, executor=executor,
                                                     batches_per_task=batches_per_task)
    times, results = {}, {}

    def measure(name, function):
        potential, seconds = timed(function)
        times.setdefault(name, []).append(seconds)
        results[name] = potential
    one, two = effpot.local_executor(1), effpot.local_executor(2)
    try:
        measure("local_executor(1), fresh pool", processes(one))
        measure("local_executor(2), fresh pool", processes(two))
        # Interleaved rounds, so that load from other users of the machine hits every configuration alike.
        for _ in range(args.repeats):
            measure("in-process, 1 thread", threaded(1))
            measure("in-process, 2 threads", threaded(2))
            measure("local_executor(1)", processes(one))
            measure("local_executor(2)", processes(two))
            measure("local_executor(2), 5 batches per task", processes(two, 5))
    finally:
        one.shutdown()
        two.shutdown()
    reference = results["in-process, 1 thread"]
    for name, potential in results.items():
        assert np.array_equal(potential.noiseCovariance, reference.noiseCovariance) and potential.kT == reference.kT, name
    true = np.array(problems.p5_noise_covariance(H))
    error = np.linalg.norm(reference.noiseCovariance - true) / np.linalg.norm(true)
    best = {name: min(values) for name, values in times.items()}
    print(f"P5 pipeline, {args.replicas} replicas, {args.platform}; D within {100 * error:.2f}% of its exact value, "
          f"identical (bitwise) in every run; minimum over {args.repeats} interleaved rounds (fresh pools: one run)")
    print("| run | seconds (min) | all runs | vs 1 thread | vs 2 threads |")
    print("|---|---|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {best[name]:.1f} | {', '.join(f'{v:.1f}' for v in values)} | "
              f"{best['in-process, 1 thread'] / best[name]:.2f}x | {best['in-process, 2 threads'] / best[name]:.2f}x |")
    for suffix in ("", ", 5 batches per task"):
        speedup = best["local_executor(1)"] / best["local_executor(2)" + suffix]
        print(f"2 processes{suffix} over 1 process: speed-up {speedup:.2f}x, efficiency {100 * speedup / 2:.0f}%")
    threads = best["in-process, 1 thread"] / best["in-process, 2 threads"]
    print(f"2 threads over 1 thread (in-process): speed-up {threads:.2f}x, efficiency {100 * threads / 2:.0f}%")


if __name__ == "__main__":
    main()
