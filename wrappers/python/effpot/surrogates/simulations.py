"""Ready-to-run ``openmm.app.Simulation`` objects of the surrogate and reference models (docs/openmm-usage.md).

    models = effpot.SurrogateModels(effpot.EffectivePotential.load("out/demo/effective_potential.xml"))
    sim = effpot.simulation(models, "surrogateLangevin", 500)
    sim.reporters.append(app.StateDataReporter(sys.stdout, 1000, step=True, potentialEnergy=True))
    sim.reporters.append(app.DCDReporter("replicas.dcd", 100))
    sim.step(10000)

The Simulation's Topology has one chain and one residue ``REP`` per replica, each holding one atom ``Q`` without
an element, so that OpenMM's reporters (StateDataReporter, DCDReporter, PDBReporter) and trajectory tools see the
replicas as atoms. Only the first ``models.dimensions`` coordinates of each atom are active (SurrogateModels);
the others start at 0 with velocity 0 and stay there.
"""
import numpy as np
import openmm as mm
from openmm import app, unit

from ..shared.units import float_array, openmm_platform, whole_number
from .models import DEFAULT_SEED

KINDS = ("surrogateLangevin", "referenceLangevin", "surrogateHamiltonian", "fullHamiltonian")


def replica_topology(count):
    """A Topology of `count` element-less atoms, one per residue ``REP``, all in one chain."""
    topology = app.Topology()
    chain = topology.addChain("R")
    for i in range(int(count)):
        residue = topology.addResidue("REP", chain, id=str(i + 1))
        topology.addAtom("Q", None, residue, id=str(i + 1))
    return topology


def minimum_position(potential):
    """The node of lowest U over the sampled support (nm, d coordinates)."""
    axes, values, _, supported = potential.grid()
    index = np.unravel_index(np.argmin(np.where(supported, values, np.inf)), values.shape)
    return np.array([axes[k][i] for k, i in enumerate(index)])


def simulation(models, kind, count, stepSize=None, platform="Reference", positions=None, seed=DEFAULT_SEED,
               properties=None):
    """An ``openmm.app.Simulation`` of `count` replicas of one model of `models` (a SurrogateModels).

    Parameters
    ----------
    kind : str
        "surrogateLangevin" (the learned U, thermal DampedVerlet at kT; default step: the learning step),
        "referenceLangevin" (the full energy, deterministic damped scheme at the learning step; stepSize must be
        None), "surrogateHamiltonian" or "fullHamiltonian" (plain velocity Verlet; stepSize required).
    stepSize : float or Quantity, optional
        ps.
    positions : array, optional
        count x d (or count x 3) nm. Default: every replica at the minimum of the learned U.
    seed : int or None
        Seeds the starting velocities, drawn from N(0, kT M^-1), and the surrogate Langevin noise: the same seed
        gives the same trajectory on a platform. Default 1 (fixed, so two identical calls repeat each other).
        None: fresh randomness each call (velocities from the operating system's entropy, the noise seed picked by
        OpenMM for the Context). 0 is refused: OpenMM reads a noise seed of 0 as "pick one at random", numpy as a
        fixed seed, so it would fix the velocities and not the noise.

    The Context's positions and velocities are set; call ``simulation.step(n)``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind: give one of {', '.join(KINDS)}, not {kind!r}")
    if unit.is_quantity(stepSize):
        stepSize = stepSize.value_in_unit(unit.picosecond)
    count = whole_number(count, "simulation: count", low=1)  # 2.7 replicas is a mistake, not 2
    if seed is not None:
        seed = whole_number(seed, "simulation: seed", low=0)
        if seed == 0:
            raise ValueError("simulation: seed 0 would not repeat: OpenMM takes a noise seed of 0 to mean a new random "
                             "seed per Context; give a positive seed (the default is 1) for a reproducible run, or "
                             "seed=None for fresh randomness each call")
    if kind == "surrogateLangevin":
        system, integrator = models.surrogateLangevin(count, stepSize, seed=seed)
    elif kind == "referenceLangevin":
        if stepSize is not None:
            raise ValueError("referenceLangevin runs at the learning step: leave stepSize None")
        system, integrator = models.referenceLangevin(count)
    else:
        if stepSize is None:
            raise ValueError(f"{kind}: give stepSize (ps)")
        system, integrator = getattr(models, kind)(count, stepSize)
    d = models.dimensions
    start = np.zeros((count, 3))
    if positions is None:
        start[:, :d] = minimum_position(models.potential)
    else:
        if unit.is_quantity(positions):
            positions = positions.value_in_unit(unit.nanometer)
        array = float_array(positions, "simulation: positions")
        if array.ndim == 1 and d == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[0] != count or array.shape[1] not in (d, 3):
            raise ValueError(f"positions: expected a {count} x {d} (or {count} x 3) array, got {array.shape}")
        start[:, :array.shape[1]] = array
    if not (platform is None or isinstance(platform, (str, mm.Platform))):
        raise TypeError(f"simulation: platform: give a platform name (e.g. 'CPU') or an openmm.Platform, got {platform!r}")
    if properties is not None and not isinstance(properties, dict):
        raise TypeError(f"simulation: properties: give a dict of platform properties, got {properties!r}")
    sim = app.Simulation(replica_topology(count), system, integrator, openmm_platform(platform), properties)
    sim.context.setPositions(start)
    sim.context.setVelocities(models.velocities(count, np.random.default_rng(seed)))  # None: fresh entropy
    return sim
