#include "internal/RowMajorMatrix.h"
#include "internal/RunDesigns.h"
#include "NoiseCovarianceDesigns.h"
#include "openmm/OpenMMException.h"
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

// A 3x3 matrix whose leading d x d block is `active` and whose inert diagonal entries are `inert`.
vector<double> embed(const Eigen::MatrixXd& active, double inert) {
    vector<double> m(9, 0.0);
    int d = active.rows();
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            m[3*i+j] = (i < d && j < d ? active(i, j) : (i == j ? inert : 0.0));
    return m;
}


vector<double> identityDesign(int d) {
    Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(d, d);
    return vector<double>(identity.data(), identity.data()+d*d);
}

} // namespace

vector<double> RunDesigns::stage2Friction(int d, const CoarseGrainingSettings& settings, const vector<double>& noise) {
    if ((int) noise.size() != d*d)
        throw OpenMMException("CoarseGrainer: Stage 2 needs the noise covariance D (d x d = "+to_string(d*d)+
                              " values, from estimateNoiseCovariance); got "+to_string(noise.size()));
    // docs/theory.md section 5: per eigendirection of D (and so of Gamma), the drift temperature of the discrete
    // scheme is (h d_i / 4) coth(gamma_i h / 2); it equals kT* for gamma_i = (1/h) log((4 kT* + h d_i)/(4 kT* - h d_i)).
    double h = settings.stepSize, kT = settings.targetKT;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(rowMajorMatrix(noise, d));
    Eigen::VectorXd values = eigen.eigenvalues(), rates(d);
    for (int i = 0; i < d; i++) {
        if (!(values[i] > 1e-12*values.cwiseAbs().maxCoeff()))
            throw OpenMMException("CoarseGrainer: the noise covariance D given to Stage 2 is not positive definite (eigenvalue "+
                                  to_string(values[i])+"), so Stage 2 would have no friction along some direction");
        double floor = h*values[i]/4;
        if (!(floor < kT))
            throw OpenMMException("CoarseGrainer: kT* (targetKT = "+to_string(kT)+") is below what the step's kicks alone give "
                                  "along an eigendirection of D (h d_i / 4 = "+to_string(floor)+"): no friction reaches it; "
                                  "raise targetKT or lower the step size");
        rates[i] = log((4*kT+h*values[i])/(4*kT-h*values[i]))/h;
    }
    Eigen::MatrixXd gamma = eigen.eigenvectors()*rates.asDiagonal()*eigen.eigenvectors().transpose();
    vector<double> result(d*d);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            result[i*d+j] = 0.5*(gamma(i, j)+gamma(j, i));
    return result;
}

namespace {

// <u u^T> of the drift momenta over every batch of a sampling run (d x d; empty without samples).
Eigen::MatrixXd driftCovariance(int d, const ReplicaStatistics& sampling) {
    Eigen::MatrixXd s = Eigen::MatrixXd::Zero(d, d);
    long long count = 0;
    for (int b = 0; b < sampling.getNumBatches(); b++) {
        s += rowMajorMatrix(sampling.getDriftSecondMomentSums(0, b), d);
        count += sampling.getDriftCount(0, b);
    }
    return count > 0 ? Eigen::MatrixXd(s/(double) count) : Eigen::MatrixXd();
}

} // namespace

vector<double> RunDesigns::driftTemperatures(int d, const CoarseGrainingSettings& settings, const vector<double>& noise,
                                             const ReplicaStatistics& sampling, vector<double>* standardErrors) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(rowMajorMatrix(stage2Friction(d, settings, noise), d));
    const Eigen::MatrixXd& q = eigen.eigenvectors();
    Eigen::MatrixXd s = driftCovariance(d, sampling);
    vector<double> result;
    for (int m = 0; m < d && s.size() > 0; m++)
        result.push_back(q.col(m).dot(s*q.col(m)));
    if (standardErrors != NULL) {
        // Batch means (each batch its own replicas, so independent): their spread over sqrt(B).
        standardErrors->assign(result.size(), 0.0);
        vector<double> sum(d, 0.0), sumSquares(d, 0.0);
        int batches = 0;
        for (int b = 0; b < sampling.getNumBatches() && !result.empty(); b++) {
            if (sampling.getDriftCount(0, b) == 0)
                continue;
            Eigen::MatrixXd sb = rowMajorMatrix(sampling.getDriftSecondMomentSums(0, b), d)/(double) sampling.getDriftCount(0, b);
            for (int m = 0; m < d; m++) {
                double t = q.col(m).dot(sb*q.col(m));
                sum[m] += t;
                sumSquares[m] += t*t;
            }
            batches++;
        }
        for (int m = 0; m < (int) result.size() && batches > 1; m++) {
            double mean = sum[m]/batches;
            (*standardErrors)[m] = sqrt(max(0.0, sumSquares[m]/batches-mean*mean)/(batches-1));
        }
    }
    return result;
}

vector<double> RunDesigns::realisedNoise(int d, const CoarseGrainingSettings& settings, const vector<double>& noise,
                                         const ReplicaStatistics& sampling) {
    double h = settings.stepSize;
    Eigen::MatrixXd gamma = rowMajorMatrix(stage2Friction(d, settings, noise), d);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(gamma);
    Eigen::VectorXd decay = (-h*eigen.eigenvalues().array()).exp();
    const Eigen::MatrixXd& q = eigen.eigenvectors();
    Eigen::MatrixXd e = q*decay.asDiagonal()*q.transpose();
    Eigen::MatrixXd inverse = q*(1.0+decay.array()).inverse().matrix().asDiagonal()*q.transpose(); // (I + E)^-1
    Eigen::MatrixXd s = driftCovariance(d, sampling);
    if (s.size() == 0)
        return noise;
    Eigen::MatrixXd realised = (4/h)*inverse*(s-e*s*e)*inverse;
    realised = 0.5*(realised+realised.transpose()).eval();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> check(realised);
    if (!(check.eigenvalues().minCoeff() > 0))
        return noise;
    vector<double> result(d*d);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            result[i*d+j] = realised(i, j);
    return result;
}

vector<double> RunDesigns::stage2MomentumCovariance(int d, const CoarseGrainingSettings& settings, const vector<double>& noise) {
    // Full-step momenta: Var(p_i) = (h d_i / 2) / (e^(gamma_i h) - 1) per eigendirection (theory.md section 5).
    stage2Friction(d, settings, noise); // the same checks
    double h = settings.stepSize;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(rowMajorMatrix(noise, d));
    Eigen::VectorXd values = eigen.eigenvalues(), variances(d);
    for (int i = 0; i < d; i++) {
        double kT = settings.targetKT, di = values[i];
        double rate = log((4*kT+h*di)/(4*kT-h*di))/h;
        variances[i] = 0.5*h*di/expm1(rate*h);
    }
    Eigen::MatrixXd c = eigen.eigenvectors()*variances.asDiagonal()*eigen.eigenvectors().transpose();
    vector<double> result(d*d);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            result[i*d+j] = 0.5*(c(i, j)+c(j, i));
    return result;
}

ReplicaRunDesign RunDesigns::stage1(int d, const CoarseGrainingSettings& settings) {
    return stage1(d, settings, vector<double>(), 0);
}

ReplicaRunDesign RunDesigns::stage1(int d, const CoarseGrainingSettings& settings, const vector<double>& frame, int round) {
    ReplicaRunDesign run;
    run.stream = round;
    for (const vector<double>& a : NoiseCovarianceDesigns::designs(d, frame)) {
        Eigen::MatrixXd m = rowMajorMatrix(a, d).inverse();
        run.mass.push_back(embed(m, 1.0));
        run.friction.push_back(embed(settings.friction*m, settings.friction));
        run.design.push_back(a);
    }
    run.relaxationRate = settings.friction;
    run.restartFrozen = settings.restartFrozenReplicas;
    return run;
}

ReplicaRunDesign RunDesigns::sampling(int d, const CoarseGrainingSettings& settings, const vector<double>& noise) {
    ReplicaRunDesign run;
    run.restartFrozen = settings.restartFrozenReplicas;
    if (d == 1) {
        double mass = settings.mass, friction = settings.friction;
        Eigen::MatrixXd m = Eigen::MatrixXd::Constant(1, 1, mass);
        run.mass.push_back(embed(m, mass));
        run.friction.push_back(embed(friction*m, friction*mass));
        run.design.push_back({1.0/mass});
        run.relaxationRate = friction;
        return run;
    }
    if ((int) noise.size() != d*d)
        throw OpenMMException("CoarseGrainer: Stage 2 needs the noise covariance D (d x d = "+to_string(d*d)+
                              " values, from estimateNoiseCovariance); got "+to_string(noise.size()));
    Eigen::MatrixXd gamma = rowMajorMatrix(stage2Friction(d, settings, noise), d);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(gamma);
    run.mass.push_back(embed(Eigen::MatrixXd::Identity(d, d), 1.0));
    run.friction.push_back(embed(gamma, 1.0));
    run.design.push_back(identityDesign(d));
    run.relaxationRate = eigen.eigenvalues().minCoeff();
    return run;
}

ReplicaRunDesign RunDesigns::isotropic(int d, double gamma, bool restartFrozen, double mass) {
    ReplicaRunDesign run;
    double m = (d == 1 ? mass : 1.0);
    Eigen::MatrixXd masses = m*Eigen::MatrixXd::Identity(d, d);
    run.mass.push_back(embed(masses, m));
    run.friction.push_back(embed(gamma*masses, gamma*m));
    // The design A = M^-1: the quadratic sums are then p^T M^-1 p, twice the kinetic energy.
    run.design.push_back(d == 1 ? vector<double>{1.0/m} : identityDesign(d));
    run.relaxationRate = gamma;
    run.restartFrozen = restartFrozen;
    return run;
}
