"""The TOML configuration of ``effpot learn`` and ``effpot compare`` (docs/cli.md lists every key).

Every key is checked: unknown sections and keys are rejected with the closest known name, and each value is checked
for type and range with the key named in the message. Omitted keys take the documented defaults.
"""
import dataclasses
import difflib
import math
import os
import tomllib

from ..surrogates.settings_checks import SPLITTINGS


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file, the section and the key."""


def _positive(value):
    return value > 0


def _non_negative(value):
    return value >= 0


# The keys of [run] and [learn] that are settings come from C++ (CoarseGrainingSettings::visitFields: kind, field
# and help), so a setting added there is a key here, in runs.settings_from_config and in `python -m
# effpot.cli.config`, and a test holds docs/cli.md to it. Here: the range each key's value must lie in, checked when
# the file is read so that the message names the key (C++ checks every field again when the settings are applied).
_RANGES = {
    "threads": _non_negative, "seed": _positive,
    "step_size": _positive, "friction": _positive, "mass": _positive, "target_kT": _positive,
    "replicas": lambda v: v >= 2, "steps": _positive, "stage2_steps": _positive, "equilibration_steps": _non_negative,
    "stage1_tolerance": _non_negative, "stage1_rounds": lambda v: 1 <= v <= 20, "sample_interval": _positive,
    "batches": lambda v: v >= 2, "grid_bins": _positive,
}


def _setting_keys(section):
    """key -> (kind, check, description) of the settings C++ puts in `section`, in C++'s order."""
    from .. import effpot_swig
    return {d.key: (d.kind, _RANGES.get(d.key), d.help) for d in effpot_swig.CoarseGrainingSettings.describe()
            if d.section == section}


# section -> key -> (kind, check, description). kind: "str", "int", "float", "bool", "points", "ints", "floats".
SCHEMA = {
    "model": {
        "energy": ("str", None, "the full rough energy, an OpenMM expression in x (1D), x, y (2D) or x, y, z (3D)"),
        "dimensions": ("int", lambda v: 1 <= v <= 3, "1, 2 or 3"),
        "coarse_energy": ("str", None, "optional: the known coarse part, to report the RMSE of the learned U (within 3 kT of its minimum, between the nodes too)"),
        "name": ("str", None, "optional: a title for the report"),
    },
    "run": {
        "platform": ("str", None, "OpenMM platform of every run (default Reference)"),
        **_setting_keys("run"),
    },
    "learn": {
        **_setting_keys("learn"),
        "starts": ("points", None, "starting points the replicas cycle through, a list of d-lists"),
        "start_spread": ("float", _non_negative, "Gaussian spread of the starting points in nm (default 0.05)"),
    },
    "compare": {
        "replicas": ("int", _positive, "equilibrium replicas per model (default 2000)"),
        "equilibration_steps": ("int", _non_negative, "steps before the equilibrium samples (default 10000)"),
        "samples": ("int", lambda v: v >= 2, "equilibrium samples per replica (default 2000)"),
        "sample_interval": ("int", _positive, "learning steps between samples (default 10)"),
        "histogram_bins": ("ints", _positive, "bins per dimension of the compared histograms"),
        "acf_lags": ("int", _positive, "ACF lags, in samples (default 100)"),
        "mean_path_replicas": ("int", _positive, "trajectories of each mean path (default 10000)"),
        "mean_path_samples": ("int", _positive, "samples of the mean path (default 100)"),
        "mean_path_interval": ("int", _positive, "learning steps between mean-path samples (default 10)"),
        "mean_path_start": ("floats", None, "centre of the mean-path starting law (default: the first start)"),
        "mean_path_spread": ("float", _non_negative, "its Gaussian spread in nm (default 0.05)"),
        "surrogate_step_size": ("float", _positive, "step of the surrogate Langevin model in ps (default: h)"),
        "surrogate_splitting": ("str", lambda v: v in SPLITTINGS,
                                "splitting of the surrogate Langevin step, BAOAB, OBABO or GHMC (Metropolized: exact "
                                "equilibrium at any step; replica Systems, every platform) (default BAOAB)"),
        "extra_surrogates": ("surrogates", None,
                             "more surrogate Langevin models judged against the same reference runs, a list of "
                             "tables {step_size = ps, splitting = \"GHMC\"} (splitting default BAOAB), e.g. a "
                             "large-step GHMC surrogate next to the default one"),
        "hamiltonian_replicas": ("int", _positive, "trajectories of the stable-step test (default 64)"),
        "hamiltonian_time": ("float", _positive, "duration of the stable-step test in ps (default 20)"),
        "energy_tolerance": ("float", _positive, "largest energy error of any trajectory in kT that counts as stable (0.2)"),
        "portrait_time": ("float", _positive, "duration of the phase portraits in ps (default 4)"),
        "batches": ("int", _positive, "Contexts per model, run side by side on threads (default 8)"),
    },
    "targets": {
        "rmse_kT": ("float", _positive, "largest RMSE of U against coarse_energy, in kT (default 0.06)"),
        "tv_distance": ("float", _positive, "largest total-variation distance (default 0.03)"),
        "acf_max_difference": ("float", _positive, "largest |ACF difference| (default 0.05)"),
        "mean_path_max_difference_sd": ("float", _positive, "largest |mean-path difference| in sd of q (0.05)"),
        "stable_step_ratio": ("float", _positive, "smallest surrogate / full stable-step ratio (default 10)"),
        "extra_tv_distance": ("float", _positive, "largest TV distance of each of [compare] extra_surrogates "
                                                  "(default 0.05)"),
    },
}

REQUIRED = {"model": ("energy", "dimensions"), "learn": ("step_size",)}

TARGET_DEFAULTS = {"rmse_kT": 0.06, "tv_distance": 0.03, "acf_max_difference": 0.05,
                   "mean_path_max_difference_sd": 0.05, "stable_step_ratio": 10.0, "extra_tv_distance": 0.05}


def suggest(name, known):
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def check_value(where, kind, value, dimensions):
    def fail(expected):
        raise ConfigError(f"{where} must be {expected}, got {value!r}")

    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            fail("a non-empty string")
    elif kind == "bool":
        if not isinstance(value, bool):
            fail("true or false")
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            fail("an integer")
        if not _is_int(value):
            fail("an integer from -2147483648 to 2147483647")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail("a number")
        if not _is_number(value):
            fail("a finite number (not nan or inf)")
    elif kind == "friction":
        if value != "auto" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            fail('a number or "auto"')
        if value != "auto" and not _is_number(value):
            fail('a finite number (not nan or inf) or "auto"')
    elif kind in ("ints", "floats"):
        scalar = _is_int if kind == "ints" else _is_number
        if not isinstance(value, list) or len(value) != dimensions or not all(scalar(v) for v in value):
            fail(f"a list of {dimensions} {'integers' if kind == 'ints' else 'finite numbers'} (one per dimension)")
    elif kind == "surrogates":
        if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
            fail('a list of tables, e.g. [{ step_size = 0.1, splitting = "GHMC" }]')
        for i, table in enumerate(value):
            here = f"{where}[{i}]"
            for key in table:
                if key not in ("step_size", "splitting"):
                    raise ConfigError(f"{here}: unknown key '{key}'{suggest(key, ['step_size', 'splitting'])} "
                                      "(known: step_size, splitting)")
            if "step_size" not in table:
                raise ConfigError(f"{here}: step_size (ps) is required")
            check_value(f"{here} step_size", "float", table["step_size"], dimensions)
            if not table["step_size"] > 0:
                raise ConfigError(f"{here} step_size is out of range: {table['step_size']!r} (a step in ps, > 0)")
            table["step_size"] = float(table["step_size"])
            if "splitting" in table and table["splitting"] not in SPLITTINGS:
                raise ConfigError(f"{here} splitting must be BAOAB, OBABO or GHMC, got {table['splitting']!r}")
    elif kind == "points":
        if not isinstance(value, list) or not value or not all(
                isinstance(p, list) and len(p) == dimensions and all(_is_number(v) for v in p) for p in value):
            fail(f"a non-empty list of points, each a list of {dimensions} finite numbers")


def _is_int(value):
    # TOML integers are 64-bit; the settings are C++ ints.
    return isinstance(value, int) and not isinstance(value, bool) and -2 ** 31 <= value < 2 ** 31


def _is_number(value):
    # TOML has nan and inf: no setting means either.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate(data, source="config"):
    """Check a parsed configuration (a dict of sections); returns it with float values made float."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected TOML tables [model], [learn], ...")
    for section, table in data.items():
        if section not in SCHEMA:
            raise ConfigError(f"{source}: unknown section [{section}]{suggest(section, list(SCHEMA))} "
                              f"(known: {', '.join('[' + s + ']' for s in SCHEMA)})")
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: [{section}] must be a table of keys")
    for section, table in data.items():
        for key in table:
            if key not in SCHEMA[section]:
                raise ConfigError(f"{source}: unknown key '{key}' in [{section}]{suggest(key, list(SCHEMA[section]))} "
                                  f"(known: {', '.join(SCHEMA[section])})")
    for section, keys in REQUIRED.items():
        for key in keys:
            if key not in data.get(section, {}):
                raise ConfigError(f"{source}: [{section}] {key} is required ({SCHEMA[section][key][2]})")
    dimensions = data["model"]["dimensions"]
    check_value(f"{source}: [model] dimensions", "int", dimensions, 0)
    if not 1 <= dimensions <= 3:
        raise ConfigError(f"{source}: [model] dimensions must be 1, 2 or 3, got {dimensions}")
    for section, table in data.items():
        for key, value in table.items():
            kind, check, description = SCHEMA[section][key]
            where = f"{source}: [{section}] {key}"
            check_value(where, kind, value, dimensions)
            if kind == "float" or (kind == "friction" and value != "auto"):
                table[key] = value = float(value)
            if check is not None and value != "auto":
                values = value if isinstance(value, list) else [value]
                if not all(check(v) for v in values):
                    raise ConfigError(f"{where} is out of range: {value!r} ({description})")
    learn = data.get("learn", {})
    if ("grid_lower" in learn) != ("grid_upper" in learn):
        raise ConfigError(f"{source}: [learn] grid_lower and grid_upper go together: give both or neither")
    if "grid_lower" in learn and not all(a < b for a, b in zip(learn["grid_lower"], learn["grid_upper"])):
        raise ConfigError(f"{source}: [learn] grid_lower must be below grid_upper in every dimension")
    _check_sampling_steps(source, data)
    _check_energy(source, "energy", data["model"]["energy"], dimensions)
    if "coarse_energy" in data["model"]:
        _check_energy(source, "coarse_energy", data["model"]["coarse_energy"], dimensions)
    platform = data.get("run", {}).get("platform")
    if platform is not None:
        import openmm as mm
        names = [mm.Platform.getPlatform(i).getName() for i in range(mm.Platform.getNumPlatforms())]
        if platform not in names:
            raise ConfigError(f"{source}: [run] platform '{platform}' is not available here (available: "
                              f"{', '.join(names)})")
    return data


def _check_sampling_steps(source, data):
    """Every surrogate step of [compare] samples at the reference's times: checked here, before the learning run."""
    h = data.get("learn", {}).get("step_size")
    if h is None:
        return
    from ..surrogates.comparison import ComparisonSettings
    from ..surrogates.settings_checks import sampling_step_problem
    compare = data.get("compare", {})
    defaults = {f.name: f.default for f in dataclasses.fields(ComparisonSettings)}
    intervals = {key: compare.get(key, defaults[key]) for key in ("sample_interval", "mean_path_interval")}
    steps = []
    if "surrogate_step_size" in compare:
        steps.append(("surrogate_step_size", compare["surrogate_step_size"]))
    for i, extra in enumerate(compare.get("extra_surrogates", [])):
        steps.append((f"extra_surrogates[{i}] step_size", extra["step_size"]))
    for where, step in steps:
        problem = sampling_step_problem(h, step, intervals)
        if problem is not None:
            raise ConfigError(f"{source}: [compare] {where} = {problem}")


def _check_energy(source, key, energy, dimensions):
    from .. import effpot_swig
    import openmm
    try:
        effpot_swig.evaluateEnergyExpression(energy, dimensions, [0.0] * dimensions)
    except openmm.OpenMMException as error:
        message = str(error).replace("EnergyExpression.evaluate: ", "")  # the key names the place
        raise ConfigError(f"{source}: [model] {key}: {message}") from None


def read_toml(path):
    """The tables of a TOML file, or a ConfigError naming the file: missing, unreadable, not text, not TOML."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ConfigError(f"{path}: no such configuration file")
    try:
        stream = open(path, "rb")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the configuration: {error.strerror}") from None
    with stream:
        try:
            return tomllib.load(stream)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML: {error}") from None
        except UnicodeDecodeError as error:
            raise ConfigError(f"{path}: not a text (UTF-8) file ({error.reason} at byte {error.start}): give a TOML "
                              "configuration (docs/cli.md)") from None


def load(path):
    """Read and validate a TOML configuration file."""
    return validate(read_toml(path), os.fspath(path))


def targets(config):
    values = dict(TARGET_DEFAULTS)
    values.update(config.get("targets", {}))
    return values


def describe():
    """Every section and key with its meaning (what `python -m effpot.cli.config` prints)."""
    lines = ["effpot configuration keys (TOML; lengths nm, times ps, energies kJ/mol, masses dalton):"]
    for section, keys in SCHEMA.items():
        lines.append(f"\n[{section}]")
        for key, (_, _, description) in keys.items():
            required = " (required)" if key in REQUIRED.get(section, ()) else ""
            lines.append(f"  {key}{required}: {description}")
    from .scan import SCAN_SCHEMA
    lines.append("\n[scan] (effpot scan only)")
    for key, (_, _, description) in SCAN_SCHEMA.items():
        lines.append(f"  {key}: {description}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(describe())
