#include "NormalityTests.h"
#include "openmm/OpenMMException.h"
#include <Eigen/Dense>
#include <cmath>

using namespace EffPot;
using OpenMM::OpenMMException;
using namespace std;

double NormalityTests::upperIncompleteGamma(double a, double x) {
    if (x <= 0)
        return 1.0;
    double logPrefactor = -x+a*log(x)-lgamma(a);
    if (x < a+1) {
        // Series for P(a, x), then Q = 1 - P.
        double term = 1.0/a, sum = term;
        for (int n = 1; n < 1000 && fabs(term) > 1e-16*fabs(sum); n++) {
            term *= x/(a+n);
            sum += term;
        }
        return max(0.0, 1.0-sum*exp(logPrefactor));
    }
    // Continued fraction for Q(a, x) (modified Lentz).
    double b = x+1-a, c = 1e300, d = 1/b, h = d;
    for (int i = 1; i < 1000; i++) {
        double an = -i*(i-a);
        b += 2;
        d = an*d+b;
        if (fabs(d) < 1e-300)
            d = 1e-300;
        c = b+an/c;
        if (fabs(c) < 1e-300)
            c = 1e-300;
        d = 1/d;
        double delta = d*c;
        h *= delta;
        if (fabs(delta-1) < 1e-15)
            break;
    }
    return exp(logPrefactor)*h;
}

namespace {

// D'Agostino's transformation of the sample skewness to a standard normal deviate.
double skewnessZ(double g1, double n) {
    double y = g1*sqrt((n+1)*(n+3)/(6*(n-2)));
    double beta2 = 3*(n*n+27*n-70)*(n+1)*(n+3)/((n-2)*(n+5)*(n+7)*(n+9));
    double w2 = -1+sqrt(2*(beta2-1));
    double delta = 1/sqrt(0.5*log(w2));
    double alpha = sqrt(2/(w2-1));
    double ratio = y/alpha;
    return delta*log(ratio+sqrt(ratio*ratio+1));
}

// Anscombe and Glynn's transformation of the sample kurtosis b2 = m4/m2^2 to a standard normal deviate.
double kurtosisZ(double b2, double n) {
    double mean = 3*(n-1)/(n+1);
    double variance = 24*n*(n-2)*(n-3)/((n+1)*(n+1)*(n+3)*(n+5));
    double x = (b2-mean)/sqrt(variance);
    double beta1 = 6*(n*n-5*n+2)/((n+7)*(n+9))*sqrt(6*(n+3)*(n+5)/(n*(n-2)*(n-3)));
    double a = 6+8/beta1*(2/beta1+sqrt(1+4/(beta1*beta1)));
    double term = (1-2/a)/(1+x*sqrt(2/(a-4)));
    double root = (term < 0 ? -pow(-term, 1.0/3) : pow(term, 1.0/3));
    return ((1-2/(9*a))-root)/sqrt(2/(9*a));
}

} // namespace

void NormalityTests::momentsFromPowerSums(const vector<double>& s, int d, long long count, vector<double>& skewness,
        vector<double>& excessKurtosis) {
    double n = count;
    skewness.assign(d, 0.0);
    excessKurtosis.assign(d, 0.0);
    for (int i = 0; i < d; i++) {
        double m1 = s[i]/n, r2 = s[d+i]/n, r3 = s[2*d+i]/n, r4 = s[3*d+i]/n;
        double m2 = r2-m1*m1;
        double m3 = r3-3*m1*r2+2*m1*m1*m1;
        double m4 = r4-4*m1*r3+6*m1*m1*r2-3*m1*m1*m1*m1;
        skewness[i] = (m2 > 0 ? m3/pow(m2, 1.5) : 0.0);
        excessKurtosis[i] = (m2 > 0 ? m4/(m2*m2)-3 : 0.0);
    }
}

NormalityTests::Result NormalityTests::test(const vector<double>& samples, int d) {
    if (d < 1 || d > 3 || samples.size()%d != 0)
        throw OpenMMException("NormalityTests.test: give d = 1, 2 or 3 and N x d samples (d = "+to_string(d)+", "+
                              to_string(samples.size())+" values)");
    for (double x : samples)
        if (!std::isfinite(x))
            throw OpenMMException("NormalityTests.test: the samples must be finite");
    int n = samples.size()/d;
    if (n < 20)
        throw OpenMMException("NormalityTests.test: at least 20 samples are needed");
    Result result;
    result.samples = n;
    Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> > x(samples.data(), n, d);
    Eigen::RowVectorXd mean = x.colwise().mean();
    Eigen::MatrixXd centered = x.rowwise()-mean;
    for (int i = 0; i < d; i++) {
        Eigen::ArrayXd c = centered.col(i).array();
        double m2 = c.square().mean(), m3 = c.cube().mean(), m4 = c.square().square().mean();
        double g1 = m3/pow(m2, 1.5), b2 = m4/(m2*m2);
        result.skewness.push_back(g1);
        result.excessKurtosis.push_back(b2-3);
        double z1 = skewnessZ(g1, n), z2 = kurtosisZ(b2, n);
        double k2 = z1*z1+z2*z2;
        result.dagostinoK2.push_back(k2);
        result.dagostinoPValue.push_back(exp(-0.5*k2));
    }
    // Mardia: with S the (biased) sample covariance and r_ij = x_i^T S^-1 x_j, b1 = mean r_ij^3, b2 = mean r_ii^2.
    Eigen::MatrixXd covariance = centered.transpose()*centered/n;
    Eigen::MatrixXd whitened = centered*covariance.llt().matrixU().solve(Eigen::MatrixXd::Identity(d, d));
    // sum_ij r_ij^3 = sum_abc T_abc^2 with the third-moment tensor T_abc = sum_i w_ia w_ib w_ic: no n x n matrix.
    double b1 = 0;
    for (int a = 0; a < d; a++)
        for (int b = 0; b < d; b++)
            for (int c = 0; c < d; c++) {
                double t = (whitened.col(a).array()*whitened.col(b).array()*whitened.col(c).array()).sum();
                b1 += t*t;
            }
    b1 /= (double) n*n;
    double b2 = whitened.rowwise().squaredNorm().array().square().mean();
    result.mardiaSkewness = b1;
    double dof = d*(d+1)*(d+2)/6.0;
    result.mardiaSkewnessPValue = upperIncompleteGamma(0.5*dof, 0.5*n*b1/6);
    result.mardiaKurtosis = b2;
    double z = (b2-d*(d+2))/sqrt(8.0*d*(d+2)/n);
    result.mardiaKurtosisPValue = erfc(fabs(z)/sqrt(2.0));
    return result;
}
