"""Figures of learned potentials (matplotlib, imported only when a figure is drawn)."""
import numpy as np

from ._files import atomic_save_figure
from .analysis import grid_points


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def potential_1d(potentials, references, path, title=""):
    """Learned 1D potentials against reference curves (top), and below, so that the +-2 standard-error band is
    visible at its own scale, each learned U minus the first reference (in kT, mean removed over the 3 kT region),
    or without a reference the band alone.

    potentials: list of (label, EffectivePotential); references: list of (label, callable on N x 1 arrays).
    """
    plt = _pyplot()
    figure, (axis, lower) = plt.subplots(2, 1, figsize=(7, 6.0), sharex=True,
                                         gridspec_kw={"height_ratios": [2.2, 1]})
    for i, (label, potential) in enumerate(potentials):
        axes, values, errors, supported = potential.grid()
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


def potential_2d(potential, reference, path, title="", levels=None):
    """Learned vs reference contours and the error map (in kT, mean removed over the 3 kT region)."""
    plt = _pyplot()
    axes, values, errors, supported = potential.grid()
    points = grid_points(axes)
    ref = np.asarray(reference(points)).reshape(values.shape)
    ref = ref - ref.min()
    mask = supported & (ref <= 3 * potential.kT)
    offset = np.mean((values - ref)[mask])
    top = levels if levels is not None else 6 * potential.kT
    figure, panels = plt.subplots(1, 3, figsize=(15, 4.4))
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
    for panel in panels:
        panel.set_xlabel("x (nm)")
        panel.set_ylabel("y (nm)")
        panel.set_aspect("equal")
    figure.suptitle(title)
    figure.tight_layout()
    atomic_save_figure(figure, path, dpi=100)
    plt.close(figure)
