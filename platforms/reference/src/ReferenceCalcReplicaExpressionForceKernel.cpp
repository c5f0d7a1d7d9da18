#include "ReferenceCalcReplicaExpressionForceKernel.h"
#include "ReplicaBlockIO.h"
#include "openmm/internal/ContextImpl.h"

using namespace EffPot;
using namespace OpenMM;
using namespace std;

ReferenceCalcReplicaExpressionForceKernel::ReferenceCalcReplicaExpressionForceKernel(string name, const Platform& platform,
        ReferencePlatform::PlatformData& data) : CalcReplicaExpressionForceKernel(name, platform), data(data) {
}

void ReferenceCalcReplicaExpressionForceKernel::initialize(const System& system, const ReplicaExpressionForce& force) {
    blocks.initialize(force, TapeEvaluator::BlockSize);
    for (int i = 0; i < force.getNumGlobalParameters(); i++)
        globalNames.push_back(force.getGlobalParameterName(i));
    globalValues.resize(globalNames.size());
    const ExpressionTape::Outputs outputs[3] = {ExpressionTape::EnergyOnly, ExpressionTape::ForcesOnly, ExpressionTape::EnergyAndForces};
    for (int i = 0; i < 3; i++)
        tapes[i].reset(new ExpressionTape(force.getEnergyFunction(), globalNames, outputs[i], "ReplicaExpressionForce"));
}

void ReferenceCalcReplicaExpressionForceKernel::forEachRange(int numBlocks, const function<void (int, int, int)>& function) {
    function(0, numBlocks, 0);
}

double ReferenceCalcReplicaExpressionForceKernel::execute(ContextImpl& context, bool includeForces, bool includeEnergy) {
    if (!includeForces && !includeEnergy)
        return 0.0;
    int kind = (includeEnergy ? 1 : 0)+(includeForces ? 2 : 0)-1;
    const ExpressionTape& tape = *tapes[kind];
    int numSlots = getNumSlots();
    if ((int) evaluators.size() < 3*numSlots)
        evaluators.resize(3*numSlots);
    for (int g = 0; g < (int) globalNames.size(); g++)
        globalValues[g] = context.getParameter(globalNames[g]);
    vector<Vec3>& positions = *data.positions;
    vector<Vec3>& forces = *data.forces;
    auto work = [&](int first, int end, int slot) {
        unique_ptr<TapeEvaluator>& evaluator = evaluators[3*slot+kind];
        if (!evaluator)
            evaluator.reset(new TapeEvaluator(tape));
        evaluator->setGlobals(globalValues);
        for (int block = first; block < end; block++)
            evaluateBlock(block, tape, *evaluator, includeForces, positions, forces);
    };
    auto split = [&](int numBlocks, const ReplicaBlocks::RangeFunction& function) { forEachRange(numBlocks, function); };
    return blocks.run(includeEnergy, split, work);
}

void ReferenceCalcReplicaExpressionForceKernel::evaluateBlock(int block, const ExpressionTape& tape, TapeEvaluator& evaluator,
        bool includeForces, vector<Vec3>& positions, vector<Vec3>& forces) {
    const int B = TapeEvaluator::BlockSize;
    const vector<int>& particles = blocks.getParticles();
    int count = ReplicaBlockIO::load(particles, block, B, positions, evaluator.lanes(0), evaluator.lanes(1), evaluator.lanes(2));
    evaluator.run();
    if (tape.getEnergyRegister() >= 0)
        blocks.setEnergy(block, evaluator.lanes(tape.getEnergyRegister()), count);
    if (includeForces)
        ReplicaBlockIO::subtractGradient(particles, block, B, count, evaluator.lanes(tape.getDerivativeRegister(0)),
                                         evaluator.lanes(tape.getDerivativeRegister(1)),
                                         evaluator.lanes(tape.getDerivativeRegister(2)), forces);
}
