#include "ScaleScan.h"
#include "CoarseGrainer.h"
#include "ReplicaSystem.h"
#include "UnstableRunException.h"
#include "NormalityTests.h"
#include "openmm/OpenMMException.h"
#include <algorithm>
#include <climits>
#include <cmath>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

// The energy checked under ScaleScan's name before the CoarseGrainer that holds the scan's settings sees it.
const string& checkedEnergy(const string& energy, int dimensions) {
    ReplicaSystem::validateEnergy(energy, dimensions, "ScaleScan");
    return energy;
}

// Whether a classified point belongs to a level: Gaussian at kT* where it was run there, else at the scan's temperature.
bool inLevel(const ScaleScanPoint& point) {
    return point.edgeChecked ? point.gaussianAtTargetKT : point.gaussian;
}

} // namespace

ScaleScan::ScaleScan(const string& energy, int dimensions) : settings(checkedEnergy(energy, dimensions), dimensions),
        dimensions(dimensions), frictionFactor(2.0), maxSkewness(0.1), maxExcessKurtosis(0.2),
        maxTransientWeight(0.05), targetKT(1.0), classified(false) {
    settings.setNumReplicas(100);
}

void ScaleScan::setStepSizes(const vector<double>& values) {
    if (values.empty())
        throw OpenMMException("ScaleScan.setStepSizes: give at least one step size");
    for (double h : values)
        if (!(h > 0) || !isfinite(h))
            throw OpenMMException("ScaleScan.setStepSizes: step sizes must be positive numbers of ps");
    stepSizes = values;
    sort(stepSizes.begin(), stepSizes.end());
    points.clear(); // points of other step sizes would be misread
    edgePoints.clear();
    measured.clear();
    classified = false;
}

void ScaleScan::setStepSizeRange(double smallest, double largest, int count) {
    if (!(smallest > 0) || !(largest > smallest) || !isfinite(largest) || count < 2 || count > 100000)
        throw OpenMMException("ScaleScan.setStepSizeRange: need 0 < smallest < largest (finite) and 2 <= count <= 100000, got "
                              "smallest "+to_string(smallest)+", largest "+to_string(largest)+", count "+to_string(count));
    vector<double> values;
    for (int i = 0; i < count; i++)
        values.push_back(smallest*pow(largest/smallest, i/(count-1.0)));
    setStepSizes(values);
}

void ScaleScan::setFrictionFactor(double factor) {
    if (!(factor > 0) || !isfinite(factor))
        throw OpenMMException("ScaleScan.setFrictionFactor: the factor must be positive (gamma = factor * h, 1/ps^2)");
    frictionFactor = factor;
}

void ScaleScan::setNumReplicas(int count) {
    settings.setNumReplicas(count);
}

void ScaleScan::setNumSteps(int steps) {
    settings.setNumSteps(steps);
}

void ScaleScan::setNumEquilibrationSteps(int steps) {
    settings.setNumEquilibrationSteps(steps);
}

void ScaleScan::setInitialBox(const vector<double>& lower, const vector<double>& upper) {
    settings.setInitialBox(lower, upper);
}

void ScaleScan::setRandomSeed(int seed) {
    settings.setRandomSeed(seed);
}

void ScaleScan::setNormalityTolerance(double skewness, double excessKurtosis) {
    if (!(skewness > 0) || !(excessKurtosis > 0))
        throw OpenMMException("ScaleScan.setNormalityTolerance: tolerances must be positive");
    maxSkewness = skewness;
    maxExcessKurtosis = excessKurtosis;
}

void ScaleScan::setMaxTransientWeight(double weight) {
    if (!(weight > 0) || !(weight <= 1))
        throw OpenMMException("ScaleScan.setMaxTransientWeight: the weight must lie in (0, 1] (the share of the starts' excess "
                              "energy a point's averages may keep; 1 accepts every run), got "+to_string(weight));
    maxTransientWeight = weight;
}

void ScaleScan::setTargetKT(double kT) {
    if (!(kT >= 0) || !isfinite(kT))
        throw OpenMMException("ScaleScan.setTargetKT: kT* must be a positive energy (kJ/mol), or 0 to judge the levels at "
                              "the scan's own temperature only; got "+to_string(kT));
    targetKT = kT;
    // The checks at the old kT* say nothing about the new one: the edges are judged again (getEdgeChecks).
    for (ScaleScanPoint& point : points)
        point.edgeChecked = point.gaussianAtTargetKT = false;
}

double ScaleScan::transientWeight(double gamma, double stepSize, int equilibrationSteps, int samplingSteps) {
    // With M = I a replica's energy above the stationary one decays as exp(-gamma t) (dE/dt = -gamma |p|^2, and
    // |p|^2 ~ E over an oscillation in a well). What is left after t_eq, averaged over the sampling window t_s, is
    // exp(-gamma t_eq) (1 - exp(-gamma t_s)) / (gamma t_s) of the starting excess (docs/theory.md section 9).
    double equilibration = gamma*stepSize*equilibrationSteps, sampling = gamma*stepSize*samplingSteps;
    return exp(-equilibration)*(sampling > 0 ? -expm1(-sampling)/sampling : 1.0);
}

const ScaleScanPoint& ScaleScan::getPoint(int index) const {
    if (index < 0 || index >= (int) points.size())
        throw OpenMMException("ScaleScan.getPoint: index out of range");
    return points[index];
}

void ScaleScan::classify(ScaleScanPoint& point, double kTScale, double maxSkew, double maxKurtosis) {
    point.frozen = false;
    bool withinTolerance = true;
    for (size_t i = 0; i < point.excessKurtosis.size(); i++) {
        point.frozen |= (point.excessKurtosis[i] > 1.0);
        withinTolerance &= (fabs(point.skewness[i]) <= maxSkew && fabs(point.excessKurtosis[i]) <= maxKurtosis);
    }
    if (!point.exploded && !(point.kT > 1e-4*kTScale))
        point.frozen = true;
    // A run still cooling from its starts (slow damping at small h) may look Gaussian in passing: not a level's.
    point.gaussian = withinTolerance && !point.frozen && !point.exploded && point.relaxed;
}

namespace {

// The maximal runs [first, last] of consecutive points that are in a level (in increasing step size).
vector<pair<size_t, size_t> > levelRuns(const vector<ScaleScanPoint>& points) {
    vector<pair<size_t, size_t> > runs;
    size_t i = 0;
    while (i < points.size()) {
        if (!inLevel(points[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j+1 < points.size() && inLevel(points[j+1]))
            j++;
        runs.push_back(make_pair(i, j));
        i = j+1;
    }
    return runs;
}

} // namespace

vector<ScaleScanLevel> ScaleScan::groupLevels(const vector<ScaleScanPoint>& points) {
    vector<ScaleScanLevel> levels;
    for (const pair<size_t, size_t>& run : levelRuns(points)) {
        size_t i = run.first, j = run.second;
        ScaleScanLevel level;
        level.smallest = points[i].stepSize;
        level.largest = points[j].stepSize;
        level.recommended = sqrt(level.smallest*level.largest);
        level.numPoints = j-i+1;
        levels.push_back(level);
    }
    return levels;
}

CoarseGrainer ScaleScan::getPointSettings(int index) const {
    if (index < 0 || index >= (int) stepSizes.size())
        throw OpenMMException("ScaleScan.getPointSettings: index "+to_string(index)+" is not one of the "+
                              to_string(stepSizes.size())+" step sizes");
    CoarseGrainer grainer = settings;
    grainer.setStepSize(stepSizes[index]);
    grainer.setFriction(frictionFactor*stepSizes[index]);
    return grainer;
}

void ScaleScan::storePoint(int index, const ReplicaStatistics* statistics, const string& caller) {
    if (index < 0 || index >= (int) stepSizes.size())
        throw OpenMMException(caller+": point index "+to_string(index)+" is not one of the "+to_string(stepSizes.size())+" step sizes");
    ScaleScanPoint point;
    // Checked and filled before anything is kept.
    fillPoint(point, stepSizes[index], frictionFactor*stepSizes[index], settings.getNumEquilibrationSteps(), settings.getNumSteps(),
              statistics, caller);
    if (points.size() != stepSizes.size()) {
        points.assign(stepSizes.size(), ScaleScanPoint());
        measured.assign(stepSizes.size(), false);
    }
    points[index] = point;
    measured[index] = true;
    classified = false; // a new point can change the kT scale and the levels
}

void ScaleScan::fillPoint(ScaleScanPoint& point, double stepSize, double gamma, int equilibrationSteps, int samplingSteps,
                          const ReplicaStatistics* statistics, const string& caller) const {
    int d = dimensions;
    if (statistics != NULL && (statistics->getDimensions() != d || statistics->getNumGroups() != 1))
        throw OpenMMException(caller+": give the statistics of CoarseGrainer.sampleIsotropic for this scan ("+to_string(d)+
                              " dimensions, one group)");
    point = ScaleScanPoint();
    point.stepSize = stepSize;
    point.friction = gamma;
    point.relaxationTimes = gamma*stepSize*((double) equilibrationSteps+samplingSteps);
    point.transientWeight = transientWeight(gamma, stepSize, equilibrationSteps, samplingSteps);
    if (statistics == NULL) {
        point.exploded = true;
        point.skewness.assign(d, NAN);
        point.excessKurtosis.assign(d, NAN);
        return;
    }
    long long count = statistics->getGroupCount(0);
    double trace = 0;
    for (int b = 0; b < statistics->getNumBatches(); b++) {
        vector<double> sums = statistics->getSecondMomentSums(0, b);
        for (int k = 0; k < d; k++)
            trace += sums[k*d+k];
    }
    point.kT = trace/(count*d);
    point.frozenReplicas = statistics->getNumFrozenReplicas();
    NormalityTests::momentsFromPowerSums(statistics->getPowerSums(0), d, count, point.skewness, point.excessKurtosis);
    const vector<double>& stored = statistics->getStoredMomenta(0);
    if ((int) stored.size() >= 20*d)
        point.dagostinoPValue = NormalityTests::test(stored, d).dagostinoPValue;
}

void ScaleScan::setPointStatistics(int index, const ReplicaStatistics& statistics) {
    storePoint(index, &statistics, "ScaleScan.setPointStatistics");
}

void ScaleScan::setPointExploded(int index) {
    storePoint(index, NULL, "ScaleScan.setPointExploded");
}

void ScaleScan::classifyPoints() {
    for (size_t i = 0; i < stepSizes.size(); i++)
        if (points.size() != stepSizes.size() || !measured[i])
            throw OpenMMException("ScaleScan.classifyPoints: the step size "+to_string(stepSizes[i])+" (index "+to_string(i)+
                                  ") has no result yet (setPointStatistics or setPointExploded)");
    // A collapsed kT is recognised against the largest kT of the scan (the same energy landscape at other steps).
    double kTScale = 0;
    for (const ScaleScanPoint& point : points)
        kTScale = max(kTScale, point.kT);
    for (ScaleScanPoint& point : points) {
        point.relaxed = (point.transientWeight <= maxTransientWeight);
        point.edgeChecked = point.gaussianAtTargetKT = false;
        classify(point, kTScale, maxSkewness, maxExcessKurtosis);
    }
    edgePoints.assign(points.size(), ScaleScanPoint());
    classified = true;
}

vector<int> ScaleScan::getEdgeChecks() const {
    vector<int> due;
    if (targetKT == 0 || !classified)
        return due;
    for (const pair<size_t, size_t>& run : levelRuns(points)) {
        size_t j = run.second;
        // The edge itself first; once it holds at kT*, the step above it, which a lighter friction at kT* may make
        // Gaussian (fewer fine kicks averaged per relaxation time at a heavier one: docs/theory.md section 9). Never
        // the last step before another level: the scales the scan told apart at its temperature stay apart.
        size_t above = j+1;
        if (!points[j].edgeChecked)
            due.push_back(j);
        else if (above < points.size() && !points[above].edgeChecked && !points[above].exploded && points[above].kT > 0 &&
                 !(above+1 < points.size() && inLevel(points[above+1])))
            due.push_back(above);
    }
    return due;
}

double ScaleScan::edgeFriction(int index, const string& caller) const {
    if (targetKT == 0)
        throw OpenMMException(caller+": kT* is 0 (the levels are judged at the scan's own temperature): set it first (setTargetKT)");
    if (!classified)
        throw OpenMMException(caller+": classify the points first (classifyPoints, or run)");
    if (index < 0 || index >= (int) points.size() || points[index].exploded || !(points[index].kT > 0))
        throw OpenMMException(caller+": point "+to_string(index)+" is not a measured point of this scan (out of range, "
                              "exploded or at kT 0); the checks at kT* are of the steps getEdgeChecks names");
    // The point's own energy balance gives D = 2 gamma kT / phi(gamma h); the kinetic kT it predicts at gamma* is
    // D h / (2 (exp(gamma* h) - 1)) (docs/theory.md section 4), equal to kT* at this gamma*.
    const ScaleScanPoint& point = points[index];
    double h = point.stepSize;
    return log1p(point.kT/targetKT*expm1(point.friction*h))/h;
}

void ScaleScan::edgeSteps(double gamma, double stepSize, int& equilibrationSteps, int& samplingSteps) const {
    // A check's verdict must not be that of a run still cooling from its starts, and a hot kT* needs a light
    // friction: like the pilot, at least 5 relaxation times 1/gamma* of equilibration and 20 of sampling, but at
    // most 10 times the scan's sampling steps each (beyond that the check says it did not relax).
    double relaxationSteps = 1/(gamma*stepSize), most = min<double>(10.0*settings.getNumSteps(), INT_MAX);
    equilibrationSteps = (int) min(most, max<double>(settings.getNumEquilibrationSteps(), ceil(5*relaxationSteps)));
    samplingSteps = (int) min(most, max<double>(settings.getNumSteps(), ceil(20*relaxationSteps)));
}

CoarseGrainer ScaleScan::getEdgeSettings(int index) const {
    double gamma = edgeFriction(index, "ScaleScan.getEdgeSettings");
    int equilibrationSteps, samplingSteps;
    edgeSteps(gamma, stepSizes[index], equilibrationSteps, samplingSteps);
    CoarseGrainer grainer = getPointSettings(index);
    grainer.setFriction(gamma);
    grainer.setNumEquilibrationSteps(equilibrationSteps);
    grainer.setNumSteps(samplingSteps);
    grainer.setTargetKT(targetKT); // the starting velocities at kT*, where the run is to end up
    return grainer;
}

void ScaleScan::recordEdgeCheck(int index, const ScaleScanRun& run) {
    double gamma = edgeFriction(index, "ScaleScan.recordEdgeCheck");
    int equilibrationSteps, samplingSteps;
    edgeSteps(gamma, stepSizes[index], equilibrationSteps, samplingSteps);
    ScaleScanPoint check;
    fillPoint(check, stepSizes[index], gamma, equilibrationSteps, samplingSteps, run.exploded ? NULL : &run.statistics,
              "ScaleScan.recordEdgeCheck");
    check.relaxed = (check.transientWeight <= maxTransientWeight);
    // Frozen against kT* itself: the run was set up to have that kinetic temperature.
    classify(check, targetKT, maxSkewness, maxExcessKurtosis);
    edgePoints[index] = check;
    points[index].edgeChecked = true;
    points[index].gaussianAtTargetKT = check.gaussian;
}

void ScaleScan::runEdgeCheck(Platform& platform, int index) {
    CoarseGrainer grainer = getEdgeSettings(index);
    recordEdgeCheck(index, samplePoint(grainer, platform));
}

const ScaleScanPoint& ScaleScan::getEdgePoint(int index) const {
    if (index < 0 || index >= (int) points.size() || !points[index].edgeChecked)
        throw OpenMMException("ScaleScan.getEdgePoint: point "+to_string(index)+" was not checked at kT* (only the steps at a "
                              "level's large-step edge are: ScaleScanPoint::edgeChecked)");
    return edgePoints[index];
}

ScaleScanRun ScaleScan::samplePoint(CoarseGrainer& pointSettings, Platform& platform) {
    ScaleScanRun result;
    try {
        result.statistics = pointSettings.sampleIsotropic(platform, pointSettings.getFriction());
    }
    catch (const UnstableRunException&) {
        // An explosion is a result of the scan (the step is too large for the coarse scale), not an error.
        result.exploded = true;
    }
    return result;
}

void ScaleScan::recordPoint(int index, const ScaleScanRun& run) {
    storePoint(index, run.exploded ? NULL : &run.statistics, "ScaleScan.recordPoint");
}

void ScaleScan::runPoint(Platform& platform, int index) {
    CoarseGrainer grainer = getPointSettings(index);
    recordPoint(index, samplePoint(grainer, platform));
}

const vector<ScaleScanPoint>& ScaleScan::run(Platform& platform) {
    if (stepSizes.empty())
        throw OpenMMException("ScaleScan.run: set the step sizes first (setStepSizes or setStepSizeRange)");
    points.clear();
    for (int i = 0; i < (int) stepSizes.size(); i++)
        runPoint(platform, i);
    classifyPoints();
    // Each check is of a point not checked before, so this ends within the number of points.
    for (vector<int> due = getEdgeChecks(); !due.empty(); due = getEdgeChecks())
        for (int i : due)
            runEdgeCheck(platform, i);
    return points;
}
