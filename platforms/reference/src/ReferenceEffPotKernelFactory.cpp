#include "ReferenceEffPotKernelFactory.h"
#include "ReferenceCalcReplicaExpressionForceKernel.h"
#include "ReferenceCalcReplicaSplineForceKernel.h"
#include "ReferenceIntegrateDampedVerletStepKernel.h"
#include "openmm/OpenMMException.h"
#include "openmm/internal/ContextImpl.h"
#include "internal/windowsExportEffPot.h"

using namespace EffPot;
using namespace OpenMM;

extern "C" OPENMM_EXPORT_EFFPOT void registerPlatforms() {
}

// Static, so that the exported entry points below cannot be interposed by the other plugin library's
// registerKernelFactories when both are linked into one program (the C++ tests).
static void registerFactories() {
    // Register on Reference, and on CPU only if nothing else did: libEffPotCPU registers there unconditionally,
    // whichever of the two plugin libraries is loaded first.
    for (int i = 0; i < Platform::getNumPlatforms(); i++) {
        Platform& platform = Platform::getPlatform(i);
        bool reference = (platform.getName() == "Reference");
        bool isCpu = (platform.getName() == "CPU");
        for (const std::string& name : {IntegrateDampedVerletStepKernel::Name(), CalcReplicaExpressionForceKernel::Name(),
                                        CalcReplicaSplineForceKernel::Name()})
            if (reference || (isCpu && !platform.supportsKernels({name})))
                platform.registerKernelFactory(name, new ReferenceEffPotKernelFactory());
    }
}

extern "C" OPENMM_EXPORT_EFFPOT void registerKernelFactories() {
    registerFactories();
}

extern "C" OPENMM_EXPORT_EFFPOT void registerEffPotReferenceKernelFactories() {
    registerFactories();
}

KernelImpl* ReferenceEffPotKernelFactory::createKernelImpl(std::string name, const Platform& platform, ContextImpl& context) const {
    ReferencePlatform::PlatformData& data = *static_cast<ReferencePlatform::PlatformData*>(context.getPlatformData());
    if (name == IntegrateDampedVerletStepKernel::Name())
        return new ReferenceIntegrateDampedVerletStepKernel(name, platform, data);
    if (name == CalcReplicaExpressionForceKernel::Name())
        return new ReferenceCalcReplicaExpressionForceKernel(name, platform, data);
    if (name == CalcReplicaSplineForceKernel::Name())
        return new ReferenceCalcReplicaSplineForceKernel(name, platform, data);
    throw OpenMMException("ReferenceEffPotKernelFactory: tried to create a kernel with an unknown name '"+name+"'");
}
