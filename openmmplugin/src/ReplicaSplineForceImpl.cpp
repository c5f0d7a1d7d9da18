#include "internal/ReplicaSplineForceImpl.h"
#include "EffPotKernels.h"
#include "openmm/OpenMMException.h"
#include "openmm/System.h"
#include "openmm/internal/ContextImpl.h"

using namespace EffPot;
using namespace OpenMM;
using namespace std;

void ReplicaSplineForceImpl::initialize(ContextImpl& context) {
    const System& system = context.getSystem();
    for (int i = 0; i < owner.getNumParticles(); i++)
        if (owner.getParticle(i) >= system.getNumParticles())
            throw OpenMMException("ReplicaSplineForce: entry "+to_string(i)+" is particle "+to_string(owner.getParticle(i))+
                                  ", but the System has "+to_string(system.getNumParticles())+" particles: add the "
                                  "particles to the System first, or fix the index");
    kernel = context.getPlatform().createKernel(CalcReplicaSplineForceKernel::Name(), context);
    kernel.getAs<CalcReplicaSplineForceKernel>().initialize(system, owner);
}

double ReplicaSplineForceImpl::calcForcesAndEnergy(ContextImpl& context, bool includeForces, bool includeEnergy, int groups) {
    if ((groups&(1<<owner.getForceGroup())) == 0)
        return 0.0;
    return kernel.getAs<CalcReplicaSplineForceKernel>().execute(context, includeForces, includeEnergy);
}

vector<string> ReplicaSplineForceImpl::getKernelNames() {
    return {CalcReplicaSplineForceKernel::Name()};
}
