#ifndef EFFPOT_CONFINING_FLOOR_H_
#define EFFPOT_CONFINING_FLOOR_H_

#include <vector>

namespace EffPot {

/**
 * What a learned potential is raised to outside its sampled support, on a regular lattice of points (x fastest):
 * at least the cone min_s (U_s + slope |x - x_s|) over the supported points s (distances along lattice steps to
 * any of the 3^d - 1 neighbours), with the slope the steepest gradient of U between neighbouring supported points,
 * raised to kT per 5% of the lattice's extent, then capped at kT per lattice spacing. EffectivePotential's table
 * uses it on its nodes; the fitter's choice of grid uses it on the recorded bins, so that each candidate grid is
 * judged by the potential a surrogate would get.
 */
struct ConfiningFloor {
    /**
     * @param values     U at every lattice point; unsupported points are raised in place
     * @param supported  nonzero for points inside the support
     * @param shape      points per dimension
     * @param spacing    lattice spacing per dimension (nm)
     * @param kT         the thermal energy (kJ/mol)
     */
    static void raise(std::vector<double>& values, const std::vector<int>& supported, const std::vector<int>& shape,
                      const std::vector<double>& spacing, double kT);
};

} // namespace EffPot

#endif /*EFFPOT_CONFINING_FLOOR_H_*/
