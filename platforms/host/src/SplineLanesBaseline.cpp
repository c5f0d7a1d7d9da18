// SplineLaneForce's lane loops for baseline x86-64 (or whatever the build targets).
#include "SplineLanes.h"

namespace EffPot {
SplineLaneFunction splineLanesBaseline(int dimensions) {
    return dimensions == 1 ? SplineLanes::run<1> : dimensions == 2 ? SplineLanes::run<2> : SplineLanes::run<3>;
}
}
