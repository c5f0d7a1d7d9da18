#include "CpuCalcReplicaSplineForceKernel.h"

using namespace EffPot;
using namespace OpenMM;
using namespace std;

CpuCalcReplicaSplineForceKernel::CpuCalcReplicaSplineForceKernel(string name, const Platform& platform,
        ReferencePlatform::PlatformData& data, ThreadPool& threads) : ReferenceCalcReplicaSplineForceKernel(name, platform, data),
        threads(threads) {
}

int CpuCalcReplicaSplineForceKernel::getNumSlots() const {
    return threads.getNumThreads();
}

void CpuCalcReplicaSplineForceKernel::forEachRange(int numBlocks, const function<void (int, int, int)>& function) {
    int numThreads = threads.getNumThreads();
    if (numBlocks < ParallelThreshold || numThreads < 2) {
        function(0, numBlocks, 0);
        return;
    }
    threads.execute([&](ThreadPool& pool, int thread) {
        long long first = (long long) numBlocks*thread/numThreads, end = (long long) numBlocks*(thread+1)/numThreads;
        function((int) first, (int) end, thread);
    });
    threads.waitForThreads();
}
