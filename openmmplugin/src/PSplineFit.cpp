#include "PSplineFit.h"
#include "openmm/OpenMMException.h"
#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>
#include <algorithm>
#include <cmath>

using namespace EffPot;
using OpenMM::OpenMMException;
using namespace std;

PSplineFit::PSplineFit(const vector<double>& lower, const vector<double>& upper, const vector<int>& numBasis) :
        lower(lower), upper(upper), numBasis(numBasis) {
    int d = lower.size();
    if (d < 1 || d > 3 || (int) upper.size() != d || (int) numBasis.size() != d)
        throw OpenMMException("PSplineFit: lower, upper and numBasis need one entry per dimension (1 to 3)");
    int total = 1;
    for (int i = 0; i < d; i++) {
        if (numBasis[i] < 4)
            throw OpenMMException("PSplineFit: numBasis must be at least 4 per dimension (cubic splines)");
        if (!(upper[i] > lower[i]))
            throw OpenMMException("PSplineFit: upper must be greater than lower in every dimension");
        spacing.push_back((upper[i]-lower[i])/(numBasis[i]-3));
        total *= numBasis[i];
    }
    coefficients.assign(total, 0.0);
}

int PSplineFit::locate(int dimension, double x, double b[4], double db[4]) const {
    // Uniform cubic B-splines: basis j lives on [lower + (j-3) h, lower + (j+1) h]; on interval i the nonzero ones
    // are i..i+3, with the local coordinate u in [0, 1].
    double h = spacing[dimension];
    double t = (min(max(x, lower[dimension]), upper[dimension])-lower[dimension])/h;
    int i = min((int) floor(t), numBasis[dimension]-4);
    double u = t-i, v = 1-u;
    b[0] = v*v*v/6;
    b[1] = (3*u*u*u-6*u*u+4)/6;
    b[2] = (-3*u*u*u+3*u*u+3*u+1)/6;
    b[3] = u*u*u/6;
    db[0] = -v*v/(2*h);
    db[1] = (3*u*u-4*u)/(2*h);
    db[2] = (-3*u*u+2*u+1)/(2*h);
    db[3] = u*u/(2*h);
    return i;
}

double PSplineFit::evaluate(const double* point) const {
    double gradient[3];
    return evaluateWithGradient(point, gradient);
}

double PSplineFit::evaluateWithGradient(const double* point, double* gradient) const {
    int d = getDimensions();
    double b[3][4], db[3][4];
    int first[3] = {0, 0, 0};
    for (int i = 0; i < d; i++)
        first[i] = locate(i, point[i], b[i], db[i]);
    for (int i = d; i < 3; i++) {
        fill(b[i], b[i]+4, 0.0);
        fill(db[i], db[i]+4, 0.0);
        b[i][0] = 1;
    }
    int nx = numBasis[0], ny = (d > 1 ? numBasis[1] : 1);
    double value = 0;
    double g[3] = {0, 0, 0};
    for (int k = 0; k < (d > 2 ? 4 : 1); k++)
        for (int j = 0; j < (d > 1 ? 4 : 1); j++)
            for (int i = 0; i < 4; i++) {
                double c = coefficients[(first[0]+i)+nx*((first[1]+j)+ny*(first[2]+k))];
                value += c*b[0][i]*b[1][j]*b[2][k];
                g[0] += c*db[0][i]*b[1][j]*b[2][k];
                g[1] += c*b[0][i]*db[1][j]*b[2][k];
                g[2] += c*b[0][i]*b[1][j]*db[2][k];
            }
    for (int i = 0; i < d; i++)
        gradient[i] = g[i];
    return value;
}

void PSplineFit::setCoefficients(const vector<double>& values) {
    if (values.size() != coefficients.size())
        throw OpenMMException("PSplineFit.setCoefficients: wrong number of coefficients");
    coefficients = values;
}

void PSplineFit::fit(const vector<double>& points, const vector<double>& values, const vector<double>& weights, double smoothing) {
    int d = getDimensions();
    int n = values.size();
    if ((int) points.size() != n*d || (int) weights.size() != n)
        throw OpenMMException("PSplineFit.fit: points, values and weights must describe the same number of points");
    if (!(smoothing >= 0))
        throw OpenMMException("PSplineFit.fit: smoothing must be non-negative");
    int total = coefficients.size();
    int nx = numBasis[0], ny = (d > 1 ? numBasis[1] : 1), nz = (d > 2 ? numBasis[2] : 1);
    typedef Eigen::Triplet<double> Triplet;
    // Normal equations (B^T W B + smoothing P) c = B^T W y, accumulated point by point (each row of B has at most
    // 4^d nonzeros).
    vector<Triplet> entries;
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(total);
    double totalWeight = 0;
    for (int p = 0; p < n; p++) {
        double w = weights[p];
        if (w == 0)
            continue;
        if (!(w > 0) || !isfinite(values[p]))
            throw OpenMMException("PSplineFit.fit: weights must be non-negative and weighted values finite");
        totalWeight += w;
        double b[3][4], db[3][4];
        int first[3] = {0, 0, 0};
        for (int i = 0; i < d; i++)
            first[i] = locate(i, points[p*d+i], b[i], db[i]);
        vector<pair<int, double> > row;
        for (int k = 0; k < (d > 2 ? 4 : 1); k++)
            for (int j = 0; j < (d > 1 ? 4 : 1); j++)
                for (int i = 0; i < 4; i++)
                    row.push_back(make_pair((first[0]+i)+nx*((first[1]+j)+ny*(first[2]+k)),
                                            b[0][i]*(d > 1 ? b[1][j] : 1.0)*(d > 2 ? b[2][k] : 1.0)));
        for (auto& r : row) {
            rhs[r.first] += w*r.second*values[p];
            for (auto& s : row)
                entries.push_back(Triplet(r.first, s.first, w*r.second*s.second));
        }
    }
    if (totalWeight == 0)
        throw OpenMMException("PSplineFit.fit: no point has a positive weight");
    // Second differences of the coefficients along each dimension: D^T D added for every line of coefficients.
    int strides[3] = {1, nx, nx*ny}, sizes[3] = {nx, ny, nz};
    for (int dim = 0; dim < d; dim++)
        for (int c = 0; c < total; c++) {
            int position = (c/strides[dim])%sizes[dim];
            if (position+2 >= sizes[dim])
                continue;
            int idx[3] = {c, c+strides[dim], c+2*strides[dim]};
            double coef[3] = {1, -2, 1};
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    entries.push_back(Triplet(idx[a], idx[b], smoothing*coef[a]*coef[b]));
        }
    // A tiny ridge keeps coefficients far from every point determined (it does not bias the fit measurably).
    double ridge = 1e-10*totalWeight/total;
    for (int c = 0; c < total; c++)
        entries.push_back(Triplet(c, c, ridge));
    Eigen::SparseMatrix<double> normal(total, total);
    normal.setFromTriplets(entries.begin(), entries.end());
    Eigen::SimplicialLDLT<Eigen::SparseMatrix<double> > solver(normal);
    if (solver.info() != Eigen::Success)
        throw OpenMMException("PSplineFit.fit: the normal equations could not be factored");
    Eigen::VectorXd solution = solver.solve(rhs);
    coefficients.assign(solution.data(), solution.data()+total);
}
