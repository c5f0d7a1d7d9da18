"""The P5 pipeline (Muller-Brown with micro-scale) in effpot against a vectorized numpy implementation, one run.

Both do the same work: Stage 1 with 3 designs x 300 replicas x 2e4 steps (h = 0.02, gamma = 1), Stage 2 with
300 replicas x 4e4 steps (M = I, Gamma = D / (2 kT*)), each after 1e4 equilibration steps (well populations
relax by barrier crossings), samples every 10 steps, then a 50 x 50 histogram (effpot: its grid fixed at 50 x 50;
the row "automatic grid" records 96 x 96 and lets the fit choose the grid by held-out likelihood). Reported:
wall time, the error of D against its exact value (h/2) A^2 [[2, 1], [1, 5]], and the raw-histogram RMSE of
-kT log rho against the coarse part over the 3 kT region (mean removed, in kT); effpot also reports its spline RMSE.

    python bench/bench_p5_pipeline.py [--platforms Reference CPU] [--skip-numpy] [--custom-external-force]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))

from effpot.coarse_graining import problems  # noqa: E402
from effpot.coarse_graining.analysis import rmse_in_kt  # noqa: E402

H, GAMMA, REPLICAS, STEPS1, STEPS2, EQUILIBRATION, INTERVAL, BINS = 0.02, 1.0, 300, 20000, 40000, 10000, 10, 50
S, K, CENTER, A, EPS = 0.05, 40.0, np.array([-0.05, 0.4667]), 5.0, 1e-5
MB = [(-200, -1, 0, -10, 1, 0), (-100, -1, 0, -10, 0, 0.5), (-170, -6.5, 11, -6.5, -0.5, 1.5), (15, 0.7, 0.6, 0.7, -1, 1)]


def gradient(q):
    """Gradient of the full P5 energy (coarse part and micro-scale) at N x 2 points."""
    x, y = q[:, 0], q[:, 1]
    g = np.zeros_like(q)
    for amplitude, a, b, c, x0, y0 in MB:
        dx, dy = x - x0, y - y0
        e = amplitude * np.exp(a * dx * dx + b * dx * dy + c * dy * dy)
        g[:, 0] += e * (2 * a * dx + b * dy)
        g[:, 1] += e * (b * dx + 2 * c * dy)
    g = S * (g + 2 * K * (q - CENTER))
    both = np.cos((x + y) / EPS)
    g[:, 0] += A * (np.cos(x / EPS) + both)
    g[:, 1] += A * (2 * np.cos(y / EPS) + both)
    return g


def starts(seed=1):
    rng = np.random.default_rng(seed)
    return np.array(problems.P5_WELLS)[np.arange(REPLICAS) % 3] + 0.05 * rng.normal(size=(REPLICAS, 2))


def numpy_pipeline():
    """Stage 1 and Stage 2 in momentum form, all replicas of all designs as one array."""
    designs = [np.diag([2.0, 1.0]), np.diag([1.0, 2.0]), np.array([[1.0, 0.5], [0.5, 1.0]])]
    q = np.concatenate([starts()] * 3)
    p = np.zeros_like(q)
    inverse_mass = np.concatenate([np.repeat(a[None], REPLICAS, axis=0) for a in designs])  # A = M^-1 per replica
    decay = np.exp(-0.5 * GAMMA * H)
    f = -gradient(q)
    sums = np.zeros((3, 10))
    counts = np.zeros((3, 10))
    batch = (np.arange(REPLICAS) * 10) // REPLICAS
    for step in range(EQUILIBRATION + STEPS1):
        p = decay * p + 0.5 * H * f
        q = q + H * np.einsum("nij,nj->ni", inverse_mass, p)
        f = -gradient(q)
        p = decay * (p + 0.5 * H * f)
        if step >= EQUILIBRATION and (step - EQUILIBRATION + 1) % INTERVAL == 0:
            quadratic = np.einsum("ni,nij,nj->n", p, inverse_mass, p).reshape(3, REPLICAS)
            for g in range(3):
                sums[g] += np.bincount(batch, quadratic[g], minlength=10)
                counts[g] += np.bincount(batch, minlength=10)
    phi = GAMMA * H / np.expm1(GAMMA * H)
    b = (2 * GAMMA * sums.sum(axis=1) / counts.sum(axis=1)) / phi
    table = np.array([[a[0, 0], a[1, 1], 2 * a[0, 1]] for a in designs])
    d00, d11, d01 = np.linalg.solve(table, b)
    noise = np.array([[d00, d01], [d01, d11]])
    # Stage 2: M = I, Gamma = D / (2 kT*), exact friction matrix exponential from the eigen-decomposition.
    values, vectors = np.linalg.eigh(noise / 2.0)
    e = vectors @ np.diag(np.exp(-0.5 * H * values)) @ vectors.T
    q = starts()
    p = np.zeros_like(q)
    f = -gradient(q)
    positions, drift_squares, drift_count = [], 0.0, 0
    for step in range(EQUILIBRATION + STEPS2):
        p = p @ e.T + 0.5 * H * f
        if step >= EQUILIBRATION and (step - EQUILIBRATION + 1) % INTERVAL == 0:
            drift_squares += np.sum(p * p)  # the drift momentum: what moves the positions
            drift_count += p.size
        q = q + H * p
        f = -gradient(q)
        p = (p + 0.5 * H * f) @ e.T
        if step >= EQUILIBRATION and (step - EQUILIBRATION + 1) % INTERVAL == 0:
            positions.append(q.copy())
    return noise, drift_squares / drift_count, np.concatenate(positions)


def raw_histogram_rmse(positions, kt):
    low, high = positions.min(axis=0), positions.max(axis=0)
    counts, xe, ye = np.histogram2d(positions[:, 0], positions[:, 1], bins=BINS, range=[[low[0], high[0]], [low[1], high[1]]])
    xc, yc = 0.5 * (xe[1:] + xe[:-1]), 0.5 * (ye[1:] + ye[:-1])
    points = np.column_stack([g.ravel() for g in np.meshgrid(xc, yc, indexing="ij")])
    reference = problems.p5_coarse_values(points)
    reference -= reference.min()
    learned = -kt * np.log(np.maximum(counts.ravel(), 1))
    mask = (counts.ravel() >= 20) & (reference <= 3 * kt)
    difference = learned[mask] - reference[mask]
    return np.sqrt(np.mean((difference - difference.mean()) ** 2)) / kt


def effpot_raw_rmse(grainer, kt):
    statistics = grainer.samplingStatistics()
    grid = statistics.getGrid()
    bins = list(grid.getBins())
    counts = sum(np.array(statistics.getHistogram(b)) for b in range(statistics.getNumBatches()))
    centers = [lo + (np.arange(n) + 0.5) * (hi - lo) / n for lo, hi, n in zip(grid.getLower(), grid.getUpper(), bins)]
    points = np.column_stack([g.ravel() for g in np.meshgrid(*centers, indexing="xy")])  # x fastest, like counts
    reference = problems.p5_coarse_values(points)
    reference -= reference.min()
    learned = -kt * np.log(np.maximum(counts, 1))
    mask = (counts >= 20) & (reference <= 3 * kt)
    difference = learned[mask] - reference[mask]
    return np.sqrt(np.mean((difference - difference.mean()) ** 2)) / kt


def main(argv=None):
    import effpot
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platforms", nargs="+", default=["Reference", "CPU"])
    parser.add_argument("--skip-numpy", action="store_true")
    parser.add_argument("--custom-external-force", action="store_true",
                        help="also run effpot with OpenMM's CustomExternalForce instead of ReplicaExpressionForce")
    args = parser.parse_args(argv)
    true = np.array(problems.p5_noise_covariance(H))
    rows = []
    runs = [(platform, False, False) for platform in args.platforms] + [(args.platforms[0], False, True)]
    if args.custom_external_force:
        runs += [(platform, True, False) for platform in args.platforms]
    for platform, custom, automatic_grid in runs:
        cg = effpot.CoarseGrainer(problems.p5(), 2)
        cg.setUseCustomExternalForce(custom)
        cg.setStepSize(H)
        cg.setFriction(GAMMA)
        cg.setNumReplicas(REPLICAS)
        cg.setNumSteps(STEPS1)
        cg.setNumStage2Steps(STEPS2)
        cg.setNumEquilibrationSteps(EQUILIBRATION)
        cg.setInitialPositions(starts())
        if not automatic_grid:
            cg.setGridBins([BINS, BINS])
            cg.setGridCoarsening(1)
        start = time.perf_counter()
        potential = cg.run(platform=platform)
        seconds = time.perf_counter() - start
        axes = [np.linspace(-1.6, 1.2, 141), np.linspace(-0.5, 2.1, 131)]
        spline = rmse_in_kt(potential, problems.p5_coarse_values, axes)
        label = (f"effpot ({platform}, CustomExternalForce)" if custom else
                 f"effpot ({platform}, automatic grid)" if automatic_grid else f"effpot ({platform})")
        rows.append((label, seconds, potential.noiseCovariance, effpot_raw_rmse(cg, potential.kT), spline))
    if not args.skip_numpy:
        start = time.perf_counter()
        noise, kt, positions = numpy_pipeline()
        seconds = time.perf_counter() - start
        rows.append(("numpy (vectorized)", seconds, noise, raw_histogram_rmse(positions, kt), float("nan")))
    print("| implementation | seconds | D relative error | raw-histogram RMSE (kT) | spline RMSE (kT) |")
    print("|---|---|---|---|---|")
    for name, seconds, noise, raw, spline in rows:
        error = np.linalg.norm(noise - true) / np.linalg.norm(true)
        print(f"| {name} | {seconds:.1f} | {100 * error:.2f}% | {raw:.3f} | {spline:.3f} |")
    if not args.skip_numpy:
        for name, seconds, *_ in rows[:-1]:
            print(f"speed-up of {name} over numpy: {rows[-1][1] / seconds:.2f}x")


if __name__ == "__main__":
    main()
