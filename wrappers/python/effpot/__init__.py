"""effpot: learn the effective potential of a multiscale energy landscape with OpenMM.

Importing effpot loads its OpenMM plugin libraries (kernels for the Reference and CPU platforms) and exposes
:class:`DampedVerletIntegrator`, the damped Stormer-Verlet integrator with matrix masses and friction, and
:class:`ReplicaExpressionForce`, a fast per-particle expression force for independent replicas, and
:class:`CoarseGrainer`, which learns an :class:`EffectivePotential` and emits it as an OpenMM force.
"""
from ._plugins import load_plugins as _load_plugins

_load_plugins()

from .integrator import DampedVerletIntegrator  # noqa: E402
from .replica_force import ReplicaExpressionForce, ReplicaSplineForce  # noqa: E402
from .coarse_graining import CoarseGrainer, EffectivePotential  # noqa: E402
from .effpot_swig import ReplicaStatistics, _replicaStatisticsFromXml  # noqa: E402
from .scale_scan import ScaleScan  # noqa: E402
from .surrogates import SurrogateModels  # noqa: E402
from .comparison import ComparisonSettings, compare  # noqa: E402
from .executors import Task, local_executor, run_tasks  # noqa: E402
from .checkpoint import Checkpoint, CheckpointError  # noqa: E402
from .simulations import simulation  # noqa: E402
from .export import export_potential  # noqa: E402

__version__ = "0.1.0"
__all__ = ["DampedVerletIntegrator", "ReplicaExpressionForce", "ReplicaSplineForce", "CoarseGrainer", "EffectivePotential", "ReplicaStatistics",
           "ScaleScan", "SurrogateModels", "ComparisonSettings", "compare", "Task", "local_executor", "run_tasks",
           "Checkpoint", "CheckpointError"]
__all__ += ["simulation", "export_potential"]
