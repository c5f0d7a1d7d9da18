// SplineLaneForce's lane loops for AVX2 with FMA; compiled with -mavx2 -mfma and only called after a cpuid check
// (SplineLaneForce::select).
#include "SplineLanes.h"

namespace EffPot {
SplineLaneFunction splineLanesAvx2(int dimensions) {
    return dimensions == 1 ? SplineLanes::run<1> : dimensions == 2 ? SplineLanes::run<2> : SplineLanes::run<3>;
}
}
