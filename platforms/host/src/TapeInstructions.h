#ifndef EFFPOT_TAPE_INSTRUCTIONS_H_
#define EFFPOT_TAPE_INSTRUCTIONS_H_

// The instruction loops of TapeEvaluator, included by one translation unit per instruction set. `Math` supplies
// sin, cos, exp, log and pow over BlockSize lanes (vector math library calls or scalar loops).

#include "TapeEvaluator.h"
#include <cmath>
#include <cstdlib>

namespace EffPot {
namespace TapeInstructions {
// Internal linkage: every instruction-set translation unit must keep its own copy (see ReplicaLanes.h).
namespace {

const int B = TapeEvaluator::BlockSize;

// Lane loops: `omp simd` (with -fopenmp-simd) tells the compiler that a result may share its register with an
// argument only lane for lane, so it vectorizes without alias checks.
#define EFFPOT_LANES _Pragma("omp simd") for (int i = 0; i < B; i++)

template <class Function>
inline void scalarLoop(const double* a, double* d, Function f) {
    for (int i = 0; i < B; i++)
        d[i] = f(a[i]);
}

template <class Math>
void run(const ExpressionTape::Instruction* instructions, int count, double* registers) {
    for (int k = 0; k < count; k++) {
        const ExpressionTape::Instruction& in = instructions[k];
        double* d = registers+in.dest*B;
        const double* a = registers+in.args[0]*B;
        const double* b = (in.args[1] >= 0 ? registers+in.args[1]*B : a);
        const double* c = (in.args[2] >= 0 ? registers+in.args[2]*B : a);
        const double value = in.value;
        switch (in.op) {
            case ExpressionTape::Add: EFFPOT_LANES d[i] = a[i]+b[i]; break;
            case ExpressionTape::Subtract: EFFPOT_LANES d[i] = a[i]-b[i]; break;
            case ExpressionTape::Multiply: EFFPOT_LANES d[i] = a[i]*b[i]; break;
            case ExpressionTape::Divide: EFFPOT_LANES d[i] = a[i]/b[i]; break;
            case ExpressionTape::Power: Math::pow(a, b, d); break;
            case ExpressionTape::Atan2: for (int i = 0; i < B; i++) d[i] = std::atan2(a[i], b[i]); break;
            // std::min and std::max as Lepton calls them (argument order matters for NaN and signed zeros).
            case ExpressionTape::Min: EFFPOT_LANES d[i] = (b[i] < a[i] ? b[i] : a[i]); break;
            case ExpressionTape::Max: EFFPOT_LANES d[i] = (a[i] < b[i] ? b[i] : a[i]); break;
            case ExpressionTape::Select: EFFPOT_LANES d[i] = (a[i] != 0.0 ? b[i] : c[i]); break;
            case ExpressionTape::Negate: EFFPOT_LANES d[i] = -a[i]; break;
            case ExpressionTape::Sqrt: EFFPOT_LANES d[i] = std::sqrt(a[i]); break;
            case ExpressionTape::Exp: Math::exp(a, d); break;
            case ExpressionTape::Log: Math::log(a, d); break;
            case ExpressionTape::Sin: Math::sin(a, d); break;
            case ExpressionTape::Cos: Math::cos(a, d); break;
            case ExpressionTape::Sec: Math::cos(a, d); EFFPOT_LANES d[i] = 1.0/d[i]; break;
            case ExpressionTape::Csc: Math::sin(a, d); EFFPOT_LANES d[i] = 1.0/d[i]; break;
            case ExpressionTape::Tan: scalarLoop(a, d, [](double x) { return std::tan(x); }); break;
            case ExpressionTape::Cot: scalarLoop(a, d, [](double x) { return 1.0/std::tan(x); }); break;
            case ExpressionTape::Asin: scalarLoop(a, d, [](double x) { return std::asin(x); }); break;
            case ExpressionTape::Acos: scalarLoop(a, d, [](double x) { return std::acos(x); }); break;
            case ExpressionTape::Atan: scalarLoop(a, d, [](double x) { return std::atan(x); }); break;
            case ExpressionTape::Sinh: scalarLoop(a, d, [](double x) { return std::sinh(x); }); break;
            case ExpressionTape::Cosh: scalarLoop(a, d, [](double x) { return std::cosh(x); }); break;
            case ExpressionTape::Tanh: scalarLoop(a, d, [](double x) { return std::tanh(x); }); break;
            case ExpressionTape::Erf: scalarLoop(a, d, [](double x) { return std::erf(x); }); break;
            case ExpressionTape::Erfc: scalarLoop(a, d, [](double x) { return std::erfc(x); }); break;
            case ExpressionTape::Step: EFFPOT_LANES d[i] = (a[i] >= 0.0 ? 1.0 : 0.0); break;
            case ExpressionTape::Delta: EFFPOT_LANES d[i] = (a[i] == 0.0 ? 1.0 : 0.0); break;
            case ExpressionTape::Square: EFFPOT_LANES d[i] = a[i]*a[i]; break;
            case ExpressionTape::Cube: EFFPOT_LANES d[i] = a[i]*a[i]*a[i]; break;
            case ExpressionTape::Reciprocal: EFFPOT_LANES d[i] = 1.0/a[i]; break;
            case ExpressionTape::Abs: EFFPOT_LANES d[i] = std::fabs(a[i]); break;
            case ExpressionTape::Floor: scalarLoop(a, d, [](double x) { return std::floor(x); }); break;
            case ExpressionTape::Ceil: scalarLoop(a, d, [](double x) { return std::ceil(x); }); break;
            case ExpressionTape::AddConstant: EFFPOT_LANES d[i] = a[i]+value; break;
            case ExpressionTape::MultiplyConstant: EFFPOT_LANES d[i] = a[i]*value; break;
            case ExpressionTape::PowerConstant: {
                alignas(64) double exponent[B];
                EFFPOT_LANES exponent[i] = value;
                Math::pow(a, exponent, d);
                break;
            }
            case ExpressionTape::PowerInteger: {
                // Lepton's repeated squaring, in the same order, so that results match it bit for bit.
                alignas(64) double base[B], result[B];
                int e = std::abs(in.exponent);
                if (in.exponent < 0) {
                    EFFPOT_LANES base[i] = 1.0/a[i];
                }
                else {
                    EFFPOT_LANES base[i] = a[i];
                }
                EFFPOT_LANES result[i] = 1.0;
                while (e != 0) {
                    if ((e&1) == 1) {
                        EFFPOT_LANES result[i] *= base[i];
                    }
                    EFFPOT_LANES base[i] *= base[i];
                    e >>= 1;
                }
                EFFPOT_LANES d[i] = result[i];
                break;
            }
        }
    }
}

#undef EFFPOT_LANES

/** The transcendental functions one lane at a time (machines or C libraries without a vector math library). */
struct ScalarMath {
    static void sin(const double* a, double* d) { for (int i = 0; i < B; i++) d[i] = std::sin(a[i]); }
    static void cos(const double* a, double* d) { for (int i = 0; i < B; i++) d[i] = std::cos(a[i]); }
    static void exp(const double* a, double* d) { for (int i = 0; i < B; i++) d[i] = std::exp(a[i]); }
    static void log(const double* a, double* d) { for (int i = 0; i < B; i++) d[i] = std::log(a[i]); }
    static void pow(const double* a, const double* b, double* d) { for (int i = 0; i < B; i++) d[i] = std::pow(a[i], b[i]); }
};

} // namespace
} // namespace TapeInstructions
} // namespace EffPot

#endif /*EFFPOT_TAPE_INSTRUCTIONS_H_*/
