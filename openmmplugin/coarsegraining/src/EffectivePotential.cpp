#include "EffectivePotential.h"
#include "ReplicaSplineForce.h"
#include "internal/ConfiningFloor.h"
#include "openmm/CustomCompoundBondForce.h"
#include "openmm/OpenMMException.h"
#include "openmm/TabulatedFunction.h"
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <queue>
#include <limits>
#include <sstream>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

EffectivePotential::EffectivePotential(const PSplineFit& spline, const vector<double>& lower, const vector<double>& upper,
        const vector<int>& nodes) : spline(spline), lower(lower), upper(upper), nodes(nodes), kT(1.0), offset(0.0) {
    int d = lower.size();
    if (d != spline.getDimensions() || (int) upper.size() != d || (int) nodes.size() != d)
        throw OpenMMException("EffectivePotential: the box and nodes must have one entry per dimension of the spline");
    double count = 1;
    for (int i = 0; i < d; i++) {
        if (nodes[i] < 4)
            throw OpenMMException("EffectivePotential: at least 4 nodes per dimension are needed for a cubic table");
        if (!(upper[i] > lower[i]) || !isfinite(lower[i]) || !isfinite(upper[i]))
            throw OpenMMException("EffectivePotential: upper must be finite and greater than lower in every dimension");
        count *= nodes[i];
    }
    if (count > 1e7)
        throw OpenMMException("EffectivePotential: the table would have "+to_string((long long) count)+" nodes (at most 1e7): "
                              "use fewer per dimension");
    nodeSupported.assign(getNumNodes(), 1);
}

void EffectivePotential::setKT(double value) {
    if (!(value > 0) || !isfinite(value))
        throw OpenMMException("EffectivePotential.setKT: kT must be a positive energy (kJ/mol)");
    kT = value;
}

void EffectivePotential::setNoiseCovariance(const vector<double>& covariance, const vector<double>& error) {
    int d = getDimensions();
    if (!covariance.empty() && (int) covariance.size() != d*d)
        throw OpenMMException("EffectivePotential.setNoiseCovariance: the covariance must be d x d");
    if (!error.empty() && error.size() != covariance.size())
        throw OpenMMException("EffectivePotential.setNoiseCovariance: the error must have the covariance's shape");
    noiseCovariance = covariance;
    noiseCovarianceError = error;
}

void EffectivePotential::setCalibration(const Calibration& value) {
    if (!value.isKnown()) {
        calibration = value;
        return;
    }
    int d = getDimensions();
    auto finiteMatrix = [d](const vector<double>& m) {
        if ((int) m.size() != d*d)
            return false;
        for (double x : m)
            if (!isfinite(x))
                return false;
        return true;
    };
    if (!isfinite(value.stepSize) || !finiteMatrix(value.mass) || !finiteMatrix(value.friction))
        throw OpenMMException("EffectivePotential.setCalibration: give a finite step size and d x d mass and friction matrices (d = "+
                              to_string(d)+")");
    if (!(value.kT > 0) || !isfinite(value.kT) || !(value.targetKT > 0) || !isfinite(value.targetKT))
        throw OpenMMException("EffectivePotential.setCalibration: kT and targetKT must be positive energies (kJ/mol)");
    calibration = value;
}

int EffectivePotential::getNumNodes() const {
    int n = 1;
    for (int v : nodes)
        n *= v;
    return n;
}

void EffectivePotential::getNodePosition(int index, double* point) const {
    for (int i = 0; i < getDimensions(); i++) {
        int j = index%nodes[i];
        index /= nodes[i];
        point[i] = lower[i]+j*(upper[i]-lower[i])/(nodes[i]-1);
    }
}

double EffectivePotential::evaluate(const double* point) const {
    return spline.evaluate(point)-offset;
}

double EffectivePotential::getTemperatureRelativeError() const {
    auto find = [this](const string& key) {
        auto entry = diagnostics.find(key);
        return (entry == diagnostics.end() || !isfinite(entry->second) ? 0.0 : entry->second);
    };
    double whitened = find("stage1.whitenedError");
    if (find("stage2.refinements") > 0 && kT > 0) {
        // Stage 2 replaced Stage 1's D by the noise its own dynamics realised (theory.md section 5): Stage 1's error
        // no longer says how far a direction's temperature may be from kT, the fitted pass's drift temperatures do
        // (each off kT by at most twice its error, or the refinement would have gone on). A Stage 1 that missed by
        // 146% made bands 100 times the real error.
        double worst = 0;
        for (int m = 0; m < getDimensions(); m++) {
            string key = "stage2.driftKT.direction"+to_string(m);
            if (diagnostics.count(key) && diagnostics.count(key+".standardError"))
                worst = max(worst, (fabs(find(key)-kT)+find(key+".standardError"))/kT);
        }
        whitened = worst;
    }
    double kinetic = find("kT.kinetic"), kineticError = find("kT.kinetic.standardError");
    double relative = (kinetic > 0 ? kineticError/kinetic : 0.0);
    return sqrt(whitened*whitened+relative*relative);
}

double EffectivePotential::standardError(const double* point) const {
    int d = getDimensions();
    for (int i = 0; i < d; i++)
        if (std::isnan(point[i]))
            return NAN;
    double node = 0;
    if (!nodeErrors.empty()) {
        // Multilinear interpolation of the node errors' variances over the cell that holds the clamped point.
        int base[3] = {0, 0, 0};
        double weight[3] = {0, 0, 0};
        for (int i = 0; i < d; i++) {
            double spacing = (upper[i]-lower[i])/(nodes[i]-1);
            double t = (min(max(point[i], lower[i]), upper[i])-lower[i])/spacing;
            int j = min((int) floor(t), nodes[i]-2);
            base[i] = max(j, 0);
            weight[i] = t-base[i];
        }
        double variance = 0;
        for (int corner = 0; corner < (1<<d); corner++) {
            double w = 1;
            int index = 0, stride = 1;
            for (int i = 0; i < d; i++) {
                int bit = (corner>>i)&1;
                w *= (bit ? weight[i] : 1-weight[i]);
                index += (base[i]+bit)*stride;
                stride *= nodes[i];
            }
            variance += w*nodeErrors[index]*nodeErrors[index];
        }
        node = sqrt(max(0.0, variance));
    }
    double temperature = getTemperatureRelativeError()*max(0.0, evaluate(point));
    return sqrt(node*node+temperature*temperature);
}

vector<double> EffectivePotential::getNodeValues() const {
    vector<double> values(getNumNodes());
    double point[3];
    for (int i = 0; i < (int) values.size(); i++) {
        getNodePosition(i, point);
        values[i] = evaluate(point);
    }
    return values;
}

vector<double> EffectivePotential::getTableValues() const {
    bool allSupported = all_of(nodeSupported.begin(), nodeSupported.end(), [](int s) { return s != 0; });
    return tableValues(allSupported ? 0.0 : getTableCurvature());  // the curvature costs a Hessian per node
}

vector<double> EffectivePotential::tableValues(double curvature) const {
    vector<double> values = getNodeValues();
    bool anySupported = any_of(nodeSupported.begin(), nodeSupported.end(), [](int s) { return s != 0; });
    if (!anySupported)
        return values;
    vector<double> spacing;
    for (int k = 0; k < getDimensions(); k++)
        spacing.push_back((upper[k]-lower[k])/(nodes[k]-1));
    double lowest = INFINITY;
    for (int i = 0; i < (int) values.size(); i++)
        if (nodeSupported[i])
            lowest = min(lowest, values[i]);
    ConfiningFloor::raise(values, nodeSupported, nodes, spacing, curvature, lowest);
    return values;
}

void EffectivePotential::setNodeErrors(const vector<double>& errors) {
    if (!errors.empty() && (int) errors.size() != getNumNodes())
        throw OpenMMException("EffectivePotential.setNodeErrors: one error per node is needed");
    nodeErrors = errors;
}

void EffectivePotential::setNodeSupported(const vector<int>& supported) {
    if ((int) supported.size() != getNumNodes())
        throw OpenMMException("EffectivePotential.setNodeSupported: one flag per node is needed");
    nodeSupported = supported;
}

void EffectivePotential::normalize() {
    offset = 0;
    vector<double> values = getNodeValues();
    bool anySupported = any_of(nodeSupported.begin(), nodeSupported.end(), [](int s) { return s != 0; });
    double minimum = numeric_limits<double>::infinity();
    for (int i = 0; i < (int) values.size(); i++)
        if (nodeSupported[i] || !anySupported)
            minimum = min(minimum, values[i]);
    offset = minimum;
}

double EffectivePotential::getTableCurvature() const {
    // U's largest curvature where the dynamics spends its time (within 3 kT of the minimum), so that a step that
    // integrates U there integrates the whole table; at least kT over (10% of the widest box side)^2, so that a
    // flat U is still confined.
    double widest = 0;
    for (int i = 0; i < getDimensions(); i++)
        widest = max(widest, upper[i]-lower[i]);
    return max(getMaxCurvature(3*kT), kT/(0.01*widest*widest));
}

double EffectivePotential::getWallStiffness(int dimension) const {
    if (dimension < 0 || dimension >= getDimensions())
        throw OpenMMException("EffectivePotential.getWallStiffness: dimension "+to_string(dimension)+" is out of range (the "
                              "potential has "+to_string(getDimensions())+")");
    // The wall's curvature 2k is the table's: the step that integrates the continuation integrates the wall.
    return 0.5*getTableCurvature();
}

Force* EffectivePotential::createForce(const vector<int>& particles) const {
    int d = getDimensions();
    double curvature = getTableCurvature();  // once: it costs a Hessian per node
    const char* names[3] = {"x", "y", "z"};
    stringstream expression, definitions;
    expression.precision(17);
    definitions.precision(17);
    expression<<"effpot_U(";
    for (int i = 0; i < d; i++)
        expression<<(i > 0 ? ", " : "")<<"effpot_"<<names[i];
    expression<<")+effpot_wall";
    definitions<<"; effpot_wall = ";
    for (int i = 0; i < d; i++) {
        definitions<<(i > 0 ? " + " : "")<<0.5*curvature<<"*("<<names[i]<<"1-effpot_"<<names[i]<<")^2";
    }
    // The table argument, clamped to the box. Written with step/select rather than min/max so that a NaN
    // coordinate (an exploded run) maps into the box too: OpenMM's tables throw outside their range, and an
    // exception cannot unwind through JIT-compiled expressions, so the process would abort instead of the run
    // reporting NaN energies.
    // The clamp stops a hair inside the box: the table's own grid ends may differ from the box by rounding.
    for (int i = 0; i < d; i++) {
        double inset = 1e-9*(upper[i]-lower[i]), low = lower[i]+inset, high = upper[i]-inset;
        definitions<<"; effpot_"<<names[i]<<" = select(step("<<names[i]<<"1-("<<low<<")), select(step("<<names[i]
                   <<"1-("<<high<<")), "<<high<<", "<<names[i]<<"1), "<<low<<")";
    }
    for (int p : particles)
        if (p < 0)
            throw OpenMMException("EffectivePotential.createForce: particle indices must be non-negative");
    CustomCompoundBondForce* force = new CustomCompoundBondForce(1, expression.str()+definitions.str());
    vector<double> values = tableValues(curvature);
    TabulatedFunction* table;
    if (d == 1)
        table = new Continuous1DFunction(values, lower[0], upper[0]);
    else if (d == 2)
        table = new Continuous2DFunction(nodes[0], nodes[1], values, lower[0], upper[0], lower[1], upper[1]);
    else
        table = new Continuous3DFunction(nodes[0], nodes[1], nodes[2], values, lower[0], upper[0], lower[1], upper[1], lower[2], upper[2]);
    force->addTabulatedFunction("effpot_U", table);
    force->setName("EffectivePotential");
    for (int p : particles)
        force->addBond({p}, {});
    return force;
}

ReplicaSplineForce* EffectivePotential::createReplicaForce(const vector<int>& particles) const {
    for (int p : particles)
        if (p < 0)
            throw OpenMMException("EffectivePotential.createReplicaForce: particle indices must be non-negative");
    double curvature = getTableCurvature();  // once: it costs a Hessian per node
    vector<double> wall(getDimensions(), 0.5*curvature);
    ReplicaSplineForce* force = new ReplicaSplineForce(nodes, lower, upper, tableValues(curvature), wall);
    force->setName("EffectivePotential");
    for (int p : particles)
        force->addParticle(p);
    return force;
}

double EffectivePotential::getMaxCurvature(double window) const {
    int d = getDimensions();
    double largest = 0, lowest = INFINITY;
    vector<double> values = getNodeValues();
    for (int n = 0; n < getNumNodes(); n++)
        if (nodeSupported.empty() || nodeSupported[n])
            lowest = min(lowest, values[n]);
    vector<double> delta(d);
    for (int i = 0; i < d; i++)
        delta[i] = 0.25*(upper[i]-lower[i])/(nodes[i]-1);
    for (int n = 0; n < getNumNodes(); n++) {
        if ((!nodeSupported.empty() && !nodeSupported[n]) || values[n] > lowest+window)
            continue;
        double point[3];
        getNodePosition(n, point);
        bool inside = true;
        for (int i = 0; i < d; i++)
            inside = inside && point[i]-delta[i] >= lower[i] && point[i]+delta[i] <= upper[i];
        if (!inside)
            continue;
        Eigen::MatrixXd hessian(d, d);
        for (int i = 0; i < d; i++)
            for (int j = i; j < d; j++) {
                double value = 0;
                for (int si = -1; si <= 1; si += 2)
                    for (int sj = -1; sj <= 1; sj += 2) {
                        double shifted[3] = {point[0], point[1], point[2]};
                        shifted[i] += si*delta[i];
                        shifted[j] += sj*delta[j];
                        value += si*sj*evaluate(shifted);
                    }
                hessian(i, j) = hessian(j, i) = value/(4*delta[i]*delta[j]);
            }
        largest = max(largest, Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(hessian).eigenvalues().maxCoeff());
    }
    return largest;
}
