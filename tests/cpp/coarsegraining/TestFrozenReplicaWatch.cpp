// FrozenReplicaWatch's rule on synthetic kinetic temperatures: a free replica's samples are all recorded in their
// order (quiet stretches shorter than the window included); a replica quiet for a whole window is frozen once,
// its quiet samples and the settling ones after the restart are dropped; the scan mode records everything and
// counts each frozen replica once; the threshold follows the replica's own temperature.
#include "internal/FrozenReplicaWatch.h"
#include <gtest/gtest.h>
#include <vector>

using namespace EffPot;
using namespace std;

namespace {

// A scale of 1 that never moves (memory far beyond any test) makes the threshold 0.01.
const double Scale = 1.0, Fraction = 0.01;
const int Window = 5, Settle = 3, Fixed = 1<<30;

FrozenReplicaWatch::Sample numbered(int n) {
    FrozenReplicaWatch::Sample sample = {};
    sample.q[0] = n;
    return sample;
}

// Feed temperatures to replica 0; return the numbers of the recorded samples and the samples found frozen at.
vector<int> feed(FrozenReplicaWatch& watch, const vector<double>& temperatures, vector<int>& frozenAt, bool flushAtEnd = true) {
    vector<int> recorded;
    vector<FrozenReplicaWatch::Sample> ready;
    for (int n = 0; n < (int) temperatures.size(); n++) {
        ready.clear();
        if (watch.observe(0, temperatures[n], numbered(n), ready))
            frozenAt.push_back(n);
        if (flushAtEnd && n == (int) temperatures.size()-1)
            watch.flush(0, ready);
        for (const auto& sample : ready)
            recorded.push_back((int) sample.q[0]);
    }
    return recorded;
}

} // namespace

TEST(FrozenReplicaWatch, FreeReplicaKeepsEverySampleInOrder) {
    FrozenReplicaWatch watch(1, Scale, Fraction, Window, Settle, Fixed, true);
    // Quiet stretches of up to Window-1 samples (turning points, a cold spell) are held, then recorded.
    vector<double> t = {1, 0.001, 0.002, 0.5, 0, 0, 0, 0, 2, 0.3, 0, 0};
    vector<int> frozenAt;
    vector<int> recorded = feed(watch, t, frozenAt);
    ASSERT_EQ(recorded.size(), t.size());
    for (int n = 0; n < (int) t.size(); n++)
        EXPECT_EQ(recorded[n], n);
    EXPECT_TRUE(frozenAt.empty());
    EXPECT_EQ(watch.getNumFrozen(), 0);
    EXPECT_EQ(watch.getNumDiscarded(), 0);
}

TEST(FrozenReplicaWatch, FrozenReplicaIsDroppedAndSettles) {
    FrozenReplicaWatch watch(1, Scale, Fraction, Window, Settle, Fixed, true);
    // Samples 0-1 free; 2-6 quiet (a whole window: frozen at 6); 7-9 settling after the restart; 10-11 free.
    vector<double> t = {1, 1, 0.005, 0.001, 0, 0, 0, 0.8, 0.9, 1.1, 1, 1};
    vector<int> frozenAt;
    vector<int> recorded = feed(watch, t, frozenAt);
    EXPECT_EQ(recorded, vector<int>({0, 1, 10, 11}));
    EXPECT_EQ(frozenAt, vector<int>({6}));
    EXPECT_EQ(watch.getNumFrozen(), 1);
    EXPECT_EQ(watch.getNumDiscarded(), Window+Settle);
}

TEST(FrozenReplicaWatch, ReplicasAreWatchedApart) {
    FrozenReplicaWatch watch(2, Scale, Fraction, Window, Settle, Fixed, true);
    vector<FrozenReplicaWatch::Sample> ready;
    int frozen = 0;
    for (int n = 0; n < Window; n++) {
        frozen += watch.observe(0, 0.0, numbered(n), ready); // replica 0 at rest
        frozen += watch.observe(1, 1.0, numbered(n), ready); // replica 1 free
    }
    EXPECT_EQ(frozen, 1);
    ASSERT_EQ(ready.size(), (size_t) Window); // replica 1's samples only
    for (int n = 0; n < Window; n++)
        EXPECT_EQ(ready[n].q[0], n);
}

TEST(FrozenReplicaWatch, ScanModeRecordsEverythingAndCountsOnce) {
    FrozenReplicaWatch watch(1, Scale, Fraction, Window, Settle, Fixed, false);
    vector<double> t(3*Window, 0.0);
    vector<int> frozenAt;
    vector<int> recorded = feed(watch, t, frozenAt);
    EXPECT_EQ(recorded.size(), t.size());
    EXPECT_EQ(frozenAt, vector<int>({Window-1}));
    EXPECT_EQ(watch.getNumFrozen(), 1);
    EXPECT_EQ(watch.getNumDiscarded(), 0);
}

TEST(FrozenReplicaWatch, QuietStretchAtTheEndIsRecorded) {
    FrozenReplicaWatch watch(1, Scale, Fraction, Window, Settle, Fixed, true);
    vector<double> t = {1, 0, 0, 0};
    vector<int> frozenAt;
    EXPECT_EQ(feed(watch, t, frozenAt), vector<int>({0, 1, 2, 3}));
    EXPECT_TRUE(frozenAt.empty());
}

TEST(FrozenReplicaWatch, ThresholdFollowsTheReplicasTemperature) {
    // A replica sampled at 5% of the starting scale (Stage 1 with a given friction may run far from kT*): once
    // the running scale has adapted, dips to 0.003 (below 1% of the starting scale, above 1% of its own) are not
    // quiet; a stretch at rest still is.
    FrozenReplicaWatch watch(1, Scale, Fraction, Window, Settle, 10, true);
    vector<double> t(200, 0.05);
    for (int n = 100; n < 200; n += 2)
        t[n] = 0.003;
    vector<int> frozenAt;
    vector<int> recorded = feed(watch, t, frozenAt);
    EXPECT_EQ(recorded.size(), t.size());
    EXPECT_TRUE(frozenAt.empty());
    t.assign(Window, 0.0);
    vector<FrozenReplicaWatch::Sample> ready;
    int frozen = 0;
    for (int n = 0; n < Window; n++)
        frozen += watch.observe(0, t[n], numbered(n), ready);
    EXPECT_EQ(frozen, 1);
}
