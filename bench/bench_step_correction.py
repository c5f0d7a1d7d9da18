"""Issue 14, an experiment: correct the learned U for the surrogate Langevin model's own step bias.

At 5x the learning step the surrogate Langevin model (BAOAB) samples exp(-(U + delta_h)/kT), not exp(-U/kT): its
configurational bias delta_h = O(h^2) is what limits `compare()`'s TV there (docs/benchmarks.md: 0.080 with the
exact coarse part). The surrogate is cheap, so delta_h can be measured: run it at h and at h/2 from the same
states for the same time, and by Richardson delta_h = (4/3) (-kT log rho_h + kT log rho_h/2) (the protocol's own
effects, such as well populations that have not relaxed, cancel in the difference). Fit delta_h with a P-spline on
U's own knots and run the surrogate with U - delta_h.

The experiment is which penalty the correction needs: "ubre", the unbiased risk estimate's choice; a number, a
fixed penalty (relative to the mean bin weight, as PotentialFitter's); "coarse:C", the correction on knots of its
own, C h sqrt(kT/m) apart, then written on U's knots; "ubre-zero", the risk estimate's choice with zeros where the
surrogate does not sample (docs/benchmarks.md has the results and what they mean). Printed: TV, max ACF difference and mean-path difference
(in sd) of `compare()` at the surrogate step, for U and for each corrected U. Learns P5 first (the demo's
configuration, CPU platform, about 15 s); each comparison takes about 40 s.

    .venv/bin/python bench/bench_step_correction.py [--step 0.1] [--smoothing ubre 30 1000 coarse:3 ubre-zero]
        [--equilibration 200] [--iterations 1]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib

import numpy as np

from effpot import effpot_swig as _swig
from effpot.coarse_graining.potential import EffectivePotential
from effpot.surrogates.comparison import ComparisonSettings, compare
from effpot.surrogates.ensembles import run_ensemble
from effpot.surrogates.models import SurrogateModels

CONFIG = os.path.join(os.path.dirname(__file__), "..", "wrappers", "python", "effpot", "cli", "configs", "p5_muller_brown.toml")


def learn(folder):
    text = open(CONFIG).read().replace('platform = "Reference"', 'platform = "CPU"')
    path = os.path.join(folder, "p5.toml")
    open(path, "w").write(text)
    subprocess.run([sys.executable, "-m", "effpot.cli", "learn", path, "-o", os.path.join(folder, "learned")], check=True,
                   stdout=subprocess.DEVNULL)
    return tomllib.loads(text), open(os.path.join(folder, "learned", "effective_potential.xml")).read()


def histograms(potential, energy, step, grid, starts, replicas, seed, equilibration, batches=8):
    """Position histograms of `batches` independent ensembles of the surrogate Langevin model at `step`."""
    models = SurrogateModels(potential, energy)
    rng = np.random.default_rng(seed)
    q0 = np.zeros((replicas, 3))
    q0[:, :2] = np.array(starts)[np.arange(replicas) % len(starts)] + 0.05 * rng.normal(size=(replicas, 2))
    v0 = models.velocities(replicas, rng)
    result = []
    for b in range(batches):
        part = slice(b * replicas // batches, (b + 1) * replicas // batches)
        run = run_ensemble(lambda count, s: models.surrogateLangevin(count, step, seed=s), q0[part], v0[part], 2,
                           equilibration=int(round(equilibration / step)), samples=2000, interval=max(1, int(round(0.2 / step))),
                           grid=grid, seed=seed + b, platform="CPU", batches=1)
        result.append(np.asarray(run.histogram, dtype=float))
    return np.array(result)


def dispersion(batches):
    mean = batches.mean(axis=0)
    used = mean >= 20
    return max(1.0, float(np.median(batches.var(axis=0, ddof=1)[used] / mean[used])))


def corrected(xml, energy, step, starts, smoothing, equilibration, replicas=4000, base=None):
    """base - delta_step(xml) as an EffectivePotential XML (base's coefficients edited in place; base: xml itself).
    With base the learned U and xml the last corrected one, this is one step of the fixed-point iteration
    U_k+1 = U - delta(U_k), whose fixed point samples exp(-U/kT) at the step."""
    base = xml if base is None else base
    potential = EffectivePotential.fromXml(xml)
    kT = potential.kT
    lower, upper = list(potential.getLower()), list(potential.getUpper())
    bins = [(n - 1) // 2 for n in potential.getNodes()]
    grid = _swig.RegularGrid(lower, upper, bins)
    coarse, fine = (histograms(potential, energy, step, grid, starts, replicas, 100, equilibration),
                    histograms(potential, energy, step / 2, grid, starts, replicas, 200, equilibration))
    n1, n2 = coarse.sum(axis=0), fine.sum(axis=0)
    used = (n1 >= 20) & (n2 >= 20)
    a1, a2 = np.where(used, n1, 1), np.where(used, n2, 1)
    delta = np.where(used, 4 / 3 * -kT * (np.log(a1 / n1.sum()) - np.log(a2 / n2.sum())), 0.0)
    weights = np.where(used, 1 / (16 / 9 * kT ** 2 * (dispersion(coarse) / a1 + dispersion(fine) / a2)), 0.0)
    widths = [(hi - lo) / n for lo, hi, n in zip(lower, upper, bins)]
    centres = [lo + (np.arange(n) + 0.5) * w for lo, n, w in zip(lower, bins, widths)]
    x, y = np.meshgrid(centres[0], centres[1], indexing="xy")  # x fastest, as the histogram
    points = np.column_stack([x.ravel(), y.ravel()])
    numbers = lambda tag: re.search(rf"<{tag}>(.*?)</{tag}>", xml, re.S)
    basis = [int(v) for v in numbers("NumBasis").group(1).split('"')[1::2]]
    scale = weights[used].mean()
    search = [10 ** (0.5 * k) * scale for k in range(-8, 9)]
    if str(smoothing).startswith("coarse:"):
        # The correction on its own knots, C h sqrt(kT/m) apart per dimension (the penalty by the risk estimate),
        # then written on U's knots: fitted without penalty to its values on a grid 4 points per U knot interval.
        mass = np.atleast_2d(np.asarray(potential.calibration.mass, dtype=float))
        inverse = np.linalg.inv(mass)
        spacing = [float(smoothing[7:]) * step * np.sqrt(kT * inverse[i, i]) for i in range(len(lower))]
        own = [max(1, int((hi - lo) / a)) + 3 for lo, hi, a in zip(lower, upper, spacing)]
        spline = _swig.PSplineFit(lower, upper, own)
        chosen = spline.fitAutomatic(list(points.ravel()), list(delta), list(weights), search) / scale
        axes = [np.linspace(lo, hi, 4 * (n - 3) + 1) for lo, hi, n in zip(lower, upper, basis)]
        gx, gy = np.meshgrid(axes[0], axes[1], indexing="xy")
        dense = np.column_stack([gx.ravel(), gy.ravel()])
        fine = _swig.PSplineFit(lower, upper, basis)
        fine.fit(list(dense.ravel()), list(spline.evaluateMany(list(dense.ravel()))), [1.0] * len(dense), 0.0)
        spline = fine
    elif smoothing == "ubre-zero":
        # The risk estimate's penalty, and no correction where the surrogate does not sample: the bins below the
        # minimum count enter as zeros with a typical bin's weight (instead of leaving the spline to extrapolate).
        spline = _swig.PSplineFit(lower, upper, basis)
        padded = np.where(used, weights, np.median(weights[used]))
        chosen = spline.fitAutomatic(list(points.ravel()), list(delta), list(padded), search) / scale
    else:
        spline = _swig.PSplineFit(lower, upper, basis)
        candidates = search if smoothing == "ubre" else [float(smoothing) * scale]
        chosen = spline.fitAutomatic(list(points.ravel()), list(delta), list(weights), candidates) / scale
    block = re.search(r"<Coefficients>(.*?)</Coefficients>", base, re.S)
    values = np.array([float(v) for v in block.group(1).split('"')[1::2]]) - np.array(spline.getCoefficients())
    body = "".join(f'\n\t\t<Value v="{float(v)!r}"/>' for v in values) + "\n\t"
    spread = float(np.sqrt(np.average((delta[used] - np.average(delta[used], weights=n1[used])) ** 2, weights=n1[used])))
    return base[:block.start(1)] + body + base[block.end(1):], chosen, spread


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--step", type=float, default=0.1, help="the surrogate's step in ps (default 0.1: 5x P5's)")
    parser.add_argument("--smoothing", nargs="+", default=["ubre", "30", "1000"])
    parser.add_argument("--iterations", type=int, default=1,
                        help="steps of U_k+1 = U - delta(U_k) (default 1)")
    parser.add_argument("--equilibration", type=float, default=200,
                        help="ps before the histograms, of the correction's runs and of compare()'s (default 200: the demo's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config, xml = learn(folder)
    energy, starts = config["model"]["energy"], config["learn"]["starts"]
    fields = ComparisonSettings.__dataclass_fields__
    settings = ComparisonSettings(starts=starts, **{k: v for k, v in config["compare"].items() if k in fields})
    settings.surrogate_step_size, settings.platform = args.step, "CPU"
    settings.equilibration_steps = int(round(args.equilibration / config["learn"]["step_size"]))
    print(f"| surrogate potential (step {args.step} ps, {args.equilibration:g} ps equilibration) | smoothing | TV | max ACF diff | mean path (sd) |")
    print("|---|---|---|---|---|")
    rows = [("learned U", None, xml)]
    for smoothing in args.smoothing:
        text = xml
        for k in range(args.iterations):
            text, chosen, spread = corrected(text, energy, args.step, starts, smoothing, args.equilibration, base=xml)
            print(f"penalty {smoothing}, iteration {k + 1}: the measured bias's spread (weighted sd) {spread:.4f} kT",
                  file=sys.stderr, flush=True)
        rows.append((f"U - delta (penalty: {smoothing}{f', {args.iterations} iterations' if args.iterations > 1 else ''})",
                     chosen, text))
    for name, chosen, text in rows:
        metrics, _ = compare(EffectivePotential.fromXml(text), settings, energy=energy)
        cells = [metrics[k] for k in ("tv_distance", "acf_max_difference", "mean_path_max_difference_sd")]
        print(f"| {name} | {'' if chosen is None else f'{chosen:.3g}'} | " +
              " | ".join("unstable" if c is None else f"{c:.3f}" for c in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
