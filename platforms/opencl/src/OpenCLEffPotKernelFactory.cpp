#include "CommonCalcReplicaExpressionForceKernel.h"
#include "CommonCalcReplicaSplineForceKernel.h"
#include "CommonIntegrateDampedVerletStepKernel.h"
#include "openmm/KernelFactory.h"
#include "openmm/OpenMMException.h"
#include "openmm/internal/ContextImpl.h"
#include "openmm/opencl/OpenCLContext.h"
#include "openmm/opencl/OpenCLPlatform.h"
#include "internal/windowsExportEffPot.h"

using namespace EffPot;
using namespace OpenMM;

namespace EffPot {

/**
 * Creates the OpenCL platform's kernels of effpot (the common GPU kernels on an OpenCLContext).
 */
class OpenCLEffPotKernelFactory : public KernelFactory {
public:
    KernelImpl* createKernelImpl(std::string name, const Platform& platform, ContextImpl& context) const {
        OpenCLContext& cl = *static_cast<OpenCLPlatform::PlatformData*>(context.getPlatformData())->contexts[0];
        if (name == IntegrateDampedVerletStepKernel::Name())
            return new CommonIntegrateDampedVerletStepKernel(name, platform, cl);
        if (name == CalcReplicaExpressionForceKernel::Name())
            return new CommonCalcReplicaExpressionForceKernel(name, platform, cl);
        if (name == CalcReplicaSplineForceKernel::Name())
            return new CommonCalcReplicaSplineForceKernel(name, platform, cl);
        throw OpenMMException("OpenCLEffPotKernelFactory: tried to create a kernel with an unknown name '"+name+"'");
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
        if (platform.getName() == "OpenCL") {
            KernelFactory* factory = new OpenCLEffPotKernelFactory();
            platform.registerKernelFactory(IntegrateDampedVerletStepKernel::Name(), factory);
            platform.registerKernelFactory(CalcReplicaExpressionForceKernel::Name(), factory);
            platform.registerKernelFactory(CalcReplicaSplineForceKernel::Name(), factory);
        }
    }
}

extern "C" OPENMM_EXPORT_EFFPOT void registerKernelFactories() {
    registerFactories();
}

extern "C" OPENMM_EXPORT_EFFPOT void registerEffPotOpenCLKernelFactories() {
    registerFactories();
}
