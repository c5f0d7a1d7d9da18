#ifndef EFFPOT_SERIALIZATION_HELPERS_H_
#define EFFPOT_SERIALIZATION_HELPERS_H_

#include "openmm/serialization/SerializationNode.h"
#include <string>
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

template <class T>
std::vector<T> readList(const OpenMM::SerializationNode& parent, const std::string& name) {
    std::vector<T> values;
    for (const OpenMM::SerializationNode& child : parent.getChildNode(name).getChildren())
        values.push_back((T) child.getDoubleProperty("v"));
    return values;
}

} // namespace SerializationHelpers
} // namespace EffPot

#endif /*EFFPOT_SERIALIZATION_HELPERS_H_*/
