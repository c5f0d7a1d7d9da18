"""effpot: learn the effective potential of a multiscale energy landscape with OpenMM.

Importing effpot loads its OpenMM plugin libraries (kernels for the Reference and CPU platforms) and exposes
:class:`DampedVerletIntegrator`, the damped Stormer-Verlet integrator with matrix masses and friction, and
:class:`ReplicaExpressionForce`, a fast per-particle expression force for independent replicas, and
:class:`CoarseGrainer`, which learns an :class:`EffectivePotential` and emits it as an OpenMM force.

The subpackages, by concern (docs/architecture.md): ``plugin`` (the OpenMM-plugin classes and the loading of their
libraries), ``coarse_graining`` (CoarseGrainer, EffectivePotential, ScaleScan, the staged pipeline), ``surrogates``
(the models of a learned potential and their comparison), ``distributed`` (executors and checkpoints), ``cli`` (the
``effpot`` command, its configuration, report and figures), ``shared`` (units, atomic files, progress), and the
module ``constants``.
"""
from .plugin import DampedVerletIntegrator, ReplicaExpressionForce, ReplicaSplineForce  # loads the plugins first
from .effpot_swig import CoarseGrainingSettings, ReplicaStatistics, UnstableRun, _replicaStatisticsFromXml  # noqa: E402
from .coarse_graining import CoarseGrainer, EffectivePotential, ScaleScan, export_potential  # noqa: E402
from .surrogates import ComparisonSettings, SurrogateModels, compare, simulation  # noqa: E402
from .distributed import Checkpoint, CheckpointError, Task, local_executor, run_tasks  # noqa: E402

__version__ = "0.1.0"
__all__ = ["DampedVerletIntegrator", "ReplicaExpressionForce", "ReplicaSplineForce", "CoarseGrainer", "EffectivePotential", "ReplicaStatistics",
           "CoarseGrainingSettings", "UnstableRun", "ScaleScan", "SurrogateModels", "ComparisonSettings", "compare", "Task", "local_executor", "run_tasks",
           "Checkpoint", "CheckpointError"]
__all__ += ["simulation", "export_potential"]
