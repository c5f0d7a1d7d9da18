"""Runs split over executors (docs/distributed.md): the same D, kT and U as one in-process run, bit for bit, whatever
the split; lost workers are retried; interrupted runs resume with only the missing pieces."""
import concurrent.futures as cf
import json
import os
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import openmm as mm
import pytest

import effpot
from effpot.coarse_graining import problems
from effpot.distributed.executors import Task, run_tasks

POINTS = np.random.default_rng(0).uniform(-2, 2, (50, 2))


def p4_grainer(steps=2000, replicas=40, batches=4):
    """A short P4 run (2D, anisotropic noise): Stage 1, Stage 2 and the fit in well under a second."""
    cg = effpot.CoarseGrainer(problems.p4(), 2)
    cg.setStepSize(0.1)
    cg.setFriction(0.5)
    cg.setNumReplicas(replicas)
    cg.setNumBatches(batches)
    cg.setNumSteps(steps)
    cg.setNumEquilibrationSteps(500)
    cg.setAllowNonGaussian(True)  # short runs; these tests are about reproducibility
    return cg


@pytest.fixture(scope="module")
def serial():
    """The reference: the in-process threaded run."""
    return p4_grainer().run()


def assert_same(potential, reference):
    np.testing.assert_array_equal(potential.noiseCovariance, reference.noiseCovariance)
    np.testing.assert_array_equal(potential.noiseCovarianceError, reference.noiseCovarianceError)
    assert potential.kT == reference.kT
    np.testing.assert_array_equal(potential.evaluate(POINTS), reference.evaluate(POINTS))


# ---- In-process pieces ----------------------------------------------------------------------------------------


def small_p1():
    """A small 1D run of P1 at h = 0.3 (40 replicas in 4 batches), for tests that compare two ways of running it."""
    cg = effpot.CoarseGrainer(problems.p1(), 1)
    cg.setStepSize(0.3)
    cg.setNumReplicas(40)
    cg.setNumBatches(4)
    cg.setNumSteps(2000)
    cg.setNumEquilibrationSteps(300)
    cg.setAllowNonGaussian(True)
    return cg

def test_pieces_in_process_equal_run_for_any_split(tmp_path, serial):
    for batches_per_task in (1, 3):
        potential = p4_grainer().run(checkpoint=tmp_path / f"split{batches_per_task}", batches_per_task=batches_per_task)
        assert_same(potential, serial)
    stage1 = sorted(n for n in os.listdir(tmp_path / "split3") if n.startswith("stage1"))
    # Every Stage-1 round in the same two pieces; later rounds' keys carry their round and a digest of its frame.
    rounds = int(serial.diagnostics["stage1.rounds"])
    assert rounds == 3  # 40 replicas do not reach the whitened tolerance 0.01 sooner
    assert [n for n in stage1 if not n.startswith("stage1-r")] == ["stage1-b0000-0003-g0-3.json",
                                                                    "stage1-b0003-0004-g0-3.json"]
    for r in range(1, rounds):
        later = [n for n in stage1 if n.startswith(f"stage1-r{r}-")]
        assert len(later) == 2 and later[0].endswith("-b0000-0003-g0-3.json"), later


def test_one_dimension_in_pieces_equals_run(tmp_path):
    def make():
        cg = small_p1()
        cg.setFriction(0.6)
        return cg
    reference = make().run()
    stages = set()
    potential = make().run(checkpoint=tmp_path, progress=lambda stage, done, total: stages.add(stage))
    assert potential.kT == reference.kT
    x = np.linspace(-1, 1, 21)
    np.testing.assert_array_equal(potential.evaluate(x), reference.evaluate(x))
    assert stages == {"equilibration range (tasks)", "sampling (tasks)", "fit"}  # no Stage 1 in 1D


def test_automatic_friction_is_piloted_before_the_pieces(tmp_path):
    def make():
        cg = small_p1()
        cg.setTargetKT(0.2)
        return cg
    reference = make().run()
    cg = make()
    potential = cg.run(checkpoint=tmp_path)
    assert potential.diagnostics["settings.frictionAutomatic"] == 1
    assert potential.diagnostics["settings.friction"] == reference.diagnostics["settings.friction"]
    # No starts given: the pieces start where the pilot's replicas ended, as run() does.
    assert potential.diagnostics["settings.startsFromPilot"] == reference.diagnostics["settings.startsFromPilot"] == 1
    assert potential.kT == reference.kT
    assert cg.isFrictionAutomatic() and not cg.getStartsFromPilot()  # undone afterwards, as run() does


def test_settings_travel_as_xml():
    cg = p4_grainer()
    cg.setInitialPositions(np.array(problems.P5_WELLS)[:, :2])
    cg.setGridBox([-3, -3], [3, 3])
    cg.setKnotSpacing(2.5)
    xml = cg.toXml()
    copy = effpot.CoarseGrainer.fromXml(xml)
    assert copy.toXml() == xml
    assert copy.getStepSize() == 0.1 and copy.getNumBatches() == 4


def test_user_system_goes_by_design(tmp_path):
    system = mm.System()
    force = mm.CustomExternalForce(problems.p4())
    for i in range(20):
        system.addParticle(1.0)
        force.addParticle(i, [])
    system.addForce(force)

    def make():
        cg = effpot.CoarseGrainer.fromSystem(system, list(range(20)), 2)
        cg.setStepSize(0.1)
        cg.setFriction(0.5)
        cg.setNumBatches(2)
        cg.setNumSteps(1000)
        cg.setNumEquilibrationSteps(200)
        cg.setGridBins(12)
        cg.setAllowNonGaussian(True)
        cg.setInitialBox([-1, -1], [1, 1])
        return cg
    reference = make().run()
    potential = make().run(checkpoint=tmp_path)
    assert_same(potential, reference)
    names = sorted(n for n in os.listdir(tmp_path) if n.startswith("stage1") and not n.startswith("stage1-r"))
    assert names == ["stage1-b0000-0002-g0-1.json", "stage1-b0000-0002-g1-2.json", "stage1-b0000-0002-g2-3.json"]
    later = [n for n in os.listdir(tmp_path) if n.startswith("stage1-r")]
    assert len(later) == 3 * (int(reference.diagnostics["stage1.rounds"]) - 1)  # each later round by design too


def test_checkpoint_of_other_settings_is_refused(tmp_path):
    p4_grainer().run(checkpoint=tmp_path)
    other = p4_grainer()
    other.setStepSize(0.09)
    with pytest.raises(ValueError, match="stepSize"):
        other.run(checkpoint=tmp_path)
    with pytest.raises(ValueError, match="split"):
        p4_grainer().run(checkpoint=tmp_path, batches_per_task=2)


@pytest.mark.parametrize("damage", ["null result", "number result", "damaged XML", "manifest list",
                                    "fit not text", "a file, not a folder"])
def test_a_damaged_checkpoint_names_its_file(tmp_path, damage):
    # Each used to fail deep inside (a SWIG overload error, an AttributeError, FileExistsError) without the file.
    folder = tmp_path / "checkpoint"
    p4_grainer().run(checkpoint=folder)
    pieces = sorted(folder.glob("stage1-*.json"))
    expected = str(pieces[0])
    if damage == "null result":
        pieces[0].write_text('{"key": "x", "result": null}')
    elif damage == "number result":
        expected = str(sorted(folder.glob("sampling-*.json"))[0])
        sorted(folder.glob("sampling-*.json"))[0].write_text('{"key": "x", "result": 5}')
    elif damage == "damaged XML":
        pieces[0].write_text(json.dumps({"key": "x", "result": "<ReplicaStatistics>cut"}))
    elif damage == "manifest list":
        expected = str(folder / "manifest.json")
        (folder / "manifest.json").write_text('{"fingerprint": [1]}')
    elif damage == "fit not text":
        expected = str(sorted(folder.glob("fit-*.json"))[0])
        sorted(folder.glob("fit-*.json"))[0].write_text('{"key": "x", "result": {}}')
    else:
        expected = str(tmp_path / "file")
        folder = tmp_path / "file"
        folder.write_text("not a folder")
    with pytest.raises(effpot.distributed.checkpoint.CheckpointError) as error:
        p4_grainer().run(checkpoint=folder)
    assert expected in str(error.value) and ("delete" in str(error.value) or "give a folder" in str(error.value))


def test_bad_arguments_name_the_parameter():
    cg = p4_grainer(steps=100)
    with pytest.raises(ValueError, match="batches_per_task"):
        cg.run(checkpoint="unused", batches_per_task=0)
    with pytest.raises(TypeError, match="executor"):
        cg.run(executor="processes")
    with pytest.raises(mm.OpenMMException, match="firstBatch"):
        cg._impl.runStage1(mm.Platform.getPlatformByName("Reference"), 3, 7, 0, 3)
    with pytest.raises(mm.OpenMMException, match="missing from the merge"):
        part = cg._impl.runStage1(mm.Platform.getPlatformByName("Reference"), 0, 1, 0, 3)
        cg._impl.estimateNoiseCovariance(part)
    with pytest.raises(ValueError, match="max_workers"):
        effpot.local_executor(0)


# ---- run_tasks on its own: retries and errors -----------------------------------------------------------------

def square(x):
    return x * x


def fails_on_input(x):
    raise ValueError(f"bad input {x}")


class FlakyExecutor(cf.Executor):
    """Fails the first `failures` submissions of every task as a lost worker would (ConnectionError)."""

    def __init__(self, failures):
        self.failures = failures
        self.seen = {}
        self.pool = cf.ThreadPoolExecutor(2)

    def submit(self, fn, *args):
        count = self.seen.get(args, 0)
        self.seen[args] = count + 1
        if count < self.failures:
            future = cf.Future()
            future.set_exception(ConnectionError("worker lost"))
            return future
        return self.pool.submit(fn, *args)


def test_lost_tasks_are_retried_and_errors_of_the_computation_are_not():
    tasks = [Task(f"t{i}", square, (i,)) for i in range(5)]
    flaky = FlakyExecutor(failures=2)
    assert run_tasks(tasks, flaky, retries=2) == {f"t{i}": i * i for i in range(5)}
    assert all(count == 3 for count in flaky.seen.values())
    with pytest.raises(RuntimeError, match="'t0' failed 2 times"):
        run_tasks(tasks[:1], FlakyExecutor(failures=5), retries=1)
    flaky = FlakyExecutor(failures=0)
    with pytest.raises(ValueError, match="bad input 3"):
        run_tasks([Task("bad", fails_on_input, (3,))], flaky, retries=3)
    assert flaky.seen == {(3,): 1}
    with pytest.raises(ValueError, match="unique"):
        run_tasks([Task("a", square, (1,)), Task("a", square, (2,))])


# ---- Local worker processes -----------------------------------------------------------------------------------

def kill_one_worker_when(folder, pids, ready=lambda: True):
    """In a thread: once a result is stored in `folder` (the run is under way), SIGKILL one worker process."""
    killed = []

    def watch():
        deadline = time.time() + 60
        while time.time() < deadline:
            if any(n.startswith(("stage1", "range", "sampling")) for n in os.listdir(folder)) and ready():
                pid = pids()[0]
                os.kill(pid, 9)
                killed.append(pid)
                return
            time.sleep(0.01)
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread, killed


def test_local_processes_equal_threads_and_replace_a_killed_worker(tmp_path, serial):
    with effpot.local_executor(2) as executor:
        assert_same(p4_grainer().run(executor=executor), serial)
        os.makedirs(tmp_path / "run")
        thread, killed = kill_one_worker_when(tmp_path / "run", executor.worker_pids)
        potential = p4_grainer(steps=6000).run(executor=executor, checkpoint=tmp_path / "run")
        thread.join()
    assert killed, "no worker was killed: the run finished before the watcher saw a result"
    assert_same(potential, p4_grainer(steps=6000).run())


def test_local_executor_gives_each_process_its_device():
    from effpot.distributed.executors import worker_device
    with effpot.local_executor(devices=[3, 5]) as executor:
        assert executor.max_workers == 2
        devices = {executor.submit(worker_device).result() for _ in range(8)}
    assert devices <= {3, 5} and devices
    with pytest.raises(ValueError, match="one process per device"):
        effpot.local_executor(3, devices=[0, 1])


UNGUARDED_SCRIPT = """
import effpot
cg = effpot.CoarseGrainer("x^2/2+0.01*sin(x/0.01)", 1)
cg.setStepSize(0.1); cg.setFriction(1.0); cg.setNumReplicas(8); cg.setNumBatches(2); cg.setNumSteps(200)
with effpot.local_executor(2) as executor:
    cg.run(executor=executor)
"""


def test_a_script_without_the_main_guard_is_told_why_its_workers_die(tmp_path):
    # Spawned workers import the script; without `if __name__ == "__main__":` each would start a pool of its own.
    # The workers must say why they stop and the run's error must name the guard, not only BrokenProcessPool.
    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED_SCRIPT)
    output = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert output.returncode == 1, output.stderr[-2000:]
    last = output.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: task ") and 'if __name__ == "__main__":' in last, last
    assert "local_executor: called while a worker process imports your script" in output.stderr


# ---- Dask distributed: a LocalCluster of worker processes --------------------------------------------------------

@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=4, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=50)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_dask_split_over_four_workers_equals_serial(client, serial):
    from distributed import get_task_stream
    with get_task_stream(client) as stream:
        potential = p4_grainer().run(executor=client)
    assert_same(potential, serial)
    # The pieces really were spread (which worker takes which is the scheduler's choice).
    assert len({event["worker"] for event in stream.data}) >= 2


def test_dask_scale_scan_equals_serial(client):
    def scan():
        s = effpot.ScaleScan(problems.p1(), 1)
        s.setStepSizes([0.01, 0.1, 0.3, 3.0])
        s.setNumReplicas(40)
        s.setNumSteps(2000)
        s.setNumEquilibrationSteps(500)
        return s
    points, levels = scan().run()
    distributed_points, distributed_levels = scan().run(executor=client)
    assert distributed_levels == levels
    for a, b in zip(points, distributed_points):
        assert a["kT"] == b["kT"] and a["exploded"] == b["exploded"] and a["frozen"] == b["frozen"]
        # Power sums add across threads in another order: skewness and kurtosis agree to round-off.
        np.testing.assert_allclose(a["excessKurtosis"], b["excessKurtosis"], rtol=1e-9)
    assert points[-1]["exploded"]


def test_dask_killed_worker_is_retried_and_result_unchanged(client, tmp_path):
    reference = p4_grainer(steps=6000).run()
    os.makedirs(tmp_path / "run")
    busy = {}

    def ready():
        # Kill a worker that is running a piece right now.
        processing = {w: keys for w, keys in client.processing().items() if keys}
        if processing:
            busy["worker"] = next(iter(processing))
        return bool(processing)

    def pid():
        return [client.run(os.getpid, workers=[busy["worker"]])[busy["worker"]]]
    thread, killed = kill_one_worker_when(tmp_path / "run", pid, ready)
    potential = p4_grainer(steps=6000).run(executor=client, checkpoint=tmp_path / "run")
    thread.join()
    assert killed
    assert_same(potential, reference)
    client.wait_for_workers(4, timeout=60)  # the nanny restarts it, for the tests that follow


class RecordingExecutor(cf.Executor):
    """Passes tasks on to another executor and records their keys (the first argument is the settings XML, so the
    piece is recognised by its function and batch arguments)."""

    def __init__(self, inner):
        self.inner = inner
        self.submitted = []

    def submit(self, fn, *args):
        self.submitted.append((fn.__name__,) + tuple(a for a in args if isinstance(a, int)))
        return self.inner.submit(fn, *args)


def test_dask_resume_runs_only_the_missing_pieces(client, tmp_path, serial):
    done = []

    def interrupt(stage, count, total):
        done.append((stage, count))
        if stage.startswith("sampling") and count == 2:
            raise KeyboardInterrupt  # as if the user pressed ^C half way through the sampling pieces
    with pytest.raises(KeyboardInterrupt):
        p4_grainer().run(executor=client, checkpoint=tmp_path, progress=interrupt)
    stored = [n for n in os.listdir(tmp_path) if n.startswith("sampling")]
    assert len(stored) == 2
    recording = RecordingExecutor(client.get_executor(pure=False))
    potential = p4_grainer().run(executor=recording, checkpoint=tmp_path)
    assert_same(potential, serial)
    finished = {tuple(int(x) for x in n[:-5].split("-b")[1].split("-")) for n in stored}
    assert sorted(recording.submitted) == sorted(("sampling", b, b + 1) for b in range(4) if (b, b + 1) not in finished)


# ---- MPI (mpi4py's MPIPoolExecutor), where mpi4py and an MPI library are installed ------------------------------

MPI_SCRIPT = """
import json, sys
from mpi4py.futures import MPIPoolExecutor
sys.path.insert(0, {tests!r})
from test_distributed import p4_grainer
if __name__ == "__main__":
    with MPIPoolExecutor() as executor:
        potential = p4_grainer().run(executor=executor)
    print(json.dumps({{"D": potential.noiseCovariance.tolist(), "kT": potential.kT}}))
"""


def test_mpi_pool_executor_equals_serial(tmp_path, serial):
    pytest.importorskip("mpi4py")
    mpiexec = shutil.which("mpiexec", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    if mpiexec is None:
        pytest.skip("no mpiexec (an MPI library) is installed")
    script = tmp_path / "mpi_run.py"
    script.write_text(MPI_SCRIPT.format(tests=os.path.dirname(os.path.abspath(__file__))))
    environment = dict(os.environ, PATH=os.path.dirname(mpiexec) + os.pathsep + os.environ.get("PATH", ""))
    output = subprocess.run([mpiexec, "-n", "3", sys.executable, "-m", "mpi4py.futures", str(script)],
                            capture_output=True, text=True, timeout=120, env=environment)
    assert output.returncode == 0, output.stderr[-2000:]
    result = json.loads(output.stdout.strip().splitlines()[-1])
    assert result["kT"] == serial.kT
    np.testing.assert_array_equal(result["D"], serial.noiseCovariance)


def test_scale_scan_checkpoint_keeps_finished_step_sizes(tmp_path):
    def scan(steps):
        s = effpot.ScaleScan(problems.p1(), 1)
        s.setStepSizes(steps)
        s.setNumReplicas(20)
        s.setNumSteps(1000)
        s.setNumEquilibrationSteps(200)
        s.setTargetKT(0)  # no checks of the edges at kT*: only the step sizes' own tasks (their checkpoint: below)
        return s
    scan([0.1, 0.3]).run(checkpoint=tmp_path)
    with cf.ThreadPoolExecutor(1) as pool:
        recording = RecordingExecutor(pool)
        points, levels = scan([0.1, 0.3, 0.5]).run(executor=recording, checkpoint=tmp_path)
    assert [name for name, *_ in recording.submitted] == ["scan_point"]  # only the new step size ran
    reference, reference_levels = scan([0.1, 0.3, 0.5]).run()
    assert [p["kT"] for p in points] == [p["kT"] for p in reference] and levels == reference_levels


def test_scale_scan_checkpoint_keeps_the_checks_at_the_target_kT(tmp_path):
    def scan():
        s = effpot.ScaleScan(problems.p1(), 1)
        s.setStepSizes([0.1, 0.3, 0.5])
        s.setNumReplicas(20)
        s.setNumSteps(1000)
        s.setNumEquilibrationSteps(200)
        s.setTargetKT(0.5)
        return s
    points, levels = scan().run(checkpoint=tmp_path)
    assert any(p["edgeChecked"] for p in points)
    with cf.ThreadPoolExecutor(1) as pool:
        recording = RecordingExecutor(pool)
        again, again_levels = scan().run(executor=recording, checkpoint=tmp_path)
    assert recording.submitted == []  # the step sizes and the checks at kT* all came from the checkpoint
    assert again == points and again_levels == levels
    reference, reference_levels = scan().run()
    assert [p["atTargetKT"] for p in reference] == [p["atTargetKT"] for p in points] and reference_levels == levels


def _wedge_once(marker, value):
    """A task whose first run dies as a killed worker can: holding the result queue's lock, half a message written."""
    import os
    import struct
    import sys
    if not os.path.exists(marker):
        open(marker, "w").close()
        for frame in sys._current_frames().values():
            while frame is not None and frame.f_code.co_name != "_process_worker":
                frame = frame.f_back
            if frame is not None:
                queue = frame.f_locals["result_queue"]
                queue._wlock.acquire()
                os.write(queue._writer.fileno(), struct.pack("!i", 1000))  # a header promising 1000 bytes
                os._exit(1)
    return value


def test_a_pool_wedged_by_a_dead_worker_is_replaced(tmp_path):
    # The standard process pool would wait forever here; local_executor's pool notices the dead worker and
    # replaces itself, and the task runs again.
    from effpot.distributed.executors import Task, local_executor, run_tasks
    marker = str(tmp_path / "wedged")
    tasks = [Task(f"t{i}", _wedge_once if i == 0 else pow, (marker, 7) if i == 0 else (i, 2)) for i in range(6)]
    with local_executor(2) as executor:
        results = run_tasks(tasks, executor, retries=2)
    assert results == {"t0": 7, **{f"t{i}": i * i for i in range(1, 6)}}
    assert os.path.exists(marker)


def test_a_stage1_round_that_explodes_is_dropped_in_pieces_as_in_run(tmp_path):
    # 40 (x^2+y^2)/2 with D = (h/2) diag(1, 49): the first round is stable, the second, up to 10 times lighter along
    # x, explodes (h^2 k A up to 8 > 4). The task walk drops it as CoarseGrainingPlan::runStage does.
    def make():
        cg = effpot.CoarseGrainer("40*(x^2+y^2)/2+0.001*(sin(x/0.001)+7*sin(y/0.001))", 2)
        cg.setStepSize(0.1)
        cg.setFriction(0.5)
        cg.setNumReplicas(40)
        cg.setNumBatches(4)
        cg.setNumSteps(3000)
        cg.setNumStage2Steps(12000)  # Stage 2 relaxes slowly along x (Gamma_xx = 0.025 /ps)
        cg.setNumEquilibrationSteps(300)
        cg.setAllowNonGaussian(True)
        return cg
    reference = make().run()
    potential = make().run(checkpoint=tmp_path, batches_per_task=2)
    assert_same(potential, reference)
    assert potential.diagnostics["stage1.abandonedRound"] == 1
    assert "exploded" in potential.diagnostics["stage1Rounds"]  # notes are in the diagnostics, as strings
    assert not any(n.startswith("stage1-r1-") for n in os.listdir(tmp_path))  # nothing of the dropped round is kept
