"""What a worker process runs: one piece of a CoarseGrainer or ScaleScan run, from plain data to plain data.

Every function takes the settings as CoarseGrainer XML (CoarseGrainerProxy; a user's System travels inside it),
the platform as a dict {"name", "properties", "threads"}, and the piece; it returns a ReplicaStatistics (exact sums,
merged by the caller; it pickles exactly) or a short list. A checkpoint stores statistics as their XML
(statistics_text, statistics_from_text). They are module-level so that executors pickle them by reference;
importing this module imports effpot, which loads the OpenMM plugins in the worker.
"""
import openmm as mm

from .. import effpot_swig as _swig
from ..distributed.executors import worker_device
from ..shared.progress import SilentProgress

# Reports return to Python now and then, so that Ctrl-C stops a piece that runs in this process within a second.
_SILENT = SilentProgress()

# Platforms on which a worker process of local_executor(devices=...) takes its own device.
_DEVICE_PLATFORMS = ("CUDA", "OpenCL", "HIP")


def platform_spec(platform, properties=None, threads=1):
    """The plain-data form of a platform for a piece: its name, Context properties and replica threads."""
    if isinstance(platform, str):
        platform = mm.Platform.getPlatformByName(platform)
    return {"name": platform.getName(), "properties": dict(properties or {}), "threads": int(threads)}


def _grainer(settings, platform):
    """The C++ CoarseGrainer of `settings` set up for this worker, and the OpenMM platform of `platform`."""
    grainer = _swig._coarseGrainerFromXml(settings)
    properties = dict(platform["properties"])
    device = worker_device()
    if device is not None and platform["name"] in _DEVICE_PLATFORMS:
        properties.setdefault("DeviceIndex", str(device))
    if platform["name"] == "CPU":
        # Replica Contexts are the unit of parallelism (one process per core): no thread pool inside each.
        properties.setdefault("Threads", str(max(1, platform["threads"])))
    grainer.setPlatformProperties(properties)
    grainer.setNumThreads(max(1, platform["threads"]))
    grainer.setProgressReporter(_SILENT)
    return grainer, mm.Platform.getPlatformByName(platform["name"])


def grid_spec(grid):
    """A RegularGrid as plain data."""
    return {"lower": list(grid.getLower()), "upper": list(grid.getUpper()), "bins": list(grid.getBins())}


def grid_from_spec(spec):
    return _swig.RegularGrid(spec["lower"], spec["upper"], spec["bins"])


def statistics_text(statistics):
    """A ReplicaStatistics as a checkpoint stores it: its XML (exact sums)."""
    return statistics.toXml()


def statistics_from_text(text):
    """The ReplicaStatistics of statistics_text."""
    return _swig._replicaStatisticsFromXml(text)


def stage1(settings, platform, first_batch, end_batch, first_group, end_group, frame=(), stage1_round=0):
    """Stage 1 of batches [first_batch, end_batch) and designs [first_group, end_group) of a round (its frame W,
    d x d; empty in the first round): a ReplicaStatistics."""
    grainer, openmm_platform = _grainer(settings, platform)
    return grainer.runStage1(openmm_platform, first_batch, end_batch, first_group, end_group, list(frame), stage1_round)


def sampling_range(settings, platform, noise, first_batch, end_batch):
    """The range the sampling run's batches visit at the end of equilibration: [d lower bounds, d upper bounds]."""
    grainer, openmm_platform = _grainer(settings, platform)
    return list(grainer.runSamplingRange(openmm_platform, noise, first_batch, end_batch))


def sampling(settings, platform, noise, grid, first_batch, end_batch):
    """The sampling run (1D run or Stage 2) of batches [first_batch, end_batch): a ReplicaStatistics."""
    grainer, openmm_platform = _grainer(settings, platform)
    return grainer.runSampling(openmm_platform, noise, grid_from_spec(grid), first_batch, end_batch)


def scan_point(settings, platform):
    """One step size of a ScaleScan: {"exploded": bool, "statistics": a ReplicaStatistics or None}. The run is
    C++ ScaleScan::samplePoint, the one place where an exploded run is told from an error (any error but an
    explosion is raised); scan_run turns the answer back into its ScaleScanRun."""
    grainer, openmm_platform = _grainer(settings, platform)
    run = _swig.ScaleScan.samplePoint(grainer, openmm_platform)
    # A copy: run.statistics is a view into `run`, which is gone when this returns.
    return {"exploded": bool(run.exploded), "statistics": None if run.exploded else _swig.ReplicaStatistics(run.statistics)}


def scan_point_text(result):
    """A scan_point answer as a checkpoint stores it (the statistics as XML)."""
    statistics = result["statistics"]
    return {"exploded": result["exploded"], "statistics": None if statistics is None else statistics.toXml()}


def scan_point_from_text(stored):
    """The scan_point answer of scan_point_text."""
    text = stored["statistics"]
    return {"exploded": stored["exploded"], "statistics": None if text is None else statistics_from_text(text)}


def scan_run(result):
    """The C++ ScaleScanRun of a scan_point answer, for ScaleScan::recordPoint."""
    run = _swig.ScaleScanRun()
    run.exploded = result["exploded"]
    if not result["exploded"]:
        run.statistics = result["statistics"]
    return run
