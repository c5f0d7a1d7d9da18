#include "internal/RowMajorMatrix.h"
#include "internal/Stage1Estimate.h"
#include "NoiseCovarianceDesigns.h"
#include "openmm/OpenMMException.h"
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <sstream>

using namespace EffPot;
using namespace std;

const double Stage1Estimate::maxDesignContrast = 10.0;

Stage1Estimate Stage1Estimate::solve(const ReplicaStatistics& statistics, int dimensions, const CoarseGrainingSettings& settings) {
    vector<vector<double> > designs = designsOf(statistics, dimensions, settings); // checks the statistics
    return solveDesigns(statistics, designs, dimensions, settings);
}

vector<vector<double> > Stage1Estimate::designsOf(const ReplicaStatistics& statistics, int dimensions,
                                                  const CoarseGrainingSettings& settings) {
    int perRound = dimensions*(dimensions+1)/2, groups = statistics.getNumGroups();
    if (statistics.getDimensions() != dimensions || groups < perRound || groups%perRound != 0)
        throw OpenMM::OpenMMException("CoarseGrainer: the Stage-1 statistics have "+to_string(statistics.getDimensions())+
                " dimensions and "+to_string(groups)+" groups; Stage 1 in "+to_string(dimensions)+"D needs whole rounds of "+
                to_string(perRound)+" designs (groups)");
    vector<vector<double> > designs = NoiseCovarianceDesigns::designs(dimensions);
    SamplingChecks::checkWhole(statistics, dimensions, groups, settings.numBatches, "Stage-1");
    while ((int) designs.size() < groups) {
        // Round r ran in the frame of the estimate from rounds 0 to r-1 (CoarseGrainingPlan), whatever it was.
        vector<double> frame = solveDesigns(statistics, designs, dimensions, settings).nextFrame();
        vector<vector<double> > more = NoiseCovarianceDesigns::designs(dimensions, frame);
        designs.insert(designs.end(), more.begin(), more.end());
    }
    return designs;
}

Stage1Estimate Stage1Estimate::solveDesigns(const ReplicaStatistics& statistics, const vector<vector<double> >& designs,
                                            int dimensions, const CoarseGrainingSettings& settings) {
    Stage1Estimate estimate;
    int batches = settings.numBatches, perRound = dimensions*(dimensions+1)/2;
    estimate.rounds = max(1, (int) designs.size()/perRound);
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

void Stage1Estimate::requirePositiveDefinite() const {
    if (!positiveDefinite)
        throw OpenMM::OpenMMException(failure);
}

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
        perBatch.push_back(rowMajorMatrix(m, d));
    }
    Eigen::MatrixXd mean = rowMajorMatrix(raw, d);
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
    eigenvectors.assign(d*d, 0.0);
    for (int i = 0; i < d; i++)
        for (int m = 0; m < d; m++)
            eigenvectors[i*d+m] = eigen.eigenvectors()(i, m);
    double smallest = eigen.eigenvalues().minCoeff(), largest = eigen.eigenvalues().maxCoeff();
    diagnostics.push_back(make_pair("stage1.rounds", rounds));
    positiveDefinite = (smallest > 0);
    if (!positiveDefinite) {
        stringstream message;
        message<<"CoarseGrainer: Stage 1's estimate of the noise covariance D is not positive definite after "<<rounds<<
                 " round"<<(rounds > 1 ? "s" : "")<<" of designs: its eigenvalues are";
        for (int m = 0; m < d; m++)
            message<<(m == 0 ? " " : ", ")<<eigenvalues[m]<<" +- "<<eigenvalueErrors[m];
        message<<" (standard errors over "<<batches<<" replica batches). ";
        if (smallest+3*eigenvalueErrors[0] > 0 && fabs(smallest)+3*eigenvalueErrors[0] < 0.01*largest) {
            // Zero within its error, and resolved as tiny next to the largest: more sampling only shrinks the error
            // bar around zero. Say what that means instead of asking for more of it.
            message<<"The smallest is zero within its error and below 1% of the largest: D looks singular, as if the "
                     "small scales did not act along the direction (";
            for (int i = 0; i < d; i++)
                message<<(i == 0 ? "" : ", ")<<eigen.eigenvectors()(i, 0);
            message<<"). There the deterministic scheme has no effective noise and samples no Gibbs law, so effpot "
                     "cannot learn U: it needs small scales (or a step that turns them into noise) along every "
                     "direction. If the landscape has them there, more replicas (numReplicas), steps (numSteps) or "
                     "rounds (maxStage1Rounds) resolve it.";
        }
        else if (smallest+3*eigenvalueErrors[0] > 0)
            message<<"The smallest is within its statistical error of zero: Stage 1 did not sample enough to resolve D along "
                     "its weakest direction. Allow more rounds (maxStage1Rounds), or run Stage 1 with more replicas "
                     "(numReplicas) or steps (numSteps); a smaller friction also raises the signal of every design.";
        else
            message<<"The smallest is below zero by more than three standard errors: the step size may not turn the small "
                     "scales into noise along that direction (try another step size, or check the landscape).";
        failure = message.str();
        conditionNumber = INFINITY;
        whitenedError = INFINITY;
        diagnostics.push_back(make_pair("stage1.conditionNumber", conditionNumber));
        diagnostics.push_back(make_pair("stage1.whitenedError", whitenedError));
        return;
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

vector<double> Stage1Estimate::nextFrame() const {
    // The next designs weigh each eigendirection m of D-hat by a_m = s_max / s_m, so that a_m s_m, its share of
    // b_A = tr(A D), is about equal for all: the weak directions are then measured about as precisely as the strong
    // ones (in the first round the strong ones dominate every b_A, and the weak ones are a small difference of large
    // numbers). A direction that is not resolved (eigenvalue within its error of zero, or below) counts at its
    // error, so the round concentrates on it. The weak directions are made lighter (a_m >= 1), not the strong ones
    // heavier: a heavier direction crosses the small scales more slowly per step and partly resolves them, so its
    // kicks are no longer white noise (measured on P6, a_m = 0.1: b_A off by 10-18%; a_m up to 10: within 0.2%).
    // a_m <= maxDesignContrast bounds how much lighter: h^2 a_m lambda of the coarse part must stay well below the
    // step's stability limit 4 (a round that explodes anyway is dropped by CoarseGrainingPlan).
    int d = eigenvalues.size();
    vector<double> scale(d);
    double largest = 0;
    for (int m = 0; m < d; m++)
        largest = max(largest, fabs(eigenvalues[m]));
    for (int m = 0; m < d; m++) {
        scale[m] = max(eigenvalues[m], eigenvalueErrors[m]);
        if (!(scale[m] > largest/maxDesignContrast))
            scale[m] = largest/maxDesignContrast;
    }
    double strongest = *max_element(scale.begin(), scale.end());
    Eigen::MatrixXd q = rowMajorMatrix(eigenvectors, d);
    Eigen::VectorXd root(d);
    for (int m = 0; m < d; m++)
        root[m] = (largest > 0 ? sqrt(min(strongest/scale[m], maxDesignContrast)) : 1.0);
    Eigen::MatrixXd w = q*root.asDiagonal()*q.transpose();
    vector<double> frame(d*d);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            frame[i*d+j] = 0.5*(w(i, j)+w(j, i));
    return frame;
}
