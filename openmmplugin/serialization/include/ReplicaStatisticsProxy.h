#ifndef EFFPOT_REPLICA_STATISTICS_PROXY_H_
#define EFFPOT_REPLICA_STATISTICS_PROXY_H_

#include "internal/windowsExportEffPot.h"
#include "openmm/serialization/SerializationProxy.h"

namespace EffPot {

/**
 * XmlSerializer support for ReplicaStatistics, so that statistics made in other processes can be merged.
 */
class OPENMM_EXPORT_EFFPOT ReplicaStatisticsProxy : public OpenMM::SerializationProxy {
public:
    ReplicaStatisticsProxy();
    void serialize(const void* object, OpenMM::SerializationNode& node) const;
    void* deserialize(const OpenMM::SerializationNode& node) const;
};

} // namespace EffPot

#endif /*EFFPOT_REPLICA_STATISTICS_PROXY_H_*/
