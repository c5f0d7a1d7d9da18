#ifndef EFFPOT_COARSE_GRAINER_PROXY_H_
#define EFFPOT_COARSE_GRAINER_PROXY_H_

#include "internal/windowsExportEffPot.h"
#include "openmm/serialization/SerializationProxy.h"

namespace EffPot {

/**
 * XmlSerializer support for CoarseGrainer's settings (not its results, progress reporter, threads or platform
 * properties), so that pieces of a run can be shipped to other processes as plain text (effpot.distributed). A
 * user's System travels inside it through OpenMM's own System proxy.
 */
class OPENMM_EXPORT_EFFPOT CoarseGrainerProxy : public OpenMM::SerializationProxy {
public:
    CoarseGrainerProxy();
    void serialize(const void* object, OpenMM::SerializationNode& node) const;
    void* deserialize(const OpenMM::SerializationNode& node) const;
};

} // namespace EffPot

#endif /*EFFPOT_COARSE_GRAINER_PROXY_H_*/
