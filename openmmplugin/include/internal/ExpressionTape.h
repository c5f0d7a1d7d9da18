#ifndef EFFPOT_EXPRESSION_TAPE_H_
#define EFFPOT_EXPRESSION_TAPE_H_

#include "windowsExportEffPot.h"
#include <string>
#include <utility>
#include <vector>

namespace EffPot {

/**
 * A flat program ("tape") that computes a per-particle energy expression of x, y, z (and global parameters) and,
 * optionally, its analytic derivatives, as a list of instructions on numbered registers. Each register stands for
 * a whole block of particles (structure of arrays), so an evaluator runs every instruction on SIMD lanes.
 *
 * Why not Lepton's CompiledExpression / CompiledVectorExpression: their object layout depends on whether OpenMM was
 * built with its JIT (LEPTON_USE_JIT), so a plugin must not construct them, and the vector one is single precision.
 * The tape is built from Lepton's ParsedExpression trees (the same optimize() and differentiate() as
 * CustomExternalForce uses, so the formulas are identical), with common subexpressions of the energy and its three
 * derivatives shared (sin(x/e) and cos(x/e) share x/e) and registers reused once their value is dead.
 *
 * Register layout: 0, 1, 2 are x, y, z; then one per global parameter (in the order given); then the constants
 * (filled once by the evaluator); then temporaries.
 */
class OPENMM_EXPORT_EFFPOT ExpressionTape {
public:
    enum Opcode {
        Add, Subtract, Multiply, Divide, Power, Atan2, Min, Max, // two arguments
        Select,                                                  // three arguments: args[0] != 0 ? args[1] : args[2]
        Negate, Sqrt, Exp, Log, Sin, Cos, Sec, Csc, Tan, Cot, Asin, Acos, Atan, Sinh, Cosh, Tanh, Erf, Erfc,
        Step, Delta, Square, Cube, Reciprocal, Abs, Floor, Ceil, // one argument
        AddConstant, MultiplyConstant, PowerConstant,            // one argument and `value`
        PowerInteger                                             // one argument, exponent `exponent` (Lepton's order)
    };
    struct Instruction {
        Opcode op;
        int dest;
        int args[3];
        double value;
        int exponent;
    };
    /** Which results a tape computes. */
    enum Outputs {
        EnergyOnly = 1, ForcesOnly = 2, EnergyAndForces = 3
    };
    static const int NumCoordinates = 3;

    /**
     * Compile an energy expression.
     *
     * @param energy       the energy, an OpenMM expression of x, y, z and the global parameters
     * @param globalNames  the names of the global parameters, in register order
     * @param outputs      which of energy and derivatives to compute
     * @param owner        the name used in error messages (the class or method the user called)
     * @throws OpenMMException if the expression does not parse or uses another variable
     */
    ExpressionTape(const std::string& energy, const std::vector<std::string>& globalNames, Outputs outputs,
                   const std::string& owner);
    /**
     * Throw OpenMMException, naming the problem and the fix, if `energy` does not parse or uses a variable that is
     * neither x, y, z nor one of `globalNames`.
     */
    static void validate(const std::string& energy, const std::vector<std::string>& globalNames, const std::string& owner);
    /**
     * Throw OpenMMException, naming the problem and the fix, if `energy` does not parse (variables unchecked).
     */
    static void checkSyntax(const std::string& energy, const std::string& owner);
    int getNumRegisters() const {
        return numRegisters;
    }
    int getNumGlobals() const {
        return numGlobals;
    }
    const std::vector<Instruction>& getInstructions() const {
        return instructions;
    }
    /** (register, value) of every constant register. */
    const std::vector<std::pair<int, double> >& getConstants() const {
        return constants;
    }
    /** The register holding the energy, or -1 if the tape does not compute it. */
    int getEnergyRegister() const {
        return energyRegister;
    }
    /** The register holding dE/d(axis) (0: x, 1: y, 2: z), or -1 if the tape does not compute forces. */
    int getDerivativeRegister(int axis) const {
        return derivativeRegisters[axis];
    }
private:
    class Compiler;
    int numRegisters, numGlobals, energyRegister, derivativeRegisters[3];
    std::vector<Instruction> instructions;
    std::vector<std::pair<int, double> > constants;
};

} // namespace EffPot

#endif /*EFFPOT_EXPRESSION_TAPE_H_*/
