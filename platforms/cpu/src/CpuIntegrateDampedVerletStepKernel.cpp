#include "CpuIntegrateDampedVerletStepKernel.h"
#include "CpuThreadSplit.h"

using namespace EffPot;
using namespace OpenMM;
using namespace std;

CpuIntegrateDampedVerletStepKernel::CpuIntegrateDampedVerletStepKernel(string name, const Platform& platform,
        ReferencePlatform::PlatformData& data, ThreadPool& threads) : ReferenceIntegrateDampedVerletStepKernel(name, platform, data),
        threads(threads) {
}

int CpuIntegrateDampedVerletStepKernel::getNumSlots() const {
    return threads.getNumThreads();
}

void CpuIntegrateDampedVerletStepKernel::forEachRange(int numUnits, const function<void (int, int, int)>& function) {
    split(numUnits, ParallelThreshold, function);
}

void CpuIntegrateDampedVerletStepKernel::forEachBlockRange(int numBlocks, int numSteps, const function<void (int, int, int)>& function) {
    if ((long long) numBlocks*numSteps < FusedParallelThreshold || numBlocks < 2)
        function(0, numBlocks, 0);
    else
        split(numBlocks, 0, function);
}

void CpuIntegrateDampedVerletStepKernel::split(int numUnits, int threshold, const function<void (int, int, int)>& function) {
    // Static contiguous ranges: the units are of similar cost (replicas share their block size).
    splitOverThreads(threads, numUnits, threshold, function);
}
