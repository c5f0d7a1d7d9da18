"""isinstance and cast: OpenMM's System.getForce, XmlSerializer.deserialize and Context.getIntegrator return a plain
Force or Integrator proxy for a plugin's class; cast gives back effpot's class, viewing the same C++ object."""
import numpy as np
import openmm
import pytest

from effpot import DampedVerletIntegrator, ReplicaExpressionForce, ReplicaSplineForce


def system_with_forces():
    system = openmm.System()
    for _ in range(3):
        system.addParticle(1.0)
    expression = ReplicaExpressionForce("0.5*(x^2 + 2*y^2)")
    expression.addParticles([0, 1])
    system.addForce(expression)
    system.addForce(openmm.CustomExternalForce("x"))
    spline = ReplicaSplineForce([5, 6], [-1, -1], [1, 2], np.arange(30.0).reshape(6, 5), [3, 4])
    spline.addParticles([2])
    system.addForce(spline)
    return system


def test_isinstance_tells_the_forces_apart():
    system = system_with_forces()
    assert [ReplicaExpressionForce.isinstance(system.getForce(i)) for i in range(3)] == [True, False, False]
    assert [ReplicaSplineForce.isinstance(system.getForce(i)) for i in range(3)] == [False, False, True]
    assert not ReplicaSplineForce.isinstance("a force")
    assert not ReplicaExpressionForce.isinstance(None)


def test_cast_views_the_force_in_the_system():
    system = system_with_forces()
    plain = system.getForce(0)
    assert type(plain) is openmm.Force  # what OpenMM gives for a plugin's class
    force = ReplicaExpressionForce.cast(plain)
    assert isinstance(force, ReplicaExpressionForce)
    assert force.getEnergyFunction() == "0.5*(x^2 + 2*y^2)" and force.getNumParticles() == 2
    force.setEnergyFunction("x^4")  # the same C++ object, not a copy
    assert ReplicaExpressionForce.cast(system.getForce(0)).getEnergyFunction() == "x^4"
    spline = ReplicaSplineForce.cast(system.getForce(2))
    assert list(spline.getNodes()) == [5, 6] and list(spline.getWallStiffness()) == [3, 4]
    assert spline.getValues()[29] == 29.0
    assert ReplicaSplineForce.cast(spline) is spline


def test_cast_after_a_system_round_trip_through_xml():
    system = openmm.XmlSerializer.deserialize(openmm.XmlSerializer.serialize(system_with_forces()))
    assert ReplicaExpressionForce.cast(system.getForce(0)).getParticle(1) == 1
    assert ReplicaSplineForce.cast(system.getForce(2)).getUpper() == (1.0, 2.0)


@pytest.mark.parametrize("index, message", [(1, "its OpenMM class is CustomExternalForce"),
                                            (2, "its OpenMM class is Force")])
def test_cast_of_another_force_names_it(index, message):
    system = system_with_forces()  # kept: OpenMM's getForce proxy does not keep its System alive
    with pytest.raises(TypeError, match=f"ReplicaExpressionForce.cast: this Force is not a ReplicaExpressionForce.*{message}"):
        ReplicaExpressionForce.cast(system.getForce(index))


@pytest.mark.parametrize("value", [None, "x^2", 3, openmm.VerletIntegrator(0.001)])
def test_cast_of_something_else_says_what_it_wants(value):
    with pytest.raises(TypeError, match="ReplicaSplineForce.cast: expected an openmm.Force .e.g. from System.getForce., got"):
        ReplicaSplineForce.cast(value)


def test_integrator_cast_from_the_context_and_from_xml():
    system = system_with_forces()
    integrator = DampedVerletIntegrator(0.01)
    integrator.addBlock([0], np.diag([1.0, 2.0, 3.0]), np.eye(3))
    context = openmm.Context(system, integrator, openmm.Platform.getPlatformByName("Reference"))
    again = DampedVerletIntegrator.cast(context.getIntegrator())
    assert DampedVerletIntegrator.isinstance(context.getIntegrator())
    assert np.array_equal(again.getBlockMassMatrix(0), np.diag([1.0, 2.0, 3.0]))
    plain = openmm.XmlSerializer.deserialize(openmm.XmlSerializer.serialize(integrator))
    assert type(plain) is openmm.Integrator and DampedVerletIntegrator.isinstance(plain)
    assert DampedVerletIntegrator.cast(plain).getStepSize().value_in_unit(openmm.unit.picosecond) == 0.01
    assert not DampedVerletIntegrator.isinstance(openmm.VerletIntegrator(0.01))
    with pytest.raises(TypeError, match="DampedVerletIntegrator.cast: this Integrator is not a DampedVerletIntegrator"):
        DampedVerletIntegrator.cast(openmm.LangevinMiddleIntegrator(300, 1, 0.002))
    with pytest.raises(TypeError, match="expected an openmm.Integrator .e.g. from Context.getIntegrator., got Force"):
        DampedVerletIntegrator.cast(system.getForce(0))
