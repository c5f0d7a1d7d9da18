"""Python face of the coarse-graining driver: CoarseGrainer learns an EffectivePotential (docs/theory.md sections 3–6).

The work is done by the C++ class EffPot::CoarseGrainer; this module accepts OpenMM units and numpy arrays, draws a
progress bar, and runs the pipeline on threads here or, in pieces, on an executor (pipeline.py).
"""
import numpy as np
import openmm as mm
from openmm import unit

from .. import effpot_swig as _swig
from ..shared.progress import CallbackProgress, SilentProgress, TextProgress
from ..shared.units import float_array, openmm_platform, particle_list, real_number, strip, whole_number
from .potential import EffectivePotential

_ENERGY = unit.kilojoule_per_mole
_SILENT = SilentProgress()


def _per_dimension(value, dimensions, name, cast):
    values = np.atleast_1d(np.asarray(value))
    if values.size == 1:
        values = np.repeat(values, dimensions)
    if values.size != dimensions:
        raise ValueError(f"{name}: give one value or one per dimension ({dimensions})")
    if cast is not float:
        return [cast(v) for v in values]  # a checking cast (whole_number) names the argument itself
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):  # 'a' as a length: name the argument
        raise TypeError(f"{name}: expected numbers, got {value!r:.80}") from None


def _lengths(value, dimensions, name):
    if unit.is_quantity(value):
        value = value.value_in_unit(unit.nanometer)
    return _per_dimension(value, dimensions, name, float)


class CoarseGrainer:
    """Learn the effective potential of an energy landscape at the scale set by the step size.

    Parameters
    ----------
    energy : str
        The energy (kJ/mol) as an OpenMM expression in x (1D), x, y (2D) or x, y, z (3D).
    dimensions : int
        1, 2 or 3.

    In 1D, R replicas run the deterministic damped scheme with scalar friction and kT = <p^2>/m; in 2D and 3D,
    Stage 1 estimates the effective-noise covariance D from designed mass matrices and Stage 2 samples with
    M = I, Gamma = D / (2 kT*). Set at least the step size and the friction before run().
    """

    def __init__(self, energy, dimensions):
        if not isinstance(energy, str):
            raise TypeError(f"CoarseGrainer: energy must be an OpenMM expression (a str), got {energy!r}")
        dimensions = whole_number(dimensions, "CoarseGrainer: dimensions")
        self._impl = _swig.CoarseGrainer(energy, dimensions)
        self.dimensions = dimensions

    @classmethod
    def fromSystem(cls, system, particles, dimensions):
        """Coarse-grain replicas living in your own System.

        `particles` are the replica particles (each gets the designed mass and friction matrices), the first
        `dimensions` Cartesian components are active, every other particle moves with its System mass and the
        scalar friction; Stage-1 designs run one Context each. Set the other particles' positions with
        setSystemPositions() and the replicas' with setInitialPositions().
        """
        self = cls.__new__(cls)
        dimensions = whole_number(dimensions, "CoarseGrainer.fromSystem: dimensions")
        self._impl = _swig.CoarseGrainer(system, particle_list(particles, "CoarseGrainer.fromSystem: particles"), dimensions)
        self.dimensions = dimensions
        return self

    def setSystemPositions(self, positions):
        """Positions of every particle of the System given to fromSystem() (N x 3, nm)."""
        if unit.is_quantity(positions):
            positions = positions.value_in_unit(unit.nanometer)
        try:
            array = np.asarray([[float(c) for c in p] for p in positions])
        except (TypeError, ValueError):
            raise TypeError(f"CoarseGrainer.setSystemPositions: positions: expected N x 3 numbers (nm), got "
                            f"{positions!r:.80}") from None
        if array.ndim != 2 or array.shape[1] != 3:
            raise ValueError(f"CoarseGrainer.setSystemPositions: positions: expected N x 3 numbers (nm), got shape "
                             f"{array.shape}")
        self._impl.setSystemPositions(array.ravel().tolist())

    @property
    def settings(self):
        """Every setting of the run as one value, an effpot.CoarseGrainingSettings (a copy: change its attributes and
        give it back with setSettings). Its fields are the C++ CoarseGrainingSettings', in plain units (ps, 1/ps,
        dalton, kJ/mol, nm); vector fields read as tuples and take lists. The fit's settings (knots, smoothing,
        bootstrap) are not in it: they are the fitter's, set with setKnotSpacing and the setters after it."""
        return self._impl.getSettings()

    def setSettings(self, settings):
        """Replace every setting at once with a CoarseGrainingSettings value (from :attr:`settings`); it is checked
        as the setters check each field (an openmm.OpenMMException names the field)."""
        if not isinstance(settings, _swig.CoarseGrainingSettings):
            raise TypeError("CoarseGrainer.setSettings: give an effpot.CoarseGrainingSettings (CoarseGrainer.settings), "
                            f"got {type(settings).__name__}")
        self._impl.setSettings(settings)

    # Settings: each accepts OpenMM quantities where the quantity has units.
    def setStepSize(self, h):
        """The step size h (ps): it selects the scale that is learned."""
        self._impl.setStepSize(strip(h, unit.picosecond, "stepSize"))

    def setFriction(self, gamma):
        """The friction gamma (1/ps) of the 1D run and of Stage 1, or "auto" (the default): a pilot run picks
        the gamma whose predicted kinetic kT is the target kT (setTargetKT), docs/theory.md section 4."""
        if isinstance(gamma, str):
            if gamma != "auto":
                raise ValueError(f"friction: give a number (1/ps) or 'auto', not {gamma!r}")
            self._impl.setAutomaticFriction()
        else:
            self._impl.setFriction(strip(gamma, unit.picosecond ** -1, "friction"))

    def choosePilotFriction(self, platform=None):
        """Run the pilot run alone and return the friction it picks (1/ps), without keeping it."""
        self._impl.setProgressReporter(_SILENT)  # Ctrl-C stops the pilot within a second
        try:
            return self._impl.choosePilotFriction(openmm_platform(platform))
        finally:
            self._impl.setProgressReporter(None)

    def setMass(self, m):
        """The scalar mass (dalton) of the 1D run."""
        self._impl.setMass(strip(m, unit.dalton, "mass"))

    def setNumReplicas(self, count):
        """Replicas per Stage-1 design, and in the 1D run and Stage 2."""
        self._impl.setNumReplicas(whole_number(count, "CoarseGrainer.setNumReplicas: count"))

    def setNumSteps(self, steps):
        """Sampling steps of each run after equilibration (Stage 2 runs twice as many unless set)."""
        self._impl.setNumSteps(whole_number(steps, "CoarseGrainer.setNumSteps: steps"))

    def setNumStage2Steps(self, steps):
        self._impl.setNumStage2Steps(whole_number(steps, "CoarseGrainer.setNumStage2Steps: steps"))

    def setStage1Precision(self, tolerance, maxRounds):
        """Stage 1 adds rounds of designs in the eigenframe of D-hat until the standard error of its relative error
        along the worst direction (diagnostic stage1.whitenedError) is at most `tolerance` (default 0.01), or
        `maxRounds` rounds ran (default 3; 1: the first round only). docs/theory.md section 5."""
        self._impl.setStage1Precision(real_number(tolerance, "CoarseGrainer.setStage1Precision: tolerance"),
                                      whole_number(maxRounds, "CoarseGrainer.setStage1Precision: maxRounds"))

    def setStage2Refinements(self, passes):
        """Stage-2 passes (0 to 5; default 2) before the fitted one, each recomputing D from the noise the calibrated
        dynamics realise (their drift momenta), so that the friction puts the positions at kT* in every direction.
        Each costs one more Stage-2 run; 0: Stage 2 runs once, with Stage 1's D. 2D/3D only; docs/theory.md
        section 5."""
        self._impl.setStage2Refinements(whole_number(passes, "CoarseGrainer.setStage2Refinements: passes"))

    def setNumEquilibrationSteps(self, steps):
        self._impl.setNumEquilibrationSteps(whole_number(steps, "CoarseGrainer.setNumEquilibrationSteps: steps"))

    def setSampleInterval(self, steps):
        self._impl.setSampleInterval(whole_number(steps, "CoarseGrainer.setSampleInterval: steps"))

    def setTargetKT(self, kT):
        """kT* of Stage 2 (kJ/mol, or a molar energy quantity)."""
        self._impl.setTargetKT(strip(kT, _ENERGY, "targetKT"))

    def setInitialPositions(self, positions):
        """Initial replica positions: an R x d array (nm); every design starts from the same ones."""
        if unit.is_quantity(positions):
            positions = positions.value_in_unit(unit.nanometer)
        array = float_array(positions, "CoarseGrainer.setInitialPositions: positions")
        if array.ndim == 1 and self.dimensions == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[1] != self.dimensions:
            raise ValueError(f"initialPositions: expected an R x {self.dimensions} array, got shape {array.shape}")
        self._impl.setInitialPositions(array.ravel().tolist())

    def setInitialBox(self, lower, upper):
        """Draw initial positions uniformly in this box instead (default [-1, 1]^d)."""
        self._impl.setInitialBox(_lengths(lower, self.dimensions, "CoarseGrainer.setInitialBox: lower"),
                                 _lengths(upper, self.dimensions, "CoarseGrainer.setInitialBox: upper"))

    def setGridBins(self, bins):
        """Histogram bins as recorded: one number, or one per dimension. The fit merges 1-4 of them per dimension,
        chosen by held-out likelihood (setGridCoarsening fixes the factor; 1 fits on these bins)."""
        self._impl.setGridBins(_per_dimension(bins, self.dimensions, "CoarseGrainer.setGridBins: bins",
                                              lambda v: whole_number(v, "CoarseGrainer.setGridBins: bins")))

    def setGridBox(self, lower, upper):
        """Fix the histogram box (default: the range visited at the end of equilibration, widened by 15%)."""
        self._impl.setGridBox(_lengths(lower, self.dimensions, "CoarseGrainer.setGridBox: lower"),
                              _lengths(upper, self.dimensions, "CoarseGrainer.setGridBox: upper"))

    def setNumBatches(self, count):
        self._impl.setNumBatches(whole_number(count, "CoarseGrainer.setNumBatches: count"))

    def setRandomSeed(self, seed):
        """Seeds the starting positions and velocities and the bootstrap."""
        self._impl.setRandomSeed(whole_number(seed, "CoarseGrainer.setRandomSeed: seed"))

    def setNumThreads(self, count):
        """Threads for the replica runs (0: one per core, at most 4); results do not depend on it."""
        self._impl.setNumThreads(whole_number(count, "CoarseGrainer.setNumThreads: count"))

    def setUseCustomExternalForce(self, use):
        """Evaluate the energy with OpenMM's CustomExternalForce instead of the (faster) ReplicaExpressionForce."""
        self._impl.setUseCustomExternalForce(bool(use))

    def setNormalityTolerance(self, skewness, excessKurtosis):
        self._impl.setNormalityTolerance(real_number(skewness, "CoarseGrainer.setNormalityTolerance: skewness"),
                                         real_number(excessKurtosis, "CoarseGrainer.setNormalityTolerance: excessKurtosis"))

    def setAllowNonGaussian(self, allow):
        self._impl.setAllowNonGaussian(bool(allow))

    def setRestartFrozenReplicas(self, restart):
        """Restart replicas that come to rest in a micro-well (the default), or leave them there (True/False)."""
        self._impl.setRestartFrozenReplicas(bool(restart))

    def setKnotSpacing(self, bins):
        """Spline knot spacing in histogram bins, or "auto" (the default): chosen per fit among 3, 4 and 6 bins by
        the unbiased risk estimate (scores in diagnostics["fit.ubre.knotSpacing*"])."""
        if isinstance(bins, str) and bins != "auto":
            raise ValueError(f"CoarseGrainer.setKnotSpacing: give a number of bins or 'auto', not {bins!r}")
        self._impl.setKnotSpacing(0.0 if bins == "auto" else real_number(bins, "CoarseGrainer.setKnotSpacing: bins"))

    def setGridCoarsening(self, factor):
        """Fit on the histogram's bins merged `factor` at a time per dimension, or "auto" (the default): the factor
        among 1-4 (those dividing the bin counts) with the largest log-likelihood of held-out replica batches
        (diagnostics["fit.heldOutLogLikelihood.coarsening*"], the choice in fit.gridCoarsening)."""
        if isinstance(factor, str) and factor != "auto":
            raise ValueError(f"CoarseGrainer.setGridCoarsening: give a whole number or 'auto', not {factor!r}")
        self._impl.setGridCoarsening(0 if factor == "auto" else
                                        whole_number(factor, "CoarseGrainer.setGridCoarsening: factor"))

    def setSmoothing(self, smoothing):
        """Fix the roughness penalty, relative to a typical bin's weight (default: chosen by the unbiased risk
        estimate; a negative value restores that)."""
        self._impl.setSmoothing(real_number(smoothing, "CoarseGrainer.setSmoothing: smoothing"))

    def setMinBinCount(self, count):
        self._impl.setMinBinCount(whole_number(count, "CoarseGrainer.setMinBinCount: count"))

    def setNumBootstrap(self, count):
        self._impl.setNumBootstrap(whole_number(count, "CoarseGrainer.setNumBootstrap: count"))

    def __getattr__(self, name):
        # Getters (getStepSize, getNumReplicas, isFrictionAutomatic, ...) come straight from the C++ object.
        if name.startswith("get") or name.startswith("is"):
            return getattr(self._impl, name)
        raise AttributeError(name)

    def run(self, platform=None, progress=False, executor=None, checkpoint=None, batches_per_task=1, retries=3):
        """Run and return the learned EffectivePotential.

        Parameters
        ----------
        platform : openmm.Platform or str, optional
            The platform (default: Reference; the replicas' ReplicaExpressionForce and the fused integrator step
            are vectorized there too, and the replicas are split over one Context per thread: docs/benchmarks.md).
        progress : bool or callable
            True draws a progress bar on stderr; a callable receives (stage, done, total).
        executor : concurrent.futures.Executor or distributed.Client, optional
            Where the pieces run (docs/distributed.md): None (default) runs here on threads, one replica Context
            per core; effpot.local_executor() gives worker processes, a Dask Client a cluster, mpi4py's
            MPIPoolExecutor MPI ranks. The result is the same, bit for bit, however the work is split.
        checkpoint : str or os.PathLike, optional
            A folder where each finished piece is stored as it arrives; rerunning with the same settings only runs
            the missing pieces. A folder of other settings is refused.
        batches_per_task : int
            Replica batches per task (default 1; see setNumBatches for more, smaller batches).
        retries : int
            How often a piece whose worker died or was lost is resubmitted.
        """
        platform = openmm_platform(platform)
        reporter = None
        if progress is True:
            reporter = TextProgress()
        elif callable(progress):
            reporter = CallbackProgress(progress)
        elif progress not in (False, None):
            raise ValueError("CoarseGrainer.run: progress: give True, False or a callable f(stage, done, total)")
        else:
            reporter = _SILENT  # Ctrl-C is handled at its reports (within a second)
        try:
            if executor is not None or checkpoint is not None:
                from .pipeline import run_coarse_grainer
                # Here (no executor) each piece uses this CoarseGrainer's threads; worker processes use one each.
                threads = self._impl.getNumThreads() if executor is None else 1
                return EffectivePotential(run_coarse_grainer(
                    self._impl, platform, executor=executor, checkpoint=checkpoint, batches_per_task=batches_per_task,
                    retries=retries, progress=None if isinstance(reporter, SilentProgress) else reporter.report,
                    threads=threads))
            self._impl.setProgressReporter(reporter)
            try:
                result = self._impl.run(platform)
            except mm.OpenMMException as error:
                if "bad_alloc" in str(error):  # C++ ran out of memory: say what to change
                    raise MemoryError(f"CoarseGrainer.run: not enough memory for {self._impl.getNumReplicas()} "
                                      "replicas (std::bad_alloc): use fewer (setNumReplicas), or split them over the "
                                      "tasks of an executor (run(executor=...): docs/distributed.md)") from None
                raise
            finally:
                self._impl.setProgressReporter(None)
            return EffectivePotential(result)
        finally:
            if isinstance(reporter, TextProgress):
                reporter.finish()  # end a bar's line, even after an error

    def setPlatformProperties(self, properties):
        """OpenMM Context properties for every run (e.g. {"Precision": "double"}); local_executor(devices=...)
        adds each worker's DeviceIndex."""
        self._impl.setPlatformProperties({str(k): str(v) for k, v in dict(properties).items()})

    def __reduce__(self):
        # Pickled as its C++ object (CoarseGrainerProxy's XML: the settings, the energy or System, the fitter's).
        return (CoarseGrainer._from_impl, (self._impl,))

    @classmethod
    def _from_impl(cls, impl):
        self = cls.__new__(cls)
        self._impl = impl
        self.dimensions = impl.getDimensions()
        return self

    def toXml(self):
        """The settings as XML (what worker processes receive)."""
        return self._impl.toXml()

    @classmethod
    def fromXml(cls, xml):
        """A CoarseGrainer with the settings of toXml()."""
        self = cls.__new__(cls)
        self._impl = _swig._coarseGrainerFromXml(xml)
        self.dimensions = self._impl.getDimensions()
        return self

    def stage1Statistics(self):
        """A copy of the mergeable statistics of the last Stage 1 (2D/3D), as a ReplicaStatistics."""
        return self._impl.getStage1Statistics()  # the binding copies (effpot.i): not a view of this grainer's

    def samplingStatistics(self):
        """A copy of the mergeable statistics of the run whose positions were fitted (1D run or Stage 2)."""
        # A copy: the C++ object belongs to this CoarseGrainer and changes with the next run().
        return self._impl.getSamplingStatistics()
