"""What ``effpot learn`` and ``effpot compare`` write into their output folder (docs/cli.md):

    config.toml              the configuration, as given
    effective_potential.xml  the saved EffectivePotential (EffectivePotential.load reads it)
    potential.xml            the learned U as a serialized OpenMM force for particle 0 (XmlSerializer.deserialize)
    result.json              settings, kT, D and its error, RMSE, diagnostics, metrics, versions, seed, platform
    figures/*.png            the learned potential and the comparisons
    report.html              the numbers and the figures on one page

Every file is written atomically (a temporary file renamed over the target), so an interrupted run never leaves
half a file.
"""
import contextlib
import datetime
import html
import json
import math
import os
import platform as _platform_module

import numpy as np
import openmm as mm

from ..shared.files import atomic_write_text
from . import figures

FIGURES = "figures"


def versions():
    from .. import __version__
    return {"effpot": __version__, "openmm": mm.Platform.getOpenMMVersion(),
            "python": _platform_module.python_version(), "numpy": np.__version__}


def plain(value):
    """Data as JSON takes it: numpy arrays and numbers as lists and Python numbers, non-finite numbers as None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_json(path, data):
    atomic_write_text(path, json.dumps(plain(data), indent=1, sort_keys=False) + "\n")


def read_json(path):
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


#: Text entries of the diagnostics that describe the run rather than note something about it: the energy (not a note
#: at all: the settings show it), and the strategy and platform, which the report lists among its notes.
DESCRIPTIONS = ("energy", "strategy", "platform")


def notes(diagnostics, descriptions=False):
    """The notes of a potential's diagnostics, {name: text}: its text entries except the energy, and except the
    strategy and platform unless `descriptions` (the report shows them; the command prints only the real notes)."""
    left_out = ("energy",) if descriptions else DESCRIPTIONS
    return {k: v for k, v in diagnostics.items() if isinstance(v, str) and k not in left_out}


def learning_result(config, potential, summary):
    """The result.json content after learning (the summary's copy of the notes left out: the diagnostics hold them)."""
    summary = {k: v for k, v in summary.items() if k != "notes"}
    run = config.get("run", {})
    return {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": versions(),
        "platform": run.get("platform", "Reference"),
        "seed": run.get("seed", 1),
        "settings": config,
        "learn": dict(summary, diagnostics=potential.diagnostics),
    }


def checks(result, targets):
    """(label, value, target text, passed or None) rows for the summary table."""
    rows = []
    learn = result.get("learn", {})
    if learn.get("rmse_kT") is not None:
        rows.append(("RMSE of U vs the coarse part (kT)", learn["rmse_kT"], f"<= {targets['rmse_kT']}",
                     learn["rmse_kT"] <= targets["rmse_kT"]))
    metrics = result.get("compare", {}).get("metrics")
    if metrics:
        unstable = metrics.get("surrogate_unstable")
        if unstable:
            when = "" if unstable.get("time") is None else f" within {unstable['time']:.4g} ps"
            rows.append((f"{unstable['model']} at step {unstable['step_size']:.4g} ps went unstable{when} "
                         f"({unstable['stage']})", None, "finite", False))
        for key, label in (("tv_distance", "TV distance of the q-histograms"),
                           ("acf_max_difference", "max |ACF difference|"),
                           ("mean_path_max_difference_sd", "max |mean-path difference| (sd of q)")):
            value = metrics.get(key)
            rows.append((label, value, f"<= {targets[key]}", False if value is None else value <= targets[key]))
        ratio = metrics.get("stable_step_ratio")
        rows.append(("surrogate / full largest stable Hamiltonian step", ratio,
                     f">= {targets['stable_step_ratio']}", None if ratio is None else
                     ratio >= targets["stable_step_ratio"]))
        # The headline: what the surrogate buys, next to its accuracy (no target: a number to read).
        if metrics.get("hamiltonian_net_speedup") is not None:
            rows.append(("net speed-up, surrogate Hamiltonian (simulated time per second, each model at its largest "
                         "stable step)", metrics["hamiltonian_net_speedup"], "", None))
        if metrics.get("langevin_net_speedup") is not None:
            rows.append((f"net speed-up, surrogate Langevin (at {metrics['surrogate_step_size']:.4g} ps against the "
                         f"full model at the learning step {metrics['reference_step_size']:.4g} ps)",
                         metrics["langevin_net_speedup"], "", None))
        if metrics.get("metropolis_acceptance") is not None:
            rows.append(("Metropolis acceptance of the GHMC surrogate", metrics["metropolis_acceptance"], "", None))
        for extra in metrics.get("extra_surrogates") or []:
            rows += _extra_rows(extra, metrics["reference_step_size"], targets)
    return rows


def _extra_rows(extra, reference_step, targets):
    """The summary rows of one of [compare] extra_surrogates: its TV against the extra_tv_distance target, the
    other metrics and its net speed-up as numbers to read."""
    which = f"surrogate Langevin at {extra['surrogate_step_size']:.4g} ps ({extra['surrogate_splitting']})"
    rows = []
    unstable = extra.get("surrogate_unstable")
    if unstable:
        when = "" if unstable.get("time") is None else f" within {unstable['time']:.4g} ps"
        rows.append((f"{which} went unstable{when} ({unstable['stage']})", None, "finite", False))
    tv = extra.get("tv_distance")
    rows.append((f"TV distance, {which}", tv, f"<= {targets['extra_tv_distance']}",
                 False if tv is None else tv <= targets["extra_tv_distance"]))
    for key, label in (("acf_max_difference", "max |ACF difference|"),
                       ("mean_path_max_difference_sd", "max |mean-path difference| (sd of q)"),
                       ("metropolis_acceptance", "Metropolis acceptance")):
        if extra.get(key) is not None:
            rows.append((f"{label}, {which}", extra[key], "", None))
    if extra.get("langevin_net_speedup") is not None:
        rows.append((f"net speed-up, {which} against the full model at the learning step {reference_step:.4g} ps",
                     extra["langevin_net_speedup"], "", None))
    return rows


def _explanation(label):
    """METRIC_EXPLANATIONS for a row, or EXTRA_EXPLANATIONS by the start of its label (the rows that name a step)."""
    if label in METRIC_EXPLANATIONS:
        return METRIC_EXPLANATIONS[label]
    for prefix, text in EXTRA_EXPLANATIONS.items():
        if label.startswith(prefix):
            return text
    return ""


#: The figures draw_comparison_figures writes: they belong to a result with a compare section only.
COMPARISON_FIGURES = ("densities.png", "mean_paths.png", "autocorrelation.png", "phase_portraits.png",
                      "stable_steps.png")


def draw_learning_figures(folder, potential, reference, title):
    """figures/potential.png. A comparison figure of an earlier run into the same folder (learn --force) is
    removed: it showed another potential."""
    os.makedirs(os.path.join(folder, FIGURES), exist_ok=True)
    for file in COMPARISON_FIGURES:
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(folder, FIGURES, file))
    figures.potential_figure(potential, reference, os.path.join(folder, FIGURES, "potential.png"), title=title)


def draw_comparison_figures(folder, metrics, curves, settings):
    directory = os.path.join(folder, FIGURES)
    os.makedirs(directory, exist_ok=True)
    figures.densities(curves, metrics, os.path.join(directory, "densities.png"))
    figures.mean_paths(curves, metrics, settings.mean_path_replicas, os.path.join(directory, "mean_paths.png"))
    figures.autocorrelations(curves, metrics, os.path.join(directory, "autocorrelation.png"))
    figures.phase_portraits(curves, metrics, os.path.join(directory, "phase_portraits.png"))
    figures.stable_steps(curves, metrics, settings.energy_tolerance * metrics["kT"],
                         os.path.join(directory, "stable_steps.png"))


def significant(value, digits=4):
    """value with `digits` significant digits, trailing zeros kept: a kT of 1.0000479 reads 1.000, not 1 (which
    looks like the target echoed back)."""
    text = f"{value:#.{digits}g}"
    mantissa, _, exponent = text.partition("e")
    mantissa = mantissa.rstrip(".")
    return mantissa + ("e" + exponent if exponent else "")


def _temperature(value):
    """A kT for the table: its four significant digits shown, zeros too."""
    return "n/a" if value is None else significant(value)


def _number(value):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def _matrix(rows):
    return "<br>".join("[" + ", ".join(f"{v:.4g}" for v in row) + "]" for row in rows)


#: Plain sentences per row of the summary table (keyed by its label): what it measures, and why the target.
METRIC_EXPLANATIONS = {
    'RMSE of U vs the coarse part (kT)': (
        'How far the learned U is from the known coarse part: the root-mean-square difference over the region'
        ' within 3 kT of the minimum, after removing the mean difference (U is defined up to a constant). The'
        " target 0.06 kT keeps the Boltzmann weights exp(-U/kT) within about 6% of the coarse part's."),
    'TV distance of the q-histograms': (
        'Whether the surrogate spends its time in the same places as the full model: half the sum over '
        'histogram bins of |p_surrogate - p_reference|, the largest share of probability the two put in '
        'different places. The target 0.03 allows 3%; finite runs alone give up to about sqrt(bins / (2 pi '
        'N)) for N independent samples.'),
    'max |ACF difference|': (
        'Whether the surrogate forgets its past as fast as the full model: the largest gap between the '
        'normalized autocorrelation functions C(t)/C(0) of q over the lags shown, i.e. whether its time '
        'scales are right. The target 0.05 is 5% of the correlation at lag 0.'),
    'max |mean-path difference| (sd of q)': (
        'Whether the surrogate relaxes from a displaced start along the same path at the same speed: the '
        'largest gap between the two mean trajectories, in standard deviations of q at equilibrium. The '
        'target 0.05 sd asks the mean paths to agree to a twentieth of the equilibrium spread.'),
    'surrogate / full largest stable Hamiltonian step': (
        'What the smooth learned U buys: how much larger a step the surrogate Hamiltonian (no friction) '
        'tolerates than the full one before its energy error exceeds the tolerance. The target 10x asks for '
        'ten times fewer steps over the same simulated time.'),
}

#: Rows whose label names a step (an extra surrogate, the GHMC acceptance), by the start of the label.
EXTRA_EXPLANATIONS = {
    "TV distance, surrogate Langevin at": (
        "The same TV distance for a surrogate at another step or splitting (e.g. a GHMC surrogate at several times "
        "the learning step), against the same reference runs. The target (extra_tv_distance, 0.05 by default) is "
        "looser than the main one: a larger step buys time with some accuracy."),
    "max |ACF difference|, surrogate Langevin at": (
        "The ACF difference of this surrogate (see the row above without a step), as a number to read, without a "
        "target: a surrogate at a larger step or with GHMC's velocity reversals changes the time correlations more "
        "than its equilibrium density."),
    "max |mean-path difference| (sd of q), surrogate Langevin at": (
        "The mean-path difference of this surrogate (see the row above without a step), as a number to read, "
        "without a target, for the same reason as its ACF."),
    "Metropolis acceptance": (
        "GHMC accepts each replica's move by a Metropolis test, which makes its equilibrium exactly exp(-U/kT) at "
        "any step; a rejected move reverses the velocity, which slows the time correlations. The fraction "
        "accepted falls as the step grows."),
    "net speed-up, surrogate Hamiltonian": (
        "What the Hamiltonian surrogate buys: simulated time per wall-clock second of velocity Verlet with U at its "
        "largest stable step, over the full model's at its own, each timed on the same replicas without the "
        "comparison's sampling. It is the stable-step ratio above times the ratio of the per-step costs."),
    "net speed-up, surrogate Langevin (at": (
        "What the Langevin surrogate buys: simulated time per wall-clock second of the surrogate at its step, over "
        "the full model's at the learning step, each timed on the same replicas without the comparison's sampling. "
        "Below 1 the surrogate's thermal step (its random numbers) costs more than the rough energy it replaces; a "
        "larger surrogate step, judged by its own accuracy rows, is what makes it pay off."),
    "net speed-up, surrogate Langevin at": (
        "Simulated time per wall-clock second of this surrogate at its step, over the full model's at the "
        "learning step, measured on the same replicas."),
}

#: What the extra numbers of the Learned table mean.
Z_SCORE_NOTE = ("The mean-path z-score is the largest mean-path difference divided by its standard error (from the "
                "spread of the trajectories): below about 3 the difference is within sampling noise; a large "
                "z-score with a small difference in sd means a real but small difference, which more replicas "
                "make visible, not larger.")

FIGURE_CAPTIONS = [
    ("potential.png", "The learned potential U against the known coarse part (if given): contours over the "
                      "sampled support, and the error in kT over the region within 3 kT of the minimum."),
    ("densities.png", "Equilibrium densities of q: surrogate Langevin (learned U) against the reference "
                      "(full rough energy, deterministic damped scheme at the learning step); the extra "
                      "surrogates of [compare] extra_surrogates, if any, as dashed marginals."),
    ("mean_paths.png", "Mean paths from a shifted start, with +-2 standard-error bands (extra surrogates in "
                       "further colours)."),
    ("autocorrelation.png", "Normalized autocorrelation functions per component, on a common time grid (extra "
                            "surrogates dotted)."),
    ("phase_portraits.png", "One frictionless trajectory of the full and of the surrogate Hamiltonian from the same "
                            "state. They are not meant to coincide. The full model still feels the small scales, "
                            "whose forces push it off a smooth orbit bit by bit (its loops do not repeat), and runs "
                            "at a quarter of its largest stable step. The surrogate feels only the smooth learned U, "
                            "which differs from the coarse part by the fit's error and holds no energy of the small "
                            "scales, and runs at half of its own, far larger step (the dots are its steps). "
                            "Different forces make two trajectories from one start drift apart in time; compare "
                            "the shapes: the orbits should cover the same region with the same range of "
                            "velocities."),
    ("stable_steps.png", "Energy error against the step size for both Hamiltonian models: the largest stable "
                         "step is the last one within the tolerance. Each curve ends at the first step past it, "
                         "where the search stops (a cross on the top edge: the model went non-finite there)."),
]


def write_report(folder, result, targets):
    """report.html: the summary table, the learned numbers, this run's figures present in figures/ (the comparison
    figures only with a compare section), the settings."""
    learn = result.get("learn", {})
    compare = result.get("compare", {})
    name = result.get("settings", {}).get("model", {}).get("name", "effpot result")
    rows = []
    for label, value, target, passed in checks(result, targets):
        mark = "" if passed is None else ("<td class=ok>pass</td>" if passed else "<td class=bad>FAIL</td>")
        rows.append(f"<tr><td>{html.escape(label)}</td><td class=num>{_number(value)}</td><td class=num>"
                    f"{html.escape(target)}</td>"
                    f"{mark or '<td></td>'}<td class=why>{html.escape(_explanation(label))}</td></tr>")
    learned = [
        ("kT of the learned law (kJ/mol)", _temperature(learn.get("kT"))),
        ("kinetic kT (kJ/mol)", _temperature(learn.get("kT_kinetic"))),
        ("drift kT per eigendirection of the friction (kJ/mol)",
         ", ".join(_temperature(t) for t in learn["kT_drift_directions"]) if learn.get("kT_drift_directions") else None),
        ("Stage 2 refinement passes (drift kT with Stage 1's D)",
         None if learn.get("stage2_refinements") is None else str(learn["stage2_refinements"]) + (
             " (" + ", ".join(_temperature(t) for t in learn["kT_drift_directions_before_refinement"]) + ")"
             if learn.get("kT_drift_directions_before_refinement") else
             " (none needed: with Stage 1's D every direction was within twice its error of kT*; or "
             "stage2_refinements = 0)" if learn["stage2_refinements"] == 0 else "")),
        ("effective-noise covariance D", _matrix(learn.get("noise_covariance", []))),
        ("standard error of D", _matrix(learn.get("noise_covariance_error", []))),
        ("learning time (s)", _number(learn.get("seconds"))),
    ]
    learned = [(label, value) for label, value in learned if value is not None]  # 1D: no eigendirections
    metrics = compare.get("metrics", {})
    for key, label in (("kl_divergence", "KL divergence (surrogate || reference)"),
                       ("mean_path_max_z", "mean-path z-score: largest difference in standard errors (below)"),
                       ("full_hamiltonian_stable_step", "full Hamiltonian: largest stable step (ps)"),
                       ("surrogate_hamiltonian_stable_step", "surrogate Hamiltonian: largest stable step (ps)"),
                       ("reference_rate", "reference Langevin: replica-steps per second"),
                       ("surrogate_rate", "surrogate Langevin: replica-steps per second"),
                       ("surrogate_speedup", "simulated time per second in the comparison's own runs (histograms and "
                        "ACFs included), surrogate / reference; the net speed-up above is timed without them")):
        if key in metrics:
            learned.append((label, _number(metrics[key])))
    if "seconds" in compare:
        learned.append(("comparison time (s)", _number(compare["seconds"])))
    noted = notes(learn.get("diagnostics", {}), descriptions=True)
    z_note = f"<p class=why>{html.escape(Z_SCORE_NOTE)}</p>" if "mean_path_max_z" in metrics else ""
    figure_html = []
    for file, caption in FIGURE_CAPTIONS:
        # This run's figures only: a comparison figure left by an earlier run into the folder (learn --force over
        # a learn --compare) is not this result's when result.json has no comparison.
        if file in COMPARISON_FIGURES and not metrics:
            continue
        if os.path.exists(os.path.join(folder, FIGURES, file)):
            figure_html.append(f'<figure><img src="{FIGURES}/{file}" alt="{file}"><figcaption>{html.escape(caption)}'
                               f"</figcaption></figure>")
    from .toml_writer import dumps as toml_text
    try:
        settings = toml_text(plain(result.get("settings", {})))
        settings_format = "TOML, as effpot learn reads it"
    except TypeError:  # not a configuration of tables (a result written by other code)
        settings = json.dumps(plain(result.get("settings", {})), indent=1)
        settings_format = "JSON: it is not a configuration effpot learn reads"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(name)}</title>
<style>
body {{ font-family: sans-serif; max-width: 1200px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }} td, th {{ border: 1px solid #ccc; padding: 4px 10px; }}
.ok {{ color: #176117; font-weight: bold; }} .bad {{ color: #a00; font-weight: bold; }}
figure {{ margin: 1.5em 0; }} img {{ max-width: 100%; }} figcaption {{ color: #555; font-size: 0.9em; }}
pre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.8em; }}
.why {{ color: #555; font-size: 0.85em; max-width: 60em; }} .note-name {{ font-family: monospace; }}
td.num {{ white-space: nowrap; }}
</style></head><body>
<h1>{html.escape(name)}</h1>
<p>effpot {html.escape(result.get('versions', {}).get('effpot', ''))}, OpenMM
{html.escape(result.get('versions', {}).get('openmm', ''))}, platform {html.escape(str(result.get('platform')))},
seed {html.escape(str(result.get('seed')))}, written {html.escape(result.get('created', ''))}.</p>
<h2>Summary</h2>
<table><tr><th>metric</th><th>value</th><th>target</th><th></th><th>what it measures, and why the target</th></tr>
{''.join(rows) or '<tr><td colspan=5>no metric yet: run effpot compare</td></tr>'}</table>
<h2>Learned</h2>
<table>{''.join(f'<tr><td>{html.escape(k)}</td><td>{v}</td></tr>' for k, v in learned)}</table>
{z_note}
{'<h2>Notes</h2><ul>' + ''.join(f'<li><span class=note-name>{html.escape(k)}</span>: {html.escape(v)}</li>'
                                for k, v in noted.items()) + '</ul>' if noted else ''}
<h2>Figures</h2>
{''.join(figure_html)}
<h2>Settings</h2>
<p class=why>The configuration of this run ({settings_format}).</p>
<pre>{html.escape(settings)}</pre>
</body></html>
"""
    atomic_write_text(os.path.join(folder, "report.html"), page)
