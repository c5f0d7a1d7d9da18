#include "TapeEvaluator.h"
#include "ReplicaLaneKernels.h"
#include <cstdint>

using namespace EffPot;
using namespace std;

namespace EffPot {
void runTapeBaseline(const ExpressionTape::Instruction* instructions, int count, double* registers);
const ReplicaLaneKernels& replicaLaneKernelsBaseline();
#if defined(EFFPOT_HAVE_LIBMVEC) && defined(__x86_64__)
void runTapeAvx2(const ExpressionTape::Instruction* instructions, int count, double* registers);
const ReplicaLaneKernels& replicaLaneKernelsAvx2();
#endif
}

bool TapeEvaluator::usesAvx2() {
#if defined(EFFPOT_HAVE_LIBMVEC) && defined(__x86_64__) && defined(__GNUC__)
    static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return available;
#else
    return false;
#endif
}

TapeEvaluator::TapeEvaluator(const ExpressionTape& tape) : instructions(tape.getInstructions()) {
    // Over-allocate by 64 bytes and start at the first 64-byte boundary: the lane loops use aligned loads.
    registers.assign(tape.getNumRegisters()*BlockSize+8, 0.0);
    alignment = (int) (((64-((uintptr_t) registers.data())%64)%64)/sizeof(double));
    for (const auto& constant : tape.getConstants()) {
        double* lane = lanes(constant.first);
        for (int i = 0; i < BlockSize; i++)
            lane[i] = constant.second;
    }
    runFunction = runTapeBaseline;
#if defined(EFFPOT_HAVE_LIBMVEC) && defined(__x86_64__)
    if (usesAvx2())
        runFunction = runTapeAvx2;
#endif
}

void TapeEvaluator::setGlobals(const vector<double>& values) {
    for (int g = 0; g < (int) values.size(); g++) {
        double* lane = lanes(ExpressionTape::NumCoordinates+g);
        for (int i = 0; i < BlockSize; i++)
            lane[i] = values[g];
    }
}

const ReplicaLaneKernels& ReplicaLaneKernels::get() {
#if defined(EFFPOT_HAVE_LIBMVEC) && defined(__x86_64__)
    if (TapeEvaluator::usesAvx2())
        return replicaLaneKernelsAvx2();
#endif
    return replicaLaneKernelsBaseline();
}
