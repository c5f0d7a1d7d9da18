"""Python face of EffPot::ReplicaExpressionForce: numpy particle lists and XML deserialization."""
from . import effpot_swig as _effpot_swig
from ._units import particle_list, real_number


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
        return super().addParticles(particle_list(particles, "particles"))

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
