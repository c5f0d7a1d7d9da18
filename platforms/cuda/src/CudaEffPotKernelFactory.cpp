#include "CommonCalcReplicaExpressionForceKernel.h"
#include "CommonCalcReplicaSplineForceKernel.h"
#include "CommonIntegrateDampedVerletStepKernel.h"
#include "openmm/KernelFactory.h"
#include "openmm/OpenMMException.h"
#include "openmm/internal/ContextImpl.h"
#include "openmm/cuda/CudaContext.h"
#include "openmm/cuda/CudaPlatform.h"
#include "internal/windowsExportEffPot.h"

using namespace EffPot;
using namespace OpenMM;

namespace EffPot {

/**
 * Creates the CUDA platform's kernels of effpot (the common GPU kernels on a CudaContext).
 */
class CudaEffPotKernelFactory : public KernelFactory {
public:
    KernelImpl* createKernelImpl(std::string name, const Platform& platform, ContextImpl& context) const {
        CudaContext& cu = *static_cast<CudaPlatform::PlatformData*>(context.getPlatformData())->contexts[0];
        if (name == IntegrateDampedVerletStepKernel::Name())
            return new CommonIntegrateDampedVerletStepKernel(name, platform, cu);
        if (name == CalcReplicaExpressionForceKernel::Name())
            return new CommonCalcReplicaExpressionForceKernel(name, platform, cu);
        if (name == CalcReplicaSplineForceKernel::Name())
            return new CommonCalcReplicaSplineForceKernel(name, platform, cu);
        throw OpenMMException("CudaEffPotKernelFactory: tried to create a kernel with an unknown name '"+name+"'");
    }
};

} // namespace EffPot

extern "C" OPENMM_EXPORT_EFFPOT void registerPlatforms() {
}

// Static, so that the exported entry points below cannot be interposed by another plugin library's
// registerKernelFactories when several are linked into one program (the C++ tests).
static void registerFactories() {
    for (int i = 0; i < Platform::getNumPlatforms(); i++) {
        Platform& platform = Platform::getPlatform(i);
        if (platform.getName() == "CUDA") {
            KernelFactory* factory = new CudaEffPotKernelFactory();
            platform.registerKernelFactory(IntegrateDampedVerletStepKernel::Name(), factory);
            platform.registerKernelFactory(CalcReplicaExpressionForceKernel::Name(), factory);
            platform.registerKernelFactory(CalcReplicaSplineForceKernel::Name(), factory);
        }
    }
}

extern "C" OPENMM_EXPORT_EFFPOT void registerKernelFactories() {
    registerFactories();
}

extern "C" OPENMM_EXPORT_EFFPOT void registerEffPotCudaKernelFactories() {
    registerFactories();
}
