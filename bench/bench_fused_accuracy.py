"""Does the fused replica step sample as accurately as OpenMM's generic path? (issue 8: "at the same accuracy")

The scheme is chaotic, so two force paths that agree to round-off give different sample paths; the question is
whether their statistics scatter as their own error bars say. Two checks, each over many seeds per path:

1. Pair design (P4, h = 0.1, gamma = 0.5, M^-1 = [[1, 0.5], [0.5, 1]], 512 replicas, 2000 steps to equilibrate,
   1500 samples 10 steps apart): <p^T A p> against its exact value 0.390 (docs/theory.md section 5). Per seed, z = (mean -
   0.390) / (spread over replicas / sqrt(R)); replicas are independent, so z should be N(0, 1) for every path.
   Paths: "fused" (ReplicaExpressionForce, the fused batched step), "unfused" (the same force plus a zero
   CustomExternalForce, which disables fusing), "custom" (CustomExternalForce).
2. P4's noise covariance D from CoarseGrainer (300 replicas x 4e4 steps per stage), z-scores of (xx, xy, yy) against
   the exact D with the reported standard errors, ReplicaExpressionForce against CustomExternalForce.

Usage:

    python bench/bench_fused_accuracy.py [--seeds 100 130] [--d-seeds 10 30]
"""
import argparse

import numpy as np
import openmm as mm

import effpot
from effpot.coarse_graining import problems

R, H, GAMMA, EXACT = 512, 0.1, 0.5, 0.390


def pair_design(kind, seed):
    """Per-replica time averages of p^T A p for one seed."""
    energy = problems.p4()
    system = mm.System()
    for _ in range(R):
        system.addParticle(1.0)
    if kind == "custom":
        force = mm.CustomExternalForce(energy)
        for i in range(R):
            force.addParticle(i, [])
        system.addForce(force)
    else:
        force = effpot.ReplicaExpressionForce(energy)
        force.addParticles(range(R))
        system.addForce(force)
        if kind == "unfused":
            system.addForce(mm.CustomExternalForce("0"))
    integrator = effpot.DampedVerletIntegrator(H)
    design = np.array([[1.0, 0.5], [0.5, 1.0]])
    mass = np.eye(3)
    mass[:2, :2] = np.linalg.inv(design)
    friction = np.zeros((3, 3))
    friction[:2, :2] = GAMMA * mass[:2, :2]
    for i in range(R):
        integrator.addBlock([i], mass, friction)
    context = mm.Context(system, integrator, mm.Platform.getPlatformByName("Reference"))
    rng = np.random.default_rng(seed)
    q = np.zeros((R, 3))
    q[:, :2] = rng.normal(size=(R, 2))
    v = np.zeros((R, 3))
    v[:, :2] = rng.normal(size=(R, 2)) * 0.4
    context.setPositions(q)
    context.setVelocities(v)
    integrator.step(2000)
    total = np.zeros(R)
    for _ in range(1500):
        integrator.step(10)
        velocities = context.getState(getVelocities=True).getVelocities(asNumpy=True)._value[:, :2]
        p = velocities @ mass[:2, :2].T
        total += np.einsum("ri,ij,rj->r", p, design, p)
    return total / 1500


def noise_covariance_z(custom, seed):
    cg = effpot.CoarseGrainer(problems.p4(), 2)
    cg.setStepSize(0.1)
    cg.setFriction(0.5)
    cg.setNumReplicas(300)
    cg.setNumSteps(40000)
    cg.setNumStage2Steps(40000)
    cg.setRandomSeed(seed)
    cg.setInitialPositions(np.random.default_rng(seed).normal(size=(300, 2)))
    cg.setUseCustomExternalForce(custom)
    potential = cg.run()
    true = np.array(problems.p4_noise_covariance(0.1))
    z = (np.array(potential.noiseCovariance) - true) / np.array(potential.noiseCovarianceError)
    return z.ravel()[[0, 1, 3]], np.linalg.norm(potential.noiseCovariance - true) / np.linalg.norm(true)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs=2, default=[100, 130], help="pair-design seeds [first, end)")
    parser.add_argument("--d-seeds", type=int, nargs=2, default=[10, 30], help="CoarseGrainer seeds [first, end)")
    args = parser.parse_args()
    print(f"1. pair design, <p^T A p> (exact {EXACT}), seeds {args.seeds[0]}-{args.seeds[1] - 1}")
    print("| path | mean over seeds | seed-to-seed sd | sd expected from replicas | mean z | var z |")
    print("|---|---|---|---|---|---|")
    for kind in ("fused", "unfused", "custom"):
        means, expected, z = [], [], []
        for seed in range(*args.seeds):
            per_replica = pair_design(kind, seed)
            error = per_replica.std(ddof=1) / np.sqrt(R)
            means.append(per_replica.mean())
            expected.append(error)
            z.append((per_replica.mean() - EXACT) / error)
        means, z = np.array(means), np.array(z)
        print(f"| {kind} | {means.mean():.5f} | {means.std(ddof=1):.5f} | {np.mean(expected):.5f} | "
              f"{z.mean():+.2f} | {z.var(ddof=1):.2f} |", flush=True)
    print(f"\n2. P4 noise covariance D, seeds {args.d_seeds[0]}-{args.d_seeds[1] - 1}")
    print("| force | mean relative error | mean abs z | var z | abs z > 3 |")
    print("|---|---|---|---|---|")
    for custom in (False, True):
        results = [noise_covariance_z(custom, seed) for seed in range(*args.d_seeds)]
        z = np.array([r[0] for r in results])
        errors = [r[1] for r in results]
        name = "CustomExternalForce" if custom else "ReplicaExpressionForce (fused)"
        print(f"| {name} | {100 * np.mean(errors):.2f}% | {np.abs(z).mean():.2f} | {z.var():.2f} | "
              f"{int((np.abs(z) > 3).sum())} of {z.size} |", flush=True)


if __name__ == "__main__":
    main()
