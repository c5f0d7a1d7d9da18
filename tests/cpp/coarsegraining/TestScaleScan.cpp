// Classification of scan points and their grouping into levels, on synthetic statistics; run() as its pieces.
#include "ScaleScan.h"
#include "openmm/Platform.h"
#include <gtest/gtest.h>
#include <cmath>

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
