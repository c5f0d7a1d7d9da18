#ifndef EFFPOT_XML_LOADING_H_
#define EFFPOT_XML_LOADING_H_

#include "internal/windowsExportEffPot.h"
#include <string>

namespace EffPot {

/**
 * Checks, before OpenMM's XmlSerializer sees it, that `xml` is a whole XmlSerializer document of the expected kind.
 *
 * XmlSerializer::deserialize<T> builds whatever object the root's "type" attribute names and casts it to T, so a
 * file of another kind (a System, an integrator, the force in potential.xml) would be used as a T: undefined
 * behaviour. This reads only the root element: it must be <rootName ... type="type" ...>, and the document must end
 * with its closing tag (a truncated file does not), and its elements may nest at most MaxXmlDepth levels (OpenMM's
 * reader recurses per level and would overflow the stack). Otherwise it throws OpenMMException("caller: source ...
 * what is wrong ... fix"), where source names the file (or "the XML text").
 */
OPENMM_EXPORT_EFFPOT void checkSerializedType(const std::string& xml, const std::string& rootName, const std::string& type,
                                              const std::string& caller, const std::string& source);

/** The deepest element nesting checkSerializedType accepts. */
const int MaxXmlDepth = 1000;

/** How deep the elements of an XML text nest (0: none), found without recursion. */
OPENMM_EXPORT_EFFPOT int xmlNestingDepth(const std::string& xml);

/** The root element's name and "type" attribute ("" if absent) of an XML text; false if there is no root element. */
OPENMM_EXPORT_EFFPOT bool readXmlRoot(const std::string& xml, std::string& name, std::string& type);

} // namespace EffPot

#endif /*EFFPOT_XML_LOADING_H_*/
