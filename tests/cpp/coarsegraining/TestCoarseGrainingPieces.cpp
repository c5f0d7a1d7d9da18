// The building blocks of the coarse-graining driver: P-splines, mergeable statistics, Stage-1 designs, normality.
#include "NoiseCovarianceDesigns.h"
#include "NormalityTests.h"
#include "PSplineFit.h"
#include "ReplicaStatistics.h"
#include "openmm/OpenMMException.h"
#include "openmm/serialization/XmlSerializer.h"
#include <gtest/gtest.h>
#include <cmath>
#include <memory>
#include <random>
#include <sstream>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

TEST(PSplineFit, ReproducesPolynomialsInItsSpace) {
    // Cubic splines contain cubics: with no penalty a 1D cubic is fitted exactly; third-difference penalties
    // vanish on functions quadratic in each coordinate, so a 2D quadratic well (with a cross term) is exact even
    // with a strong penalty: smoothing never flattens a harmonic well.
    mt19937 random(1);
    uniform_real_distribution<double> uniform(-1, 1);
    {
        PSplineFit spline({-1}, {1}, {10});
        vector<double> points, values, weights;
        for (int i = 0; i < 200; i++) {
            double x = uniform(random);
            points.push_back(x);
            values.push_back(1+2*x-x*x+0.5*x*x*x);
            weights.push_back(1+uniform(random));
        }
        spline.fit(points, values, weights, 0.0);
        for (double x = -1; x <= 1; x += 0.05) {
            double gradient;
            double value = spline.evaluateWithGradient(&x, &gradient);
            // Exact up to the fitter's 1e-10 relative ridge, which pulls coefficients at the sparse ends by ~1e-8.
            EXPECT_NEAR(value, 1+2*x-x*x+0.5*x*x*x, 1e-6);
            EXPECT_NEAR(gradient, 2-2*x+1.5*x*x, 1e-5);
        }
    }
    {
        PSplineFit spline({-1, 0}, {1, 2}, {8, 9});
        vector<double> points, values, weights;
        for (int i = 0; i < 400; i++) {
            double x = uniform(random), y = 1+uniform(random);
            points.insert(points.end(), {x, y});
            values.push_back(3-x+2*y+0.5*x*y+2*x*x+y*y);
            weights.push_back(1.0);
        }
        spline.fit(points, values, weights, 1e3);
        for (double x = -1; x <= 1; x += 0.1)
            for (double y = 0; y <= 2; y += 0.1) {
                double p[2] = {x, y};
                EXPECT_NEAR(spline.evaluate(p), 3-x+2*y+0.5*x*y+2*x*x+y*y, 1e-6);
            }
    }
}

TEST(PSplineFit, RejectsBadInput) {
    EXPECT_THROW(PSplineFit({0}, {1}, {3}), OpenMMException);
    EXPECT_THROW(PSplineFit({0, 0, 0, 0}, {1, 1, 1, 1}, {4, 4, 4, 4}), OpenMMException);
    PSplineFit spline({0}, {1}, {5});
    EXPECT_THROW(spline.fit({0.5}, {1.0}, {0.0}, 1.0), OpenMMException); // no positive weight
}

namespace {

ReplicaStatistics makeStatistics() {
    return ReplicaStatistics(2, 3, 4, RegularGrid({-2, -2}, {2, 2}, {8, 8}), 50);
}

void addSamples(ReplicaStatistics& s, int first, int end) {
    mt19937 random(7);
    normal_distribution<double> normal;
    double design[4] = {2, 0.5, 0.5, 1};
    for (int i = 0; i < end; i++) {
        double p[2] = {normal(random), normal(random)}, q[2] = {normal(random), normal(random)};
        if (i < first)
            continue;
        s.addMomentum(i%3, i%4, p, (i%2 ? design : NULL));
        s.addDriftMomentum(i%3, i%4, q);
        s.storeMomentum(i%3, p);
        s.addPosition(i%4, q);
    }
}

} // namespace

TEST(ReplicaStatistics, MergedHalvesEqualTheWholeAndSerializeExactly) {
    ReplicaStatistics whole = makeStatistics(), first = makeStatistics(), second = makeStatistics();
    addSamples(whole, 0, 1000);
    addSamples(first, 0, 500);
    addSamples(second, 500, 1000);
    first.merge(second);
    for (int g = 0; g < 3; g++) {
        for (int b = 0; b < 4; b++) {
            EXPECT_EQ(first.getCount(g, b), whole.getCount(g, b));
            EXPECT_EQ(first.getDriftCount(g, b), whole.getDriftCount(g, b));
            EXPECT_NEAR(first.getQuadraticSum(g, b), whole.getQuadraticSum(g, b), 1e-12*fabs(whole.getQuadraticSum(g, b)));
            vector<double> a = first.getSecondMomentSums(g, b), c = whole.getSecondMomentSums(g, b);
            for (int i = 0; i < 4; i++)
                EXPECT_NEAR(a[i], c[i], 1e-12*(1+fabs(c[i])));
        }
        for (int i = 0; i < 8; i++)
            EXPECT_NEAR(first.getPowerSums(g)[i], whole.getPowerSums(g)[i], 1e-11*(1+fabs(whole.getPowerSums(g)[i])));
        EXPECT_EQ(first.getStoredMomenta(g).size(), 100u); // capped at 50 samples of 2 components
    }
    for (int b = 0; b < 4; b++)
        EXPECT_EQ(first.getHistogram(b), whole.getHistogram(b));
    EXPECT_EQ(first.getOutsideCount(), whole.getOutsideCount());
    EXPECT_GT(whole.getOutsideCount(), 0); // Gaussian samples reach beyond |q| = 2
    // XML round trip, exact.
    stringstream buffer;
    XmlSerializer::serialize<ReplicaStatistics>(&whole, "ReplicaStatistics", buffer);
    unique_ptr<ReplicaStatistics> copy(XmlSerializer::deserialize<ReplicaStatistics>(buffer));
    EXPECT_EQ(copy->getCounts(), whole.getCounts());
    EXPECT_EQ(copy->getQuadraticSums(), whole.getQuadraticSums());
    EXPECT_EQ(copy->getDriftSecondMoments(), whole.getDriftSecondMoments());
    EXPECT_EQ(copy->getHistogram(2), whole.getHistogram(2));
    EXPECT_EQ(copy->getStoredMomenta(1), whole.getStoredMomenta(1));
    // Incompatible layouts do not merge.
    ReplicaStatistics other(2, 3, 5, RegularGrid({-2, -2}, {2, 2}, {8, 8}), 50);
    EXPECT_THROW(whole.merge(other), OpenMMException);
}

TEST(NoiseCovarianceDesigns, RecoverTheCovarianceFromExactBalances) {
    for (int d = 2; d <= 3; d++) {
        vector<vector<double> > designs = NoiseCovarianceDesigns::designs(d);
        ASSERT_EQ((int) designs.size(), d*(d+1)/2);
        vector<double> truth = (d == 2 ? vector<double>{0.1, 0.05, 0.05, 0.25}
                                       : vector<double>{1.0, 0.2, -0.1, 0.2, 0.5, 0.05, -0.1, 0.05, 0.8});
        vector<double> b, errors;
        for (const vector<double>& a : designs) {
            double sum = 0; // tr(A D)
            for (int i = 0; i < d*d; i++)
                sum += a[i]*truth[i];
            b.push_back(sum);
            errors.push_back(0.01);
        }
        vector<double> estimate, error;
        NoiseCovarianceDesigns::solve(designs, b, errors, estimate, error);
        for (int i = 0; i < d*d; i++) {
            EXPECT_NEAR(estimate[i], truth[i], 1e-12);
            EXPECT_GT(error[i], 0.0);
        }
    }
    EXPECT_NEAR(NoiseCovarianceDesigns::samplingBias(0.5), 0.5/expm1(0.5), 1e-15);
    EXPECT_NEAR(NoiseCovarianceDesigns::samplingBias(1e-10), 1.0, 1e-9);
}

TEST(NoiseCovarianceDesigns, ProjectsOntoPositiveSemidefiniteCone) {
    vector<vector<double> > designs = NoiseCovarianceDesigns::designs(2);
    // Balances of an indefinite "covariance" [[1, 2], [2, 1]] (eigenvalues 3 and -1): the projection keeps 3.
    vector<double> b = {3, 3, 4}, errors = {0.1, 0.1, 0.1}, estimate, error;
    NoiseCovarianceDesigns::solve(designs, b, errors, estimate, error);
    EXPECT_NEAR(estimate[0], 1.5, 1e-12);
    EXPECT_NEAR(estimate[1], 1.5, 1e-12);
    EXPECT_NEAR(estimate[3], 1.5, 1e-12);
}

TEST(NormalityTests, SeparateGaussianFromUniformSamples) {
    mt19937 random(3);
    normal_distribution<double> normal;
    uniform_real_distribution<double> uniform;
    vector<double> gaussian, flat;
    for (int i = 0; i < 6000; i++) {
        gaussian.push_back(normal(random));
        flat.push_back(uniform(random));
    }
    NormalityTests::Result g = NormalityTests::test(gaussian, 2), u = NormalityTests::test(flat, 2);
    // Sample excess kurtosis has standard error sqrt(24/n) = 0.09 for n = 3000; the uniform's is -1.2.
    EXPECT_LT(fabs(g.excessKurtosis[0]), 0.45);
    EXPECT_NEAR(u.excessKurtosis[0], -1.2, 0.2);
    EXPECT_GT(g.dagostinoPValue[0], 1e-4);
    EXPECT_LT(u.dagostinoPValue[0], 1e-10);
    EXPECT_NEAR(g.mardiaKurtosis, 8.0, 0.5); // d(d+2) for a Gaussian
    EXPECT_NEAR(NormalityTests::upperIncompleteGamma(1.0, 2.0), exp(-2.0), 1e-13); // Q(1, x) = e^-x
    EXPECT_THROW(NormalityTests::test(vector<double>(10, 0.0), 1), OpenMMException);
}
