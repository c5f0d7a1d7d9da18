"""An experiment, not in the product (issue 14): would a Metropolized surrogate Langevin model remove the step bias
that costs the surrogate its TV at 5x the learning step?

The surrogate Langevin model runs BAOAB (DampedVerletIntegrator's thermal mode); at 0.1 ps, 5x P5's learning step,
its configurational bias alone gives TV 0.08 against exp(-U/kT) (docs/benchmarks.md). Generalized hybrid Monte Carlo
(GHMC: an exact Ornstein-Uhlenbeck step over h, then a velocity-Verlet step accepted with probability
min(1, exp(-dH/kT)), the velocity reversed on rejection) samples exp(-U/kT) exactly at any step, at the price of the
rejections, which perturb the dynamics. This script measures both on P5's exact coarse part in numpy (analytic
gradient), with the surrogate's calibration (M = I, Gamma = D/(2 kT), kT = 1, D = P5's exact effective noise at
h = 0.02):
- TV of a 48 x 48 histogram of q against the bin integrals of exp(-U/kT) (R replicas, 200 ps equilibration, 400 ps
  sampled every ps);
- the acceptance rate (GHMC);
- the largest difference of the normalized ACF of x and y (lags 0-20 ps) and of the mean path from the first well
  (0-20 ps, in standard deviations of q), against BAOAB at 0.005 ps.
Replicas whose coordinates stop being finite (BAOAB far up the Muller-Brown walls, which grow as exp(0.7 r^2)) are
counted and left out.

    .venv/bin/python bench/bench_metropolized_surrogate.py [--replicas 4000] [--steps 0.02 0.1 0.2]
"""
import argparse

import numpy as np
from scipy.linalg import expm, sqrtm

from effpot.coarse_graining import problems
from effpot.coarse_graining.problems import _MB_A, _MB_a, _MB_b, _MB_c, _MB_x, _MB_y

S, K, CENTER = 0.05, 40.0, (-0.05, 0.4667)
KT = 1.0
D = np.array(problems.p5_noise_covariance(0.02))
GAMMA = D / (2 * KT)
EDGES = (np.linspace(-1.5, 1.2, 49), np.linspace(-0.4, 2.0, 49))


def energy(q):
    """P5's coarse part and its gradient at an N x 2 array (problems.p5_coarse_values, with the gradient)."""
    x, y = q[:, 0], q[:, 1]
    value, gx, gy = np.zeros(len(q)), np.zeros(len(q)), np.zeros(len(q))
    for A, a, b, c, x0, y0 in zip(_MB_A, _MB_a, _MB_b, _MB_c, _MB_x, _MB_y):
        dx, dy = x - x0, y - y0
        term = A * np.exp(a * dx * dx + b * dx * dy + c * dy * dy)
        value += term
        gx += term * (2 * a * dx + b * dy)
        gy += term * (b * dx + 2 * c * dy)
    value += K * ((x - CENTER[0]) ** 2 + (y - CENTER[1]) ** 2)
    gx += 2 * K * (x - CENTER[0])
    gy += 2 * K * (y - CENTER[1])
    return S * value, S * np.stack([gx, gy], axis=1)


class Chain:
    """R replicas of BAOAB or GHMC at step h (M = I)."""

    def __init__(self, scheme, h, q, rng):
        self.scheme, self.h, self.rng = scheme, h, rng
        self.decay = expm(-GAMMA * h)
        self.noise = np.real(sqrtm(KT * (np.eye(2) - self.decay @ self.decay.T)))
        self.q = q.copy()
        self.v = rng.normal(size=q.shape) * np.sqrt(KT)
        self.u, self.g = energy(self.q)
        self.accepted = self.proposed = 0

    def ornstein_uhlenbeck(self):
        self.v = self.v @ self.decay.T + self.rng.normal(size=self.v.shape) @ self.noise.T

    def step(self):
        h = self.h
        with np.errstate(all="ignore"):
            if self.scheme == "BAOAB":
                self.v = self.v - 0.5 * h * self.g
                self.q = self.q + 0.5 * h * self.v
                self.ornstein_uhlenbeck()
                self.q = self.q + 0.5 * h * self.v
                self.u, self.g = energy(self.q)
                self.v = self.v - 0.5 * h * self.g
                return
            self.ornstein_uhlenbeck()
            v = self.v - 0.5 * h * self.g
            q = self.q + h * v
            u, g = energy(q)
            v = v - 0.5 * h * g
            change = (u - self.u) + 0.5 * (v ** 2).sum(axis=1) - 0.5 * (self.v ** 2).sum(axis=1)
            accept = self.rng.random(len(q)) < np.exp(-np.nan_to_num(change, nan=np.inf) / KT)
            self.accepted += int(accept.sum())
            self.proposed += len(q)
            keep = accept[:, None]
            self.q = np.where(keep, q, self.q)
            self.v = np.where(keep, v, -self.v)
            self.u = np.where(accept, u, self.u)
            self.g = np.where(keep, g, self.g)

    def run(self, time):
        for _ in range(int(round(time / self.h))):
            self.step()


def exact_histogram():
    fine = [np.linspace(e[0], e[-1], 8 * (len(e) - 1) + 1) for e in EDGES]
    centres = [0.5 * (f[1:] + f[:-1]) for f in fine]
    X, Y = np.meshgrid(*centres, indexing="ij")
    w = np.exp(-energy(np.stack([X.ravel(), Y.ravel()], axis=1))[0] / KT).reshape(X.shape)
    counts = w.reshape(len(EDGES[0]) - 1, 8, len(EDGES[1]) - 1, 8).sum(axis=(1, 3))
    return counts / counts.sum()


def starts(replicas):
    return np.array(problems.P5_WELLS)[np.arange(replicas) % 3]


def equilibrium(scheme, h, replicas, seed):
    chain = Chain(scheme, h, starts(replicas), np.random.default_rng(seed))
    chain.run(200.0)
    samples = []
    for _ in range(400):
        chain.run(1.0)
        samples.append(chain.q.copy())
    samples = np.concatenate(samples)
    finite = np.isfinite(samples).all(axis=1)
    counts, _, _ = np.histogram2d(samples[finite, 0], samples[finite, 1], bins=EDGES)
    acceptance = chain.accepted / chain.proposed if chain.proposed else None
    return counts / counts.sum(), acceptance, 1 - finite.mean()


def dynamics(scheme, h, replicas, seed, horizon=20.0, every=0.2):
    """Mean path from the first well and the normalized ACF of x, y (equilibrated replicas), at lags 0..horizon."""
    rng = np.random.default_rng(seed)
    chain = Chain(scheme, h, np.tile(problems.P5_WELLS[0], (replicas, 1)), rng)
    path = [chain.q.mean(axis=0)]
    for _ in range(int(round(horizon / every))):
        chain.run(every)
        path.append(np.nanmean(chain.q, axis=0))
    chain = Chain(scheme, h, starts(replicas), rng)
    chain.run(200.0)
    start = chain.q.copy()
    mean, var = np.nanmean(start, axis=0), np.nanvar(start, axis=0)
    acf = [np.ones(2)]
    for _ in range(int(round(horizon / every))):
        chain.run(every)
        acf.append(np.nanmean((chain.q - mean) * (start - mean), axis=0) / var)
    return np.array(path), np.array(acf), np.sqrt(var)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=4000)
    parser.add_argument("--steps", type=float, nargs="+", default=[0.02, 0.1, 0.2])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    exact = exact_histogram()
    reference_path, reference_acf, sd = dynamics("BAOAB", 0.005, args.replicas, args.seed + 100)
    print("| scheme | step (ps) | TV against exp(-U/kT) | acceptance | non-finite replicas | max ACF diff | mean path (sd) |")
    print("|---|---|---|---|---|---|---|")
    for h in args.steps:
        for scheme in ("BAOAB", "GHMC"):
            histogram, acceptance, lost = equilibrium(scheme, h, args.replicas, args.seed)
            path, acf, _ = dynamics(scheme, h, args.replicas, args.seed)
            tv = 0.5 * np.abs(histogram - exact).sum()
            acf_diff = np.nanmax(np.abs(acf - reference_acf))
            path_diff = np.nanmax(np.abs(path - reference_path) / sd)
            accepted = "" if acceptance is None else f"{acceptance:.3f}"
            print(f"| {scheme} | {h:g} | {tv:.3f} | {accepted} | {lost:.1e} | {acf_diff:.3f} | {path_diff:.3f} |", flush=True)


if __name__ == "__main__":
    main()
