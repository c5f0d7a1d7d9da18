#include "ReplicaExpressionForce.h"
#include "internal/ExpressionTape.h"
#include "internal/ReplicaExpressionForceImpl.h"
#include "openmm/OpenMMException.h"

using namespace EffPot;
using namespace OpenMM;
using namespace std;

// Only the syntax is checked here: which variables are allowed depends on the global parameters, which may still
// be added; the Context checks them.
ReplicaExpressionForce::ReplicaExpressionForce(const string& energy) : energy(energy) {
    ExpressionTape::checkSyntax(energy, "ReplicaExpressionForce");
}

void ReplicaExpressionForce::setEnergyFunction(const string& energy) {
    ExpressionTape::checkSyntax(energy, "ReplicaExpressionForce.setEnergyFunction");
    this->energy = energy;
}

void ReplicaExpressionForce::checkIndex(int index, int size, const char* method, const char* what) const {
    if (index < 0 || index >= size)
        throw OpenMMException(string("ReplicaExpressionForce.")+method+": "+what+" index "+to_string(index)+
                              " is out of range (0 to "+to_string(size-1)+")");
}

int ReplicaExpressionForce::addParticle(int particle) {
    if (particle < 0)
        throw OpenMMException("ReplicaExpressionForce.addParticle: the particle index "+to_string(particle)+" is negative");
    particles.push_back(particle);
    return particles.size()-1;
}

int ReplicaExpressionForce::getParticle(int index) const {
    checkIndex(index, particles.size(), "getParticle", "the entry");
    return particles[index];
}

void ReplicaExpressionForce::setParticle(int index, int particle) {
    checkIndex(index, particles.size(), "setParticle", "the entry");
    if (particle < 0)
        throw OpenMMException("ReplicaExpressionForce.setParticle: the particle index "+to_string(particle)+" is negative");
    particles[index] = particle;
}

int ReplicaExpressionForce::addGlobalParameter(const string& name, double defaultValue) {
    if (name == "x" || name == "y" || name == "z")
        throw OpenMMException("ReplicaExpressionForce.addGlobalParameter: '"+name+"' is a coordinate; choose another name");
    globals.push_back(make_pair(name, defaultValue));
    return globals.size()-1;
}

const string& ReplicaExpressionForce::getGlobalParameterName(int index) const {
    checkIndex(index, globals.size(), "getGlobalParameterName", "the parameter");
    return globals[index].first;
}

void ReplicaExpressionForce::setGlobalParameterName(int index, const string& name) {
    checkIndex(index, globals.size(), "setGlobalParameterName", "the parameter");
    if (name == "x" || name == "y" || name == "z")
        throw OpenMMException("ReplicaExpressionForce.setGlobalParameterName: '"+name+"' is a coordinate; choose another name");
    globals[index].first = name;
}

double ReplicaExpressionForce::getGlobalParameterDefaultValue(int index) const {
    checkIndex(index, globals.size(), "getGlobalParameterDefaultValue", "the parameter");
    return globals[index].second;
}

void ReplicaExpressionForce::setGlobalParameterDefaultValue(int index, double defaultValue) {
    checkIndex(index, globals.size(), "setGlobalParameterDefaultValue", "the parameter");
    globals[index].second = defaultValue;
}

ForceImpl* ReplicaExpressionForce::createImpl() const {
    return new ReplicaExpressionForceImpl(*this);
}
