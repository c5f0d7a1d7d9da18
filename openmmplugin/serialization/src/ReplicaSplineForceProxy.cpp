#include "ReplicaSplineForceProxy.h"
#include "ReplicaSplineForce.h"
#include "SerializationHelpers.h"
#include "openmm/OpenMMException.h"
#include "openmm/serialization/SerializationNode.h"
#include <memory>

using namespace EffPot;
using namespace OpenMM;
using namespace std;
using namespace EffPot::SerializationHelpers;

ReplicaSplineForceProxy::ReplicaSplineForceProxy() : SerializationProxy("ReplicaSplineForce") {
}

void ReplicaSplineForceProxy::serialize(const void* object, SerializationNode& node) const {
    const ReplicaSplineForce& force = *reinterpret_cast<const ReplicaSplineForce*>(object);
    node.setIntProperty("version", 1);
    node.setIntProperty("forceGroup", force.getForceGroup());
    node.setStringProperty("name", force.getName());
    SerializationNode& axes = node.createChildNode("Axes");
    for (int i = 0; i < force.getDimensions(); i++)
        axes.createChildNode("Axis").setIntProperty("nodes", force.getNodes()[i]).setDoubleProperty("lower", force.getLower()[i])
            .setDoubleProperty("upper", force.getUpper()[i]).setDoubleProperty("wall", force.getWallStiffness()[i]);
    SerializationNode& values = node.createChildNode("Values");
    for (double v : force.getValues())
        values.createChildNode("V").setDoubleProperty("v", v);
    SerializationNode& particles = node.createChildNode("Particles");
    for (int i = 0; i < force.getNumParticles(); i++)
        particles.createChildNode("Particle").setIntProperty("index", force.getParticle(i));
}

void* ReplicaSplineForceProxy::deserialize(const SerializationNode& node) const {
    const string owner = "ReplicaSplineForce.deserialize";
    int version = readWhole<int>(node, "version", -1, owner);
    if (version != 1)
        throw OpenMMException("ReplicaSplineForceProxy: unsupported version number "+to_string(version)+
                              " (this effpot reads version 1): the file was written by another effpot");
    vector<int> nodes;
    vector<double> lower, upper, wall, values;
    for (const SerializationNode& axis : node.getChildNode("Axes").getChildren()) {
        nodes.push_back(readWhole<int>(axis, "nodes", owner));
        lower.push_back(readNumber(axis, "lower", owner));
        upper.push_back(readNumber(axis, "upper", owner));
        wall.push_back(readNumber(axis, "wall", owner));
    }
    for (const SerializationNode& value : node.getChildNode("Values").getChildren())
        values.push_back(readNumber(value, "v", owner, "Values"));
    // The constructor checks the sizes and values before anything is allocated from them.
    unique_ptr<ReplicaSplineForce> force(new ReplicaSplineForce(nodes, lower, upper, values, wall));
    force->setForceGroup(readWhole<int>(node, "forceGroup", 0, owner));
    force->setName(node.getStringProperty("name", force->getName()));
    for (const SerializationNode& particle : node.getChildNode("Particles").getChildren())
        force->addParticle(readWhole<int>(particle, "index", owner));
    return force.release();
}
