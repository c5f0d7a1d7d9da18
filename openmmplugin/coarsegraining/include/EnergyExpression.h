#ifndef EFFPOT_ENERGY_EXPRESSION_H_
#define EFFPOT_ENERGY_EXPRESSION_H_

#include "internal/windowsExportEffPot.h"
#include <string>
#include <vector>

namespace EffPot {

/**
 * Evaluate an energy expression of x (1D), x, y (2D) or x, y, z (3D) in OpenMM's expression syntax at many points,
 * with the same parser OpenMM's custom forces use, so that Python code (reports, accuracy metrics) evaluates a
 * reference energy exactly as the simulation does.
 */
namespace EnergyExpression {

/**
 * @param energy       the expression (variables x, y, z only)
 * @param dimensions   1, 2 or 3
 * @param points       N x dimensions coordinates (row-major), in nm
 * @return the N energies, in kJ/mol
 */
OPENMM_EXPORT_EFFPOT std::vector<double> evaluate(const std::string& energy, int dimensions, const std::vector<double>& points);

} // namespace EnergyExpression
} // namespace EffPot

#endif /*EFFPOT_ENERGY_EXPRESSION_H_*/
