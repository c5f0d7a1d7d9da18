#include "internal/Stage1Estimate.h"
#include "NoiseCovarianceDesigns.h"
#include "openmm/OpenMMException.h"
#include <Eigen/Dense>
#include <cmath>
#include <sstream>

using namespace EffPot;
using namespace std;

Stage1Estimate Stage1Estimate::solve(const ReplicaStatistics& statistics, int dimensions, const CoarseGrainingSettings& settings) {
    Stage1Estimate estimate;
    vector<vector<double> > designs = NoiseCovarianceDesigns::designs(dimensions);
    int batches = settings.numBatches;
    SamplingChecks::checkWhole(statistics, dimensions, designs.size(), batches, "Stage-1");
    double friction = settings.friction, phi = NoiseCovarianceDesigns::samplingBias(friction*settings.stepSize);
    vector<double> b, bError;
    vector<vector<double> > batchB(batches);
    for (int g = 0; g < (int) designs.size(); g++) {
        SamplingChecks::checkNormality(statistics, g, "stage1.design"+to_string(g), settings, estimate.diagnostics, estimate.notes);
        double sum = 0, sumSquares = 0;
        for (int k = 0; k < batches; k++) {
            double value = 2*friction*statistics.getQuadraticSum(g, k)/statistics.getCount(g, k)/phi;
            batchB[k].push_back(value);
            sum += value;
            sumSquares += value*value;
        }
        double mean = sum/batches;
        b.push_back(mean);
        bError.push_back(sqrt(max(0.0, (sumSquares/batches-mean*mean)/(batches-1))));
        estimate.diagnostics.push_back(make_pair("stage1.design"+to_string(g)+".b", mean));
    }
    NoiseCovarianceDesigns::solve(designs, b, bError, estimate.noise, estimate.noiseError);
    estimate.measurePrecision(designs, b, bError, batchB, dimensions);
    return estimate;
}

namespace {

Eigen::MatrixXd toMatrix(const vector<double>& values, int d) {
    Eigen::MatrixXd m(d, d);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            m(i, j) = values[i*d+j];
    return m;
}

} // namespace

void Stage1Estimate::measurePrecision(const vector<vector<double> >& designs, const vector<double>& b, const vector<double>& bError,
                                      const vector<vector<double> >& batchB, int d) {
    // The least-squares D is linear in b: the batches' own solutions (same weights) average to it, and their spread
    // is its error in any frame (docs/theory.md section 5).
    int batches = batchB.size();
    vector<double> raw, rawError;
    NoiseCovarianceDesigns::solveUnprojected(designs, b, bError, raw, rawError);
    vector<Eigen::MatrixXd> perBatch;
    for (const vector<double>& values : batchB) {
        vector<double> m, e;
        NoiseCovarianceDesigns::solveUnprojected(designs, values, bError, m, e);
        perBatch.push_back(toMatrix(m, d));
    }
    Eigen::MatrixXd mean = toMatrix(raw, d);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(mean);
    eigenvalues.assign(d, 0.0);
    eigenvalueErrors.assign(d, 0.0);
    for (int m = 0; m < d; m++) {
        Eigen::VectorXd q = eigen.eigenvectors().col(m);
        double value = eigen.eigenvalues()[m], sumSquares = 0;
        for (const Eigen::MatrixXd& batch : perBatch) {
            double x = q.dot(batch*q)-value;
            sumSquares += x*x;
        }
        eigenvalues[m] = value;
        eigenvalueErrors[m] = sqrt(sumSquares/(batches*(double) (batches-1)));
        diagnostics.push_back(make_pair("stage1.eigenvalue"+to_string(m), value));
        diagnostics.push_back(make_pair("stage1.eigenvalue"+to_string(m)+".standardError", eigenvalueErrors[m]));
    }
    double smallest = eigen.eigenvalues().minCoeff(), largest = eigen.eigenvalues().maxCoeff();
    if (!(smallest > 0)) {
        stringstream message;
        message<<"CoarseGrainer: Stage 1's estimate of the noise covariance D is not positive definite: its eigenvalues are";
        for (int m = 0; m < d; m++)
            message<<(m == 0 ? " " : ", ")<<eigenvalues[m]<<" +- "<<eigenvalueErrors[m];
        message<<" (standard errors over "<<batches<<" replica batches). ";
        if (smallest+3*eigenvalueErrors[0] > 0)
            message<<"The smallest is within its statistical error of zero: Stage 1 did not sample enough to resolve D along "
                     "its weakest direction. Run Stage 1 with more replicas (numReplicas) or steps (numSteps); a "
                     "smaller friction also raises the signal of every design.";
        else
            message<<"The smallest is below zero by more than three standard errors: the step size may not turn the small "
                     "scales into noise along that direction (try another step size, or check the landscape).";
        throw OpenMM::OpenMMException(message.str());
    }
    conditionNumber = largest/smallest;
    // Whitened: the eigenvalues of D-hat^-1/2 D_k D-hat^-1/2 spread about 1 over the batches; their largest
    // deviation per batch, by batch means, is the standard error of the worst direction's relative error.
    Eigen::MatrixXd whiten = eigen.eigenvectors()*eigen.eigenvalues().cwiseSqrt().cwiseInverse().asDiagonal()*eigen.eigenvectors().transpose();
    double sumSquares = 0;
    for (const Eigen::MatrixXd& batch : perBatch) {
        Eigen::MatrixXd e = whiten*batch*whiten;
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> batchEigen(0.5*(e+e.transpose()));
        double largest = (batchEigen.eigenvalues().array()-1.0).abs().maxCoeff();
        sumSquares += largest*largest;
    }
    whitenedError = sqrt(sumSquares/(batches*(double) (batches-1)));
    diagnostics.push_back(make_pair("stage1.conditionNumber", conditionNumber));
    diagnostics.push_back(make_pair("stage1.whitenedError", whitenedError));
}
