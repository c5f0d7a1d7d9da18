#ifndef EFFPOT_REPLICA_SYSTEM_H_
#define EFFPOT_REPLICA_SYSTEM_H_

#include "internal/windowsExportEffPot.h"
#include <string>

namespace OpenMM {
class System;
}

namespace EffPot {

/**
 * Systems of independent replicas of a low-dimensional energy landscape: one particle per replica, the energy an
 * OpenMM expression of the particle's own x (1D), x, y (2D) or x, y, z (3D); the other Cartesian components feel
 * no force and stay inert.
 */
namespace ReplicaSystem {

/**
 * Check that `energy` parses as an OpenMM expression and uses no variable but the first `dimensions` of x, y, z;
 * throw OpenMMException, starting with `caller`, naming the offending variable or the parse error otherwise.
 */
OPENMM_EXPORT_EFFPOT void validateEnergy(const std::string& energy, int dimensions, const std::string& caller = "ReplicaSystem");

/** Which Force evaluates the energy of the replicas. */
enum ForceKind {
    ReplicaExpression, /**< EffPot::ReplicaExpressionForce: vectorized and threaded (the default) */
    CustomExternal     /**< OpenMM::CustomExternalForce: the same values to round-off, slower; for comparisons */
};

/**
 * Create a System of `numReplicas` particles of mass 1 with a ReplicaExpressionForce of `energy` on each. The
 * caller owns the System.
 */
OPENMM_EXPORT_EFFPOT OpenMM::System* create(const std::string& energy, int dimensions, int numReplicas);

/**
 * Create a System of `numReplicas` particles of mass 1 with the Force `kind` of `energy` on each. The caller owns
 * the System.
 */
OPENMM_EXPORT_EFFPOT OpenMM::System* create(const std::string& energy, int dimensions, int numReplicas, ForceKind kind);

} // namespace ReplicaSystem
} // namespace EffPot

#endif /*EFFPOT_REPLICA_SYSTEM_H_*/
