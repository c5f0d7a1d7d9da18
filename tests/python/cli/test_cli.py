"""The effpot command: learn, compare, configuration checks, output folders, interrupted runs."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import openmm as mm
import pytest

import effpot
from effpot.cli import command as cli, config

# A fast configuration: P4 (anisotropic micro-scale over a quadratic well) with small runs.
GOOD = """
[model]
name = "P4 test"
dimensions = 2
energy = "(x^2+y^2)/2 + 1e-3*(sin(x/1e-3) + 2*sin(y/1e-3) + sin((x+y)/1e-3))"
coarse_energy = "(x^2+y^2)/2"

[run]
seed = 3
threads = 2

[learn]
step_size = 0.1
friction = 0.5
replicas = 100
steps = 5000
stage2_steps = 20000
equilibration_steps = 500
starts = [[0.0, 0.0]]
start_spread = 1.0

[compare]
replicas = 200
equilibration_steps = 200
samples = 200
sample_interval = 5
histogram_bins = [16, 16]
acf_lags = 20
mean_path_replicas = 500
mean_path_samples = 20
mean_path_start = [1.0, 1.0]
hamiltonian_time = 1.0
"""


def write(folder, text, name="run.toml"):
    path = os.path.join(folder, name)
    with open(path, "w") as stream:
        stream.write(text)
    return path


def run_cli(args, capsys):
    code = cli.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def learned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    path = write(str(folder), GOOD)
    output = os.path.join(str(folder), "out")
    assert cli.main(["learn", path, "-o", output, "--no-progress"]) == 0
    return output


def test_learn_writes_every_file(learned):
    for name in ("config.toml", "effective_potential.xml", "potential.xml", "result.json", "report.html",
                 "figures/potential.png"):
        assert os.path.isfile(os.path.join(learned, name)), name
    assert not [n for n in os.listdir(os.path.dirname(learned)) if ".partial-" in n]
    with open(os.path.join(learned, "result.json")) as stream:
        result = json.load(stream)
    learn = result["learn"]
    # P4 at h = 0.1: D = (h/2) [[2, 1], [1, 5]]; 100 replicas give a few percent.
    d = np.array(learn["noise_covariance"])
    np.testing.assert_allclose(d, 0.05 * np.array([[2, 1], [1, 5]]), rtol=0.1, atol=0.005)
    assert 0 < learn["rmse_kT"] < 0.06
    assert result["seed"] == 3 and result["platform"] == "Reference"
    assert result["versions"]["openmm"] == mm.Platform.getOpenMMVersion()
    assert result["settings"]["learn"]["step_size"] == 0.1
    # The saved potential and the serialized force are the learned U.
    potential = effpot.EffectivePotential.load(os.path.join(learned, "effective_potential.xml"))
    assert potential.kT == pytest.approx(learn["kT"], rel=1e-12)
    with open(os.path.join(learned, "potential.xml")) as stream:
        force = mm.XmlSerializer.deserialize(stream.read())
    system = mm.System()
    system.addParticle(1.0)
    system.addForce(force)
    context = mm.Context(system, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName("Reference"))
    context.setPositions([[0.3, -0.2, 0.0]])
    energy = context.getState(getEnergy=True).getPotentialEnergy()._value
    assert energy == pytest.approx(potential.evaluate([[0.3, -0.2]])[0], abs=1e-3)
    with open(os.path.join(learned, "report.html")) as stream:
        page = stream.read()
    assert "figures/potential.png" in page and "RMSE of U" in page


def test_compare_adds_metrics_figures_and_report(learned, capsys):
    code, out, err = run_cli(["compare", learned, "--no-progress"], capsys)
    assert code == 0, err
    with open(os.path.join(learned, "result.json")) as stream:
        result = json.load(stream)
    metrics = result["compare"]["metrics"]
    for key in ("tv_distance", "kl_divergence", "acf_max_difference", "mean_path_max_difference_sd",
                "full_hamiltonian_stable_step", "surrogate_hamiltonian_stable_step"):
        assert metrics[key] is not None, key
    # Small runs: the TV distance of 16 x 16 histograms is dominated by sampling noise, ~0.05 here.
    assert metrics["tv_distance"] < 0.1
    assert metrics["stable_step_ratio"] >= 10
    assert result["learn"]["rmse_kT"] > 0  # the learning part is kept
    for name in ("densities", "mean_paths", "autocorrelation", "phase_portraits", "stable_steps"):
        assert os.path.isfile(os.path.join(learned, "figures", name + ".png")), name
    with open(os.path.join(learned, "report.html")) as stream:
        page = stream.read()
    assert "TV distance" in page and "figures/mean_paths.png" in page
    assert "TV distance of the q-histograms" in out


@pytest.mark.parametrize("change, message", [
    (("step_size = 0.1", "stepsize = 0.1"), "unknown key 'stepsize' in [learn]; did you mean 'step_size'?"),
    (("[compare]", "[compair]"), "unknown section [compair]; did you mean 'compare'?"),
    (("step_size = 0.1", "step_size = -0.1"), "[learn] step_size is out of range: -0.1"),
    (("replicas = 100", "replicas = 10.5"), "[learn] replicas must be an integer, got 10.5"),
    (("dimensions = 2", "dimensions = 4"), "[model] dimensions must be 1, 2 or 3, got 4"),
    (("starts = [[0.0, 0.0]]", "starts = [[0.0]]"), "[learn] starts must be a non-empty list of points, each a list of 2"),
    (('coarse_energy = "(x^2+y^2)/2"', 'coarse_energy = "(x^2+q^2)/2"'), "[model] coarse_energy: the energy uses the unknown variable 'q'"),
    (('seed = 3', 'seed = 3\nplatform = "Quantum"'), "[run] platform 'Quantum' is not available here"),
    (("step_size = 0.1", ""), "[learn] step_size is required"),
    (("friction = 0.5", 'friction = "automatic"'), '[learn] friction must be a number or "auto"'),
    (("[compare]", "[compare]\nextra_surrogates = [{ step = 0.1 }]"),
     "[compare] extra_surrogates[0]: unknown key 'step'; did you mean 'step_size'?"),
    (("[compare]", '[compare]\nextra_surrogates = [{ step_size = 0.1, splitting = "VV" }]'),
     "[compare] extra_surrogates[0] splitting must be BAOAB, OBABO or GHMC, got 'VV'"),
    (("[compare]", "[compare]\nextra_surrogates = { step_size = 0.1 }"),
     "[compare] extra_surrogates must be a list of tables"),
])
def test_bad_configuration_names_the_key(tmp_path, capsys, change, message):
    path = write(str(tmp_path), GOOD.replace(*change))
    code, out, err = run_cli(["learn", path, "-o", str(tmp_path / "out"), "--no-progress"], capsys)
    assert code == 2
    assert message in err
    assert not os.path.exists(tmp_path / "out")


def test_invalid_toml_and_missing_file(tmp_path, capsys):
    code, _, err = run_cli(["learn", str(tmp_path / "absent.toml"), "-o", str(tmp_path / "o")], capsys)
    assert code == 2 and "no such configuration file" in err
    path = write(str(tmp_path), "[model\nenergy = 1")
    code, _, err = run_cli(["learn", path, "-o", str(tmp_path / "o")], capsys)
    assert code == 2 and "not valid TOML" in err
    code, _, err = run_cli(["compare", str(tmp_path)], capsys)
    assert code == 2 and "has no config.toml" in err


def test_existing_output_directory_is_not_overwritten(tmp_path, capsys):
    path = write(str(tmp_path), GOOD)
    output = tmp_path / "out"
    output.mkdir()
    (output / "mine.txt").write_text("a user's file")
    code, _, err = run_cli(["learn", path, "-o", str(output), "--no-progress"], capsys)
    assert code == 2 and "already exists and is not empty" in err and "--force" in err
    assert os.listdir(output) == ["mine.txt"]


def test_interrupted_run_leaves_no_file(tmp_path):
    """Ctrl-C during learning: exit status 130, no output folder, no partial file next to it."""
    slow = GOOD.replace("steps = 5000", "steps = 2000000")
    path = write(str(tmp_path), slow)
    output = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "effpot.cli", "learn", path, "-o", str(output)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait until the run has started (the progress bar draws on stderr), then interrupt it.
    deadline = time.time() + 60
    while time.time() < deadline and not any(n.startswith(".out.partial-") for n in os.listdir(tmp_path)):
        time.sleep(0.2)
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "interrupted" in err
    assert sorted(os.listdir(tmp_path)) == ["run.toml"]


def test_demo_configuration_is_valid():
    with open(cli.demo_config_path(), "rb") as stream:
        import tomllib
        data = config.validate(tomllib.load(stream), "demo")
    assert data["model"]["dimensions"] == 2 and data["learn"]["step_size"] == 0.02


def test_every_configuration_key_is_documented():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "cli.md")
    with open(path) as stream:
        text = stream.read()
    for section, keys in config.SCHEMA.items():
        assert f"**[{section}]**" in text, section
        for key in keys:
            assert f"| `{key}` |" in text, (section, key)


@pytest.mark.parametrize("name", ["p1_h03", "p2_h03", "p4_anisotropic"])
def test_example_configurations_are_valid(name):
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "configs", name + ".toml")
    assert config.load(path)["learn"]["step_size"] > 0


def test_demo_meets_its_targets(tmp_path, capsys):
    """The main job end to end (P5: learn, compare, report), against the surrogates issue's targets."""
    output = tmp_path / "demo"
    code, out, err = run_cli(["demo", "-o", str(output), "--no-progress"], capsys)
    assert code == 0, err
    with open(output / "result.json") as stream:
        result = json.load(stream)
    metrics = result["compare"]["metrics"]
    assert result["learn"]["rmse_kT"] <= 0.06
    assert metrics["tv_distance"] <= 0.03
    assert metrics["acf_max_difference"] <= 0.05
    assert metrics["mean_path_max_difference_sd"] <= 0.05
    assert metrics["stable_step_ratio"] >= 10
    # The demo's extra surrogate: GHMC at 5x the learning step, against the TV <= 0.05 there (measured
    # 0.008, the sampling noise of 2000 x 2000 correlated samples on 30 x 30 bins; BAOAB gives about 0.06).
    (extra,) = metrics["extra_surrogates"]
    assert extra["surrogate_step_size"] == 0.1 and extra["surrogate_splitting"] == "GHMC"
    assert extra["surrogate_finite"] and extra["tv_distance"] <= 0.05
    assert 0.8 < extra["metropolis_acceptance"] < 0.97  # measured 0.897 (0.896 on the exact coarse part)
    d = np.array(result["learn"]["noise_covariance"])
    np.testing.assert_allclose(d, [[0.5, 0.25], [0.25, 1.25]], rtol=0.05)  # (h/2) A^2 [[2, 1], [1, 5]]
    assert "FAIL" not in out and (output / "report.html").is_file()


def test_learn_and_compare_on_worker_processes_equal_threads(learned, tmp_path, capsys):
    """--workers 2 (worker processes) writes the same numbers as the in-process run."""
    output = tmp_path / "workers"
    config_path = os.path.join(learned, "config.toml")
    code, _, err = run_cli(["learn", config_path, "-o", str(output), "--no-progress", "--workers", "2",
                            "--checkpoint", str(tmp_path / "checkpoint")], capsys)
    assert code == 0, err
    with open(os.path.join(learned, "result.json")) as stream:
        threads = json.load(stream)["learn"]
    with open(output / "result.json") as stream:
        workers = json.load(stream)["learn"]
    assert workers["noise_covariance"] == threads["noise_covariance"] and workers["kT"] == threads["kT"]
    assert os.listdir(tmp_path / "checkpoint")


@pytest.mark.parametrize("text", ["[]", '{"learn": 5}', "\xff\xfe binary"])
def test_compare_of_a_damaged_result_json_names_it(learned, tmp_path, capsys, text):
    # A result.json that is JSON but not a result ([], {"learn": 5}) used to end in an AttributeError traceback.
    import shutil
    folder = tmp_path / "copy"
    shutil.copytree(learned, folder)
    (folder / "result.json").write_bytes(text.encode("latin-1"))
    capsys.readouterr()
    assert cli.main(["compare", str(folder), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert str(folder / "result.json") in err and "run 'effpot learn' again" in err and "Traceback" not in err


def test_a_comparison_that_fails_keeps_the_learning(tmp_path, capsys, monkeypatch):
    # A comparison that raised after the learning (a surrogate step that blew up in a timing run did) threw the
    # finished learning away: now the folder is written, and the error says where it is and how to compare again.
    def failing(*args, **kwargs):
        raise RuntimeError("a comparison went wrong")
    monkeypatch.setattr(cli, "run_comparisons", failing)
    output = str(tmp_path / "out")
    code, out, err = run_cli(["learn", write(str(tmp_path), GOOD), "-o", output, "--compare", "--no-progress"], capsys)
    assert code == 1
    assert "the comparisons failed (RuntimeError: a comparison went wrong" in err
    assert f"'effpot compare {output}'" in err
    for name in ("config.toml", "effective_potential.xml", "potential.xml", "result.json", "report.html"):
        assert os.path.isfile(os.path.join(output, name)), name
    with open(os.path.join(output, "result.json")) as stream:
        result = json.load(stream)
    assert "compare" not in result and result["learn"]["rmse_kT"] > 0
    assert not [n for n in os.listdir(str(tmp_path)) if ".partial-" in n]
