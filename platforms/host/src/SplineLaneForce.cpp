#include "SplineLaneForce.h"
#include "TapeEvaluator.h"

using namespace EffPot;

namespace EffPot {
SplineLaneFunction splineLanesBaseline(int dimensions);
#if defined(EFFPOT_HAVE_LIBMVEC) && defined(__x86_64__)
SplineLaneFunction splineLanesAvx2(int dimensions);
#endif
}

SplineLaneFunction SplineLaneForce::select(int dimensions) {
#if defined(EFFPOT_HAVE_LIBMVEC) && defined(__x86_64__)
    // The same run-time choice as the expression tapes (TapeEvaluator::usesAvx2), so both forces agree on it.
    if (TapeEvaluator::usesAvx2())
        return splineLanesAvx2(dimensions);
#endif
    return splineLanesBaseline(dimensions);
}

SplineLaneForce::SplineLaneForce(const SplineTable& table) : table(table), function(select(table.getDimensions())) {
    for (int c = 0; c < 7; c++)
        for (int i = 0; i < BlockSize; i++)
            lanes[c][i] = 0.0;
}

void SplineLaneForce::compute() {
    const double* const q[3] = {lanes[0], lanes[1], lanes[2]};
    double* const gradient[3] = {lanes[4], lanes[5], lanes[6]};
    function(table, q, lanes[3], gradient);
}
