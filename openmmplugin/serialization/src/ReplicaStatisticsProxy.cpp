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
    // Sizes are checked against the lists the file holds before anything is allocated from them.
    const string owner = "ReplicaStatistics.deserialize";
    int version = readVersion(node, owner, 1, 2);
    int d = readWhole<int>(node, "dimensions", owner), groups = readWhole<int>(node, "groups", owner), batches = readWhole<int>(node, "batches", owner);
    int maxStored = readWhole<int>(node, "maxStoredSamples", owner);
    require(d >= 1 && d <= 3, owner, "dimensions is "+to_string(d)+" (1, 2 or 3)");
    require(groups >= 1 && batches >= 1 && maxStored >= 0, owner, "groups, batches or maxStoredSamples is out of range");
    vector<long long> counts = readList<long long>(node, "Counts", owner);
    require((double) groups*batches == (double) counts.size(), owner, "Counts has "+to_string(counts.size())+
            " values, groups x batches = "+to_string((double) groups*batches));
    vector<double> lower = readFiniteList(node, "GridLower", owner), upper = readFiniteList(node, "GridUpper", owner);
    vector<int> bins = readList<int>(node, "GridBins", owner);
    vector<vector<long long> > histograms;
    for (const SerializationNode& histogram : node.getChildNode("Histograms").getChildren()) {
        vector<long long> values;
        for (const SerializationNode& value : histogram.getChildren())
            values.push_back(fromFileValue<long long>(readNumber(value, "v", owner, "Histogram"), owner, "Histogram"));
        histograms.push_back(values);
    }
    RegularGrid grid;
    if (!lower.empty()) {
        require((int) lower.size() == d && (int) upper.size() == d && (int) bins.size() == d, owner,
                "GridLower, GridUpper and GridBins need one entry per dimension");
        double total = 1;
        for (int i = 0; i < d; i++) {
            require(upper[i] > lower[i] && bins[i] >= 1, owner, "grid is empty in dimension "+to_string(i));
            total *= bins[i];
        }
        require((int) histograms.size() == batches && total == (double) histograms[0].size(), owner,
                "Histograms need one histogram per batch, each with one count per bin of GridBins");
        grid = RegularGrid(lower, upper, bins);
    }
    require(!lower.empty() || histograms.empty(), owner, "Histograms are given without a grid");
    unique_ptr<ReplicaStatistics> s(new ReplicaStatistics(d, groups, batches, grid, maxStored));
    vector<vector<double> > powerSums, stored;
    for (const SerializationNode& group : node.getChildNode("Groups").getChildren()) {
        powerSums.push_back(readList<double>(group, "PowerSums", owner));
        stored.push_back(readList<double>(group, "StoredMomenta", owner));
    }
    long long outside = readWhole<long long>(node, "outside", owner);
    s->setRawState(counts, readList<double>(node, "QuadraticSums", owner), readList<double>(node, "SecondMoments", owner),
                   powerSums, stored, histograms, outside,
                   readList<long long>(node, "DriftCounts", owner), readList<double>(node, "DriftSecondMoments", owner));
    // Version 1 predates the frozen-replica watch: nothing was dropped then.
    if (version >= 2)
        s->addFrozen(readWhole<long long>(node, "frozenReplicas", owner),
                     readWhole<long long>(node, "discardedSamples", owner));
    return s.release();
}
