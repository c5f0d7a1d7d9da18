// Stage 1 in rounds (docs/theory.md section 5): later rounds run designs in the eigenframe of D-hat, lighter along
// its weak directions, until D-hat is precise in every direction. The rounds' designs follow from the statistics
// alone, a round that explodes is dropped with a note, and the statistics of the rounds concatenate.
#include "CoarseGrainer.h"
#include "CoarseGrainingPlan.h"
#include "NoiseCovarianceDesigns.h"
#include "internal/Stage1Estimate.h"
#include "ReplicaStatistics.h"
#include "openmm/OpenMMException.h"
#include "openmm/Platform.h"
#include <gtest/gtest.h>
#include <Eigen/Dense>
#include <cmath>
#include <string>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

// A 2D quadratic k (x^2+y^2)/2 whose small scales give D = (h/2) diag(1, c^2): condition number c^2.
string anisotropic(double k, double c = 7) {
    return to_string(k)+"*(x^2+y^2)/2+0.001*(sin(x/0.001)+"+to_string(c)+"*sin(y/0.001))";
}

CoarseGrainer grainer(double k, int rounds, double c = 7) {
    CoarseGrainer g(anisotropic(k, c), 2);
    g.setStepSize(0.1);
    g.setFriction(0.5);
    g.setNumReplicas(40);
    g.setNumBatches(4);
    g.setNumSteps(3000);
    g.setNumEquilibrationSteps(300);
    g.setGridBins({24, 24});
    g.setAllowNonGaussian(true);
    g.setStage1Precision(0.0, rounds); // tolerance 0: every round runs
    g.getFitter().setNumBootstrap(0);
    return g;
}

// The largest |eigenvalue - 1| of D^-1/2 D-hat D^-1/2 for D = (h/2) diag(1, 49).
double whitenedError(const vector<double>& estimate) {
    Eigen::Matrix2d d = Eigen::Vector2d(0.05, 0.05*49).asDiagonal(), e;
    e << estimate[0], estimate[1], estimate[2], estimate[3];
    Eigen::Matrix2d root = d.inverse().cwiseSqrt();
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> eigen(root*e*root);
    return (eigen.eigenvalues().array()-1.0).abs().maxCoeff();
}

} // namespace

TEST(Stage1Rounds, FrameDesignsAreWBW) {
    vector<double> frame = {1.5, 0.25, 0.25, 0.5};
    vector<vector<double> > base = NoiseCovarianceDesigns::designs(2), framed = NoiseCovarianceDesigns::designs(2, frame);
    ASSERT_EQ(base.size(), framed.size());
    Eigen::Matrix2d w;
    w << 1.5, 0.25, 0.25, 0.5;
    for (size_t g = 0; g < base.size(); g++) {
        Eigen::Matrix2d b;
        b << base[g][0], base[g][1], base[g][2], base[g][3];
        Eigen::Matrix2d a = w*b*w;
        for (int i = 0; i < 4; i++)
            EXPECT_NEAR(a(i/2, i%2), framed[g][i], 1e-15);
    }
    EXPECT_EQ(base, NoiseCovarianceDesigns::designs(2, {})); // no frame: the first round's designs
    EXPECT_THROW(NoiseCovarianceDesigns::designs(2, {1, 0, 0}), OpenMMException);
}

TEST(Stage1Rounds, AppendedStatisticsKeepEveryGroup) {
    ReplicaStatistics a(2, 1, 2, RegularGrid()), b(2, 2, 2, RegularGrid());
    double p[2] = {1, 2}, q[2] = {3, -1};
    a.addMomentum(0, 1, p, NULL);
    b.addMomentum(1, 0, q, NULL);
    b.addFrozen(2, 5);
    a.appendGroups(b);
    ASSERT_EQ(3, a.getNumGroups());
    EXPECT_EQ(1, a.getCount(0, 1));
    EXPECT_EQ(1, a.getCount(2, 0));
    EXPECT_EQ(0, a.getCount(1, 0));
    EXPECT_EQ(10.0, a.getQuadraticSum(2, 0));
    EXPECT_EQ(-3.0, a.getSecondMomentSums(2, 0)[1]);
    EXPECT_EQ(2, a.getNumFrozenReplicas());
    EXPECT_THROW(a.appendGroups(ReplicaStatistics(2, 1, 3, RegularGrid())), OpenMMException); // other batches
}

// Stage 1 alone, walked by the plan: the merged statistics of every round it ran.
ReplicaStatistics stage1Of(CoarseGrainer& g, Platform& platform) {
    CoarseGrainingPlan plan(g, platform, 0);
    while (plan.getStage() == CoarseGrainingPlan::Stage1)
        plan.runStage(platform);
    return plan.getStage1Statistics();
}

TEST(Stage1Rounds, LaterRoundsResolveTheWeakDirection) {
    Platform& platform = Platform::getPlatformByName("Reference");
    CoarseGrainer one = grainer(1.0, 1), three = grainer(1.0, 3);
    ReplicaStatistics s1 = stage1Of(one, platform), s3 = stage1Of(three, platform);
    ASSERT_EQ(3, s1.getNumGroups());
    ASSERT_EQ(9, s3.getNumGroups());
    Stage1Estimate first = Stage1Estimate::solve(s1, 2, one.getSettings()), rounds = Stage1Estimate::solve(s3, 2, three.getSettings());
    EXPECT_EQ(1, first.rounds);
    EXPECT_EQ(3, rounds.rounds);
    // The first round sees the weak direction (a share 1/50 of every b_A) as a small difference of large numbers;
    // later rounds, up to 10 times lighter along it, measure it directly: the reported error of the worst
    // direction drops far more than the sqrt(3) of three times the sampling.
    EXPECT_LT(rounds.whitenedError, first.whitenedError/2.5) << first.whitenedError << " -> " << rounds.whitenedError;
    // And the reported errors are honest: the true whitened error lies within 3.5 of them.
    EXPECT_LE(whitenedError(first.noise), 3.5*first.whitenedError);
    EXPECT_LE(whitenedError(rounds.noise), 3.5*rounds.whitenedError);
    // The first round of both is the same run; the later rounds' designs follow from the statistics alone.
    vector<vector<double> > designs = Stage1Estimate::designsOf(s3, 2, three.getSettings());
    ASSERT_EQ(9u, designs.size());
    EXPECT_EQ(NoiseCovarianceDesigns::designs(2), vector<vector<double> >(designs.begin(), designs.begin()+3));
    EXPECT_EQ(NoiseCovarianceDesigns::designs(2, first.nextFrame()), vector<vector<double> >(designs.begin()+3, designs.begin()+6));
    EXPECT_EQ(s1.getQuadraticSum(2, 3), s3.getQuadraticSum(2, 3));
    // Lighter along the weak direction x (at most 10 times), never heavier.
    Eigen::Matrix2d a;
    a << designs[3][0], designs[3][1], designs[3][2], designs[3][3];
    EXPECT_GT(a(0, 0), 5*a(1, 1));
    EXPECT_LE(a.eigenvalues().real().maxCoeff(), 2*Stage1Estimate::maxDesignContrast+1e-9);
    EXPECT_GE(a.eigenvalues().real().minCoeff(), 1-1e-9);
}

TEST(Stage1Rounds, AnIllConditionedNoiseIsNeverSingular) {
    // Condition number 225, sampled far less than by default (40 replicas, 3000 steps): the first round alone often
    // leaves the weak eigenvalue within its error of zero, or below. Further rounds concentrate on that direction
    // and resolve it on every seed, within the default tolerance and three rounds.
    Platform& platform = Platform::getPlatformByName("Reference");
    int singularAfterOneRound = 0;
    for (int seed = 1; seed <= 10; seed++) {
        CoarseGrainer g = grainer(1.0, 3, 15);
        g.setStage1Precision(0.01, 3);
        g.setRandomSeed(seed);
        ReplicaStatistics statistics;
        ASSERT_NO_THROW(statistics = stage1Of(g, platform)) << "seed " << seed;
        Stage1Estimate estimate = Stage1Estimate::solve(statistics, 2, g.getSettings());
        EXPECT_TRUE(estimate.positiveDefinite) << "seed " << seed;
        EXPECT_GT(estimate.eigenvalues[0], 3*estimate.eigenvalueErrors[0]) << "seed " << seed << ": the weak direction is resolved";
        // The exact weak eigenvalue h/2 = 0.05 lies within 4 standard errors.
        EXPECT_LE(fabs(estimate.eigenvalues[0]-0.05), 4*estimate.eigenvalueErrors[0]) << "seed " << seed;
        CoarseGrainer single = grainer(1.0, 1, 15);
        single.setRandomSeed(seed);
        try {
            stage1Of(single, platform);
        }
        catch (const OpenMMException& e) {
            EXPECT_NE(string::npos, string(e.what()).find("not positive definite after 1 round")) << e.what();
            singularAfterOneRound++;
        }
    }
    RecordProperty("singularAfterOneRound", singularAfterOneRound); // how often one round alone would have stopped
}

TEST(Stage1Rounds, ARoundThatExplodesIsDropped) {
    // k = 40: the first round's designs (h^2 k A <= 0.8) are stable; the next, up to 10 times lighter along x,
    // are not (h^2 k A up to 8 > 4). Stage 1 keeps the first round's D and says so.
    Platform& platform = Platform::getPlatformByName("Reference");
    CoarseGrainer g = grainer(40.0, 3);
    EffectivePotential potential = g.run(platform);
    EXPECT_EQ(1, potential.getDiagnostics().at("stage1.abandonedRound"));
    EXPECT_EQ(1, potential.getDiagnostics().at("stage1.rounds"));
    ASSERT_EQ(1, potential.getNotes().count("stage1Rounds"));
    EXPECT_NE(string::npos, potential.getNotes().at("stage1Rounds").find("exploded"));
    EXPECT_LE(whitenedError(potential.getNoiseCovariance()), 3.5*potential.getDiagnostics().at("stage1.whitenedError"));
    EXPECT_EQ(3, g.getStage1Statistics().getNumGroups()) << "the dropped round's statistics are not kept";
}

TEST(Stage1Rounds, BadRoundArgumentsAreRefused) {
    Platform& platform = Platform::getPlatformByName("Reference");
    CoarseGrainer g = grainer(1.0, 2);
    EXPECT_THROW(g.runStage1(platform, 0, 1, 0, 3, {1, 0, 0, 1}, 2), OpenMMException);    // round beyond maxStage1Rounds
    EXPECT_THROW(g.runStage1(platform, 0, 1, 0, 3, {1, 0, 0}, 1), OpenMMException);       // not d x d
    EXPECT_THROW(g.runStage1(platform, 0, 1, 0, 3, {1, 0, 0, 1}, -1), OpenMMException);
}
