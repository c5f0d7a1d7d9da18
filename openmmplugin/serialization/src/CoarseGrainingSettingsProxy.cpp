#include "CoarseGrainingSettingsProxy.h"
#include "SerializationHelpers.h"
#include "openmm/OpenMMException.h"
#include <cctype>
#include <map>

using namespace EffPot;
using namespace EffPot::SerializationHelpers;
using namespace OpenMM;
using namespace std;

CoarseGrainingSettingsProxy::CoarseGrainingSettingsProxy() : SerializationProxy("CoarseGrainingSettings") {
}

namespace {

// A list's element: the field's name, capitalized (initialPositions -> <InitialPositions>).
string elementName(const string& field) {
    string name = field;
    name[0] = (char) toupper(name[0]);
    return name;
}

struct Writer {
    SerializationNode& node;
    void operator()(const double& x, const char* field, const char*, const char*, const char*, const char*) {
        node.setDoubleProperty(field, x);
    }
    void operator()(const int& x, const char* field, const char*, const char*, const char*, const char*) {
        node.setIntProperty(field, x);
    }
    void operator()(const bool& x, const char* field, const char*, const char*, const char*, const char*) {
        node.setBoolProperty(field, x);
    }
    template <class T>
    void operator()(const vector<T>& x, const char* field, const char*, const char*, const char*, const char*) {
        writeList(node, elementName(field), x);
    }
};

// Reads every field, by the names of `legacy` files (a version-1 CoarseGrainer's flat properties) where given. A
// field the file lacks is an error, except those added since files were first written, which take `added`.
struct Reader {
    const SerializationNode& node;
    const string& owner;
    bool legacy;
    const map<string, string> legacyNames = {{"randomSeed", "seed"}, {"initialPositions", "Positions"},
            {"initialBoxLower", "BoxLower"}, {"initialBoxUpper", "BoxUpper"}, {"gridBoxLower", "GridLower"},
            {"gridBoxUpper", "GridUpper"}, {"gridBins", "GridBins"}};
    // Files from before Stage 1 had rounds ran one round, and those from before Stage 2 was refined ran it once:
    // they rerun as they did. numThreads and
    // restartFrozenReplicas came after version 1 of the CoarseGrainer file.
    const map<string, double> added = {{"numThreads", 0}, {"restartFrozenReplicas", 1}, {"stage1Tolerance", 0.01},
            {"maxStage1Rounds", 1}, {"stage2Refinements", 0}};
    string nameOf(const char* field, bool list) const {
        if (legacy && legacyNames.count(field))
            return legacyNames.at(field);
        return list ? elementName(field) : string(field);
    }
    bool present(const string& name) const {
        return node.hasProperty(name);
    }
    void operator()(double& x, const char* field, const char*, const char*, const char*, const char*) {
        string name = nameOf(field, false);
        x = (!present(name) && added.count(field) ? added.at(field) : readNumber(node, name, owner));
    }
    void operator()(int& x, const char* field, const char*, const char*, const char*, const char*) {
        string name = nameOf(field, false);
        x = (!present(name) && added.count(field) ? (int) added.at(field) : readWhole<int>(node, name, owner));
    }
    void operator()(bool& x, const char* field, const char*, const char*, const char*, const char*) {
        string name = nameOf(field, false);
        x = (!present(name) && added.count(field) ? added.at(field) != 0 : readFlag(node, name, owner));
    }
    void operator()(vector<double>& x, const char* field, const char*, const char*, const char*, const char*) {
        x = readFiniteList(node, nameOf(field, true), owner);
    }
    void operator()(vector<int>& x, const char* field, const char*, const char*, const char*, const char*) {
        x = readList<int>(node, nameOf(field, true), owner);
    }
};

} // namespace

void CoarseGrainingSettingsProxy::write(const CoarseGrainingSettings& s, SerializationNode& node) {
    Writer writer = {node};
    CoarseGrainingSettings::visitFields(s, writer);
}

CoarseGrainingSettings CoarseGrainingSettingsProxy::read(const SerializationNode& node, const string& owner, bool legacy) {
    CoarseGrainingSettings s;
    Reader reader = {node, owner, legacy};
    CoarseGrainingSettings::visitFields(s, reader);
    return s;
}

void CoarseGrainingSettingsProxy::serialize(const void* object, SerializationNode& node) const {
    node.setIntProperty("version", 1);
    write(*reinterpret_cast<const CoarseGrainingSettings*>(object), node);
}

void* CoarseGrainingSettingsProxy::deserialize(const SerializationNode& node) const {
    const string owner = "CoarseGrainingSettings.deserialize";
    readVersion(node, owner, 1, 1);
    CoarseGrainingSettings settings = read(node, owner);
    settings.check(0, owner);
    return new CoarseGrainingSettings(settings);
}
