#ifndef EFFPOT_COARSE_GRAINING_SETTINGS_PROXY_H_
#define EFFPOT_COARSE_GRAINING_SETTINGS_PROXY_H_

#include "CoarseGrainingSettings.h"
#include "internal/windowsExportEffPot.h"
#include "openmm/serialization/SerializationProxy.h"

namespace EffPot {

/**
 * XmlSerializer support for CoarseGrainingSettings: every field, by its own name. CoarseGrainerProxy writes the
 * settings of a CoarseGrainer through it (as a child node), so there is one list of properties for both.
 * Deserialized values are checked by CoarseGrainingSettings::check, as the setters check them.
 */
class OPENMM_EXPORT_EFFPOT CoarseGrainingSettingsProxy : public OpenMM::SerializationProxy {
public:
    CoarseGrainingSettingsProxy();
    void serialize(const void* object, OpenMM::SerializationNode& node) const;
    void* deserialize(const OpenMM::SerializationNode& node) const;
    /** Write `settings` as properties and children of `node`. */
    static void write(const CoarseGrainingSettings& settings, OpenMM::SerializationNode& node);
    /**
     * Read settings written by write() (`legacy`: the flat properties of a version-1 CoarseGrainer node, which named
     * some of them differently), unchecked: the caller checks them for its dimensions.
     */
    static CoarseGrainingSettings read(const OpenMM::SerializationNode& node, const std::string& owner, bool legacy = false);
};

} // namespace EffPot

#endif /*EFFPOT_COARSE_GRAINING_SETTINGS_PROXY_H_*/
