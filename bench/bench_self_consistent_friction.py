"""An experiment, not in the product: does one more Stage 2 round, with the friction recomputed from the noise the
calibrated dynamics actually makes, put the full model at one temperature in every direction?

Stage 2 sets M = I and Gamma = D / (2 kT*) from Stage 1's D (docs/theory.md section 5). On an unseen coupled 3D
quadratic (docs/comparisons.md, "A temperature that differs between directions") the full model then runs at a
kinetic kT of 1.005, 0.978 and 1.007 per direction: the micro-scale's noise under those dynamics is not quite the D
Stage 1 measured under its designed mass matrices. This script takes a learned potential (its calibration: step,
kT, Gamma), runs its full model (the deterministic damped scheme, effpot.simulation "referenceLangevin"), measures
Cov(v), takes the noise those dynamics realise from the stationary balance D_eff = Gamma Cov(v) + Cov(v) Gamma
(M = I; exact to O(gamma h)), sets Gamma' = D_eff / (2 kT), and measures Cov(v) again with Gamma'.

    .venv/bin/effpot learn CONFIG.toml -o DIR
    .venv/bin/python bench/bench_self_consistent_friction.py DIR/effective_potential.xml [--replicas 4000]
"""
import argparse
import re

import numpy as np

import effpot


def velocity_covariance(xml, replicas, seed):
    potential = effpot.EffectivePotential.fromXml(xml)
    models = effpot.SurrogateModels(potential)
    d = potential.dimensions
    simulation = effpot.simulation(models, "referenceLangevin", replicas, platform="CPU", seed=seed)
    simulation.step(5000)
    batches = []
    for _ in range(10):  # ten blocks of 100 samples, for the standard error
        total = np.zeros((d, d))
        for _ in range(100):
            simulation.step(10)
            v = simulation.context.getState(getVelocities=True).getVelocities(asNumpy=True)._value[:, :d]
            total += v.T @ v / len(v)
        batches.append(total / 100)
    batches = np.array(batches)
    return models.frictionMatrix, models.kT, batches.mean(axis=0), batches.std(axis=0, ddof=1) / np.sqrt(len(batches))


def with_friction(xml, gamma):
    """The potential's XML with its calibration's friction replaced (row-major values, every digit)."""
    values = "".join(f'<Value v="{float(g)!r}"/>' for g in np.ravel(gamma))
    return re.sub(r"<Friction>.*?</Friction>", f"<Friction>{values}</Friction>", xml, count=1, flags=re.S)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("potential")
    parser.add_argument("--replicas", type=int, default=4000)
    args = parser.parse_args()
    xml = open(args.potential).read()
    gamma, kT, cov, error = velocity_covariance(xml, args.replicas, seed=5)
    print(f"kT of the learned law {kT:.4f}")
    print("Stage 2's Gamma: Cov(v) diagonal", np.round(np.diag(cov), 4), "+-", np.round(np.diag(error), 4))
    realised = gamma @ cov + cov @ gamma
    gamma2 = realised / (2 * kT)
    print("Gamma diagonal", np.round(np.diag(gamma), 4), "->", np.round(np.diag(gamma2), 4))
    _, _, cov2, error2 = velocity_covariance(with_friction(xml, gamma2), args.replicas, seed=6)
    print("Gamma from the realised noise: Cov(v) diagonal", np.round(np.diag(cov2), 4), "+-", np.round(np.diag(error2), 4))


if __name__ == "__main__":
    main()
