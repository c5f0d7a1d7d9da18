// CoarseGrainingSettings: one value for every setting, checked in one place (the setters, setSettings and the
// proxies reject the same values, naming the field), and serialized by its own proxy.
#include "CoarseGrainer.h"
#include "CoarseGrainingSettings.h"
#include "openmm/OpenMMException.h"
#include "openmm/serialization/XmlSerializer.h"
#include <gtest/gtest.h>
#include <cmath>
#include <functional>
#include <memory>
#include <sstream>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

// The message of the OpenMMException `action` throws ("" when it throws none).
string messageOf(const function<void ()>& action) {
    try {
        action();
    }
    catch (const OpenMMException& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST(CoarseGrainingSettings, DefaultsAreValidAndMatchTheGetters) {
    CoarseGrainingSettings defaults;
    EXPECT_EQ("", messageOf([&]() { defaults.check(2, "test"); }));
    CoarseGrainer grainer("x^2+y^2", 2);
    const CoarseGrainingSettings& s = grainer.getSettings();
    EXPECT_EQ(s.numReplicas, grainer.getNumReplicas());
    EXPECT_EQ(s.numSteps, grainer.getNumSteps());
    EXPECT_EQ(2*s.numSteps, grainer.getNumStage2Steps()); // numStage2Steps 0: twice numSteps, one rule
    EXPECT_EQ(s.gridBinsFor(2), grainer.getGridBins());
    EXPECT_TRUE(grainer.isFrictionAutomatic());
}

TEST(CoarseGrainingSettings, SettersChangeTheValue) {
    CoarseGrainer grainer("x^2", 1);
    grainer.setStepSize(0.25);
    grainer.setFriction(3.0);
    grainer.setNumStage2Steps(777);
    grainer.setInitialBox({-2}, {3});
    grainer.setNormalityTolerance(0.3, 0.4);
    const CoarseGrainingSettings& s = grainer.getSettings();
    EXPECT_EQ(0.25, s.stepSize);
    EXPECT_EQ(3.0, s.friction);
    EXPECT_EQ(777, s.stage2Steps());
    EXPECT_EQ(vector<double>({-2}), s.initialBoxLower);
    EXPECT_EQ(0.4, s.maxExcessKurtosis);
}

TEST(CoarseGrainingSettings, EveryRouteRejectsTheSameValueNamingIt) {
    CoarseGrainer grainer("x^2+y^2", 2);
    // The setter names itself; setSettings names the field.
    EXPECT_NE(string::npos, messageOf([&]() { grainer.setNumBatches(1); }).find("CoarseGrainer.setNumBatches"));
    CoarseGrainingSettings bad = grainer.getSettings();
    bad.numBatches = 1;
    string viaValue = messageOf([&]() { grainer.setSettings(bad); });
    EXPECT_NE(string::npos, viaValue.find("CoarseGrainer.setSettings")) << viaValue;
    EXPECT_NE(string::npos, viaValue.find("numBatches")) << viaValue;
    EXPECT_EQ(10, grainer.getNumBatches()) << "a rejected value must leave the settings as they were";
    // A value that depends on d: initial positions must be whole rows of d.
    bad = grainer.getSettings();
    bad.initialPositions = {1, 2, 3};
    EXPECT_NE(string::npos, messageOf([&]() { grainer.setSettings(bad); }).find("d = 2"));
    bad = grainer.getSettings();
    bad.gridBoxLower = {0, 0};
    bad.gridBoxUpper = {1, -1};
    EXPECT_NE(string::npos, messageOf([&]() { grainer.setSettings(bad); }).find("above its lower bound"));
    // The proxy checks what it reads the same way.
    CoarseGrainingSettings negative;
    negative.sampleInterval = 0;
    stringstream xml;
    XmlSerializer::serialize<CoarseGrainingSettings>(&negative, "CoarseGrainingSettings", xml);
    string viaFile = messageOf([&]() { delete XmlSerializer::deserialize<CoarseGrainingSettings>(xml); });
    EXPECT_NE(string::npos, viaFile.find("sampleInterval")) << viaFile;
}

TEST(CoarseGrainingSettings, Stage1PrecisionIsChecked) {
    CoarseGrainer grainer("x^2+y^2", 2);
    EXPECT_EQ(0.01, grainer.getStage1Tolerance());
    EXPECT_EQ(3, grainer.getMaxStage1Rounds());
    EXPECT_NE(string::npos, messageOf([&]() { grainer.setStage1Precision(-0.1, 3); }).find("stage1Tolerance"));
    EXPECT_NE(string::npos, messageOf([&]() { grainer.setStage1Precision(NAN, 3); }).find("stage1Tolerance"));
    EXPECT_NE(string::npos, messageOf([&]() { grainer.setStage1Precision(0.01, 0); }).find("maxStage1Rounds"));
    EXPECT_NE(string::npos, messageOf([&]() { grainer.setStage1Precision(0.01, 21); }).find("maxStage1Rounds"));
    EXPECT_EQ("", messageOf([&]() { grainer.setStage1Precision(INFINITY, 1); })); // infinity: one round
    EXPECT_EQ(1, grainer.getMaxStage1Rounds());
}

TEST(CoarseGrainingSettings, SettersKeepTheirOldRules) {
    CoarseGrainer grainer("x^2+y^2", 2);
    // An infinite normality tolerance switches the check off (accepted before the settings were one value).
    EXPECT_EQ("", messageOf([&]() { grainer.setNormalityTolerance(INFINITY, INFINITY); }));
    EXPECT_NE("", messageOf([&]() { grainer.setNormalityTolerance(NAN, 0.2); }));
    // A setter must give a box: empty bounds are refused, not taken as "unset".
    EXPECT_NE(string::npos, messageOf([&]() { grainer.setInitialBox({}, {}); }).find("d = 2"));
    EXPECT_NE(string::npos, messageOf([&]() { grainer.setGridBox({}, {}); }).find("d = 2"));
    EXPECT_NE(string::npos, messageOf([&]() { grainer.setGridBox({0, 0}, {1}); }).find("d = 2"));
    EXPECT_TRUE(grainer.needsSamplingRange());
}

TEST(CoarseGrainingSettings, ProxyRoundTripKeepsEveryField) {
    CoarseGrainingSettings s;
    s.stepSize = 0.125;
    s.friction = 2.5;
    s.mass = 3;
    s.targetKT = 0.7;
    s.numReplicas = 33;
    s.numSteps = 1234;
    s.numStage2Steps = 4321;
    s.numEquilibrationSteps = 99;
    s.stage1Tolerance = 0.03;
    s.maxStage1Rounds = 5;
    s.sampleInterval = 7;
    s.numBatches = 3;
    s.randomSeed = -5;
    s.numThreads = 2;
    s.maxSkewness = 0.11;
    s.maxExcessKurtosis = 0.22;
    s.frozenKurtosis = 1.5;
    s.allowNonGaussian = true;
    s.restartFrozenReplicas = false;
    s.useCustomExternalForce = true;
    s.resolutionLimit = 0.5;
    s.initialPositions = {0.1, 0.2, 0.3, 0.4};
    s.initialBoxLower = {-1, -2};
    s.initialBoxUpper = {1, 2};
    s.gridBins = {12, 16};
    s.gridBoxLower = {-3, -4};
    s.gridBoxUpper = {3, 4};
    stringstream xml;
    XmlSerializer::serialize<CoarseGrainingSettings>(&s, "CoarseGrainingSettings", xml);
    unique_ptr<CoarseGrainingSettings> back(XmlSerializer::deserialize<CoarseGrainingSettings>(xml));
    EXPECT_EQ(s.stepSize, back->stepSize);
    EXPECT_EQ(s.friction, back->friction);
    EXPECT_EQ(s.mass, back->mass);
    EXPECT_EQ(s.targetKT, back->targetKT);
    EXPECT_EQ(s.numReplicas, back->numReplicas);
    EXPECT_EQ(s.numSteps, back->numSteps);
    EXPECT_EQ(s.numStage2Steps, back->numStage2Steps);
    EXPECT_EQ(s.numEquilibrationSteps, back->numEquilibrationSteps);
    EXPECT_EQ(s.stage1Tolerance, back->stage1Tolerance);
    EXPECT_EQ(s.maxStage1Rounds, back->maxStage1Rounds);
    EXPECT_EQ(s.sampleInterval, back->sampleInterval);
    EXPECT_EQ(s.numBatches, back->numBatches);
    EXPECT_EQ(s.randomSeed, back->randomSeed);
    EXPECT_EQ(s.numThreads, back->numThreads);
    EXPECT_EQ(s.maxSkewness, back->maxSkewness);
    EXPECT_EQ(s.maxExcessKurtosis, back->maxExcessKurtosis);
    EXPECT_EQ(s.frozenKurtosis, back->frozenKurtosis);
    EXPECT_EQ(s.allowNonGaussian, back->allowNonGaussian);
    EXPECT_EQ(s.restartFrozenReplicas, back->restartFrozenReplicas);
    EXPECT_EQ(s.useCustomExternalForce, back->useCustomExternalForce);
    EXPECT_EQ(s.resolutionLimit, back->resolutionLimit);
    EXPECT_EQ(s.initialPositions, back->initialPositions);
    EXPECT_EQ(s.initialBoxLower, back->initialBoxLower);
    EXPECT_EQ(s.initialBoxUpper, back->initialBoxUpper);
    EXPECT_EQ(s.gridBins, back->gridBins);
    EXPECT_EQ(s.gridBoxLower, back->gridBoxLower);
    EXPECT_EQ(s.gridBoxUpper, back->gridBoxUpper);
}

TEST(CoarseGrainingSettings, VersionOneCoarseGrainerFilesStillLoad) {
    // A CoarseGrainer written before the settings were one value (version 1: flat properties, "seed", "Positions").
    // (Written by the effpot before this change, for x^2 with h = 0.2, gamma = 1.5, m = 2, seed 9, one start.)
    string v1 = R"(<?xml version="1.0" ?>
<CoarseGrainer allowNonGaussian="0" dimensions="1" energy="x^2" friction="1.5" frozenKurtosis="1" mass="2" maxExcessKurtosis=".2" maxSkewness=".1" numBatches="10" numEquilibrationSteps="2000" numReplicas="200" numStage2Steps="0" numSteps="20000" resolutionLimit="1" restartFrozenReplicas="1" sampleInterval="10" seed="9" startsFromPilot="0" stepSize=".2" targetKT="1" type="CoarseGrainer" useCustomExternalForce="0" version="1">
	<Positions>
		<Value v=".5"/>
	</Positions>
	<BoxLower/>
	<BoxUpper/>
	<GridLower/>
	<GridUpper/>
	<GridBins/>
	<Fitter gridCoarsening="0" knotSpacing="0" minBinCount="20" numBootstrap="20" seed="9" smoothing="-1"/>
</CoarseGrainer>
)";
    stringstream stream(v1);
    unique_ptr<CoarseGrainer> grainer(XmlSerializer::deserialize<CoarseGrainer>(stream));
    EXPECT_EQ(0.2, grainer->getStepSize());
    EXPECT_EQ(2.0, grainer->getMass());
    EXPECT_EQ(9, grainer->getRandomSeed());
    EXPECT_EQ(1, grainer->getMaxStage1Rounds()) << "a file from before Stage-1 rounds reruns with one round, as it did";
    EXPECT_EQ(vector<double>({0.5}), grainer->getSettings().initialPositions);
}
