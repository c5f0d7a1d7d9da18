"""``effpot scan`` (docs/cli.md, docs/scale-scan.md): its [scan] configuration, the run and what it writes.

    effpot scan CONFIG.toml -o DIR     the scale scan: figures, scan.json, one learn configuration per level
"""
import math
import os
import shutil
import time

from ..coarse_graining.scale_scan import ScaleScan
from ..shared.files import atomic_write_text
from . import config as config_module
from . import figures, toml_writer
from .output import finish_output, prepare_output, progress_reporter, worker_executor
from .report import versions, write_json

#: [scan] keys: kind, check, description (kinds as in effpot.cli.config, plus "steps" and "range").
SCAN_SCHEMA = {
    "step_sizes": ("steps", None, "the step sizes to scan in ps, a list of distinct positive numbers"),
    "step_size_range": ("range", None, "[smallest, largest, count]: count step sizes log-spaced (ps)"),
    "friction_factor": ("float", lambda v: v > 0, "gamma = factor * h, in 1/ps^2 (default 2)"),
    "replicas": ("int", lambda v: v >= 2, "replicas per step size (default 100)"),
    "steps": ("int", lambda v: v > 0, "sampling steps per step size (default 20000)"),
    "equilibration_steps": ("int", lambda v: v >= 0, "steps before sampling"),
    "max_transient_weight": ("float", lambda v: 0 < v <= 1, "the largest share of the starts' excess energy a "
                             "Gaussian run's averages may keep (default 0.05: 20 relaxation times)"),
    "initial_lower": ("floats", None, "lower corner of the box the replicas start in (nm; default -1)"),
    "initial_upper": ("floats", None, "upper corner of that box (nm; default 1)"),
}

DEFAULT_STEP_RANGE = (0.005, 1.0, 14)


def _significant(value, digits=3):
    """value rounded to `digits` significant digits (for the written configurations)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def load_scan_config(path):
    """Read a scan configuration: [model] and [run] as for learn, [scan] (SCAN_SCHEMA), and an optional [learn]
    whose keys the written level configurations keep (step_size is the scan's to choose)."""
    path = os.fspath(path)
    data = config_module.read_toml(path)
    scan = data.pop("scan", {})
    if not isinstance(scan, dict):
        raise config_module.ConfigError(f"{path}: [scan] must be a table of keys")
    learn = data.setdefault("learn", {})
    if isinstance(learn, dict) and "step_size" in learn:
        raise config_module.ConfigError(f"{path}: [learn] step_size is chosen by the scan: remove it")
    if isinstance(learn, dict):
        learn["step_size"] = 1.0  # a placeholder, so that [learn] is checked like a learn configuration
    config = config_module.validate(data, path)
    del config["learn"]["step_size"]
    d = config["model"]["dimensions"]
    for key, value in scan.items():
        if key not in SCAN_SCHEMA:
            raise config_module.ConfigError(
                f"{path}: unknown key '{key}' in [scan]{config_module.suggest(key, list(SCAN_SCHEMA))} "
                f"(known: {', '.join(SCAN_SCHEMA)})")
        kind, check, description = SCAN_SCHEMA[key]
        where = f"{path}: [scan] {key}"
        if kind == "steps":
            if not isinstance(value, list) or not value or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in value):
                raise config_module.ConfigError(f"{where} must be a non-empty list of positive numbers, got {value!r}")
            scan[key] = [float(v) for v in value]
            # A repeated step would be scanned twice (two points for one h) or, as tasks (--workers,
            # --checkpoint), fail with "tasks: keys must be unique".
            seen = set()
            for v in scan[key]:
                if v in seen:
                    raise config_module.ConfigError(f"{where} lists the step size {v:.15g} more than once: give each "
                                                    "step size once")
                seen.add(v)
        elif kind == "range":
            # The same bounds as ScaleScan.setStepSizeRange, checked before the list is built (a count of 1e8
            # took 28 s to fail with a MemoryError).
            if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, (int, float)) for v in value)
                    and isinstance(value[2], int) and not isinstance(value[2], bool) and 0 < value[0] < value[1]
                    and math.isfinite(value[1]) and 2 <= value[2] <= 100000):
                raise config_module.ConfigError(f"{where} must be [smallest, largest, count] with 0 < smallest < "
                                                f"largest (finite) and an integer count from 2 to 100000, got {value!r}")
        else:
            config_module.check_value(where, kind, value, d)
            if kind == "float":
                scan[key] = value = float(value)
            if check is not None and not check(value):
                raise config_module.ConfigError(f"{where} is out of range: {value!r} ({description})")
    if "step_sizes" in scan and "step_size_range" in scan:
        raise config_module.ConfigError(f"{path}: [scan] give step_sizes or step_size_range, not both")
    # Each step's friction is friction_factor * h: a step of 1e308 ps overflowed it, and the error then named
    # CoarseGrainer.setFriction, a call the user never made.
    largest = max(scan_step_sizes(scan))
    factor = scan.get("friction_factor", 2.0)
    if not math.isfinite(largest * factor) or largest > 1e6:
        raise config_module.ConfigError(f"{path}: [scan] the largest step size, {largest:g} ps, is beyond what a scan "
                                        "can run (at most 1e6 ps, with a finite friction_factor * h)")
    if ("initial_lower" in scan) != ("initial_upper" in scan):
        raise config_module.ConfigError(f"{path}: [scan] initial_lower and initial_upper go together")
    config["scan"] = scan
    return config


def scan_step_sizes(scan):
    if "step_sizes" in scan:
        return list(scan["step_sizes"])
    smallest, largest, count = scan.get("step_size_range", DEFAULT_STEP_RANGE)
    return [smallest * (largest / smallest) ** (i / (count - 1)) for i in range(count)]


def run_scan(config, progress=None, executor=None, checkpoint=None):
    """Run the ScaleScan of a scan configuration; returns (points, levels, seconds). With an executor or a
    checkpoint folder each step size is a task (ScaleScan.run), and `progress(stage, done, total)` hears of each."""
    model, run, scan = config["model"], config.get("run", {}), config["scan"]
    d = model["dimensions"]
    scanner = ScaleScan(model["energy"], d)
    scanner.setStepSizes(scan_step_sizes(scan))
    setters = {"friction_factor": scanner.setFrictionFactor, "replicas": scanner.setNumReplicas,
               "steps": scanner.setNumSteps, "equilibration_steps": scanner.setNumEquilibrationSteps,
               "max_transient_weight": scanner.setMaxTransientWeight}
    for key, setter in setters.items():
        if key in scan:
            setter(scan[key])
    if "initial_lower" in scan:
        scanner.setInitialBox(scan["initial_lower"], scan["initial_upper"])
    scanner.setRandomSeed(run.get("seed", 1))
    # The levels' large-step edges are judged at the temperature the level configurations will learn at: [learn]
    # target_kT where given, else the scan's own kT (what level_config writes), which needs no second runs.
    scanner.setTargetKT(scan_target_kt(config))
    start = time.perf_counter()
    # Always the task walk (in this process without an executor): a step size at a time, with progress, and Ctrl-C
    # or SIGTERM heard within a second (the single C++ call took up to 9 s to stop, and showed nothing meanwhile).
    points, levels = scanner.run(platform=run.get("platform", "Reference"), executor=executor, checkpoint=checkpoint,
                                 progress=progress if progress is not None else (lambda stage, done, total: None))
    return points, levels, time.perf_counter() - start


def scan_target_kt(config):
    """The kT* at which the scan of a configuration judges the levels' edges: [learn] target_kT, or 0 (the scan's
    own temperature) when the level configurations take the scan's kT."""
    return config.get("learn", {}).get("target_kT", 0.0)


def level_config(config, level, point, coarsest=True):
    """The learn configuration of one level: [model] and [run] as scanned, the user's [learn] keys, the level's
    recommended step, and (unless given) the scan's friction and kT there, where the momenta were Gaussian. With a
    target_kT of the user's the friction is left to the pilot run, which picks it for that kT*. In 1D a fixed
    friction sets kT itself, so no target_kT is written with it (it would be ignored). [model] coarse_energy is the
    coarse part of the coarsest level (the largest steps) only: a finer level learns more than it, so the others
    leave it out rather than report an RMSE against the wrong potential."""
    learn = {"step_size": _significant(level["recommended"])}
    user = dict(config.get("learn", {}))
    one_dimensional = config["model"].get("dimensions") == 1
    wrote_friction = False
    if "friction" not in user and "target_kT" not in user and point is not None:
        # The scan's friction law gamma = factor * h, at the recommended step.
        learn["friction"] = _significant(point["friction"] / point["stepSize"] * level["recommended"])
        wrote_friction = True
    if "target_kT" not in user and point is not None and math.isfinite(point["kT"]) and \
            not (one_dimensional and (wrote_friction or _fixed_friction(user.get("friction")))):
        learn["target_kT"] = _significant(point["kT"])
    learn.update(user)
    model = dict(config["model"])
    if not coarsest:
        model.pop("coarse_energy", None)
    result = {"model": model}
    if config.get("run"):
        result["run"] = dict(config["run"])
    result["learn"] = learn
    for section in ("compare", "targets"):
        if config.get(section):
            result[section] = dict(config[section])
    return result


def _fixed_friction(friction):
    """Whether a [learn] friction value is a number (not "auto" or absent)."""
    return isinstance(friction, (int, float)) and not isinstance(friction, bool) and friction != 0


def scan_summary(points, target_kt):
    """Lines on what decided the levels' edges: the runs too short to have relaxed, and the checks at kT*."""
    lines = []
    unrelaxed = [p for p in points if not p["relaxed"]]
    if unrelaxed:
        lines.append("not relaxed (belong to no level; more steps, or a larger friction_factor, would judge them): h = "
                     + ", ".join(f"{p['stepSize']:.3g}" for p in unrelaxed) + " ps, "
                     + ", ".join(f"{p['relaxationTimes']:.3g}" for p in unrelaxed) + " relaxation times")
    checked = [p for p in points if p["edgeChecked"]]
    if target_kt and checked:
        lines.append(f"large-step edges judged at kT* = {target_kt:g}: "
                     + ", ".join(f"h = {p['stepSize']:.3g} ps {'Gaussian' if p['gaussianAtTargetKT'] else 'not Gaussian'}"
                                 for p in checked))
    elif not target_kt:
        lines.append("large-step edges judged at the scan's own kT (no [learn] target_kT)")
    return lines


def _nearest_point(points, h):
    usable = [p for p in points if p["gaussian"]] or points
    return min(usable, key=lambda p: abs(math.log(p["stepSize"] / h))) if usable else None


def scan(config_path, output, force=False, progress=True, workers=None, checkpoint=None):
    """``effpot scan``: run the scan, write DIR/scan.json, DIR/figures/scale_scan.png and DIR/level-N.toml.
    `workers` (worker processes) or `checkpoint` (a folder to resume from) run one task per step size."""
    config = load_scan_config(config_path)
    staging, final = prepare_output(output, force)
    try:
        steps = scan_step_sizes(config["scan"])
        print(f"scanning {len(steps)} step sizes from {min(steps):.3g} to {max(steps):.3g} ps ...", flush=True)
        reporter = progress_reporter(progress)
        with worker_executor(workers) as executor:
            points, levels, seconds = run_scan(config, progress=None if reporter is None else reporter.report,
                                               executor=executor, checkpoint=checkpoint)
        if reporter is not None:
            reporter.finish()
        print(f"scanned in {seconds:.1f} s; {len(levels)} level{'s' if len(levels) != 1 else ''} found")
        for line in scan_summary(points, scan_target_kt(config)):
            print("  " + line)
        os.makedirs(os.path.join(staging, "figures"), exist_ok=True)
        name = config["model"].get("name", "scale scan")
        figures.scale_scan(points, levels, os.path.join(staging, "figures", "scale_scan.png"), title=name)
        written = []
        for index, level in enumerate(levels, start=1):
            point = _nearest_point(points, level["recommended"])
            coarsest = index == len(levels)
            learn_config = level_config(config, level, point, coarsest=coarsest)
            file = f"level-{index}.toml"
            notes = []
            if "target_kT" not in learn_config["learn"] and point is not None and math.isfinite(point["kT"]):
                notes.append(f"1D: the friction sets kT (no target_kT); the scan's run there had kT = "
                             f"{_significant(point['kT'])}.")
            if not coarsest and "coarse_energy" in config["model"]:
                notes.append("coarse_energy is left out: it is the coarse part of the coarsest level, and this "
                             "level learns more than it.")
            comments = {None: [f"Level {index} of the scale scan of {os.path.basename(os.fspath(config_path))}: "
                               f"Gaussian momenta for h in [{level['smallest']:.3g}, {level['largest']:.3g}] ps "
                               f"({level['numPoints']} step sizes).",
                               "The step is the level's recommended one; unless [learn] of the scan gave them, "
                               "friction follows the",
                               "scan's gamma = factor * h and, beyond 1D, target_kT is the kT of the nearest "
                               "scanned run with Gaussian momenta",
                               "(with a target_kT of its own, the friction is the pilot run's, for that kT*)."]
                        + notes + [f"Run: effpot learn {file} -o level-{index}"]}
            atomic_write_text(os.path.join(staging, file), toml_writer.dumps(learn_config, comments))
            written.append(file)
            print(f"  level {index}: h in [{level['smallest']:.3g}, {level['largest']:.3g}] ps, recommended "
                  f"{learn_config['learn']['step_size']:.3g} ps -> {file}")
        write_json(os.path.join(staging, "scan.json"),
                   {"versions": versions(), "seed": config.get("run", {}).get("seed", 1),
                    "settings": config, "seconds": seconds, "targetKT": scan_target_kt(config),
                    "points": points, "levels": levels,
                    "configurations": written})
        finish_output(staging, final)
    except BaseException:
        if final is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    print(f"effpot: wrote {os.path.abspath(output)} (figures/scale_scan.png, scan.json"
          f"{', ' + ', '.join(written) if written else ''})")
