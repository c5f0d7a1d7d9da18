// Issue 16: bad input reaches no undefined behaviour. NaN coordinates, files of the wrong kind, truncated or
// damaged XML, and sizes that would overflow an allocation raise OpenMMException (or give NaN, for evaluate).
#include "EffectivePotential.h"
#include "PSplineFit.h"
#include "RegularGrid.h"
#include "ReplicaStatistics.h"
#include "XmlLoading.h"
#include "openmm/OpenMMException.h"
#include "openmm/System.h"
#include "openmm/VerletIntegrator.h"
#include "openmm/serialization/XmlSerializer.h"
#include <gtest/gtest.h>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

EffectivePotential quadraticPotential() {
    PSplineFit spline({-1.0}, {1.0}, {8});
    vector<double> coefficients(8);
    for (int i = 0; i < 8; i++)
        coefficients[i] = 0.1*(i-3.5)*(i-3.5);
    spline.setCoefficients(coefficients);
    return EffectivePotential(spline, {-1.0}, {1.0}, {11});
}

string potentialXml() {
    EffectivePotential potential = quadraticPotential();
    stringstream stream;
    XmlSerializer::serialize<EffectivePotential>(&potential, "EffectivePotential", stream);
    return stream.str();
}

// The message of the OpenMMException that f throws ("" if none).
template <class F>
string messageOf(F f) {
    try {
        f();
    }
    catch (const OpenMMException& e) {
        return e.what();
    }
    return "";
}

void loadPotential(const string& xml) {
    checkSerializedType(xml, "EffectivePotential", "EffectivePotential", "test", "file.xml");
    stringstream stream(xml);
    delete XmlSerializer::deserialize<EffectivePotential>(stream);
}

} // namespace

TEST(BadInput, NaNCoordinatesEvaluateToNaNAndInfinitiesClamp) {
    EffectivePotential potential = quadraticPotential();
    double nan = numeric_limits<double>::quiet_NaN(), inf = numeric_limits<double>::infinity();
    EXPECT_TRUE(std::isnan(potential.evaluate(&nan)));
    double gradient = 0;
    EXPECT_TRUE(std::isnan(potential.getSpline().evaluateWithGradient(&nan, &gradient)));
    EXPECT_TRUE(std::isnan(gradient));
    double upper = 1.0, lower = -1.0;
    EXPECT_EQ(potential.evaluate(&inf), potential.evaluate(&upper));
    double negative = -inf;
    EXPECT_EQ(potential.evaluate(&negative), potential.evaluate(&lower));
}

TEST(BadInput, ConstructorsRefuseInfiniteBoxesAndHugeTables) {
    double inf = numeric_limits<double>::infinity();
    EXPECT_NE(messageOf([&]() { PSplineFit({0.0}, {inf}, {8}); }).find("finite"), string::npos);
    EXPECT_NE(messageOf([&]() { PSplineFit({0.0, 0.0, 0.0}, {1.0, 1.0, 1.0}, {2000, 2000, 2000}); }).find("too many"), string::npos);
    PSplineFit spline({0.0, 0.0, 0.0}, {1.0, 1.0, 1.0}, {4, 4, 4});
    EXPECT_NE(messageOf([&]() { EffectivePotential(spline, {0.0, 0.0, 0.0}, {1.0, 1.0, 1.0}, {5000, 5000, 5000}); })
              .find("at most 1e7"), string::npos);
}

TEST(BadInput, LoadersNameTheKindOfFileTheyGot) {
    System system;
    system.addParticle(1.0);
    stringstream systemXml, integratorXml;
    XmlSerializer::serialize<System>(&system, "System", systemXml);
    VerletIntegrator integrator(0.001);
    XmlSerializer::serialize<Integrator>(&integrator, "Integrator", integratorXml);
    EXPECT_NE(messageOf([&]() { loadPotential(systemXml.str()); }).find("test: file.xml is an OpenMM System, not an effpot "
                                                                          "EffectivePotential"), string::npos);
    EXPECT_NE(messageOf([&]() { loadPotential(integratorXml.str()); }).find("VerletIntegrator"), string::npos);
    EXPECT_NE(messageOf([&]() { loadPotential(""); }).find("file.xml is empty"), string::npos);
    EXPECT_NE(messageOf([&]() { loadPotential("\x89PNG garbage"); }).find("is not XML"), string::npos);
    string good = potentialXml();
    EXPECT_EQ(messageOf([&]() { loadPotential(good); }), "");
    for (size_t cut : {size_t(0), size_t(10), size_t(60), good.size()/2, good.size()-3})
        EXPECT_NE(messageOf([&]() { loadPotential(good.substr(0, cut)); }), "") << cut;
    EXPECT_NE(messageOf([&]() { loadPotential(good.substr(0, good.size()/2)); }).find("truncated"), string::npos);
}

TEST(BadInput, DamagedValuesAreCheckedBeforeUse) {
    string good = potentialXml();
    auto damaged = [&](const string& from, const string& to) {
        string text = good;
        size_t at = text.find(from);
        EXPECT_NE(at, string::npos) << from;
        return text.replace(at, from.size(), to);
    };
    EXPECT_NE(messageOf([&]() { loadPotential(damaged("version=\"2\"", "version=\"7\"")); }).find("version 7"), string::npos);
    EXPECT_NE(messageOf([&]() { loadPotential(damaged("<NumBasis>\n\t\t<Value v=\"", "<NumBasis>\n\t\t<Value v=\"1e12")); })
              .find("whole number"), string::npos);
    EXPECT_NE(messageOf([&]() { loadPotential(damaged("<NumBasis>\n\t\t<Value v=\"", "<NumBasis>\n\t\t<Value v=\"9")); })
              .find("Coefficients has"), string::npos);
    EXPECT_NE(messageOf([&]() { loadPotential(damaged("<Nodes>\n\t\t<Value v=\"", "<Nodes>\n\t\t<Value v=\"9999")); })
              .find("NodeSupported has"), string::npos);
    EXPECT_NE(messageOf([&]() { loadPotential(damaged(" kT=\"", " kT=\"-")); }).find("kT"), string::npos);
    EXPECT_NE(messageOf([&]() { loadPotential(damaged("<Coefficients>\n\t\t<Value v=\"", "<Coefficients>\n\t\t<Value v=\"inf\" w=\"")); })
              .find("not finite"), string::npos);
    // ReplicaStatistics: sizes in the header must match the lists before anything is allocated from them.
    ReplicaStatistics statistics(1, 1, 2, RegularGrid({0.0}, {1.0}, {4}), 10);
    stringstream stream;
    XmlSerializer::serialize<ReplicaStatistics>(&statistics, "ReplicaStatistics", stream);
    string text = stream.str();
    size_t at = text.find("batches=\"2\"");
    ASSERT_NE(at, string::npos);
    text.replace(at, 11, "batches=\"2000000000\"");
    stringstream bad(text);
    EXPECT_NE(messageOf([&]() { delete XmlSerializer::deserialize<ReplicaStatistics>(bad); }).find("Counts has"), string::npos);
}
