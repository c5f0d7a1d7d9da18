#include "internal/RunDesigns.h"
#include "NoiseCovarianceDesigns.h"
#include "openmm/OpenMMException.h"
#include <Eigen/Dense>

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

Eigen::MatrixXd toMatrix(const vector<double>& values, int d) {
    Eigen::MatrixXd m(d, d);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            m(i, j) = values[i*d+j];
    return m;
}

vector<double> identityDesign(int d) {
    Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(d, d);
    return vector<double>(identity.data(), identity.data()+d*d);
}

} // namespace

ReplicaRunDesign RunDesigns::stage1(int d, const CoarseGrainingSettings& settings) {
    ReplicaRunDesign run;
    for (const vector<double>& a : NoiseCovarianceDesigns::designs(d)) {
        Eigen::MatrixXd m = toMatrix(a, d).inverse();
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
    Eigen::MatrixXd gamma = toMatrix(noise, d)/(2*settings.targetKT);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(gamma);
    if (!(eigen.eigenvalues().minCoeff() > 1e-12*eigen.eigenvalues().maxCoeff()))
        throw OpenMMException("CoarseGrainer: the estimated noise covariance is singular, so Stage 2 would have no friction "
                              "along some direction: the step size does not turn the small scales into noise in every direction");
    run.mass.push_back(embed(Eigen::MatrixXd::Identity(d, d), 1.0));
    run.friction.push_back(embed(gamma, 1.0));
    run.design.push_back(identityDesign(d));
    run.relaxationRate = eigen.eigenvalues().minCoeff();
    return run;
}

ReplicaRunDesign RunDesigns::isotropic(int d, double gamma, bool restartFrozen) {
    ReplicaRunDesign run;
    Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(d, d);
    run.mass.push_back(embed(identity, 1.0));
    run.friction.push_back(embed(gamma*identity, gamma));
    run.design.push_back(identityDesign(d));
    run.relaxationRate = gamma;
    run.restartFrozen = restartFrozen;
    return run;
}
