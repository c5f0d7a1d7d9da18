#ifndef EFFPOT_CPU_THREAD_SPLIT_H_
#define EFFPOT_CPU_THREAD_SPLIT_H_

#include "openmm/internal/ThreadPool.h"
#include <functional>

namespace EffPot {

/**
 * Run function(first, end, slot) over [0, numUnits) on OpenMM's thread pool in static contiguous ranges, one per
 * thread (slot = the thread), or as one call on this thread (slot 0) below `threshold` units or with one thread,
 * where a pool round trip would cost more than the work it shares. The units must cost about the same (replica
 * blocks do). Shared by the CPU platform's kernels.
 */
inline void splitOverThreads(OpenMM::ThreadPool& threads, int numUnits, int threshold,
                             const std::function<void (int first, int end, int slot)>& function) {
    int numThreads = threads.getNumThreads();
    if (numUnits < threshold || numThreads < 2) {
        function(0, numUnits, 0);
        return;
    }
    threads.execute([&](OpenMM::ThreadPool& pool, int thread) {
        long long first = (long long) numUnits*thread/numThreads, end = (long long) numUnits*(thread+1)/numThreads;
        function((int) first, (int) end, thread);
    });
    threads.waitForThreads();
}

} // namespace EffPot

#endif /*EFFPOT_CPU_THREAD_SPLIT_H_*/
