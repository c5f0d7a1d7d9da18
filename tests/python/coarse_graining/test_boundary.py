"""What crosses the language and process boundary (issue 13): the typed calibration record, one exception type for
an exploded run, objects (picklable, with their own types) instead of XML, and the settings value."""
import concurrent.futures
import json
import pickle
import re

import numpy as np
import openmm as mm
import pytest

import effpot
from effpot import effpot_swig
from effpot.coarse_graining import worker_pieces
from effpot.distributed.executors import Task, run_tasks

P1 = "x^2/2+0.01*sin(x/0.01)+0.0001*sin(x/0.0001)"
P4 = "(x^2+y^2)/2+0.001*(1*sin(x/0.001)+2*sin(y/0.001)+1*sin((x+y)/0.001))"


def _small(cg, h, gamma):
    cg.setStepSize(h)
    cg.setFriction(gamma)
    cg.setNumBatches(3)
    cg.setNumSteps(1000)
    cg.setNumEquilibrationSteps(300)
    cg.setAllowNonGaussian(True)
    return cg


def _grainer(energy=P1, d=1, h=0.3, gamma=0.5, mass=1.5):
    cg = _small(effpot.CoarseGrainer(energy, d), h, gamma)
    cg.setNumReplicas(30)
    if d == 1:
        cg.setMass(mass)
    return cg


@pytest.fixture(scope="module")
def learned_1d():
    cg = _grainer()
    return cg, cg.run()


@pytest.fixture(scope="module")
def learned_2d():
    return _grainer(P4, 2, 0.1).run()


# ---- 1. the calibration record ----

def test_calibration_of_a_1d_run_is_the_scalar_run(learned_1d):
    _, potential = learned_1d
    c = potential.calibration
    assert isinstance(c, effpot.coarse_graining.Calibration) and c.isKnown
    assert c.stepSize == 0.3 and c.targetKT == 1.0 and c.kT == potential.kT
    np.testing.assert_array_equal(c.mass, [[1.5]])
    np.testing.assert_array_equal(c.friction, [[0.5 * 1.5]])  # Gamma = gamma m
    assert c.energy == P1 and c.system is None and not c.fromUserSystem
    models = effpot.SurrogateModels(potential)
    assert models.stepSize == 0.3 and models.energy == P1
    np.testing.assert_array_equal(models.massMatrix, c.mass)
    np.testing.assert_array_equal(models.frictionMatrix, c.friction)


def test_calibration_of_stage_2_is_the_discrete_step_friction(learned_2d):
    """Stage 2's Gamma per eigendirection of D: gamma_i = (1/h) log((4 kT* + h d_i) / (4 kT* - h d_i)) (theory.md
    section 5), computed here independently; D / (2 kT*) to first order in gamma h. The surrogate reads the record."""
    c = learned_2d.calibration
    np.testing.assert_array_equal(c.mass, np.eye(2))
    h, kt = c.stepSize, c.targetKT
    values, vectors = np.linalg.eigh(learned_2d.noiseCovariance)
    rates = np.log((4 * kt + h * values) / (4 * kt - h * values)) / h
    np.testing.assert_allclose(c.friction, vectors @ np.diag(rates) @ vectors.T, rtol=1e-12, atol=1e-15)
    first_order = learned_2d.noiseCovariance / (2 * kt)
    assert np.max(np.abs(c.friction - first_order)) <= np.max(rates * h) ** 2 / 6 * np.max(np.abs(first_order))
    models = effpot.SurrogateModels(learned_2d)
    np.testing.assert_array_equal(models.frictionMatrix, c.friction)  # bit for bit: the record itself
    assert models.stepSize == 0.1


def _as_version_1(text):
    """What effpot wrote before the record: version 1, no <Calibration> (as TestCalibration.cpp makes one)."""
    assert text.count('version="2"') == 1
    text = text.replace('version="2"', 'version="1"')
    edited = re.sub(r"\s*<Calibration.*?</Calibration>", "", text, flags=re.S)
    assert "<Calibration" not in edited and edited != text
    return edited


@pytest.mark.parametrize("which", ["1d", "2d"])
def test_version_1_files_load_with_a_rebuilt_calibration(tmp_path, which, learned_1d, learned_2d):
    potential = learned_1d[1] if which == "1d" else learned_2d
    path = tmp_path / "old.xml"
    path.write_text(_as_version_1(potential.toXml()))
    old = effpot.EffectivePotential.load(path)
    a, b = potential.calibration, old.calibration
    assert b.isKnown and (a.stepSize, a.kT, a.targetKT, a.energy) == (b.stepSize, b.kT, b.targetKT, b.energy)
    np.testing.assert_array_equal(a.mass, b.mass)
    if which == "1d":
        np.testing.assert_array_equal(a.friction, b.friction)
    else:
        # A version-1 file was learned with Stage 2's Gamma = D / (2 kT*) (before the discrete-step rule): the rebuilt
        # record says what that run used.
        np.testing.assert_array_equal(b.friction, potential.noiseCovariance / (2 * b.targetKT))
    models = effpot.SurrogateModels(old)
    np.testing.assert_array_equal(models.frictionMatrix, b.friction)
    np.testing.assert_array_equal(old.evaluate([[0.1] * old.dimensions]), potential.evaluate([[0.1] * old.dimensions]))


def test_user_system_calibration_carries_the_system():
    system = mm.System()
    force = mm.CustomExternalForce(P1)
    for i in range(30):
        system.addParticle(1.0)
        force.addParticle(i, [])
    system.addForce(force)
    cg = _small(effpot.CoarseGrainer.fromSystem(system, range(30), 1), 0.3, 0.5)
    potential = cg.run()
    c = potential.calibration
    assert c.fromUserSystem and c.energy == ""
    assert isinstance(c.system, mm.System) and c.system.getNumParticles() == 30
    assert c.system.getForce(0).getEnergyFunction() == P1
    with pytest.raises(ValueError, match="user System"):
        effpot.SurrogateModels(potential)
    assert effpot.SurrogateModels(potential, energy=P1).stepSize == 0.3


# ---- 2. one exception type for an exploded run ----

def test_a_too_large_step_raises_unstable_run_with_its_step_and_time():
    from effpot.surrogates import ensembles
    assert ensembles.UnstableRun is effpot.UnstableRun is effpot_swig.UnstableRun
    assert issubclass(effpot.UnstableRun, mm.OpenMMException) and issubclass(effpot.UnstableRun, ValueError)
    h = 3.0
    with pytest.raises(effpot.UnstableRun) as caught:
        _grainer(h=h).run()
    error = caught.value
    assert error.step_size == h and 0 < error.time and "exploded" in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is effpot.UnstableRun
    assert (copy.time, copy.step_size, copy.label, str(copy)) == (error.time, error.step_size, error.label, str(error))
    made = effpot.UnstableRun(2.5, 0.1, "surrogate")
    assert made.time == 2.5 and made.step_size == 0.1 and str(made).startswith("surrogate: ")


_calls = []


def _explodes(h):
    _calls.append(h)
    raise effpot.UnstableRun(10 * h, h, "model")


def test_executors_do_not_retry_an_unstable_run():
    _calls.clear()
    with concurrent.futures.ThreadPoolExecutor(1) as executor:
        with pytest.raises(effpot.UnstableRun) as caught:
            run_tasks([Task("a", _explodes, (0.5,))], executor=executor, retries=3)
    assert _calls == [0.5] and caught.value.time == 5.0


def test_scan_point_reports_an_explosion_by_its_type():
    spec = worker_pieces.platform_spec("Reference")
    exploding = worker_pieces.scan_point(_grainer(h=3.0).toXml(), spec)
    assert exploding == {"exploded": True, "statistics": None}
    fine = worker_pieces.scan_point(_grainer(h=0.3).toXml(), spec)
    assert not fine["exploded"] and fine["statistics"].getDimensions() == 1  # the object itself, not its XML
    stored = worker_pieces.scan_point_text(fine)  # what a checkpoint keeps: JSON with the statistics as XML
    back = worker_pieces.scan_point_from_text(json.loads(json.dumps(stored)))
    assert back["statistics"].toXml() == fine["statistics"].toXml()


# ---- 3. objects across the boundary ----

def test_potential_grainer_statistics_and_settings_pickle(learned_1d):
    cg, potential = learned_1d
    for value in (potential, potential._impl, cg, cg._impl, cg.samplingStatistics(), cg.settings):
        copy = pickle.loads(pickle.dumps(value))
        assert type(copy) is type(value)
        assert copy.toXml() == value.toXml()
    copy = pickle.loads(pickle.dumps(potential))
    np.testing.assert_array_equal(copy.evaluate([[0.05], [0.2]]), potential.evaluate([[0.05], [0.2]]))
    assert copy.calibration.stepSize == 0.3
    grainer = pickle.loads(pickle.dumps(cg))
    assert grainer.dimensions == 1 and grainer.getStepSize() == 0.3 and grainer.settings.mass == 1.5
    statistics = pickle.loads(pickle.dumps(cg.samplingStatistics()))
    assert statistics.getGroupCount(0) == cg.samplingStatistics().getGroupCount(0) > 0
    assert statistics.getQuadraticSum(0, 1) == cg.samplingStatistics().getQuadraticSum(0, 1)


def test_statistics_are_copies_that_outlive_their_grainer():
    cg = _grainer()
    cg.run()
    statistics = cg._impl.getSamplingStatistics()
    xml = statistics.toXml()
    del cg
    assert statistics.toXml() == xml


def test_create_force_is_an_openmm_object(learned_1d):
    _, potential = learned_1d
    force = potential.createForce([0, 1])
    assert type(force) is mm.CustomCompoundBondForce
    assert mm.XmlSerializer.serialize(force) == potential._impl.createForceXml([0, 1])
    system = mm.System()
    system.addParticle(1.0)
    system.addParticle(1.0)
    system.addForce(force)
    context = mm.Context(system, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName("Reference"))
    context.setPositions([[0.1, 0, 0], [-0.2, 0, 0]])
    energy = context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(mm.unit.kilojoule_per_mole)
    table = potential.evaluate([[0.1], [-0.2]]).sum()
    assert energy == pytest.approx(table, rel=1e-6, abs=1e-9)


# ---- 4. the settings value ----

def test_settings_is_a_copy_with_attributes_and_set_settings_applies_it():
    cg = _grainer()
    settings = cg.settings
    assert isinstance(settings, effpot.CoarseGrainingSettings)
    assert (settings.stepSize, settings.friction, settings.mass, settings.numReplicas) == (0.3, 0.5, 1.5, 30)
    assert settings.numStage2Steps == 0 and settings.stage2Steps() == 2000  # one default: twice numSteps
    assert settings.gridBins == () and settings.initialBoxLower == ()
    settings.numSteps = 500
    settings.gridBins = [200]
    assert cg.getNumSteps() == 1000  # a copy
    cg.setSettings(settings)
    assert cg.getNumSteps() == 500 and cg.settings.gridBins == (200,) and list(cg.getGridBins()) == [200]
    assert cg.settings == settings
    by_setters = _grainer()
    by_setters.setNumSteps(500)
    by_setters.setGridBins(200)
    assert by_setters.toXml() == cg.toXml()
    settings.numReplicas = -5
    with pytest.raises(mm.OpenMMException, match="numReplicas"):
        cg.setSettings(settings)
    assert cg.getNumReplicas() == 30
    with pytest.raises(TypeError, match="CoarseGrainingSettings"):
        cg.setSettings({"numSteps": 10})


def test_a_plan_keeps_its_coarse_grainer_alive():
    """CoarseGrainingPlan holds a C++ reference to its CoarseGrainer: dropping the Python grainer must not free it
    under the plan (finish() then restores the automatic friction on the live object)."""
    import gc
    from effpot import effpot_swig as swig
    from effpot.coarse_graining import problems
    grainer = swig.CoarseGrainer(problems.p4(), 2)
    grainer.setStepSize(0.1)
    grainer.setNumReplicas(20)
    grainer.setNumBatches(4)
    grainer.setNumSteps(400)
    grainer.setNumEquilibrationSteps(50)
    plan = swig.CoarseGrainingPlan(grainer, mm.Platform.getPlatformByName("Reference"), 1)
    kept = plan._grainer
    del grainer
    gc.collect()
    assert plan.getStage() == swig.CoarseGrainingPlan.Stage1 and plan.getNumPieces() == 4
    assert kept.getFriction() > 0  # the pilot's friction, on the grainer the plan uses
    plan.finish()
    assert kept.isFrictionAutomatic()


def test_a_spline_evaluates_many_points_across_the_boundary():
    # A 2D quadratic with a cross term is in the spline space and untouched by the third-difference penalty, so the
    # fit reproduces it (to the fitter's 1e-10 relative ridge); evaluateMany is evaluate at each point.
    rng = np.random.default_rng(3)
    points = rng.uniform(-1, 1, size=(300, 2))
    quadratic = lambda p: 3 - p[:, 0] + 2 * p[:, 1] + 0.5 * p[:, 0] * p[:, 1] + 2 * p[:, 0] ** 2 + p[:, 1] ** 2
    spline = effpot_swig.PSplineFit([-1.0, -1.0], [1.0, 1.0], [8, 9])
    spline.fit(list(points.ravel()), list(quadratic(points)), [1.0] * len(points), 1e3)
    test = rng.uniform(-1, 1, size=(50, 2))
    assert np.max(np.abs(np.array(spline.evaluateMany(list(test.ravel()))) - quadratic(test))) < 1e-6
    assert np.isnan(spline.evaluateMany([0.0, float("nan")])[0])
    with pytest.raises(mm.OpenMMException, match="evaluateMany: give N x d"):
        spline.evaluateMany([0.0, 0.1, 0.2])
