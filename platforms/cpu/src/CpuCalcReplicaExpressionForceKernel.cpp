#include "CpuCalcReplicaExpressionForceKernel.h"

using namespace EffPot;
using namespace OpenMM;
using namespace std;

CpuCalcReplicaExpressionForceKernel::CpuCalcReplicaExpressionForceKernel(string name, const Platform& platform,
        ReferencePlatform::PlatformData& data, ThreadPool& threads) : ReferenceCalcReplicaExpressionForceKernel(name, platform, data),
        threads(threads) {
}

int CpuCalcReplicaExpressionForceKernel::getNumSlots() const {
    return threads.getNumThreads();
}

void CpuCalcReplicaExpressionForceKernel::forEachRange(int numBlocks, const function<void (int, int, int)>& function) {
    int numThreads = threads.getNumThreads();
    if (numBlocks < ParallelThreshold || numThreads < 2) {
        function(0, numBlocks, 0);
        return;
    }
    // Static contiguous ranges: every block costs the same.
    threads.execute([&](ThreadPool& pool, int thread) {
        long long first = (long long) numBlocks*thread/numThreads, end = (long long) numBlocks*(thread+1)/numThreads;
        function((int) first, (int) end, thread);
    });
    threads.waitForThreads();
}
