"""CoarseGrainer.run split into tasks for an executor: Stage 1 pieces, D, the grid, sampling pieces, the fit.

The C++ pipeline pieces (CoarseGrainer::runStage1, estimateNoiseCovariance, runSamplingRange, samplingGrid,
runSampling, fit) do the work; this module only decides the split, ships plain data and merges the statistics in
task order. With a checkpoint the fitted potential is stored too (key fit-<digest of D and the grid>). Every batch's sums come from the same trajectories whatever the split, so D, kT and U equal those of
CoarseGrainer.run() without an executor, bit for bit.

Split: our replica Systems go by batches (`batches_per_task` each, all designs together: one Context per piece);
a user's System holds every replica, so it goes by Stage-1 design instead (and its sampling run is one task).
One extra pass equilibrates the sampling run to find the histogram's range (the grid must be the same for all
pieces); setGridBox skips it.
"""
import hashlib
import json

import openmm as mm

from .. import effpot_swig as _swig
from ..distributed.checkpoint import Checkpoint
from ..distributed.executors import Task, run_tasks
from ..shared.progress import SilentProgress
from . import worker_pieces

_SILENT = SilentProgress()


def _merge(xml_texts):
    """Merge ReplicaStatistics given as XML, in the given order."""
    total = None
    for text in xml_texts:
        part = _swig._replicaStatisticsFromXml(text)
        if total is None:
            total = part
        else:
            total.merge(part)
    return total


def _digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chunks(count, size):
    return [(first, min(first + size, count)) for first in range(0, count, size)]


def open_checkpoint(directory, kind, settings_xml, platform, layout, properties=None):
    """A Checkpoint for a run of `kind` with these settings (XML), platform name, split and platform properties
    (those that change results, such as Precision; not where the run goes, DeviceIndex)."""
    fingerprint = {"kind": kind, "settings_sha256": _digest(settings_xml), "platform": platform, "split": layout,
                   "properties": {k: v for k, v in sorted((properties or {}).items()) if k != "DeviceIndex"}}
    return Checkpoint(directory, fingerprint, details={"settings.xml": settings_xml})


def run_coarse_grainer(impl, platform, executor=None, checkpoint=None, batches_per_task=1, retries=3,
                       progress=None, threads=1):
    """Run the C++ CoarseGrainer `impl` as tasks; returns the C++ EffectivePotential (see CoarseGrainer.run)."""
    if not isinstance(batches_per_task, int) or batches_per_task < 1:
        raise ValueError(f"batches_per_task: give a positive integer (replica batches per task), got {batches_per_task!r}")
    # An automatic friction is picked here by the pilot run first (as run() does; the pilot is seeded, so a rerun
    # picks the same), kept in the settings that the pieces get, and undone afterwards so that a rerun pilots again.
    automatic = impl.isFrictionAutomatic()
    if automatic:
        impl.usePilotFriction(platform if not isinstance(platform, str) else mm.Platform.getPlatformByName(platform))
    try:
        return _run_pieces(impl, platform, executor, checkpoint, batches_per_task, retries, progress, threads)
    finally:
        if automatic:
            impl.setAutomaticFriction()


def _run_pieces(impl, platform, executor, checkpoint, batches_per_task, retries, progress, threads):
    settings = impl.toXml()
    spec = worker_pieces.platform_spec(platform, impl.getPlatformProperties(), threads)
    batches = impl.getNumBatches()
    user = impl.hasUserSystem()
    store = None
    if checkpoint is not None:
        layout = "by design" if user else f"{batches_per_task} batches per task"
        store = open_checkpoint(checkpoint, "effpot.CoarseGrainer", settings, spec["name"], layout, spec["properties"])
    chunks = [(0, batches)] if user else _chunks(batches, batches_per_task)

    def run(tasks, stage):
        return list(run_tasks(tasks, executor, store, retries, progress, stage).values())

    stage1 = _swig.ReplicaStatistics()
    noise = []
    if impl.getDimensions() > 1:
        groups = impl.getNumStage1Groups()
        pieces = ([(0, batches, g, g + 1) for g in range(groups)] if user
                  else [(first, end, 0, groups) for first, end in chunks])
        stage1 = _merge(run([Task(f"stage1-b{b0:04d}-{b1:04d}-g{g0}-{g1}", worker_pieces.stage1, (settings, spec, b0, b1, g0, g1))
                             for b0, b1, g0, g1 in pieces], "stage 1 (tasks)"))
        noise = list(impl.estimateNoiseCovariance(stage1))
    # Stage-2 pieces depend on D: their keys carry its digest (D is a function of the Stage-1 results anyway).
    noise_key = _digest(json.dumps(noise))[:12]
    visited = []
    if impl.needsSamplingRange():
        ranges = run([Task(f"range-{noise_key}-b{b0:04d}-{b1:04d}", worker_pieces.sampling_range, (settings, spec, noise, b0, b1))
                      for b0, b1 in chunks], "equilibration range (tasks)")
        d = impl.getDimensions()
        visited = [min(r[i] for r in ranges) for i in range(d)] + [max(r[d + i] for r in ranges) for i in range(d)]
    grid = worker_pieces.grid_spec(impl.samplingGrid(visited))
    grid_key = _digest(json.dumps([noise, grid]))[:12]
    sampling = _merge(run([Task(f"sampling-{grid_key}-b{b0:04d}-{b1:04d}", worker_pieces.sampling, (settings, spec, noise, grid, b0, b1))
                           for b0, b1 in chunks], "sampling (tasks)"))
    # The fit (seconds for a 2D run) is a piece of the checkpoint too: a resume after finished sampling loads it.
    fit_key = f"fit-{grid_key}"
    if store is not None and store.has(fit_key):
        if progress is not None:
            progress("fit", 1, 1)
        return _swig._effectivePotentialFromXml(store.load(fit_key), store.path(fit_key), "checkpoint")
    if progress is not None:
        progress("fit", 0, 1)
    impl.setProgressReporter(_SILENT)  # the fit's heartbeat returns to Python: Ctrl-C stops it within a second
    try:
        potential = impl.fit(stage1, sampling, spec["name"])
    finally:
        impl.setProgressReporter(None)
    if store is not None:
        store.save(fit_key, potential.toXml())
    if progress is not None:
        progress("fit", 1, 1)
    return potential
