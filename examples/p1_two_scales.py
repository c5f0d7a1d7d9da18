"""P1 (docs/theory.md section 10): one function, two scales, two step sizes.

    f = x^2/2 + e1 sin(x/e1) + e2 sin(x/e2),  e1 = 1e-2, e2 = 1e-4

At h = 0.03 only e2 is turned into noise and the potential learned is f0 + f1 (a parabola with ripples of
amplitude 0.01); at h = 0.3 both are noise and it is f0. Targets: RMSE vs f0 at most 0.1 kT at h = 0.3, and at
h = 0.03 closer to f0 + f1 than to f0 (p1_ripples.png shows U - f0 against f1).

Measured (docs/benchmarks.md): RMSE vs f0 0.015 kT at h = 0.3; RMSE vs f0 + f1 0.009 kT at h = 0.03 (0.040 vs f0).

    python examples/p1_two_scales.py [-o out/p1] [--platform Reference]
"""
import argparse
import os
import time

import numpy as np

import effpot
from effpot.coarse_graining import problems
from effpot.coarse_graining.analysis import rmse_in_kt
from effpot.cli.figures import potential_1d
from _common import output_folder, write_json


def f0(p):
    return p[:, 0] ** 2 / 2


def f0_f1(p):
    return p[:, 0] ** 2 / 2 + 1e-2 * np.sin(p[:, 0] / 1e-2)


def learn(h, gamma, replicas, steps, bins, platform, knot_spacing=3.0):
    cg = effpot.CoarseGrainer(problems.p1(), 1)
    cg.setKnotSpacing(knot_spacing)
    cg.setStepSize(h)
    cg.setFriction(gamma)
    cg.setNumReplicas(replicas)
    cg.setNumSteps(steps)
    cg.setNumEquilibrationSteps(max(2000, int(5 / (gamma * h))))
    cg.setGridBins(bins)
    start = time.perf_counter()
    potential = cg.run(platform=platform, progress=True)
    return potential, time.perf_counter() - start


def ripples(coarse, fine, path):
    """U - f0 near the minimum: the h = 0.03 potential carries f1 = 0.01 sin(x/0.01), the h = 0.3 one does not."""
    from effpot.cli.figures import pyplot
    plt = pyplot()
    x = np.linspace(-0.4, 0.4, 1601)
    figure, axis = plt.subplots(figsize=(8, 3.6))
    for color, (label, potential) in zip(("C0", "C1"), (("learned at h = 0.3", coarse), ("learned at h = 0.03", fine))):
        difference = potential.evaluate(x[:, None]) - x ** 2 / 2
        axis.plot(x, difference - difference.mean(), color=color, lw=1.2, label=label)
    axis.plot(x, 1e-2 * np.sin(x / 1e-2), "k:", lw=1, label="f1 = 0.01 sin(x/0.01)")
    axis.set_xlabel("x (nm)")
    axis.set_ylabel("U - x^2/2 (kJ/mol), mean removed")
    axis.set_title("P1 near the minimum: the step size decides whether the ripples of f1 are kept")
    axis.legend(fontsize=8, loc="upper right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", default="out/p1")
    parser.add_argument("--platform", default="Reference")
    args = parser.parse_args(argv)
    folder = output_folder(args.output)
    results = {}
    # h = 0.3: both micro-scales are noise. h = 0.03: e2 is noise, e1 (period 0.063 nm) is resolved and must be
    # resolved by the histogram too: 8 bins per period, knots every 2 bins.
    coarse, t_coarse = learn(0.3, 0.6, 400, 40000, 150, args.platform)
    fine, t_fine = learn(0.03, 0.05, 1000, 100000, 600, args.platform, knot_spacing=1.5)
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
    ripples(coarse, fine, os.path.join(folder, "p1_ripples.png"))
    coarse.save(os.path.join(folder, "p1_h0.3.effpot"))
    fine.save(os.path.join(folder, "p1_h0.03.effpot"))
    write_json(os.path.join(folder, "p1.json"), results)
    return results


if __name__ == "__main__":
    main()
