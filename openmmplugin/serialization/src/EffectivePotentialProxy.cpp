#include "EffectivePotentialProxy.h"
#include "EffectivePotential.h"
#include "SerializationHelpers.h"
#include "openmm/OpenMMException.h"
#include <memory>

using namespace EffPot;
using namespace EffPot::SerializationHelpers;
using namespace OpenMM;
using namespace std;

EffectivePotentialProxy::EffectivePotentialProxy() : SerializationProxy("EffectivePotential") {
}

void EffectivePotentialProxy::serialize(const void* object, SerializationNode& node) const {
    const EffectivePotential& potential = *reinterpret_cast<const EffectivePotential*>(object);
    node.setIntProperty("version", 1);
    node.setIntProperty("dimensions", potential.getDimensions());
    node.setDoubleProperty("kT", potential.getKT());
    node.setDoubleProperty("offset", potential.getOffset());
    writeList(node, "Lower", potential.getLower());
    writeList(node, "Upper", potential.getUpper());
    writeList(node, "Nodes", potential.getNodes());
    writeList(node, "NumBasis", potential.getSpline().getNumBasis());
    writeList(node, "Coefficients", potential.getSpline().getCoefficients());
    writeList(node, "NoiseCovariance", potential.getNoiseCovariance());
    writeList(node, "NoiseCovarianceError", potential.getNoiseCovarianceError());
    writeList(node, "NodeErrors", potential.getNodeErrors());
    writeList(node, "NodeSupported", potential.getNodeSupported());
    SerializationNode& diagnostics = node.createChildNode("Diagnostics");
    for (auto& entry : potential.getDiagnostics())
        diagnostics.createChildNode("Value").setStringProperty("name", entry.first).setDoubleProperty("v", entry.second);
    SerializationNode& notes = node.createChildNode("Notes");
    for (auto& entry : potential.getNotes())
        notes.createChildNode("Note").setStringProperty("name", entry.first).setStringProperty("text", entry.second);
}

void* EffectivePotentialProxy::deserialize(const SerializationNode& node) const {
    if (node.getIntProperty("version") != 1)
        throw OpenMMException("EffectivePotential: unsupported file version "+to_string(node.getIntProperty("version")));
    vector<double> lower = readList<double>(node, "Lower"), upper = readList<double>(node, "Upper");
    PSplineFit spline(lower, upper, readList<int>(node, "NumBasis"));
    spline.setCoefficients(readList<double>(node, "Coefficients"));
    unique_ptr<EffectivePotential> potential(new EffectivePotential(spline, lower, upper, readList<int>(node, "Nodes")));
    potential->setKT(node.getDoubleProperty("kT"));
    potential->setOffset(node.getDoubleProperty("offset"));
    potential->setNoiseCovariance(readList<double>(node, "NoiseCovariance"), readList<double>(node, "NoiseCovarianceError"));
    potential->setNodeErrors(readList<double>(node, "NodeErrors"));
    potential->setNodeSupported(readList<int>(node, "NodeSupported"));
    for (const SerializationNode& entry : node.getChildNode("Diagnostics").getChildren())
        potential->getDiagnostics()[entry.getStringProperty("name")] = entry.getDoubleProperty("v");
    for (const SerializationNode& entry : node.getChildNode("Notes").getChildren())
        potential->getNotes()[entry.getStringProperty("name")] = entry.getStringProperty("text");
    return potential.release();
}
