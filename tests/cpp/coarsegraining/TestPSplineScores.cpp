// The unbiased risk estimate that chooses the P-spline penalty (docs/theory.md section 6): fitAutomatic scores every
// candidate from one generalized eigendecomposition. Held here against the definition, computed the slow way: the
// hat matrix column by column (fit the unit vectors with the same weights and penalty), its trace, and the
// weighted residuals of the fit.
#include "PSplineFit.h"
#include <gtest/gtest.h>
#include <cmath>
#include <random>
#include <vector>

using namespace EffPot;
using namespace std;

namespace {

struct Data {
    vector<double> lower, upper, points, values, weights;
    vector<int> basis;
};

// Points in part of the box, as a histogram's support: several per spline cell (the cells' blocks of B^T W B are
// summed before they are stored), and none near the upper corner, so that some coefficients are held by the
// penalty alone (there G + ridge I is singular but for the ridge). Noisy values of a smooth function, unequal weights.
Data sample(int d, unsigned seed) {
    Data data;
    data.lower.assign(d, -1.0);
    data.upper.assign(d, 1.0);
    data.basis = (d == 2 ? vector<int>{6, 7} : vector<int>{5, 5, 6});
    mt19937 random(seed);
    uniform_real_distribution<double> uniform(-1, 1), inside(-1, 0.4);
    normal_distribution<double> noise(0, 0.3);
    for (int k = 0; k < (d == 2 ? 120 : 300); k++) {
        double sum = 0;
        for (int i = 0; i < d; i++) {
            double x = inside(random);
            data.points.push_back(x);
            sum += sin(2*x+i);
        }
        data.values.push_back(sum+noise(random));
        data.weights.push_back(1+0.4*uniform(random));
    }
    return data;
}

// rss + 2 tr(H) for one penalty, from fits of the data and of every unit vector.
double bruteForceScore(const Data& data, double smoothing) {
    int d = data.lower.size(), n = data.values.size();
    PSplineFit spline(data.lower, data.upper, data.basis);
    spline.fit(data.points, data.values, data.weights, smoothing);
    double rss = 0, trace = 0;
    for (int k = 0; k < n; k++) {
        double r = data.values[k]-spline.evaluate(&data.points[k*d]);
        rss += data.weights[k]*r*r;
    }
    for (int j = 0; j < n; j++) {
        vector<double> unit(n, 0.0);
        unit[j] = 1;
        PSplineFit column(data.lower, data.upper, data.basis);
        column.fit(data.points, unit, data.weights, smoothing);
        trace += column.evaluate(&data.points[j*d]); // H_jj
    }
    return rss+2*trace;
}

} // namespace

TEST(PSplineScores, EveryCandidateIsScoredAsDefined) {
    for (int d = 2; d <= 3; d++) {
        Data data = sample(d, 7+d);
        for (double smoothing : {1e-3, 0.1, 10.0}) {
            PSplineFit spline(data.lower, data.upper, data.basis);
            spline.fitAutomatic(data.points, data.values, data.weights, {smoothing});
            double expected = bruteForceScore(data, smoothing);
            EXPECT_NEAR(spline.getScore(), expected, 1e-7*fabs(expected)) << d << "D, smoothing " << smoothing;
        }
    }
}

TEST(PSplineScores, TheChoiceIsTheSmallestScoreAndItsFit) {
    for (int d = 2; d <= 3; d++) {
        Data data = sample(d, 20+d);
        vector<double> candidates = {1e-4, 1e-2, 1.0, 100.0, 1e4};
        double best = candidates[0], bestScore = INFINITY;
        for (double smoothing : candidates) {
            double score = bruteForceScore(data, smoothing);
            if (score < bestScore) {
                bestScore = score;
                best = smoothing;
            }
        }
        PSplineFit chosen(data.lower, data.upper, data.basis), direct(data.lower, data.upper, data.basis);
        EXPECT_EQ(chosen.fitAutomatic(data.points, data.values, data.weights, candidates), best) << d << "D";
        // 1e-6: at the extreme candidates (1e-4, 1e4) the coefficients held by the penalty alone leave rounding of a
        // few 1e-7 in either way of computing the score.
        EXPECT_NEAR(chosen.getScore(), bestScore, 1e-6*fabs(bestScore));
        direct.fit(data.points, data.values, data.weights, best);
        for (size_t k = 0; k < direct.getCoefficients().size(); k++)
            EXPECT_NEAR(chosen.getCoefficients()[k], direct.getCoefficients()[k], 1e-9) << d << "D, coefficient " << k;
    }
}
