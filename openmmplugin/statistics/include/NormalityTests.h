#ifndef EFFPOT_NORMALITY_TESTS_H_
#define EFFPOT_NORMALITY_TESTS_H_

#include "internal/windowsExportEffPot.h"
#include <vector>

namespace EffPot {

/**
 * Tests that sampled momenta are Gaussian (docs/theory.md section 3): once a replica run has mixed, p is Gaussian; a
 * frozen run (kT collapsing into a micro-well) shows excess kurtosis >> 0, mixed scales a few tenths of negative
 * excess kurtosis. With many samples every formal test rejects, so effect sizes are reported beside p-values.
 */
namespace NormalityTests {

/** Per-component results and the multivariate ones for samples of d-vectors. */
struct OPENMM_EXPORT_EFFPOT Result {
    int samples;
    std::vector<double> skewness;           ///< g1 = m3 / m2^(3/2) per component
    std::vector<double> excessKurtosis;     ///< g2 = m4 / m2^2 - 3 per component
    std::vector<double> dagostinoK2;        ///< D'Agostino-Pearson omnibus statistic per component
    std::vector<double> dagostinoPValue;    ///< its p-value (chi-square, 2 degrees of freedom)
    double mardiaSkewness;                  ///< Mardia's b1,d
    double mardiaSkewnessPValue;            ///< from n b1 / 6 ~ chi-square with d(d+1)(d+2)/6 degrees of freedom
    double mardiaKurtosis;                  ///< Mardia's b2,d (d(d+2) for a Gaussian)
    double mardiaKurtosisPValue;            ///< two-sided, from its normal approximation
};

/**
 * Run every test on n samples of d-vectors (flat, sample-major). Needs n >= 20.
 */
OPENMM_EXPORT_EFFPOT Result test(const std::vector<double>& samples, int dimensions);

/** Skewness and excess kurtosis of each component from the power sums S_k = sum x^k (k = 1..4) of n samples. */
OPENMM_EXPORT_EFFPOT void momentsFromPowerSums(const std::vector<double>& powerSums, int dimensions, long long n,
        std::vector<double>& skewness, std::vector<double>& excessKurtosis);

/** The upper tail Q(a, x) of the regularized incomplete gamma function (chi-square tails: Q(k/2, x/2)). */
OPENMM_EXPORT_EFFPOT double upperIncompleteGamma(double a, double x);

} // namespace NormalityTests
} // namespace EffPot

#endif /*EFFPOT_NORMALITY_TESTS_H_*/
