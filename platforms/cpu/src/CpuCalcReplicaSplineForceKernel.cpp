#include "CpuCalcReplicaSplineForceKernel.h"
#include "CpuThreadSplit.h"

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
    splitOverThreads(threads, numBlocks, ParallelThreshold, function);
}
