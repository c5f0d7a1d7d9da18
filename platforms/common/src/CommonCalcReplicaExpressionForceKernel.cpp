#include "CommonCalcReplicaExpressionForceKernel.h"
#include "CommonEffPotKernelSources.h"
#include "lepton/ParsedExpression.h"
#include "lepton/Parser.h"
#include "openmm/common/BondedUtilities.h"
#include "ReplicaForceInfo.h"
#include "openmm/common/ContextSelector.h"
#include "openmm/common/ExpressionUtilities.h"
#include <map>
#include <vector>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

void CommonCalcReplicaExpressionForceKernel::initialize(const System& system, const ReplicaExpressionForce& force) {
    ContextSelector selector(cc);
    // With several devices (CUDA), each takes a contiguous share of the particles.
    int numContexts = cc.getNumContexts();
    int start = cc.getContextIndex()*force.getNumParticles()/numContexts;
    int end = (cc.getContextIndex()+1)*force.getNumParticles()/numContexts;
    cc.addForce(new ReplicaForceInfo<ReplicaExpressionForce>(force, system.getNumParticles()));
    if (start == end)
        return;
    unwrapped.initialize(cc, system);
    vector<vector<int> > atoms(end-start, vector<int>(1));
    for (int i = start; i < end; i++)
        atoms[i-start][0] = force.getParticle(i);

    string globals;
    if (force.getNumGlobalParameters() > 0)
        globals = cc.getBondedUtilities().addArgument(cc.getGlobalParamValues(), "real");
    string source = createForceSource(cc, force, globals);
    cc.getBondedUtilities().addInteraction(atoms, unwrapped.bondedCode(cc)+source, force.getForceGroup());
}

string CommonCalcReplicaExpressionForceKernel::createForceSource(ComputeContext& cc, const ReplicaExpressionForce& force,
                                                                 const string& globals) {
    // The same expressions as the Reference and CPU kernels (and CustomExternalForce): optimize, then differentiate.
    Lepton::ParsedExpression energy = Lepton::Parser::parse(force.getEnergyFunction()).optimize();
    map<string, Lepton::ParsedExpression> expressions;
    expressions["energy += "] = energy;
    expressions["real dEdX = "] = energy.differentiate("x").optimize();
    expressions["real dEdY = "] = energy.differentiate("y").optimize();
    expressions["real dEdZ = "] = energy.differentiate("z").optimize();
    map<string, string> variables = {{"x", "pos1.x"}, {"y", "pos1.y"}, {"z", "pos1.z"}};
    if (force.getNumGlobalParameters() > 0) {
        for (int i = 0; i < force.getNumGlobalParameters(); i++) {
            int index = cc.registerGlobalParam(force.getGlobalParameterName(i));
            variables[force.getGlobalParameterName(i)] = globals+"["+cc.intToString(index)+"]";
        }
    }
    string compute = cc.getExpressionUtilities().createExpressions(expressions, variables, {}, {}, "temp");
    map<string, string> replacements = {{"COMPUTE_FORCE", compute}};
    return cc.replaceStrings(CommonEffPotKernelSources::replicaExpressionForce, replacements);
}
