#ifndef EFFPOT_BLOCK_MATRIX_ALGEBRA_H_
#define EFFPOT_BLOCK_MATRIX_ALGEBRA_H_

#include "DampedVerletMatrices.h"
#include <string>
#include <vector>

namespace EffPot {

/**
 * The host-side linear algebra of DampedVerletIntegrator (Eigen, double precision): input checks and the
 * matrices of the exact friction / Ornstein-Uhlenbeck half step.
 */
namespace BlockMatrixAlgebra {

/** What a square matrix must be. */
enum class Definiteness { PositiveDefinite, PositiveSemidefinite };

/**
 * Check that a row-major matrix has n*n finite entries, is symmetric and has the required definiteness;
 * throw OpenMMException naming `what` (e.g. "DampedVerletIntegrator.addBlock: massMatrix") otherwise.
 */
void checkMatrix(const std::vector<double>& matrix, int n, Definiteness definiteness, const std::string& what);

/**
 * Build the parameter set of one block for a half step t = h/2.
 *
 * @param mass         M (n x n)
 * @param friction     Gamma (n x n)
 * @param noise        explicit momentum-noise covariance D (n x n), or empty
 * @param kT           the thermal energy for fluctuation-dissipation when noise is empty (0: deterministic)
 * @param halfStep     t = h/2, in ps
 */
DampedVerletMatrices::ParameterSet buildParameterSet(const std::vector<double>& mass, const std::vector<double>& friction,
        const std::vector<double>& noise, double kT, double halfStep);

/**
 * Draw-ready factor F with F F^T = kT M^-1: v = F z, z ~ N(0, I), has Cov(v) = kT M^-1.
 */
std::vector<double> thermalVelocityFactor(const std::vector<double>& mass, double kT);

} // namespace BlockMatrixAlgebra
} // namespace EffPot

#endif /*EFFPOT_BLOCK_MATRIX_ALGEBRA_H_*/
