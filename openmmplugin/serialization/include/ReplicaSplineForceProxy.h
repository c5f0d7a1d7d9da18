#ifndef EFFPOT_REPLICA_SPLINE_FORCE_PROXY_H_
#define EFFPOT_REPLICA_SPLINE_FORCE_PROXY_H_

#include "internal/windowsExportEffPot.h"
#include "openmm/serialization/SerializationProxy.h"

namespace EffPot {

/**
 * XmlSerializer support for ReplicaSplineForce (so that Systems using it can be saved and loaded). Values are
 * written with the serializer's full double precision, so a round trip gives the same forces bit for bit.
 */
class OPENMM_EXPORT_EFFPOT ReplicaSplineForceProxy : public OpenMM::SerializationProxy {
public:
    ReplicaSplineForceProxy();
    void serialize(const void* object, OpenMM::SerializationNode& node) const;
    void* deserialize(const OpenMM::SerializationNode& node) const;
};

} // namespace EffPot

#endif /*EFFPOT_REPLICA_SPLINE_FORCE_PROXY_H_*/
