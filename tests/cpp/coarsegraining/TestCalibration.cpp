// The calibration record of a learned potential: the mass, friction, step and temperatures of the run whose
// positions were fitted (docs/theory.md sections 4, 5 and 8), kept through XML, and rebuilt from the
// diagnostics of files written before the record existed.
#include "CoarseGrainer.h"
#include "EffectivePotential.h"
#include "openmm/OpenMMException.h"
#include "openmm/Platform.h"
#include "openmm/serialization/XmlSerializer.h"
#include <gtest/gtest.h>
#include <cmath>
#include <memory>
#include <sstream>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

const string P1 = "x^2/2+0.01*sin(x/0.01)+0.0001*sin(x/0.0001)";
const string P4 = "(x^2+y^2)/2+0.001*(1*sin(x/0.001)+2*sin(y/0.001)+1*sin((x+y)/0.001))";

EffectivePotential learn(const string& energy, int d, double h, double gamma, double mass = 1.0) {
    CoarseGrainer grainer(energy, d);
    grainer.setStepSize(h);
    grainer.setFriction(gamma);
    grainer.setMass(mass);
    grainer.setNumReplicas(30);
    grainer.setNumBatches(3);
    grainer.setNumSteps(1000);
    grainer.setNumEquilibrationSteps(300);
    grainer.setAllowNonGaussian(true);
    return grainer.run(Platform::getPlatformByName("Reference"));
}

unique_ptr<EffectivePotential> roundTrip(const EffectivePotential& potential, const string& edit = "") {
    stringstream out;
    XmlSerializer::serialize<EffectivePotential>(&potential, "EffectivePotential", out);
    string text = out.str();
    if (edit == "version 1") {
        // What the effpot before the record wrote: version 1, no Calibration node.
        size_t at = text.find("version=\"2\"");
        text.replace(at, 11, "version=\"1\"");
        size_t start = text.find("<Calibration"), end = text.find("</Calibration>");
        text.erase(start, end+string("</Calibration>").size()-start);
    }
    stringstream in(text);
    return unique_ptr<EffectivePotential>(XmlSerializer::deserialize<EffectivePotential>(in));
}

void expectSame(const Calibration& a, const Calibration& b) {
    EXPECT_EQ(a.stepSize, b.stepSize);
    EXPECT_EQ(a.mass, b.mass);
    EXPECT_EQ(a.friction, b.friction);
    EXPECT_EQ(a.kT, b.kT);
    EXPECT_EQ(a.targetKT, b.targetKT);
    EXPECT_EQ(a.energy, b.energy);
    EXPECT_EQ(a.systemXml, b.systemXml);
}

} // namespace

TEST(Calibration, OneDimensionIsTheScalarRun) {
    EffectivePotential potential = learn(P1, 1, 0.3, 0.5, 1.5);
    const Calibration& c = potential.getCalibration();
    ASSERT_TRUE(c.isKnown());
    EXPECT_EQ(0.3, c.stepSize);
    EXPECT_EQ(vector<double>({1.5}), c.mass);
    EXPECT_EQ(vector<double>({0.5*1.5}), c.friction); // Gamma = gamma M
    EXPECT_EQ(potential.getKT(), c.kT);
    EXPECT_EQ(P1, c.energy);
    EXPECT_FALSE(c.fromUserSystem());
}

TEST(Calibration, StageTwoFrictionSetsTheDriftTemperatureOfEveryDirection) {
    // docs/theory.md section 5: per eigendirection of D, gamma_i = (1/h) log((4 kT* + h d_i) / (4 kT* - h d_i)),
    // i.e. (h d_i / 4) coth(gamma_i h / 2) = kT*; D / (2 kT*) to first order in gamma h.
    double h = 0.1;
    EffectivePotential potential = learn(P4, 2, h, 0.5);
    const Calibration& c = potential.getCalibration();
    EXPECT_EQ(vector<double>({1, 0, 0, 1}), c.mass);
    ASSERT_EQ(4u, c.friction.size());
    EXPECT_EQ(1.0, c.targetKT);
    const vector<double>& noise = potential.getNoiseCovariance();
    // Gamma commutes with D, and along D's eigenvectors meets the drift-temperature condition.
    double a = noise[0], b = noise[1], d = noise[3];
    double mean = (a+d)/2, radius = sqrt((a-d)*(a-d)/4+b*b);
    for (double value : {mean-radius, mean+radius}) {
        // eigenvector (b, value - a), or (value - d, b)
        double vx = b, vy = value-a;
        if (fabs(vx)+fabs(vy) < 1e-14) {
            vx = value-d;
            vy = b;
        }
        double norm = sqrt(vx*vx+vy*vy);
        vx /= norm;
        vy /= norm;
        double gx = c.friction[0]*vx+c.friction[1]*vy, gy = c.friction[2]*vx+c.friction[3]*vy;
        double rate = vx*gx+vy*gy;
        EXPECT_NEAR(0.0, gx-rate*vx, 1e-12*rate);
        EXPECT_NEAR(0.0, gy-rate*vy, 1e-12*rate);
        EXPECT_NEAR(c.targetKT, h*value/4/tanh(rate*h/2), 1e-12);
        EXPECT_NEAR(value/(2*c.targetKT), rate, 1e-3*rate); // gamma h ~ 0.02 here
    }
}

TEST(Calibration, SurvivesXmlAndIsRebuiltForVersionOneFiles) {
    for (int d : {1, 2}) {
        EffectivePotential potential = (d == 1 ? learn(P1, 1, 0.3, 0.5, 1.5) : learn(P4, 2, 0.1, 0.5));
        expectSame(potential.getCalibration(), roundTrip(potential)->getCalibration());
        Calibration expected = potential.getCalibration();
        if (d == 2) {
            // Effpot before the record ran Stage 2 with Gamma = D / (2 kT*): that is what a version-1 file ran.
            for (int i = 0; i < 4; i++)
                expected.friction[i] = potential.getNoiseCovariance()[i]/(2*expected.targetKT);
        }
        expectSame(expected, roundTrip(potential, "version 1")->getCalibration());
    }
}

TEST(Calibration, BadRecordsAreRefused) {
    EffectivePotential potential = learn(P1, 1, 0.3, 0.5);
    Calibration c = potential.getCalibration();
    c.friction = {1, 2}; // 1D needs 1 x 1
    EXPECT_THROW(potential.setCalibration(c), OpenMMException);
    c = potential.getCalibration();
    c.kT = -1;
    EXPECT_THROW(potential.setCalibration(c), OpenMMException);
}
