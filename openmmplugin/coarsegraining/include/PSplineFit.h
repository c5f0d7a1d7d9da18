#ifndef EFFPOT_PSPLINE_FIT_H_
#define EFFPOT_PSPLINE_FIT_H_

#include "ProgressReporter.h"
#include "internal/windowsExportEffPot.h"
#include <memory>
#include <vector>

namespace EffPot {

/**
 * Penalized cubic B-splines (P-splines, Eilers and Marx) in 1 to 3 dimensions: tensor products of uniform cubic
 * B-splines over a box, fitted by weighted least squares with a roughness penalty on third differences of the
 * coefficients along every dimension (docs/theory.md section 6).
 *
 *     minimize  sum_b w_b (y_b - s(q_b))^2 + smoothing * sum_dims |D3 c|^2
 *
 * Third differences vanish on quadratics, so a strong penalty pulls the fit towards a locally harmonic shape rather
 * than a flat one: smoothing does not flatten wells, and where no data is (outside the sampled support) the fit
 * continues quadratically instead of with the last, noisy slope. Measured on P4: with second differences the
 * chosen smoothing left curvature errors that changed the surrogate's ACF by 0.22; with third differences 0.04.
 *
 * Points outside the box (infinite coordinates too) are evaluated at the nearest point of the box; a NaN coordinate
 * gives a NaN value and gradient.
 */
class OPENMM_EXPORT_EFFPOT PSplineFit {
public:
    /**
     * @param lower      lower corner of the box
     * @param upper      upper corner of the box
     * @param numBasis   cubic B-splines per dimension (at least 4 each)
     */
    PSplineFit(const std::vector<double>& lower, const std::vector<double>& upper, const std::vector<int>& numBasis);
    /**
     * Fit the coefficients.
     *
     * @param points     N points, d coordinates each, flat (point-major)
     * @param values     N values
     * @param weights    N non-negative weights (inverse variances; 0 ignores a point)
     * @param smoothing  the weight of the roughness penalty (>= 0)
     */
    void fit(const std::vector<double>& points, const std::vector<double>& values, const std::vector<double>& weights, double smoothing);
    /**
     * Fit with the smoothing chosen among candidates by the unbiased risk estimate (UBRE, Mallows' C_p), for
     * weights that are inverse variances: minimize sum_b w_b (y_b - s(q_b))^2 + 2 tr(H), H the hat matrix. The
     * trace is exact for up to 800 coefficients, where one generalized eigendecomposition scores every candidate,
     * and a Hutchinson estimate (30 probes) above, where each candidate is factored.
     *
     * @return the chosen smoothing
     */
    double fitAutomatic(const std::vector<double>& points, const std::vector<double>& values, const std::vector<double>& weights,
                        const std::vector<double>& candidates);
    /**
     * The unbiased risk estimate sum_b w_b (y_b - s(q_b))^2 + 2 tr(H) of the smoothing chosen by the last
     * fitAutomatic (NaN before one). On the same data it compares fits of different knot spacings too.
     */
    double getScore() const {
        return score;
    }
    /**
     * Fit again to new values at the points, with the weights and smoothing, of the last fit() or fitAutomatic():
     * the factored normal equations are reused, so it costs one back-substitution (PotentialFitter's bias
     * correction). Throws if there was no fit.
     */
    void refit(const std::vector<double>& values);
    /**
     * A reporter that receives report("fit", 0, 1) before each candidate's solve in fitAutomatic (a heartbeat:
     * a Python reporter stops a long search on Ctrl-C there), or NULL (the default). Not owned.
     */
    void setProgressReporter(ProgressReporter* reporter) {
        progress = reporter;
    }
    /** The value of the spline at a point (d coordinates). */
    double evaluate(const double* point) const;
    /** The value and gradient (written to gradient[0..d)) at a point inside the box. */
    double evaluateWithGradient(const double* point, double* gradient) const;
    int getDimensions() const {
        return lower.size();
    }
    const std::vector<int>& getNumBasis() const {
        return numBasis;
    }
    const std::vector<double>& getCoefficients() const {
        return coefficients;
    }
    /** Replace the coefficients (as from getCoefficients(), x fastest). */
    void setCoefficients(const std::vector<double>& values);
private:
    struct Normal;
    struct Factored; // the last fit's factored normal equations and basis rows, for refit()
    Normal assemble(const std::vector<double>& points, const std::vector<double>& values, const std::vector<double>& weights) const;
    // The coefficients for `smoothing`; `factored` (if given) receives the factorization, for refit().
    std::vector<double> solve(const Normal& normal, double smoothing, double* trace, std::shared_ptr<Factored>* factored = nullptr) const;
    // The first of the 4 nonzero basis functions along dimension i at coordinate x, and their values/derivatives.
    int locate(int dimension, double x, double values[4], double derivatives[4]) const;
    std::vector<double> lower, upper, spacing;
    std::vector<int> numBasis;
    std::vector<double> coefficients;
    double score;
    ProgressReporter* progress = nullptr;
    std::shared_ptr<const Factored> last; // shared by copies: never changed once made
};

} // namespace EffPot

#endif /*EFFPOT_PSPLINE_FIT_H_*/
