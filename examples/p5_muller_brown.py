"""P5 (docs/theory.md section 10): the modified Muller-Brown surface with a micro-scale.

    f = s (V_MB + k |q - q_c|^2) + A e [sin(x/e) + 2 sin(y/e) + sin((x+y)/e)],  s = 0.05, k = 40, e = 1e-5, A = 5

At h = 0.02 the micro-scale is effective noise with D = (h/2) A^2 [[2, 1], [1, 5]]. Replicas start in all three
wells. Targets: D within 3% with a calibrated interval, RMSE of U vs the coarse part at most 0.06 kT.

    python examples/p5_muller_brown.py [-o out/p5] [--platform Reference]
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


def learn(platform="Reference", replicas=300, steps=20000, stage2_steps=40000, progress=True, seed=1):
    """Learn P5 with the reference settings (docs/theory.md section 10); returns (potential, seconds)."""
    h = 0.02
    cg = effpot.CoarseGrainer(problems.p5(), 2)
    cg.setStepSize(h)
    cg.setFriction(1.0)
    cg.setNumReplicas(replicas)
    cg.setNumSteps(steps)
    cg.setNumStage2Steps(stage2_steps)
    # Well populations relax by barrier crossings, slower than momenta: 200 ps of equilibration (10 000 steps).
    cg.setNumEquilibrationSteps(10000)
    cg.setRandomSeed(seed)
    wells = np.array(problems.P5_WELLS)
    rng = np.random.default_rng(seed)
    cg.setInitialPositions(wells[np.arange(replicas) % 3] + 0.05 * rng.normal(size=(replicas, 2)))
    start = time.perf_counter()
    potential = cg.run(platform=platform, progress=progress)
    return potential, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", default="out/p5")
    parser.add_argument("--platform", default="Reference")
    args = parser.parse_args(argv)
    folder = output_folder(args.output)
    potential, elapsed = learn(args.platform)
    d = potential.diagnostics
    rounds, passes = int(d.get("stage1.rounds", 1)), int(d.get("stage2.refinements", 0))
    print(f"P5 at h = 0.02: Stage 1 {rounds} round{'s' * (rounds > 1)} of 3 designs x 300 replicas x 2e4 steps, "
          f"Stage 2 {1 + passes} pass{'es' * (passes > 0)} of 300 x 4e4, {elapsed:.1f} s")
    relative, inside = report_noise(potential, problems.p5_noise_covariance(0.02))
    axes = [np.linspace(-1.6, 1.2, 141), np.linspace(-0.5, 2.1, 131)]
    rmse = rmse_in_kt(potential, problems.p5_coarse_values, axes)
    print(f"  kT = {potential.kT:.4f} (kinetic {potential.diagnostics['kT.kinetic']:.4f}); "
          f"RMSE of U vs the coarse part: {rmse:.3f} kT (target 0.06)")
    potential.save(os.path.join(folder, "p5.effpot"))
    potential_2d(potential, problems.p5_coarse_values, os.path.join(folder, "p5.png"),
                 title=f"P5 (Muller-Brown) at h = 0.02: RMSE {rmse:.3f} kT, D within {100 * relative:.1f}%")
    write_json(os.path.join(folder, "p5.json"), dict(rmse_kT=rmse, noise_relative_error=relative,
               noise_inside_3_sigma=inside, D=potential.noiseCovariance, D_error=potential.noiseCovarianceError,
               kT=potential.kT, seconds=elapsed, diagnostics=potential.diagnostics))
    return rmse, relative


if __name__ == "__main__":
    main()
