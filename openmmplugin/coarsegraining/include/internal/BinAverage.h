#ifndef EFFPOT_BIN_AVERAGE_H_
#define EFFPOT_BIN_AVERAGE_H_

namespace EffPot {

class PSplineFit;
class RegularGrid;

/**
 * What a histogram bin measures: the average of rho = exp(-U/kT) over the bin, not rho at its centre c. With
 * A_b = mean over bin b of exp(-(U(q) - U(c))/kT),
 *
 *     -kT log(mean of rho over b) = U(c) - kT log A_b,
 *
 * so a Boltzmann inversion at the bin centres comes out flatter than U wherever U curves or is steep
 * (docs/theory.md section 6). PotentialFitter adds kT log A_b, taken from its current fit of U, to each bin's
 * value and refits until the values stop changing.
 *
 * Why exact quadrature and not the second-order expansion kT log A = sum_i (w_i^2/24)(U_i^2/kT - U_ii): on the
 * coarse bins a 3D fit ends up with (8 per dimension, about 1.25 standard deviations wide) the expansion leaves a
 * quadratic U 1.3% too flat, and the fixed point of the exact average converges to U itself.
 */
struct BinAverage {
    /**
     * kT log A_b for bin `bin` of `grid`, A_b by the tensor 3-point Gauss-Legendre rule (exact for polynomials of
     * degree 5 per dimension; on bins of 1.25 and 2 standard deviations of a Gaussian, the 3- and 4-point rules
     * reach the same fixed point within 1e-4), as a log-sum-exp so that a steep first fit cannot overflow.
     */
    static double logCorrection(const PSplineFit& spline, const RegularGrid& grid, int bin, double kT);
};

} // namespace EffPot

#endif /*EFFPOT_BIN_AVERAGE_H_*/
