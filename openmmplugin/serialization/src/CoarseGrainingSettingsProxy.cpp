#include "CoarseGrainingSettingsProxy.h"
#include "SerializationHelpers.h"
#include "openmm/OpenMMException.h"

using namespace EffPot;
using namespace EffPot::SerializationHelpers;
using namespace OpenMM;
using namespace std;

CoarseGrainingSettingsProxy::CoarseGrainingSettingsProxy() : SerializationProxy("CoarseGrainingSettings") {
}

void CoarseGrainingSettingsProxy::write(const CoarseGrainingSettings& s, SerializationNode& node) {
    node.setDoubleProperty("stepSize", s.stepSize);
    node.setDoubleProperty("friction", s.friction);
    node.setDoubleProperty("mass", s.mass);
    node.setDoubleProperty("targetKT", s.targetKT);
    node.setIntProperty("numReplicas", s.numReplicas);
    node.setIntProperty("numSteps", s.numSteps);
    node.setIntProperty("numStage2Steps", s.numStage2Steps);
    node.setIntProperty("numEquilibrationSteps", s.numEquilibrationSteps);
    node.setDoubleProperty("stage1Tolerance", s.stage1Tolerance);
    node.setIntProperty("maxStage1Rounds", s.maxStage1Rounds);
    node.setIntProperty("sampleInterval", s.sampleInterval);
    node.setIntProperty("numBatches", s.numBatches);
    node.setIntProperty("randomSeed", s.randomSeed);
    node.setIntProperty("numThreads", s.numThreads);
    node.setDoubleProperty("maxSkewness", s.maxSkewness);
    node.setDoubleProperty("maxExcessKurtosis", s.maxExcessKurtosis);
    node.setDoubleProperty("frozenKurtosis", s.frozenKurtosis);
    node.setBoolProperty("allowNonGaussian", s.allowNonGaussian);
    node.setBoolProperty("restartFrozenReplicas", s.restartFrozenReplicas);
    node.setBoolProperty("useCustomExternalForce", s.useCustomExternalForce);
    node.setDoubleProperty("resolutionLimit", s.resolutionLimit);
    writeList(node, "InitialPositions", s.initialPositions);
    writeList(node, "InitialBoxLower", s.initialBoxLower);
    writeList(node, "InitialBoxUpper", s.initialBoxUpper);
    writeList(node, "GridBins", s.gridBins);
    writeList(node, "GridBoxLower", s.gridBoxLower);
    writeList(node, "GridBoxUpper", s.gridBoxUpper);
}

CoarseGrainingSettings CoarseGrainingSettingsProxy::read(const SerializationNode& node, const string& owner, bool legacy) {
    CoarseGrainingSettings s;
    s.stepSize = node.getDoubleProperty("stepSize");
    s.friction = node.getDoubleProperty("friction");
    s.mass = node.getDoubleProperty("mass");
    s.targetKT = node.getDoubleProperty("targetKT");
    s.numReplicas = node.getIntProperty("numReplicas");
    s.numSteps = node.getIntProperty("numSteps");
    s.numStage2Steps = node.getIntProperty("numStage2Steps");
    s.numEquilibrationSteps = node.getIntProperty("numEquilibrationSteps");
    // Files written before Stage 1 had rounds ran one: they rerun as they did.
    s.stage1Tolerance = node.getDoubleProperty("stage1Tolerance", s.stage1Tolerance);
    s.maxStage1Rounds = node.getIntProperty("maxStage1Rounds", 1);
    s.sampleInterval = node.getIntProperty("sampleInterval");
    s.numBatches = node.getIntProperty("numBatches");
    s.randomSeed = node.getIntProperty(legacy ? "seed" : "randomSeed");
    s.numThreads = node.getIntProperty("numThreads", 0); // version 1 did not keep it
    s.maxSkewness = node.getDoubleProperty("maxSkewness");
    s.maxExcessKurtosis = node.getDoubleProperty("maxExcessKurtosis");
    s.frozenKurtosis = node.getDoubleProperty("frozenKurtosis");
    s.allowNonGaussian = node.getBoolProperty("allowNonGaussian");
    s.restartFrozenReplicas = node.getBoolProperty("restartFrozenReplicas", true);
    s.useCustomExternalForce = node.getBoolProperty("useCustomExternalForce");
    s.resolutionLimit = node.getDoubleProperty("resolutionLimit");
    s.initialPositions = readFiniteList(node, legacy ? "Positions" : "InitialPositions", owner);
    s.initialBoxLower = readFiniteList(node, legacy ? "BoxLower" : "InitialBoxLower", owner);
    s.initialBoxUpper = readFiniteList(node, legacy ? "BoxUpper" : "InitialBoxUpper", owner);
    s.gridBins = readList<int>(node, "GridBins", owner);
    s.gridBoxLower = readFiniteList(node, legacy ? "GridLower" : "GridBoxLower", owner);
    s.gridBoxUpper = readFiniteList(node, legacy ? "GridUpper" : "GridBoxUpper", owner);
    return s;
}

void CoarseGrainingSettingsProxy::serialize(const void* object, SerializationNode& node) const {
    node.setIntProperty("version", 1);
    write(*reinterpret_cast<const CoarseGrainingSettings*>(object), node);
}

void* CoarseGrainingSettingsProxy::deserialize(const SerializationNode& node) const {
    const string owner = "CoarseGrainingSettings.deserialize";
    readVersion(node, owner, 1, 1);
    CoarseGrainingSettings settings = read(node, owner);
    settings.check(0, owner);
    return new CoarseGrainingSettings(settings);
}
