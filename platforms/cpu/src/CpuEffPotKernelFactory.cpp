#include "CpuCalcReplicaExpressionForceKernel.h"
#include "CpuCalcReplicaSplineForceKernel.h"
#include "CpuIntegrateDampedVerletStepKernel.h"
#include "openmm/KernelFactory.h"
#include "openmm/OpenMMException.h"
#include "openmm/cpu/CpuPlatform.h"
#include "openmm/internal/ContextImpl.h"
#include "internal/windowsExportEffPot.h"

using namespace EffPot;
using namespace OpenMM;

namespace EffPot {

/**
 * Creates the CPU platform's kernels of effpot.
 */
class CpuEffPotKernelFactory : public KernelFactory {
public:
    KernelImpl* createKernelImpl(std::string name, const Platform& platform, ContextImpl& context) const {
        ReferencePlatform::PlatformData& data = *static_cast<ReferencePlatform::PlatformData*>(context.getPlatformData());
        if (name == IntegrateDampedVerletStepKernel::Name())
            return new CpuIntegrateDampedVerletStepKernel(name, platform, data, CpuPlatform::getPlatformData(context).threads);
        if (name == CalcReplicaExpressionForceKernel::Name())
            return new CpuCalcReplicaExpressionForceKernel(name, platform, data, CpuPlatform::getPlatformData(context).threads);
        if (name == CalcReplicaSplineForceKernel::Name())
            return new CpuCalcReplicaSplineForceKernel(name, platform, data, CpuPlatform::getPlatformData(context).threads);
        throw OpenMMException("CpuEffPotKernelFactory: tried to create a kernel with an unknown name '"+name+"'");
    }
};

} // namespace EffPot

extern "C" OPENMM_EXPORT_EFFPOT void registerPlatforms() {
}

// Static, so that the exported entry points below cannot be interposed by the other plugin library's
// registerKernelFactories when both are linked into one program (the C++ tests).
static void registerFactories() {
    for (int i = 0; i < Platform::getNumPlatforms(); i++) {
        Platform& platform = Platform::getPlatform(i);
        if (platform.getName() == "CPU") {
            CpuEffPotKernelFactory* factory = new CpuEffPotKernelFactory();
            platform.registerKernelFactory(IntegrateDampedVerletStepKernel::Name(), factory);
            platform.registerKernelFactory(CalcReplicaExpressionForceKernel::Name(), factory);
            platform.registerKernelFactory(CalcReplicaSplineForceKernel::Name(), factory);
        }
    }
}

extern "C" OPENMM_EXPORT_EFFPOT void registerKernelFactories() {
    registerFactories();
}

extern "C" OPENMM_EXPORT_EFFPOT void registerEffPotCpuKernelFactories() {
    registerFactories();
}
