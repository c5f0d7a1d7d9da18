"""Export a learned EffectivePotential to the files other tools read (docs/export.md).

    export_potential(potential, "mb.grid", "plumed")   # a grid for PLUMED's EXTERNAL bias (openmm-plumed, GROMACS...)
    export_potential(potential, "mb.npz", "npz")       # numpy: axes, U, standard error, support, kT, D, provenance
    export_potential(potential, "mb.csv", "csv")       # one row per node: coordinates, U, error, supported

The same from the shell: ``effpot export DIR --format plumed|npz|csv -o FILE``. Every file is written atomically
(a temporary file in the target's folder, then ``os.replace``).

**Which values.** U is given on the potential's node grid (``getNodes()`` nodes from ``getLower()`` to
``getUpper()`` per dimension, first dimension fastest), in kJ/mol, lengths in nm. The PLUMED grid carries the
*table* values, the ones ``createForce`` tabulates (``getTableValues()``): U on the sampled support, raised to a
confining floor outside it, where the fit only extrapolates. NPZ and CSV carry both, ``U`` (the spline at the
nodes) and ``U_table``.

**Derivatives** (PLUMED's spline interpolation needs them): no analytic gradient of the spline is exposed, so
they are central differences of ``evaluate`` with a step of 1e-3 node spacings (one-sided second-order
differences at the box faces, since ``evaluate`` clamps to the box) wherever the table value is U itself, and
``numpy.gradient`` of the table (second order) at the nodes raised to the confining floor.

**PLUMED's grid format, checked against PLUMED's source** (plumed2 ``src/tools/Grid.cpp``, commit 6a5719e6 of
2026-07-20: ``GridBase::create`` reading, ``GridBase::Init``, ``Grid::writeToFile``; and the written grid
``regtest/basic/rt-backup-grid/grid.reference``, GRID_BIN=4 over [0, 2] written as ``nbins 5`` with the five
points 0, 0.5, ..., 2): for a *non-periodic* variable the header's ``nbins_x`` is the **number of grid points**
(the reader subtracts one to get the number of bins: "header in grid file indicates one more bin that there
should be when data is not periodic"), the spacing is ``(max - min) / (nbins - 1)``, and the points are
``min + i * spacing`` for i = 0 .. nbins - 1, the last one at ``max``. So ``nbins_x`` here is ``getNodes()[0]``.
The first variable runs fastest; PLUMED writes a blank line before each new block of the slower variable(s),
and its reader skips blank lines and places each row by its coordinates. EXTERNAL looks for the value column
``<LABEL>.bias`` (``funcl = getLabel() + ".bias"`` in ``src/bias/External.cpp``) and for one ``der_<name>`` column
per argument, named as the arguments are, in the same order: hence the default column ``effpot.bias`` for
``EXTERNAL ... LABEL=effpot``.

**The PLUMED grid is shifted by a constant** so that its minimum is PLUMED_OFFSET_KT (100) kT instead of 0.
PLUMED's spline (``GridBase::getValueAndDerivatives``) multiplies, over the corners of a cell, factors that hold
each corner's derivative *divided by its value* (and drops the derivative where |value| < 1e-7). In 1D this is the
cubic Hermite interpolant, unchanged by a shift; in 2D and 3D the products leave cross terms
der_x der_y / value that blow up at nodes where U is small but not zero, next to the minimum: on a P5 potential
(33 x 33 nodes) the interpolated U was off by up to 1.2 kT at cell centres with the minimum at 0, by 0.007 kT with
the shift (tests/python/coarse_graining/test_export.py measures it on P4). A constant does not change the forces.
"""
import csv
import io
import json
import math

import numpy as np

from ..shared.files import atomic_write_bytes, atomic_write_text

FORMATS = ("plumed", "npz", "csv")
NAMES = ("x", "y", "z")

#: Finite-difference step of the derivatives, in node spacings.
DERIVATIVE_STEP = 1e-3

#: The PLUMED grid's minimum, in kT (module docstring: PLUMED's 2D/3D spline divides by the node values).
PLUMED_OFFSET_KT = 100.0


def node_axes(potential):
    """The node coordinates per dimension (nm): d arrays of getNodes()[k] points from getLower() to getUpper()."""
    return [np.linspace(lo, hi, n) for lo, hi, n in zip(potential.getLower(), potential.getUpper(),
                                                         potential.getNodes())]


def _arranged(potential, flat):
    """A flat node array (first dimension fastest) as an array indexed [i, j, k] = node (x_i, y_j, z_k)."""
    nodes = list(potential.getNodes())
    return np.asarray(flat).reshape(tuple(reversed(nodes))).transpose()


def table_values(potential):
    """U as createForce tabulates it (kJ/mol), indexed [i, j, ...]: U on the support, the confining floor outside."""
    return _arranged(potential, potential.getTableValues())


def node_values(potential):
    """U at every node (kJ/mol), indexed [i, j, ...]."""
    return _arranged(potential, potential.getNodeValues())


def node_points(axes):
    """Every node as an N x d array, the first dimension fastest (PLUMED's order)."""
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([m.transpose().ravel() for m in mesh], axis=1)


def _flat(array):
    """An [i, j, ...] array flattened first index fastest."""
    return np.asarray(array).transpose().ravel()


def spline_gradient(potential, points, axes=None):
    """dU/dq at N x d points (kJ/mol/nm) by finite differences of evaluate (module docstring); N x d."""
    points = np.asarray(points, dtype=float)
    axes = node_axes(potential) if axes is None else axes
    lower = np.array([a[0] for a in axes])
    upper = np.array([a[-1] for a in axes])
    gradient = np.empty_like(points)
    for k, axis in enumerate(axes):
        delta = DERIVATIVE_STEP * (axis[-1] - axis[0]) / (len(axis) - 1)
        shift = np.zeros(points.shape[1])
        shift[k] = delta
        at_lower = points[:, k] - delta < lower[k]
        at_upper = points[:, k] + delta > upper[k]
        inner = ~(at_lower | at_upper)
        g = np.empty(len(points))
        if inner.any():
            p = points[inner]
            g[inner] = (potential.evaluate(p + shift) - potential.evaluate(p - shift)) / (2 * delta)
        for side, sign in ((at_lower & ~at_upper, 1.0), (at_upper & ~at_lower, -1.0)):
            if side.any():
                p = points[side]
                f0, f1, f2 = (potential.evaluate(p + sign * m * shift) for m in (0, 1, 2))
                g[side] = sign * (-3 * f0 + 4 * f1 - f2) / (2 * delta)
        gradient[:, k] = g
    return gradient


def table_gradient(potential, axes=None, values=None, table=None):
    """The derivatives written with the table: [i, j, ..., k] = dU_table/dq_k at each node (kJ/mol/nm)."""
    axes = node_axes(potential) if axes is None else axes
    values = node_values(potential) if values is None else values
    table = table_values(potential) if table is None else table
    d = len(axes)
    raised = ~np.isclose(table, values, rtol=0, atol=1e-12 * max(1.0, float(np.max(np.abs(values)))))
    numeric = np.stack(np.gradient(table, *axes, edge_order=2) if d > 1 else
                       [np.gradient(table, axes[0], edge_order=2)], axis=-1)
    spline = spline_gradient(potential, node_points(axes), axes)
    gradient = np.stack([spline[:, k].reshape(tuple(len(a) for a in reversed(axes))).transpose()
                         for k in range(d)], axis=-1)
    gradient[raised] = numeric[raised]
    return gradient


def _variable_names(potential, names):
    d = potential.dimensions
    if names is not None and (isinstance(names, str) or not hasattr(names, "__iter__")):
        raise ValueError(f"names: give a list of {d} PLUMED argument names (e.g. ['p.x', 'p.y']), not {names!r}")
    names = list(NAMES[:d] if names is None else names)
    if len(names) != d or len(set(names)) != d or not all(isinstance(n, str) and n and not any(c.isspace() for c in n)
                                                         for n in names):
        raise ValueError(f"names: give {d} distinct PLUMED argument names without spaces, not {names!r}")
    return names


def plumed_grid_text(potential, names=None, label="effpot", offset_kT=PLUMED_OFFSET_KT):
    """The PLUMED grid file (text) of U for ``EXTERNAL ARG=<names> FILE=... LABEL=<label>``: header fields
    ``<names> <label>.bias der_<name>...``, then one row per node, the first variable fastest, a blank line before
    each new block of the slower variables. Non-periodic: ``nbins`` = number of points. The values are the table's,
    shifted so that their minimum is `offset_kT` kT (module docstring)."""
    names = _variable_names(potential, names)
    if not isinstance(label, str) or not label or any(c.isspace() for c in label):
        raise ValueError(f"label: give a PLUMED action label without spaces, not {label!r}")
    if isinstance(offset_kT, bool) or not isinstance(offset_kT, (int, float, np.integer, np.floating)) or \
            not np.isfinite(offset_kT) or offset_kT < 0:
        raise ValueError(f"offset_kT: give the grid's minimum as a finite number of kT >= 0 (default "
                         f"{PLUMED_OFFSET_KT:g}: PLUMED's spline divides by node values), not {offset_kT!r}")
    axes = node_axes(potential)
    values, table = node_values(potential), table_values(potential)
    gradient = table_gradient(potential, axes, values, table)
    d = len(axes)
    lines = ["#! FIELDS " + " ".join(names + [f"{label}.bias"] + [f"der_{n}" for n in names])]
    for name, axis in zip(names, axes):
        lines += [f"#! SET min_{name} {float(axis[0])!r}", f"#! SET max_{name} {float(axis[-1])!r}",
                  f"#! SET nbins_{name} {len(axis)}", f"#! SET periodic_{name} false"]
    points = node_points(axes)
    flat_values = _flat(table) - float(np.min(table)) + float(offset_kT) * potential.kT
    flat_gradient = np.stack([_flat(gradient[..., k]) for k in range(d)], axis=1)
    for n in range(len(points)):
        if n > 0 and d > 1 and n % len(axes[0]) == 0:
            lines.append("")
        fields = [f"{c:.12g}" for c in points[n]] + [f"{flat_values[n]:.12g}"]
        fields += [f"{g:.12g}" for g in flat_gradient[n]]
        lines.append(" ".join(fields))
    return "\n".join(lines) + "\n"


def provenance(potential):
    """Where a potential came from: versions, seed, settings and diagnostics (numbers and notes)."""
    import openmm as mm
    from .. import __version__
    diagnostics = potential.diagnostics
    numbers = {k: (float(v) if math.isfinite(v) else None) for k, v in diagnostics.items()
               if isinstance(v, (int, float))}
    notes = {k: v for k, v in diagnostics.items() if isinstance(v, str)}
    seed = diagnostics.get("settings.randomSeed")
    return {"effpot": __version__, "openmm": mm.Platform.getOpenMMVersion(),
            "seed": None if seed is None else int(seed),
            "settings": {k: v for k, v in numbers.items() if k.startswith("settings.")},
            "diagnostics": numbers, "notes": notes}


def npz_arrays(potential):
    """The arrays export_potential writes to an .npz file (docs/export.md lists them)."""
    axes = node_axes(potential)
    values = node_values(potential)
    errors = np.asarray(potential.getNodeErrors())
    arrays = {"axis_" + NAMES[k]: axis for k, axis in enumerate(axes)}
    arrays.update({
        "U": values, "U_table": table_values(potential),
        "stderr": _arranged(potential, errors) if errors.size else np.full(values.shape, np.nan),
        "supported": _arranged(potential, potential.getNodeSupported()).astype(bool),
        "kT": np.float64(potential.kT), "D": potential.noiseCovariance, "D_stderr": potential.noiseCovarianceError,
        "lower": np.array(list(potential.getLower())), "upper": np.array(list(potential.getUpper())),
        "nodes": np.array(list(potential.getNodes())),
        "provenance": np.array(json.dumps(provenance(potential), sort_keys=True)),
    })
    return arrays


def csv_text(potential):
    """One row per node, the first dimension fastest: coordinates (nm), U and U_table (kJ/mol), stderr (kJ/mol,
    empty if none was estimated), supported (1/0)."""
    axes = node_axes(potential)
    names = list(NAMES[:len(axes)])
    errors = np.asarray(potential.getNodeErrors())
    flat = {"U": _flat(node_values(potential)), "U_table": _flat(table_values(potential))}
    supported = np.asarray(potential.getNodeSupported())  # already first index fastest
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names + ["U", "U_table", "stderr", "supported"])
    for n, point in enumerate(node_points(axes)):
        writer.writerow([repr(float(c)) for c in point] + [repr(float(flat["U"][n])), repr(float(flat["U_table"][n])),
                                                           repr(float(errors[n])) if errors.size else "",
                                                           int(supported[n])])
    return buffer.getvalue()


def export_potential(potential, path, format, names=None, label=None, offset_kT=None):
    """Write `potential` to `path` as "plumed" (a PLUMED EXTERNAL grid; `names` are the PLUMED argument names,
    default x, y, z, `label` the EXTERNAL label, default "effpot", `offset_kT` the grid's minimum in kT, default
    PLUMED_OFFSET_KT), "npz" or "csv" (which take none of the three: ValueError). Atomic: the file appears
    complete or not at all. Returns the path."""
    return write_export(potential, path, format, "export_potential", names=names, label=label, offset_kT=offset_kT)


def write_export(potential, path, format, call, names=None, label=None, offset_kT=None):
    """export_potential, with `call` the name the errors give (EffectivePotential.export comes here too)."""
    if format not in FORMATS:
        raise ValueError(f"format: give one of {', '.join(FORMATS)}, not {format!r}")
    if format != "plumed":
        # The npz and csv files hold U itself: silently dropping a PLUMED option would let a user believe the file
        # has those names or that shift. Refused as `effpot export` refuses --plumed-names with --format npz.
        given = [name for name, value in (("names", names), ("label", label), ("offset_kT", offset_kT))
                 if value is not None]
        if given:
            many = len(given) > 1
            raise ValueError(f"{call}({str(path)!r}, {format!r}): {' and '.join(given)} {'are' if many else 'is'} for "
                             f"format 'plumed' only: the {format} file has no PLUMED arguments, label or offset; leave "
                             f"{'them' if many else 'it'} out")
    if format == "plumed":
        text = plumed_grid_text(potential, names=names, label="effpot" if label is None else label,
                                offset_kT=PLUMED_OFFSET_KT if offset_kT is None else offset_kT)
        atomic_write_text(path, text)
    elif format == "csv":
        atomic_write_text(path, csv_text(potential))
    else:
        arrays = npz_arrays(potential)
        atomic_write_bytes(path, lambda stream: np.savez(stream, **arrays))
    return path
