#ifndef EFFPOT_CALIBRATION_H_
#define EFFPOT_CALIBRATION_H_

#include "internal/windowsExportEffPot.h"
#include <string>
#include <vector>

namespace EffPot {

/**
 * The physics a potential was learned under (docs/theory.md sections 4, 5 and 8): the step, mass and friction of
 * the run whose positions were fitted, the temperatures, and the model the replicas came from. The surrogate
 * models are built from it: the surrogate Langevin model runs U with this mass, friction and kT; the reference
 * model runs the full energy at this step, mass and friction.
 *
 * 1D: M = m, Gamma = gamma m. 2D/3D (Stage 2): M = I, Gamma = D / (2 kT*), with D the Stage-1 estimate.
 */
class OPENMM_EXPORT_EFFPOT Calibration {
public:
    /** The step size h (ps) of the data-generating run; 0 when the potential was not learned by effpot. */
    double stepSize = 0;
    /** The mass matrix M (d x d, row-major, dalton). */
    std::vector<double> mass;
    /** The friction matrix Gamma (d x d, row-major, dalton/ps). */
    std::vector<double> friction;
    /** The learned temperature kT (kJ/mol): the one the positions sampled, EffectivePotential::getKT(). */
    double kT = 0;
    /** The target temperature kT* of Stage 2 (kJ/mol); in 1D the temperature of the starting velocities. */
    double targetKT = 0;
    /** The full energy expression (x, y, z) of the replicas; empty when they were particles of a user's System. */
    std::string energy;
    /** The user's System the replicas came from (OpenMM XML), or empty. */
    std::string systemXml;
    /** Whether the record is filled in (the potential was learned by CoarseGrainer). */
    bool isKnown() const {
        return stepSize > 0;
    }
    /** Whether the replicas were particles of a user's System (then energy is empty). */
    bool fromUserSystem() const {
        return !systemXml.empty();
    }
};

} // namespace EffPot

#endif /*EFFPOT_CALIBRATION_H_*/
