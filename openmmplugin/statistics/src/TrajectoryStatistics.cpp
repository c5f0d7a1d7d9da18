#include "TrajectoryStatistics.h"
#include "openmm/OpenMMException.h"
#include <algorithm>
#include <cmath>

using namespace EffPot;
using OpenMM::OpenMMException;
using namespace std;

TrajectoryStatistics::TrajectoryStatistics(int numTrajectories, int dimensions, int maxLag, int numTimes) :
        numTrajectories(numTrajectories), dimensions(dimensions), maxLag(maxLag), numTimes(numTimes), numSamples(0) {
    if (numTrajectories < 1 || dimensions < 1 || maxLag < 0 || numTimes < 0)
        throw OpenMMException("TrajectoryStatistics: numTrajectories and dimensions must be positive, maxLag and numTimes non-negative");
    if ((maxLag+1.0)*numTrajectories*dimensions > 5e7 || (double) numTimes*dimensions > 5e7)
        throw OpenMMException("TrajectoryStatistics: the accumulator would be too large ((maxLag + 1) x numTrajectories x "
                              "dimensions and numTimes x dimensions at most 5e7 each): use fewer lags, trajectories per "
                              "accumulator (more batches) or times");
    history.assign((maxLag+1)*numTrajectories*dimensions, 0.0);
    laggedProducts.assign((maxLag+1)*dimensions, 0.0);
    laggedEarly.assign((maxLag+1)*dimensions, 0.0);
    laggedLate.assign((maxLag+1)*dimensions, 0.0);
    laggedCount.assign(maxLag+1, 0.0);
    total.assign(dimensions, 0.0);
    pathSum.assign(numTimes*dimensions, 0.0);
    pathSquares.assign(numTimes*dimensions, 0.0);
}

void TrajectoryStatistics::addSample(const vector<double>& values) {
    int d = dimensions, width = numTrajectories*d;
    if (history.empty())
        throw OpenMMException("TrajectoryStatistics.addSample: a merged accumulator summarizes finished runs and takes no samples");
    if ((int) values.size() != width)
        throw OpenMMException("TrajectoryStatistics.addSample: give numTrajectories x dimensions values");
    int n = numSamples, slot = n%(maxLag+1);
    copy(values.begin(), values.end(), history.begin()+slot*width);
    // Pairs (x(n-m), x(n)) for every lag the history covers.
    for (int m = 0; m <= min(maxLag, n); m++) {
        const double* early = &history[((n-m)%(maxLag+1))*width];
        for (int t = 0; t < numTrajectories; t++)
            for (int c = 0; c < d; c++) {
                double late = values[t*d+c], before = early[t*d+c];
                laggedProducts[m*d+c] += late*before;
                laggedEarly[m*d+c] += before;
                laggedLate[m*d+c] += late;
            }
        laggedCount[m] += numTrajectories;
    }
    for (int t = 0; t < numTrajectories; t++)
        for (int c = 0; c < d; c++) {
            double x = values[t*d+c];
            total[c] += x;
            if (n < numTimes) {
                pathSum[n*d+c] += x;
                pathSquares[n*d+c] += x*x;
            }
        }
    numSamples++;
}

vector<double> TrajectoryStatistics::getMeanPath() const {
    vector<double> mean(numTimes*dimensions, 0.0);
    for (int n = 0; n < min(numTimes, numSamples); n++)
        for (int c = 0; c < dimensions; c++)
            mean[n*dimensions+c] = pathSum[n*dimensions+c]/numTrajectories;
    return mean;
}

vector<double> TrajectoryStatistics::getPathSpread() const {
    vector<double> spread(numTimes*dimensions, 0.0);
    for (int n = 0; n < min(numTimes, numSamples); n++)
        for (int c = 0; c < dimensions; c++) {
            double mean = pathSum[n*dimensions+c]/numTrajectories;
            double variance = pathSquares[n*dimensions+c]/numTrajectories-mean*mean;
            spread[n*dimensions+c] = sqrt(max(0.0, variance*numTrajectories/max(1, numTrajectories-1)));
        }
    return spread;
}

vector<double> TrajectoryStatistics::getNormalizedAutocorrelation() const {
    int d = dimensions;
    if (numSamples < 2)
        throw OpenMMException("TrajectoryStatistics.getNormalizedAutocorrelation: at least 2 samples are needed");
    vector<double> acf((maxLag+1)*d, 0.0);
    for (int c = 0; c < d; c++) {
        double mean = total[c]/((double) numSamples*numTrajectories);
        // sum (a - mean)(b - mean) = sum ab - mean (sum a + sum b) + count mean^2, divided by the pair count.
        auto covariance = [&](int m) {
            return (laggedProducts[m*d+c]-mean*(laggedEarly[m*d+c]+laggedLate[m*d+c]))/laggedCount[m]+mean*mean;
        };
        double c0 = covariance(0);
        for (int m = 0; m <= maxLag; m++)
            acf[m*d+c] = (laggedCount[m] > 0 && c0 > 0 ? covariance(m)/c0 : NAN);
    }
    return acf;
}

void TrajectoryStatistics::merge(const TrajectoryStatistics& other) {
    if (other.dimensions != dimensions || other.maxLag != maxLag || other.numTimes != numTimes || other.numSamples != numSamples)
        throw OpenMMException("TrajectoryStatistics.merge: the accumulators differ in dimensions, lags, times or samples");
    for (size_t i = 0; i < laggedProducts.size(); i++) {
        laggedProducts[i] += other.laggedProducts[i];
        laggedEarly[i] += other.laggedEarly[i];
        laggedLate[i] += other.laggedLate[i];
    }
    for (size_t i = 0; i < laggedCount.size(); i++)
        laggedCount[i] += other.laggedCount[i];
    for (int c = 0; c < dimensions; c++)
        total[c] += other.total[c];
    // The mean path is over all trajectories of both: re-weight the per-trajectory sums.
    for (size_t i = 0; i < pathSum.size(); i++) {
        pathSum[i] += other.pathSum[i];
        pathSquares[i] += other.pathSquares[i];
    }
    numTrajectories += other.numTrajectories;
    history.clear(); // a merged accumulator summarizes; it cannot take further samples
}

vector<double> TrajectoryStatistics::getState() const {
    vector<double> state = {(double) numTrajectories, (double) numSamples};
    for (const vector<double>* part : {&laggedProducts, &laggedEarly, &laggedLate, &laggedCount, &total, &pathSum, &pathSquares})
        state.insert(state.end(), part->begin(), part->end());
    return state;
}

TrajectoryStatistics TrajectoryStatistics::fromState(int dimensions, int maxLag, int numTimes, const vector<double>& state) {
    if (state.size() < 2)
        throw OpenMMException("TrajectoryStatistics.fromState: the state is empty");
    TrajectoryStatistics statistics((int) state[0], dimensions, maxLag, numTimes);
    statistics.numSamples = (int) state[1];
    size_t position = 2;
    for (vector<double>* part : {&statistics.laggedProducts, &statistics.laggedEarly, &statistics.laggedLate,
                                 &statistics.laggedCount, &statistics.total, &statistics.pathSum, &statistics.pathSquares}) {
        if (position+part->size() > state.size())
            throw OpenMMException("TrajectoryStatistics.fromState: the state does not match dimensions, maxLag and numTimes");
        copy(state.begin()+position, state.begin()+position+part->size(), part->begin());
        position += part->size();
    }
    if (position != state.size())
        throw OpenMMException("TrajectoryStatistics.fromState: the state does not match dimensions, maxLag and numTimes");
    statistics.history.clear(); // a finished run: it merges, it takes no samples
    return statistics;
}
