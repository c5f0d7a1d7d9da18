#include "CoarseGrainerProxy.h"
#include "CoarseGrainer.h"
#include "SerializationHelpers.h"
#include "openmm/OpenMMException.h"
#include "openmm/System.h"
#include <cmath>
#include <memory>

using namespace EffPot;
using namespace EffPot::SerializationHelpers;
using namespace OpenMM;
using namespace std;

CoarseGrainerProxy::CoarseGrainerProxy() : SerializationProxy("CoarseGrainer") {
}

void CoarseGrainerProxy::serialize(const void* object, SerializationNode& node) const {
    const CoarseGrainer& c = *reinterpret_cast<const CoarseGrainer*>(object);
    node.setIntProperty("version", 1);
    node.setStringProperty("energy", c.energy);
    node.setIntProperty("dimensions", c.dimensions);
    node.setDoubleProperty("stepSize", c.stepSize);
    node.setDoubleProperty("friction", c.friction);
    node.setDoubleProperty("mass", c.mass);
    node.setDoubleProperty("targetKT", c.targetKT);
    node.setIntProperty("numReplicas", c.numReplicas);
    node.setIntProperty("numSteps", c.numSteps);
    node.setIntProperty("numStage2Steps", c.numStage2Steps);
    node.setIntProperty("numEquilibrationSteps", c.numEquilibrationSteps);
    node.setIntProperty("sampleInterval", c.sampleInterval);
    node.setIntProperty("numBatches", c.numBatches);
    node.setIntProperty("seed", c.seed);
    node.setDoubleProperty("maxSkewness", c.maxSkewness);
    node.setDoubleProperty("maxExcessKurtosis", c.maxExcessKurtosis);
    node.setDoubleProperty("frozenKurtosis", c.frozenKurtosis);
    node.setBoolProperty("allowNonGaussian", c.allowNonGaussian);
    node.setBoolProperty("startsFromPilot", c.startsFromPilot);
    node.setBoolProperty("restartFrozenReplicas", c.restartFrozenReplicas);
    node.setDoubleProperty("resolutionLimit", c.resolutionLimit);
    node.setBoolProperty("useCustomExternalForce", c.useCustomExternalForce);
    writeList(node, "Positions", c.positions);
    writeList(node, "BoxLower", c.boxLower);
    writeList(node, "BoxUpper", c.boxUpper);
    writeList(node, "GridLower", c.gridLower);
    writeList(node, "GridUpper", c.gridUpper);
    writeList(node, "GridBins", c.gridBins);
    SerializationNode& fitter = node.createChildNode("Fitter");
    fitter.setDoubleProperty("knotSpacing", c.fitter.getKnotSpacing());
    fitter.setDoubleProperty("smoothing", c.fitter.getSmoothing());
    fitter.setIntProperty("minBinCount", c.fitter.getMinBinCount());
    fitter.setIntProperty("numBootstrap", c.fitter.getNumBootstrap());
    fitter.setIntProperty("seed", c.fitter.getRandomSeed());
    fitter.setIntProperty("gridCoarsening", c.fitter.getGridCoarsening());
    if (c.userSystem) {
        SerializationNode& user = node.createChildNode("UserSystem");
        writeList(user, "ReplicaParticles", c.replicaParticles);
        writeList(user, "SystemPositions", c.systemPositions);
        SerializationNode& system = user.createChildNode("System");
        SerializationProxy::getProxy(typeid(System)).serialize(c.userSystem.get(), system);
    }
}

void* CoarseGrainerProxy::deserialize(const SerializationNode& node) const {
    const string owner = "CoarseGrainer.deserialize";
    readVersion(node, owner, 1, 1);
    int dimensions = node.getIntProperty("dimensions");
    require(dimensions >= 1 && dimensions <= 3, owner, "dimensions is "+to_string(dimensions)+" (1, 2 or 3)");
    unique_ptr<CoarseGrainer> c;
    bool user = false;
    for (const SerializationNode& child : node.getChildren())
        user |= (child.getName() == "UserSystem");
    if (user) {
        const SerializationNode& userNode = node.getChildNode("UserSystem");
        unique_ptr<System> system((System*) SerializationProxy::getProxy("System").deserialize(userNode.getChildNode("System")));
        c.reset(new CoarseGrainer(*system, readList<int>(userNode, "ReplicaParticles", owner), dimensions));
        vector<double> systemPositions = readFiniteList(userNode, "SystemPositions", owner);
        if (!systemPositions.empty())
            c->setSystemPositions(systemPositions);
    }
    else
        c.reset(new CoarseGrainer(node.getStringProperty("energy"), dimensions));
    c->stepSize = node.getDoubleProperty("stepSize");
    c->friction = node.getDoubleProperty("friction");
    c->mass = node.getDoubleProperty("mass");
    c->targetKT = node.getDoubleProperty("targetKT");
    c->numReplicas = node.getIntProperty("numReplicas");
    c->numSteps = node.getIntProperty("numSteps");
    c->numStage2Steps = node.getIntProperty("numStage2Steps");
    c->numEquilibrationSteps = node.getIntProperty("numEquilibrationSteps");
    c->sampleInterval = node.getIntProperty("sampleInterval");
    c->numBatches = node.getIntProperty("numBatches");
    c->seed = node.getIntProperty("seed");
    c->maxSkewness = node.getDoubleProperty("maxSkewness");
    c->maxExcessKurtosis = node.getDoubleProperty("maxExcessKurtosis");
    c->frozenKurtosis = node.getDoubleProperty("frozenKurtosis");
    c->allowNonGaussian = node.getBoolProperty("allowNonGaussian");
    c->startsFromPilot = node.getBoolProperty("startsFromPilot", false);
    c->restartFrozenReplicas = node.getBoolProperty("restartFrozenReplicas", true); // absent before it existed
    c->resolutionLimit = node.getDoubleProperty("resolutionLimit");
    c->useCustomExternalForce = node.getBoolProperty("useCustomExternalForce");
    c->positions = readList<double>(node, "Positions");
    c->boxLower = readList<double>(node, "BoxLower");
    c->boxUpper = readList<double>(node, "BoxUpper");
    c->gridLower = readList<double>(node, "GridLower");
    c->gridUpper = readList<double>(node, "GridUpper");
    c->gridBins = readList<int>(node, "GridBins");
    const SerializationNode& fitter = node.getChildNode("Fitter");
    c->fitter.setKnotSpacing(fitter.getDoubleProperty("knotSpacing"));
    c->fitter.setSmoothing(fitter.getDoubleProperty("smoothing"));
    c->fitter.setMinBinCount(fitter.getIntProperty("minBinCount"));
    c->fitter.setNumBootstrap(fitter.getIntProperty("numBootstrap"));
    c->fitter.setRandomSeed(fitter.getIntProperty("seed"));
    c->fitter.setGridCoarsening(fitter.getIntProperty("gridCoarsening", 0)); // absent before it existed: automatic
    // The values above go straight into the settings (0 means "not set" for some): check them as the setters would.
    auto positive = [](double v) { return v > 0 && isfinite(v); };
    require(c->stepSize >= 0 && isfinite(c->stepSize), owner, "stepSize is not a non-negative number");
    require(c->friction >= 0 && isfinite(c->friction), owner, "friction is not a non-negative number");
    require(positive(c->mass) && positive(c->targetKT), owner, "mass or targetKT is not positive");
    require(c->numReplicas >= 2 && c->numSteps >= 1 && c->numStage2Steps >= 0 && c->numEquilibrationSteps >= 0 &&
            c->sampleInterval >= 1 && c->numBatches >= 2, owner, "step, sample, replica or batch counts are out of range");
    require(positive(c->maxSkewness) && positive(c->maxExcessKurtosis) && positive(c->frozenKurtosis), owner,
            "normality tolerances are not positive");
    require(c->resolutionLimit >= 0 && isfinite(c->resolutionLimit), owner, "resolutionLimit is not a non-negative number");
    for (const vector<double>* list : {&c->positions, &c->boxLower, &c->boxUpper, &c->gridLower, &c->gridUpper})
        for (double x : *list)
            require(isfinite(x), owner, "positions or boxes hold a value that is not finite");
    require(c->positions.size()%dimensions == 0, owner, "Positions do not hold whole d-vectors");
    for (const vector<double>* bound : {&c->boxLower, &c->boxUpper, &c->gridLower, &c->gridUpper})
        require(bound->empty() || (int) bound->size() == dimensions, owner, "boxes need d = "+to_string(dimensions)+" entries");
    require(c->boxLower.size() == c->boxUpper.size() && c->gridLower.size() == c->gridUpper.size(), owner,
            "box bounds come in lower/upper pairs");
    for (int i = 0; i < (int) c->boxLower.size(); i++)
        require(c->boxUpper[i] > c->boxLower[i], owner, "initial box is empty");
    for (int i = 0; i < (int) c->gridLower.size(); i++)
        require(c->gridUpper[i] > c->gridLower[i], owner, "histogram box is empty");
    require(c->gridBins.empty() || (int) c->gridBins.size() == dimensions, owner, "GridBins needs one count per dimension");
    for (int b : c->gridBins)
        require(b >= 4, owner, "GridBins holds "+to_string(b)+" (at least 4)");
    return c.release();
}
