"""Every number a loader reads must be a number. OpenMM's SerializationNode reads "abc" as 0 and "0.5abc" as 0.5,
so a damaged file would load as if it held zeros (a Friction value "np.float64(0.05)", written by a script that
formatted a numpy scalar, loaded as a frictionless calibration). effpot's loaders read numbers strictly
(SerializationHelpers::readNumber): here each kind of file has every distinct numeric attribute (by its element
path) replaced in turn by text that is not a number, and each load must raise an exception that names the loader,
the place and the text."""
import xml.etree.ElementTree as ET

import openmm as mm
import pytest

import effpot
from effpot import effpot_swig

DAMAGE = "0.5e1x"


def _numeric_sites(root):
    """(path, attribute) -> (element, attribute) for the first element at each path with a numeric attribute."""
    sites = {}

    def walk(element, path):
        here = f"{path}/{element.tag}"
        for key, value in element.attrib.items():
            try:
                float(value)
            except ValueError:
                continue
            sites.setdefault((here, key), (element, key))
        for child in element:
            walk(child, here)
    walk(root, "")
    return sites


def _damaged(xml):
    root = ET.fromstring(xml)
    sites = _numeric_sites(root)
    assert sites, "no numeric attribute to damage"
    for (path, key), (element, attribute) in sites.items():
        original = element.get(attribute)
        element.set(attribute, DAMAGE)
        yield f"{path}@{key}", ET.tostring(root, encoding="unicode")
        element.set(attribute, original)


def _integrator():
    integrator = effpot.DampedVerletIntegrator(0.01)
    eye = [1, 0, 0, 0, 1, 0, 0, 0, 1]
    integrator.addBlock([0], eye, eye)
    block = integrator.addBlock([1], eye, [0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.5])
    integrator.setNoiseCovariance(block, eye)
    integrator.setSplitting(effpot.DampedVerletIntegrator.BAOAB)
    integrator.setRandomNumberSeed(7)
    return mm.XmlSerializer.serialize(integrator), effpot.DampedVerletIntegrator.deserialize


def _expression_force():
    force = effpot.ReplicaExpressionForce("a*x^2+y^2")
    force.addGlobalParameter("a", 2.0)
    force.addParticles([0, 1, 2])
    force.setForceGroup(3)
    return mm.XmlSerializer.serialize(force), effpot.ReplicaExpressionForce.deserialize


CASES = {
    "EffectivePotential": lambda p: (p.toXml(), effpot.EffectivePotential.fromXml),
    "ReplicaSplineForce": lambda p: (mm.XmlSerializer.serialize(p.createReplicaForce([0, 1, 2])),
                                     effpot.ReplicaSplineForce.deserialize),
    "DampedVerletIntegrator": lambda p: _integrator(),
    "ReplicaExpressionForce": lambda p: _expression_force(),
    "CoarseGrainer": lambda p: (effpot.CoarseGrainer("(x^2+y^2)/2", 2).toXml(), effpot.CoarseGrainer.fromXml),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_number_that_is_not_one_is_refused_everywhere(kind, small_p4_potential):
    xml, load = CASES[kind](small_p4_potential)
    load(xml)  # the undamaged file loads
    for place, damaged in _damaged(xml):
        with pytest.raises(mm.OpenMMException) as error:
            load(damaged)
        message = str(error.value)
        assert f'"{DAMAGE}", which is not a number' in message and "damaged" in message, (place, message)


def test_the_statistics_refuse_a_number_that_is_not_one():
    from effpot.coarse_graining import problems
    grainer = effpot.CoarseGrainer(problems.p4(), 2)
    grainer.setStepSize(0.1)
    grainer.setFriction(0.5)
    grainer.setNumReplicas(40)
    grainer.setNumSteps(1000)
    grainer.setNumEquilibrationSteps(100)
    grainer.setRandomSeed(3)
    grainer.run(platform="CPU")
    xml = grainer.samplingStatistics().toXml()
    effpot_swig._replicaStatisticsFromXml(xml)
    for place, damaged in _damaged(xml):
        with pytest.raises(mm.OpenMMException, match="which is not a number"):
            effpot_swig._replicaStatisticsFromXml(damaged)


def test_whitespace_around_a_number_is_fine(small_p4_potential):
    xml = small_p4_potential.toXml()
    root = ET.fromstring(xml)
    element, key = next(iter(_numeric_sites(root).values()))
    element.set(key, f"  {element.get(key)}\n")
    effpot.EffectivePotential.fromXml(ET.tostring(root, encoding="unicode"))
