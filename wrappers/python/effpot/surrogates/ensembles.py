"""Run one model (a System of independent replicas) as an ensemble and stream its statistics.

The replicas are split into a fixed number of batches, one OpenMM Context each. Each batch streams through an
EnsembleRecorder (C++) and returns its sums as plain data; the batches are merged in batch order, so the result
does not depend on where they ran. They run side by side on threads here (the C++ stepping releases the GIL), or
as tasks on any executor of effpot.distributed (worker processes, a Dask cluster, MPI ranks). Thermal integrators
get a seed per batch.
"""
import concurrent.futures
import os
import threading
import time

import numpy as np
import openmm as mm

from .. import effpot_swig as _swig
from ..distributed.executors import Task, run_tasks
from ..shared.units import openmm_platform


def default_threads():
    return max(1, os.cpu_count() or 1)


# An exploded run is effpot.UnstableRun, the one type the coarse-graining runs (C++ EffPot::UnstableRunException)
# and these ensembles raise: an openmm.OpenMMException and a ValueError (not retried by effpot.distributed), with
# time, step_size and label; picklable. Kept importable here under the name it had.
UnstableRun = _swig.UnstableRun


def _step_size(integrator):
    step = integrator.getStepSize()
    return float(getattr(step, "_value", step))


def _require_finite(context, steps, step_size, error=None, label=""):
    """Raise UnstableRun if the context's energy is not finite (or absurd) after `steps` steps; else raise `error`
    if one is given."""
    try:
        energy = context.getState(getEnergy=True).getPotentialEnergy()._value
    except mm.OpenMMException:
        energy = float("nan")
    # An explosion grows the energy exponentially: past 1e12 kJ/mol per replica it is one even before overflow.
    if not np.isfinite(energy) or abs(energy) > 1e12 * context.getSystem().getNumParticles():
        raise UnstableRun(steps * step_size, step_size, label)
    if error is not None:
        raise error


class _Stopped(Exception):
    """A batch abandoned because another batch failed or the user interrupted the run."""


class EnsembleRun:
    """What one ensemble run produced: the merged trajectory statistics and histogram, the replica-steps it took,
    its wall time, and for a GHMC integrator the fraction of its Metropolis moves accepted (else None)."""

    def __init__(self, trajectories, histogram, outside, replica_steps, seconds, acceptance=None):
        self.trajectories = trajectories
        self.acceptance = acceptance
        self.histogram = np.asarray(histogram, dtype=float)
        self.outside = float(outside)
        self.replicaSteps = replica_steps
        self.seconds = seconds

    def meanPath(self, dimensions):
        return np.array(self.trajectories.getMeanPath()).reshape(-1, dimensions)

    def pathSpread(self, dimensions):
        return np.array(self.trajectories.getPathSpread()).reshape(-1, dimensions)

    def autocorrelation(self, dimensions):
        return np.array(self.trajectories.getNormalizedAutocorrelation()).reshape(-1, dimensions)

    @property
    def rate(self):
        """Replica-steps per second (wall time, all threads or workers)."""
        return self.replicaSteps / self.seconds if self.seconds > 0 else float("nan")


def run_batch(build, positions, velocities, dimensions, equilibration, samples, interval, grid, max_lag, times,
              sample_start, seed, platform, advance=None, stop=None, chunks=20):
    """Run one batch of replicas in its own Context; returns its sums as plain data (a dict of lists).

    ``build(count, seed)`` makes the System and integrator; ``grid`` is (lower, upper, bins) or None; ``platform``
    a name. ``advance(replica_steps)`` reports progress, ``stop`` (a threading.Event) abandons the batch.
    """
    positions, velocities = np.asarray(positions, dtype=float), np.asarray(velocities, dtype=float)
    count = len(positions)
    system, integrator = build(count, seed)
    context = mm.Context(system, integrator, openmm_platform(platform))
    context.setPositions(positions)
    context.setVelocities(velocities)
    regular = _swig.RegularGrid(*grid) if grid is not None else _swig.RegularGrid()
    recorder = _swig.EnsembleRecorder(list(range(count)), dimensions, regular, max_lag, times)
    # A model that blows up is reported as UnstableRun (with the time it happened), checked once per chunk: one
    # extra energy evaluation per 1/20 of the run.
    step_size, done = _step_size(integrator), 0
    remaining = equilibration
    while remaining > 0:
        if stop is not None and stop.is_set():
            raise _Stopped()
        n = min(remaining, max(1, equilibration // chunks))
        integrator.step(n)
        remaining -= n
        done += n
        _require_finite(context, done, step_size)
        if advance is not None:
            advance(n * count)
    if sample_start:
        recorder.record(context, 1, 0)
    taken = 0
    while taken < samples:
        if stop is not None and stop.is_set():
            raise _Stopped()
        n = min(samples - taken, max(1, samples // chunks))
        try:
            recorder.record(context, n, interval)
        except mm.OpenMMException as error:  # e.g. "Particle coordinate is NaN" while reading the positions
            _require_finite(context, done + n * interval, step_size, error)
        taken += n
        done += n * interval
        _require_finite(context, done, step_size)
        if advance is not None:
            advance(n * interval * count)
    acceptance = None
    if getattr(integrator, "getSplitting", lambda: None)() == "GHMC":
        acceptance = integrator.getMetropolisAcceptance()  # every step of this batch: equilibration and samples
    del context
    return {"state": list(recorder.trajectoryStatistics().getState()), "histogram": list(recorder.getHistogram()),
            "outside": recorder.getOutsideCount(), "acceptance": acceptance, "replicas": count}


def _run_batch_task(*args):
    # The executor entry point: a module-level function, so that worker processes can import it.
    return run_batch(*args)


def run_ensemble(build, positions, velocities, dimensions, *, equilibration=0, samples, interval, grid=None,
                 max_lag=0, times=0, sample_start=False, batches=8, threads=None, platform=None, seed=0,
                 progress=None, label="run", executor=None, retries=3):
    """Run ``len(positions)`` independent replicas and stream their statistics.

    Parameters
    ----------
    build : callable
        ``build(count, seed)`` returns ``(system, integrator)`` for ``count`` replicas (particle i = replica i).
        With an executor it must be picklable (e.g. effpot.surrogates.comparison.ModelSpec, or a module-level
        function).
    positions, velocities : array (R x 3)
        Starting state of every replica (nm, nm/ps).
    dimensions : int
        How many leading coordinates are recorded.
    equilibration : int
        Steps run before the first sample (not recorded).
    samples, interval : int
        Number of samples, and steps between samples.
    grid : RegularGrid, optional
        Histogram grid (none by default).
    max_lag, times : int
        ACF lags and mean-path length, in samples.
    sample_start : bool
        Record the starting state as the first sample (for mean paths from t = 0).
    batches : int
        Replicas are split into this many Contexts (fixed, so results do not depend on threads or workers).
    threads : int, optional
        Threads running batches side by side here (default: one per core).
    platform : str or openmm.Platform
    progress : callable, optional
        ``progress(label, done, total)``: replica-steps here, finished batches with an executor.
    executor : optional
        Run the batches as tasks of effpot.distributed.run_tasks (worker processes, Dask, MPI) instead of threads.
    """
    positions = np.asarray(positions, dtype=float)
    velocities = np.asarray(velocities, dtype=float)
    count = len(positions)
    if count < 1:
        raise ValueError("positions: give at least one replica")
    if velocities.shape != positions.shape or positions.shape[1] != 3:
        raise ValueError("positions, velocities: give two R x 3 arrays")
    batches = max(1, min(int(batches), count))
    bounds = np.linspace(0, count, batches + 1).astype(int)
    platform_name = openmm_platform(platform).getName()
    grid_spec = None
    if grid is not None and grid.getDimensions() > 0:
        grid_spec = (list(grid.getLower()), list(grid.getUpper()), list(grid.getBins()))

    def arguments(b):
        lo, hi = bounds[b], bounds[b + 1]
        return (build, positions[lo:hi].tolist(), velocities[lo:hi].tolist(), dimensions, equilibration, samples,
                interval, grid_spec, max_lag, times, sample_start, seed * 1000 + b + 1, platform_name)

    start = time.perf_counter()
    if executor is not None:
        tasks = [Task(f"{label.replace(' ', '_').replace(',', '')}.batch{b}", _run_batch_task, arguments(b))
                 for b in range(batches)]
        report = None if progress is None else (lambda stage, done, total: progress(label, done, total))
        results = list(run_tasks(tasks, executor, retries=retries, progress=report, stage=label).values())
    else:
        results = _run_on_threads(arguments, batches, threads, progress, label,
                                  count * (equilibration + samples * interval))
    seconds = time.perf_counter() - start
    trajectories = None
    for result in results:  # in batch order
        part = _swig.TrajectoryStatistics.fromState(dimensions, max_lag, times, result["state"])
        if trajectories is None:
            trajectories = part
        else:
            trajectories.merge(part)
    histogram = np.sum([r["histogram"] for r in results], axis=0) if grid_spec is not None else np.zeros(0)
    outside = sum(r["outside"] for r in results)
    # Every batch ran the same steps: the acceptance of the whole run is the replica-weighted mean.
    accepted = [(r["acceptance"], r["replicas"]) for r in results if r.get("acceptance") is not None
                and r["acceptance"] >= 0]
    acceptance = (sum(a * n for a, n in accepted) / sum(n for _, n in accepted)) if accepted else None
    return EnsembleRun(trajectories, histogram, outside, count * (equilibration + samples * interval), seconds,
                       acceptance)


def _run_on_threads(arguments, batches, threads, progress, label, total_steps):
    done = [0]
    lock = threading.Lock()
    stop = threading.Event()

    def advance(amount):
        with lock:
            done[0] += amount
            if progress is not None:
                progress(label, done[0], total_steps)

    def batch(b):
        return run_batch(*arguments(b), advance=advance, stop=stop)

    threads = default_threads() if threads is None else max(1, int(threads))
    if threads == 1:
        return [batch(b) for b in range(batches)]
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads)
    try:
        futures = [pool.submit(batch, b) for b in range(batches)]
        results = [future.result() for future in futures]
    except BaseException:
        # Ctrl-C (or a failed batch): the running batches stop at their next chunk, the others never start.
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    return results
