"""Coarse graining: CoarseGrainer learns an EffectivePotential (grainer.py, potential.py), on threads here or in
pieces on an executor (pipeline.py over worker_pieces.py); ScaleScan finds the scales of a landscape
(scale_scan.py); the potential's exports (export.py), the reference problems (problems.py) and accuracy metrics
(analysis.py)."""
from .grainer import CoarseGrainer
from .potential import Calibration, EffectivePotential
from .scale_scan import ScaleScan
from .export import export_potential

__all__ = ["Calibration", "CoarseGrainer", "EffectivePotential", "ScaleScan", "export_potential"]
