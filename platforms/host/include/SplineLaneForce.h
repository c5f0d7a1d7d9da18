#ifndef EFFPOT_SPLINE_LANE_FORCE_H_
#define EFFPOT_SPLINE_LANE_FORCE_H_

#include "ReplicaLaneForce.h"
#include "internal/SplineTable.h"
#include "internal/windowsExportEffPot.h"

namespace EffPot {

/**
 * The lane loop of a SplineTable over one block: energy and gradient of BlockSize points. Compiled for baseline
 * x86-64 and for AVX2 with FMA (2D and 3D: each lane's cell rows evaluated in registers from the table's transposed
 * coefficients), chosen at run time like TapeEvaluator's.
 */
typedef void (*SplineLaneFunction)(const SplineTable& table, const double* const q[3], double* energy, double* const gradient[3]);

/**
 * A ReplicaSplineForce's lanes: SplinePoint's arithmetic for every lane. The table is shared (read only) by all
 * threads' SplineLaneForce objects.
 */
class OPENMM_EXPORT_EFFPOT SplineLaneForce : public ReplicaLaneForce {
public:
    explicit SplineLaneForce(const SplineTable& table);
    double* positions(int c) {
        return lanes[c];
    }
    void compute();
    const double* derivative(int c) {
        return lanes[4+c];
    }
    /** The energy lanes of the last compute(). */
    const double* energy() {
        return lanes[3];
    }
    /** The lane function for a table of this many dimensions on this processor. */
    static SplineLaneFunction select(int dimensions);
private:
    const SplineTable& table;
    SplineLaneFunction function;
    alignas(64) double lanes[7][BlockSize]; // x, y, z, energy, dE/dx, dE/dy, dE/dz
};

} // namespace EffPot

#endif /*EFFPOT_SPLINE_LANE_FORCE_H_*/
