"""P4 (docs/theory.md section 10): a 2D quadratic with an anisotropic micro-scale.

    f = (x^2 + y^2)/2 + e [a sin(x/e) + b sin(y/e) + c sin((x+y)/e)],  a = 1, b = 2, c = 1, e = 1e-3

At h = 0.1 the micro-scale is effective noise of covariance D = (h/2) [[a^2+c^2, c^2], [c^2, b^2+c^2]]: scalar
friction would give a non-Gibbs law, so Stage 1 estimates D and Stage 2 calibrates Gamma = D / (2 kT*).
Targets: D within 3% with a calibrated interval, RMSE of U vs (x^2+y^2)/2 at most 0.05 kT.

    python examples/p4_anisotropic_noise.py [-o out/p4] [--platform Reference]
"""
import argparse
import os
import time

import numpy as np

import effpot
from effpot.coarse_graining import problems
from effpot.coarse_graining.analysis import rmse_in_kt
from effpot.cli.figures import potential_2d
from _common import output_folder, report_noise, write_json


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", default="out/p4")
    parser.add_argument("--platform", default="Reference")
    parser.add_argument("--replicas", type=int, default=300)
    parser.add_argument("--steps", type=int, default=40000)
    args = parser.parse_args(argv)
    folder = output_folder(args.output)
    h = 0.1
    cg = effpot.CoarseGrainer(problems.p4(), 2)
    cg.setStepSize(h)
    cg.setFriction(0.5)
    cg.setNumReplicas(args.replicas)
    cg.setNumSteps(args.steps)
    start = time.perf_counter()
    potential = cg.run(platform=args.platform, progress=True)
    elapsed = time.perf_counter() - start
    print(f"P4 at h = {h}: {args.replicas} replicas, {args.steps} steps per run, {elapsed:.1f} s on {args.platform}")
    relative, inside = report_noise(potential, problems.p4_noise_covariance(h))
    axes = [np.linspace(-2.5, 2.5, 101)] * 2
    rmse = rmse_in_kt(potential, lambda p: (p ** 2).sum(axis=1) / 2, axes)
    d = potential.diagnostics
    print(f"  Stage 2: <p p^T>/kT* = [[{d['stage2.ppT_over_targetKT.xx']:.3f}, {d['stage2.ppT_over_targetKT.xy']:.3f}], "
          f"[{d['stage2.ppT_over_targetKT.yx']:.3f}, {d['stage2.ppT_over_targetKT.yy']:.3f}]]")
    print(f"  RMSE of U vs (x^2+y^2)/2: {rmse:.3f} kT (target 0.05)")
    potential.save(os.path.join(folder, "p4.effpot"))
    potential_2d(potential, lambda p: (p ** 2).sum(axis=1) / 2, os.path.join(folder, "p4.png"),
                 title=f"P4 at h = {h}: RMSE {rmse:.3f} kT, D within {100 * relative:.1f}%")
    write_json(os.path.join(folder, "p4.json"), dict(rmse_kT=rmse, noise_relative_error=relative,
               noise_inside_3_sigma=inside, D=potential.noiseCovariance, D_error=potential.noiseCovarianceError,
               kT=potential.kT, seconds=elapsed, diagnostics=d))
    return rmse, relative


if __name__ == "__main__":
    main()
