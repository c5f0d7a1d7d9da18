#include "DampedVerletIntegratorProxy.h"
#include "DampedVerletIntegrator.h"
#include "SerializationHelpers.h"
#include "openmm/OpenMMException.h"
#include "openmm/serialization/SerializationNode.h"
#include <memory>

using namespace EffPot;
using namespace EffPot::SerializationHelpers;
using namespace OpenMM;
using namespace std;


DampedVerletIntegratorProxy::DampedVerletIntegratorProxy() : SerializationProxy("DampedVerletIntegrator") {
}

void DampedVerletIntegratorProxy::serialize(const void* object, SerializationNode& node) const {
    const DampedVerletIntegrator& integrator = *reinterpret_cast<const DampedVerletIntegrator*>(object);
    node.setIntProperty("version", 1);
    node.setDoubleProperty("stepSize", integrator.getStepSize());
    node.setDoubleProperty("constraintTolerance", integrator.getConstraintTolerance());
    node.setDoubleProperty("defaultFriction", integrator.getDefaultFriction());
    node.setDoubleProperty("temperature", integrator.getTemperature());
    node.setIntProperty("randomSeed", integrator.getRandomNumberSeed());
    node.setIntProperty("splitting", integrator.getSplitting());
    node.setIntProperty("integrationForceGroups", integrator.getIntegrationForceGroups());
    SerializationNode& blocks = node.createChildNode("Blocks");
    for (int b = 0; b < integrator.getNumBlocks(); b++) {
        SerializationNode& block = blocks.createChildNode("Block");
        SerializationNode& particles = block.createChildNode("Particles");
        for (int p : integrator.getBlockParticles(b))
            particles.createChildNode("Particle").setIntProperty("index", p);
        writeList(block, "MassMatrix", integrator.getBlockMassMatrix(b));
        writeList(block, "FrictionMatrix", integrator.getBlockFrictionMatrix(b));
        writeList(block, "NoiseCovariance", integrator.getNoiseCovariance(b));
    }
}

void* DampedVerletIntegratorProxy::deserialize(const SerializationNode& node) const {
    const string owner = "DampedVerletIntegrator.deserialize";
    readVersion(node, owner, 1, 1);
    unique_ptr<DampedVerletIntegrator> integrator(new DampedVerletIntegrator(readNumber(node, "stepSize", owner)));
    integrator->setConstraintTolerance(readNumber(node, "constraintTolerance", owner));
    integrator->setDefaultFriction(readNumber(node, "defaultFriction", owner));
    integrator->setTemperature(readNumber(node, "temperature", owner));
    integrator->setRandomNumberSeed(readWhole<int>(node, "randomSeed", owner));
    integrator->setSplitting(readWhole<int>(node, "splitting", (int) DampedVerletIntegrator::OBABO, owner)); // absent before it existed
    integrator->setIntegrationForceGroups(readWhole<int>(node, "integrationForceGroups", (int) 0xFFFFFFFF, owner));
    for (const SerializationNode& block : node.getChildNode("Blocks").getChildren()) {
        vector<int> particles;
        for (const SerializationNode& particle : block.getChildNode("Particles").getChildren())
            particles.push_back(readWhole<int>(particle, "index", owner));
        int index = integrator->addBlock(particles, readList<double>(block, "MassMatrix", owner),
                                     readList<double>(block, "FrictionMatrix", owner));
        vector<double> noise = readList<double>(block, "NoiseCovariance", owner);
        if (!noise.empty())
            integrator->setNoiseCovariance(index, noise);
    }
    return integrator.release();
}
