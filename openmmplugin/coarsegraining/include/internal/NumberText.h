#ifndef EFFPOT_NUMBER_TEXT_H_
#define EFFPOT_NUMBER_TEXT_H_

#include <sstream>
#include <string>

namespace EffPot {

/**
 * A number as the run's notes and messages print it: the shortest of `digits` significant digits (2.5, not
 * std::to_string's 2.500000), so that what a note says can be read back as the diagnostic it quotes.
 */
inline std::string numberText(double x, int digits = 6) {
    std::stringstream s;
    s.precision(digits);
    s<<x;
    return s.str();
}

} // namespace EffPot

#endif /*EFFPOT_NUMBER_TEXT_H_*/
