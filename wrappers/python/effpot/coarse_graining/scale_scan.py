"""Python face of EffPot::ScaleScan: find the scales of a landscape without being told them (docs/theory.md section 9)."""
from openmm import unit

from .. import effpot_swig as _swig
from ..shared.units import real_number, strip, whole_number, openmm_platform

_ENERGY = unit.kilojoule_per_mole


class ScaleScan:
    """Scan step sizes with isotropic friction gamma = frictionFactor * h; group the step sizes whose momenta are
    Gaussian (and whose runs neither froze nor exploded, and were long enough to forget their starts) into levels,
    judge each level's large-step edge again at the learning temperature kT* (setTargetKT), and recommend one
    step size per level.

    Parameters
    ----------
    energy : str
        An OpenMM expression in x (1D), x, y (2D) or x, y, z (3D), kJ/mol.
    dimensions : int
    """

    def __init__(self, energy, dimensions):
        if not isinstance(energy, str):
            raise TypeError(f"ScaleScan: energy must be an OpenMM expression (a str), got {energy!r}")
        self._impl = _swig.ScaleScan(energy, whole_number(dimensions, "ScaleScan: dimensions"))

    def setStepSizes(self, stepSizes):
        """The step sizes to scan (ps, or quantities)."""
        self._impl.setStepSizes([strip(h, unit.picosecond, "stepSizes") for h in stepSizes])

    def setStepSizeRange(self, smallest, largest, count):
        """count step sizes log-spaced from smallest to largest (ps)."""
        self._impl.setStepSizeRange(strip(smallest, unit.picosecond, "smallest"),
                                    strip(largest, unit.picosecond, "largest"),
                                    whole_number(count, "ScaleScan.setStepSizeRange: count"))

    def setFrictionFactor(self, factor):
        """gamma = factor * h (1/ps^2, default 2): kT ~ E[zeta^2] / (2 factor) at every step size."""
        self._impl.setFrictionFactor(real_number(factor, "ScaleScan.setFrictionFactor: factor"))

    def setNumReplicas(self, count):
        self._impl.setNumReplicas(whole_number(count, "ScaleScan.setNumReplicas: count"))

    def setNumSteps(self, steps):
        self._impl.setNumSteps(whole_number(steps, "ScaleScan.setNumSteps: steps"))

    def setNumEquilibrationSteps(self, steps):
        self._impl.setNumEquilibrationSteps(whole_number(steps, "ScaleScan.setNumEquilibrationSteps: steps"))

    def setInitialBox(self, lower, upper):
        self._impl.setInitialBox([real_number(x, "ScaleScan.setInitialBox: lower") for x in lower],
                                 [real_number(x, "ScaleScan.setInitialBox: upper") for x in upper])

    def setRandomSeed(self, seed):
        self._impl.setRandomSeed(whole_number(seed, "ScaleScan.setRandomSeed: seed"))

    def setNormalityTolerance(self, skewness, excessKurtosis):
        self._impl.setNormalityTolerance(real_number(skewness, "ScaleScan.setNormalityTolerance: skewness"),
                                         real_number(excessKurtosis, "ScaleScan.setNormalityTolerance: excessKurtosis"))

    def setMaxTransientWeight(self, weight):
        """The largest share of the starts' excess energy a Gaussian point's averages may keep (default 0.05, as 20
        relaxation times of sampling and no equilibration; docs/theory.md section 9). Runs above it are flagged
        relaxed=False and belong to no level. 1 accepts every run."""
        self._impl.setMaxTransientWeight(real_number(weight, "ScaleScan.setMaxTransientWeight: weight"))

    def setTargetKT(self, kT):
        """kT* (kJ/mol, or a molar energy quantity; default 1, as CoarseGrainer) at which each level's large-step
        edge is judged: its largest step, then the one above it, run again with the friction whose predicted kinetic
        kT is kT*. 0 judges the levels at the scan's own temperature only (no second runs)."""
        self._impl.setTargetKT(strip(kT, _ENERGY, "ScaleScan.setTargetKT: kT"))

    def run(self, platform=None, executor=None, checkpoint=None, retries=3, progress=None):
        """Run every step size. Returns (points, levels): points a list of dicts in increasing step size, levels a
        list of dicts (smallest, largest, recommended, numPoints). A point has stepSize, friction, kT, skewness,
        excessKurtosis, dagostinoPValue, frozen, frozenReplicas, exploded, relaxationTimes, transientWeight, relaxed,
        gaussian, edgeChecked, gaussianAtTargetKT and atTargetKT: None, or for a step at a level's large-step edge
        the same keys (but the last three) of its run at kT*, whose friction is gamma*. Where edgeChecked,
        gaussianAtTargetKT and not gaussian decides whether the step belongs to a level.

        executor, checkpoint, retries: as CoarseGrainer.run (docs/distributed.md); each step size is one task, and
        each check at kT* another (a round per move of the edges), keyed by step size and kT* in the checkpoint.
        progress: a callable (stage, done, total) called as step sizes finish. With one, and no executor, the step
        sizes run one by one in this process (the task walk, with the same results), each returning to Python a few
        times a second: Ctrl-C stops the scan within a second. Without any of the three the whole scan is one C++ call.
        """
        platform = openmm_platform(platform)
        if progress is not None and not callable(progress):
            raise ValueError("ScaleScan.run: progress: give a callable f(stage, done, total), or None")
        if executor is None and checkpoint is None and progress is None:
            count = self._impl.runScan(platform)
        else:
            count = self._run_tasks(platform, executor, checkpoint, retries, progress)
        points = []
        for i in range(count):
            p = self._impl.getPoint(i)
            point = _point_dict(p)
            point.update(edgeChecked=p.edgeChecked, gaussianAtTargetKT=p.gaussianAtTargetKT,
                         atTargetKT=_point_dict(self._impl.getEdgePoint(i)) if p.edgeChecked else None)
            points.append(point)
        levels = []
        for i in range(self._impl.getNumLevels()):
            level = self._impl.getLevel(i)
            levels.append(dict(smallest=level.smallest, largest=level.largest, recommended=level.recommended,
                               numPoints=level.numPoints))
        return points, levels

    def _run_tasks(self, platform, executor, checkpoint, retries, progress):
        """ScaleScan::run's walk with each step size a task on the executor: the worker runs ScaleScan::samplePoint
        (worker_pieces.scan_point), and the C++ scan records (recordPoint) and classifies the points."""
        from ..distributed.executors import Task, run_tasks
        from . import worker_pieces
        from .pipeline import open_checkpoint
        steps = list(self._impl.getStepSizes())
        if not steps:
            raise ValueError("ScaleScan.run: set the step sizes first (setStepSizes or setStepSizeRange)")
        threads = self._impl.getCoarseGrainer().getNumThreads() if executor is None else 1
        spec = worker_pieces.platform_spec(platform, threads=threads)
        store = None
        if checkpoint is not None:
            # Points are keyed by step size, so a scan extended with more step sizes reuses the ones it has.
            shared = self._impl.getCoarseGrainer().toXml()
            layout = f"one task per step size; friction factor {self._impl.getFrictionFactor()!r}"
            store = open_checkpoint(checkpoint, "effpot.ScaleScan", shared, spec["name"], layout)
        codec = {"encode": worker_pieces.scan_point_text, "decode": worker_pieces.scan_point_from_text}
        tasks = [Task(f"point-h{h!r}", worker_pieces.scan_point, (self._impl.getPointSettings(i).toXml(), spec), **codec)
                 for i, h in enumerate(steps)]
        results = list(run_tasks(tasks, executor, store, retries, progress, "scale scan (tasks)").values())
        for i, result in enumerate(results):
            self._impl.recordPoint(i, worker_pieces.scan_run(result))
        self._impl.classifyPoints()
        # The edges at kT*, a round of tasks per move inward; the C++ scan says which points are due.
        kT = self._impl.getTargetKT()
        due = list(self._impl.getEdgeChecks())
        while due:
            tasks = [Task(f"edge-h{steps[i]!r}-kT{kT!r}", worker_pieces.scan_point,
                          (self._impl.getEdgeSettings(i).toXml(), spec), **codec) for i in due]
            results = list(run_tasks(tasks, executor, store, retries, progress, "scale scan (edges at kT*)").values())
            for i, result in zip(due, results):
                self._impl.recordEdgeCheck(i, worker_pieces.scan_run(result))
            due = list(self._impl.getEdgeChecks())
        return len(steps)


def _point_dict(p):
    """A ScaleScanPoint as a dict."""
    return dict(stepSize=p.stepSize, friction=p.friction, kT=p.kT, skewness=list(p.skewness),
                excessKurtosis=list(p.excessKurtosis), dagostinoPValue=list(p.dagostinoPValue), frozen=p.frozen,
                frozenReplicas=p.frozenReplicas, exploded=p.exploded, relaxationTimes=p.relaxationTimes,
                transientWeight=p.transientWeight, relaxed=p.relaxed, gaussian=p.gaussian)
