"""Input checks of the comparisons (effpot.compare), kept apart from comparison.py: every value of
ComparisonSettings is checked for type and range before anything runs, naming the field."""
import fractions
import math

import numpy as np

from ..shared.units import whole_number

# field -> smallest allowed value (whole numbers)
_COUNTS = {"replicas": 1, "equilibration_steps": 0, "samples": 2, "sample_interval": 1, "acf_lags": 1,
           "mean_path_replicas": 1, "mean_path_samples": 1, "mean_path_interval": 1, "hamiltonian_replicas": 1,
           "seed": -2 ** 31, "batches": 1}
# field -> whether zero is allowed (finite non-negative numbers)
_NUMBERS = {"start_spread": True, "mean_path_spread": True, "hamiltonian_time": False, "energy_tolerance": False,
            "portrait_time": False}


def check_comparison_settings(settings, dimensions):
    """Raise TypeError or ValueError("compare: settings.FIELD ...") for the first bad field of `settings`."""
    def name(field):
        return f"compare: settings.{field}"

    for field, low in _COUNTS.items():
        whole_number(getattr(settings, field), name(field), low=low)
    if settings.threads is not None:
        whole_number(settings.threads, name("threads"), low=1)
    for field, zero in _NUMBERS.items():
        _number(getattr(settings, field), name(field), zero)
    if settings.surrogate_step_size is not None:
        _number(settings.surrogate_step_size, name("surrogate_step_size"), False)
    if settings.surrogate_splitting is not None:
        _splitting(settings.surrogate_splitting, name("surrogate_splitting"))
    if settings.extra_surrogates is not None:
        _extra_surrogates(settings.extra_surrogates, name("extra_surrogates"))
    _points(settings.starts, dimensions, name("starts"))
    if settings.mean_path_start is not None:
        _points([settings.mean_path_start], dimensions, name("mean_path_start"))
    if settings.histogram_bins is not None:
        bins = list(np.atleast_1d(settings.histogram_bins))
        if len(bins) != dimensions:
            raise ValueError(f"{name('histogram_bins')}: give {dimensions} bin counts (one per dimension), got {len(bins)}")
        for b in bins:
            whole_number(b, name("histogram_bins"), low=1)
    if not isinstance(settings.platform, str):
        raise TypeError(f"{name('platform')}: give a platform name (a str), got {settings.platform!r}")


SPLITTINGS = ("BAOAB", "OBABO", "GHMC")


def sampling_step_problem(h, step, intervals):
    """None if a surrogate of step `step` (ps) samples at the reference's times, else what is wrong and the fix
    (a sentence that starts with the step, for the caller to put after the setting's name and " = ").

    The comparison samples every model at the same times, every `intervals[name]` learning steps h (a dict such as
    {"sample_interval": 10, "mean_path_interval": 10}); each interval must then be a whole number of surrogate
    steps, interval h / step. That holds exactly for the steps g h / n (g the intervals' greatest common divisor,
    n = 1, 2, ...) and, for step = (p / q) h in lowest terms, when every interval is a multiple of p.
    """
    ratio = h / step
    if all(abs(ratio * i - round(ratio * i)) <= 1e-9 * max(1.0, ratio * i) and round(ratio * i) >= 1
           for i in intervals.values()):
        return None
    names = ", ".join(f"{key} = {value}" for key, value in intervals.items())
    g = math.gcd(*intervals.values())
    steps = ", ".join(f"{g * h / n:.6g}" for n in (1, 2, 3))
    text = (f"{step:g} ps: the comparison samples every model at the same times ({names} learning "
            f"steps of h = {h:g} ps), so each interval must be a whole number of surrogate steps; take a step of "
            f"{'' if g == 1 else f'{g} '}h / n ({steps}, ... ps)")
    multiple = fractions.Fraction(step / h).limit_denominator(1000)
    if multiple.numerator > 1 and abs(float(multiple) - step / h) <= 1e-9 * step / h:
        p = multiple.numerator
        suggestion = ", ".join(f"{key} = {p * max(1, round(value / p))}" for key, value in intervals.items())
        text += f", or make the intervals multiples of {p} ({suggestion})"
    return text


def _splitting(value, name):
    if not isinstance(value, str) or value not in SPLITTINGS:
        raise ValueError(f"{name}: expected one of {', '.join(SPLITTINGS)}, got {value!r}")


def _extra_surrogates(extras, name):
    if isinstance(extras, (str, dict)) or not isinstance(extras, (list, tuple)):
        raise TypeError(f"{name}: expected a list of {{'step_size': ps, 'splitting': ...}} dicts, got {extras!r}")
    for i, extra in enumerate(extras):
        where = f"{name}[{i}]"
        if not isinstance(extra, dict):
            raise TypeError(f"{where}: expected a dict with step_size (ps) and optionally splitting, got {extra!r}")
        unknown = sorted(set(extra) - {"step_size", "splitting"})
        if unknown:
            raise ValueError(f"{where}: unknown key {unknown[0]!r} (known: step_size, splitting)")
        if "step_size" not in extra:
            raise ValueError(f"{where}: step_size (ps) is required")
        _number(extra["step_size"], f"{where}.step_size", False)
        if "splitting" in extra:
            _splitting(extra["splitting"], f"{where}.splitting")


def _number(value, name, zero):
    if isinstance(value, (bool, str)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        raise ValueError(f"{name}: expected a finite {'non-negative' if zero else 'positive'} number, got {value!r}")


def _points(points, dimensions, name):
    try:
        array = np.asarray(points, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a list of points, each of {dimensions} numbers, got {points!r}") from None
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] != dimensions:
        raise ValueError(f"{name}: expected a list of points, each of {dimensions} numbers, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: the points must be finite")
