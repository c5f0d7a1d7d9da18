#include "PSplineFit.h"
#include "openmm/OpenMMException.h"
#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>
#include <algorithm>
#include <cmath>
#include <random>

using namespace EffPot;
using OpenMM::OpenMMException;
using namespace std;

PSplineFit::PSplineFit(const vector<double>& lower, const vector<double>& upper, const vector<int>& numBasis) :
        lower(lower), upper(upper), numBasis(numBasis), score(NAN) {
    int d = lower.size();
    if (d < 1 || d > 3 || (int) upper.size() != d || (int) numBasis.size() != d)
        throw OpenMMException("PSplineFit: lower, upper and numBasis need one entry per dimension (1 to 3)");
    double total = 1;
    for (int i = 0; i < d; i++) {
        if (numBasis[i] < 4)
            throw OpenMMException("PSplineFit: numBasis must be at least 4 per dimension (cubic splines)");
        if (!(upper[i] > lower[i]) || !isfinite(lower[i]) || !isfinite(upper[i]))
            throw OpenMMException("PSplineFit: upper must be finite and greater than lower in every dimension");
        spacing.push_back((upper[i]-lower[i])/(numBasis[i]-3));
        total *= numBasis[i];
    }
    if (total > 1e7)
        throw OpenMMException("PSplineFit: "+to_string((long long) total)+" basis functions are too many (at most 1e7): "
                              "use fewer per dimension");
    coefficients.assign((size_t) total, 0.0);
}

int PSplineFit::locate(int dimension, double x, double b[4], double db[4]) const {
    // Uniform cubic B-splines: basis j lives on [lower + (j-3) h, lower + (j+1) h]; on interval i the nonzero ones
    // are i..i+3, with the local coordinate u in [0, 1].
    double h = spacing[dimension];
    // A NaN passes min/max (every comparison is false) and floor(NaN) is no index: callers give NaN no meaning
    // (evaluateWithGradient returns NaN for it); here it takes the lower end so that no table is indexed out of range.
    if (std::isnan(x))
        x = lower[dimension];
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
    // A NaN coordinate (an exploded run) gives a NaN value and gradient; infinite ones take the nearest box value.
    for (int i = 0; i < d; i++)
        if (std::isnan(point[i])) {
            for (int j = 0; j < d; j++)
                gradient[j] = NAN;
            return NAN;
        }
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

namespace {

typedef Eigen::Triplet<double> Triplet;
typedef Eigen::SparseMatrix<double> SparseMatrix;

} // namespace

// The weighted normal equations B^T W B, B^T W y and y^T W y, and the roughness penalty P (third differences of
// the coefficients along every dimension), assembled once for any smoothing.
struct PSplineFit::Normal {
    SparseMatrix gram, penalty;
    Eigen::VectorXd rhs;
    double weightedSquares, ridge;
    int numPoints;
    // The basis row of every point of positive weight: (point, coefficient, w * B value), for a new right-hand side.
    vector<int> rowPoint, rowColumn;
    vector<double> rowWeight;
};

struct PSplineFit::Factored {
    Eigen::SimplicialLDLT<SparseMatrix> solver;
    vector<int> rowPoint, rowColumn;
    vector<double> rowWeight;
    int numValues;
};

PSplineFit::Normal PSplineFit::assemble(const vector<double>& points, const vector<double>& values, const vector<double>& weights) const {
    int d = getDimensions();
    int n = values.size();
    if ((int) points.size() != n*d || (int) weights.size() != n)
        throw OpenMMException("PSplineFit.fit: points, values and weights must describe the same number of points");
    int total = coefficients.size();
    int nx = numBasis[0], ny = (d > 1 ? numBasis[1] : 1), nz = (d > 2 ? numBasis[2] : 1);
    Normal normal;
    vector<Triplet> entries;
    normal.rhs = Eigen::VectorXd::Zero(total);
    normal.weightedSquares = 0;
    normal.numPoints = 0;
    double totalWeight = 0;
    // The points of positive weight and the cell (the 4^d basis functions) of each.
    vector<int> order, cellOf(n, 0);
    for (int p = 0; p < n; p++) {
        double w = weights[p];
        if (w == 0)
            continue;
        if (!(w > 0) || !isfinite(values[p]))
            throw OpenMMException("PSplineFit.fit: weights must be non-negative and weighted values finite");
        for (int i = 0; i < d; i++)
            if (!isfinite(points[p*d+i]))
                throw OpenMMException("PSplineFit.fit: the points of positive weight must be finite");
        double b[4], db[4];
        int cell = 0;
        for (int i = d-1; i >= 0; i--)
            cell = cell*(numBasis[i]-3)+locate(i, points[p*d+i], b, db);
        cellOf[p] = cell;
        order.push_back(p);
    }
    // All points of a cell share its 4^d x 4^d block of B^T W B: the block is summed over them and entered once,
    // not once per point (a 3D fit on 12^3 bin centres with knots every 3 bins: 64 cells instead of 1728 points of
    // 4096 entries each). Stable sort: a cell's points are summed in their given order.
    stable_sort(order.begin(), order.end(), [&](int a, int b) { return cellOf[a] < cellOf[b]; });
    int width = (d == 1 ? 4 : d == 2 ? 16 : 64);
    vector<int> columns(width);
    vector<double> basis(width), block(width*width, 0.0);
    auto flush = [&]() {
        for (int r = 0; r < width; r++)
            for (int c = 0; c < width; c++)
                entries.push_back(Triplet(columns[r], columns[c], block[r*width+c]));
        fill(block.begin(), block.end(), 0.0);
    };
    for (size_t k = 0; k < order.size(); k++) {
        int p = order[k];
        double w = weights[p];
        totalWeight += w;
        normal.numPoints++;
        normal.weightedSquares += w*values[p]*values[p];
        double b[3][4], db[3][4];
        int first[3] = {0, 0, 0};
        for (int i = 0; i < d; i++)
            first[i] = locate(i, points[p*d+i], b[i], db[i]);
        int r = 0;
        for (int kk = 0; kk < (d > 2 ? 4 : 1); kk++)
            for (int j = 0; j < (d > 1 ? 4 : 1); j++)
                for (int i = 0; i < 4; i++, r++) {
                    columns[r] = (first[0]+i)+nx*((first[1]+j)+ny*(first[2]+kk));
                    basis[r] = b[0][i]*(d > 1 ? b[1][j] : 1.0)*(d > 2 ? b[2][kk] : 1.0);
                }
        for (int a = 0; a < width; a++) {
            normal.rhs[columns[a]] += w*basis[a]*values[p];
            normal.rowPoint.push_back(p);
            normal.rowColumn.push_back(columns[a]);
            normal.rowWeight.push_back(w*basis[a]);
            double wa = w*basis[a];
            for (int c = 0; c < width; c++)
                block[a*width+c] += wa*basis[c];
        }
        if (k+1 == order.size() || cellOf[order[k+1]] != cellOf[p])
            flush();
    }
    if (totalWeight == 0)
        throw OpenMMException("PSplineFit.fit: no point has a positive weight");
    normal.gram.resize(total, total);
    normal.gram.setFromTriplets(entries.begin(), entries.end());
    entries.clear();
    int strides[3] = {1, nx, nx*ny}, sizes[3] = {nx, ny, nz};
    for (int dim = 0; dim < d; dim++)
        for (int c = 0; c < total; c++) {
            int position = (c/strides[dim])%sizes[dim];
            if (position+3 >= sizes[dim])
                continue;
            int idx[4] = {c, c+strides[dim], c+2*strides[dim], c+3*strides[dim]};
            double coef[4] = {-1, 3, -3, 1};
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++)
                    entries.push_back(Triplet(idx[a], idx[b], coef[a]*coef[b]));
        }
    normal.penalty.resize(total, total);
    normal.penalty.setFromTriplets(entries.begin(), entries.end());
    // A tiny ridge keeps coefficients far from every point determined (it does not bias the fit measurably).
    normal.ridge = 1e-10*totalWeight/total;
    return normal;
}

vector<double> PSplineFit::solve(const Normal& normal, double smoothing, double* trace, shared_ptr<Factored>* factored) const {
    int total = coefficients.size();
    SparseMatrix identity(total, total);
    identity.setIdentity();
    SparseMatrix system = normal.gram+smoothing*normal.penalty+normal.ridge*identity;
    shared_ptr<Factored> kept(new Factored());
    Eigen::SimplicialLDLT<SparseMatrix>& solver = kept->solver;
    solver.compute(system);
    if (factored != nullptr) {
        kept->rowPoint = normal.rowPoint;
        kept->rowColumn = normal.rowColumn;
        kept->rowWeight = normal.rowWeight;
        *factored = kept;
    }
    if (solver.info() != Eigen::Success)
        throw OpenMMException("PSplineFit.fit: the normal equations could not be factored");
    Eigen::VectorXd solution = solver.solve(normal.rhs);
    if (trace != NULL) {
        // tr(H) = tr(A^-1 B^T W B) by Hutchinson's estimator (fitAutomatic has the exact trace below 800
        // coefficients).
        mt19937 random(12345);
        bernoulli_distribution coin(0.5);
        const int probes = 30;
        double sum = 0;
        for (int k = 0; k < probes; k++) {
            Eigen::VectorXd z(total);
            for (int i = 0; i < total; i++)
                z[i] = (coin(random) ? 1.0 : -1.0);
            Eigen::VectorXd gz = normal.gram*z;
            sum += z.dot(solver.solve(gz));
        }
        *trace = sum/probes;
    }
    return vector<double>(solution.data(), solution.data()+solution.size());
}

void PSplineFit::fit(const vector<double>& points, const vector<double>& values, const vector<double>& weights, double smoothing) {
    if (!(smoothing >= 0))
        throw OpenMMException("PSplineFit.fit: smoothing must be non-negative");
    Normal normal = assemble(points, values, weights);
    shared_ptr<Factored> factored;
    coefficients = solve(normal, smoothing, NULL, &factored);
    factored->numValues = values.size();
    last = factored;
}

void PSplineFit::refit(const vector<double>& values) {
    if (!last)
        throw OpenMMException("PSplineFit.refit: there is no fit to repeat: call fit or fitAutomatic first");
    if ((int) values.size() != last->numValues)
        throw OpenMMException("PSplineFit.refit: give one value per point of the last fit ("+to_string(last->numValues)+"); got "+
                              to_string(values.size()));
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(coefficients.size());
    for (size_t k = 0; k < last->rowPoint.size(); k++) {
        double y = values[last->rowPoint[k]];
        if (!isfinite(y))
            throw OpenMMException("PSplineFit.refit: weighted values must be finite");
        rhs[last->rowColumn[k]] += last->rowWeight[k]*y;
    }
    Eigen::VectorXd solution = last->solver.solve(rhs);
    coefficients.assign(solution.data(), solution.data()+solution.size());
}

double PSplineFit::fitAutomatic(const vector<double>& points, const vector<double>& values, const vector<double>& weights,
        const vector<double>& candidates) {
    if (candidates.empty())
        throw OpenMMException("PSplineFit.fitAutomatic: give at least one candidate smoothing");
    Normal normal = assemble(points, values, weights);
    double bestScore = INFINITY, best = candidates[0];
    for (double smoothing : candidates)
        if (!(smoothing >= 0))
            throw OpenMMException("PSplineFit.fitAutomatic: smoothing candidates must be non-negative");
    int total = coefficients.size();
    if (total <= 800) {
        // Exact scores for every candidate from one generalized eigendecomposition (Demmler-Reinsch). With a
        // reference penalty lambda0 and S0 = G + lambda0 P + ridge I (G = B^T W B), P v = mu S0 v and V^T S0 V = I,
        // the system G + lambda P + ridge I is V^-T (I + (lambda - lambda0) mu) V^-1; with D = 1/(1 + (lambda -
        // lambda0) mu) the coefficients are c = V D V^T B^T W y and tr(H) = tr(A^-1 G) = sum_k D_k v_k^T G v_k:
        // O(n^2) a candidate instead of a factorization and n solves. S0 is well conditioned where G + ridge I is
        // not (coefficients outside the sampled support have no data, only the penalty), and v_k^T G v_k and
        // c^T G c are formed with G itself rather than as differences that cancel.
        if (progress != NULL)
            progress->report("fit", 0, 1);
        double lower = INFINITY, upper = 0;
        for (double smoothing : candidates)
            if (smoothing > 0) {
                lower = min(lower, smoothing);
                upper = max(upper, smoothing);
            }
        double reference = (upper > 0 ? sqrt(lower*upper) : 0.0);
        Eigen::MatrixXd gram = Eigen::MatrixXd(normal.gram), penalty = Eigen::MatrixXd(normal.penalty);
        Eigen::MatrixXd system = gram+reference*penalty;
        system.diagonal().array() += normal.ridge;
        Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> pencil(penalty, system);
        if (pencil.info() != Eigen::Success)
            throw OpenMMException("PSplineFit.fit: the normal equations could not be factored");
        const Eigen::MatrixXd& v = pencil.eigenvectors();
        Eigen::VectorXd mu = pencil.eigenvalues(), z = v.transpose()*normal.rhs;
        Eigen::VectorXd explained = (v.transpose()*gram).cwiseProduct(v.transpose()).rowwise().sum();
        for (double smoothing : candidates) {
            Eigen::VectorXd damping = (1.0+(smoothing-reference)*mu.array()).inverse().matrix();
            Eigen::VectorXd c = v*damping.cwiseProduct(z);
            double trace = damping.dot(explained);
            double rss = normal.weightedSquares-2*c.dot(normal.rhs)+c.dot(gram*c);
            double score = rss+2*trace;
            if (score < bestScore) {
                bestScore = score;
                best = smoothing;
            }
        }
    }
    else
        for (double smoothing : candidates) {
            if (progress != NULL)
                progress->report("fit", 0, 1);
            double trace;
            vector<double> solution = solve(normal, smoothing, &trace);
            Eigen::Map<Eigen::VectorXd> c(solution.data(), solution.size());
            // Weighted residual sum of squares from the normal equations: y^T W y - 2 c^T B^T W y + c^T B^T W B c.
            double rss = normal.weightedSquares-2*c.dot(normal.rhs)+c.dot(normal.gram*c);
            double score = rss+2*trace;
            if (score < bestScore) {
                bestScore = score;
                best = smoothing;
            }
        }
    // The chosen smoothing's fit, from the same normal equations.
    shared_ptr<Factored> factored;
    coefficients = solve(normal, best, NULL, &factored);
    factored->numValues = values.size();
    last = factored;
    score = bestScore;
    return best;
}
