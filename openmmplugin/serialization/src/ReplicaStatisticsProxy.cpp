#include "ReplicaStatisticsProxy.h"
#include "ReplicaStatistics.h"
#include "SerializationHelpers.h"
#include "openmm/OpenMMException.h"
#include <memory>

using namespace EffPot;
using namespace EffPot::SerializationHelpers;
using namespace OpenMM;
using namespace std;

ReplicaStatisticsProxy::ReplicaStatisticsProxy() : SerializationProxy("ReplicaStatistics") {
}

void ReplicaStatisticsProxy::serialize(const void* object, SerializationNode& node) const {
    const ReplicaStatistics& s = *reinterpret_cast<const ReplicaStatistics*>(object);
    node.setIntProperty("version", 2);
    node.setIntProperty("dimensions", s.getDimensions());
    node.setIntProperty("groups", s.getNumGroups());
    node.setIntProperty("batches", s.getNumBatches());
    node.setIntProperty("maxStoredSamples", s.getMaxStoredSamples());
    node.setDoubleProperty("outside", (double) s.getOutsideCount());
    node.setDoubleProperty("frozenReplicas", (double) s.getNumFrozenReplicas());
    node.setDoubleProperty("discardedSamples", (double) s.getNumDiscardedSamples());
    writeList(node, "GridLower", s.getGrid().getLower());
    writeList(node, "GridUpper", s.getGrid().getUpper());
    writeList(node, "GridBins", s.getGrid().getBins());
    writeList(node, "Counts", s.getCounts());
    writeList(node, "QuadraticSums", s.getQuadraticSums());
    writeList(node, "SecondMoments", s.getSecondMoments());
    writeList(node, "DriftCounts", s.getDriftCounts());
    writeList(node, "DriftSecondMoments", s.getDriftSecondMoments());
    SerializationNode& groups = node.createChildNode("Groups");
    for (int g = 0; g < s.getNumGroups(); g++) {
        SerializationNode& group = groups.createChildNode("Group");
        writeList(group, "PowerSums", s.getPowerSums(g));
        writeList(group, "StoredMomenta", s.getStoredMomenta(g));
    }
    SerializationNode& histograms = node.createChildNode("Histograms");
    if (s.hasHistogram())
        for (int b = 0; b < s.getNumBatches(); b++)
            writeList(histograms, "Histogram", s.getHistogram(b));
}

void* ReplicaStatisticsProxy::deserialize(const SerializationNode& node) const {
    int version = node.getIntProperty("version");
    if (version != 1 && version != 2)
        throw OpenMMException("ReplicaStatistics: unsupported version "+to_string(node.getIntProperty("version")));
    vector<double> lower = readList<double>(node, "GridLower");
    RegularGrid grid;
    if (!lower.empty())
        grid = RegularGrid(lower, readList<double>(node, "GridUpper"), readList<int>(node, "GridBins"));
    unique_ptr<ReplicaStatistics> s(new ReplicaStatistics(node.getIntProperty("dimensions"), node.getIntProperty("groups"),
            node.getIntProperty("batches"), grid, node.getIntProperty("maxStoredSamples")));
    vector<vector<double> > powerSums, stored;
    for (const SerializationNode& group : node.getChildNode("Groups").getChildren()) {
        powerSums.push_back(readList<double>(group, "PowerSums"));
        stored.push_back(readList<double>(group, "StoredMomenta"));
    }
    vector<vector<long long> > histograms;
    for (const SerializationNode& histogram : node.getChildNode("Histograms").getChildren()) {
        vector<long long> counts;
        for (const SerializationNode& value : histogram.getChildren())
            counts.push_back((long long) value.getDoubleProperty("v"));
        histograms.push_back(counts);
    }
    s->setRawState(readList<long long>(node, "Counts"), readList<double>(node, "QuadraticSums"), readList<double>(node, "SecondMoments"),
                   powerSums, stored, histograms, (long long) node.getDoubleProperty("outside"),
                   readList<long long>(node, "DriftCounts"), readList<double>(node, "DriftSecondMoments"));
    // Version 1 predates the frozen-replica watch: nothing was dropped then.
    if (version >= 2)
        s->addFrozen((long long) node.getDoubleProperty("frozenReplicas"), (long long) node.getDoubleProperty("discardedSamples"));
    return s.release();
}
