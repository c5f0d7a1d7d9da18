#ifndef EFFPOT_CONFINING_FLOOR_H_
#define EFFPOT_CONFINING_FLOOR_H_

#include <vector>

namespace EffPot {

/**
 * The continuation of a learned U outside its sampled support: U + (curvature / 2) d^2, with d the distance to
 * the nearest supported lattice point (docs/theory.md section 7).
 *
 * Why this form: d^2 / 2 = min over supported points s of |x - s|^2 / 2 is a minimum of functions whose Hessian
 * is the identity, so its Hessian never exceeds the identity, and the added term never curves more than
 * `curvature` (it only has downward kinks, where two nearest points meet). It is zero with a zero gradient at the
 * support, so the table has no kink there, and it grows quadratically, so the surrogate stays confined. The old
 * cone (a slope from the edge) had a kink at the edge and ridges between edge points whose curvature, in the
 * interpolated table, reached 20 times that of the landscape: surrogates blew up at a few times the learning step.
 */
struct ConfiningFloor {
    /**
     * @param values     U at every lattice point (x fastest); unsupported points are raised in place
     * @param supported  nonzero for points inside the support
     * @param shape      points per dimension
     * @param spacing    lattice spacing per dimension (nm)
     * @param curvature  the curvature of the continuation (kJ/mol/nm^2), e.g. U's largest in its well-sampled part
     * @param floor      no unsupported point ends below this (kJ/mol): a last guard against an extrapolation that
     *                   falls faster than the quadratic rises (none seen on the reference problems)
     */
    static void raise(std::vector<double>& values, const std::vector<int>& supported, const std::vector<int>& shape,
                      const std::vector<double>& spacing, double curvature, double floor);
    /**
     * The squared Euclidean distance (nm^2) from every lattice point to the nearest supported one (exact, by
     * separable lower envelopes of parabolas, Felzenszwalb and Huttenlocher 2012), infinite if none is supported.
     */
    static std::vector<double> squaredDistance(const std::vector<int>& supported, const std::vector<int>& shape,
                                               const std::vector<double>& spacing);
    /** `passes` passes of the (1, 2, 1) / 4 filter along every dimension (end points repeated), in place. */
    static void smooth(std::vector<double>& field, const std::vector<int>& shape, int passes);
};

} // namespace EffPot

#endif /*EFFPOT_CONFINING_FLOOR_H_*/
