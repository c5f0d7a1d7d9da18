#ifndef EFFPOT_EFFECTIVE_POTENTIAL_H_
#define EFFPOT_EFFECTIVE_POTENTIAL_H_

#include "Calibration.h"
#include "PSplineFit.h"
#include "internal/windowsExportEffPot.h"
#include <map>
#include <string>
#include <vector>

namespace OpenMM {
class Force;
}

namespace EffPot {

class ReplicaSplineForce;

/**
 * A learned effective potential U(q) = -kT log rho(q) + C in 1 to 3 coordinates (docs/theory.md section 6), with what it
 * was learned with: the temperature kT of the sampled law, the effective-noise covariance D and its standard error,
 * the grid it is tabulated on with a standard error and a support flag per node, and diagnostics.
 *
 * U is a P-spline over the sampled box; the additive constant puts its minimum over the supported nodes at 0.
 * Nodes are x fastest: node (i, j, k) sits at lower + (i, j, k) * (upper - lower) / (nodes - 1).
 */
class OPENMM_EXPORT_EFFPOT EffectivePotential {
public:
    /**
     * @param spline       the fitted spline (energy in kJ/mol before the offset)
     * @param lower        lower corner of the tabulation box (nm)
     * @param upper        upper corner
     * @param nodes        nodes per dimension (at least 4 each)
     */
    EffectivePotential(const PSplineFit& spline, const std::vector<double>& lower, const std::vector<double>& upper,
                       const std::vector<int>& nodes);
    int getDimensions() const {
        return lower.size();
    }
    /** The thermal energy of the law the potential was learned from, in kJ/mol. */
    double getKT() const {
        return kT;
    }
    void setKT(double kT);
    /** The effective-noise covariance D (d x d, row-major; dalton^2 nm^2 ps^-3), empty if not estimated. */
    const std::vector<double>& getNoiseCovariance() const {
        return noiseCovariance;
    }
    /** Standard errors of the entries of D (d x d, row-major). */
    const std::vector<double>& getNoiseCovarianceError() const {
        return noiseCovarianceError;
    }
    void setNoiseCovariance(const std::vector<double>& covariance, const std::vector<double>& error);
    const std::vector<double>& getLower() const {
        return lower;
    }
    const std::vector<double>& getUpper() const {
        return upper;
    }
    const std::vector<int>& getNodes() const {
        return nodes;
    }
    int getNumNodes() const;
    /** The coordinates of node `index` (flat, x fastest), written to point[0..d). */
    void getNodePosition(int index, double* point) const;
    /** U at a point, in kJ/mol (points outside the box take the value at the nearest point of the box; a NaN coordinate
        gives NaN). */
    double evaluate(const double* point) const;
    /** U at every node, in kJ/mol. */
    std::vector<double> getNodeValues() const;
    /**
     * The standard error of U at a point (kJ/mol): the bootstrap error of the nodes (over replica batches,
     * interpolated multilinearly, the box clamped as in evaluate), combined in quadrature with what the uncertainty
     * of the sampling temperature makes of U there, r U(point) (docs/theory.md section 6). r is the relative error
     * of the temperature along the worst direction: Stage 1's whitened error of D (diagnostic stage1.whitenedError,
     * with that of the measured kT), or in 1D the relative error of the kinetic kT. Without node errors only the
     * second part is left; without either, 0.
     */
    double standardError(const double* point) const;
    /** The relative temperature error r that standardError uses. */
    double getTemperatureRelativeError() const;
    /**
     * The values createForce and createReplicaForce tabulate: U at every supported node, and outside the sampled
     * support (where the fit only extrapolates, and may bend down or level off) U + (c / 2) d^2, with d the
     * distance to the nearest supported node and c = getTableCurvature(), and never below the lowest supported
     * value. The continuation meets U with no kink and curves no more than c, so a step that integrates U where
     * the dynamics spends its time integrates the whole table (docs/theory.md section 7).
     */
    std::vector<double> getTableValues() const;
    /** Standard error of U at every node (kJ/mol); empty if none was estimated. */
    const std::vector<double>& getNodeErrors() const {
        return nodeErrors;
    }
    /** Whether each node lies inside the sampled support (1) or is extrapolated (0). */
    const std::vector<int>& getNodeSupported() const {
        return nodeSupported;
    }
    void setNodeErrors(const std::vector<double>& errors);
    void setNodeSupported(const std::vector<int>& supported);
    /** Fix the additive constant: the minimum of U over the supported nodes (all nodes if none is flagged) is 0. */
    void normalize();
    /**
     * The largest eigenvalue of the Hessian of U (kJ/mol/nm^2) over the supported nodes within `window` of the
     * minimum, by central differences of the spline (nodes whose stencil leaves the box are skipped). h^2 times
     * it over the mass says whether a step h resolves U where the dynamics spends its time: docs/theory.md section 3
     * wants h^2 lambda_max / m <~ 0.3. (The sparse edges of the support have noisy curvature: hence the window.)
     *
     * @param window   in kJ/mol, e.g. 3 kT
     */
    double getMaxCurvature(double window) const;
    /** The spline before the additive constant. */
    const PSplineFit& getSpline() const {
        return spline;
    }
    double getOffset() const {
        return offset;
    }
    void setOffset(double value) {
        offset = value;
    }
    /** The step, mass, friction and temperatures the potential was learned under, and the model it came from. */
    const Calibration& getCalibration() const {
        return calibration;
    }
    void setCalibration(const Calibration& value);
    /** Numeric diagnostics (normality statistics, <p p^T>/kT, sample counts, settings...). */
    std::map<std::string, double>& getDiagnostics() {
        return diagnostics;
    }
    const std::map<std::string, double>& getDiagnostics() const {
        return diagnostics;
    }
    /** Text diagnostics (strategy, platform, advice...). */
    std::map<std::string, std::string>& getNotes() {
        return notes;
    }
    const std::map<std::string, std::string>& getNotes() const {
        return notes;
    }
    /**
     * Create an OpenMM force applying U to each of the given particles (CustomCompoundBondForce, one bond per
     * particle, with a Continuous{1,2,3}DFunction of getTableValues()). The table's argument is clamped to the box
     * and a harmonic wall outside it (getWallStiffness) keeps the force confining there. The caller owns the
     * returned force.
     */
    OpenMM::Force* createForce(const std::vector<int>& particles) const;
    /**
     * Create the fast form of createForce's force: a ReplicaSplineForce with the same table, box and wall, acting on
     * each of the given particles. It gives the same energies and forces (to round-off) and lets
     * DampedVerletIntegrator fuse force and step; it needs effpot's plugin wherever it runs, where createForce's
     * force is plain OpenMM. The caller owns the returned force.
     */
    ReplicaSplineForce* createReplicaForce(const std::vector<int>& particles) const;
    /**
     * The curvature of the table's continuation outside the support and of the wall outside the box
     * (kJ/mol/nm^2): getMaxCurvature(3 kT), at least kT / (0.1 L)^2 with L the widest side of the box.
     */
    double getTableCurvature() const;
    /** The stiffness k of the confining wall k (q - clamp(q))^2 along a dimension: half the table curvature. */
    double getWallStiffness(int dimension) const;
private:
    /** getTableValues with the continuation's curvature given (computed once per force). */
    std::vector<double> tableValues(double curvature) const;
    PSplineFit spline;
    std::vector<double> lower, upper;
    std::vector<int> nodes;
    double kT, offset;
    std::vector<double> noiseCovariance, noiseCovarianceError, nodeErrors;
    std::vector<int> nodeSupported;
    std::map<std::string, double> diagnostics;
    std::map<std::string, std::string> notes;
    Calibration calibration;
};

} // namespace EffPot

#endif /*EFFPOT_EFFECTIVE_POTENTIAL_H_*/
