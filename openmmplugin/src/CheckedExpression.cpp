#include "internal/CheckedExpression.h"
#include "lepton/ExpressionTreeNode.h"
#include "lepton/Operation.h"
#include "lepton/Parser.h"
#include "openmm/OpenMMException.h"
#include <algorithm>
#include <cmath>
#include <sstream>

using namespace EffPot;
using namespace std;

namespace {

/**
 * Whether `node` has no variable. Each largest such subtree (the one Lepton folds into a single constant) is
 * evaluated, and the first that is not finite is put in `bad` with its value.
 */
bool constantSubtrees(const Lepton::ExpressionTreeNode& node, string& bad, double& value) {
    if (node.getOperation().getId() == Lepton::Operation::VARIABLE)
        return false;
    bool constant = true;
    vector<bool> childConstant;
    for (const Lepton::ExpressionTreeNode& child : node.getChildren()) {
        childConstant.push_back(constantSubtrees(child, bad, value));
        constant = constant && childConstant.back();
    }
    if (!constant && bad.empty()) {
        // This node is not constant: its constant children are the largest constant subtrees below it.
        for (size_t i = 0; i < childConstant.size() && bad.empty(); i++) {
            if (!childConstant[i])
                continue;
            double folded = Lepton::ParsedExpression(node.getChildren()[i]).evaluate();
            if (!std::isfinite(folded)) {
                stringstream text;
                text<<node.getChildren()[i];
                bad = text.str();
                value = folded;
            }
        }
    }
    return constant;
}

// The largest constant subtree of `tree` that is not finite ("" if none); a constant tree is one itself.
string nonFiniteConstant(const Lepton::ParsedExpression& tree, double& value) {
    string bad;
    if (constantSubtrees(tree.getRootNode(), bad, value)) {
        double folded = tree.evaluate();
        if (!std::isfinite(folded)) {
            stringstream text;
            text<<tree.getRootNode();
            bad = text.str();
            value = folded;
        }
    }
    return bad;
}

void refuse(const string& owner, const string& energy, const string& where, const string& part, double value) {
    string what = (std::isnan(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity");
    throw OpenMM::OpenMMException(owner+": the energy '"+energy+"' has a constant part"+where+", "+part+", that is "+
                                  what+", not a finite number (e.g. a negative number to a fractional power, "
                                  "the log or square root of a negative number, 0/0): write it so that every constant "
                                  "is finite, e.g. -(2^2.5) for a real power of -2");
}

} // namespace

void CheckedExpression::requireShallow(const string& energy, const string& owner) {
    const int limit = 1000;
    int depth = 0, deepest = 0, signs = 0, longest = 0;
    bool operand = false;  // whether the last token ends an operand (then + and - are binary)
    for (char c : energy) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if ((c == '-' || c == '+') && !operand) {
            longest = max(longest, ++signs);
            continue;
        }
        signs = 0;
        if (c == '(') {
            deepest = max(deepest, ++depth);
            operand = false;
        }
        else if (c == ')') {
            depth--;
            operand = true;
        }
        else
            operand = !(c == '+' || c == '-' || c == '*' || c == '/' || c == '^' || c == ',' || c == '=' || c == ';' ||
                        c == '<' || c == '>' || c == '!');
    }
    if (deepest > limit || longest > limit)
        throw OpenMM::OpenMMException(owner+": the energy expression nests "+to_string(max(deepest, longest))+" levels deep "
                                      "(parentheses or unary signs); at most "+to_string(limit)+" are supported: "
                                      "write it without the redundant levels");
}

Lepton::ParsedExpression CheckedExpression::requireFiniteConstants(const Lepton::ParsedExpression& expression,
                                                                   const string& energy, const string& owner) {
    double value = 0;
    string bad = nonFiniteConstant(expression, value);
    if (!bad.empty())
        refuse(owner, energy, "", bad, value);
    // As Lepton's users (this plugin's kernels, OpenMM's CustomExternalForce) do: optimize, then differentiate (the
    // derivative of the raw tree would find log(-2) in (-2)^3, which optimize() folds to -8 first).
    Lepton::ParsedExpression optimized = expression.optimize();
    const char* names[3] = {"x", "y", "z"};
    for (const char* name : names) {
        bad = nonFiniteConstant(optimized.differentiate(name), value);
        if (!bad.empty())
            refuse(owner, energy, string(" in its derivative in ")+name, bad, value);
    }
    return optimized;
}

Lepton::ParsedExpression CheckedExpression::parse(const string& energy, const string& owner) {
    requireShallow(energy, owner);  // before the parser, which would overflow the stack
    Lepton::ParsedExpression parsed;
    try {
        parsed = Lepton::Parser::parse(energy);
    }
    catch (const exception& e) {
        throw OpenMM::OpenMMException(owner+": the energy expression '"+energy+"' does not parse ("+e.what()+"): write it "
                                      "in OpenMM's expression syntax in the variables x, y, z, e.g. '0.5*x^2 + "
                                      "1e-3*sin(y/1e-3)'");
    }
    // Before Lepton's optimize(), which never returns on a NaN constant; the kernels differentiate it too, so its
    // derivatives are checked here once.
    return requireFiniteConstants(parsed, energy, owner);
}

Lepton::ParsedExpression CheckedExpression::optimize(const Lepton::ParsedExpression& expression, const string& energy,
                                                    const string& owner) {
    double value = 0;
    string bad = nonFiniteConstant(expression, value);
    if (!bad.empty())
        refuse(owner, energy, "", bad, value);
    return expression.optimize();
}
