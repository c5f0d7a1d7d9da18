"""The notebook examples/notebooks/learn_muller_brown.ipynb runs top to bottom (nbclient) at its quick settings,
and is stored without outputs."""
import os
import re

import nbformat
import pytest

NOTEBOOK = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "notebooks", "learn_muller_brown.ipynb")


def test_notebook_is_stored_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_notebook_runs_and_learns_p5(tmp_path, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("EFFPOT_NOTEBOOK_QUICK", "1")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    text = "\n".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                     for output in cell.outputs if output.get("output_type") == "stream")
    assert "quick settings: True" in text
    kT = float(re.search(r"kT = ([\d.]+) kJ/mol", text).group(1))
    assert 0.8 < kT < 1.2  # Stage 2 runs at kT* = 1
    D = [float(v) for v in re.search(r"D = \[\[([^\]]+)\], \[([^\]]+)\]\]", text).groups()[0].split(",")]
    assert D[0] == pytest.approx(0.5, rel=0.15) and D[1] == pytest.approx(0.25, rel=0.25)  # (h/2) A^2 [2, 1]
    rmse = float(re.search(r"RMSE of U against the coarse part: ([\d.]+) kT", text).group(1))
    assert rmse < 0.3  # tiny settings; the demo's full settings reach about 0.04
    tv = float(re.search(r"tv_distance: ([\d.e-]+)", text).group(1))
    assert 0 < tv < 0.3
    shares = [float(v) for v in re.search(r"nearest each well: \[([^\]]+)\]", text).group(1).split(",")]
    assert abs(sum(shares) - 1) < 0.02 and min(shares) > 0.05  # the replicas left the middle well for all three
    # The figures, the DCD and the exports are where the notebook put them, with images shown inline.
    for name in ("figures/potential.png", "figures/densities.png", "replicas.dcd", "mb.grid", "mb.npz"):
        assert (tmp_path / name).is_file(), name
    images = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) == 3
    assert "#! FIELDS x y effpot.bias der_x der_y" in text
    print(f"notebook: kT {kT}, D {D}, RMSE {rmse} kT, TV {tv}, shares {shares}")
