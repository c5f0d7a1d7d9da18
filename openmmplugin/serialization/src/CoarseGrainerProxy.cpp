#include "CoarseGrainerProxy.h"
#include "CoarseGrainer.h"
#include "CoarseGrainingSettingsProxy.h"
#include "SerializationHelpers.h"
#include "openmm/OpenMMException.h"
#include "openmm/System.h"
#include <memory>

using namespace EffPot;
using namespace EffPot::SerializationHelpers;
using namespace OpenMM;
using namespace std;

CoarseGrainerProxy::CoarseGrainerProxy() : SerializationProxy("CoarseGrainer") {
}

void CoarseGrainerProxy::serialize(const void* object, SerializationNode& node) const {
    const CoarseGrainer& c = *reinterpret_cast<const CoarseGrainer*>(object);
    node.setIntProperty("version", 2);
    node.setStringProperty("energy", c.source.energy);
    node.setIntProperty("dimensions", c.source.dimensions);
    node.setBoolProperty("startsFromPilot", c.startsFromPilot);
    CoarseGrainingSettingsProxy::write(c.settings, node.createChildNode("Settings"));
    SerializationNode& fitter = node.createChildNode("Fitter");
    fitter.setDoubleProperty("knotSpacing", c.fitter.getKnotSpacing());
    fitter.setDoubleProperty("smoothing", c.fitter.getSmoothing());
    fitter.setIntProperty("minBinCount", c.fitter.getMinBinCount());
    fitter.setIntProperty("numBootstrap", c.fitter.getNumBootstrap());
    fitter.setIntProperty("seed", c.fitter.getRandomSeed());
    fitter.setIntProperty("gridCoarsening", c.fitter.getGridCoarsening());
    if (c.source.userSystem) {
        SerializationNode& user = node.createChildNode("UserSystem");
        writeList(user, "ReplicaParticles", c.source.replicaParticles);
        writeList(user, "SystemPositions", c.source.systemPositions);
        SerializationNode& system = user.createChildNode("System");
        SerializationProxy::getProxy(typeid(System)).serialize(c.source.userSystem.get(), system);
    }
}

void* CoarseGrainerProxy::deserialize(const SerializationNode& node) const {
    const string owner = "CoarseGrainer.deserialize";
    // Version 1 kept the settings as flat properties of this node (some under other names); 2 in a child node.
    int version = readVersion(node, owner, 1, 2);
    int dimensions = readWhole<int>(node, "dimensions", owner);
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
    CoarseGrainingSettings settings = (version == 1 ? CoarseGrainingSettingsProxy::read(node, owner, true)
                                                    : CoarseGrainingSettingsProxy::read(node.getChildNode("Settings"), owner));
    // Checked as the setters check each value (0 still means "not set" for the step size and friction).
    settings.check(dimensions, owner);
    c->settings = settings;
    c->startsFromPilot = readFlag(node, "startsFromPilot", false, owner);
    const SerializationNode& fitter = node.getChildNode("Fitter");
    c->fitter.setKnotSpacing(readNumber(fitter, "knotSpacing", owner));
    c->fitter.setSmoothing(readNumber(fitter, "smoothing", owner));
    c->fitter.setMinBinCount(readWhole<int>(fitter, "minBinCount", owner));
    c->fitter.setNumBootstrap(readWhole<int>(fitter, "numBootstrap", owner));
    c->fitter.setRandomSeed(readWhole<int>(fitter, "seed", owner));
    c->fitter.setGridCoarsening(readWhole<int>(fitter, "gridCoarsening", 0, owner)); // absent before it existed: automatic
    return c.release();
}
