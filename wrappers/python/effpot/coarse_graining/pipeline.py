"""CoarseGrainer.run split into tasks for an executor: Stage 1 pieces, D, the grid, sampling pieces, the fit.

The C++ CoarseGrainingPlan decides the stages, their pieces and merges the results in piece order (the same walk
CoarseGrainer::run takes on threads); this module only turns each piece into a task of worker_pieces and ships
plain data. With a checkpoint the fitted potential is stored too (key fit-<digest of D and the grid>). Every batch's sums come from the same trajectories whatever the split, so D, kT and U equal those of
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
from ..distributed.checkpoint import Checkpoint, CheckpointError
from ..distributed.executors import Task, run_tasks
from ..shared.progress import SilentProgress
from . import worker_pieces

_SILENT = SilentProgress()


def _digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def open_checkpoint(directory, kind, settings_xml, platform, layout, properties=None):
    """A Checkpoint for a run of `kind` with these settings (XML), platform name, split and platform properties
    (those that change results, such as Precision; not where the run goes, DeviceIndex)."""
    fingerprint = {"kind": kind, "settings_sha256": _digest(settings_xml), "platform": platform, "split": layout,
                   "properties": {k: v for k, v in sorted((properties or {}).items()) if k != "DeviceIndex"}}
    return Checkpoint(directory, fingerprint, details={"settings.xml": settings_xml})


def run_coarse_grainer(impl, platform, executor=None, checkpoint=None, batches_per_task=1, retries=3,
                       progress=None, threads=1):
    """Run the C++ CoarseGrainer `impl` as tasks; returns the C++ EffectivePotential (see CoarseGrainer.run).

    The walk is the C++ CoarseGrainingPlan's, the one CoarseGrainer::run takes: its stages in order, each as
    independent pieces. Here each piece becomes a task; the plan merges the results in piece order. A friction left
    automatic is picked by the plan's pilot run (seeded, so a rerun picks the same), and the plan makes it automatic
    again when it finishes.
    """
    if not isinstance(batches_per_task, int) or isinstance(batches_per_task, bool) or batches_per_task < 1:
        raise ValueError(f"batches_per_task: give a positive integer (replica batches per task), got {batches_per_task!r}")
    openmm_platform = mm.Platform.getPlatformByName(platform) if isinstance(platform, str) else platform
    plan = _swig.CoarseGrainingPlan(impl, openmm_platform, batches_per_task, "CoarseGrainer.run")
    try:
        return _walk(plan, impl, platform, executor, checkpoint, batches_per_task, retries, progress, threads)
    finally:
        plan.finish()


# The progress label of each stage's tasks.
_LABELS = {
    _swig.CoarseGrainingPlan.Stage1: "stage 1 (tasks)",
    _swig.CoarseGrainingPlan.SamplingRange: "equilibration range (tasks)",
    _swig.CoarseGrainingPlan.Sampling: "sampling (tasks)",
}


def _task(stage, settings, spec, noise, grid, piece, key, frame=(), stage1_round=0):
    """Piece {first batch, end batch, first design, end design} of a stage as a task of worker_pieces."""
    b0, b1, g0, g1 = piece
    if stage == _swig.CoarseGrainingPlan.Stage1:
        # A later round's designs depend on the earlier rounds' D-hat: its keys carry a digest of its frame.
        prefix = "stage1" if stage1_round == 0 else f"stage1-r{stage1_round}-{key}"
        return Task(f"{prefix}-b{b0:04d}-{b1:04d}-g{g0}-{g1}", worker_pieces.stage1,
                    (settings, spec, b0, b1, g0, g1, list(frame), stage1_round), **_STATISTICS)
    if stage == _swig.CoarseGrainingPlan.SamplingRange:
        return Task(f"range-{key}-b{b0:04d}-{b1:04d}", worker_pieces.sampling_range, (settings, spec, noise, b0, b1),
                    decode=_range)
    return Task(f"sampling-{key}-b{b0:04d}-{b1:04d}", worker_pieces.sampling, (settings, spec, noise, grid, b0, b1),
                **_STATISTICS)


def _range(stored):
    """A sampling range read back from a checkpoint: a list of numbers (d lower, then d upper bounds)."""
    if not isinstance(stored, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in stored):
        raise TypeError(f"a sampling range is a list of numbers, not {str(stored)[:60]!r}")
    return [float(v) for v in stored]


# Pieces return ReplicaStatistics objects; a checkpoint keeps them as their XML.
_STATISTICS = {"encode": worker_pieces.statistics_text, "decode": worker_pieces.statistics_from_text}


def _walk(plan, impl, platform, executor, checkpoint, batches_per_task, retries, progress, threads):
    settings = impl.toXml()  # after the pilot: the pieces get the friction it picked
    spec = worker_pieces.platform_spec(platform, impl.getPlatformProperties(), threads)
    store = None
    if checkpoint is not None:
        layout = "by design" if impl.hasUserSystem() else f"{batches_per_task} batches per task"
        store = open_checkpoint(checkpoint, "effpot.CoarseGrainer", settings, spec["name"], layout, spec["properties"])
    grid_key = None
    while plan.getStage() != _swig.CoarseGrainingPlan.Fit:
        stage = plan.getStage()
        noise = list(plan.getNoise())
        # Pieces after Stage 1 depend on D, sampling pieces on the grid too: their keys carry a digest of them (D is
        # a function of the Stage-1 results anyway).
        grid = worker_pieces.grid_spec(plan.getGrid()) if stage == _swig.CoarseGrainingPlan.Sampling else None
        key = _digest(json.dumps(noise))[:12] if grid is None else _digest(json.dumps([noise, grid]))[:12]
        if grid is not None:
            grid_key = key
        stage1_round, frame = 0, []
        if stage == _swig.CoarseGrainingPlan.Stage1:
            stage1_round, frame = plan.getStage1Round(), list(plan.getStage1Frame())
            key = _digest(json.dumps(frame))[:12]
        tasks = [_task(stage, settings, spec, noise, grid, plan.getPiece(i), key, frame, stage1_round)
                 for i in range(plan.getNumPieces())]
        label = _LABELS[stage] if stage1_round == 0 else f"stage 1, round {stage1_round + 1} (tasks)"
        if stage != _swig.CoarseGrainingPlan.Stage1 and plan.getSamplingPass() > 0:
            # Stage 2 again, with D refined from the noise the previous pass realised (CoarseGrainingPlan).
            label = label.replace(" (tasks)", f", pass {plan.getSamplingPass() + 1} (tasks)")
        try:
            results = list(run_tasks(tasks, executor, store, retries, progress, label).values())
        except _swig.UnstableRun:
            if stage1_round == 0:
                raise
            plan.abandonStage1Round("its run exploded")  # as CoarseGrainingPlan::runStage does
            continue
        if stage == _swig.CoarseGrainingPlan.SamplingRange:
            plan.completeRanges([list(r) for r in results])
        else:
            plan.completeStatistics(results)
    # The fit (seconds for a 2D run) is a piece of the checkpoint too: a resume after finished sampling loads it.
    fit_key = f"fit-{grid_key}"
    if store is not None and store.has(fit_key):
        if progress is not None:
            progress("fit", 1, 1)
        stored = store.load(fit_key)
        if not isinstance(stored, str):
            raise CheckpointError(f"checkpoint: {store.path(fit_key)} is damaged (its result is not the potential's XML): "
                                  "delete that file and run again (only the fit reruns)")
        return _swig._effectivePotentialFromXml(stored, store.path(fit_key), "checkpoint")
    if progress is not None:
        progress("fit", 0, 1)
    impl.setProgressReporter(_SILENT)  # the fit's heartbeat returns to Python: Ctrl-C stops it within a second
    try:
        potential = plan.fit(spec["name"])
    finally:
        impl.setProgressReporter(None)
    if store is not None:
        store.save(fit_key, potential.toXml())
    if progress is not None:
        progress("fit", 1, 1)
    return potential
