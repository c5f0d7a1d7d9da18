#ifndef EFFPOT_SPLINE_TABLE_H_
#define EFFPOT_SPLINE_TABLE_H_

#include "internal/windowsExportEffPot.h"
#include <string>
#include <vector>

namespace EffPot {

/**
 * The function a ReplicaSplineForce applies, ready to evaluate: the natural cubic spline (1D) or the tensor natural
 * bicubic (2D) or tricubic (3D) spline through a grid of values, exactly as OpenMM's Continuous{1,2,3}DFunction
 * builds it (its SplineFitter makes the coefficients), plus EffectivePotential::createForce's continuation outside
 * the box: the argument clamped to the box (a relative inset of 1e-9 keeps it off the table's last node) and a
 * harmonic wall k_i (q_i - clamp(q_i))^2.
 *
 * Coefficients are stored per cell in the power basis of the cell's local coordinates u, v, w in [0, 1]:
 * cell (i, j, k) starts at index 4^d (i + (nx-1) (j + (ny-1) k)), and coefficient a + 4b + 16c multiplies
 * u^a v^b w^c. Unused dimensions have one cell and no wall, so every evaluator can treat a point as 3D.
 */
class OPENMM_EXPORT_EFFPOT SplineTable {
public:
    /**
     * @param caller   the class or method named in errors
     * @throws OpenMMException if the grid, box, values or stiffnesses are not valid
     */
    SplineTable(const std::vector<int>& nodes, const std::vector<double>& lower, const std::vector<double>& upper,
                const std::vector<double>& values, const std::vector<double>& wallStiffness, const std::string& caller);
    /** Check the arguments the constructor takes, with errors that name `caller`. */
    static void validate(const std::vector<int>& nodes, const std::vector<double>& lower, const std::vector<double>& upper,
                         const std::vector<double>& values, const std::vector<double>& wallStiffness, const std::string& caller);
    int getDimensions() const {
        return dimensions;
    }
    /**
     * U at a point (3 coordinates, the unused ones ignored), in kJ/mol, and its gradient (3 entries, 0 along
     * unused coordinates) if `gradient` is not null. A NaN coordinate gives a NaN energy and gradient.
     */
    double evaluate(const double* point, double* gradient) const;
    /** The per-cell coefficients (layout above). */
    const std::vector<double>& getCoefficients() const {
        return coefficients;
    }
    /**
     * The same coefficients with each cell's 4 x 4 blocks of one w power transposed (2D and 3D; empty in 1D):
     * index 16c + 4a + b of a cell holds the coefficient of u^a v^b w^c, so that the four v powers of one u power
     * are contiguous. The AVX2 lane loops evaluate a cell's four v rows at once in one register from it.
     */
    const std::vector<double>& getTransposedCoefficients() const {
        return transposed;
    }
    /** The geometry the evaluators need, per coordinate x, y, z. */
    struct Layout {
        int cells[3];          ///< cells per coordinate (1 for unused ones)
        int stride[3];         ///< index step of the cell per coordinate (in cells)
        double origin[3];      ///< the lower corner of the box (0 for unused)
        double inverseSpacing[3];
        double spacing[3];
        double low[3], high[3];///< the clamp bounds (the box less the inset)
        double wall[3];        ///< wall stiffness (0 for unused)
        int dimensions;
        int coefficientsPerCell;
    };
    const Layout& getLayout() const {
        return layout;
    }
private:
    int dimensions;
    Layout layout;
    std::vector<double> coefficients, transposed;
};

} // namespace EffPot

#endif /*EFFPOT_SPLINE_TABLE_H_*/
