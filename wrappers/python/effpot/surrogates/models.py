"""The four models of docs/theory.md section 8, built from a learned EffectivePotential as ready-to-run OpenMM objects.

- **surrogate Langevin**: the learned U with the calibrated mass, friction and kT, in DampedVerletIntegrator's
  thermal mode (exact Ornstein-Uhlenbeck friction step with fluctuation-dissipation);
- **reference Langevin**: the full rough energy (a ReplicaExpressionForce) in the *deterministic* damped scheme at the data-generating step,
  mass and friction (the model whose law the potential was learned from);
- **surrogate Hamiltonian**: the learned U with plain Stormer-Verlet (no friction), at any step;
- **full Hamiltonian**: the full energy with plain Stormer-Verlet at a step that resolves every scale.

Each builder returns ``(system, integrator)`` for ``count`` independent replicas (one particle each), ready for
``openmm.Context``. Only the leading ``dimensions`` coordinates are active; the others have no friction and no
noise, so they stay where they start (put them at 0 with velocity 0).
"""
import numpy as np
import openmm as mm

from ..constants import BOLTZ
from ..plugin.integrator import DampedVerletIntegrator
from ..plugin.replica_force import ReplicaExpressionForce
from ..shared.units import whole_number


#: The noise seed the surrogate Langevin builders use unless told otherwise: a fixed one, so that two identical calls
#: give identical trajectories. (OpenMM's default, 0, draws a new seed per Context: a rerun would not repeat.)
DEFAULT_SEED = 1


def _replicas(count, method):
    """count as a number of replicas (at least 1; 2.5 and -1 are refused, not truncated or an empty System)."""
    return whole_number(count, f"SurrogateModels.{method}: count", low=1)


class SurrogateModels:
    """Surrogate and reference models of a learned potential.

    Parameters
    ----------
    potential : EffectivePotential
        A result of CoarseGrainer.run() (it carries kT, D, the step size, friction and mass it was learned with).
    energy : str, optional
        The full energy expression (x, y, z). Default: the expression the potential was learned from; required
        if it was learned from a user System.
    surrogateEnergy : str, optional
        An expression to use in the surrogate models instead of the learned U (e.g. a truncation of the full
        energy), with the same calibration (kT, M, Gamma): the baseline a learned potential is compared against.
    portable : bool, optional
        Apply the learned U as the plain-OpenMM force of ``potential.createForce`` (a CustomCompoundBondForce)
        instead of the default ``potential.createReplicaForce`` (a ReplicaSplineForce: the same energies and forces,
        fused into the integrator's step and many times faster).

    Attributes
    ----------
    dimensions : int
    kT : float
        The temperature of the learned law (kJ/mol): the surrogate Langevin runs at it.
    stepSize : float
        The data-generating step (ps): the reference Langevin runs at it.
    massMatrix, frictionMatrix : numpy.ndarray
        d x d (dalton, dalton/ps): 1D, m and gamma m; 2D/3D, the Stage-2 calibration M = I, Gamma = D / (2 kT*).
    """

    def __init__(self, potential, energy=None, surrogateEnergy=None, portable=False):
        if not hasattr(potential, "calibration"):
            raise TypeError(f"SurrogateModels: potential: give an effpot.EffectivePotential (e.g. "
                            f"effpot.EffectivePotential.load('effective_potential.xml')), got {potential!r:.80}")
        calibration = potential.calibration
        if not calibration.isKnown:
            raise ValueError("potential: it carries no calibration (step, mass, friction): give a potential learned by "
                             "effpot's CoarseGrainer")
        self.portable = bool(portable)
        self.potential = potential
        self.dimensions = potential.dimensions
        self.energy = energy if energy is not None else calibration.energy
        if not self.energy:
            raise ValueError("energy: the potential was learned from a user System; pass the full energy expression "
                             "(energy='...') to build the reference models")
        self.surrogateEnergy = surrogateEnergy
        self.kT = potential.kT
        self.stepSize = calibration.stepSize
        self.massMatrix = calibration.mass
        self.frictionMatrix = calibration.friction

    def _system(self, count, force):
        system = mm.System()
        mass = float(self.massMatrix[0, 0]) if self.dimensions == 1 else 1.0
        for _ in range(count):
            system.addParticle(mass)
        system.addForce(force)
        return system

    def _expression_force(self, expression, count):
        # ReplicaExpressionForce computes what CustomExternalForce would (to round-off), on SIMD lanes, and alone in
        # a System it lets DampedVerletIntegrator fuse force and step (docs/replica-force.md).
        force = ReplicaExpressionForce(expression)
        force.addParticles(range(count))
        return force

    def _full_force(self, count):
        return self._expression_force(self.energy, count)

    def _learned_force(self, count):
        if self.surrogateEnergy is not None:
            return self._expression_force(self.surrogateEnergy, count)
        if self.portable:
            return self.potential.createForce(list(range(count)))
        return self.potential.createReplicaForce(range(count))

    def _damped(self, count, step, damped=True):
        integrator = DampedVerletIntegrator(step)
        mass, friction = np.eye(3), np.zeros((3, 3))
        d = self.dimensions
        mass[:d, :d] = self.massMatrix
        if damped:
            friction[:d, :d] = self.frictionMatrix
        if d == 1:
            mass[1, 1] = mass[2, 2] = self.massMatrix[0, 0]  # the System mass of the inactive components
        for i in range(count):
            integrator.addBlock([i], mass, friction)
        return integrator

    def surrogateLangevin(self, count, stepSize=None, seed=DEFAULT_SEED, splitting="BAOAB"):
        """The learned U, kinetic Langevin at kT with the calibrated M and Gamma (default step: the learning step).

        ``seed`` is the integrator's noise seed (``setRandomNumberSeed``): the default, DEFAULT_SEED = 1, is fixed,
        so two identical calls give identical trajectories on a platform; ``None`` (or 0, OpenMM's convention) lets
        OpenMM pick a new seed for each Context.

        ``splitting``: "BAOAB" (default; friction in the middle of the step, like LangevinMiddleIntegrator: its
        configurational bias stays small at several times the learning step, docs/theory.md section 8), "OBABO"
        (the learning scheme's order), both on every platform, or "GHMC" (each replica's B-A-B move accepted by a
        Metropolis test: exp(-U/kT) exactly at any step, rejections reverse the velocity; the fast force only, on
        every platform; ``integrator.getMetropolisAcceptance()`` after a run)."""
        count = _replicas(count, "surrogateLangevin")
        integrator = self._damped(count, self.stepSize if stepSize is None else stepSize)
        integrator.setSplitting(splitting)
        integrator.setTemperature(self.kT / BOLTZ)  # the integrator takes kelvin
        integrator.setRandomNumberSeed(0 if seed is None else
                                       whole_number(seed, "SurrogateModels.surrogateLangevin: seed"))
        return self._system(count, self._learned_force(count)), integrator

    def referenceLangevin(self, count):
        """The full energy in the deterministic damped scheme at the data-generating step, M and Gamma."""
        count = _replicas(count, "referenceLangevin")
        return self._system(count, self._full_force(count)), self._damped(count, self.stepSize)

    def _hamiltonian(self, count, stepSize):
        # DampedVerletIntegrator without friction is plain Stormer-Verlet (velocity form) with the velocities at
        # full steps, so the reported energy is the Hamiltonian itself (OpenMM's leapfrog VerletIntegrator reports
        # a kinetic energy averaged over half steps).
        return self._damped(count, stepSize, damped=False)

    def surrogateHamiltonian(self, count, stepSize):
        """The learned U with plain Stormer-Verlet (no friction) at stepSize (ps)."""
        count = _replicas(count, "surrogateHamiltonian")
        return self._system(count, self._learned_force(count)), self._hamiltonian(count, stepSize)

    def fullHamiltonian(self, count, stepSize):
        """The full energy with plain Stormer-Verlet at stepSize (ps); resolve every scale for a reference."""
        count = _replicas(count, "fullHamiltonian")
        return self._system(count, self._full_force(count)), self._hamiltonian(count, stepSize)

    def velocities(self, count, rng):
        """Velocities drawn from N(0, kT M^-1) for count replicas, as a count x 3 array (inactive components 0)."""
        count = _replicas(count, "velocities")
        d = self.dimensions
        covariance = self.kT * np.linalg.inv(self.massMatrix)
        values = np.zeros((count, 3))
        values[:, :d] = rng.multivariate_normal(np.zeros(d), covariance, size=count)
        return values
