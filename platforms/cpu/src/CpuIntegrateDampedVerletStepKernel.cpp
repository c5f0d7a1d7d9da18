#include "CpuIntegrateDampedVerletStepKernel.h"

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
    int numThreads = threads.getNumThreads();
    if (numUnits < threshold || numThreads < 2) {
        function(0, numUnits, 0);
        return;
    }
    // Static contiguous ranges: the units are of similar cost (replicas share their block size).
    threads.execute([&](ThreadPool& pool, int thread) {
        long long first = (long long) numUnits*thread/numThreads, end = (long long) numUnits*(thread+1)/numThreads;
        function((int) first, (int) end, thread);
    });
    threads.waitForThreads();
}
