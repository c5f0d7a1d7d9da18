"""Figures (matplotlib, imported only when a figure is drawn): learned potentials (potential_1d, potential_2d), the
report's figures of the surrogate-vs-reference comparisons (docs/theory.md section 8) and of the scale scan.

Reference (full model) curves are black, surrogate curves orange, everywhere; bands are +-2 standard errors.
"""
import numpy as np

from ..coarse_graining.analysis import grid_points, histogram_marginals
from ..shared.files import atomic_save_figure

REFERENCE = dict(color="k", label="reference (full V, deterministic damped scheme)")
SURROGATE = dict(color="C1", label="surrogate (learned U, Langevin)")
NAMES = "xyz"


def _extra_styles(curves):
    """(curves, style) of each of [compare] extra_surrogates, in colours after the surrogate's."""
    return [(extra, dict(color=f"C{2 + i}", ls="--",
                         label=f"surrogate at {extra['step_size']:.3g} ps ({extra['splitting']})"))
            for i, extra in enumerate(curves.get("extra_surrogates") or [])]


def pyplot():
    """matplotlib.pyplot with the file-only Agg backend."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _standard_errors(potential, axes, shape):
    """EffectivePotential.standardError on the node grid (the bootstrap and the uncertainty of D and kT), indexed
    [i, j, ...] as grid()'s values."""
    return potential.standardError(grid_points(axes)).reshape(shape)


def potential_1d(potentials, references, path, title=""):
    """Learned 1D potentials against reference curves (top), and below, so that the +-2 standard-error band is
    visible at its own scale, each learned U minus the first reference (in kT, mean removed over the 3 kT region),
    or without a reference the band alone.

    potentials: list of (label, EffectivePotential); references: list of (label, callable on N x 1 arrays).
    """
    plt = pyplot()
    figure, (axis, lower) = plt.subplots(2, 1, figsize=(7, 6.0), sharex=True,
                                         gridspec_kw={"height_ratios": [2.2, 1]})
    for i, (label, potential) in enumerate(potentials):
        axes, values, errors, supported = potential.grid()
        errors = _standard_errors(potential, axes, values.shape)
        x = axes[0]
        shown = np.where(supported, values, np.nan)
        axis.plot(x, shown, color=f"C{i}", lw=1.5, label=f"{label} (kT = {potential.kT:.3g})")
        if errors is not None:
            axis.fill_between(x, shown - 2 * errors, shown + 2 * errors, color=f"C{i}", alpha=0.25, lw=0)
    for j, (label, function) in enumerate(references):
        x = np.linspace(*axis.get_xlim(), 800)
        values = function(x[:, None])
        axis.plot(x, values - values.min(), color="k", ls=["-", "--", ":"][j % 3], lw=0.8, label=label)
    for i, (label, potential) in enumerate(potentials):
        axes, values, errors, supported = potential.grid()
        errors = _standard_errors(potential, axes, values.shape)
        x, kT = axes[0], potential.kT
        if references:
            ref = np.asarray(references[0][1](x[:, None]), dtype=float)
            ref = ref - ref.min()
            region = supported & (ref <= 3 * kT)
            if not region.any():
                region = supported
            difference = np.where(supported, values - ref, np.nan)
            difference = (difference - np.mean((values - ref)[region])) / kT
        else:
            difference = np.where(supported, 0.0, np.nan)
        lower.plot(x, difference, color=f"C{i}", lw=1.2)
        if errors is not None:
            band = np.where(supported, 2 * errors / kT, np.nan)
            lower.fill_between(x, difference - band, difference + band, color=f"C{i}", alpha=0.3, lw=0,
                               label="+-2 standard errors" if i == 0 else None)
    lower.axhline(0, color="k", lw=0.6)
    lower.set_ylabel(f"U - {references[0][0].split(' (')[0]} (kT)" if references else "+-2 s.e. of U (kT)",
                     fontsize=8)
    if lower.get_legend_handles_labels()[0]:
        lower.legend(fontsize=8, loc="upper center")
    lower.set_xlabel("x (nm)")
    axis.set_ylabel("energy (kJ/mol), minimum at 0")
    axis.set_title(title)
    axis.legend(fontsize=8)
    figure.tight_layout()
    atomic_save_figure(figure, path, dpi=110)
    plt.close(figure)


def _map_aspect(lower, upper):
    """Equal scales for a 2D map unless its box is very elongated (an ill-conditioned landscape): then the map fills
    its panel and the ticks give the scales, where an equal-scale map would be a sliver."""
    width, height = upper[0] - lower[0], upper[1] - lower[1]
    return "equal" if max(width, height) <= 3 * min(width, height) else "auto"


def potential_2d(potential, reference, path, title="", levels=None):
    """Learned vs reference contours and the error map (in kT, mean removed over the 3 kT region)."""
    plt = pyplot()
    axes, values, errors, supported = potential.grid()
    points = grid_points(axes)
    ref = np.asarray(reference(points)).reshape(values.shape)
    ref = ref - ref.min()
    mask = supported & (ref <= 3 * potential.kT)
    offset = np.mean((values - ref)[mask])
    top = levels if levels is not None else 6 * potential.kT
    figure, panels = plt.subplots(1, 4, figsize=(20, 4.4))
    X, Y = np.meshgrid(axes[0], axes[1], indexing="ij")
    contour_levels = np.linspace(0, np.ceil(top), int(2 * np.ceil(top)) + 1)  # every half kJ/mol
    for panel, data, name in ((panels[0], np.where(supported, values - offset, np.nan), "learned U (support only)"),
                              (panels[1], np.where(supported, ref, np.nan),
                               "reference coarse part (learned support)")):
        filled = panel.contourf(X, Y, np.clip(data, 0, top), levels=contour_levels, cmap="viridis")
        panel.set_title(name)
        figure.colorbar(filled, ax=panel, label="kJ/mol")
    error = np.where(mask, (values - offset - ref) / potential.kT, np.nan)
    limit = np.nanmax(np.abs(error))
    limit = max(np.ceil(limit * 20) / 20, 0.05)  # a round symmetric range, in steps of 0.05 kT
    filled = panels[2].contourf(X, Y, error, levels=np.linspace(-limit, limit, 11), cmap="RdBu_r")
    panels[2].contour(X, Y, ref, levels=[3 * potential.kT], colors="k", linewidths=0.8)
    panels[2].set_title("error / kT over the 3 kT region (black)")
    figure.colorbar(filled, ax=panels[2], label="kT")
    sigma = np.where(supported, _standard_errors(potential, axes, values.shape) / potential.kT, np.nan)
    filled = panels[3].contourf(X, Y, sigma, levels=20, cmap="magma")
    panels[3].contour(X, Y, ref, levels=[3 * potential.kT], colors="w", linewidths=0.8)
    panels[3].set_title("standard error of U / kT (with D and kT)")
    figure.colorbar(filled, ax=panels[3], label="kT")
    aspect = _map_aspect([a[0] for a in axes], [a[-1] for a in axes])
    for panel in panels:
        panel.set_xlabel("x (nm)")
        panel.set_ylabel("y (nm)")
        panel.set_aspect(aspect)
    figure.suptitle(title)
    figure.tight_layout()
    atomic_save_figure(figure, path, dpi=100)
    plt.close(figure)


def _width(panels):
    return max(6.8, 4.6 * panels)


def _legend_below(figure, axis):
    """One legend for the figure, below the panels, so that it never hides a curve."""
    handles, labels = axis.get_legend_handles_labels()
    # As many columns as fit the figure's width (about 7 characters of 8-point text per inch).
    width = figure.get_size_inches()[0] * 14
    columns = max(1, min(len(labels), int(width // (max(len(label) for label in labels) + 6))))
    rows = -(-len(labels) // columns)
    figure.legend(handles, labels, loc="lower center", ncol=columns, fontsize=8, frameon=False)
    figure.tight_layout(rect=(0, 0.02 + 0.045 * rows, 1, 1))


def _finish(figure, path, title="", legend=None):
    if title:
        figure.suptitle(title)
    if legend is not None:
        _legend_below(figure, legend)
    else:
        figure.tight_layout()
    atomic_save_figure(figure, path, dpi=100)
    pyplot().close(figure)


def potential_figure(potential, reference, path, title=""):
    """1D: learned U with its band against the coarse part; 2D: contours and error map (or the learned U and its
    standard error when no reference is known); 3D: slices through the minimum."""
    d = potential.dimensions
    if d == 1:
        references = [("coarse part (reference)", reference)] if reference is not None else []
        potential_1d([("learned U", potential)], references, path, title=title)
    elif d == 2 and reference is not None:
        potential_2d(potential, reference, path, title=title)
    else:
        _potential_slices(potential, reference, path, title)


def _potential_slices(potential, reference, path, title):
    plt = pyplot()
    axes, values, errors, supported = potential.grid()
    errors = _standard_errors(potential, axes, values.shape)
    d = potential.dimensions
    index = np.unravel_index(np.argmin(np.where(supported, values, np.inf)), values.shape)
    figure, panels = plt.subplots(1, 2 if d == 2 else 3, figsize=(13, 4.2))
    if d == 2:  # no reference: the learned U and its standard error over the support
        X, Y = np.meshgrid(axes[0], axes[1], indexing="ij")
        shown = np.where(supported, values, np.nan)
        filled = panels[0].contourf(X, Y, shown, levels=20, cmap="viridis")
        figure.colorbar(filled, ax=panels[0], label="kJ/mol")
        panels[0].set_title("learned U (support only)")
        if errors is not None:
            filled = panels[1].contourf(X, Y, np.where(supported, errors, np.nan), levels=20, cmap="magma")
            figure.colorbar(filled, ax=panels[1], label="kJ/mol")
        panels[1].set_title("standard error of U (bootstrap over batches, D and kT)")
        for panel in panels:
            panel.set_xlabel("x (nm)")
            panel.set_ylabel("y (nm)")
            panel.set_aspect(_map_aspect([a[0] for a in axes], [a[-1] for a in axes]))
    else:  # 3D: one line through the minimum along each axis
        for c in range(3):
            selector = list(index)
            selector[c] = slice(None)
            line = values[tuple(selector)]
            keep = supported[tuple(selector)]
            panels[c].plot(axes[c], np.where(keep, line, np.nan), color="C1", label="learned U")
            if errors is not None:
                band = errors[tuple(selector)]
                panels[c].fill_between(axes[c], np.where(keep, line - 2 * band, np.nan),
                                       np.where(keep, line + 2 * band, np.nan), color="C1", alpha=0.25, lw=0)
            if reference is not None:
                points = np.array([[axes[k][index[k]] for k in range(3)]] * len(axes[c]))
                points[:, c] = axes[c]
                ref = reference(points)
                offset = np.nanmean(np.where(keep, line - ref, np.nan))
                panels[c].plot(axes[c], ref + offset, color="k", lw=0.8, label="coarse part")
            panels[c].set_xlabel(f"{NAMES[c]} (nm), through the minimum")
            panels[c].set_ylabel("kJ/mol")
            panels[c].legend(fontsize=8)
    _finish(figure, path, title)


def densities(curves, metrics, path, title=""):
    """Equilibrium densities of q: the marginals of both models, and in 2D both densities side by side."""
    grid = curves["grid"]
    d = grid.getDimensions()
    ref, ref_marginals = histogram_marginals(curves["histogram_reference"], grid)
    sur, sur_marginals = histogram_marginals(curves["histogram_surrogate"], grid)
    extra = 2 if d == 2 else 0
    figure, panels = _component_panels(d + extra)
    for c in range(d):
        (x, r), (_, s) = ref_marginals[c], sur_marginals[c]
        panels[c].step(x, r, where="mid", **REFERENCE)
        panels[c].step(x, s, where="mid", **SURROGATE)
        for extra, style in _extra_styles(curves):
            panels[c].step(x, histogram_marginals(extra["histogram_surrogate"], grid)[1][c][1], where="mid",
                           lw=1, **style)
        panels[c].set_xlabel(f"{NAMES[c]} (nm)")
        panels[c].set_ylabel("density (1/nm)")
        panels[c].set_title(f"marginal of {NAMES[c]}")
    if d == 2:
        lower, upper = grid.getLower(), grid.getUpper()
        top = np.nanmax([ref.max(), np.nanmax(sur) if np.isfinite(sur).any() else 0.0])  # NaN: unstable surrogate
        for panel, data, name in ((panels[2], ref, "reference"), (panels[3], sur, "surrogate")):
            image = panel.imshow(data.T, origin="lower", extent=(lower[0], upper[0], lower[1], upper[1]),
                                 vmin=0, vmax=top, cmap="viridis", aspect=_map_aspect(lower, upper))
            panel.set_title(f"{name} histogram (fraction per bin)")
            panel.set_xlabel("x (nm)")
            panel.set_ylabel("y (nm)")
        figure.colorbar(image, ax=panels[3])
    _finish(figure, path, title or f"Equilibrium densities: TV distance {_metric(metrics, 'tv_distance', '.3f')}, "
                                  f"KL {_metric(metrics, 'kl_divergence', '.4f')}", legend=panels[0])


def _component_panels(count, height=4.3):
    """A figure with one panel per component, as an array even for one."""
    figure, panels = pyplot().subplots(1, count, figsize=(_width(count), height))
    return figure, np.atleast_1d(panels)


def mean_paths(curves, metrics, replicas, path, title=""):
    """Mean paths of both models per component, with +-2 standard-error bands."""
    t = curves["path_times"]
    mean_r, mean_s = curves["mean_path_reference"], curves["mean_path_surrogate"]
    figure, panels = _component_panels(mean_r.shape[1])
    d = mean_r.shape[1]
    for c in range(d):
        extras = [(extra["mean_path_surrogate"], extra["path_spread_surrogate"], style)
                  for extra, style in _extra_styles(curves)]
        for mean, spread, style in [(mean_r, curves["path_spread_reference"], REFERENCE),
                                    (mean_s, curves["path_spread_surrogate"], SURROGATE)] + extras:
            band = 2 * spread[:, c] / np.sqrt(replicas)
            panels[c].plot(t, mean[:, c], lw=1.2, **style)
            panels[c].fill_between(t, mean[:, c] - band, mean[:, c] + band, color=style["color"], alpha=0.2, lw=0)
        panels[c].set_xlabel("t (ps)")
        panels[c].set_ylabel(f"mean of {NAMES[c]} (nm)")
    _finish(figure, path, title or f"Mean paths over {replicas} trajectories: largest difference "
                                  f"{_metric(metrics, 'mean_path_max_difference_sd', '.3f')} sd of q", legend=panels[0])


def _metric(metrics, key, spec):
    """A metric for a title: a surrogate that went unstable has none (compare reports None)."""
    value = metrics.get(key)
    return "n/a (the surrogate went unstable)" if value is None else format(value, spec)


def autocorrelations(curves, metrics, path, title=""):
    """Normalized ACFs per component."""
    lags = curves["acf_lag_times"]
    acf_r, acf_s = curves["acf_reference"], curves["acf_surrogate"]
    figure, panels = _component_panels(acf_r.shape[1])
    d = acf_r.shape[1]
    for c in range(d):
        panels[c].plot(lags, acf_r[:, c], lw=1.2, **REFERENCE)
        panels[c].plot(lags, acf_s[:, c], lw=1.2, ls="--", **SURROGATE)
        for extra, style in _extra_styles(curves):
            panels[c].plot(lags, extra["acf_surrogate"][:, c], lw=1.0, **style)
        panels[c].axhline(0, color="0.7", lw=0.6)
        panels[c].set_xlabel("lag (ps)")
        panels[c].set_ylabel(f"C(m)/C(0) of {NAMES[c]}")
    _finish(figure, path, title or f"Normalized autocorrelation: largest difference "
                                  f"{_metric(metrics, 'acf_max_difference', '.3f')}", legend=panels[0])


def phase_portraits(curves, metrics, path, title=""):
    """One trajectory of the full and of the surrogate Hamiltonian from the same state: (q, v) per component,
    and the path in the plane (2D)."""
    portraits = curves["portraits"]
    if not portraits:
        return False
    d = curves["mean_path_reference"].shape[1]
    extra = 1 if d >= 2 else 0
    figure, panels = _component_panels(d + extra, 4.6)
    full_step, surrogate_step = curves["portrait_steps"]["full"], curves["portrait_steps"]["surrogate"]
    styles = (("full", dict(color="k", lw=0.8, label=f"full V, h = {full_step:.2g} ps")),
              ("surrogate", dict(color="C1", lw=1.2, marker=".", ms=3,
                                 label=f"learned U, h = {surrogate_step:.2g} ps (dots: every step)")))
    start = dict(ls="none", marker="o", ms=7, mfc="none", mec="C3", mew=1.5, zorder=5)
    for c in range(d):
        for name, style in styles:
            q, v = portraits[name][1], portraits[name][2]
            panels[c].plot(q[:, c], v[:, c], **style)
        q, v = portraits["full"][1], portraits["full"][2]
        panels[c].plot(q[0, c], v[0, c], label="the common start", **start)
        panels[c].set_xlabel(f"{NAMES[c]} (nm)")
        panels[c].set_ylabel(f"v_{NAMES[c]} (nm/ps)")
    if extra:
        for name, style in styles:
            q = portraits[name][1]
            panels[d].plot(q[:, 0], q[:, 1], **style)
        panels[d].plot(portraits["full"][1][0, 0], portraits["full"][1][0, 1], **start)
        panels[d].set_xlabel("x (nm)")
        panels[d].set_ylabel("y (nm)")
        panels[d].set_title("path in the plane")
    _finish(figure, path, title or "Hamiltonian phase portraits from one state (no friction)", legend=panels[0])
    return True


def stable_steps(curves, metrics, tolerance, path, title=""):
    """Energy error per trajectory against the step size for the full and the surrogate Hamiltonian."""
    plt = pyplot()
    figure, panel = plt.subplots(figsize=(6.4, 4.2))
    blown = []
    for key, style in (("stable_steps_full", dict(color="k", marker="o", label="full V")),
                       ("stable_steps_surrogate", dict(color="C1", marker="s", label="learned U"))):
        table = np.array(curves[key], dtype=float)
        errors = np.where(np.isfinite(table[:, 1]), table[:, 1], np.nan)
        panel.loglog(table[:, 0], np.maximum(errors, 1e-12), lw=1, ms=4, **style)
        blown.append((table[~np.isfinite(table[:, 1]), 0], style["color"]))
    panel.axhline(tolerance, color="C3", ls=":", label=f"tolerance {tolerance:.3g} kJ/mol")
    # Steps at which a model went non-finite have no error to draw: mark them along the top, or a curve would
    # just stop without saying why.
    top = panel.get_ylim()[1]
    for index, (steps, color) in enumerate(blown):
        if len(steps):
            panel.plot(steps, np.full(len(steps), top), ls="none", marker="x", color=color, ms=7, clip_on=False,
                       label="went non-finite" if index == 0 or not len(blown[0][0]) else None)
    panel.set_ylim(top=top)
    panel.set_xlabel("step size (ps)")
    panel.set_ylabel("max |H(t) - H(0)| per trajectory (kJ/mol)")
    panel.legend(fontsize=8)
    ratio = metrics["stable_step_ratio"]

    def shown(step):
        return "none" if step is None else f"{step:.2g} ps"
    _finish(figure, path, title or (f"Largest stable steps: full {shown(metrics['full_hamiltonian_stable_step'])}, "
                                    f"surrogate {shown(metrics['surrogate_hamiltonian_stable_step'])}"
                                    + (f" ({ratio:.0f}x)" if ratio else "")))


def scale_scan(points, levels, path, title="", resolved_limit=None):
    """kT and the momentum excess kurtosis against the step size, with the detected levels shaded (the paper's
    Figure 6). Gaussian runs are filled dots, non-Gaussian ones open, frozen ones crosses, exploded ones
    triangles, runs too short to have relaxed open squares; the checks of the levels' edges at kT* are diamonds
    (filled: Gaussian there)."""
    plt = pyplot()
    figure, panels = plt.subplots(1, 2, figsize=(12, 4.4))
    h = np.array([p["stepSize"] for p in points])
    kT = np.array([p["kT"] if np.isfinite(p["kT"]) else np.nan for p in points])
    kurtosis = np.array([max(p["excessKurtosis"], key=abs) for p in points])
    kinds = [("exploded", dict(marker="^", color="C3", ls="none", label="exploded")),
             ("frozen", dict(marker="x", color="C0", ls="none", label="frozen")),
             ("unrelaxed", dict(marker="s", mfc="none", color="C1", ls="none", label="not relaxed")),
             ("gaussian", dict(marker="o", color="k", ls="none", label="Gaussian momenta")),
             ("other", dict(marker="o", mfc="none", color="k", ls="none", label="not Gaussian"))]

    def kind(p):
        if p["exploded"]:
            return "exploded"
        if p["frozen"]:
            return "frozen"
        if not p.get("relaxed", True):
            return "unrelaxed"
        return "gaussian" if p["gaussian"] else "other"
    labels = [kind(p) for p in points]
    for panel, values in ((panels[0], kT), (panels[1], kurtosis)):
        panel.plot(h, values, color="0.6", lw=0.8)
        for name, style in kinds:
            chosen = np.array([label == name for label in labels])
            if chosen.any():
                shown = np.where(np.isfinite(values[chosen]), values[chosen], np.nanmax(values))
                panel.plot(h[chosen], shown, ms=6, **style)
        checks = [p["atTargetKT"] for p in points if p.get("atTargetKT") and not p["atTargetKT"]["exploded"]]
        for passed in (True, False):
            chosen = [c for c in checks if c["gaussian"] == passed]
            if chosen:
                shown = [c["kT"] if panel is panels[0] else max(c["excessKurtosis"], key=abs) for c in chosen]
                panel.plot([c["stepSize"] for c in chosen], shown, marker="D", ls="none", color="C4", ms=6,
                           mfc="C4" if passed else "none", label=f"at kT* ({'Gaussian' if passed else 'not Gaussian'})")
        for index, level in enumerate(levels):
            panel.axvspan(level["smallest"] / 1.08, level["largest"] * 1.08, color="C2", alpha=0.15,
                          label="level" if index == 0 else None)
            panel.axvline(level["recommended"], color="C2", lw=1, ls="--",
                          label="recommended step" if index == 0 else None)
        panel.set_xscale("log")
        panel.set_xlabel("step size h (ps)")
    panels[0].set_yscale("log")
    panels[0].set_ylabel("kT (kJ/mol)")
    from matplotlib.ticker import FuncFormatter
    plain = FuncFormatter(lambda value, _: f"{value:g}")  # 0.2, not 2 x 10^-1
    panels[0].yaxis.set_major_formatter(plain)
    panels[0].yaxis.set_minor_formatter(plain)
    panels[1].axhspan(-0.2, 0.2, color="0.9", zorder=0)
    panels[1].set_ylabel("excess kurtosis of p (grey: |.| <= 0.2, Gaussian)")
    panels[1].set_yscale("symlog", linthresh=0.3)
    # symlog's own ticks are decades (0, 0.1, 1, 10): nothing below 0, where mixed-scale steps lie (-0.1 to -0.3),
    # and no mark at the tolerance. Ticks at 1-2-5 steps on both sides instead, as plain numbers.
    low, high = panels[1].get_ylim()
    steps = [0.1, 0.2, 0.5] + [m * 10.0 ** e for e in range(0, 4) for m in (1, 2, 5)]
    ticks = sorted({0.0} | {t for t in steps if t <= high} | {-t for t in steps if -t >= low})
    panels[1].set_yticks(ticks)
    panels[1].set_yticks([], minor=True)
    panels[1].set_yticklabels([f"{t:g}" for t in ticks])
    _finish(figure, path, title or "Scale scan: the levels are step-size windows with Gaussian momenta",
            legend=panels[0])


def potentials_at_levels(potentials, reference, path, title=""):
    """1D potentials learned at several step sizes over the full function (the paper's Figure 7): each learned U
    (minimum at 0) and the full energy, which shows what each level kept."""
    plt = pyplot()
    figure, panel = plt.subplots(figsize=(8, 4.6))
    x = None
    for index, (label, potential) in enumerate(potentials):
        axes, values, errors, supported = potential.grid()
        shown = np.where(supported, values, np.nan)
        panel.plot(axes[0], shown - np.nanmin(shown), color=f"C{index}", lw=1.4, label=label)
        x = axes[0] if x is None else x
    if reference is not None and x is not None:
        fine = np.linspace(x.min(), x.max(), 4000)
        values = reference(fine[:, None])
        panel.plot(fine, values - values.min(), color="k", lw=0.5, label="full energy")
    panel.set_xlabel("x (nm)")
    panel.set_ylabel("energy (kJ/mol), minimum at 0")
    _finish(figure, path, title or "Learned potentials at each step size", legend=panel)
