#ifndef EFFPOT_SERIALIZATION_HELPERS_H_
#define EFFPOT_SERIALIZATION_HELPERS_H_

#include "openmm/OpenMMException.h"
#include "openmm/serialization/SerializationNode.h"
#include <cmath>
#include <cstdlib>
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

/** text without the whitespace around it (XML attribute values may carry it). */
inline std::string trimmed(const std::string& text) {
    size_t first = text.find_first_not_of(" \t\r\n"), last = text.find_last_not_of(" \t\r\n");
    return (first == std::string::npos ? std::string() : text.substr(first, last-first+1));
}

/**
 * Property `key` of `node` as a number, read strictly: the whole text must be one number. (OpenMM's
 * getDoubleProperty and getIntProperty read "abc" as 0 and "0.5abc" as 0.5, so a damaged file would load as if it
 * held zeros.) A missing property is OpenMM's "Unknown property" exception.
 */
inline double readNumber(const OpenMM::SerializationNode& node, const std::string& key, const std::string& owner,
                         const std::string& place = "") {
    const std::string& text = node.getStringProperty(key);
    const std::string number = trimmed(text);
    const char* start = number.c_str();
    char* end = NULL;
    double value = std::strtod(start, &end);
    if (number.empty() || end != start+number.size())
        throw OpenMM::OpenMMException(owner+": the file's "+(place.empty() ? node.getName()+" "+key : place)+" holds \""+text+
                                      "\", which is not a number: the file is damaged; write it again");
    return value;
}

/** readNumber, or `absent` if the node has no such property (files written before it existed). */
inline double readNumber(const OpenMM::SerializationNode& node, const std::string& key, double absent, const std::string& owner) {
    return (node.hasProperty(key) ? readNumber(node, key, owner) : absent);
}

/** readNumber as a whole number of type T, in its range. */
template <class T>
T readWhole(const OpenMM::SerializationNode& node, const std::string& key, const std::string& owner) {
    return fromFileValue<T>(readNumber(node, key, owner), owner, node.getName()+" "+key);
}

/** readWhole, or `absent` if the node has no such property. */
template <class T>
T readWhole(const OpenMM::SerializationNode& node, const std::string& key, T absent, const std::string& owner) {
    return (node.hasProperty(key) ? readWhole<T>(node, key, owner) : absent);
}

/** Property `key` of `node` as a flag, read strictly: 0 or 1 (as OpenMM writes it), or false or true. */
inline bool readFlag(const OpenMM::SerializationNode& node, const std::string& key, const std::string& owner) {
    const std::string& text = node.getStringProperty(key);
    const std::string flag = trimmed(text);
    if (flag == "1" || flag == "true")
        return true;
    if (flag == "0" || flag == "false")
        return false;
    throw OpenMM::OpenMMException(owner+": the file's "+node.getName()+" "+key+" holds \""+text+"\", which is not a number (a "
                                  "flag, 0 or 1): the file is damaged; write it again");
}

/** readFlag, or `absent` if the node has no such property. */
inline bool readFlag(const OpenMM::SerializationNode& node, const std::string& key, bool absent, const std::string& owner) {
    return (node.hasProperty(key) ? readFlag(node, key, owner) : absent);
}

template <class T>
std::vector<T> readList(const OpenMM::SerializationNode& parent, const std::string& name, const std::string& owner = "XmlSerializer") {
    std::vector<T> values;
    for (const OpenMM::SerializationNode& child : parent.getChildNode(name).getChildren())
        values.push_back(fromFileValue<T>(readNumber(child, "v", owner, name), owner, name));
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
    int version = readWhole<int>(node, "version", owner);
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
