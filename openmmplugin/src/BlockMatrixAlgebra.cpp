#include "internal/BlockMatrixAlgebra.h"
#include "openmm/OpenMMException.h"
#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <cmath>
#include <sstream>

using namespace EffPot;
using OpenMM::OpenMMException;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

typedef Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> RowMatrix;

MatrixXd toMatrix(const std::vector<double>& values, int n) {
    return Eigen::Map<const RowMatrix>(values.data(), n, n);
}

std::vector<double> toVector(const MatrixXd& matrix) {
    RowMatrix rowMajor = matrix;
    return std::vector<double>(rowMajor.data(), rowMajor.data()+rowMajor.size());
}

// Mass and friction matrices: M = L L^T and S = L^-1 Gamma L^-T = Q diag(lambda) Q^T, so that
// M^-1 Gamma = L^-T S L^T and every function of it is L^-T Q f(lambda) Q^T L^T.
struct Decomposition {
    MatrixXd lowerInverseTranspose; // L^-T
    MatrixXd lowerTranspose;        // L^T
    MatrixXd lowerInverse;          // L^-1
    MatrixXd eigenvectors;          // Q
    VectorXd eigenvalues;           // lambda >= 0
};

Decomposition decompose(const MatrixXd& mass, const MatrixXd& friction) {
    Decomposition d;
    Eigen::LLT<MatrixXd> llt(mass);
    MatrixXd lower = llt.matrixL();
    int n = mass.rows();
    d.lowerInverse = lower.triangularView<Eigen::Lower>().solve(MatrixXd::Identity(n, n));
    d.lowerInverseTranspose = d.lowerInverse.transpose();
    d.lowerTranspose = lower.transpose();
    MatrixXd s = d.lowerInverse*friction*d.lowerInverseTranspose;
    Eigen::SelfAdjointEigenSolver<MatrixXd> eigen(0.5*(s+s.transpose()));
    d.eigenvectors = eigen.eigenvectors();
    d.eigenvalues = eigen.eigenvalues().cwiseMax(0.0); // round-off below zero of a semidefinite Gamma
    return d;
}

// A factor B with B B^T = C for a symmetric positive semidefinite C (eigen-based, so singular C is fine).
MatrixXd psdFactor(const MatrixXd& c) {
    Eigen::SelfAdjointEigenSolver<MatrixXd> eigen(0.5*(c+c.transpose()));
    return eigen.eigenvectors()*eigen.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();
}

} // namespace

void BlockMatrixAlgebra::checkMatrix(const std::vector<double>& matrix, int n, Definiteness definiteness, const std::string& what) {
    if ((int) matrix.size() != n*n) {
        std::stringstream msg;
        msg<<what<<" has "<<matrix.size()<<" entries, but a block of "<<n/3<<" particles needs a "<<n<<" x "<<n
           <<" matrix ("<<n*n<<" entries, row-major)";
        throw OpenMMException(msg.str());
    }
    for (double x : matrix)
        if (!std::isfinite(x))
            throw OpenMMException(what+" contains NaN or infinity: every entry must be finite");
    MatrixXd m = toMatrix(matrix, n);
    double scale = m.cwiseAbs().maxCoeff();
    if ((m-m.transpose()).cwiseAbs().maxCoeff() > 1e-10*scale)
        throw OpenMMException(what+" is not symmetric: it must equal its transpose");
    if (n == 0)
        return;
    VectorXd eigenvalues = Eigen::SelfAdjointEigenSolver<MatrixXd>(m, Eigen::EigenvaluesOnly).eigenvalues();
    double smallest = eigenvalues.minCoeff(), largest = eigenvalues.cwiseAbs().maxCoeff();
    if (definiteness == Definiteness::PositiveDefinite && !(smallest > 0 && largest > 0)) {
        std::stringstream msg;
        msg<<what<<" is not positive definite (smallest eigenvalue "<<smallest<<"): a mass matrix must be symmetric "
           <<"positive definite";
        throw OpenMMException(msg.str());
    }
    // Positive, but its inverse would lose every digit to round-off (the step divides by it).
    if (definiteness == Definiteness::PositiveDefinite && !(smallest > 1e-12*largest)) {
        std::stringstream msg;
        msg<<what<<" is too ill-conditioned to invert accurately: its eigenvalues range from "<<smallest<<" to "
           <<largest<<" (condition number "<<largest/smallest<<", above 1e12): give masses within 12 orders of "
           <<"magnitude of each other";
        throw OpenMMException(msg.str());
    }
    // A denormal mass (1e-320 I) passes the relative test above, but its inverse is infinite and the first step's
    // velocities NaN: masses below 1e-100 dalton are no mass a double can divide by.
    if (definiteness == Definiteness::PositiveDefinite && !(smallest >= 1e-100)) {
        std::stringstream msg;
        msg<<what<<" has the eigenvalue "<<smallest<<", too small to invert in double precision: give masses of at "
           <<"least 1e-100 dalton (atoms weigh 1 to 300)";
        throw OpenMMException(msg.str());
    }
    if (definiteness == Definiteness::PositiveSemidefinite && smallest < -1e-10*largest) {
        std::stringstream msg;
        msg<<what<<" is not positive semidefinite (smallest eigenvalue "<<smallest<<"): friction and noise "
           <<"covariance matrices must be symmetric with no negative eigenvalue";
        throw OpenMMException(msg.str());
    }
}

namespace {

// The factor B (B B^T the velocity-noise covariance of the O step over time t), or an empty matrix without noise.
// Columns in the order of decreasing eigenvalues, so that the columns of zero noise (directions without friction in
// the thermal mode, e.g. z of a 2D model) come last and a kernel can skip their normals.
MatrixXd noiseFactor(const Decomposition& d, const std::vector<double>& noise, double kT, double t) {
    const VectorXd& lambda = d.eigenvalues;
    int n = lambda.size();
    MatrixXd factor;
    if (!noise.empty()) {
        // Velocity noise of dv = -M^-1 Gamma v dt + M^-1 Sigma dW over time t. In y = Q^T L^T v the drift is
        // diagonal, dy = -lambda y dt + Q^T L^-1 Sigma dW, so the covariance integral has the closed form
        // C'_ij = G_ij (1 - exp(-t (lambda_i+lambda_j))) / (lambda_i+lambda_j), G = Q^T L^-1 D L^-T Q. This solves
        // the Lyapunov equation of docs/theory.md section 2 exactly, with no iterative solver.
        MatrixXd g = d.eigenvectors.transpose()*d.lowerInverse*toMatrix(noise, n)*d.lowerInverseTranspose*d.eigenvectors;
        MatrixXd c(n, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double rate = lambda[i]+lambda[j];
                double x = t*rate;
                // (1-exp(-x))/rate without cancellation for small x.
                double integral = (x > 1e-8 ? -std::expm1(-x)/rate : t*(1.0-0.5*x));
                c(i, j) = g(i, j)*integral;
            }
        MatrixXd back = d.lowerInverseTranspose*d.eigenvectors;
        factor = psdFactor(back*c*back.transpose());
    }
    else if (kT > 0) {
        // Fluctuation-dissipation: B = L^-T Q diag(sqrt(kT (1 - exp(-2 t lambda)))) keeps Cov(v) = kT M^-1.
        VectorXd scale = (kT*(-(-2.0*t*lambda).array().expm1())).sqrt();
        factor = d.lowerInverseTranspose*d.eigenvectors*scale.asDiagonal();
    }
    else
        return factor;
    return factor.rowwise().reverse(); // eigenvalues ascending: largest first
}

} // namespace

DampedVerletMatrices::ParameterSet BlockMatrixAlgebra::buildParameterSet(const std::vector<double>& mass,
        const std::vector<double>& friction, const std::vector<double>& noise, double kT, double halfStep) {
    int n = (int) std::lround(std::sqrt((double) mass.size()));
    MatrixXd m = toMatrix(mass, n);
    Decomposition d = decompose(m, toMatrix(friction, n));
    const VectorXd& lambda = d.eigenvalues;
    VectorXd decay = (-halfStep*lambda).array().exp();
    VectorXd fullDecay = (-2.0*halfStep*lambda).array().exp();
    DampedVerletMatrices::ParameterSet set;
    set.size = n;
    set.mass = mass;
    set.halfKick = toVector(halfStep*d.lowerInverseTranspose*d.lowerInverse);
    set.decay = toVector(d.lowerInverseTranspose*d.eigenvectors*decay.asDiagonal()*d.eigenvectors.transpose()*d.lowerTranspose);
    set.fullDecay = toVector(d.lowerInverseTranspose*d.eigenvectors*fullDecay.asDiagonal()*d.eigenvectors.transpose()*d.lowerTranspose);
    MatrixXd half = noiseFactor(d, noise, kT, halfStep), full = noiseFactor(d, noise, kT, 2.0*halfStep);
    set.numNormals = 0;
    if (half.size() > 0) {
        set.noise = toVector(half);
        set.fullNoise = toVector(full);
        // The trailing columns that are zero in both factors need no normals (at least one is drawn all the same).
        set.numNormals = n;
        while (set.numNormals > 1 && half.col(set.numNormals-1).isZero(0.0) && full.col(set.numNormals-1).isZero(0.0))
            set.numNormals--;
    }
    // Finite entries can still make matrices that are not (a friction of 1e308 overflows its decomposition, and the
    // surrogate then went NaN without a word): say so before a step is taken.
    for (const std::vector<double>* matrix : {&set.halfKick, &set.decay, &set.fullDecay, &set.noise, &set.fullNoise})
        for (double x : *matrix)
            if (!std::isfinite(x))
                throw OpenMMException("DampedVerletIntegrator: a block's mass, friction or noise matrix is too large or "
                                      "too ill-conditioned for double precision (its step matrices are not finite): "
                                      "give matrices in the range of physical values (dalton, dalton/ps)");
    return set;
}

std::vector<double> BlockMatrixAlgebra::thermalVelocityFactor(const std::vector<double>& mass, double kT) {
    int n = (int) std::lround(std::sqrt((double) mass.size()));
    Eigen::LLT<MatrixXd> llt(toMatrix(mass, n));
    MatrixXd lower = llt.matrixL();
    // v = sqrt(kT) L^-T z has Cov(v) = kT L^-T L^-1 = kT M^-1.
    MatrixXd factor = std::sqrt(kT)*lower.transpose().triangularView<Eigen::Upper>().solve(MatrixXd::Identity(n, n));
    return toVector(factor);
}
