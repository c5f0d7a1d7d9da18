"""Run one model (a System of independent replicas) as an ensemble and stream its statistics.

The replicas are split into a fixed number of batches, one OpenMM Context each. Batches run side by side on
threads (the C++ stepping releases the GIL) and their EnsembleRecorders merge exactly in batch order, so the
result does not depend on how many threads ran them. Thermal integrators get a seed per batch.
"""
import concurrent.futures
import os
import threading
import time

import numpy as np
import openmm as mm

from . import effpot_swig as _swig


def _platform(platform):
    if platform is None:
        platform = "Reference"
    return mm.Platform.getPlatformByName(platform) if isinstance(platform, str) else platform


class _Stopped(Exception):
    """A batch abandoned because another batch failed or the user interrupted the run."""


def default_threads():
    return max(1, os.cpu_count() or 1)


class EnsembleRun:
    """What one ensemble run produced: the merged recorder, the replica-steps it took and its wall time."""

    def __init__(self, recorder, replica_steps, seconds):
        self.recorder = recorder
        self.replicaSteps = replica_steps
        self.seconds = seconds
        statistics = recorder.trajectoryStatistics()
        self.trajectories = statistics

    @property
    def histogram(self):
        return np.array(self.recorder.getHistogram())

    def meanPath(self, dimensions):
        return np.array(self.trajectories.getMeanPath()).reshape(-1, dimensions)

    def pathSpread(self, dimensions):
        return np.array(self.trajectories.getPathSpread()).reshape(-1, dimensions)

    def autocorrelation(self, dimensions):
        return np.array(self.trajectories.getNormalizedAutocorrelation()).reshape(-1, dimensions)

    @property
    def rate(self):
        """Replica-steps per second (wall time, all threads)."""
        return self.replicaSteps / self.seconds if self.seconds > 0 else float("nan")


def run_ensemble(build, positions, velocities, dimensions, *, equilibration=0, samples, interval, grid=None,
                 max_lag=0, times=0, sample_start=False, batches=8, threads=None, platform=None, seed=0,
                 progress=None, label="run"):
    """Run ``len(positions)`` independent replicas and stream their statistics.

    Parameters
    ----------
    build : callable
        ``build(count, seed)`` returns ``(system, integrator)`` for ``count`` replicas (particle i = replica i).
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
        Replicas are split into this many Contexts (fixed, so results do not depend on threads).
    threads : int, optional
        Threads running batches side by side (default: one per core).
    progress : callable, optional
        ``progress(label, done, total)`` with done/total in replica-steps.
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
    platform = _platform(platform)
    grid = grid if grid is not None else _swig.RegularGrid()
    total_steps = count * (equilibration + samples * interval)
    done = [0]
    lock = threading.Lock()
    stop = threading.Event()
    chunks = 20  # progress granularity

    def advance(amount):
        with lock:
            done[0] += amount
            if progress is not None:
                progress(label, done[0], total_steps)

    def run_batch(b):
        lo, hi = bounds[b], bounds[b + 1]
        system, integrator = build(hi - lo, seed * 1000 + b + 1)
        context = mm.Context(system, integrator, platform)
        context.setPositions(positions[lo:hi])
        context.setVelocities(velocities[lo:hi])
        recorder = _swig.EnsembleRecorder(list(range(hi - lo)), dimensions, grid, max_lag, times)
        remaining = equilibration
        while remaining > 0 and not stop.is_set():
            n = min(remaining, max(1, equilibration // chunks))
            integrator.step(n)
            remaining -= n
            advance(n * (hi - lo))
        if sample_start:
            recorder.record(context, 1, 0)
        taken = 0
        while taken < samples:
            if stop.is_set():
                raise _Stopped()
            n = min(samples - taken, max(1, samples // chunks))
            recorder.record(context, n, interval)
            taken += n
            advance(n * interval * (hi - lo))
        del context
        return recorder

    start = time.perf_counter()
    threads = default_threads() if threads is None else max(1, int(threads))
    if threads == 1:
        recorders = [run_batch(b) for b in range(batches)]
    else:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads)
        try:
            futures = [pool.submit(run_batch, b) for b in range(batches)]
            recorders = [future.result() for future in futures]
        except BaseException:
            # Ctrl-C (or a failed batch): the running batches stop at their next chunk, the others never start.
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
    seconds = time.perf_counter() - start
    merged = recorders[0]
    for other in recorders[1:]:
        merged.merge(other)
    return EnsembleRun(merged, total_steps, seconds)
