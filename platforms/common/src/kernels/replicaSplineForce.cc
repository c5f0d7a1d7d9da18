// One ReplicaSplineForce particle as a one-atom interaction of OpenMM's BondedUtilities (pos1 is its position): the
// arithmetic of SplinePoint::evaluate (openmmplugin/include/internal/SplinePoint.h), step for step. The host
// replaces the SPLINE_* names below before compiling: SPLINE_DIMENSIONS (1 to 3), SPLINE_COEFFICIENTS_PER_CELL
// (4^d), SPLINE_COEFFICIENTS (the table argument: real per-cell power-basis coefficients, SplineTable's layout) and
// the layout constants per coordinate X, Y, Z (unused ones are never read).
const real splineQ[3] = {pos1.x, pos1.y, pos1.z};
const real splineOrigin[3] = {SPLINE_ORIGIN_X, SPLINE_ORIGIN_Y, SPLINE_ORIGIN_Z};
const real splineInverseSpacing[3] = {SPLINE_INVERSE_SPACING_X, SPLINE_INVERSE_SPACING_Y, SPLINE_INVERSE_SPACING_Z};
const real splineLow[3] = {SPLINE_LOW_X, SPLINE_LOW_Y, SPLINE_LOW_Z};
const real splineHigh[3] = {SPLINE_HIGH_X, SPLINE_HIGH_Y, SPLINE_HIGH_Z};
const real splineWall[3] = {SPLINE_WALL_X, SPLINE_WALL_Y, SPLINE_WALL_Z};
const int splineCells[3] = {SPLINE_CELLS_X, SPLINE_CELLS_Y, SPLINE_CELLS_Z};
const int splineStride[3] = {SPLINE_STRIDE_X, SPLINE_STRIDE_Y, SPLINE_STRIDE_Z};
real splineLocal[3] = {0, 0, 0}, splineInside[3] = {0, 0, 0}, splineWallGradient[3] = {0, 0, 0};
real splineWallEnergy = 0;
int splineCell = 0; // at most 1e8 cells: an int
for (int i = 0; i < SPLINE_DIMENSIONS; i++) {
    // The clamp of createForce's select(step(...)): a NaN coordinate goes to the lower bound (then the wall term is
    // NaN); the table's gradient counts only strictly inside [low, high).
    real q = splineQ[i];
    real c = (q >= splineLow[i] ? (q >= splineHigh[i] ? splineHigh[i] : q) : splineLow[i]);
    splineInside[i] = (q >= splineLow[i] && q < splineHigh[i] ? (real) 1 : (real) 0);
    real s = (c-splineOrigin[i])*splineInverseSpacing[i];
    int index = (int) s;
    index = (index > splineCells[i]-1 ? splineCells[i]-1 : index);
    splineLocal[i] = s-index;
    splineCell += index*splineStride[i];
    real outside = q-c;
    splineWallEnergy += splineWall[i]*outside*outside;
    splineWallGradient[i] = 2*splineWall[i]*outside;
}
GLOBAL const real* splineK = SPLINE_COEFFICIENTS+(mm_long) splineCell*SPLINE_COEFFICIENTS_PER_CELL;
const real splineU = splineLocal[0], splineV = splineLocal[1], splineW = splineLocal[2];
// Horner in u for each (v, w) power, then in v, then in w, carrying the derivatives along.
real splineE = 0, splineEu = 0, splineEv = 0, splineEw = 0;
for (int c = (SPLINE_DIMENSIONS == 3 ? 3 : 0); c >= 0; c--) {
    real p = 0, pu = 0, pv = 0;
    for (int b = (SPLINE_DIMENSIONS >= 2 ? 3 : 0); b >= 0; b--) {
        GLOBAL const real* r = splineK+4*b+16*c;
        real value = ((r[3]*splineU+r[2])*splineU+r[1])*splineU+r[0];
        real slope = (3*r[3]*splineU+2*r[2])*splineU+r[1];
        pv = pv*splineV+p;
        p = p*splineV+value;
        pu = pu*splineV+slope;
    }
    splineEw = splineEw*splineW+splineE;
    splineE = splineE*splineW+p;
    splineEu = splineEu*splineW+pu;
    splineEv = splineEv*splineW+pv;
}
energy += splineE+splineWallEnergy;
// Coordinates the table does not use feel no force.
real3 force1 = make_real3(-(splineEu*splineInverseSpacing[0]*splineInside[0]+splineWallGradient[0]),
        SPLINE_DIMENSIONS >= 2 ? -(splineEv*splineInverseSpacing[1]*splineInside[1]+splineWallGradient[1]) : (real) 0,
        SPLINE_DIMENSIONS >= 3 ? -(splineEw*splineInverseSpacing[2]*splineInside[2]+splineWallGradient[2]) : (real) 0);
