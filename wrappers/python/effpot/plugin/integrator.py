"""Python face of EffPot::DampedVerletIntegrator: numpy matrices and OpenMM units on every argument."""
import numpy as np
import openmm
from openmm import unit

from .. import effpot_swig as _effpot_swig
from .downcast import downcast, is_instance
from ..shared.units import particle_list, square_matrix, strip, whole_number

_FRICTION_UNIT = unit.dalton / unit.picosecond
_NOISE_UNIT = unit.dalton ** 2 * unit.nanometer ** 2 / unit.picosecond ** 3


class DampedVerletIntegrator(_effpot_swig.DampedVerletIntegrator):
    """Damped Stormer-Verlet integrator (O-B-A-B-O) with exact exponential friction and per-block mass and friction
    matrices.

    Parameters
    ----------
    stepSize : float or Quantity
        The step size (ps if a plain number).

    Notes
    -----
    With temperature 0 (the default) the scheme is deterministic: the paper's scheme whose large step turns
    unresolved small scales of the potential into effective noise. ``setTemperature(T)`` with T > 0 adds the
    fluctuation-dissipation noise (Cov(v) = kT M^-1 in every block); ``setNoiseCovariance(block, D)`` gives one
    block explicit anisotropic momentum noise. Matrix getters return numpy arrays in dalton, dalton/ps and
    dalton^2 nm^2 ps^-3.
    """

    def __init__(self, stepSize):
        super().__init__(strip(stepSize, unit.picosecond, "stepSize"))

    def setStepSize(self, size):
        """Set the step size (ps if a plain number)."""
        super().setStepSize(strip(size, unit.picosecond, "stepSize"))

    def addBlock(self, particles, massMatrix, frictionMatrix):
        """Add a block of k particles with a 3k x 3k mass matrix (dalton) and friction matrix (dalton/ps).

        Matrices may be nested lists, numpy arrays (3k x 3k or flat) or OpenMM quantities; degrees of freedom
        are ordered x0, y0, z0, x1, ... Returns the index of the new block.
        """
        particles = particle_list(particles, "DampedVerletIntegrator.addBlock: particles")
        n = 3 * len(particles)
        return super().addBlock(particles, square_matrix(massMatrix, n, unit.dalton, "massMatrix"),
                                square_matrix(frictionMatrix, n, _FRICTION_UNIT, "frictionMatrix"))

    def _block(self, index, method):
        """The block index as an int, checked (the message names `method`, the call the user made)."""
        index = whole_number(index, f"DampedVerletIntegrator.{method}: index")
        if not 0 <= index < self.getNumBlocks():
            raise openmm.OpenMMException(f"DampedVerletIntegrator.{method}: block index {index} is out of range (there "
                                         f"are {self.getNumBlocks()} blocks): add blocks with addBlock first")
        return index

    def _block_size(self, index, method="getBlockParticles"):
        return 3 * len(super().getBlockParticles(self._block(index, method)))

    def getBlockParticles(self, index):
        """The particle indices of a block, as a list."""
        return list(super().getBlockParticles(self._block(index, "getBlockParticles")))

    def getBlockMassMatrix(self, index):
        """The mass matrix of a block, a 3k x 3k numpy array in dalton."""
        n = self._block_size(index, "getBlockMassMatrix")
        return np.array(super().getBlockMassMatrix(int(index))).reshape(n, n)

    def getBlockFrictionMatrix(self, index):
        """The friction matrix of a block, a 3k x 3k numpy array in dalton/ps."""
        n = self._block_size(index, "getBlockFrictionMatrix")
        return np.array(super().getBlockFrictionMatrix(int(index))).reshape(n, n)

    def setBlockParameters(self, index, massMatrix, frictionMatrix):
        """Replace the mass and friction matrices of a block; a running Context uses them from the next step."""
        n = self._block_size(index, "setBlockParameters")
        super().setBlockParameters(int(index), square_matrix(massMatrix, n, unit.dalton, "massMatrix"),
                                   square_matrix(frictionMatrix, n, _FRICTION_UNIT, "frictionMatrix"))

    def getDefaultFriction(self):
        """The friction coefficient of particles outside blocks, as a Quantity in 1/ps."""
        return super().getDefaultFriction() / unit.picosecond

    def setDefaultFriction(self, gamma):
        """Set the friction coefficient (1/ps) of particles outside blocks: Gamma = gamma m_i."""
        super().setDefaultFriction(strip(gamma, unit.picosecond ** -1, "gamma"))

    def getTemperature(self):
        """The temperature of the thermal mode, as a Quantity in kelvin (0: deterministic)."""
        return super().getTemperature() * unit.kelvin

    def setTemperature(self, temperature):
        """Set the temperature (kelvin): 0 is the deterministic scheme, T > 0 the thermal mode."""
        super().setTemperature(strip(temperature, unit.kelvin, "temperature"))

    #: The splittings of the step (setSplitting): O-B-A-B-O (the default, the scheme effpot learns with),
    #: B-A-O-A-B (friction in the middle, like LangevinMiddleIntegrator; much smaller configurational bias at
    #: large thermal steps; both on every platform) and GHMC (the friction step, then B-A-B accepted per replica by a
    #: Metropolis test: exp(-H/kT) exactly at any step; thermal replica Systems, every platform).
    OBABO, BAOAB, GHMC = (_effpot_swig.DampedVerletIntegrator.OBABO, _effpot_swig.DampedVerletIntegrator.BAOAB,
                          _effpot_swig.DampedVerletIntegrator.GHMC)
    _SPLITTINGS = {"OBABO": OBABO, "BAOAB": BAOAB, "GHMC": GHMC}

    def getSplitting(self):
        """The splitting of the step, "OBABO", "BAOAB" or "GHMC"."""
        return {value: name for name, value in self._SPLITTINGS.items()}[super().getSplitting()]

    def setSplitting(self, splitting):
        """Set the splitting of the step: "OBABO" (default), "BAOAB" or "GHMC" (or DampedVerletIntegrator.OBABO,
        BAOAB, GHMC)."""
        if isinstance(splitting, str):
            if splitting.upper() not in self._SPLITTINGS:
                raise ValueError(f"splitting: {splitting!r} is not a splitting; use 'OBABO', 'BAOAB' or 'GHMC'")
            splitting = self._SPLITTINGS[splitting.upper()]
        elif isinstance(splitting, bool) or not isinstance(splitting, (int, np.integer)):
            raise TypeError(f"splitting: expected 'OBABO', 'BAOAB' or 'GHMC', got {splitting!r}")
        elif int(splitting) not in self._SPLITTINGS.values():
            raise ValueError(f"splitting: {splitting!r} is not a splitting; use 'OBABO', 'BAOAB' or 'GHMC'")
        super().setSplitting(int(splitting))

    def step(self, steps):
        """Advance the Context by `steps` steps (a whole number >= 0; 2.5 or -1 are refused, not truncated or
        ignored)."""
        super().step(whole_number(steps, "DampedVerletIntegrator.step: steps", low=0))

    def setRandomNumberSeed(self, seed):
        """Set the seed of the thermal noise (a 32-bit integer; 0 picks one at random when the Context is made)."""
        super().setRandomNumberSeed(whole_number(seed, "DampedVerletIntegrator.setRandomNumberSeed: seed"))

    def getMetropolisAcceptance(self):
        """The fraction of the GHMC splitting's moves accepted since the Context was created or reinitialized
        (-1: none made).

        Not in a checkpoint: Context.loadCheckpoint neither restores nor resets it (the moves made after the
        checkpoint still count in that Context; a new Context that loads one starts at -1)."""
        return super().getMetropolisAcceptance()

    def setNoiseCovariance(self, block, covariance):
        """Give a block explicit momentum noise of covariance D (3k x 3k, dalton^2 nm^2 ps^-3); None removes it."""
        n = self._block_size(block, "setNoiseCovariance")
        if covariance is None:
            super().setNoiseCovariance(int(block), [])
            return
        super().setNoiseCovariance(int(block), square_matrix(covariance, n, _NOISE_UNIT, "covariance"))

    def getNoiseCovariance(self, block):
        """The explicit noise covariance of a block as a numpy array, or None if it has none."""
        n = self._block_size(block, "getNoiseCovariance")
        values = super().getNoiseCovariance(int(block))
        if len(values) == 0:
            return None
        return np.array(values).reshape(n, n)

    def serialize(self):
        """This integrator as OpenMM XML (the same text as openmm.XmlSerializer.serialize)."""
        return openmm.XmlSerializer.serialize(self)

    @classmethod
    def deserialize(cls, xml):
        """Rebuild a DampedVerletIntegrator from XML written by serialize() or openmm.XmlSerializer; XML of anything
        else (a System, another integrator), truncated or damaged raises openmm.OpenMMException saying so."""
        if not isinstance(xml, str):
            raise TypeError(f"DampedVerletIntegrator.deserialize: give the XML text (a str), got {type(xml).__name__}")
        integrator = _effpot_swig._deserializeDampedVerletIntegrator(xml)
        integrator.__class__ = cls
        return integrator

    @staticmethod
    def isinstance(integrator):
        """Whether `integrator` (e.g. ``context.getIntegrator()``, which OpenMM returns as a plain Integrator) is a
        DampedVerletIntegrator."""
        return is_instance(integrator, openmm.Integrator, _effpot_swig._isDampedVerletIntegrator)

    @staticmethod
    def cast(integrator):
        """``context.getIntegrator()`` as a DampedVerletIntegrator (the same object, not a copy); TypeError if it
        is another Integrator."""
        return downcast(integrator, openmm.Integrator, _effpot_swig._isDampedVerletIntegrator,
                        _effpot_swig._castDampedVerletIntegrator, DampedVerletIntegrator)

    def __getstate__(self):
        return self.serialize()

    def __setstate__(self, xml):
        other = _effpot_swig._deserializeDampedVerletIntegrator(xml)
        self.this = other.this

    def __copy__(self):
        return self.deserialize(self.serialize())

    def __deepcopy__(self, memo):
        return self.__copy__()
