#ifndef EFFPOT_SPLINE_POINT_H_
#define EFFPOT_SPLINE_POINT_H_

// One point of a SplineTable: the arithmetic every host evaluator shares (SplineTable::evaluate, and the SIMD lane
// loops of the Reference and CPU platforms, which include this header once per instruction set). Inline and
// branch-free apart from the clamp's selects. (The lane loops, SplineLanes.h, split the same arithmetic into passes
// that vectorize.)

#include "internal/SplineTable.h"

namespace EffPot {
namespace SplinePoint {
namespace {

/**
 * The energy and gradient at (x, y, z) of a table of D dimensions (unused coordinates ignored). A NaN coordinate
 * is clamped to the box's lower corner, as createForce's select(step(...)) clamp does, and the wall term then makes
 * the energy and its gradient NaN.
 */
template <int D>
inline void evaluate(const SplineTable::Layout& t, const double* coefficients, double x, double y, double z,
                     double& energy, double& gx, double& gy, double& gz) {
    const double q[3] = {x, y, z};
    double local[3] = {0, 0, 0}, wallEnergy = 0, wallGradient[3] = {0, 0, 0}, inside[3] = {0, 0, 0};
    int cell = 0;
    for (int i = 0; i < D; i++) {
        double c = (q[i] >= t.low[i] ? (q[i] >= t.high[i] ? t.high[i] : q[i]) : t.low[i]);
        inside[i] = (q[i] >= t.low[i] && q[i] < t.high[i] ? 1.0 : 0.0);
        double s = (c-t.origin[i])*t.inverseSpacing[i];
        int index = (int) s;
        index = (index > t.cells[i]-1 ? t.cells[i]-1 : index);
        local[i] = s-index;
        cell += index*t.stride[i];
        double outside = q[i]-c;
        wallEnergy += t.wall[i]*outside*outside;
        wallGradient[i] = 2*t.wall[i]*outside;
    }
    const double* k = coefficients+(size_t) cell*(D == 1 ? 4 : D == 2 ? 16 : 64);
    const double u = local[0], v = local[1], w = local[2];
    // Horner in u for each (v, w) power, then in v, then in w, carrying the derivatives along.
    double e = 0, eu = 0, ev = 0, ew = 0;
    for (int c = (D == 3 ? 3 : 0); c >= 0; c--) {
        double p = 0, pu = 0, pv = 0;
        for (int b = (D >= 2 ? 3 : 0); b >= 0; b--) {
            const double* r = k+4*b+16*c;
            double value = ((r[3]*u+r[2])*u+r[1])*u+r[0];
            double slope = (3*r[3]*u+2*r[2])*u+r[1];
            pv = pv*v+p;
            p = p*v+value;
            pu = pu*v+slope;
        }
        ew = ew*w+e;
        e = e*w+p;
        eu = eu*w+pu;
        ev = ev*w+pv;
    }
    energy = e+wallEnergy;
    gx = eu*t.inverseSpacing[0]*inside[0]+wallGradient[0];
    gy = (D >= 2 ? ev*t.inverseSpacing[1]*inside[1]+wallGradient[1] : 0.0);
    gz = (D >= 3 ? ew*t.inverseSpacing[2]*inside[2]+wallGradient[2] : 0.0);
}

} // namespace
} // namespace SplinePoint
} // namespace EffPot

#endif /*EFFPOT_SPLINE_POINT_H_*/
