// Basins of U that exchange replicas too rarely for their weights to forget the starts (internal/BasinMixing.h):
// the number of independent samples per replica from the spread of a basin's share over batches, its correlation
// time, and what the starts leave in the averages, on designed batch histograms with closed-form answers.
#include "PotentialFitter.h"
#include "ReplicaStatistics.h"
#include "internal/BasinMixing.h"
#include <gtest/gtest.h>
#include <cmath>
#include <vector>

using namespace EffPot;
using namespace std;

namespace {

const int BINS = 20, BATCHES = 10;
const RegularGrid GRID({-2.0}, {2.0}, {BINS}); // bin centres -1.9, -1.7, ..., 1.9

// The fit of exact counts of exp(-U) on GRID.
EffectivePotential fitExact(double (*energy)(double)) {
    ReplicaStatistics statistics(1, 1, 2, GRID);
    vector<vector<long long> > histograms(2, vector<long long>(BINS));
    for (int b = 0; b < BINS; b++)
        histograms[0][b] = histograms[1][b] = llround(1e8*exp(-energy(-1.9+0.2*b)));
    statistics.setRawState({1, 1}, {0, 0}, {0, 0}, {vector<double>(4, 0.0)}, {vector<double>()}, histograms, 0, {0, 0}, {0, 0});
    PotentialFitter fitter;
    fitter.setGridCoarsening(1);
    fitter.setNumBootstrap(0);
    fitter.setMinBinCount(1);
    return fitter.fit(statistics, 1.0);
}

double doubleWell(double x) {
    return 3*(x*x-1)*(x*x-1);
}

double singleWell(double x) {
    return x*x/2; // symmetric: its two central bins tie, and must still be one basin
}

// Batches whose share of the left basin (the bin at x = -0.9) is 1/2 + delta and 1/2 - delta, alternately, out of
// 1e6 samples in the grid each (the rest at x = 0.9).
ReplicaStatistics alternatingShares(double delta) {
    ReplicaStatistics statistics(1, 1, BATCHES, GRID);
    vector<vector<long long> > histograms(BATCHES, vector<long long>(BINS, 0));
    for (int b = 0; b < BATCHES; b++) {
        long long left = llround(1e6*(0.5+(b%2 == 0 ? delta : -delta)));
        histograms[b][5] = left;
        histograms[b][14] = 1000000-left;
    }
    vector<long long> counts(BATCHES, 1000000);
    statistics.setRawState(counts, vector<double>(BATCHES, 0.0), vector<double>(BATCHES, 0.0), {vector<double>(4, 0.0)},
                           {vector<double>()}, histograms, 0, counts, vector<double>(BATCHES, 0.0));
    return statistics;
}

} // namespace

TEST(BasinMixing, IndependentSamplesCorrelationTimeAndMemoryHaveTheirClosedForms) {
    // Shares 0.5 +- delta over 10 batches: sample variance delta^2 10/9, so with 10 replicas per batch
    // m = 0.25 / (10 delta^2 10/9). delta = 0.015: m = 100.
    EffectivePotential potential = fitExact(doubleWell);
    double equilibration = 20, window = 1000;
    BasinMixing::Basin basin = BasinMixing::slowest(alternatingShares(0.015), potential, 10, equilibration, window);
    ASSERT_EQ(basin.minimum.size(), 1u);
    EXPECT_NEAR(fabs(basin.minimum[0]), 0.9, 0.11); // the lowest bin of either basin (bins 0.2 wide)
    EXPECT_NEAR(basin.share, 0.5, 1e-12);
    EXPECT_NEAR(basin.independentSamples, 100, 1e-6);
    // tau solves 1/m = 2x (1 - x (1 - exp(-1/x))), x = tau / T: about T / (2m), a little more.
    double x = basin.correlationTime/window;
    EXPECT_NEAR(2*x*(1-x*(1-exp(-1/x))), 0.01, 1e-9);
    EXPECT_GT(x, 0.005);
    EXPECT_LT(x, 0.00503);
    EXPECT_NEAR(basin.memory, exp(-equilibration/basin.correlationTime)*x*(1-exp(-1/x)), 1e-12);
    EXPECT_EQ(BasinMixing::note(basin, equilibration, window), ""); // memory e^-4 / 200: nothing left to say
}

TEST(BasinMixing, ReplicasThatNeverCrossLeaveTheWholeImbalance) {
    // delta^2 = 0.25 / (10 * 10/9) = 0.0225: the spread of replicas each stuck in one basin, m = 1, tau unbounded,
    // so however long the equilibration, the note says it cannot be vouched for.
    EffectivePotential potential = fitExact(doubleWell);
    BasinMixing::Basin basin = BasinMixing::slowest(alternatingShares(0.15), potential, 10, 1e6, 1000);
    EXPECT_NEAR(basin.independentSamples, 1, 1e-9);
    EXPECT_NEAR(basin.memory, 1, 1e-6);
    string note = BasinMixing::note(basin, 1e6, 1000);
    EXPECT_NE(note.find("no equilibration can be shown to have been long enough"), string::npos) << note;
    EXPECT_NE(note.find("holding 50% of the samples"), string::npos) << note;
    EXPECT_NE(note.find("setNumEquilibrationSteps"), string::npos) << note;
    EXPECT_EQ(note.find("setNumStage2Steps"), string::npos) << note; // a 1D run has no Stage 2
}

TEST(BasinMixing, ASlowBasinIsReportedWithWhatItLeaves) {
    // m = 4 (delta^2 = 0.25 / (10 * 4 * 10/9)): tau about an eighth of the window, against an equilibration of a
    // fiftieth: the starts' imbalance is still there in a tenth.
    EffectivePotential potential = fitExact(doubleWell);
    BasinMixing::Basin basin = BasinMixing::slowest(alternatingShares(sqrt(0.25/(10*4*10.0/9))), potential, 10, 20, 1000);
    EXPECT_NEAR(basin.independentSamples, 4, 1e-6);
    EXPECT_GT(basin.memory, 0.05);
    EXPECT_LT(basin.memory, 0.2);
    string note = BasinMixing::note(basin, 20, 1000);
    EXPECT_NE(note.find("4 independent samples per replica"), string::npos) << note;
    EXPECT_NE(note.find("against 20 ps of equilibration and 1e+03 ps of sampling"), string::npos) << note;
}

TEST(BasinMixing, OneBasinOrTooFewBatchesSaysNothing) {
    // One well: the bins at -0.9 and 0.9 descend to the same minimum, whose share (100%) says nothing of mixing.
    BasinMixing::Basin basin = BasinMixing::slowest(alternatingShares(0.15), fitExact(singleWell), 10, 20, 1000);
    EXPECT_TRUE(basin.minimum.empty());
    EXPECT_EQ(basin.memory, 0);
    EXPECT_EQ(BasinMixing::note(basin, 20, 1000), "");
    ReplicaStatistics fewBatches(1, 1, 4, GRID);
    EXPECT_TRUE(BasinMixing::slowest(fewBatches, fitExact(doubleWell), 10, 20, 1000).minimum.empty());
}
