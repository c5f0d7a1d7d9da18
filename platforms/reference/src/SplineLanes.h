#ifndef EFFPOT_SPLINE_LANES_H_
#define EFFPOT_SPLINE_LANES_H_

// The body of the SplineLaneForce lane loops, included by one translation unit per instruction set (like
// ReplicaLanes.h): SplinePoint::evaluate on every lane, which the compiler vectorizes.

#include "SplineLaneForce.h"
#include "internal/SplinePoint.h"

namespace EffPot {
namespace SplineLanes {
namespace {

template <int D>
void run(const SplineTable::Layout& layout, const double* coefficients, const double* const q[3], double* energy,
         double* const gradient[3]) {
    const int L = ReplicaLaneForce::BlockSize;
    const double* x = q[0];
    const double* y = q[1];
    const double* z = q[2];
    double* gx = gradient[0];
    double* gy = gradient[1];
    double* gz = gradient[2];
    _Pragma("omp simd")
    for (int i = 0; i < L; i++)
        SplinePoint::evaluate<D>(layout, coefficients, x[i], y[i], z[i], energy[i], gx[i], gy[i], gz[i]);
}

} // namespace
} // namespace SplineLanes
} // namespace EffPot

#endif /*EFFPOT_SPLINE_LANES_H_*/
