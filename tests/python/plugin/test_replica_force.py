"""effpot.ReplicaExpressionForce through Python: the numbers of CustomExternalForce (1e-12 relative in double,
single precision on OpenCL mixed), errors that name the problem and the fix, XML, and the driver using it.

The C++ tests (tests/cpp/plugin/TestReplicaExpressionForce.cpp, TestFusedReplicaStep.cpp) cover every operation, the
thread-count independence and the fused integrator step in more depth.
"""
import numpy as np
import openmm as mm
import pytest

import effpot
from conftest import opencl_with
from effpot.coarse_graining import problems

EXPRESSIONS = [
    "(2*x^2 + 1.2*x*y + y^2)/2 + 1e-3*(2*sin((x-y)/1e-3) + 1.5*sin(x/1e-3))",
    problems.p5(),
    "step(x)*x^2 + select(step(y-0.1), y^3, -y) + min(x, z)^2 + max(y, 0.2*z) + abs(x*y-0.1)",
    "sqrt(x^2+y^2+1) + log(2+cos(z)) + exp(-x^2)*tan(0.3*y) + (1+x^2)^-3 + (1.5+sin(z))^2.5 + (1+y^2)^x",
]


def opencl():
    return opencl_with("EffPotCalcReplicaExpressionForce")


def energy_and_forces(force, positions, platform, properties=None):
    system = mm.System()
    for _ in range(len(positions)):
        system.addParticle(1.0)
    system.addForce(force)
    context = mm.Context(system, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName(platform), properties or {})
    context.setPositions(positions)
    state = context.getState(getEnergy=True, getForces=True)
    energy = state.getPotentialEnergy().value_in_unit(mm.unit.kilojoule_per_mole)
    return energy, np.array(state.getForces(asNumpy=True)._value)


def custom(expression, n):
    force = mm.CustomExternalForce(expression)
    for i in range(n):
        force.addParticle(i, [])
    return force


def replica(expression, n):
    force = effpot.ReplicaExpressionForce(expression)
    force.addParticles(np.arange(n))
    return force


def assert_close(expected, actual, tolerance):
    (e0, f0), (e1, f1) = expected, actual
    assert abs(e1 - e0) <= tolerance * max(1.0, abs(e0))
    assert np.max(np.abs(f1 - f0)) <= tolerance * max(1.0, np.max(np.abs(f0)))


@pytest.mark.parametrize("platform", ["Reference", "CPU"])
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_matches_custom_external_force(platform, expression):
    n = 1003  # not a multiple of the 64-particle blocks
    positions = np.random.default_rng(1).uniform(-1.5, 1.5, (n, 3))
    expected = energy_and_forces(custom(expression, n), positions, "Reference")
    assert_close(expected, energy_and_forces(replica(expression, n), positions, platform), 1e-12)


@pytest.mark.skipif(opencl() is None, reason="no OpenCL platform with effpot's kernels")
@pytest.mark.parametrize("precision, tolerance", [("double", 1e-9), ("mixed", 2e-4)])
def test_matches_custom_external_force_on_opencl(precision, tolerance):
    expression = EXPRESSIONS[2]
    n = 333
    positions = np.random.default_rng(2).uniform(-1.5, 1.5, (n, 3))
    expected = energy_and_forces(custom(expression, n), positions, "Reference")
    actual = energy_and_forces(replica(expression, n), positions, "OpenCL", {"Precision": precision})
    assert_close(expected, actual, tolerance)


def test_global_parameters_follow_the_context():
    force = effpot.ReplicaExpressionForce("k*x^2")
    force.addGlobalParameter("k", 2.0)
    force.addParticles([0])
    system = mm.System()
    system.addParticle(1.0)
    system.addForce(force)
    context = mm.Context(system, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName("CPU"))
    context.setPositions([[0.5, 0, 0]])
    assert context.getState(getEnergy=True).getPotentialEnergy()._value == pytest.approx(0.5, rel=1e-14)
    context.setParameter("k", 4.0)
    assert context.getState(getEnergy=True).getPotentialEnergy()._value == pytest.approx(1.0, rel=1e-14)


def test_malformed_expression_is_explained():
    with pytest.raises(mm.OpenMMException, match="does not parse.*OpenMM's expression syntax"):
        effpot.ReplicaExpressionForce("x^2 + (y")


def test_unknown_variable_is_explained():
    force = effpot.ReplicaExpressionForce("x^2 + w*y")
    force.addParticles([0])
    system = mm.System()
    system.addParticle(1.0)
    system.addForce(force)
    with pytest.raises(mm.OpenMMException, match=r"'w'.*neither x, y, z.*addGlobalParameter\(\"w\""):
        mm.Context(system, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName("Reference"))


def test_xml_round_trip():
    force = replica("k*x^2+y", 3)
    force.addGlobalParameter("k", 1.5)
    force.setForceGroup(2)
    copy = effpot.ReplicaExpressionForce.deserialize(mm.XmlSerializer.serialize(force))
    assert isinstance(copy, effpot.ReplicaExpressionForce)
    assert copy.getEnergyFunction() == "k*x^2+y"
    assert [copy.getParticle(i) for i in range(copy.getNumParticles())] == [0, 1, 2]
    assert (copy.getGlobalParameterName(0), copy.getGlobalParameterDefaultValue(0)) == ("k", 1.5)
    assert copy.getForceGroup() == 2


def test_coarse_grainer_results_match_custom_external_force():
    """The driver's default force gives the estimates of CustomExternalForce.

    The deterministic scheme is chaotic on purpose (the micro-scale must act as noise), so round-off differences
    (a few ulp from the vector math library) grow until the trajectories are different samples of the same law: the
    estimates agree within their statistical errors, not bit for bit (tests/cpp/plugin/TestFusedReplicaStep.cpp compares
    trajectories on a smooth potential).
    """
    results = []
    for use_custom in (False, True):
        cg = effpot.CoarseGrainer(problems.p4(), 2)
        cg.setStepSize(0.1)
        cg.setFriction(0.5)
        cg.setNumReplicas(60)
        cg.setNumSteps(2000)
        cg.setNumEquilibrationSteps(200)
        cg.setAllowNonGaussian(True)  # too short to be Gaussian everywhere; this test is about equal estimates
        cg.setGridBins(10)
        cg.setUseCustomExternalForce(use_custom)
        results.append(cg.run(platform=mm.Platform.getPlatformByName("Reference")))
    fast, plain = results
    sigma = np.hypot(fast.noiseCovarianceError, plain.noiseCovarianceError)
    assert np.all(np.abs(fast.noiseCovariance - plain.noiseCovariance) <= 4 * sigma + 1e-12)
