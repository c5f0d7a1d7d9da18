#ifndef EFFPOT_SERIALIZATION_HELPERS_H_
#define EFFPOT_SERIALIZATION_HELPERS_H_

#include "openmm/OpenMMException.h"
#include "openmm/serialization/SerializationNode.h"
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace EffPot {

/**
 * Number lists in XmlSerializer nodes, one child per value (<Value v="..."/>), exact in double precision.
 */
namespace SerializationHelpers {

template <class T>
void writeList(OpenMM::SerializationNode& parent, const std::string& name, const std::vector<T>& values) {
    OpenMM::SerializationNode& node = parent.createChildNode(name);
    for (const T& x : values)
        node.createChildNode("Value").setDoubleProperty("v", (double) x);
}

/**
 * A value read from a file, as T: an integral T must get a whole number in its range (a cast of anything else is
 * undefined behaviour), else OpenMMException("owner: ... name ...").
 */
template <class T>
T fromFileValue(double v, const std::string& owner, const std::string& name) {
    if (std::is_integral<T>::value) {
        if (!std::isfinite(v) || v != std::floor(v) || v < (double) std::numeric_limits<T>::lowest() ||
                v > (double) std::numeric_limits<T>::max())
            throw OpenMM::OpenMMException(owner+": the file's "+name+" holds "+std::to_string(v)+" where a whole number is "
                                          "needed: the file is damaged; write it again");
    }
    return (T) v;
}

template <class T>
std::vector<T> readList(const OpenMM::SerializationNode& parent, const std::string& name, const std::string& owner = "XmlSerializer") {
    std::vector<T> values;
    for (const OpenMM::SerializationNode& child : parent.getChildNode(name).getChildren())
        values.push_back(fromFileValue<T>(child.getDoubleProperty("v"), owner, name));
    return values;
}

/** readList, every value finite (else OpenMMException naming the owner and the list). */
inline std::vector<double> readFiniteList(const OpenMM::SerializationNode& parent, const std::string& name, const std::string& owner) {
    std::vector<double> values = readList<double>(parent, name, owner);
    for (double v : values)
        if (!std::isfinite(v))
            throw OpenMM::OpenMMException(owner+": the file's "+name+" holds a value that is not finite ("+std::to_string(v)+
                                          "): the file is damaged; write it again");
    return values;
}

/** The file's "version" property, which must be one of the supported ones. */
inline int readVersion(const OpenMM::SerializationNode& node, const std::string& owner, int lowest, int highest) {
    int version = node.getIntProperty("version");
    if (version < lowest || version > highest)
        throw OpenMM::OpenMMException(owner+": file version "+std::to_string(version)+" is not supported (this effpot reads "+
                                      (lowest == highest ? std::to_string(lowest) : std::to_string(lowest)+" to "+std::to_string(highest))+
                                      "): use the effpot version that wrote it");
    return version;
}

/** Throws OpenMMException("owner: the file's what: the file is damaged; write it again") unless ok. */
inline void require(bool ok, const std::string& owner, const std::string& what) {
    if (!ok)
        throw OpenMM::OpenMMException(owner+": the file's "+what+": the file is damaged or not written by this effpot; write it again");
}

} // namespace SerializationHelpers
} // namespace EffPot

#endif /*EFFPOT_SERIALIZATION_HELPERS_H_*/
