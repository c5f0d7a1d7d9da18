#ifndef EFFPOT_EFFECTIVE_POTENTIAL_PROXY_H_
#define EFFPOT_EFFECTIVE_POTENTIAL_PROXY_H_

#include "internal/windowsExportEffPot.h"
#include "openmm/serialization/SerializationProxy.h"

namespace EffPot {

/**
 * XmlSerializer support for EffectivePotential: the saved file format of a learned potential (docs/file-formats.md).
 */
class OPENMM_EXPORT_EFFPOT EffectivePotentialProxy : public OpenMM::SerializationProxy {
public:
    EffectivePotentialProxy();
    void serialize(const void* object, OpenMM::SerializationNode& node) const;
    void* deserialize(const OpenMM::SerializationNode& node) const;
};

} // namespace EffPot

#endif /*EFFPOT_EFFECTIVE_POTENTIAL_PROXY_H_*/
