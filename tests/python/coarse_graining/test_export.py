"""Exports of a learned potential (effpot.coarse_graining.export, effpot export): PLUMED EXTERNAL grids read back by a reader that
follows PLUMED's own rules (src/tools/Grid.cpp, GridBase::create), NPZ and CSV round trips."""
import csv
import json
import os

import numpy as np
import openmm as mm
import pytest

import effpot
from effpot.cli import command as cli
from effpot.coarse_graining import export, problems


@pytest.fixture(scope="module")
def p1_potential():
    """A 1D potential of P1 at h = 0.3 (learns x^2/2), small and fast (about 1 s)."""
    cg = effpot.CoarseGrainer(problems.p1(), 1)
    cg.setStepSize(0.3)
    cg.setFriction(0.6)
    cg.setNumReplicas(100)
    cg.setNumSteps(5000)
    cg.setNumEquilibrationSteps(500)
    cg.setRandomSeed(5)
    return cg.run(platform="CPU")


@pytest.fixture(scope="module")
def p4_potential(small_p4_potential):
    """A 2D potential of P4 (anisotropic micro-scale over a quadratic well), small and fast (conftest.py)."""
    return small_p4_potential


def read_plumed_grid(path, function):
    """A reader following PLUMED's rules: '#! FIELDS' names the columns, '#! SET min_/max_/nbins_/periodic_' per
    argument; for a non-periodic argument nbins is the number of points, spacing (max - min) / (nbins - 1); each row
    is placed by its coordinates, index floor((x + dx/2 - min) / dx), as GridBase::create does; blank lines skipped.
    Returns (names, axes, values, derivatives) with values[i, j, ...] and derivatives[i, j, ..., k]."""
    fields, constants, rows, blanks = None, {}, [], []
    with open(path) as stream:
        for number, line in enumerate(stream):
            if line.startswith("#! FIELDS"):
                fields = line.split()[2:]
            elif line.startswith("#! SET"):
                _, _, key, value = line.split()
                constants[key] = value
            elif not line.strip():
                blanks.append(len(rows))
            else:
                rows.append([float(v) for v in line.split()])
    assert fields is not None and function in fields
    names = fields[:fields.index(function)]
    assert fields == names + [function] + [f"der_{n}" for n in names]  # EXTERNAL's column names
    axes, dx = [], []
    for name in names:
        assert constants[f"periodic_{name}"] == "false"
        low, high, nbins = float(constants[f"min_{name}"]), float(constants[f"max_{name}"]), int(constants[f"nbins_{name}"])
        spacing = (high - low) / (nbins - 1)
        axes.append(low + spacing * np.arange(nbins))
        dx.append(spacing)
    rows = np.array(rows)
    d = len(names)
    shape = tuple(len(a) for a in axes)
    assert len(rows) == np.prod(shape)
    values = np.full(shape, np.nan)
    derivatives = np.full(shape + (d,), np.nan)
    for row in rows:
        index = tuple(int(np.floor((row[k] + dx[k] / 2 - axes[k][0]) / dx[k])) for k in range(d))
        assert np.isnan(values[index])  # each node once
        values[index] = row[d]
        derivatives[index] = row[d + 1:]
    assert not np.isnan(values).any()
    # Ordering: the first variable fastest.
    index0 = np.rint((rows[:, 0] - axes[0][0]) / dx[0]).astype(int)
    assert (index0 == np.arange(len(rows)) % shape[0]).all()
    if d > 1:
        index1 = np.rint((rows[:, 1] - axes[1][0]) / dx[1]).astype(int)
        assert (index1 == (np.arange(len(rows)) // shape[0]) % shape[1]).all()
        # A blank line before each new block of the slower variable, as Grid::writeToFile writes them.
        assert blanks == list(range(shape[0], len(rows), shape[0]))
    else:
        assert blanks == []
    return names, axes, values, derivatives, rows


def check_plumed_against_potential(potential, path, names):
    names_read, axes, values, derivatives, rows = read_plumed_grid(path, "effpot.bias")
    assert names_read == names
    impl = potential._impl
    # The grid is U shifted so that its minimum is 100 kT (PLUMED's 2D spline divides by node values).
    shift = export.PLUMED_OFFSET_KT * potential.kT - min(impl.getTableValues())
    assert values.min() == pytest.approx(export.PLUMED_OFFSET_KT * potential.kT, abs=1e-8)
    values = values - shift
    nodes, lower, upper = list(impl.getNodes()), list(impl.getLower()), list(impl.getUpper())
    d = potential.dimensions
    for k in range(d):
        # Point placement: nbins points from getLower() to getUpper(), the last one at max.
        assert len(axes[k]) == nodes[k]
        assert axes[k][0] == pytest.approx(lower[k], abs=1e-12) and axes[k][-1] == pytest.approx(upper[k], abs=1e-12)
        np.testing.assert_allclose(rows[:nodes[0], 0] if k == 0 else rows[::nodes[0]][:nodes[1], 1],
                                   np.linspace(lower[k], upper[k], nodes[k]), atol=1e-9)
    points = export.node_points(axes)
    flat = values.transpose().ravel()
    supported = np.array(impl.getNodeSupported(), dtype=bool)
    assert 0.2 < supported.mean() < 1.0 or d == 1
    # Values: U itself (potential.evaluate) on the support, the table createForce uses everywhere.
    np.testing.assert_allclose(flat[supported], potential.evaluate(points[supported]), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(flat, np.array(impl.getTableValues()), rtol=1e-9, atol=1e-9)
    # The created force tabulates the same numbers: its energy at an interior supported node.
    force = potential.createForce([0])
    system = mm.System()
    system.addParticle(1.0)
    system.addForce(force)
    context = mm.Context(system, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName("Reference"))
    inner = np.flatnonzero(supported)[len(np.flatnonzero(supported)) // 2]
    position = np.zeros(3)
    position[:d] = points[inner]
    context.setPositions([position])
    energy = context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(mm.unit.kilojoule_per_mole)
    assert energy == pytest.approx(flat[inner], abs=1e-6)
    # Derivatives against central differences of evaluate at interior supported nodes (step 1e-4 nm, not the
    # exporter's), and against differences of the table at the raised nodes.
    grid = np.stack([derivatives[..., k].transpose().ravel() for k in range(d)], axis=1)
    table = np.array(impl.getTableValues())
    raised = np.abs(table - np.array(impl.getNodeValues())) > 1e-9
    spacing = [a[1] - a[0] for a in axes]
    inside = np.all([(points[:, k] > axes[k][0] + spacing[k]) & (points[:, k] < axes[k][-1] - spacing[k])
                     for k in range(d)], axis=0)
    check = inside & ~raised
    assert check.sum() > 10
    for k in range(d):
        step = np.zeros(d)
        step[k] = 1e-4
        finite = (potential.evaluate(points[check] + step) - potential.evaluate(points[check] - step)) / 2e-4
        scale = np.max(np.abs(finite))
        np.testing.assert_allclose(grid[check, k], finite, atol=1e-5 * scale)
    if raised.any():
        arranged = table.reshape(tuple(reversed(nodes))).transpose()
        numeric = np.gradient(arranged, *axes, edge_order=2) if d > 1 else [np.gradient(arranged, axes[0], edge_order=2)]
        for k in range(d):
            np.testing.assert_allclose(grid[raised, k], numeric[k].transpose().ravel()[raised], rtol=1e-9, atol=1e-9)
    return axes, values + shift, derivatives, shift


def plumed_spline(x, axes, values, derivatives):
    """U at one point as PLUMED's EXTERNAL interpolates a grid with derivatives (GridBase::getValueAndDerivatives
    with dospline, src/tools/Grid.cpp): a sum over the 2^d corners of the cell of grid * prod_j C_j, C_j the cubic
    Hermite factor with the corner's derivative relative to its value (dropped where |value| < 1e-7). In 1D this
    is the cubic Hermite interpolant."""
    d = len(axes)
    dx = [a[1] - a[0] for a in axes]
    lower = [int(np.floor((x[j] - axes[j][0]) / dx[j])) for j in range(d)]
    lower = [min(max(i, 0), len(axes[j]) - 2) for j, i in enumerate(lower)]
    value = 0.0
    for corner in np.ndindex(*([2] * d)):
        index = tuple(lower[j] + corner[j] for j in range(d))
        grid = values[index]
        ff = 1.0
        for j in range(d):
            X = abs((x[j] - axes[j][lower[j]]) / dx[j] - corner[j])
            yy = 0.0 if abs(grid) < 1e-7 else -derivatives[index][j] / grid
            sign = -1.0 if corner[j] else 1.0
            ff *= (1 - 3 * X**2 + 2 * X**3) - sign * yy * (X - 2 * X**2 + X**3) * dx[j]
        value += grid * ff
    return value


def test_plumed_grid_1d(p1_potential, tmp_path):
    path = tmp_path / "p1.grid"
    assert export.export_potential(p1_potential, path, "plumed") == path
    axes, values, derivatives, shift = check_plumed_against_potential(p1_potential, path, ["x"])
    # Interpolated between nodes as PLUMED would, the grid gives U: within 1e-4 kT at the midpoints of the support.
    supported = np.array(p1_potential._impl.getNodeSupported(), dtype=bool)
    axis = axes[0]
    middles = (axis[:-1] + axis[1:]) / 2
    keep = supported[:-1] & supported[1:]
    interpolated = np.array([plumed_spline([m], axes, values, derivatives) for m in middles[keep]]) - shift
    np.testing.assert_allclose(interpolated, p1_potential.evaluate(middles[keep]), atol=1e-4 * p1_potential.kT)
    # P1 at h = 0.3 learns about x^2/2: near x = 0.5 the derivative is about x (kJ/mol/nm).
    near = np.argmin(np.abs(axis - 0.5))
    assert derivatives[near, 0] == pytest.approx(axis[near], abs=0.15)


def test_plumed_grid_2d_names_and_label(p4_potential, tmp_path):
    path = tmp_path / "p4.grid"
    p4_potential.export(path, "plumed", names=["p.x", "p.y"], label="effpot")
    with open(path) as stream:
        header = [next(stream) for _ in range(9)]
    nodes = list(p4_potential._impl.getNodes())
    assert header[0] == "#! FIELDS p.x p.y effpot.bias der_p.x der_p.y\n"
    assert header[3] == f"#! SET nbins_p.x {nodes[0]}\n" and header[4] == "#! SET periodic_p.x false\n"
    assert header[7] == f"#! SET nbins_p.y {nodes[1]}\n"
    axes, values, derivatives, shift = check_plumed_against_potential(p4_potential, path, ["p.x", "p.y"])
    # PLUMED's interpolation of the grid gives U at the centres of the supported cells.
    _, _, _, supported = p4_potential.grid()
    cells = supported[:-1, :-1] & supported[1:, :-1] & supported[:-1, 1:] & supported[1:, 1:]
    centres = np.array([[(axes[0][i] + axes[0][i + 1]) / 2, (axes[1][j] + axes[1][j + 1]) / 2]
                        for i, j in zip(*np.nonzero(cells))])
    assert len(centres) > 50
    exact = p4_potential.evaluate(centres)
    interpolated = np.array([plumed_spline(c, axes, values, derivatives) for c in centres]) - shift
    error = np.abs(interpolated - exact) / p4_potential.kT
    assert error.max() < 1e-4, error.max()
    # Without the shift PLUMED's 2D spline is much worse next to the minimum, where U is near 0 (a P4 run:
    # 0.011 kT against 1.2e-6 kT).
    unshifted = values - shift
    plain = np.array([plumed_spline(c, axes, unshifted, derivatives) for c in centres])
    assert np.abs(plain - exact).max() / p4_potential.kT > 100 * error.max()
    with pytest.raises(ValueError, match="names"):
        export.plumed_grid_text(p4_potential, names=["x"])
    with pytest.raises(ValueError, match="format"):
        export.export_potential(p4_potential, tmp_path / "a", "xyz")


def test_npz_round_trip(p4_potential, tmp_path):
    path = tmp_path / "p4.npz"
    export.export_potential(p4_potential, path, "npz")
    data = np.load(path, allow_pickle=False)
    axes, values, errors, supported = p4_potential.grid()
    np.testing.assert_array_equal(data["axis_x"], axes[0])
    np.testing.assert_array_equal(data["axis_y"], axes[1])
    np.testing.assert_array_equal(data["U"], values)
    np.testing.assert_array_equal(data["stderr"], errors)
    np.testing.assert_array_equal(data["supported"], supported)
    assert data["U"].shape == tuple(p4_potential._impl.getNodes())
    assert float(data["kT"]) == p4_potential.kT
    np.testing.assert_array_equal(data["D"], p4_potential.noiseCovariance)
    np.testing.assert_array_equal(data["D_stderr"], p4_potential.noiseCovarianceError)
    assert data["D"].shape == (2, 2) and data["D"][0, 0] > 0
    # U at node (3, 5) is the potential there.
    assert data["U"][3, 5] == pytest.approx(p4_potential.evaluate([[axes[0][3], axes[1][5]]])[0], abs=1e-9)
    info = json.loads(str(data["provenance"]))
    assert info["effpot"] == effpot.__version__ and info["openmm"] == mm.Platform.getOpenMMVersion()
    assert info["seed"] == 3 and info["settings"]["settings.stepSize"] == pytest.approx(0.1)
    assert info["diagnostics"]["settings.numReplicas"] == 100
    assert info["diagnostics"]["kT.kinetic"] == pytest.approx(p4_potential.diagnostics["kT.kinetic"])
    assert info["notes"]["strategy"] == p4_potential.diagnostics["strategy"]
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".tmp-")]  # atomic: no temporary left


def test_csv_round_trip(p1_potential, p4_potential, tmp_path):
    for potential, names in ((p1_potential, ["x"]), (p4_potential, ["x", "y"])):
        path = tmp_path / f"u{len(names)}.csv"
        export.export_potential(potential, path, "csv")
        with open(path, newline="") as stream:
            rows = list(csv.reader(stream))
        assert rows[0] == names + ["U", "U_table", "stderr", "supported"]
        body = np.array([[float(v) for v in row] for row in rows[1:]])
        axes, values, errors, supported = potential.grid()
        assert len(body) == values.size
        d = len(names)
        np.testing.assert_array_equal(body[:, :d], export.node_points(axes))
        np.testing.assert_array_equal(body[:, d], values.transpose().ravel())
        np.testing.assert_array_equal(body[:, d + 1], np.array(potential._impl.getTableValues()))
        np.testing.assert_array_equal(body[:, d + 2], errors.transpose().ravel())
        np.testing.assert_array_equal(body[:, d + 3].astype(bool), supported.transpose().ravel())
        np.testing.assert_allclose(body[:, d], potential.evaluate(body[:, :d]), atol=1e-9)


def test_npz_and_csv_refuse_the_plumed_options(p4_potential, tmp_path):
    """names, label and offset_kT shape only the PLUMED grid: npz and csv used to accept and drop them, so a user
    could believe the file had those names or that shift. Both calls now refuse them, as `effpot export` refuses
    --plumed-names with --format npz, and write nothing."""
    for fmt in ("npz", "csv"):
        target = tmp_path / f"u.{fmt}"
        with pytest.raises(ValueError, match=rf"^EffectivePotential.export\('.*u.{fmt}', '{fmt}'\): names and label "
                           rf"are for format 'plumed' only: the {fmt} file has no PLUMED arguments, label or offset; "
                           r"leave them out$"):
            p4_potential.export(target, fmt, names=["p.x", "p.y"], label="bias")
        with pytest.raises(ValueError, match=r"^export_potential\(.*\): offset_kT is for format 'plumed' only.*leave "
                           r"it out$"):
            export.export_potential(p4_potential, target, fmt, offset_kT=50)
        assert not target.exists()
        # None is "not given", as the defaults are.
        assert p4_potential.export(target, fmt, names=None, label=None, offset_kT=None) == target
    # The grid takes them, and its defaults are unchanged: label "effpot", the minimum at PLUMED_OFFSET_KT kT.
    grid = tmp_path / "u.grid"
    p4_potential.export(grid, "plumed")
    assert grid.read_text() == export.plumed_grid_text(p4_potential, label="effpot",
                                                       offset_kT=export.PLUMED_OFFSET_KT)
    p4_potential.export(grid, "plumed", names=["p.x", "p.y"], label="bias", offset_kT=50)
    assert grid.read_text() == export.plumed_grid_text(p4_potential, names=["p.x", "p.y"], label="bias", offset_kT=50)


def test_cli_export(p4_potential, tmp_path, capsys):
    folder = tmp_path / "learned"
    folder.mkdir()
    p4_potential.save(folder / "effective_potential.xml")
    for fmt, name in (("plumed", "u.grid"), ("npz", "u.npz"), ("csv", "u.csv")):
        output = tmp_path / name
        assert cli.main(["export", str(folder), "--format", fmt, "-o", str(output)]) == 0
        assert output.is_file()
    assert "u.grid" in capsys.readouterr().out
    assert open(tmp_path / "u.grid").read() == export.plumed_grid_text(p4_potential)
    assert cli.main(["export", str(tmp_path / "nowhere"), "--format", "csv", "-o", str(tmp_path / "x.csv")]) == 2
    assert "effective_potential.xml" in capsys.readouterr().err
    assert cli.main(["export", str(folder), "--format", "plumed", "--plumed-names", "p.x,p.y", "-o",
                     str(tmp_path / "v.grid")]) == 0
    assert open(tmp_path / "v.grid").readline() == "#! FIELDS p.x p.y effpot.bias der_p.x der_p.y\n"
    # An existing file is kept unless --force (as learn and scan keep a folder with results), and a directory
    # is not a file to write.
    capsys.readouterr()
    (tmp_path / "v.grid").write_text("edited by hand")
    assert cli.main(["export", str(folder), "--format", "plumed", "-o", str(tmp_path / "v.grid")]) == 2
    assert "the file exists" in capsys.readouterr().err and (tmp_path / "v.grid").read_text() == "edited by hand"
    assert cli.main(["export", str(folder), "--format", "plumed", "-o", str(tmp_path / "v.grid"), "--force"]) == 0
    assert open(tmp_path / "v.grid").read() == export.plumed_grid_text(p4_potential)
    assert cli.main(["export", str(folder), "--format", "csv", "-o", str(folder)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_a_failed_write_leaves_the_old_file(p4_potential, tmp_path, monkeypatch):
    path = tmp_path / "u.npz"
    path.write_bytes(b"old")

    def broken(stream, **arrays):
        stream.write(b"half a file")
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        export.export_potential(p4_potential, path, "npz")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["u.npz"]
