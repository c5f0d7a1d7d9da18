#ifndef EFFPOT_CHECKED_EXPRESSION_H_
#define EFFPOT_CHECKED_EXPRESSION_H_

#include "lepton/ParsedExpression.h"
#include <string>

namespace EffPot {

/**
 * Lepton's optimize() for expressions a user wrote, made safe.
 *
 * optimize() folds constant subexpressions, then simplifies until the tree stops changing, comparing trees with
 * ==. A constant that folds to NaN (`(0-2)^2.5`, `log(-1)`, `0/0`, or `log(-2)` in the derivative of `(-2)^x`) is
 * never equal to itself, so the loop never ends: the process hangs (OpenMM's CustomExternalForce does the same).
 * Every user expression therefore goes through here before Lepton optimizes it, and so do its derivatives in x, y
 * and z, which OpenMM's own kernels take: a constant part that is not a finite number is refused with an
 * OpenMMException naming the caller, the energy and the part.
 */
class CheckedExpression {
public:
    /**
     * Throws if `expression` (not yet optimized) has a constant subexpression that is NaN or infinite, or if the
     * derivative in x, y or z of its optimized form (what the kernels take) has one. `owner`: the call, for the
     * message; `energy`: the text the user wrote. Returns the optimized expression (optimized once).
     */
    static Lepton::ParsedExpression requireFiniteConstants(const Lepton::ParsedExpression& expression,
                                                           const std::string& energy, const std::string& owner);
    /**
     * Throws if `energy` nests parentheses, or chains unary signs, more than 1000 deep: Lepton's parser recurses
     * once per level and overflows the stack (a segmentation fault) at about 20 000. Call it before parsing.
     */
    static void requireShallow(const std::string& energy, const std::string& owner);
    /**
     * A user's energy parsed and optimized safely: requireShallow, Lepton's parser (a syntax error becomes an
     * OpenMMException naming `owner` and the expression), requireFiniteConstants.
     */
    static Lepton::ParsedExpression parse(const std::string& energy, const std::string& owner);
    /** requireFiniteConstants on `expression` alone (not its derivatives), then Lepton's optimize(). */
    static Lepton::ParsedExpression optimize(const Lepton::ParsedExpression& expression, const std::string& energy,
                                             const std::string& owner);
};

} // namespace EffPot

#endif /*EFFPOT_CHECKED_EXPRESSION_H_*/
