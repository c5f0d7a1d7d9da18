"""Where independent runs go: any concurrent.futures.Executor, with retries and resumable results.

Work that splits into independent runs comes here as :class:`Task` objects: a module-level function and plain-data
arguments (text, numbers, lists, dicts), whose result is plain data too. This package knows nothing of what the
tasks compute (effpot's coarse graining and comparisons send their pieces here). :func:`run_tasks` sends them to
an executor:

- ``None``: run them here, one after the other (each may still use threads inside);
- :func:`local_executor`: worker processes on this machine, one per core or one per GPU, replacing any that die;
- a Dask ``distributed.Client`` (or any Executor such as ``client.get_executor()``): a cluster;
- mpi4py's ``MPIPoolExecutor``: MPI ranks.

Results are merged by the caller in task order, so the answer does not depend on which worker ran what. With a
:class:`~effpot.distributed.checkpoint.Checkpoint`, every result is stored (atomically) as it arrives and a rerun
only runs the tasks that are missing. A task whose worker died or was lost is resubmitted up to ``retries`` times;
an error that the computation itself raised (OpenMMException, ValueError, TypeError) is raised at once, since a
retry would raise it again.
"""
import concurrent.futures as cf
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import signal
import time
from collections import Counter
from concurrent.futures.process import BrokenProcessPool  # (cf.process exists only once something imported it)
from typing import Any, Callable, Optional, Tuple

import openmm

from ..shared.units import whole_number
from .checkpoint import CheckpointError

_log = logging.getLogger(__name__)

__all__ = ["Task", "run_tasks", "local_executor", "as_executor", "worker_device"]

# Errors raised by the computation on its inputs: a retry would raise them again.
_COMPUTATION_ERRORS = (openmm.OpenMMException, ValueError, TypeError)


@dataclasses.dataclass(frozen=True)
class Task:
    """One independent piece of work.

    Attributes
    ----------
    key : str
        Unique among the tasks of one call; also the name of its stored result (letters, digits, ``.-_+``).
    function : callable
        A module-level function (pickled by reference, so workers must be able to import it).
    args : tuple
        Picklable arguments; the result must be picklable too (an executor sends it back).
    encode, decode : callable, optional
        How a checkpoint stores the result (as JSON-serializable data) and reads it back; by default the result is
        stored as it is, so it must then be JSON-serializable itself.
    """
    key: str
    function: Callable
    args: Tuple[Any, ...] = ()
    encode: Optional[Callable] = None
    decode: Optional[Callable] = None


def as_executor(executor):
    """An Executor from what a user passes: an Executor as it is, a Dask Client through its get_executor()."""
    if executor is None or isinstance(executor, cf.Executor):
        return executor
    if hasattr(executor, "get_executor") and hasattr(executor, "scheduler_info"):  # distributed.Client
        # pure=False: every submission is a task of its own. With Dask's default (a key from the function and its
        # arguments) a resubmitted or resumed task would get back the same, possibly cancelled, future.
        return executor.get_executor(pure=False)
    raise TypeError(f"executor: expected a concurrent.futures.Executor, a dask distributed.Client or None, got "
                    f"{type(executor).__name__}; effpot.local_executor() gives worker processes on this machine")


def _report(progress, stage, done, total):
    if progress is not None:
        progress(stage, done, total)


def run_tasks(tasks, executor=None, checkpoint=None, retries=3, progress=None, stage="tasks"):
    """Run independent tasks and return their results, a dict in task order.

    Parameters
    ----------
    tasks : iterable of Task
    executor : concurrent.futures.Executor, distributed.Client or None
        None runs the tasks in this process, in order.
    checkpoint : effpot.distributed.checkpoint.Checkpoint, optional
        Results already stored there are reused; new ones are stored as they arrive.
    retries : int
        How many times a task is resubmitted after its worker died or was lost.
    progress : callable, optional
        Called as progress(stage, done, total) after each result.
    """
    tasks = list(tasks)
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("tasks: keys must be unique; repeated: " + ", ".join(sorted(k for k, n in Counter(keys).items() if n > 1)))
    if not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries: give a non-negative integer, got {retries!r}")
    results = {}
    pending = []
    for task in tasks:
        if checkpoint is not None and checkpoint.has(task.key):
            stored = checkpoint.load(task.key)
            try:
                results[task.key] = stored if task.decode is None else task.decode(stored)
            except Exception as error:  # a piece whose result is not what its task writes (null, 5, damaged XML)
                raise CheckpointError(f"checkpoint: {checkpoint.path(task.key)} is damaged (its result does not read "
                                      f"back: {type(error).__name__}: {str(error)[:200]}): delete that file and run "
                                      "again (only its piece reruns)") from None
        else:
            pending.append(task)
    total = len(tasks)
    _report(progress, stage, len(results), total)

    def finished(task, result):
        if checkpoint is not None:
            checkpoint.save(task.key, result if task.encode is None else task.encode(result))
        results[task.key] = result
        _report(progress, stage, len(results), total)

    executor = as_executor(executor)
    if executor is None:
        for task in pending:
            finished(task, task.function(*task.args))
        return {key: results[key] for key in keys}

    failures = Counter()
    running = {}

    def submit(task):
        try:
            running[executor.submit(task.function, *task.args)] = task
        except RuntimeError as error:  # a broken or shut-down executor (BrokenProcessPool is a RuntimeError)
            raise RuntimeError(f"the executor refused task {task.key!r} ({error}); a process pool whose worker died "
                               "cannot take more work: use effpot.local_executor(), which replaces dead workers, "
                               "or a Dask cluster") from error

    try:
        for task in pending:
            submit(task)
        while running:
            done, _ = cf.wait(list(running), timeout=1.0, return_when=cf.FIRST_COMPLETED)
            if not done:
                recover = getattr(executor, "recover_if_wedged", None)
                if recover is not None:
                    recover()
                continue
            for future in done:
                task = running.pop(future)
                try:
                    result = future.result()
                except _COMPUTATION_ERRORS:
                    raise
                except (Exception, cf.CancelledError) as error:  # a lost or killed worker: run the task again
                    failures[task.key] += 1
                    if failures[task.key] > retries:
                        raise RuntimeError(f"task {task.key!r} failed {failures[task.key]} times (retries={retries}); "
                                           f"last error: {error!r}{_broken_pool_hint(error)}") from error
                    _log.warning("task %r lost (%s: %s); resubmitting (%d of %d)", task.key, type(error).__name__,
                                 error, failures[task.key], retries)
                    submit(task)
                    continue
                finished(task, result)
    finally:
        for future in running:
            future.cancel()
    return {key: results[key] for key in keys}


def _broken_pool_hint(error):
    """Why a process pool keeps breaking, when the usual cause is the user's script."""
    if not isinstance(error, BrokenProcessPool):
        return ""
    return ("; the worker processes died before they could run it. A script that uses local_executor() must run its "
            "work under `if __name__ == \"__main__\":`, because each worker imports the script, and without the "
            "guard it starts a run (and workers) of its own (docs/distributed.md); the workers' own errors are on "
            "stderr above")


# ---- Worker processes on this machine -------------------------------------------------------------------------

_device = None  # this worker process's device index (local_executor(devices=...)), or None


def worker_device():
    """The device index assigned to this worker process by local_executor(devices=...), or None."""
    return _device


def _start_worker(devices):
    global _device
    if devices is not None:
        _device = devices.get()
    import effpot  # noqa: F401  (loads the plugins once per worker, before the first task)


class _RespawningProcessPool(cf.Executor):
    """A ProcessPoolExecutor that replaces itself when a worker process dies (the standard pool then fails every
    pending task with BrokenProcessPool and refuses new work); run_tasks resubmits the failed tasks."""

    def __init__(self, max_workers, devices):
        self._max_workers = max_workers
        self._devices = devices
        self._context = multiprocessing.get_context("spawn")  # no fork of a process holding OpenMM threads
        self._pool = None
        self._new_pool()

    def _new_pool(self):
        devices = None
        if self._devices is not None:
            devices = self._context.SimpleQueue()
            for index in self._devices:
                devices.put(index)
        self._pool = cf.ProcessPoolExecutor(self._max_workers, mp_context=self._context, initializer=_start_worker,
                                            initargs=(devices,))

    def submit(self, fn, /, *args, **kwargs):
        # Workers start here, on demand, and inherit this thread's signal mask: with SIGHUP blocked a hang-up of the
        # process group (a closed terminal) reaches only this process, which stops them as it does for SIGTERM,
        # instead of racing their own deaths against the pool's respawn (terminate() stops them with SIGTERM).
        with _sighup_blocked():
            try:
                return self._pool.submit(fn, *args, **kwargs)
            except BrokenProcessPool:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._new_pool()
                return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def recover_if_wedged(self, grace=5.0):
        """Break a pool that a dead worker left waiting forever, so that run_tasks resubmits its tasks here.

        A worker killed while it writes its result dies holding the result queue's lock and leaves half a message in
        the pipe: the standard pool then reads forever and the other workers wait for the lock (seen: a SIGKILL in
        test_distributed). If a worker has been dead for `grace` seconds and the pool has not noticed, its other
        workers are stopped and this process's end of the result pipe closed: the pool's reader meets the end of the
        pipe, fails every pending future with BrokenProcessPool, and a new pool takes the resubmitted tasks."""
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        if not any(process.exitcode is not None for process in processes):
            self._dead_since = None
            return
        now = time.monotonic()
        if getattr(self, "_dead_since", None) is None:
            self._dead_since = now
            return
        if now - self._dead_since < grace:
            return
        self._dead_since = None
        _log.warning("a worker process died and its pool stopped answering; replacing the pool")
        old = self._pool
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
        queue = getattr(old, "_result_queue", None)
        try:
            if queue is not None:
                queue._writer.close()
        except OSError:
            pass
        self._new_pool()

    def terminate(self):
        """Stop now: cancel the queued tasks and terminate the worker processes (running tasks are lost)."""
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
        # Let the pool's manager thread see its dead workers and close its wake-up pipe now. Otherwise it may close
        # the pipe while the interpreter's exit handler (concurrent.futures' _python_exit) is writing to it: Python
        # 3.11 checks the pipe's closed flag without a lock, and the exit printed an OSError traceback (EBADF).
        manager = getattr(self._pool, "_executor_manager_thread", None)
        if manager is not None:
            manager.join(timeout=2)

    def __exit__(self, exc_type, exc, traceback):
        # Ctrl-C, SIGTERM (KeyboardInterrupt) or SystemExit: do not wait for the running tasks to finish (seconds to
        # minutes each); an ordinary exit or error waits for the workers as usual.
        if exc_type is not None and not issubclass(exc_type, Exception):
            self.terminate()
        else:
            self.shutdown(wait=True)
        return False

    @property
    def max_workers(self):
        return self._max_workers

    def worker_pids(self):
        """Process ids of the live worker processes (for tests and monitoring)."""
        return [p.pid for p in (self._pool._processes or {}).values() if p.is_alive()]


@contextlib.contextmanager
def _sighup_blocked():
    """SIGHUP blocked in this thread meanwhile (delivered when unblocked); processes started inside inherit it."""
    if not hasattr(signal, "pthread_sigmask") or not hasattr(signal, "SIGHUP"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_resource_tracker():
    """Start multiprocessing's resource tracker with SIGHUP blocked. The tracker ignores SIGINT and SIGTERM, not
    SIGHUP: a closed terminal (SIGHUP to the process group) killed it, and the pool's shutdown then printed a
    warning and a traceback per semaphore after the command's own message. A blocked signal stays blocked across
    fork and exec, and the tracker only unblocks the two it ignores."""
    from multiprocessing import resource_tracker
    with _sighup_blocked():
        resource_tracker.ensure_running()


def local_executor(max_workers=None, devices=None):
    """Worker processes on this machine, one per core (default) or one per GPU.

    Parameters
    ----------
    max_workers : int, optional
        Number of processes (default: the cores this process may use, or one per device).
    devices : list of int, optional
        GPU device indices, one per process: each worker's Contexts get that ``DeviceIndex`` (CUDA, OpenCL).

    Workers are started with the "spawn" method and import effpot once. A worker that dies is replaced, and
    run_tasks resubmits its task. Use it as a context manager (``with effpot.local_executor() as executor:``) or
    call shutdown().
    """
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # This is a spawned worker importing the user's script, which calls local_executor() at its top level: say
        # so here (the worker then dies, and the parent's run_tasks says why its pool broke).
        raise RuntimeError("effpot.local_executor: called while a worker process imports your script; put the code "
                           "that runs the work under `if __name__ == \"__main__\":` (docs/distributed.md)")
    if devices is not None:
        devices = [whole_number(d, "local_executor: devices") for d in devices]
        if not devices:
            raise ValueError("devices: give at least one device index, or None for CPU processes")
        if max_workers is not None and int(max_workers) != len(devices):
            raise ValueError(f"max_workers: with devices there is one process per device ({len(devices)}); "
                             "leave max_workers unset")
        max_workers = len(devices)
    if max_workers is None:
        max_workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    max_workers = whole_number(max_workers, "local_executor: max_workers")
    if max_workers < 1:
        raise ValueError(f"local_executor: max_workers: give a positive number of processes, got {max_workers}")
    _start_resource_tracker()
    return _RespawningProcessPool(max_workers, devices)
