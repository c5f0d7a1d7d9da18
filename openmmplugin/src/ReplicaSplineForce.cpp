#include "ReplicaSplineForce.h"
#include "internal/ReplicaSplineForceImpl.h"
#include "internal/SplineTable.h"
#include "openmm/OpenMMException.h"

using namespace EffPot;
using namespace OpenMM;
using namespace std;

ReplicaSplineForce::ReplicaSplineForce(const vector<int>& nodes, const vector<double>& lower, const vector<double>& upper,
        const vector<double>& values, const vector<double>& wallStiffness) {
    setTable(nodes, lower, upper, values, wallStiffness);
}

void ReplicaSplineForce::setTable(const vector<int>& nodes, const vector<double>& lower, const vector<double>& upper,
        const vector<double>& values, const vector<double>& wallStiffness) {
    SplineTable::validate(nodes, lower, upper, values, wallStiffness, "ReplicaSplineForce");
    this->nodes = nodes;
    this->lower = lower;
    this->upper = upper;
    this->values = values;
    this->wallStiffness = wallStiffness;
}

int ReplicaSplineForce::addParticle(int particle) {
    if (particle < 0)
        throw OpenMMException("ReplicaSplineForce.addParticle: the particle index "+to_string(particle)+" is negative");
    particles.push_back(particle);
    return particles.size()-1;
}

int ReplicaSplineForce::getParticle(int index) const {
    if (index < 0 || index >= (int) particles.size())
        throw OpenMMException("ReplicaSplineForce.getParticle: the entry index "+to_string(index)+" is out of range (0 to "+
                              to_string(particles.size()-1)+")");
    return particles[index];
}

void ReplicaSplineForce::setParticle(int index, int particle) {
    if (index < 0 || index >= (int) particles.size())
        throw OpenMMException("ReplicaSplineForce.setParticle: the entry index "+to_string(index)+" is out of range (0 to "+
                              to_string(particles.size()-1)+")");
    if (particle < 0)
        throw OpenMMException("ReplicaSplineForce.setParticle: the particle index "+to_string(particle)+" is negative");
    particles[index] = particle;
}

ForceImpl* ReplicaSplineForce::createImpl() const {
    return new ReplicaSplineForceImpl(*this);
}
