#ifndef EFFPOT_TAPE_EVALUATOR_H_
#define EFFPOT_TAPE_EVALUATOR_H_

#include "internal/ExpressionTape.h"
#include "internal/windowsExportEffPot.h"
#include <vector>

namespace EffPot {

/**
 * Runs an ExpressionTape on one block of BlockSize particles at a time: every register is an array of BlockSize
 * doubles (structure of arrays), every instruction a loop over those lanes that the compiler turns into SIMD code,
 * with sin, cos, exp, log and pow from glibc's vector math library (libmvec, within a few ulp of the scalar
 * functions) where it is available. The instruction loops are compiled twice, for baseline x86-64 and for AVX2 with
 * FMA, and the constructor picks the AVX2 version when the processor has it (runtime dispatch, so the plugin does
 * not depend on the build machine's instruction set).
 *
 * One evaluator per thread: it owns its registers.
 */
class OPENMM_EXPORT_EFFPOT TapeEvaluator {
public:
    /** Particles per block: long enough to amortize decoding an instruction, short enough to stay in L1. */
    static const int BlockSize = 64;
    typedef void (*RunFunction)(const ExpressionTape::Instruction* instructions, int count, double* registers);

    explicit TapeEvaluator(const ExpressionTape& tape);
    /** The BlockSize lanes of a register (64-byte aligned). */
    double* lanes(int reg) {
        return &registers[alignment+reg*BlockSize];
    }
    /** Set the global parameters' registers (in the tape's order). */
    void setGlobals(const std::vector<double>& values);
    /** Run the tape on the current contents of the input registers. */
    void run() {
        runFunction(instructions.data(), instructions.size(), lanes(0));
    }
    /** Whether the vectorized AVX2 path is in use (for tests and benchmarks). */
    static bool usesAvx2();
private:
    std::vector<ExpressionTape::Instruction> instructions;
    std::vector<double> registers;
    int alignment;
    RunFunction runFunction;
};

} // namespace EffPot

#endif /*EFFPOT_TAPE_EVALUATOR_H_*/
