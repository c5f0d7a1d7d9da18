#include "internal/ExpressionTape.h"
#include "internal/CheckedExpression.h"
#include "lepton/ExpressionTreeNode.h"
#include "lepton/Operation.h"
#include "lepton/ParsedExpression.h"
#include "openmm/OpenMMException.h"
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

const char* CoordinateNames[3] = {"x", "y", "z"};

void collectVariables(const Lepton::ExpressionTreeNode& node, set<string>& variables) {
    if (node.getOperation().getId() == Lepton::Operation::VARIABLE)
        variables.insert(node.getOperation().getName());
    for (const Lepton::ExpressionTreeNode& child : node.getChildren())
        collectVariables(child, variables);
}

void checkVariables(const Lepton::ParsedExpression& expression, const string& energy, const vector<string>& globalNames,
                    const string& owner) {
    set<string> variables;
    collectVariables(expression.getRootNode(), variables);
    set<string> allowed(globalNames.begin(), globalNames.end());
    allowed.insert(CoordinateNames, CoordinateNames+3);
    for (const string& name : variables)
        if (allowed.count(name) == 0)
            throw OpenMMException(owner+": the energy '"+energy+"' uses the variable '"+name+"', which is neither x, y, z "
                                  "(the particle's coordinates) nor a global parameter: rename it, or define it with "
                                  "addGlobalParameter(\""+name+"\", value)");
}

uint64_t bitsOf(double value) {
    uint64_t bits;
    memcpy(&bits, &value, sizeof(bits));
    return bits;
}

} // namespace

/**
 * Turns Lepton trees into SSA instructions (one value per distinct subexpression), then maps the values to
 * registers, reusing a temporary's register after its last use.
 */
class ExpressionTape::Compiler {
public:
    Compiler(const vector<string>& globalNames) {
        for (int i = 0; i < NumCoordinates; i++)
            variables[CoordinateNames[i]] = newValue(Input, i);
        for (int i = 0; i < (int) globalNames.size(); i++)
            variables[globalNames[i]] = newValue(Input, NumCoordinates+i);
        numInputs = NumCoordinates+globalNames.size();
    }
    int compile(const Lepton::ExpressionTreeNode& node) {
        const Lepton::Operation& operation = node.getOperation();
        Lepton::Operation::Id id = operation.getId();
        if (id == Lepton::Operation::VARIABLE)
            return variables.at(operation.getName());
        if (id == Lepton::Operation::CONSTANT)
            return constant(static_cast<const Lepton::Operation::Constant&>(operation).getValue());
        Instruction instruction = {Add, -1, {-1, -1, -1}, 0.0, 0};
        instruction.op = opcode(operation);
        if (id == Lepton::Operation::ADD_CONSTANT)
            instruction.value = static_cast<const Lepton::Operation::AddConstant&>(operation).getValue();
        else if (id == Lepton::Operation::MULTIPLY_CONSTANT)
            instruction.value = static_cast<const Lepton::Operation::MultiplyConstant&>(operation).getValue();
        else if (id == Lepton::Operation::POWER_CONSTANT) {
            // Lepton raises to integer powers by repeated squaring, other powers with pow(): do the same.
            double exponent = static_cast<const Lepton::Operation::PowerConstant&>(operation).getValue();
            instruction.value = exponent;
            // Repeated squaring only for |n| < 2^30: (int) of a larger value is undefined, and std::abs(INT_MIN)
            // stays negative, which made the squaring loop never end (x^-2147483647's derivative). pow() takes the rest.
            if (std::fabs(exponent) < 1073741824.0 && (double) (int) exponent == exponent) {
                instruction.op = PowerInteger;
                instruction.exponent = (int) exponent;
            }
        }
        const vector<Lepton::ExpressionTreeNode>& children = node.getChildren();
        for (int i = 0; i < (int) children.size(); i++)
            instruction.args[i] = compile(children[i]);
        auto key = make_tuple((int) instruction.op, bitsOf(instruction.value), instruction.args[0], instruction.args[1], instruction.args[2]);
        auto found = common.find(key);
        if (found != common.end())
            return found->second;
        instruction.dest = newValue(Temporary, 0);
        code.push_back(instruction);
        common[key] = instruction.dest;
        return instruction.dest;
    }
    /** Assign registers; `outputs` are the values that must survive to the end. */
    void allocate(const vector<int>& outputs, ExpressionTape& tape) {
        vector<int> lastUse(values.size(), -1);
        for (int i = 0; i < (int) code.size(); i++)
            for (int a : code[i].args)
                if (a >= 0)
                    lastUse[a] = i;
        for (int v : outputs)
            if (v >= 0)
                lastUse[v] = INT_MAX;
        vector<int> registerOf(values.size(), -1);
        int next = numInputs;
        for (int v = 0; v < (int) values.size(); v++)
            if (values[v].kind == Input)
                registerOf[v] = values[v].index;
            else if (values[v].kind == Constant) {
                registerOf[v] = next++;
                tape.constants.push_back(make_pair(registerOf[v], values[v].constant));
            }
        vector<int> freeRegisters;
        for (int i = 0; i < (int) code.size(); i++) {
            Instruction instruction = code[i];
            for (int& a : instruction.args)
                if (a >= 0) {
                    // Arguments dying here free their register for the result: evaluators work lane by lane.
                    bool dies = (lastUse[a] == i && values[a].kind == Temporary && registerOf[a] >= 0);
                    int reg = registerOf[a];
                    if (dies && find(freeRegisters.begin(), freeRegisters.end(), reg) == freeRegisters.end())
                        freeRegisters.push_back(reg);
                    a = reg;
                }
            int dest;
            if (freeRegisters.empty())
                dest = next++;
            else {
                dest = freeRegisters.back();
                freeRegisters.pop_back();
            }
            registerOf[instruction.dest] = dest;
            instruction.dest = dest;
            tape.instructions.push_back(instruction);
        }
        tape.numRegisters = next;
        tape.energyRegister = (outputs[0] >= 0 ? registerOf[outputs[0]] : -1);
        for (int i = 0; i < 3; i++)
            tape.derivativeRegisters[i] = (outputs[1+i] >= 0 ? registerOf[outputs[1+i]] : -1);
    }
private:
    enum Kind {
        Input, Constant, Temporary
    };
    struct Value {
        Kind kind;
        int index;
        double constant;
    };
    int newValue(Kind kind, int index) {
        values.push_back(Value{kind, index, 0.0});
        return values.size()-1;
    }
    int constant(double value) {
        auto found = constantValues.find(bitsOf(value));
        if (found != constantValues.end())
            return found->second;
        int v = newValue(Constant, 0);
        values[v].constant = value;
        constantValues[bitsOf(value)] = v;
        return v;
    }
    static Opcode opcode(const Lepton::Operation& operation) {
        switch (operation.getId()) {
            case Lepton::Operation::ADD: return Add;
            case Lepton::Operation::SUBTRACT: return Subtract;
            case Lepton::Operation::MULTIPLY: return Multiply;
            case Lepton::Operation::DIVIDE: return Divide;
            case Lepton::Operation::POWER: return Power;
            case Lepton::Operation::ATAN2: return Atan2;
            case Lepton::Operation::MIN: return Min;
            case Lepton::Operation::MAX: return Max;
            case Lepton::Operation::SELECT: return Select;
            case Lepton::Operation::NEGATE: return Negate;
            case Lepton::Operation::SQRT: return Sqrt;
            case Lepton::Operation::EXP: return Exp;
            case Lepton::Operation::LOG: return Log;
            case Lepton::Operation::SIN: return Sin;
            case Lepton::Operation::COS: return Cos;
            case Lepton::Operation::SEC: return Sec;
            case Lepton::Operation::CSC: return Csc;
            case Lepton::Operation::TAN: return Tan;
            case Lepton::Operation::COT: return Cot;
            case Lepton::Operation::ASIN: return Asin;
            case Lepton::Operation::ACOS: return Acos;
            case Lepton::Operation::ATAN: return Atan;
            case Lepton::Operation::SINH: return Sinh;
            case Lepton::Operation::COSH: return Cosh;
            case Lepton::Operation::TANH: return Tanh;
            case Lepton::Operation::ERF: return Erf;
            case Lepton::Operation::ERFC: return Erfc;
            case Lepton::Operation::STEP: return Step;
            case Lepton::Operation::DELTA: return Delta;
            case Lepton::Operation::SQUARE: return Square;
            case Lepton::Operation::CUBE: return Cube;
            case Lepton::Operation::RECIPROCAL: return Reciprocal;
            case Lepton::Operation::ABS: return Abs;
            case Lepton::Operation::FLOOR: return Floor;
            case Lepton::Operation::CEIL: return Ceil;
            case Lepton::Operation::ADD_CONSTANT: return AddConstant;
            case Lepton::Operation::MULTIPLY_CONSTANT: return MultiplyConstant;
            case Lepton::Operation::POWER_CONSTANT: return PowerConstant;
            default:
                throw OpenMMException("ExpressionTape: the operation '"+operation.getName()+"' is not supported (custom "
                                      "and tabulated functions are not available in a per-particle expression)");
        }
    }
    vector<Value> values;
    vector<Instruction> code;
    map<string, int> variables;
    map<uint64_t, int> constantValues;
    map<tuple<int, uint64_t, int, int, int>, int> common;
    int numInputs;
};

void ExpressionTape::checkSyntax(const string& energy, const string& owner) {
    CheckedExpression::parse(energy, owner);
}

void ExpressionTape::validate(const string& energy, const vector<string>& globalNames, const string& owner) {
    checkVariables(CheckedExpression::parse(energy, owner), energy, globalNames, owner);
}

ExpressionTape::ExpressionTape(const string& energy, const vector<string>& globalNames, Outputs outputs, const string& owner) :
        numRegisters(0), numGlobals(globalNames.size()), energyRegister(-1), derivativeRegisters{-1, -1, -1} {
    Lepton::ParsedExpression expression = CheckedExpression::parse(energy, owner);
    checkVariables(expression, energy, globalNames, owner);
    Compiler compiler(globalNames);
    vector<int> results(4, -1);
    if (outputs & EnergyOnly)
        results[0] = compiler.compile(expression.getRootNode());
    if (outputs & ForcesOnly)
        for (int i = 0; i < 3; i++)
            results[1+i] = compiler.compile(CheckedExpression::optimize(expression.differentiate(CoordinateNames[i]), energy,
                                                                        owner).getRootNode());
    compiler.allocate(results, *this);
}
