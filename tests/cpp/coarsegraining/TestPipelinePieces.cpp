// CoarseGrainer and ScaleScan in pieces (what effpot.distributed ships to other processes): merged pieces give run()'s
// numbers bit for bit, settings survive XML, and wrong pieces are refused with the parameter named.
#include "CoarseGrainer.h"
#include "ScaleScan.h"
#include "openmm/OpenMMException.h"
#include "openmm/Platform.h"
#include "openmm/System.h"
#include "openmm/CustomExternalForce.h"
#include "openmm/serialization/XmlSerializer.h"
#include <gtest/gtest.h>
#include <algorithm>
#include <memory>
#include <sstream>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

const string P4 = "(x^2+y^2)/2+0.001*(1*sin(x/0.001)+2*sin(y/0.001)+1*sin((x+y)/0.001))";

CoarseGrainer p4Grainer() {
    CoarseGrainer grainer(P4, 2);
    grainer.setStepSize(0.1);
    grainer.setFriction(0.5);
    grainer.setNumReplicas(30);
    grainer.setNumBatches(3);
    grainer.setNumSteps(1000);
    grainer.setNumEquilibrationSteps(300);
    grainer.setGridBins({20, 20});
    grainer.setAllowNonGaussian(true);
    grainer.setStage1Precision(0.01, 1); // one Stage-1 round: the pieces below are that round's (rounds: TestCoarseGrainingPlan)
    return grainer;
}

string toXml(const CoarseGrainer& grainer) {
    stringstream stream;
    XmlSerializer::serialize<CoarseGrainer>(&grainer, "CoarseGrainer", stream);
    return stream.str();
}

void expectSame(const EffectivePotential& a, const EffectivePotential& b) {
    EXPECT_EQ(a.getKT(), b.getKT());
    EXPECT_EQ(a.getNoiseCovariance(), b.getNoiseCovariance());
    EXPECT_EQ(a.getNoiseCovarianceError(), b.getNoiseCovarianceError());
    EXPECT_EQ(a.getNodeValues(), b.getNodeValues());
}

} // namespace

TEST(PipelinePieces, MergedPiecesEqualRunBitwise) {
    Platform& platform = Platform::getPlatformByName("Reference");
    CoarseGrainer whole = p4Grainer();
    // The pieces below run Stage 2 once, with Stage 1's D: so does run() without refinements (the plan's refinement
    // passes are CoarseGrainingPlan's, tested in TestCoarseGrainingPlan).
    whole.setStage2Refinements(0);
    EffectivePotential reference = whole.run(platform);
    // Stage 1 split unevenly, by batches and by designs, merged in reverse order; Stage 2 split by batches.
    CoarseGrainer grainer = p4Grainer();
    vector<ReplicaStatistics> parts = {grainer.runStage1(platform, 0, 1, 0, 3), grainer.runStage1(platform, 1, 3, 0, 1),
                                       grainer.runStage1(platform, 1, 3, 1, 3)};
    ReplicaStatistics stage1 = parts[2];
    stage1.merge(parts[1]);
    stage1.merge(parts[0]);
    vector<double> noise = grainer.estimateNoiseCovariance(stage1);
    ASSERT_TRUE(grainer.needsSamplingRange());
    vector<double> range = grainer.runSamplingRange(platform, noise, 0, 2), other = grainer.runSamplingRange(platform, noise, 2, 3);
    for (int i = 0; i < 2; i++) {
        range[i] = min(range[i], other[i]);
        range[2+i] = max(range[2+i], other[2+i]);
    }
    RegularGrid grid = grainer.samplingGrid(range);
    ReplicaStatistics sampling = grainer.runSampling(platform, noise, grid, 2, 3);
    sampling.merge(grainer.runSampling(platform, noise, grid, 0, 2));
    expectSame(grainer.fit(stage1, sampling, "Reference"), reference);
    EXPECT_EQ(grainer.getSamplingStatistics().getGroupCount(0), whole.getSamplingStatistics().getGroupCount(0));
}

TEST(PipelinePieces, SettingsSurviveXml) {
    CoarseGrainer grainer = p4Grainer();
    grainer.setInitialPositions({0.1, 0.2, -0.3, 0.4});
    grainer.setGridBox({-3, -3}, {3, 3});
    grainer.setRandomSeed(7);
    grainer.setNormalityTolerance(0.3, 0.4);
    grainer.getFitter().setKnotSpacing(2.5);
    string xml = toXml(grainer);
    stringstream stream(xml);
    unique_ptr<CoarseGrainer> copy(XmlSerializer::deserialize<CoarseGrainer>(stream));
    EXPECT_EQ(toXml(*copy), xml);
    EXPECT_EQ(copy->getRandomSeed(), 7);
    EXPECT_EQ(copy->getFitter().getKnotSpacing(), 2.5);
    EXPECT_FALSE(copy->needsSamplingRange());
    // A user's System travels inside, through OpenMM's System proxy.
    System system;
    CustomExternalForce* force = new CustomExternalForce("x^2");
    for (int i = 0; i < 4; i++) {
        system.addParticle(1.0);
        force->addParticle(i);
    }
    system.addForce(force);
    CoarseGrainer user(system, {0, 2, 3}, 1);
    user.setStepSize(0.2);
    string userXml = toXml(user);
    stringstream userStream(userXml);
    unique_ptr<CoarseGrainer> userCopy(XmlSerializer::deserialize<CoarseGrainer>(userStream));
    EXPECT_TRUE(userCopy->hasUserSystem());
    EXPECT_EQ(userCopy->getNumReplicas(), 3);
    EXPECT_EQ(toXml(*userCopy), userXml);
}

TEST(PipelinePieces, WrongPiecesAreRefused) {
    Platform& platform = Platform::getPlatformByName("Reference");
    CoarseGrainer grainer = p4Grainer();
    EXPECT_THROW(grainer.runStage1(platform, 2, 5, 0, 3), OpenMMException);
    EXPECT_THROW(grainer.runStage1(platform, 0, 1, 2, 4), OpenMMException);
    ReplicaStatistics part = grainer.runStage1(platform, 0, 1, 0, 3);
    try {
        grainer.estimateNoiseCovariance(part);
        FAIL() << "a Stage 1 with missing batches was accepted";
    }
    catch (const OpenMMException& e) {
        EXPECT_NE(string(e.what()).find("missing from the merge"), string::npos) << e.what();
    }
    EXPECT_THROW(grainer.samplingGrid({0.0, 1.0}), OpenMMException);  // needs 2 d values
    EXPECT_THROW(grainer.runSampling(platform, {1.0}, RegularGrid({-1, -1}, {1, 1}, {10, 10}), 0, 1), OpenMMException);
    CoarseGrainer oneD("x^2", 1);
    oneD.setStepSize(0.1);
    oneD.setFriction(1.0);
    EXPECT_THROW(oneD.runStage1(platform, 0, 1, 0, 1), OpenMMException);
}

TEST(PipelinePieces, ScaleScanPointsFromOtherProcessesEqualRun) {
    Platform& platform = Platform::getPlatformByName("Reference");
    auto make = []() {
        ScaleScan scan("x^2/2+0.01*sin(x/0.01)", 1);
        scan.setStepSizes({0.1, 0.3, 5.0});
        scan.setNumReplicas(20);
        scan.setNumSteps(500);
        scan.setNumEquilibrationSteps(100);
        return scan;
    };
    ScaleScan whole = make();
    vector<ScaleScanPoint> reference = whole.run(platform);
    ScaleScan pieces = make();
    EXPECT_THROW(pieces.classifyPoints(), OpenMMException); // nothing recorded yet
    for (int i = 2; i >= 0; i--) {
        CoarseGrainer settings = pieces.getPointSettings(i);
        try {
            pieces.setPointStatistics(i, settings.sampleIsotropic(platform, settings.getFriction()));
        }
        catch (const OpenMMException&) {
            pieces.setPointExploded(i);
        }
    }
    pieces.classifyPoints();
    ASSERT_EQ(pieces.getNumPoints(), 3);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(pieces.getPoint(i).kT, reference[i].kT);
        EXPECT_EQ(pieces.getPoint(i).exploded, reference[i].exploded);
        EXPECT_EQ(pieces.getPoint(i).gaussian, reference[i].gaussian);
    }
    EXPECT_TRUE(reference[2].exploded);
}
