"""The mission in one script: a deterministic integrator with a large step turns small scales into noise.

(examples/p1_two_scales.py does the same with effpot.CoarseGrainer; this script shows the mechanism by hand.)

Problem P1 of docs/theory.md section 10: f(x) = x^2/2 + e1 sin(x/e1) + e2 sin(x/e2), e1 = 1e-2, e2 = 1e-4. DampedVerletIntegrator
runs the *deterministic* damped Stormer-Verlet scheme (temperature 0, no random numbers) at h = 0.3, which cannot
resolve either micro-scale. Their gradients act as noise, the momenta become Gaussian with

    kT = <p^2>/m  ~  h E[zeta^2] phi(gamma h) / (2 gamma),   E[zeta^2] = 1/2 + 1/2,   phi(x) = x / (e^x - 1)

(docs/theory.md section 4), and the positions sample exp(-f0/kT') with kT' the temperature of the drift velocity
v_(n+1/2) = exp(-gamma h/2) v_n + (h/2) F/m: Boltzmann inversion recovers f0 = x^2/2.

    python examples/effective_noise_1d.py [-o OUTDIR] [--replicas 400] [--steps 20000] [--platform CPU]

Writes OUTDIR/effective_noise_1d.png and OUTDIR/effective_noise_1d.json (numbers below), atomically.
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np
import openmm as mm
from scipy import stats

import effpot
from effpot.coarse_graining import problems


def atomic_write(path, write):
    """Write through a temporary file in the same folder, then rename: a crash never leaves half a file."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.splitext(path)[1])
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def run(replicas, steps, h, gamma, platform_name, seed, sample_every=10, burn_in=1000):
    system = mm.System()
    force = mm.CustomExternalForce(problems.p1())  # depends on x only; y and z stay inert
    for i in range(replicas):
        system.addParticle(1.0)
        force.addParticle(i, [])
    system.addForce(force)
    integrator = effpot.DampedVerletIntegrator(h)
    for i in range(replicas):
        integrator.addBlock([i], np.eye(3), gamma * np.eye(3))  # M = m I, Gamma = gamma M
    context = mm.Context(system, integrator, mm.Platform.getPlatformByName(platform_name))
    rng = np.random.default_rng(seed)
    context.setPositions(np.column_stack([rng.uniform(-1.5, 1.5, replicas), np.zeros((replicas, 2))]))
    integrator.step(burn_in)
    positions, momenta, drift = [], [], []
    decay = np.exp(-0.5 * gamma * h)
    for _ in range(steps // sample_every):
        integrator.step(sample_every)
        state = context.getState(getPositions=True, getVelocities=True, getForces=True)
        v = state.getVelocities(asNumpy=True)._value[:, 0]
        f = state.getForces(asNumpy=True)._value[:, 0]
        positions.append(state.getPositions(asNumpy=True)._value[:, 0].copy())
        momenta.append(v.copy())
        drift.append(decay * v + 0.5 * h * f)  # the velocity of the next drift: what moves the positions
    return np.array(positions), np.array(momenta), np.array(drift)


def boltzmann_inversion(x, kt, bins=120):
    counts, edges = np.histogram(x, bins=bins)
    centers = 0.5 * (edges[1:] + edges[:-1])
    keep = counts >= 50  # Var(log n) ~ 1/n: only well-sampled bins
    density = counts[keep] / (counts.sum() * (edges[1] - edges[0]))
    return centers[keep], -kt * np.log(density), kt / np.sqrt(counts[keep])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", default="out", help="output folder (created if needed)")
    parser.add_argument("--replicas", type=int, default=400)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--step-size", type=float, default=0.3, help="h in ps")
    parser.add_argument("--friction", type=float, default=0.6, help="gamma in 1/ps")
    parser.add_argument("--platform", default="CPU")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)

    start = time.perf_counter()
    x, p, drift = run(args.replicas, args.steps, args.step_size, args.friction, args.platform, args.seed)
    elapsed = time.perf_counter() - start
    h, gamma = args.step_size, args.friction
    kt = float(np.mean(p ** 2))
    gh = gamma * h
    predicted = h * 1.0 * (gh / np.expm1(gh)) / (2 * gamma)
    # Replicas are independent: the standard error of kT from per-replica means.
    kt_error = float(np.std(np.mean(p ** 2, axis=0), ddof=1) / np.sqrt(args.replicas))
    # Momentum normality on thinned samples (every 10th sample of each replica: ~ 1 relaxation time apart).
    thinned = (p[::10] / np.sqrt(kt)).ravel()
    skewness, kurtosis = float(stats.skew(thinned)), float(stats.kurtosis(thinned))

    # The positions see the temperature of the drift momenta, O(h^2) above the full-step one (docs/coarse-graining.md).
    kt_drift = float(np.mean(drift ** 2))
    centers, learned, stderr = boltzmann_inversion(x.ravel(), kt_drift)
    reference = centers ** 2 / 2
    region = reference <= 3 * kt_drift  # the accuracy metric of docs/theory.md section 10: within 3 kT of the minimum, mean difference removed
    difference = learned[region] - reference[region]
    rmse = float(np.sqrt(np.mean((difference - difference.mean()) ** 2)) / kt_drift)

    result = dict(problem="P1", step_size=h, friction=gamma, replicas=args.replicas, steps=args.steps,
                  platform=args.platform, seed=args.seed, kT=kt, kT_standard_error=kt_error, kT_predicted=predicted,
                  kT_drift=kt_drift, variance_of_x=float(np.var(x)), momentum_skewness=skewness, momentum_excess_kurtosis=kurtosis, rmse_vs_f0_in_kT=rmse,
                  seconds=elapsed, openmm=mm.version.full_version, effpot=effpot.__version__)
    print(f"P1 at h = {h}, gamma = {gamma}: {args.replicas} replicas x {args.steps} steps on {args.platform} "
          f"in {elapsed:.1f} s")
    print(f"  kT = <p^2>/m = {kt:.4f} +- {kt_error:.4f}   (docs/theory.md section 4 prediction: {predicted:.4f})")
    print(f"  momentum skewness {skewness:+.3f}, excess kurtosis {kurtosis:+.3f}   (Gaussian: 0, 0)")
    print(f"  drift temperature {kt_drift:.4f}, Var(x) = {np.var(x):.4f} (equal for f0 = x^2/2)")
    print(f"  -kT log rho vs f0 = x^2/2: RMSE {rmse:.3f} kT ({rmse * kt_drift:.3f} kJ/mol) over f0 <= 3 kT")

    atomic_write(os.path.join(args.output, "effective_noise_1d.json"),
                 lambda path: open(path, "w").write(json.dumps(result, indent=1) + "\n"))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (matplotlib not installed: no figure)", file=sys.stderr)
        return result
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    shift = np.mean(difference)
    left.plot(centers, centers ** 2 / 2, "k-", lw=1.5, label=r"coarse part $f_0 = x^2/2$")
    left.fill_between(centers, learned - shift - 2 * stderr, learned - shift + 2 * stderr, color="C0", alpha=0.3,
                      label=r"$\pm 2$ standard errors")
    left.plot(centers, learned - shift, "C0.", ms=3, label=r"learned $-kT\log\rho$")
    left.axhline(3 * kt_drift, color="gray", ls=":", lw=1, label=r"$3\,kT$: accuracy region")
    left.set_xlabel("x (nm)")
    left.set_ylabel("energy (kJ/mol)")
    left.set_title(f"Effective potential at h = {h} ps (RMSE {rmse:.3f} kT)")
    left.legend(fontsize=8)
    grid = np.linspace(-4, 4, 200)
    right.hist(thinned, bins=80, density=True, color="C1", alpha=0.6, label="momenta / sqrt(kT)")
    right.plot(grid, stats.norm.pdf(grid), "k-", lw=1.2, label="N(0, 1)")
    right.set_xlabel(r"$p/\sqrt{m\,kT}$")
    right.set_ylabel("density")
    right.set_title(f"Deterministic run, Gaussian momenta: kT = {kt:.3f}")
    right.legend(fontsize=8)
    figure.tight_layout()
    atomic_write(os.path.join(args.output, "effective_noise_1d.png"), lambda path: figure.savefig(path, dpi=110))
    print(f"  wrote {os.path.join(args.output, 'effective_noise_1d.png')}")
    return result


if __name__ == "__main__":
    main()
