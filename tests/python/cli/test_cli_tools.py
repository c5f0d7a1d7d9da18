"""The effpot command in users' tools: --version and --help, progress in a pipe, effpot scan."""
import io
import json
import os
import re
import subprocess
import sys
import tomllib

import numpy as np
import openmm as mm
import pytest

import effpot
from effpot.cli import command as cli, config
from effpot.shared.progress import TextProgress
from effpot.coarse_graining.analysis import rmse_in_kt

from test_cli import GOOD, write


def test_version_names_effpot_and_openmm(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.strip() == f"effpot {effpot.__version__} (OpenMM {mm.Platform.getOpenMMVersion()})"


def test_help_does_not_send_a_pip_user_to_files_they_lack(capsys):
    texts = []
    for args in ([], ["learn"], ["compare"], ["demo"], ["export"], ["scan"]):
        with pytest.raises(SystemExit):
            cli.main(args + ["--help"])
        texts.append(capsys.readouterr().out)
    assert not [t for t in texts if "docs/" in t or ".md" in t]
    assert "python -m effpot.cli.config" in texts[0] and "python -m pydoc effpot" in texts[0]
    assert "export" in texts[0] and "scan" in texts[0]
    # And that command lists every key of the schema.
    described = config.describe()
    for section, keys in config.SCHEMA.items():
        assert f"[{section}]" in described
        for key in keys:
            assert f"  {key}" in described, key


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_plain_lines_off_a_terminal_and_a_bar_on_one(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")  # shutil.get_terminal_size reads it first
    plain = io.StringIO()
    progress = TextProgress(plain, interval=0.0)
    for done in range(0, 101, 10):
        progress.report("stage 1", done, 100)
    progress.report("fit", 1, 1)
    text = plain.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert lines[0] == "stage 1: 0% after 0.0 s, ETA --"
    assert re.fullmatch(r"stage 1: 50% after \d+\.\d s, ETA \d+\.\d s", lines[5])
    assert lines[-2].startswith("stage 1: 100%") and lines[-2].endswith("done")
    assert lines[-1].startswith("fit: 100%") and len(lines) == 12
    # The default interval keeps a pipe quiet: only the end of each stage.
    quiet = io.StringIO()
    progress = TextProgress(quiet)
    for done in range(0, 1001):
        progress.report("stage 2", done, 1000)
    assert quiet.getvalue().count("\n") == 1 and "stage 2: 100%" in quiet.getvalue()
    # On a terminal: a bar redrawn in place, with an ETA, one line per stage.
    terminal = FakeTerminal()
    progress = TextProgress(terminal)
    assert progress.terminal
    for done in range(0, 101):
        progress.report("stage 1", done, 100)
    progress.report("fit", 1, 1)
    text = terminal.getvalue()
    assert 90 <= text.count("\r") <= 102 and text.count("\n") == 2  # one redraw per whole percent
    assert "[###############...............]  50%" in text and "ETA" in text


@pytest.mark.parametrize("columns", [100, 80, 60, 40, 24])
def test_the_bar_fits_the_terminal_so_redraws_do_not_wrap(monkeypatch, columns):
    # A line as wide as the terminal wraps, and each \r redraw then adds a line: every drawn line must be shorter.
    monkeypatch.setenv("COLUMNS", str(columns))
    terminal = FakeTerminal()
    progress = TextProgress(terminal)
    stages = ["fit", "stage 2, pass 2 (equilibration)", "surrogate at 0.1 ps (GHMC) Langevin, mean path"]
    for stage in stages:
        for done in range(0, 101, 5):
            progress.report(stage, done, 100)
    progress.finish()
    drawn = [line.replace("\x1b[K", "") for line in re.split(r"[\r\n]", terminal.getvalue()) if line]
    assert drawn and max(len(line) for line in drawn) <= columns - 1
    assert all(re.search(r"\d+%", line) for line in drawn)  # the percentage always shows
    if columns >= 60:
        assert all("[" in line and "]" in line for line in drawn)  # and a bar where there is room for one
    if columns >= 100:
        assert any(line.startswith("surrogate at 0.1 ps (GHMC) Langevin, mean path [") for line in drawn)


def test_cli_in_a_pipe_prints_no_carriage_return_and_rounds(tmp_path):
    path = write(str(tmp_path), GOOD)
    output = tmp_path / "out"
    process = subprocess.run([sys.executable, "-m", "effpot.cli", "learn", path, "-o", str(output), "--compare"],
                             capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, process.stderr
    text = process.stdout + process.stderr
    assert "\r" not in text
    # Plain progress lines, one per finished stage at least.
    assert re.search(r"^stage 2: 100% after [\d.]+ s, done$", process.stderr, re.M), process.stderr
    assert re.search(r"^fit: 100% after", process.stderr, re.M)
    # D to 4 significant digits, the RMSE once.
    match = re.search(r"D = \[\[([^\]]+)\], \[([^\]]+)\]\]", process.stdout)
    assert match, process.stdout
    for entry in (match.group(1) + ", " + match.group(2)).split(", "):
        assert len(entry.replace("0.", "").replace("-", "").lstrip("0")) <= 4, entry
    assert process.stdout.count("RMSE") == 1
    assert "TV distance" in process.stdout


SCAN = """
[model]
name = "P1 scan"
dimensions = 1
energy = "x^2/2+0.01*sin(x/0.01)+0.0001*sin(x/0.0001)"
coarse_energy = "x^2/2"

[run]
seed = 1

[scan]
step_sizes = [0.005, 0.01, 0.02, 0.03, 0.045, 0.07, 0.1, 0.15, 0.22, 0.3, 0.45, 0.7, 1.0, 3.0]
replicas = 100
steps = 20000

[learn]
replicas = 200
steps = 20000
"""


def test_scan_finds_p1_levels_and_writes_learn_configurations(tmp_path, capsys):
    path = write(str(tmp_path), SCAN, "scan.toml")
    output = tmp_path / "scan"
    assert cli.main(["scan", path, "-o", str(output)]) == 0
    out = capsys.readouterr().out
    assert "2 levels found" in out
    assert (output / "figures" / "scale_scan.png").stat().st_size > 10000
    with open(output / "scan.json") as stream:
        result = json.load(stream)
    levels = result["levels"]
    assert len(levels) == 2 and len(result["points"]) == 14
    assert result["configurations"] == ["level-1.toml", "level-2.toml"]
    # P1's two windows (docs/theory.md section 10): around h = 0.03 (f0 + f1) and h = 0.3 (f0).
    first, second = levels
    assert first["smallest"] <= 0.03 <= first["largest"] and 0.02 <= first["recommended"] <= 0.05
    assert second["smallest"] <= 0.3 <= second["largest"] and 0.15 <= second["recommended"] <= 0.5
    by_h = {round(p["stepSize"], 3): p for p in result["points"]}
    assert by_h[3.0]["exploded"] and by_h[0.01]["frozen"]
    # Each level's configuration is a valid learn configuration at the recommended step, keeping [learn] keys.
    configs = []
    for index, level in enumerate(levels, start=1):
        level_path = output / f"level-{index}.toml"
        loaded = config.load(level_path)
        learn = loaded["learn"]
        assert learn["step_size"] == pytest.approx(level["recommended"], rel=5e-3)
        assert learn["friction"] == pytest.approx(2 * learn["step_size"], rel=1e-2)  # the scan's gamma = 2 h
        assert learn["replicas"] == 200 and loaded["model"]["energy"] == tomllib.loads(SCAN)["model"]["energy"]
        # 1D with the scan's fixed friction: kT follows from it, so a target_kT would be ignored and is not written.
        assert "target_kT" not in learn and "the friction sets kT" in level_path.read_text()
        # coarse_energy (f0) belongs to the coarsest level only; the first learns f0 + f1.
        assert ("coarse_energy" in loaded["model"]) == (index == len(levels))
        configs.append(loaded)
    # The second level learns f0 = x^2/2 with the written settings (well under a second).
    from effpot.cli.runs import learn as run_learning
    potential, summary = run_learning(configs[1])
    axes = [np.linspace(-0.8, 0.8, 161)]
    assert rmse_in_kt(potential, lambda q: 0.5 * q[:, 0] ** 2, axes) < 0.06
    scan_kt = float(re.search(r"the scan's run there had kT = ([0-9.e+-]+[0-9])", (output / "level-2.toml").read_text())[1])
    assert scan_kt == pytest.approx(potential.kT, rel=0.2)  # the friction law gives about the scan's kT
    # On worker processes, one task per step size, with a checkpoint: the same points (the moments to round-off:
    # their statistics travel as XML) and the same levels and configurations.
    workers = tmp_path / "workers"
    assert cli.main(["scan", path, "-o", str(workers), "--workers", "2", "--checkpoint",
                     str(tmp_path / "checkpoint"), "--no-progress"]) == 0
    with open(workers / "scan.json") as stream:
        again = json.load(stream)
    assert again["levels"] == levels and len(again["points"]) == len(result["points"])
    for a, b in zip(again["points"], result["points"]):
        for key, value in b.items():
            if isinstance(value, (bool, int)) or value is None:
                assert a[key] == value, key
            else:
                np.testing.assert_allclose(np.array(a[key], dtype=float), np.array(value, dtype=float),
                                           rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=key)  # None: NaN
    assert (workers / "level-2.toml").read_text() == (output / "level-2.toml").read_text()
    capsys.readouterr()
    # Settings errors name the key.
    bad = write(str(tmp_path), SCAN.replace("replicas = 100", "replica = 100"), "bad.toml")
    assert cli.main(["scan", bad, "-o", str(tmp_path / "bad")]) == 2
    assert "unknown key 'replica' in [scan]; did you mean 'replicas'?" in capsys.readouterr().err
    bad = write(str(tmp_path), SCAN.replace("step_sizes = [", "step_size_range = [0.1, 0.3, 100000000]\n# ["), "bad3.toml")
    assert cli.main(["scan", bad, "-o", str(tmp_path / "bad3")]) == 2  # refused at once (it was a MemoryError)
    assert "an integer count from 2 to 100000" in capsys.readouterr().err
    bad = write(str(tmp_path), SCAN.replace("step_sizes = [", "step_sizes = [1e308, "), "bad5.toml")
    assert cli.main(["scan", bad, "-o", str(tmp_path / "bad5")]) == 2  # its friction overflowed, naming setFriction
    assert "the largest step size, 1e+308 ps, is beyond what a scan can run" in capsys.readouterr().err
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00binary")
    assert cli.main(["scan", str(tmp_path / "binary.toml"), "-o", str(tmp_path / "bad4")]) == 2
    assert "not a text (UTF-8) file" in capsys.readouterr().err
    bad = write(str(tmp_path), SCAN.replace("[learn]", "[learn]\nstep_size = 0.1"), "bad2.toml")
    assert cli.main(["scan", bad, "-o", str(tmp_path / "bad2")]) == 2
    assert "step_size is chosen by the scan" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_scan_judges_the_edges_at_the_learn_target_kT_and_reports_unrelaxed_runs(tmp_path, capsys):
    text = SCAN.replace("[0.005, 0.01, 0.02, 0.03, 0.045, 0.07, 0.1, 0.15, 0.22, 0.3, 0.45, 0.7, 1.0, 3.0]",
                        "[0.005, 0.03, 0.15, 0.3, 0.45, 0.7]").replace("[learn]", "[learn]\ntarget_kT = 0.15")
    path = write(str(tmp_path), text, "scan.toml")
    output = tmp_path / "scan"
    assert cli.main(["scan", path, "-o", str(output), "--no-progress"]) == 0
    out = capsys.readouterr().out
    # h = 0.005: gamma = 0.01 over 110 ps, 1.1 relaxation times (docs/theory.md section 9).
    assert "not relaxed" in out and "h = 0.005 ps, 1.1 relaxation times" in out
    assert "large-step edges judged at kT* = 0.15" in out
    with open(output / "scan.json") as stream:
        result = json.load(stream)
    assert result["targetKT"] == 0.15
    by_h = {round(p["stepSize"], 3): p for p in result["points"]}
    assert not by_h[0.005]["relaxed"] and by_h[0.3]["relaxed"]
    assert any(p["edgeChecked"] and p["atTargetKT"]["kT"] == pytest.approx(0.15, rel=0.3) for p in result["points"])
    # With the user's kT* the friction is the pilot's (automatic), not the scan's gamma = 2 h.
    for index in range(1, len(result["levels"]) + 1):
        learn = config.load(output / f"level-{index}.toml")["learn"]
        assert learn["target_kT"] == 0.15 and learn.get("friction", 0) == 0


def test_example_scan_configuration_is_valid():
    from effpot.cli.scan import load_scan_config, scan_step_sizes
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "configs", "p1_scan.toml")
    loaded = load_scan_config(path)
    assert len(scan_step_sizes(loaded["scan"])) == 14 and loaded["learn"]["replicas"] == 400
    assert "step_size" not in loaded["learn"]
    # The default range: 14 step sizes log-spaced from 0.005 to 1 ps.
    steps = scan_step_sizes({})
    assert len(steps) == 14 and steps[0] == pytest.approx(0.005) and steps[-1] == pytest.approx(1.0)
    assert np.allclose(np.diff(np.log(steps)), np.log(200) / 13)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("reader", ["closed pipe", "full disk"])
def test_a_reader_that_goes_away_does_not_cost_the_learning(tmp_path, reader):
    # `effpot learn ... | head` or `> /dev/full`: printing the summary used to raise between the learning and the
    # writing, and the finished run was thrown away. Now the lines are dropped and the folder is written.
    path = write(str(tmp_path), GOOD)
    command = [sys.executable, "-m", "effpot.cli", "learn", path, "-o", str(tmp_path / "out"), "--no-progress"]
    if reader == "full disk":
        with open("/dev/full", "w") as full:
            process = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
        returncode, err = process.returncode, process.stderr
    else:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        process.stdout.close()  # the reader is gone before the first line
        err = process.stderr.read()
        returncode = process.wait(timeout=300)
    assert returncode == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert (tmp_path / "out" / "effective_potential.xml").is_file() and (tmp_path / "out" / "result.json").is_file()
