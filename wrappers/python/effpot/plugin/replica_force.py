"""Python faces of EffPot::ReplicaExpressionForce and EffPot::ReplicaSplineForce: numpy inputs, XML deserialization."""
import numpy as np
import openmm

from .. import effpot_swig as _effpot_swig
from .downcast import downcast, is_instance
from ..shared.units import float_array, particle_list, real_number, whole_number


class ReplicaExpressionForce(_effpot_swig.ReplicaExpressionForce):
    """A force on independent particles whose energy is an expression of each particle's own x, y, z.

    It computes what ``openmm.CustomExternalForce(energy)`` with no per-particle parameters computes (to round-off),
    several times faster: on the Reference and CPU platforms the energy and its analytic derivatives run on SIMD
    lanes of 64 particles (glibc's vector math library), split over the CPU platform's threads; OpenCL and CUDA
    compile the expression into a GPU kernel. See docs/replica-force.md.

    Parameters
    ----------
    energy : str
        The energy of one particle (kJ/mol), an OpenMM expression of x, y, z (nm) and the global parameters added
        with ``addGlobalParameter``.

    Examples
    --------
    >>> force = ReplicaExpressionForce("0.5*(x^2 + y^2) + 1e-3*sin(x/1e-3)")
    >>> force.addParticles(range(1000))
    0
    """

    def addParticles(self, particles):
        """Add many particles (any iterable of System indices, e.g. a numpy array); returns the first entry's index."""
        return super().addParticles(particle_list(particles, "ReplicaExpressionForce.addParticles: particles"))

    def addGlobalParameter(self, name, defaultValue):
        """Add a global parameter (a Context parameter the energy may use); returns its index."""
        if not isinstance(name, str):
            raise TypeError(f"ReplicaExpressionForce.addGlobalParameter: name must be a str, got {name!r}")
        return super().addGlobalParameter(name, real_number(defaultValue, "ReplicaExpressionForce.addGlobalParameter: "
                                                                          "defaultValue"))

    @staticmethod
    def deserialize(xml):
        """A ReplicaExpressionForce from the XML written by ``openmm.XmlSerializer.serialize(force)`` (XML of anything
        else raises openmm.OpenMMException saying what it is)."""
        if not isinstance(xml, str):
            raise TypeError(f"ReplicaExpressionForce.deserialize: give the XML text (a str), got {type(xml).__name__}")
        force = _effpot_swig._deserializeReplicaExpressionForce(xml)
        force.__class__ = ReplicaExpressionForce
        return force

    @staticmethod
    def isinstance(force):
        """Whether `force` (e.g. ``system.getForce(i)``, which OpenMM returns as a plain Force) is a ReplicaExpressionForce."""
        return is_instance(force, openmm.Force, _effpot_swig._isReplicaExpressionForce)

    @staticmethod
    def cast(force):
        """``system.getForce(i)`` as a ReplicaExpressionForce (the same object, not a copy); TypeError if it is another Force."""
        return downcast(force, openmm.Force, _effpot_swig._isReplicaExpressionForce, _effpot_swig._castReplicaExpressionForce, ReplicaExpressionForce)


class ReplicaSplineForce(_effpot_swig.ReplicaSplineForce):
    """A tabulated potential U in 1 to 3 coordinates on independent particles: the cubic spline OpenMM's
    ``Continuous{1,2,3}DFunction`` makes of the same grid values, clamped to the box with a harmonic wall outside it,
    exactly what :meth:`EffectivePotential.createForce` emits, but on SIMD lanes, threaded, and fused into
    DampedVerletIntegrator's step (docs/replica-force.md). Usually made by
    :meth:`EffectivePotential.createReplicaForce`.

    Parameters
    ----------
    nodes : sequence of int
        Grid points per coordinate (at least 4 each).
    lower, upper : sequence of float
        The box (nm).
    values : array
        U at the grid points (kJ/mol), x fastest (a numpy array of shape ``nodes[::-1]`` or flat).
    wall_stiffness : sequence of float
        Stiffness of the harmonic wall outside the box per coordinate (kJ/mol/nm^2).
    """

    def __init__(self, nodes, lower, upper, values, wall_stiffness):
        def numbers(value, name, convert):
            try:
                items = list(np.ravel(np.asarray(value, dtype=object)))
            except TypeError:
                raise TypeError(f"ReplicaSplineForce: {name}: expected a list of numbers, got {value!r:.80}") from None
            return [convert(v, f"ReplicaSplineForce: {name}[{i}]") for i, v in enumerate(items)]
        # Checked here, so that nodes [4.7] is refused rather than truncated to 4, and a wrong type names the argument.
        super().__init__(numbers(nodes, "nodes", lambda v, name: whole_number(v, name)),
                         numbers(lower, "lower", real_number), numbers(upper, "upper", real_number),
                         [float(v) for v in float_array(values, "ReplicaSplineForce: values").ravel()],
                         numbers(wall_stiffness, "wall_stiffness", real_number))

    def addParticles(self, particles):
        """Add many particles (any iterable of System indices); returns the first entry's index."""
        return super().addParticles(particle_list(particles, "ReplicaSplineForce.addParticles: particles"))

    @staticmethod
    def deserialize(xml):
        """A ReplicaSplineForce from the XML written by ``openmm.XmlSerializer.serialize(force)``."""
        if not isinstance(xml, str):
            raise TypeError(f"ReplicaSplineForce.deserialize: give the XML text (a str), got {type(xml).__name__}")
        force = _effpot_swig._deserializeReplicaSplineForce(xml)
        force.__class__ = ReplicaSplineForce
        return force

    @staticmethod
    def isinstance(force):
        """Whether `force` (e.g. ``system.getForce(i)``, which OpenMM returns as a plain Force) is a ReplicaSplineForce."""
        return is_instance(force, openmm.Force, _effpot_swig._isReplicaSplineForce)

    @staticmethod
    def cast(force):
        """``system.getForce(i)`` as a ReplicaSplineForce (the same object, not a copy); TypeError if it is another Force."""
        return downcast(force, openmm.Force, _effpot_swig._isReplicaSplineForce, _effpot_swig._castReplicaSplineForce, ReplicaSplineForce)
