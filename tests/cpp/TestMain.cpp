#include "openmm/Platform.h"
#include <gtest/gtest.h>

extern "C" void registerEffPotReferenceKernelFactories();
#ifdef EFFPOT_HAVE_CPU
extern "C" void registerEffPotCpuKernelFactories();
#endif
#ifdef EFFPOT_HAVE_OPENCL
extern "C" void registerEffPotOpenCLKernelFactories();
#endif

// OpenMM's own plugins (the CPU and OpenCL platforms) come from the wheel's plugin folder; effpot's kernels are linked in.
int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    OpenMM::Platform::loadPluginsFromDirectory(OPENMM_PLUGIN_DIR);
    registerEffPotReferenceKernelFactories();
#ifdef EFFPOT_HAVE_CPU
    registerEffPotCpuKernelFactories();
#endif
#ifdef EFFPOT_HAVE_OPENCL
    registerEffPotOpenCLKernelFactories();
#endif
    return RUN_ALL_TESTS();
}
