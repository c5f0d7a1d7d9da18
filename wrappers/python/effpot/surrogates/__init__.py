"""What a learned potential is for: the surrogate and reference models of it (models.py), run as streamed replica
ensembles (ensembles.py) and judged against each other (comparison.py, its settings checked by
settings_checks.py), and any model as an openmm.app.Simulation (simulations.py)."""
from ..constants import MOLAR_GAS_CONSTANT
from .comparison import ComparisonSettings, ModelSpec, compare
from .ensembles import UnstableRun, run_ensemble
from .models import SurrogateModels
from .simulations import simulation

__all__ = ["ComparisonSettings", "MOLAR_GAS_CONSTANT", "ModelSpec", "SurrogateModels", "UnstableRun", "compare",
           "run_ensemble", "simulation"]
