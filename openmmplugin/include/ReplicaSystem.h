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
 * throw OpenMMException naming the offending variable or the parse error otherwise.
 */
OPENMM_EXPORT_EFFPOT void validateEnergy(const std::string& energy, int dimensions);

/**
 * Create a System of `numReplicas` particles of mass 1 with a CustomExternalForce of `energy` on each. The caller
 * owns the System.
 */
OPENMM_EXPORT_EFFPOT OpenMM::System* create(const std::string& energy, int dimensions, int numReplicas);

} // namespace ReplicaSystem
} // namespace EffPot

#endif /*EFFPOT_REPLICA_SYSTEM_H_*/
