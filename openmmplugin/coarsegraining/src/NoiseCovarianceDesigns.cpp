#include "NoiseCovarianceDesigns.h"
#include "openmm/OpenMMException.h"
#include <Eigen/Dense>
#include <cmath>

using namespace EffPot;
using OpenMM::OpenMMException;
using namespace std;

vector<vector<double> > NoiseCovarianceDesigns::designs(int d) {
    vector<vector<double> > result;
    for (int k = 0; k < d; k++) {
        vector<double> a(d*d, 0.0);
        for (int i = 0; i < d; i++)
            a[i*d+i] = (i == k ? 2.0 : 1.0);
        result.push_back(a);
    }
    for (int i = 0; i < d; i++)
        for (int j = i+1; j < d; j++) {
            vector<double> a(d*d, 0.0);
            for (int k = 0; k < d; k++)
                a[k*d+k] = 1.0;
            a[i*d+j] = a[j*d+i] = 0.5;
            result.push_back(a);
        }
    return result;
}

vector<vector<double> > NoiseCovarianceDesigns::designs(int d, const vector<double>& frame) {
    vector<vector<double> > base = designs(d);
    if (frame.empty())
        return base;
    if ((int) frame.size() != d*d)
        throw OpenMMException("NoiseCovarianceDesigns.designs: the frame W must be d x d = "+to_string(d*d)+" values; got "+
                              to_string(frame.size()));
    Eigen::MatrixXd w(d, d);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            w(i, j) = frame[i*d+j];
            if (!isfinite(w(i, j)))
                throw OpenMMException("NoiseCovarianceDesigns.designs: the frame W must be finite");
        }
    vector<vector<double> > result;
    for (const vector<double>& b : base) {
        Eigen::MatrixXd bm(d, d);
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                bm(i, j) = b[i*d+j];
        Eigen::MatrixXd a = w*bm*w.transpose();
        vector<double> values(d*d);
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                values[i*d+j] = 0.5*(a(i, j)+a(j, i)); // exactly symmetric, as the mass matrix built from it must be
        result.push_back(values);
    }
    return result;
}

double NoiseCovarianceDesigns::samplingBias(double x) {
    return (fabs(x) < 1e-8 ? 1.0-0.5*x : x/expm1(x));
}

void NoiseCovarianceDesigns::solveUnprojected(const vector<vector<double> >& designs, const vector<double>& b,
        const vector<double>& bError, vector<double>& covariance, vector<double>& error) {
    int numDesigns = designs.size();
    if (numDesigns == 0 || (int) b.size() != numDesigns || (int) bError.size() != numDesigns)
        throw OpenMMException("NoiseCovarianceDesigns.solve: one b and one error per design are needed");
    int d = (int) lround(sqrt((double) designs[0].size()));
    int unknowns = d*(d+1)/2;
    if (numDesigns < unknowns)
        throw OpenMMException("NoiseCovarianceDesigns.solve: at least d(d+1)/2 designs are needed");
    // Unknowns: D_00, D_11, ..., then D_ij for i<j. Rows weighted by 1/error (weighted least squares).
    Eigen::MatrixXd x(numDesigns, unknowns);
    Eigen::VectorXd y(numDesigns), w(numDesigns);
    for (int r = 0; r < numDesigns; r++) {
        const vector<double>& a = designs[r];
        int column = 0;
        for (int i = 0; i < d; i++)
            x(r, column++) = a[i*d+i];
        for (int i = 0; i < d; i++)
            for (int j = i+1; j < d; j++)
                x(r, column++) = 2*a[i*d+j];
        y[r] = b[r];
        w[r] = 1.0/bError[r];
    }
    // Without a usable error for every design (a zero from identical batches), weigh them equally.
    bool usable = true;
    for (double e : bError)
        usable &= (e > 0 && isfinite(e));
    if (!usable)
        w.setOnes();
    Eigen::MatrixXd xw = w.asDiagonal()*x;
    Eigen::MatrixXd normal = xw.transpose()*xw;
    Eigen::FullPivLU<Eigen::MatrixXd> lu(normal);
    if (!lu.isInvertible())
        throw OpenMMException("NoiseCovarianceDesigns.solve: the designs do not determine D (singular design table)");
    Eigen::VectorXd solution = lu.solve(xw.transpose()*(w.asDiagonal()*y));
    // Cov(solution) = (X^T W^2 X)^-1 when the errors are the standard deviations of b.
    Eigen::MatrixXd solutionCovariance = lu.inverse();
    Eigen::MatrixXd matrix(d, d), errors(d, d);
    int column = 0;
    for (int i = 0; i < d; i++, column++) {
        matrix(i, i) = solution[column];
        errors(i, i) = sqrt(max(0.0, solutionCovariance(column, column)));
    }
    for (int i = 0; i < d; i++)
        for (int j = i+1; j < d; j++, column++) {
            matrix(i, j) = matrix(j, i) = solution[column];
            errors(i, j) = errors(j, i) = sqrt(max(0.0, solutionCovariance(column, column)));
        }
    covariance.assign(d*d, 0.0);
    error.assign(d*d, 0.0);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            covariance[i*d+j] = matrix(i, j);
            error[i*d+j] = errors(i, j);
        }
}

void NoiseCovarianceDesigns::solve(const vector<vector<double> >& designs, const vector<double>& b,
        const vector<double>& bError, vector<double>& covariance, vector<double>& error) {
    vector<double> raw;
    solveUnprojected(designs, b, bError, raw, error);
    int d = (int) lround(sqrt((double) raw.size()));
    Eigen::MatrixXd matrix(d, d);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            matrix(i, j) = raw[i*d+j];
    // Project onto the positive semidefinite cone (clip negative eigenvalues).
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(matrix);
    Eigen::MatrixXd projected = eigen.eigenvectors()*eigen.eigenvalues().cwiseMax(0.0).asDiagonal()*eigen.eigenvectors().transpose();
    covariance.assign(d*d, 0.0);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            covariance[i*d+j] = projected(i, j);
}
