"""Issue 15: Stage 1 in the whitened frame, the discrete-step Stage 2 calibration and the error bands, on P4, P5
and P6 (docs/theory.md sections 5, 6 and 10), and on two landscapes no test uses (Q2, Q3), over seeds. Per run: time, D's whitened error (largest
|eigenvalue - 1| of D^-1/2 D-hat D^-1/2 against the exact D) and the reported standard error of it, the drift kT per
eigendirection of Gamma, Cov(q) against its exact value (P4, P6), the RMSE of U within 3 kT and the coverage of the
95% band (|U - U_exact - mean| <= 1.96 standardError) over the grid points within 3 kT.

    .venv/bin/python bench/bench_anisotropic.py [--problems P4 P5 P6 Q2 Q3] [--seeds 1 2 3] [--replicas N] [--steps N]
        [--max-rounds 1 0]   (maxStage1Rounds to compare in the same run; 0: the default)
"""
import argparse
import time

import numpy as np

import effpot
from effpot.coarse_graining import problems
from effpot.coarse_graining.analysis import grid_points


def whitened(estimate, true):
    w, v = np.linalg.eigh(np.asarray(true))
    root = v @ np.diag(w ** -0.5) @ v.T
    return float(np.max(np.abs(np.linalg.eigvalsh(root @ np.asarray(estimate) @ root) - 1)))


def sampled_covariance(cg):
    statistics = cg.samplingStatistics()
    grid = statistics.getGrid()
    bins = list(grid.getBins())
    counts = sum(np.array(statistics.getHistogram(b), dtype=float) for b in range(statistics.getNumBatches()))
    centers = [lo + (np.arange(n) + 0.5) * (hi - lo) / n for lo, hi, n in zip(grid.getLower(), grid.getUpper(), bins)]
    q = grid_points(centers[::-1])[:, ::-1]  # x fastest, as the histogram
    w = counts / counts.sum()
    mean = w @ q
    return (q - mean).T @ ((q - mean) * w[:, None])


def setup(name, h=None):
    if name == "P4":
        cg = effpot.CoarseGrainer(problems.p4(), 2)
        cg.setStepSize(0.1)
        cg.setFriction(0.5)
        return (cg, problems.p4_noise_covariance(0.1), lambda p: (p ** 2).sum(axis=1) / 2,
                [np.linspace(-2.5, 2.5, 51)] * 2, np.eye(2))
    if name == "P5":
        cg = effpot.CoarseGrainer(problems.p5(), 2)
        cg.setStepSize(0.02)
        cg.setFriction(1.0)
        cg.setNumReplicas(300)
        cg.setNumEquilibrationSteps(10000)
        cg.setInitialPositions(np.array(problems.P5_WELLS)[np.arange(300) % 3]
                               + 0.05 * np.random.default_rng(0).normal(size=(300, 2)))
        return (cg, problems.p5_noise_covariance(0.02), problems.p5_coarse_values,
                [np.linspace(-1.5, 1.0, 51), np.linspace(-0.5, 2.0, 51)], None)
    if name in UNSEEN:
        energy, noise, stiffness = UNSEEN[name]()
        d = len(stiffness)
        cg = effpot.CoarseGrainer(energy, d)
        cg.setStepSize(0.1)
        return (cg, noise, lambda p: 0.5 * np.einsum("ni,ij,nj->n", p, stiffness, p),
                [np.linspace(-2.5, 2.5, 51 if d == 2 else 26)] * d, np.linalg.inv(stiffness))
    cg = effpot.CoarseGrainer(problems.p6(), 3)
    cg.setStepSize(0.1)
    return (cg, problems.p6_noise_covariance(0.1), problems.p6_coarse_values, [np.linspace(-2.5, 2.5, 26)] * 3,
            np.linalg.inv(np.array(problems.P6_STIFFNESS)))


def quadratic(stiffness):
    names = "xyz"
    d = len(stiffness)
    return "+".join(f"({stiffness[i][j] / (2 if i == j else 1)})*{names[i]}*{names[j]}"
                    for i in range(d) for j in range(i, d) if stiffness[i][j] != 0)


def unseen_2d(h=0.1, eps=1e-3, a=8.0, b=0.5, c=0.2):
    """Q2, not in the tests: noise along x - y, x + y and x (condition number 246), a correlated stiffness."""
    stiffness = np.array([[1.0, 0.4], [0.4, 0.6]])
    energy = quadratic(stiffness) + f"+{eps}*({a}*sin((x-y)/{eps})+{b}*sin((x+y)/{eps})+{c}*sin(x/{eps}))"
    directions = (np.array([1.0, -1.0]), np.array([1.0, 1.0]), np.array([1.0, 0.0]))
    noise = h / 2 * sum(w * w * np.outer(u, u) for w, u in zip((a, b, c), directions))
    return energy, noise, stiffness


def unseen_3d(h=0.1, eps=1e-3, a=0.4, b=2.0, c=5.0, f=0.3):
    """Q3, not in the tests: P6's form with other amplitudes (condition number 101) and another stiffness."""
    stiffness = np.array([[2.0, -0.4, 0.2], [-0.4, 0.7, 0.1], [0.2, 0.1, 1.5]])
    energy = quadratic(stiffness) + f"+{eps}*({a}*sin(x/{eps})+{b}*sin(y/{eps})+{c}*sin(z/{eps})+{f}*sin((x+y+z)/{eps}))"
    noise = h / 2 * (np.diag([a * a, b * b, c * c]) + f * f)
    return energy, noise, stiffness


UNSEEN = {"Q2": unseen_2d, "Q3": unseen_3d}


def measure(name, seed, replicas, steps, rounds):
    cg, true, reference, axes, covariance = setup(name)
    cg.setRandomSeed(seed)
    if rounds:
        cg.setStage1Precision(cg.settings.stage1Tolerance, rounds)
    if replicas:
        cg.setNumReplicas(replicas)
    if steps:
        cg.setNumSteps(steps)
    start = time.perf_counter()
    potential = cg.run(platform="CPU")
    seconds = time.perf_counter() - start
    d = potential.diagnostics
    kT = potential.kT
    points = grid_points(axes)
    values = np.asarray(reference(points))
    mask = values - values.min() <= 3 * kT
    difference = potential.evaluate(points[mask]) - values[mask]
    difference -= difference.mean()
    sigma = potential.standardError(points[mask])
    result = dict(problem=name, seed=seed, seconds=seconds, rounds=int(d["stage1.rounds"]), whitened=whitened(potential.noiseCovariance, true),
                  reported=d["stage1.whitenedError"], condition=d["stage1.conditionNumber"],
                  drift=[d[f"stage2.driftKT.direction{m}"] / d["settings.targetKT"] for m in range(potential.dimensions)],
                  rmse=float(np.sqrt(np.mean(difference ** 2)) / kT),
                  coverage=float(np.mean(np.abs(difference) <= 1.96 * sigma)),
                  notes=[v for k, v in d.items() if k.startswith("stage1Note") and "not calibrated" in str(v)])
    if covariance is not None:
        sampled = sampled_covariance(cg) / kT
        result["cov_q"] = float(np.max(np.abs(sampled - covariance)) / np.max(np.abs(covariance)))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", nargs="+", default=["P4", "P5", "P6"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--replicas", type=int, default=0)
    parser.add_argument("--steps", type=int, default=0)
    parser.add_argument("--max-rounds", nargs="+", type=int, default=[0],
                        help="maxStage1Rounds to compare (0: the default, 3); e.g. 1 0 for one round against the default")
    args = parser.parse_args()
    print("| problem | seed | max rounds | rounds run | s | whitened error of D (reported se) | cond | drift kT / kT* per direction | Cov(q) max rel. error | RMSE (kT) | band coverage | calibration warnings |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.problems:
        for rounds in args.max_rounds:
            for seed in args.seeds:
                r = measure(name, seed, args.replicas, args.steps, rounds)
                print(f"| {name} | {seed} | {rounds or 3} | {r['rounds']} | {r['seconds']:.1f} | {r['whitened']:.3f} ({r['reported']:.3f}) | {r['condition']:.1f} | "
                      + ", ".join(f"{x:.3f}" for x in r["drift"]) + f" | {r.get('cov_q', float('nan')):.3f} | {r['rmse']:.3f} | "
                      f"{100 * r['coverage']:.0f}% | {len(r['notes'])} |", flush=True)


if __name__ == "__main__":
    main()
