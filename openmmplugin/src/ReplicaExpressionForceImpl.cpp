#include "internal/ReplicaExpressionForceImpl.h"
#include "EffPotKernels.h"
#include "internal/ExpressionTape.h"
#include "openmm/OpenMMException.h"
#include "openmm/System.h"
#include "openmm/internal/ContextImpl.h"

using namespace EffPot;
using namespace OpenMM;
using namespace std;

void ReplicaExpressionForceImpl::initialize(ContextImpl& context) {
    const System& system = context.getSystem();
    vector<string> globalNames;
    for (int i = 0; i < owner.getNumGlobalParameters(); i++)
        globalNames.push_back(owner.getGlobalParameterName(i));
    ExpressionTape::validate(owner.getEnergyFunction(), globalNames, "ReplicaExpressionForce");
    for (int i = 0; i < owner.getNumParticles(); i++)
        if (owner.getParticle(i) >= system.getNumParticles())
            throw OpenMMException("ReplicaExpressionForce: entry "+to_string(i)+" is particle "+to_string(owner.getParticle(i))+
                                  ", but the System has "+to_string(system.getNumParticles())+" particles: add the "
                                  "particles to the System first, or fix the index");
    kernel = context.getPlatform().createKernel(CalcReplicaExpressionForceKernel::Name(), context);
    kernel.getAs<CalcReplicaExpressionForceKernel>().initialize(system, owner);
}

double ReplicaExpressionForceImpl::calcForcesAndEnergy(ContextImpl& context, bool includeForces, bool includeEnergy, int groups) {
    if ((groups&(1<<owner.getForceGroup())) == 0)
        return 0.0;
    return kernel.getAs<CalcReplicaExpressionForceKernel>().execute(context, includeForces, includeEnergy);
}

map<string, double> ReplicaExpressionForceImpl::getDefaultParameters() {
    map<string, double> parameters;
    for (int i = 0; i < owner.getNumGlobalParameters(); i++)
        parameters[owner.getGlobalParameterName(i)] = owner.getGlobalParameterDefaultValue(i);
    return parameters;
}

vector<string> ReplicaExpressionForceImpl::getKernelNames() {
    return {CalcReplicaExpressionForceKernel::Name()};
}
