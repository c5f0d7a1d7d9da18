#ifndef EFFPOT_REPLICA_SPLINE_FORCE_H_
#define EFFPOT_REPLICA_SPLINE_FORCE_H_

#include "openmm/Force.h"
#include "internal/windowsExportEffPot.h"
#include <vector>

namespace EffPot {

/**
 * A tabulated potential in 1 to 3 coordinates applied to independent particles (replicas): E = sum over the
 * particles added of U(x_i[, y_i[, z_i]]). U is the cubic spline through values on a regular grid, the same
 * function OpenMM's Continuous1DFunction, Continuous2DFunction or Continuous3DFunction tabulates (natural end
 * conditions, built by OpenMM's SplineFitter), continued outside the grid's box the way
 * EffectivePotential::createForce continues it: the table's argument is clamped to the box and a harmonic wall
 * k_i (q_i - clamp(q_i))^2 per coordinate confines the particle. It computes what that CustomCompoundBondForce
 * computes (to round-off), but fast: the Reference and CPU platforms evaluate the spline and its analytic gradient
 * on SIMD lanes of 64 particles (AVX2 chosen at run time), the CPU platform splits the particles over its threads,
 * and DampedVerletIntegrator fuses it into its step (no force pass between the two half kicks) when it is the only
 * force; OpenCL and CUDA evaluate it in a kernel of their own.
 *
 * Coordinates the table does not use (y and z of a 1D table, z of a 2D one) feel no force.
 *
 * Changes made after a Context was created reach it only through a new Context (reinitialize()).
 */
class OPENMM_EXPORT_EFFPOT ReplicaSplineForce : public OpenMM::Force {
public:
    /**
     * Create a ReplicaSplineForce.
     *
     * @param nodes          grid points per coordinate (1 to 3 entries, at least 4 each)
     * @param lower          the lower corner of the box, in nm
     * @param upper          the upper corner of the box, in nm (greater than lower)
     * @param values         U at the grid points, in kJ/mol, x fastest: point (i, j, k) sits at
     *                       lower + (i, j, k) (upper - lower) / (nodes - 1)
     * @param wallStiffness  k_i of the wall outside the box, in kJ/mol/nm^2 (one per coordinate, non-negative)
     * @throws OpenMMException if the sizes disagree or a value is not finite
     */
    ReplicaSplineForce(const std::vector<int>& nodes, const std::vector<double>& lower, const std::vector<double>& upper,
                       const std::vector<double>& values, const std::vector<double>& wallStiffness);
    /** The number of coordinates of the table (1 to 3). */
    int getDimensions() const {
        return nodes.size();
    }
    /** Grid points per coordinate. */
    const std::vector<int>& getNodes() const {
        return nodes;
    }
    /** The lower corner of the box (nm). */
    const std::vector<double>& getLower() const {
        return lower;
    }
    /** The upper corner of the box (nm). */
    const std::vector<double>& getUpper() const {
        return upper;
    }
    /** U at the grid points (kJ/mol), x fastest. */
    const std::vector<double>& getValues() const {
        return values;
    }
    /** The stiffness of the wall outside the box per coordinate (kJ/mol/nm^2). */
    const std::vector<double>& getWallStiffness() const {
        return wallStiffness;
    }
    /**
     * Replace the table (same rules as the constructor).
     */
    void setTable(const std::vector<int>& nodes, const std::vector<double>& lower, const std::vector<double>& upper,
                  const std::vector<double>& values, const std::vector<double>& wallStiffness);
    /** The number of particles the force acts on. */
    int getNumParticles() const {
        return particles.size();
    }
    /**
     * Add a particle the force acts on.
     *
     * @param particle   the index of the particle in the System
     * @return the index of the entry that was added
     */
    int addParticle(int particle);
    /** The System index of the particle of an entry (0 <= index < getNumParticles()). */
    int getParticle(int index) const;
    /** Set the System index of the particle of an entry. */
    void setParticle(int index, int particle);
    /** Returns false: the force depends on the absolute coordinates and ignores the periodic box. */
    bool usesPeriodicBoundaryConditions() const {
        return false;
    }
protected:
    OpenMM::ForceImpl* createImpl() const;
private:
    std::vector<int> nodes;
    std::vector<double> lower, upper, values, wallStiffness;
    std::vector<int> particles;
};

} // namespace EffPot

#endif /*EFFPOT_REPLICA_SPLINE_FORCE_H_*/
