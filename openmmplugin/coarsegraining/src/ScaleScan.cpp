#include "ScaleScan.h"
#include "CoarseGrainer.h"
#include "ReplicaSystem.h"
#include "UnstableRunException.h"
#include "NormalityTests.h"
#include "openmm/OpenMMException.h"
#include <algorithm>
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

} // namespace

ScaleScan::ScaleScan(const string& energy, int dimensions) : settings(checkedEnergy(energy, dimensions), dimensions),
        dimensions(dimensions), frictionFactor(2.0), maxSkewness(0.1), maxExcessKurtosis(0.2) {
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
    measured.clear();
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
    point.gaussian = withinTolerance && !point.frozen && !point.exploded;
}

vector<ScaleScanLevel> ScaleScan::groupLevels(const vector<ScaleScanPoint>& points) {
    vector<ScaleScanLevel> levels;
    size_t i = 0;
    while (i < points.size()) {
        if (!points[i].gaussian) {
            i++;
            continue;
        }
        size_t j = i;
        while (j+1 < points.size() && points[j+1].gaussian)
            j++;
        ScaleScanLevel level;
        level.smallest = points[i].stepSize;
        level.largest = points[j].stepSize;
        level.recommended = sqrt(level.smallest*level.largest);
        level.numPoints = j-i+1;
        levels.push_back(level);
        i = j+1;
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

ScaleScanPoint& ScaleScan::pointToSet(int index) {
    if (index < 0 || index >= (int) stepSizes.size())
        throw OpenMMException("ScaleScan: point index "+to_string(index)+" is not one of the "+to_string(stepSizes.size())+" step sizes");
    if (points.size() != stepSizes.size()) {
        points.assign(stepSizes.size(), ScaleScanPoint());
        measured.assign(stepSizes.size(), false);
    }
    ScaleScanPoint& point = points[index];
    point.stepSize = stepSizes[index];
    point.friction = frictionFactor*stepSizes[index];
    point.kT = 0;
    point.exploded = false;
    point.frozen = point.gaussian = false;
    point.frozenReplicas = 0;
    measured[index] = true;
    return point;
}

void ScaleScan::setPointStatistics(int index, const ReplicaStatistics& statistics) {
    int d = dimensions;
    if (statistics.getDimensions() != d || statistics.getNumGroups() != 1)
        throw OpenMMException("ScaleScan.setPointStatistics: give the statistics of CoarseGrainer.sampleIsotropic for this scan");
    ScaleScanPoint& point = pointToSet(index);
    long long count = statistics.getGroupCount(0);
    double trace = 0;
    for (int b = 0; b < statistics.getNumBatches(); b++) {
        vector<double> sums = statistics.getSecondMomentSums(0, b);
        for (int k = 0; k < d; k++)
            trace += sums[k*d+k];
    }
    point.kT = trace/(count*d);
    point.frozenReplicas = statistics.getNumFrozenReplicas();
    NormalityTests::momentsFromPowerSums(statistics.getPowerSums(0), d, count, point.skewness, point.excessKurtosis);
    const vector<double>& stored = statistics.getStoredMomenta(0);
    point.dagostinoPValue.clear();
    if ((int) stored.size() >= 20*d)
        point.dagostinoPValue = NormalityTests::test(stored, d).dagostinoPValue;
}

void ScaleScan::setPointExploded(int index) {
    ScaleScanPoint& point = pointToSet(index);
    point.exploded = true;
    point.skewness.assign(dimensions, NAN);
    point.excessKurtosis.assign(dimensions, NAN);
    point.dagostinoPValue.clear();
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
    for (ScaleScanPoint& point : points)
        classify(point, kTScale, maxSkewness, maxExcessKurtosis);
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
    if (run.exploded)
        setPointExploded(index);
    else
        setPointStatistics(index, run.statistics);
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
    return points;
}
