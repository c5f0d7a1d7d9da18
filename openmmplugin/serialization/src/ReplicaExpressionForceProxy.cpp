#include "ReplicaExpressionForceProxy.h"
#include "ReplicaExpressionForce.h"
#include "SerializationHelpers.h"
#include "openmm/OpenMMException.h"
#include "openmm/serialization/SerializationNode.h"
#include <memory>

using namespace EffPot;
using namespace EffPot::SerializationHelpers;
using namespace OpenMM;
using namespace std;

ReplicaExpressionForceProxy::ReplicaExpressionForceProxy() : SerializationProxy("ReplicaExpressionForce") {
}

void ReplicaExpressionForceProxy::serialize(const void* object, SerializationNode& node) const {
    const ReplicaExpressionForce& force = *reinterpret_cast<const ReplicaExpressionForce*>(object);
    node.setIntProperty("version", 1);
    node.setStringProperty("energy", force.getEnergyFunction());
    node.setIntProperty("forceGroup", force.getForceGroup());
    node.setStringProperty("name", force.getName());
    SerializationNode& globals = node.createChildNode("GlobalParameters");
    for (int i = 0; i < force.getNumGlobalParameters(); i++)
        globals.createChildNode("Parameter").setStringProperty("name", force.getGlobalParameterName(i))
               .setDoubleProperty("default", force.getGlobalParameterDefaultValue(i));
    SerializationNode& particles = node.createChildNode("Particles");
    for (int i = 0; i < force.getNumParticles(); i++)
        particles.createChildNode("Particle").setIntProperty("index", force.getParticle(i));
}

void* ReplicaExpressionForceProxy::deserialize(const SerializationNode& node) const {
    const string owner = "ReplicaExpressionForce.deserialize";
    readVersion(node, owner, 1, 1);
    unique_ptr<ReplicaExpressionForce> force(new ReplicaExpressionForce(node.getStringProperty("energy")));
    force->setForceGroup(readWhole<int>(node, "forceGroup", 0, owner));
    force->setName(node.getStringProperty("name", force->getName()));
    for (const SerializationNode& parameter : node.getChildNode("GlobalParameters").getChildren())
        force->addGlobalParameter(parameter.getStringProperty("name"), readNumber(parameter, "default", owner));
    for (const SerializationNode& particle : node.getChildNode("Particles").getChildren())
        force->addParticle(readWhole<int>(particle, "index", owner));
    return force.release();
}
