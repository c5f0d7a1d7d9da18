"""What the commands say and write in a few corners: report.html shows this run's figures only, scan refuses a
repeated step size, export's bad paths and flags are command-line problems (status 2), and learn prints the library's
notes."""
import contextlib
import io
import json
import os
import shutil

import numpy as np
import pytest

from effpot.cli import command as cli, report, scan
from test_cli import GOOD, run_cli, write


@pytest.fixture(scope="module")
def learned(tmp_path_factory):
    """A learned folder and what learn printed."""
    folder = tmp_path_factory.mktemp("messages")
    output = os.path.join(str(folder), "out")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["learn", write(str(folder), GOOD), "-o", output, "--no-progress"]) == 0
    return output, out.getvalue()


# -- report.html: the figures of this run only ---------------------------------------------------------------------

def _figures_in(page):
    return {file for file, _ in report.FIGURE_CAPTIONS if f'src="{report.FIGURES}/{file}"' in page}


def test_report_leaves_out_comparison_figures_of_a_result_without_comparison(tmp_path):
    from effpot.cli.config import TARGET_DEFAULTS
    (tmp_path / report.FIGURES).mkdir()
    for file, _ in report.FIGURE_CAPTIONS:
        (tmp_path / report.FIGURES / file).write_bytes(b"png")
    result = {"settings": {}, "learn": {"kT": 1.0}}
    report.write_report(str(tmp_path), result, dict(TARGET_DEFAULTS))
    assert _figures_in((tmp_path / "report.html").read_text()) == {"potential.png"}
    result["compare"] = {"metrics": {"tv_distance": 0.01}}
    report.write_report(str(tmp_path), result, dict(TARGET_DEFAULTS))
    assert _figures_in((tmp_path / "report.html").read_text()) == {file for file, _ in report.FIGURE_CAPTIONS}


def test_learn_force_over_a_compared_folder_drops_the_old_comparison_figures(learned, tmp_path, capsys):
    output = str(tmp_path / "again")
    shutil.copytree(learned[0], output)
    for file in report.COMPARISON_FIGURES:  # as an earlier 'learn --compare' left them
        shutil.copy(os.path.join(output, report.FIGURES, "potential.png"), os.path.join(output, report.FIGURES, file))
    code, out, err = run_cli(["learn", os.path.join(output, "config.toml"), "-o", output, "--force", "--no-progress"],
                             capsys)
    assert code == 0, err
    with open(os.path.join(output, "result.json")) as stream:
        assert "compare" not in json.load(stream)
    with open(os.path.join(output, "report.html")) as stream:
        assert _figures_in(stream.read()) == {"potential.png"}
    assert sorted(os.listdir(os.path.join(output, report.FIGURES))) == ["potential.png"]


# -- scan: step sizes ----------------------------------------------------------------------------------------------

SCAN = """
[model]
dimensions = 1
energy = "x^2/2"

[scan]
step_sizes = {steps}
replicas = 10
steps = 100
"""


def test_scan_refuses_a_repeated_step_size(tmp_path, capsys):
    path = write(str(tmp_path), SCAN.format(steps="[0.2, 0.1, 0.1]"), "scan.toml")
    with pytest.raises(Exception) as caught:
        scan.load_scan_config(path)
    assert type(caught.value).__name__ == "ConfigError"
    code, out, err = run_cli(["scan", path, "-o", str(tmp_path / "out"), "--checkpoint", str(tmp_path / "ck")],
                             capsys)
    assert code == 2 and "[scan] step_sizes" in err and "0.1 more than once" in err, err
    assert not (tmp_path / "out").exists()
    # 1 and 1.0 are one step size too.
    path = write(str(tmp_path), SCAN.format(steps="[1, 0.5, 1.0]"), "scan.toml")
    code, out, err = run_cli(["scan", path, "-o", str(tmp_path / "out")], capsys)
    assert code == 2 and "step size 1 more than once" in err, err


def test_scan_names_the_smallest_and_largest_step_of_an_unsorted_list(tmp_path, capsys, monkeypatch):
    def stop(*args, **kwargs):
        raise RuntimeError("stopped for the test")
    monkeypatch.setattr(scan, "run_scan", stop)
    path = write(str(tmp_path), SCAN.format(steps="[0.1, 0.4, 0.05, 0.2]"), "scan.toml")
    code, out, err = run_cli(["scan", path, "-o", str(tmp_path / "out")], capsys)
    assert code == 1 and "stopped for the test" in err
    assert "scanning 4 step sizes from 0.05 to 0.4 ps" in out, out


# -- export: bad input, bad output, PLUMED flags -------------------------------------------------------------------

def _folder_with(tmp_path, learned, name, text):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "effective_potential.xml").write_text(text)
    return str(folder)


def test_export_of_a_damaged_or_wrong_xml_is_status_2(learned, tmp_path, capsys):
    with open(os.path.join(learned[0], "effective_potential.xml")) as stream:
        truncated = stream.read()[:300]
    with open(os.path.join(learned[0], "potential.xml")) as stream:
        force = stream.read()
    for name, text, says in (("truncated", truncated, "truncated"), ("force", force, "serialized OpenMM force")):
        folder = _folder_with(tmp_path, learned, name, text)
        code, out, err = run_cli(["export", folder, "--format", "npz", "-o", str(tmp_path / f"{name}.npz")], capsys)
        assert code == 2 and says in err and err.startswith("effpot export: error: ") and err.count("\n") == 1, err
        assert not (tmp_path / f"{name}.npz").exists()


@pytest.mark.parametrize("where", ["missing folder", "proc"])
def test_export_to_a_path_that_cannot_be_written_is_status_2(learned, tmp_path, capsys, where):
    if where == "proc":
        if not os.path.isdir("/proc"):
            pytest.skip("no /proc here")
        target = "/proc/effpot-test.npz"
    else:
        target = str(tmp_path / "nodir" / "x.grid")
    code, out, err = run_cli(["export", learned[0], "--format", "npz" if where == "proc" else "plumed", "-o", target],
                             capsys)
    assert code == 2, err
    assert "cannot write" in err and "choose another output file (-o)" in err, err


def test_export_takes_the_potential_file_and_compare_names_the_folder(learned, tmp_path, capsys):
    """`effpot export DIR/effective_potential.xml` used to say ".../effective_potential.xml has no
    effective_potential.xml". export needs only the potential, so it takes the file (or any file
    EffectivePotential.save wrote); compare works on the whole folder, so given a file it names the folder."""
    saved = os.path.join(learned[0], "effective_potential.xml")
    code, out, err = run_cli(["export", saved, "--format", "npz", "-o", str(tmp_path / "file.npz")], capsys)
    assert code == 0, err
    assert run_cli(["export", learned[0], "--format", "npz", "-o", str(tmp_path / "folder.npz")], capsys)[0] == 0
    file, folder = np.load(tmp_path / "file.npz"), np.load(tmp_path / "folder.npz")
    assert sorted(file.files) == sorted(folder.files)
    np.testing.assert_array_equal(file["U_table"], folder["U_table"])
    elsewhere = tmp_path / "mine.xml"  # a potential saved under another name, outside any learn folder
    shutil.copy(saved, elsewhere)
    assert run_cli(["export", str(elsewhere), "--format", "csv", "-o", str(tmp_path / "mine.csv")], capsys)[0] == 0
    code, out, err = run_cli(["export", str(tmp_path / "absent"), "--format", "csv", "-o", str(tmp_path / "a.csv")],
                             capsys)
    assert code == 2 and "absent does not exist: give a folder written by 'effpot learn'" in err, err
    assert "or its effective_potential.xml" in err
    code, out, err = run_cli(["compare", saved], capsys)
    assert code == 2 and f"{saved} is a file" in err, err
    assert err.rstrip().endswith(f"give the folder that holds it: effpot compare {learned[0]}"), err


def test_export_names_the_plumed_flags(learned, tmp_path, capsys):
    code, out, err = run_cli(["export", learned[0], "--format", "plumed", "--plumed-names", "a", "-o",
                              str(tmp_path / "u.grid")], capsys)
    assert code == 2 and "--plumed-names 'a'" in err and "give 2 distinct" in err and "names:" not in err, err
    code, out, err = run_cli(["export", learned[0], "--format", "plumed", "--plumed-label", "a b", "-o",
                              str(tmp_path / "u.grid")], capsys)
    assert code == 2 and "--plumed-label: " in err, err
    for fmt in ("npz", "csv"):
        target = tmp_path / f"u.{fmt}"
        code, out, err = run_cli(["export", learned[0], "--format", fmt, "--plumed-names", "p.x,p.y", "-o",
                                  str(target)], capsys)
        assert code == 2 and "--plumed-names is for --format plumed only" in err, err
        assert not target.exists()
    assert run_cli(["export", learned[0], "--format", "plumed", "--plumed-names", "p.x,p.y", "-o",
                    str(tmp_path / "v.grid")], capsys)[0] == 0


# -- learn: the library's notes ------------------------------------------------------------------------------------

def test_learn_prints_every_note_of_the_potential(learned):
    output, printed = learned
    with open(os.path.join(output, "result.json")) as stream:
        learn = json.load(stream)["learn"]
    assert "notes" not in learn  # result.json keeps the notes among the diagnostics only
    expected = report.notes(learn["diagnostics"])
    assert "stage1Precision" in expected  # this short run stops Stage 1 before its tolerance
    for name, text in expected.items():
        assert f"\n  note: {name}: {' '.join(text.split())}\n" in printed, name
    assert "note: platform" not in printed and "note: energy" not in printed


def test_print_learning_shows_each_note_indented(capsys):
    cli._print_learning({"kT": 1.0, "noise_covariance": [[0.1]], "noise_covariance_error": [[0.001]], "seconds": 1.0,
                         "notes": {"resolutionWarning": "the learned U has curvature\nthe step does not resolve",
                                   "stage1Rounds": "round 2 exploded"}})
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == ["  note: resolutionWarning: the learned U has curvature the step does not resolve",
                         "  note: stage1Rounds: round 2 exploded"]
