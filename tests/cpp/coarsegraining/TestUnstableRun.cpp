// An exploding replica run is an UnstableRunException (an OpenMMException) carrying the step and the simulated
// time, so callers tell it from other errors by type: the scale scan marks such a step "exploded".
#include "CoarseGrainer.h"
#include "ScaleScan.h"
#include "UnstableRunException.h"
#include "openmm/Platform.h"
#include <gtest/gtest.h>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

TEST(UnstableRun, TooLargeAStepThrowsItsOwnType) {
    // x^2/2 (curvature 1) at h = 2.5: h^2 lambda = 6.25 > 4, so the undamped part of the scheme diverges.
    CoarseGrainer grainer("x^2/2", 1);
    grainer.setStepSize(2.5);
    grainer.setFriction(0.01);
    grainer.setNumReplicas(10);
    grainer.setNumBatches(2);
    grainer.setNumSteps(2000);
    grainer.setNumEquilibrationSteps(1000);
    try {
        grainer.run(Platform::getPlatformByName("Reference"));
        FAIL() << "the run did not explode";
    }
    catch (const UnstableRunException& e) {
        EXPECT_EQ(2.5, e.getStepSize());
        EXPECT_GT(e.getTime(), 0.0);
        EXPECT_LE(e.getTime(), (1000+2000)*2.5);
        EXPECT_NE(string::npos, string(e.what()).find("reduce it"));
    }
}

TEST(UnstableRun, TheScanMarksTheStepExploded) {
    ScaleScan scan("x^2/2", 1);
    scan.setStepSizes({0.5, 2.5});
    scan.setFrictionFactor(0.004); // gamma h small: the step is nearly plain Verlet, whose h^2 lambda = 6.25 > 4 diverges
    scan.setNumReplicas(20);
    scan.setNumSteps(500);
    scan.setNumEquilibrationSteps(200);
    const vector<ScaleScanPoint>& points = scan.run(Platform::getPlatformByName("Reference"));
    ASSERT_EQ(2u, points.size());
    EXPECT_FALSE(points[0].exploded);
    EXPECT_TRUE(points[1].exploded);
}
