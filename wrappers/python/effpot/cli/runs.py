"""The runs behind ``effpot learn`` and ``effpot compare``, driven by a validated configuration (effpot.cli.config):
the CoarseGrainer of [model], [run] and [learn], and the comparisons of [compare]."""
import time

import numpy as np

from .. import effpot_swig as _swig
from ..coarse_graining.analysis import rmse_in_kt
from ..coarse_graining.grainer import CoarseGrainer
from ..surrogates.comparison import ComparisonSettings, compare


def coarse_grainer(config):
    """A CoarseGrainer with every setting of [model], [run] and [learn]; omitted keys keep their defaults."""
    model, run, learn = config["model"], config.get("run", {}), config["learn"]
    d = model["dimensions"]
    cg = CoarseGrainer(model["energy"], d)
    cg.setStepSize(learn["step_size"])
    cg.setFriction(learn.get("friction", "auto"))
    setters = {"mass": cg.setMass, "target_kT": cg.setTargetKT, "replicas": cg.setNumReplicas,
               "steps": cg.setNumSteps, "stage2_steps": cg.setNumStage2Steps,
               "equilibration_steps": cg.setNumEquilibrationSteps, "sample_interval": cg.setSampleInterval,
               "batches": cg.setNumBatches, "grid_bins": cg.setGridBins,
               "allow_non_gaussian": cg.setAllowNonGaussian, "restart_frozen_replicas": cg.setRestartFrozenReplicas}
    for key, setter in setters.items():
        if key in learn:
            setter(learn[key])
    if "stage2_steps" not in learn and "steps" in learn:
        cg.setNumStage2Steps(learn["steps"])
    if "grid_lower" in learn:
        cg.setGridBox(learn["grid_lower"], learn["grid_upper"])
    seed = run.get("seed", 1)
    cg.setRandomSeed(seed)
    if run.get("threads", 0) > 0:
        cg.setNumThreads(run["threads"])
    if "starts" in learn:
        cg.setInitialPositions(starting_points(learn["starts"], learn.get("start_spread", 0.05),
                                               cg.getNumReplicas(), seed))
    return cg


def starting_points(starts, spread, count, seed):
    """count points cycling through `starts`, each with a Gaussian spread (nm)."""
    starts = np.asarray(starts, dtype=float)
    rng = np.random.default_rng(seed)
    return starts[np.arange(count) % len(starts)] + spread * rng.normal(size=(count, starts.shape[1]))


def coarse_values(config):
    """A callable evaluating [model] coarse_energy at N x d points, or None."""
    model = config["model"]
    if "coarse_energy" not in model:
        return None
    energy, d = model["coarse_energy"], model["dimensions"]

    def values(points):
        points = np.asarray(points, dtype=float).reshape(-1, d)
        return np.array(_swig.evaluateEnergyExpression(energy, d, points.ravel().tolist()))
    return values


def learn(config, progress=False, executor=None, checkpoint=None):
    """Run the coarse-graining of a configuration; returns (potential, summary dict). `executor` and `checkpoint`
    go to CoarseGrainer.run (docs/distributed.md)."""
    cg = coarse_grainer(config)
    start = time.perf_counter()
    potential = cg.run(platform=config.get("run", {}).get("platform", "Reference"), progress=progress,
                       executor=executor, checkpoint=checkpoint)
    seconds = time.perf_counter() - start
    diagnostics = potential.diagnostics
    summary = {
        "kT": potential.kT,
        "kT_kinetic": diagnostics.get("kT.kinetic"),
        "noise_covariance": potential.noiseCovariance.tolist(),
        "noise_covariance_error": potential.noiseCovarianceError.tolist(),
        "seconds": seconds,
    }
    reference = coarse_values(config)
    if reference is not None:
        axes, _, _, _ = potential.grid()
        summary["rmse_kT"] = rmse_in_kt(potential, reference, axes)
    return potential, summary


def comparison_settings(config):
    """ComparisonSettings from [compare], with the starts, seed, platform and threads of the run."""
    learn, run = config["learn"], config.get("run", {})
    d = config["model"]["dimensions"]
    values = dict(config.get("compare", {}))
    values["starts"] = learn.get("starts", [[0.0] * d])
    values.setdefault("mean_path_spread", learn.get("start_spread", 0.05))
    values["start_spread"] = learn.get("start_spread", 0.05)
    values["seed"] = run.get("seed", 1) + 1  # comparison runs are independent of the learning runs
    values["platform"] = run.get("platform", "Reference")
    if run.get("threads", 0) > 0:
        values["threads"] = run["threads"]
    return ComparisonSettings(**values)


def run_comparisons(config, potential, progress=None, executor=None):
    """The docs/theory.md section 8 comparisons for a learned potential; returns (metrics, curves, seconds)."""
    start = time.perf_counter()
    metrics, curves = compare(potential, comparison_settings(config), energy=config["model"]["energy"],
                              progress=progress, executor=executor)
    return metrics, curves, time.perf_counter() - start
