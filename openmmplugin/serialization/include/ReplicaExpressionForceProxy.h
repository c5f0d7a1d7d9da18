#ifndef EFFPOT_REPLICA_EXPRESSION_FORCE_PROXY_H_
#define EFFPOT_REPLICA_EXPRESSION_FORCE_PROXY_H_

#include "internal/windowsExportEffPot.h"
#include "openmm/serialization/SerializationProxy.h"

namespace EffPot {

/**
 * XmlSerializer support for ReplicaExpressionForce (so that Systems using it can be saved and loaded).
 */
class OPENMM_EXPORT_EFFPOT ReplicaExpressionForceProxy : public OpenMM::SerializationProxy {
public:
    ReplicaExpressionForceProxy();
    void serialize(const void* object, OpenMM::SerializationNode& node) const;
    void* deserialize(const OpenMM::SerializationNode& node) const;
};

} // namespace EffPot

#endif /*EFFPOT_REPLICA_EXPRESSION_FORCE_PROXY_H_*/
