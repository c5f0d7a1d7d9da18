// Classification of scan points and their grouping into levels, on synthetic statistics; run() as its pieces.
#include "ScaleScan.h"
#include "openmm/OpenMMException.h"
#include "openmm/Platform.h"
#include <gtest/gtest.h>
#include <cmath>
#include <functional>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

ScaleScanPoint point(double h, double skew = 0, double kurtosis = 0, double kT = 1, bool exploded = false) {
    ScaleScanPoint p;
    p.stepSize = h;
    p.friction = 2*h;
    p.kT = kT;
    p.exploded = exploded;
    p.skewness = {skew};
    p.excessKurtosis = {kurtosis};
    return p;
}

} // namespace

TEST(ScaleScan, ClassifiesAndGroupsSyntheticPoints) {
    vector<ScaleScanPoint> points = {
        point(0.01, 0, 3.0),          // frozen: heavy tails
        point(0.02, 0, 0, 1e-7),      // frozen: kT collapsed against the scan's kT scale
        point(0.03), point(0.04, 0.05, 0.1),
        point(0.06, 0, -0.3),         // mixed scales: platykurtic
        point(0.1), point(0.2), point(0.4),
        point(0.8, 0, 0, 0, true)};   // exploded
    for (ScaleScanPoint& p : points)
        ScaleScan::classify(p, 1.0, 0.1, 0.2);
    vector<bool> frozen, gaussian;
    for (const ScaleScanPoint& p : points) {
        frozen.push_back(p.frozen);
        gaussian.push_back(p.gaussian);
    }
    EXPECT_EQ(frozen, vector<bool>({true, true, false, false, false, false, false, false, false}));
    EXPECT_EQ(gaussian, vector<bool>({false, false, true, true, false, true, true, true, false}));
    vector<ScaleScanLevel> levels = ScaleScan::groupLevels(points);
    ASSERT_EQ(levels.size(), 2u);
    EXPECT_EQ(levels[0].smallest, 0.03);
    EXPECT_EQ(levels[0].largest, 0.04);
    EXPECT_EQ(levels[0].numPoints, 2);
    EXPECT_NEAR(levels[0].recommended, sqrt(0.03*0.04), 1e-15);
    EXPECT_EQ(levels[1].smallest, 0.1);
    EXPECT_EQ(levels[1].largest, 0.4);
    EXPECT_NEAR(levels[1].recommended, 0.2, 1e-15);
    EXPECT_TRUE(ScaleScan::groupLevels({}).empty());
}

TEST(ScaleScan, RunIsTheWalkOverItsPieces) {
    // What a worker process runs (samplePoint on getPointSettings) and what the scan records of it (recordPoint)
    // give bit for bit what run() gives, an explosion included.
    auto makeScan = [] {
        ScaleScan scan("x^2/2", 1);
        scan.setStepSizes({2.5, 0.2, 0.5});
        scan.setFrictionFactor(0.004); // h = 2.5 is then nearly plain Verlet, whose h^2 lambda = 6.25 > 4 diverges
        scan.setNumReplicas(20);
        scan.setNumSteps(500);
        scan.setNumEquilibrationSteps(200);
        return scan;
    };
    Platform& platform = Platform::getPlatformByName("Reference");
    ScaleScan whole = makeScan(), pieces = makeScan();
    const vector<ScaleScanPoint>& expected = whole.run(platform);
    for (int i = 2; i >= 0; i--) { // in any order, as tasks finish
        CoarseGrainer settings = pieces.getPointSettings(i);
        pieces.recordPoint(i, ScaleScan::samplePoint(settings, platform));
    }
    pieces.classifyPoints();
    ASSERT_EQ(3, pieces.getNumPoints());
    for (int i = 0; i < 3; i++) {
        const ScaleScanPoint& a = expected[i];
        const ScaleScanPoint& b = pieces.getPoint(i);
        EXPECT_EQ(a.stepSize, b.stepSize);
        EXPECT_EQ(a.exploded, b.exploded);
        EXPECT_EQ(a.kT, b.kT);
        EXPECT_EQ(a.frozen, b.frozen);
        EXPECT_EQ(a.gaussian, b.gaussian);
        if (!a.exploded) {
            EXPECT_EQ(a.skewness, b.skewness);
            EXPECT_EQ(a.excessKurtosis, b.excessKurtosis);
        }
    }
    EXPECT_FALSE(expected[0].exploded);
    EXPECT_TRUE(expected[2].exploded);
}

TEST(ScaleScan, AnUnrelaxedRunIsNeitherGaussianNorInALevel) {
    // Perfect moments, but the run was too short for its averages to forget the starts (slow damping at small h).
    vector<ScaleScanPoint> points = {point(0.01), point(0.02), point(0.03), point(0.04)};
    points[0].relaxed = points[2].relaxed = false;
    for (ScaleScanPoint& p : points)
        ScaleScan::classify(p, 1.0, 0.1, 0.2);
    EXPECT_FALSE(points[0].gaussian);
    EXPECT_FALSE(points[0].frozen);
    EXPECT_TRUE(points[1].gaussian);
    EXPECT_FALSE(points[2].gaussian);
    vector<ScaleScanLevel> levels = ScaleScan::groupLevels(points);
    ASSERT_EQ(2u, levels.size());
    EXPECT_EQ(0.02, levels[0].smallest);
    EXPECT_EQ(0.02, levels[0].largest);
    EXPECT_EQ(0.04, levels[1].smallest);
}

TEST(ScaleScan, TransientWeightIsTheStartsShareLeftInTheAverages) {
    // 20 relaxation times of sampling and no equilibration: 1/20 of the starting excess (the default limit).
    EXPECT_NEAR(-expm1(-20.0)/20, ScaleScan::transientWeight(0.1, 0.1, 0, 2000), 1e-15);
    EXPECT_NEAR(0.05, ScaleScan::transientWeight(0.1, 0.1, 0, 2000), 1e-9);
    // Equilibration multiplies it by exp(-gamma t_eq); the weight only falls as either run grows.
    EXPECT_NEAR(exp(-2.0)*ScaleScan::transientWeight(0.1, 0.1, 0, 2000), ScaleScan::transientWeight(0.1, 0.1, 200, 2000), 1e-15);
    EXPECT_LT(ScaleScan::transientWeight(0.1, 0.1, 0, 4000), ScaleScan::transientWeight(0.1, 0.1, 0, 2000));
    // A run much shorter than 1/gamma keeps nearly all of it.
    EXPECT_GT(ScaleScan::transientWeight(0.01, 0.005, 20, 200), 0.99);
}

TEST(ScaleScan, ChecksAtTargetKTDecideLevelMembership) {
    vector<ScaleScanPoint> points = {point(0.1), point(0.2), point(0.3, 0, -0.5), point(0.4, 0, -0.5), point(0.8)};
    for (ScaleScanPoint& p : points)
        ScaleScan::classify(p, 1.0, 0.1, 0.2);
    // The edge 0.2 held at kT*, and 0.3, not Gaussian at the scan's temperature, is Gaussian at kT*: it joins.
    points[1].edgeChecked = points[1].gaussianAtTargetKT = true;
    points[2].edgeChecked = points[2].gaussianAtTargetKT = true;
    // A Gaussian point whose check at kT* failed leaves its level.
    points[4].edgeChecked = true;
    vector<ScaleScanLevel> levels = ScaleScan::groupLevels(points);
    ASSERT_EQ(1u, levels.size());
    EXPECT_EQ(0.1, levels[0].smallest);
    EXPECT_EQ(0.3, levels[0].largest);
    EXPECT_EQ(3, levels[0].numPoints);
}

TEST(ScaleScan, EdgeChecksAsPiecesEqualRun) {
    // The walk of the edges at kT*, run as pieces (what the Python executor path does), gives what run() gives.
    auto makeScan = [] {
        ScaleScan scan("x^4/4 + 0.001*sin(x/0.001)", 1);
        scan.setStepSizes({0.1, 0.22, 0.33, 0.5});
        scan.setNumReplicas(20);
        scan.setNumSteps(2000);
        scan.setNumEquilibrationSteps(500);
        scan.setTargetKT(1.0);
        return scan;
    };
    Platform& platform = Platform::getPlatformByName("Reference");
    ScaleScan whole = makeScan(), pieces = makeScan();
    whole.run(platform);
    for (int i = 0; i < 4; i++)
        pieces.runPoint(platform, i);
    pieces.classifyPoints();
    int checks = 0;
    for (vector<int> due = pieces.getEdgeChecks(); !due.empty(); due = pieces.getEdgeChecks())
        for (int i : due) {
            CoarseGrainer settings = pieces.getEdgeSettings(i);
            EXPECT_EQ(1.0, settings.getTargetKT());
            pieces.recordEdgeCheck(i, ScaleScan::samplePoint(settings, platform));
            checks++;
        }
    EXPECT_GE(checks, 1);
    for (int i = 0; i < 4; i++) {
        EXPECT_EQ(whole.getPoint(i).edgeChecked, pieces.getPoint(i).edgeChecked);
        EXPECT_EQ(whole.getPoint(i).gaussianAtTargetKT, pieces.getPoint(i).gaussianAtTargetKT);
        if (whole.getPoint(i).edgeChecked) {
            EXPECT_EQ(whole.getEdgePoint(i).kT, pieces.getEdgePoint(i).kT);
            EXPECT_EQ(whole.getEdgePoint(i).friction, pieces.getEdgePoint(i).friction);
            EXPECT_GT(whole.getEdgePoint(i).friction, 0.0);
        }
    }
    EXPECT_EQ(whole.getLevels().size(), pieces.getLevels().size());
}

TEST(ScaleScan, RefusesBadEdgeSettingsWithTheCallAndTheFix) {
    ScaleScan scan("x^2/2", 1);
    auto expectThrow = [](const std::function<void()>& call, const string& text) {
        try {
            call();
            ADD_FAILURE() << "no exception; expected one with: " << text;
        }
        catch (const OpenMMException& e) {
            EXPECT_NE(string::npos, string(e.what()).find(text)) << e.what();
        }
    };
    expectThrow([&] { scan.setTargetKT(-1); }, "ScaleScan.setTargetKT: kT* must be a positive energy");
    expectThrow([&] { scan.setTargetKT(NAN); }, "or 0 to judge the levels at the scan's own temperature");
    expectThrow([&] { scan.setMaxTransientWeight(0); }, "ScaleScan.setMaxTransientWeight: the weight must lie in (0, 1]");
    expectThrow([&] { scan.setMaxTransientWeight(1.5); }, "1 accepts every run");
    scan.setStepSizes({0.1});
    expectThrow([&] { scan.getEdgeSettings(0); }, "ScaleScan.getEdgeSettings: classify the points first");
    expectThrow([&] { scan.getEdgePoint(0); }, "ScaleScan.getEdgePoint: point 0 was not checked at kT*");
    scan.setTargetKT(0);
    EXPECT_TRUE(scan.getEdgeChecks().empty());
    expectThrow([&] { scan.getEdgeSettings(0); }, "set it first (setTargetKT)");
}
