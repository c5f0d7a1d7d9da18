#include "CpuCalcReplicaExpressionForceKernel.h"
#include "CpuThreadSplit.h"

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
    splitOverThreads(threads, numBlocks, ParallelThreshold, function);
}
