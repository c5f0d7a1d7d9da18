// The fit's bias corrections (docs/theory.md section 6): a bin's count measures the average of rho over the bin,
// which a Boltzmann inversion at the bin centres reads as a flatter U; PotentialFitter corrects the values by the
// exact bin average of its current fit and fits again (PSplineFit::refit, one back-substitution), to a fixed point.
#include "PSplineFit.h"
#include "PotentialFitter.h"
#include "ReplicaStatistics.h"
#include "openmm/OpenMMException.h"
#include <gtest/gtest.h>
#include <cmath>
#include <vector>

using namespace EffPot;
using namespace std;

namespace {

// The fit of exact counts (N = 1e9 per batch) of the law exp(-x^2/2) on `bins` bins over [lower, upper].
EffectivePotential fitExactGaussian(double lower, double upper, int bins) {
    RegularGrid grid({lower}, {upper}, {bins});
    ReplicaStatistics statistics(1, 1, 2, grid);
    vector<vector<long long> > histograms(2, vector<long long>(bins));
    double width = (upper-lower)/bins;
    for (int b = 0; b < bins; b++) {
        double from = lower+width*b, to = from+width;
        histograms[0][b] = histograms[1][b] = llround(0.5e9*(erf(to/sqrt(2.0))-erf(from/sqrt(2.0))));
    }
    statistics.setRawState({1, 1}, {0, 0}, {0, 0}, {vector<double>(4, 0.0)}, {vector<double>()}, histograms, 0, {0, 0}, {0, 0});
    PotentialFitter fitter;
    fitter.setGridCoarsening(1);
    fitter.setNumBootstrap(0);
    fitter.setMinBinCount(1);
    return fitter.fit(statistics, 1.0);
}

} // namespace

TEST(PSplineFit, RefitEqualsAFitOfTheNewValues) {
    vector<double> points, values, other, weights;
    for (int i = 0; i <= 40; i++) {
        double x = -2+0.1*i;
        points.push_back(x);
        values.push_back(sin(x));
        other.push_back(x*x*x-x);
        weights.push_back(1+0.1*i);
    }
    PSplineFit refitted({-2.0}, {2.0}, {12}), fitted({-2.0}, {2.0}, {12});
    refitted.fit(points, values, weights, 0.3);
    refitted.refit(other);
    fitted.fit(points, other, weights, 0.3);
    for (size_t k = 0; k < fitted.getCoefficients().size(); k++)
        EXPECT_NEAR(fitted.getCoefficients()[k], refitted.getCoefficients()[k], 1e-10);
    EXPECT_THROW(refitted.refit({1.0, 2.0}), OpenMM::OpenMMException); // one value per point of the last fit
    EXPECT_THROW(PSplineFit({0.0}, {1.0}, {4}).refit({}), OpenMM::OpenMMException); // no fit to repeat
}

TEST(PotentialFitter, CoarseBinsDoNotFlattenTheInvertedPotential) {
    // Exact counts of a law exp(-x^2/2) on 16 bins of width 0.5 over [-4, 4] (N = 1e9): read at the bin centres,
    // -log(count) falls short of x^2/2 by (w^2/24)(x^2 - 1): 0.083 kT at x = 3 against 0 at x = 1. Corrected, the
    // fit is x^2/2 within what the spline's own knots allow.
    EffectivePotential potential = fitExactGaussian(-4, 4, 16);
    double worst = 0;
    for (double x = -3; x <= 3.0001; x += 0.25) {
        double zero = 0.0;
        double u = potential.evaluate(&x)-potential.evaluate(&zero);
        worst = max(worst, fabs(u-0.5*x*x));
    }
    EXPECT_LT(worst, 0.02) << "the uncorrected inversion is off by up to 0.083 kT here";
}

TEST(PotentialFitter, BinsWiderThanAStandardDeviationGiveTheExactCurvature) {
    // Exact counts of exp(-x^2/2) on 8 bins of 1.25 standard deviations over [-5, 5], the width a 3D fit ends up
    // with: the second-order correction applied once left this quadratic 1.3% too flat (U(2) - U(0) = 1.974); the
    // fixed point of the exact bin average (BinAverage) is the quadratic itself, within 2e-4 relative in numpy.
    EffectivePotential potential = fitExactGaussian(-5, 5, 8);
    double zero = 0.0, two = 2.0, minusTwo = -2.0;
    double rise = 0.5*(potential.evaluate(&two)+potential.evaluate(&minusTwo))-potential.evaluate(&zero);
    EXPECT_NEAR(rise, 2.0, 0.004) << "the once-corrected fit gives 1.974";
}
