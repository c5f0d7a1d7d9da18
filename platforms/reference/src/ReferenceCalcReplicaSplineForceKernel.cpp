#include "ReferenceCalcReplicaSplineForceKernel.h"
#include "ReplicaBlockIO.h"
#include "openmm/internal/ContextImpl.h"
#include <algorithm>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

ReferenceCalcReplicaSplineForceKernel::ReferenceCalcReplicaSplineForceKernel(string name, const Platform& platform,
        ReferencePlatform::PlatformData& data) : CalcReplicaSplineForceKernel(name, platform), data(data), repeatedParticles(false) {
}

void ReferenceCalcReplicaSplineForceKernel::initialize(const System& system, const ReplicaSplineForce& force) {
    table.reset(new SplineTable(force.getNodes(), force.getLower(), force.getUpper(), force.getValues(),
                                force.getWallStiffness(), "ReplicaSplineForce"));
    particles.resize(force.getNumParticles());
    for (int i = 0; i < force.getNumParticles(); i++)
        particles[i] = force.getParticle(i);
    vector<int> sorted = particles;
    sort(sorted.begin(), sorted.end());
    repeatedParticles = (adjacent_find(sorted.begin(), sorted.end()) != sorted.end());
    blockEnergy.resize((particles.size()+ReplicaLaneForce::BlockSize-1)/ReplicaLaneForce::BlockSize);
}

void ReferenceCalcReplicaSplineForceKernel::forEachRange(int numBlocks, const function<void (int, int, int)>& function) {
    function(0, numBlocks, 0);
}

double ReferenceCalcReplicaSplineForceKernel::execute(ContextImpl& context, bool includeForces, bool includeEnergy) {
    if (!includeForces && !includeEnergy)
        return 0.0;
    int numSlots = getNumSlots();
    if ((int) evaluators.size() < numSlots)
        evaluators.resize(numSlots);
    vector<Vec3>& positions = *data.positions;
    vector<Vec3>& forces = *data.forces;
    auto work = [&](int first, int end, int slot) {
        unique_ptr<SplineLaneForce>& lanes = evaluators[slot];
        if (!lanes)
            lanes.reset(new SplineLaneForce(*table));
        for (int block = first; block < end; block++)
            evaluateBlock(block, *lanes, includeForces, positions, forces);
    };
    int numBlocks = blockEnergy.size();
    if (repeatedParticles)
        work(0, numBlocks, 0); // two blocks could add to one particle's force
    else
        forEachRange(numBlocks, work);
    double energy = 0.0;
    if (includeEnergy)
        for (double e : blockEnergy)
            energy += e;
    return energy;
}

void ReferenceCalcReplicaSplineForceKernel::evaluateBlock(int block, SplineLaneForce& lanes, bool includeForces,
        vector<Vec3>& positions, vector<Vec3>& forces) {
    const int B = ReplicaLaneForce::BlockSize;
    int count = ReplicaBlockIO::load(particles, block, B, positions, lanes.positions(0), lanes.positions(1), lanes.positions(2));
    lanes.compute();
    blockEnergy[block] = ReplicaBlockIO::sum(lanes.energy(), count);
    if (includeForces)
        ReplicaBlockIO::subtractGradient(particles, block, B, count, lanes.derivative(0), lanes.derivative(1),
                                         lanes.derivative(2), forces);
}
