#include "EffectivePotentialProxy.h"
#include "EffectivePotential.h"
#include "SerializationHelpers.h"
#include "XmlLoading.h"
#include "openmm/OpenMMException.h"
#include <algorithm>
#include <cmath>
#include <memory>

using namespace EffPot;
using namespace EffPot::SerializationHelpers;
using namespace OpenMM;
using namespace std;

EffectivePotentialProxy::EffectivePotentialProxy() : SerializationProxy("EffectivePotential") {
}

void EffectivePotentialProxy::serialize(const void* object, SerializationNode& node) const {
    const EffectivePotential& potential = *reinterpret_cast<const EffectivePotential*>(object);
    node.setIntProperty("version", 2);
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
    const Calibration& calibration = potential.getCalibration();
    if (calibration.isKnown()) {
        SerializationNode& c = node.createChildNode("Calibration");
        c.setDoubleProperty("stepSize", calibration.stepSize);
        c.setDoubleProperty("kT", calibration.kT);
        c.setDoubleProperty("targetKT", calibration.targetKT);
        c.setStringProperty("energy", calibration.energy);
        writeList(c, "Mass", calibration.mass);
        writeList(c, "Friction", calibration.friction);
        if (calibration.fromUserSystem())
            c.createChildNode("System").setStringProperty("xml", calibration.systemXml);
    }
}

namespace {

bool hasChild(const SerializationNode& node, const string& name) {
    for (const SerializationNode& child : node.getChildren())
        if (child.getName() == name)
            return true;
    return false;
}

// Files of version 1 kept the calibration only in the diagnostics and notes (settings.* and "energy"): rebuild it
// from there, as the surrogates read it before the record existed. A potential without them stays uncalibrated.
Calibration calibrationFromDiagnostics(const EffectivePotential& potential) {
    const map<string, double>& numbers = potential.getDiagnostics();
    Calibration c;
    for (const char* key : {"settings.stepSize", "settings.mass", "settings.friction", "settings.targetKT"})
        if (numbers.find(key) == numbers.end())
            return c;
    int d = potential.getDimensions();
    double mass = numbers.at("settings.mass"), friction = numbers.at("settings.friction"), targetKT = numbers.at("settings.targetKT");
    c.stepSize = numbers.at("settings.stepSize");
    c.kT = potential.getKT();
    c.targetKT = targetKT;
    if (d == 1) {
        c.mass = {mass};
        c.friction = {friction*mass};
    }
    else {
        c.mass.assign(d*d, 0.0);
        for (int i = 0; i < d; i++)
            c.mass[i*d+i] = 1.0;
        for (double x : potential.getNoiseCovariance())
            c.friction.push_back(x/(2*targetKT));
    }
    auto energy = potential.getNotes().find("energy");
    if (energy != potential.getNotes().end() && energy->second.rfind("(a user System", 0) != 0)
        c.energy = energy->second;
    return c;
}

} // namespace

void* EffectivePotentialProxy::deserialize(const SerializationNode& node) const {
    // Every value is checked before use: a damaged file must raise, never size an allocation or index a table.
    const string owner = "EffectivePotential.deserialize";
    int version = readVersion(node, owner, 1, 2);
    int d = readWhole<int>(node, "dimensions", owner);
    require(d >= 1 && d <= 3, owner, "dimensions is "+to_string(d)+" (1, 2 or 3)");
    vector<double> lower = readFiniteList(node, "Lower", owner), upper = readFiniteList(node, "Upper", owner);
    vector<int> numBasis = readList<int>(node, "NumBasis", owner), nodes = readList<int>(node, "Nodes", owner);
    require((int) lower.size() == d && (int) upper.size() == d && (int) numBasis.size() == d && (int) nodes.size() == d,
            owner, "Lower, Upper, NumBasis and Nodes need one entry per dimension ("+to_string(d)+")");
    vector<double> coefficients = readFiniteList(node, "Coefficients", owner);
    vector<int> supported = readList<int>(node, "NodeSupported", owner);
    double basisCount = 1, nodeCount = 1;
    for (int i = 0; i < d; i++) {
        require(upper[i] > lower[i], owner, "box is empty in dimension "+to_string(i));
        require(numBasis[i] >= 4 && nodes[i] >= 4, owner, "NumBasis and Nodes must be at least 4 per dimension");
        basisCount *= numBasis[i];
        nodeCount *= nodes[i];
    }
    require(basisCount == (double) coefficients.size(), owner, "Coefficients has "+to_string(coefficients.size())+
            " values, NumBasis asks for "+to_string((long long) min(basisCount, 1e18)));
    require(nodeCount == (double) supported.size(), owner, "NodeSupported has "+to_string(supported.size())+
            " flags, Nodes asks for "+to_string((long long) min(nodeCount, 1e18)));
    for (int s : supported)
        require(s == 0 || s == 1, owner, "NodeSupported holds "+to_string(s)+" (0 or 1)");
    vector<double> errors = readList<double>(node, "NodeErrors", owner);
    require(errors.empty() || errors.size() == supported.size(), owner, "NodeErrors needs one value per node");
    double kT = readNumber(node, "kT", owner), offset = readNumber(node, "offset", owner);
    require(kT > 0 && isfinite(kT), owner, "kT is "+to_string(kT)+" (a positive energy)");
    require(isfinite(offset), owner, "offset is not finite");
    vector<double> noise = readFiniteList(node, "NoiseCovariance", owner);
    vector<double> noiseError = readList<double>(node, "NoiseCovarianceError", owner);
    require(noise.empty() || (int) noise.size() == d*d, owner, "NoiseCovariance must be d x d");
    require(noiseError.empty() || noiseError.size() == noise.size(), owner, "NoiseCovarianceError must have D's shape");
    PSplineFit spline(lower, upper, numBasis);
    spline.setCoefficients(coefficients);
    unique_ptr<EffectivePotential> potential(new EffectivePotential(spline, lower, upper, nodes));
    potential->setKT(kT);
    potential->setOffset(offset);
    potential->setNoiseCovariance(noise, noiseError);
    potential->setNodeErrors(errors);
    potential->setNodeSupported(supported);
    for (const SerializationNode& entry : node.getChildNode("Diagnostics").getChildren()) {
        const string& name = entry.getStringProperty("name");
        potential->getDiagnostics()[name] = readNumber(entry, "v", owner, "diagnostic "+name);
    }
    for (const SerializationNode& entry : node.getChildNode("Notes").getChildren())
        potential->getNotes()[entry.getStringProperty("name")] = entry.getStringProperty("text");
    Calibration calibration;
    if (version >= 2 && hasChild(node, "Calibration")) {
        const SerializationNode& c = node.getChildNode("Calibration");
        calibration.stepSize = readNumber(c, "stepSize", owner);
        calibration.kT = readNumber(c, "kT", owner);
        calibration.targetKT = readNumber(c, "targetKT", owner);
        calibration.energy = c.getStringProperty("energy");
        calibration.mass = readFiniteList(c, "Mass", owner);
        calibration.friction = readFiniteList(c, "Friction", owner);
        if (hasChild(c, "System")) {
            calibration.systemXml = c.getChildNode("System").getStringProperty("xml");
            // The surrogate models deserialize it later: check it now, while the file can still be named.
            checkSerializedType(calibration.systemXml, "System", "System", owner, "its Calibration's System");
        }
        require(calibration.isKnown(), owner, "Calibration's stepSize is not positive");
    }
    else
        calibration = calibrationFromDiagnostics(*potential);
    try {
        potential->setCalibration(calibration);
    }
    catch (const OpenMMException& e) {
        require(false, owner, string("Calibration (")+e.what()+")");
    }
    return potential.release();
}
