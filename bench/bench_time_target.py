"""Issue 15's time target: P6 with default settings "in at most 3x today's P4 run time", measured in one run.

Each timing is a fresh process that builds the CoarseGrainer and times `run(platform="CPU")` alone (no import, no
analysis), with the settings of bench_anisotropic.py. Runs are interleaved (every configuration once per repeat,
seeds 1, 2, 3 in turn), so that a change in the machine's load touches all of them alike. Configurations:
- P6 with its defaults (Stage 1 in rounds until the whitened error is within tolerance);
- P4 with its defaults, and P4 with one Stage-1 round;
- with --baseline DIR ...: P4 as the code of other installs ran it (e.g. the tree on which the issue was filed,
  `pip install --no-deps --target DIR .` from a worktree of that commit), which had a single Stage-1 round.

    .venv/bin/python bench/bench_time_target.py [--repeats 6] [--baseline DIR ...]
"""
import argparse
import os
import statistics
import subprocess
import sys

CHILD = r"""
import sys, time
import effpot
try:
    from effpot.coarse_graining import problems
except ImportError:  # the layout before the redesign
    from effpot import problems
name, seed, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if name == "P4":
    cg = effpot.CoarseGrainer(problems.p4(), 2)
    cg.setStepSize(0.1)
    cg.setFriction(0.5)
else:
    cg = effpot.CoarseGrainer(problems.p6(), 3)
    cg.setStepSize(0.1)
cg.setRandomSeed(seed)
if rounds:
    cg.setStage1Precision(cg.settings.stage1Tolerance, rounds)
start = time.perf_counter()
cg.run(platform="CPU")
print(time.perf_counter() - start)
"""


def timed(name, seed, rounds, pythonpath=None):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    out = subprocess.run([sys.executable, "-c", CHILD, name, str(seed), str(rounds)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--baseline", nargs="*", default=[],
                        help="installs (pip --target folders) of other code to time P4 with as well")
    args = parser.parse_args()
    configs = [("P6, default rounds", "P6", 0, None), ("P4, default rounds", "P4", 0, None),
               ("P4, one round", "P4", 1, None)]
    for path in args.baseline:
        configs.append((f"P4, {path}", "P4", 0, path))
    times = {label: [] for label, *_ in configs}
    for repeat in range(args.repeats):
        seed = 1 + repeat % 3
        for label, name, rounds, path in configs:
            times[label].append(timed(name, seed, rounds, path))
    p6 = statistics.median(times[configs[0][0]])
    print("| configuration | median s | min s | max s | P6 median / this median |")
    print("|---|---|---|---|---|")
    for label, *_ in configs:
        t = times[label]
        print(f"| {label} | {statistics.median(t):.3f} | {min(t):.3f} | {max(t):.3f} | {p6 / statistics.median(t):.2f} |")


if __name__ == "__main__":
    main()
