"""The fast form of a learned potential (EffectivePotential.createReplicaForce, a ReplicaSplineForce) against the
portable one (createForce, a CustomCompoundBondForce): the same energies and forces; and an unstable surrogate
reported by compare() as a failed metric, not raised."""
import numpy as np
import openmm as mm
import pytest

import effpot
from effpot.surrogates.comparison import ComparisonSettings, compare
from effpot.surrogates import SurrogateModels


@pytest.fixture(scope="module")
def potential_2d():
    # P4's coarse part with a fine ripple, learned small (Stage 1 and 2 at h = 0.1).
    cg = effpot.CoarseGrainer("(x^2+y^2)/2 + 1e-3*(sin(x/1e-3) + 2*sin(y/1e-3) + sin((x+y)/1e-3))", 2)
    cg.setStepSize(0.1)
    cg.setFriction(0.5)
    cg.setNumReplicas(64)
    cg.setNumSteps(4000)
    return cg.run()


@pytest.fixture(scope="module")
def potential_1d():
    cg = effpot.CoarseGrainer("x^2/2+0.01*sin(x/0.01)", 1)
    cg.setStepSize(0.3)
    cg.setFriction(0.6)
    cg.setNumReplicas(64)
    cg.setNumSteps(4000)
    cg.setInitialPositions(np.linspace(-1, 1, 64)[:, None])
    return cg.run()


def energies_and_forces(force, positions, platform):
    system = mm.System()
    for _ in positions:
        system.addParticle(1.0)
    system.addForce(force)
    context = mm.Context(system, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName(platform))
    context.setPositions(positions)
    state = context.getState(getEnergy=True, getForces=True)
    return state.getPotentialEnergy()._value, state.getForces(asNumpy=True)._value


@pytest.mark.parametrize("which", ["potential_1d", "potential_2d"])
@pytest.mark.parametrize("platform", ["Reference", "CPU"])
def test_fast_and_portable_forces_agree(which, platform, request):
    potential = request.getfixturevalue(which)
    d = potential.dimensions
    lower, upper = np.array(potential._impl.getLower()), np.array(potential._impl.getUpper())
    rng = np.random.default_rng(3)
    count = 131  # not a multiple of the 64-lane block
    positions = np.zeros((count, 3))
    width = upper - lower
    positions[:, :d] = rng.uniform(lower - 0.3 * width, upper + 0.3 * width, size=(count, d))  # inside and out
    positions[:5, :d] = lower  # exactly on the box's corner
    positions[5:10, :d] = upper
    e0, f0 = energies_and_forces(potential.createForce(range(count)), positions, "Reference")
    e1, f1 = energies_and_forces(potential.createReplicaForce(range(count)), positions, platform)
    assert e1 == pytest.approx(e0, rel=1e-10)
    assert np.max(np.abs(f1 - f0)) <= 1e-10 * np.max(np.abs(f0))


def test_replica_force_round_trips_through_xml(potential_2d):
    force = potential_2d.createReplicaForce(range(10))
    copy = effpot.ReplicaSplineForce.deserialize(mm.XmlSerializer.serialize(force))
    assert copy.getNumParticles() == 10
    assert list(copy.getValues()) == list(force.getValues())


def test_surrogate_models_use_the_fast_force(potential_2d):
    fast, _ = SurrogateModels(potential_2d).surrogateLangevin(4)
    portable, _ = SurrogateModels(potential_2d, portable=True).surrogateLangevin(4)
    # System.getForce returns OpenMM's base proxy: tell the classes apart by what XmlSerializer writes.
    assert 'type="ReplicaSplineForce"' in mm.XmlSerializer.serialize(fast.getForce(0))
    assert 'type="CustomCompoundBondForce"' in mm.XmlSerializer.serialize(portable.getForce(0))


def test_an_unstable_surrogate_is_a_failed_metric(potential_2d):
    # A step far beyond 2 / sqrt(lambda_max) of U: the surrogate explodes; compare() says so and carries on.
    # 25 learning steps: h^2 lambda = 6.25 > 4 for U's curvature of about 1.
    settings = ComparisonSettings(starts=[[0.0, 0.0]], replicas=64, equilibration_steps=200, samples=50,
                                  sample_interval=25, acf_lags=5, mean_path_replicas=64, mean_path_samples=5,
                                  mean_path_interval=25, surrogate_step_size=2.5, hamiltonian_replicas=2,
                                  hamiltonian_time=0.5, portrait_time=0.5, batches=2)
    metrics, _ = compare(potential_2d, settings)
    assert metrics["surrogate_finite"] is False
    assert metrics["surrogate_unstable"]["step_size"] == pytest.approx(2.5)
    assert metrics["surrogate_unstable"]["time"] > 0
    assert metrics["tv_distance"] is None and metrics["surrogate_speedup"] is None


def test_extra_surrogates_are_judged_against_the_same_reference_runs(potential_2d):
    # Three extra surrogates next to the default one (BAOAB at the learning step h = 0.1): the same model again,
    # which must reproduce the default's metrics exactly (same reference runs, same seeds); BAOAB at 25 h, which
    # explodes (h^2 lambda = 6.25 > 4) and is reported in its own entry while the others carry on; and GHMC at
    # 5 h, whose Metropolis test keeps it finite and reports how often it accepted.
    settings = ComparisonSettings(starts=[[0.0, 0.0]], replicas=64, equilibration_steps=200, samples=50,
                                  sample_interval=25, acf_lags=5, mean_path_replicas=64, mean_path_samples=5,
                                  mean_path_interval=25, hamiltonian_replicas=2, hamiltonian_time=0.5,
                                  portrait_time=0.5, batches=2,
                                  extra_surrogates=[{"step_size": 0.1}, {"step_size": 2.5},
                                                    {"step_size": 0.5, "splitting": "GHMC"}])
    metrics, curves = compare(potential_2d, settings)
    same, exploded, ghmc = metrics["extra_surrogates"]
    for key in ("tv_distance", "kl_divergence", "acf_max_difference", "mean_path_max_difference_sd"):
        assert same[key] == metrics[key] and metrics[key] is not None
    assert metrics["metropolis_acceptance"] is None and same["metropolis_acceptance"] is None  # BAOAB: no test
    assert exploded["surrogate_finite"] is False and exploded["tv_distance"] is None
    assert exploded["surrogate_unstable"]["step_size"] == pytest.approx(2.5)
    assert exploded["langevin_net_speedup"] is None
    assert ghmc["surrogate_finite"] and ghmc["surrogate_splitting"] == "GHMC"
    assert 0.5 < ghmc["metropolis_acceptance"] < 1.0
    assert ghmc["langevin_net_speedup"] > 0 and ghmc["tv_distance"] < 0.5
    assert [c["step_size"] for c in curves["extra_surrogates"]] == [0.1, 2.5, 0.5]
    assert np.isnan(curves["extra_surrogates"][1]["acf_surrogate"]).all()
    # The full model's portrait is sampled finely enough to show its small scales (every h / 2 aliased them).
    times = curves["portraits"]["full"][0]
    assert np.diff(times).max() <= max(curves["portrait_steps"]["full"], 0.5 / 4000) * (1 + 1e-9)


@pytest.mark.parametrize("extras, message", [
    ({"step_size": 0.5}, "expected a list"),
    ([{"step": 0.5}], r"extra_surrogates\[0\]: unknown key 'step'"),
    ([{"splitting": "GHMC"}], "step_size \\(ps\\) is required"),
    ([{"step_size": -1.0}], r"extra_surrogates\[0\].step_size: expected a finite positive number"),
    ([{"step_size": 0.5, "splitting": "VV"}], "expected one of BAOAB, OBABO, GHMC"),
    ([{"step_size": 0.3}], r"extra_surrogates\[0\].step_size = 0.3 ps: .* whole number of surrogate steps"),
])
def test_extra_surrogates_are_checked_before_anything_runs(potential_2d, extras, message):
    settings = ComparisonSettings(starts=[[0.0, 0.0]], sample_interval=25, mean_path_interval=25,
                                  extra_surrogates=extras)
    with pytest.raises((TypeError, ValueError), match=message):
        compare(potential_2d, settings)


def test_surrogate_at_five_times_the_learning_step_stays_finite_and_accurate():
    # The learned 2D quadratic of bench_replica_force.py (curvatures 2.28 and 0.72): at 5x the learning step
    # h^2 lambda = 0.57, stable for U itself. The old table (a cone with a kink at the support's edge, a stiff
    # wall: curvature up to 49) exploded there after about 375 ps; the smooth continuation does not.
    cg = effpot.CoarseGrainer("(2*x^2 + 1.2*x*y + y^2)/2 + 1e-3*(2*sin((x-y)/1e-3) + 1.5*sin(x/1e-3))", 2)
    cg.setStepSize(0.1)
    cg.setFriction(0.5)
    cg.setNumReplicas(100)
    cg.setNumSteps(10000)
    potential = cg.run()
    settings = ComparisonSettings(starts=[[0.0, 0.0]], replicas=1000, equilibration_steps=5000, samples=400,
                                  sample_interval=10, acf_lags=20, mean_path_replicas=500, mean_path_samples=10,
                                  mean_path_interval=10, surrogate_step_size=0.5, hamiltonian_replicas=2,
                                  hamiltonian_time=0.5, portrait_time=0.5, batches=2)
    metrics, _ = compare(potential, settings)
    assert metrics["surrogate_finite"] and metrics["surrogate_unstable"] is None
    # 1000 replicas x 400 correlated samples on 30 x 30 bins: a TV of about 0.01-0.02 is sampling noise.
    assert metrics["tv_distance"] < 0.05


UNSTABLE_CONFIG = """[model]
name = "a learned quadratic whose surrogate is given far too large a step (test_replica_spline_force.py)"
dimensions = 2
energy = "(2*x^2 + 1.2*x*y + y^2)/2 + 1e-3*(2*sin((x-y)/1e-3) + 1.5*sin(x/1e-3))"

[learn]
step_size = 0.1
friction = 0.5
replicas = 100
steps = 5000

[compare]
replicas = 200
equilibration_steps = 1000
samples = 100
sample_interval = 25
mean_path_replicas = 200
mean_path_samples = 10
mean_path_interval = 25
surrogate_step_size = 2.5
"""


def test_cli_reports_an_unstable_surrogate_and_still_writes_everything(tmp_path):
    # 25 learning steps per surrogate step: the surrogate Langevin model explodes. learn --compare must still
    # draw the figures, write result.json and the report, and say which model went unstable and when.
    import json
    from effpot.cli import command as cli
    config = tmp_path / "unstable.toml"
    config.write_text(UNSTABLE_CONFIG)
    output = tmp_path / "out"
    cli.main(["learn", str(config), "-o", str(output), "--compare", "--no-progress"])
    result = json.load(open(output / "result.json"))
    metrics = result["compare"]["metrics"]
    assert metrics["surrogate_finite"] is False and metrics["tv_distance"] is None
    assert metrics["surrogate_unstable"]["step_size"] == pytest.approx(2.5)
    report = open(output / "report.html").read()
    assert "went unstable" in report
    for figure in ("densities.png", "mean_paths.png", "autocorrelation.png"):
        assert (output / "figures" / figure).stat().st_size > 0


def test_an_unstable_surrogate_on_worker_processes_is_a_failed_metric_too(potential_2d):
    # UnstableRun crosses from a worker process intact (it pickles its step and time) and is not retried.
    import pickle
    from effpot.surrogates.ensembles import UnstableRun
    from effpot.distributed.executors import local_executor
    error = pickle.loads(pickle.dumps(UnstableRun(12.5, 2.5, "surrogate")))
    assert (error.time, error.step_size, error.label) == (12.5, 2.5, "surrogate")
    settings = ComparisonSettings(starts=[[0.0, 0.0]], replicas=64, equilibration_steps=200, samples=50,
                                  sample_interval=25, acf_lags=5, mean_path_replicas=64, mean_path_samples=5,
                                  mean_path_interval=25, surrogate_step_size=2.5, hamiltonian_replicas=2,
                                  hamiltonian_time=0.5, portrait_time=0.5, batches=2)
    with local_executor(2) as executor:
        metrics, _ = compare(potential_2d, settings, executor=executor)
    assert metrics["surrogate_finite"] is False and metrics["surrogate_unstable"]["step_size"] == pytest.approx(2.5)
