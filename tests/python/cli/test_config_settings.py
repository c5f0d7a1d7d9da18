"""The configuration maps onto CoarseGrainingSettings, one key one field, with the C++ default for an omitted key."""
import re
import tomllib

import pytest

import effpot
from effpot.cli import config as config_module
from effpot.cli import runs
from effpot.cli.command import demo_config_path

ENERGY = "x^2/2+0.01*sin(x/0.01)"


def _config(learn, run=None):
    data = {"model": {"energy": ENERGY, "dimensions": 1}, "learn": dict(learn, step_size=0.3)}
    if run is not None:
        data["run"] = run
    return config_module.validate(data)


def test_stage2_steps_defaults_as_in_cpp_to_twice_steps():
    settings = runs.coarse_grainer(_config({"steps": 3000})).settings
    assert settings.numSteps == 3000 and settings.numStage2Steps == 0 and settings.stage2Steps() == 6000
    assert runs.coarse_grainer(_config({})).settings.stage2Steps() == 2 * effpot.CoarseGrainingSettings().numSteps
    assert runs.coarse_grainer(_config({"steps": 3000, "stage2_steps": 500})).settings.stage2Steps() == 500
    assert "twice steps" in config_module.SCHEMA["learn"]["stage2_steps"][2]


def test_every_key_is_one_field():
    learn = {"friction": 0.7, "mass": 2.0, "target_kT": 1.5, "replicas": 40, "steps": 1200, "stage2_steps": 900,
             "equilibration_steps": 33, "sample_interval": 7, "batches": 4, "grid_bins": [120],
             "grid_lower": [-2.0], "grid_upper": [2.5], "allow_non_gaussian": True,
             "restart_frozen_replicas": False, "starts": [[0.1], [-0.4]], "start_spread": 0.02,
             "stage1_tolerance": 0.02, "stage1_rounds": 2, "stage2_refinements": 1}
    cg = runs.coarse_grainer(_config(learn, {"seed": 5, "threads": 2}))
    s = cg.settings
    for key, field in runs.LEARN_FIELDS.items():
        expected = learn.get(key, 0.3 if key == "step_size" else None)
        assert getattr(s, field) == (tuple(expected) if isinstance(expected, list) else expected), key
    assert (s.randomSeed, s.numThreads) == (5, 2)
    expected = runs.starting_points([[0.1], [-0.4]], 0.02, 40, 5).ravel()
    assert s.initialPositions == tuple(expected) and len(s.initialPositions) == 40
    # the same grainer as the setters make, key by key
    by_setters = effpot.CoarseGrainer(ENERGY, 1)
    by_setters.setStepSize(0.3)
    by_setters.setFriction(0.7)
    by_setters.setMass(2.0)
    by_setters.setTargetKT(1.5)
    by_setters.setNumReplicas(40)
    by_setters.setNumSteps(1200)
    by_setters.setNumStage2Steps(900)
    by_setters.setNumEquilibrationSteps(33)
    by_setters.setSampleInterval(7)
    by_setters.setNumBatches(4)
    by_setters.setGridBins([120])
    by_setters.setGridBox([-2.0], [2.5])
    by_setters.setAllowNonGaussian(True)
    by_setters.setRestartFrozenReplicas(False)
    by_setters.setStage1Precision(0.02, 2)
    by_setters.setStage2Refinements(1)
    by_setters.setRandomSeed(5)
    by_setters.setNumThreads(2)
    by_setters.setInitialPositions(expected[:, None])
    assert by_setters.toXml() == cg.toXml()


def test_automatic_friction_is_friction_zero():
    assert runs.coarse_grainer(_config({"friction": "auto"})).isFrictionAutomatic()
    assert runs.coarse_grainer(_config({})).settings.friction == 0.0
    assert not runs.coarse_grainer(_config({"friction": 0.4})).isFrictionAutomatic()


def test_the_demo_sets_stage2_steps_explicitly():
    # The demo's numbers depend on it: before issue 13 the configuration defaulted it to steps, C++ to twice that.
    with open(demo_config_path(), "rb") as stream:
        learn = tomllib.load(stream)["learn"]
    assert learn["stage2_steps"] == 2 * learn["steps"] == 40000


@pytest.mark.parametrize("key", sorted(config_module.SCHEMA["learn"]))
def test_every_learn_key_reaches_the_settings(key):
    assert key in runs.LEARN_FIELDS or key in ("starts", "start_spread")


def test_the_key_table_names_each_keys_field():
    import os
    settings = effpot.CoarseGrainingSettings()
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "cli.md")
    with open(path) as stream:
        text = stream.read()
    for key, field in {**runs.LEARN_FIELDS, **runs.RUN_FIELDS}.items():
        assert hasattr(settings, field), field
        assert re.search(rf"^\| `{key}` \| [^|]+ \| `{field}`", text, re.M), key


def test_the_settings_are_listed_once_in_cpp():
    # CoarseGrainingSettings::visitFields is the one list: Python's attributes, its pickling fields, the XML and the
    # configuration keys all follow it.
    described = [d.field for d in effpot.CoarseGrainingSettings.describe()]
    attributes = {name for name, value in vars(effpot.CoarseGrainingSettings).items()
                  if isinstance(value, property) and name != "thisown"}  # thisown: SWIG's ownership flag
    assert set(described) == attributes
    assert effpot.effpot_swig._SETTINGS_FIELDS == tuple(described)
    xml = effpot.CoarseGrainingSettings().toXml()
    for d in effpot.CoarseGrainingSettings.describe():
        name = d.field if d.kind not in ("floats", "ints") else d.field[0].upper() + d.field[1:]
        assert re.search(rf'\b{name}\b', xml), d.field
        if d.key:
            assert d.key in config_module.SCHEMA[d.section], d.key
            assert config_module.SCHEMA[d.section][d.key][0] == d.kind and d.help
