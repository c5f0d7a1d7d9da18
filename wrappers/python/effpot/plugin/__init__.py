"""The OpenMM-plugin faces of effpot: DampedVerletIntegrator, ReplicaExpressionForce and ReplicaSplineForce (numpy
and OpenMM units on every argument), and the loading of the plugin libraries (kernels) into OpenMM."""
from .libraries import load_plugins

load_plugins()  # before the classes are used: a missing kernel fails here, naming the library

from .integrator import DampedVerletIntegrator  # noqa: E402
from .replica_force import ReplicaExpressionForce, ReplicaSplineForce  # noqa: E402

__all__ = ["DampedVerletIntegrator", "ReplicaExpressionForce", "ReplicaSplineForce", "load_plugins"]
