"""P1 (SPEC.md section 9): one function, two scales, two step sizes.

    f = x^2/2 + e1 sin(x/e1) + e2 sin(x/e2),  e1 = 1e-2, e2 = 1e-4

At h = 0.03 only e2 is turned into noise and the potential learned is f0 + f1 (a parabola with ripples of
amplitude 0.01); at h = 0.3 both are noise and it is f0. Targets: RMSE vs f0 at most 0.1 kT at h = 0.3, and at
h = 0.03 closer to f0 + f1 than to f0.

    python examples/p1_two_scales.py [-o out/p1] [--platform CPU]
"""
import argparse
import os
import time

import numpy as np

import effpot
from effpot import problems
from effpot.analysis import rmse_in_kt
from effpot.plots import potential_1d
from _common import output_folder, write_json


def f0(p):
    return p[:, 0] ** 2 / 2


def f0_f1(p):
    return p[:, 0] ** 2 / 2 + 1e-2 * np.sin(p[:, 0] / 1e-2)


def learn(h, gamma, replicas, steps, bins, platform):
    cg = effpot.CoarseGrainer(problems.p1(), 1)
    cg.setStepSize(h)
    cg.setFriction(gamma)
    cg.setNumReplicas(replicas)
    cg.setNumSteps(steps)
    cg.setNumEquilibrationSteps(max(2000, int(5 / (gamma * h))))
    cg.setGridBins(bins)
    start = time.perf_counter()
    potential = cg.run(platform=platform, progress=True)
    return potential, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", default="out/p1")
    parser.add_argument("--platform", default="CPU")
    args = parser.parse_args(argv)
    folder = output_folder(args.output)
    results = {}
    # h = 0.3: both micro-scales are noise. h = 0.03: e2 is noise, e1 (period 0.063 nm) is resolved and must be
    # resolved by the histogram too: 8 bins per period, knots every 2 bins.
    coarse, t_coarse = learn(0.3, 0.6, 400, 40000, 150, args.platform)
    fine, t_fine = learn(0.03, 0.05, 1000, 100000, 600, args.platform)
    axes = [np.linspace(-1.5, 1.5, 3001)]
    for name, potential, seconds in (("h=0.3", coarse, t_coarse), ("h=0.03", fine, t_fine)):
        results[name] = dict(kT=potential.kT, seconds=seconds, rmse_vs_f0=rmse_in_kt(potential, f0, axes),
                             rmse_vs_f0_f1=rmse_in_kt(potential, f0_f1, axes), D=potential.noiseCovariance)
        r = results[name]
        print(f"P1 at {name}: kT = {r['kT']:.4f}, RMSE vs f0 {r['rmse_vs_f0']:.3f} kT, vs f0+f1 "
              f"{r['rmse_vs_f0_f1']:.3f} kT ({seconds:.1f} s)")
    potential_1d([("learned at h = 0.3", coarse), ("learned at h = 0.03", fine)],
                 [("f0 = x^2/2", f0), ("f0 + f1", f0_f1)], os.path.join(folder, "p1.png"),
                 title="P1: the scale learned is set by the step size")
    coarse.save(os.path.join(folder, "p1_h0.3.effpot"))
    fine.save(os.path.join(folder, "p1_h0.03.effpot"))
    write_json(os.path.join(folder, "p1.json"), results)
    return results


if __name__ == "__main__":
    main()
