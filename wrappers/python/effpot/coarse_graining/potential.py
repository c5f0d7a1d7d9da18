"""The result of a coarse-graining run: EffectivePotential, a learned U(q) with its temperature, effective noise,
uncertainty and support (docs/theory.md sections 6 and 7; the saved file: docs/file-formats.md).

The work is done by the C++ class EffPot::EffectivePotential; this module accepts numpy arrays, emits U as an
OpenMM force, and saves and loads results atomically.
"""
import os

import numpy as np
import openmm as mm

from .. import effpot_swig as _swig
from ..plugin.replica_force import ReplicaSplineForce
from ..shared.files import atomic_write_text
from ..shared.units import float_array, particle_list
from .export import write_export


def _read_text(path, caller):
    """A file's text; OSError and undecodable bytes say which call and file."""
    try:
        with open(path, encoding="utf-8") as stream:
            return stream.read()
    except UnicodeDecodeError as error:
        raise mm.OpenMMException(f"{caller}: {os.fspath(path)} is not a text (XML) file ({error.reason} at byte "
                                 f"{error.start}): give a file written by effpot") from None
    except OSError as error:
        raise type(error)(error.errno, f"{caller}: cannot read {os.fspath(path)}: {error.strerror}") from None


class Calibration:
    """The physics a potential was learned under (docs/theory.md sections 4, 5 and 8), as numbers and arrays: what
    the surrogate models are built from (C++ EffPot::Calibration; a copy, so it never changes with the potential).

    Attributes
    ----------
    stepSize : float
        The step h (ps) of the run whose positions were fitted; 0 if the potential was not learned by effpot.
    mass, friction : numpy.ndarray
        The mass matrix M (d x d, dalton) and friction matrix Gamma (d x d, dalton/ps) of that run: 1D, m and
        gamma m; 2D/3D (Stage 2), M = I and Gamma = D / (2 kT*).
    kT : float
        The learned temperature (kJ/mol), EffectivePotential.kT.
    targetKT : float
        kT* of Stage 2 (kJ/mol); in 1D the temperature of the starting velocities.
    energy : str
        The full energy expression of the replicas, or "" when they were particles of a user's System.
    system : openmm.System or None
        The user's System the replicas came from, or None.
    """

    def __init__(self, record, dimensions):
        d = dimensions
        self.stepSize = float(record.stepSize)
        self.mass = np.array(record.mass, dtype=float).reshape(d, d) if len(record.mass) else np.zeros((0, 0))
        self.friction = (np.array(record.friction, dtype=float).reshape(d, d) if len(record.friction)
                         else np.zeros((0, 0)))
        self.kT = float(record.kT)
        self.targetKT = float(record.targetKT)
        self.energy = str(record.energy)
        self.system = mm.XmlSerializer.deserialize(record.systemXml) if record.systemXml else None

    @property
    def isKnown(self):
        """Whether the record is filled in (the potential was learned by effpot's CoarseGrainer)."""
        return self.stepSize > 0

    @property
    def fromUserSystem(self):
        """Whether the replicas were particles of a user's System (then energy is "")."""
        return self.system is not None

    def __repr__(self):
        source = "a user System" if self.fromUserSystem else repr(self.energy)
        return (f"Calibration(stepSize={self.stepSize:g} ps, kT={self.kT:.6g}, targetKT={self.targetKT:g}, "
                f"mass={self.mass.tolist()}, friction={self.friction.tolist()}, from {source})")


class EffectivePotential:
    """A learned effective potential U(q) (kJ/mol) with its temperature, effective noise, uncertainty and support.

    Attributes
    ----------
    kT : float
        Thermal energy of the sampled law (kJ/mol).
    noiseCovariance, noiseCovarianceError : numpy.ndarray
        The effective-noise covariance D (d x d, dalton^2 nm^2 ps^-3) and the standard errors of its entries.
    dimensions : int
    calibration : Calibration
        The step, mass, friction and temperatures it was learned under, and the energy or System the replicas came
        from: what the surrogate models are built from.
    diagnostics : dict
        Normality statistics, <p p^T>/kT*, sample counts, settings (numbers), strategy and platform (text): a record
        for people and reports; read the physics from calibration.

    Picklable (as its XML), so that it crosses to worker processes as it is.
    """

    def __init__(self, impl):
        self._impl = impl

    def __reduce__(self):
        return (type(self), (self._impl,))

    @property
    def calibration(self):
        """The calibration record (a copy): see :class:`Calibration`. Files written before the record existed
        (version 1) get it rebuilt from their diagnostics when they are loaded."""
        return Calibration(self._impl.getCalibration(), self.dimensions)

    @property
    def kT(self):
        return self._impl.getKT()

    @property
    def dimensions(self):
        return self._impl.getDimensions()

    @property
    def noiseCovariance(self):
        d = self.dimensions
        return np.array(self._impl.getNoiseCovariance()).reshape(d, d)

    @property
    def noiseCovarianceError(self):
        d = self.dimensions
        return np.array(self._impl.getNoiseCovarianceError()).reshape(d, d)

    @property
    def diagnostics(self):
        values = dict(self._impl.getDiagnosticValues())
        values.update(dict(self._impl.getNoteValues()))
        return values

    def evaluate(self, points):
        """U at N points (an N x d array, nm), in kJ/mol; points outside the box (infinite coordinates too) take the
        nearest box value, and a point with a NaN coordinate gives NaN."""
        array = float_array(points, "EffectivePotential.evaluate: points")
        if array.ndim == 1 and self.dimensions == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[1] != self.dimensions:
            raise ValueError(f"points: expected an N x {self.dimensions} array, got shape {array.shape}")
        return np.array(self._impl.evaluateMany(array.ravel().tolist()))

    def standardError(self, points):
        """The standard error of U at N points (an N x d array, nm), in kJ/mol, beside evaluate(points): the
        bootstrap error of the nodes (replica batches) combined with what the uncertainty of the sampling
        temperature (Stage 1's whitened error of D, the error of kT) makes of U there (docs/theory.md section 6)."""
        array = float_array(points, "EffectivePotential.standardError: points")
        if array.ndim == 1 and self.dimensions == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[1] != self.dimensions:
            raise ValueError(f"points: expected an N x {self.dimensions} array, got shape {array.shape}")
        return np.array(self._impl.standardErrorMany(array.ravel().tolist()))

    def grid(self):
        """The tabulation grid: (axes, values, stderr, supported).

        axes is a list of d 1D arrays (node coordinates, nm); values, stderr and supported are arrays of shape
        (n_x, n_y, ...) indexed [i, j, ...] = node (axes[0][i], axes[1][j], ...). stderr is None if no
        bootstrap was run.
        """
        nodes = list(self._impl.getNodes())
        lower, upper = list(self._impl.getLower()), list(self._impl.getUpper())
        axes = [np.linspace(lo, hi, n) for lo, hi, n in zip(lower, upper, nodes)]
        shape = tuple(reversed(nodes))  # stored x fastest

        def arranged(values):
            return np.asarray(values).reshape(shape).transpose()

        errors = self._impl.getNodeErrors()
        return (axes, arranged(self._impl.getNodeValues()), arranged(errors) if len(errors) else None,
                arranged(self._impl.getNodeSupported()).astype(bool))

    # The tabulation as the C++ object stores it: flat arrays over the nodes, the first dimension fastest (the
    # exports and the comparisons' histogram box read it; grid() gives the same values indexed [i, j, ...]).
    def getNodes(self):
        """Nodes per dimension."""
        return self._impl.getNodes()

    def getLower(self):
        """The lower corner of the table's box (nm)."""
        return self._impl.getLower()

    def getUpper(self):
        """The upper corner of the table's box (nm)."""
        return self._impl.getUpper()

    def getNodeValues(self):
        """U at the nodes (kJ/mol)."""
        return self._impl.getNodeValues()

    def getNodeErrors(self):
        """The bootstrap standard errors of U at the nodes (kJ/mol; empty without a bootstrap)."""
        return self._impl.getNodeErrors()

    def getNodeSupported(self):
        """1 at the nodes of the sampled support, 0 elsewhere."""
        return self._impl.getNodeSupported()

    def getTableValues(self):
        """The values createForce tabulates (kJ/mol): U on the support, the confining floor outside it."""
        return self._impl.getTableValues()

    def createForce(self, particles):
        """An OpenMM CustomCompoundBondForce applying U to each particle (confining outside the table's box).

        On OpenCL and CUDA, in a periodic System with a nonbonded cutoff, OpenMM evaluates it at positions wrapped
        into the periodic box (a box length away for a particle outside [0, box)): use createReplicaForce there,
        which sees the positions as set (docs/openmm-usage.md)."""
        indices = particle_list(particles, "EffectivePotential.createForce: particles")
        return self._impl.createCompoundBondForce(indices)

    def createReplicaForce(self, particles):
        """The fast form of :meth:`createForce`: a ReplicaSplineForce with the same table, box and wall (the same
        energies and forces to round-off), evaluated on SIMD lanes and fused into DampedVerletIntegrator's step.
        It needs effpot wherever it runs; createForce's force is plain OpenMM."""
        indices = particle_list(particles, "EffectivePotential.createReplicaForce: particles")
        force = self._impl.createReplicaForce(indices)
        force.__class__ = ReplicaSplineForce
        return force

    def toXml(self):
        return self._impl.toXml()

    def export(self, path, format, names=None, label=None, offset_kT=None):
        """Write U for other tools: "plumed" (an EXTERNAL grid), "npz" or "csv" (effpot.export_potential,
        docs/export.md). `names`, `label` and `offset_kT` are PLUMED's: "npz" and "csv" refuse them (ValueError)."""
        return write_export(self, path, format, "EffectivePotential.export", names=names, label=label,
                            offset_kT=offset_kT)

    def save(self, path):
        """Write everything needed to reuse the result (XML, docs/file-formats.md) atomically."""
        atomic_write_text(path, self.toXml())

    @classmethod
    def load(cls, path):
        """Read a potential written by save() (effective_potential.xml of an `effpot learn` folder).

        Raises OSError (the file cannot be read) or openmm.OpenMMException naming the file and what is wrong: not
        XML, truncated, another kind of OpenMM file (a System, an integrator, the force in potential.xml), an
        unsupported version, or values that are damaged (not finite, inconsistent sizes).
        """
        text = _read_text(path, "EffectivePotential.load")
        return cls(_swig._effectivePotentialFromXml(text, os.fspath(path), "EffectivePotential.load"))

    @classmethod
    def fromXml(cls, xml):
        """A potential from the text of toXml() (checked as load() checks a file)."""
        if not isinstance(xml, str):
            raise TypeError(f"EffectivePotential.fromXml: give the XML text (a str), got {type(xml).__name__}")
        return cls(_swig._effectivePotentialFromXml(xml))

    def __repr__(self):
        return (f"EffectivePotential(dimensions={self.dimensions}, kT={self.kT:.4g} kJ/mol, "
                f"D={self.noiseCovariance.tolist()})")
