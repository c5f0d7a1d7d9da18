"""The runs behind ``effpot learn`` and ``effpot compare``, driven by a validated configuration (effpot.cli.config):
the CoarseGrainer of [model], [run] and [learn], and the comparisons of [compare]."""
import time

import numpy as np

from .. import effpot_swig as _swig
from ..coarse_graining.analysis import evaluation_axes, rmse_in_kt
from ..coarse_graining.grainer import CoarseGrainer
from ..surrogates.comparison import ComparisonSettings, compare
from .report import notes


# Each [learn] and [run] key that is a setting is one CoarseGrainingSettings field, as C++ lists them
# (CoarseGrainingSettings::visitFields; docs/cli.md); an omitted key keeps the field's C++ default, the one default
# there is (e.g. stage2_steps: numStage2Steps = 0, twice steps).
_DESCRIPTIONS = _swig.CoarseGrainingSettings.describe()
LEARN_FIELDS = {d.key: d.field for d in _DESCRIPTIONS if d.section == "learn"}
RUN_FIELDS = {d.key: d.field for d in _DESCRIPTIONS if d.section == "run"}
# [learn] starts and start_spread make one field together: initialPositions (starting_points below).
# [run] platform and [model] are not settings: where the runs go, and what is coarse-grained.


def settings_from_config(config, settings):
    """`settings` (a CoarseGrainingSettings) with every key of [learn] and [run] applied: the one place where the
    configuration becomes settings."""
    learn, run = config["learn"], config.get("run", {})
    for key, value in learn.items():
        if key in LEARN_FIELDS:
            setattr(settings, LEARN_FIELDS[key], 0.0 if value == "auto" else value)  # friction 0: automatic
    for key, value in run.items():
        if key in RUN_FIELDS:
            setattr(settings, RUN_FIELDS[key], value)
    if "starts" in learn:
        settings.initialPositions = starting_points(learn["starts"], learn.get("start_spread", 0.05),
                                                    settings.numReplicas, settings.randomSeed).ravel().tolist()
    return settings


def coarse_grainer(config):
    """A CoarseGrainer with every setting of [model], [run] and [learn]; omitted keys keep their defaults."""
    model = config["model"]
    cg = CoarseGrainer(model["energy"], model["dimensions"])
    cg.setSettings(settings_from_config(config, cg.settings))
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
    # The drift temperature along each eigendirection of Stage 2's friction (2D/3D): kT* in each when the
    # calibration is right; a spread between them goes into U's curvature (docs/comparisons.md).
    directions = [diagnostics[key] for key in (f"stage2.driftKT.direction{m}" for m in range(potential.dimensions))
                  if key in diagnostics]
    if directions:
        summary["kT_drift_directions"] = directions
    # Stage 2's refinement passes (docs/theory.md section 5), with the drift kT the first one corrected.
    if "stage2.refinements" in diagnostics:
        summary["stage2_refinements"] = int(diagnostics["stage2.refinements"])
        before = [diagnostics[key] for key in (f"stage2.refinement0.driftKT.direction{m}" for m in range(potential.dimensions))
                  if key in diagnostics]
        if before:
            summary["kT_drift_directions_before_refinement"] = before
    # The library's notes (resolutionWarning, stage1Precision, stage1Rounds, ...), for the command to print; result.json
    # keeps them in its diagnostics (report.learning_result leaves this copy out).
    summary["notes"] = notes(diagnostics)
    reference = coarse_values(config)
    if reference is not None:
        summary["rmse_kT"] = rmse_in_kt(potential, reference, evaluation_axes(potential))
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
