#include "ReferenceCalcReplicaSplineForceKernel.h"
#include "ReplicaBlockIO.h"
#include "openmm/internal/ContextImpl.h"

using namespace EffPot;
using namespace OpenMM;
using namespace std;

ReferenceCalcReplicaSplineForceKernel::ReferenceCalcReplicaSplineForceKernel(string name, const Platform& platform,
        ReferencePlatform::PlatformData& data) : CalcReplicaSplineForceKernel(name, platform), data(data) {
}

void ReferenceCalcReplicaSplineForceKernel::initialize(const System& system, const ReplicaSplineForce& force) {
    table.reset(new SplineTable(force.getNodes(), force.getLower(), force.getUpper(), force.getValues(),
                                force.getWallStiffness(), "ReplicaSplineForce"));
    blocks.initialize(force, ReplicaLaneForce::BlockSize);
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
    auto split = [&](int numBlocks, const ReplicaBlocks::RangeFunction& function) { forEachRange(numBlocks, function); };
    return blocks.run(includeEnergy, split, work);
}

void ReferenceCalcReplicaSplineForceKernel::evaluateBlock(int block, SplineLaneForce& lanes, bool includeForces,
        vector<Vec3>& positions, vector<Vec3>& forces) {
    const int B = ReplicaLaneForce::BlockSize;
    const vector<int>& particles = blocks.getParticles();
    int count = ReplicaBlockIO::load(particles, block, B, positions, lanes.positions(0), lanes.positions(1), lanes.positions(2));
    lanes.compute();
    blocks.setEnergy(block, lanes.energy(), count);
    if (includeForces)
        ReplicaBlockIO::subtractGradient(particles, block, B, count, lanes.derivative(0), lanes.derivative(1),
                                         lanes.derivative(2), forces);
}
