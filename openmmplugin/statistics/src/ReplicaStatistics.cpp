#include "ReplicaStatistics.h"
#include "openmm/OpenMMException.h"
#include <algorithm>
#include <sstream>

using namespace EffPot;
using OpenMM::OpenMMException;
using namespace std;

ReplicaStatistics::ReplicaStatistics() : dimensions(0), numGroups(0), numBatches(0), maxStoredSamples(0), outside(0),
        frozenReplicas(0), discardedSamples(0) {
}

ReplicaStatistics::ReplicaStatistics(int dimensions, int numGroups, int numBatches, const RegularGrid& grid, int maxStoredSamples) :
        dimensions(dimensions), numGroups(numGroups), numBatches(numBatches), maxStoredSamples(maxStoredSamples), grid(grid),
        outside(0), frozenReplicas(0), discardedSamples(0) {
    if (dimensions < 1 || dimensions > 3)
        throw OpenMMException("ReplicaStatistics: dimensions must be 1, 2 or 3");
    if (numGroups < 1 || numBatches < 1)
        throw OpenMMException("ReplicaStatistics: numGroups and numBatches must be at least 1");
    if (grid.getDimensions() != 0 && grid.getDimensions() != dimensions)
        throw OpenMMException("ReplicaStatistics: the histogram grid must have as many dimensions as the statistics");
    // Sizes that could not be allocated (or would overflow an int) are refused before anything is allocated.
    if ((double) numGroups*numBatches*dimensions*dimensions > 1e7 || maxStoredSamples < 0 ||
            (double) maxStoredSamples*dimensions > 1e8 || (double) numBatches*max(1, grid.getNumBins()) > 5e7)
        throw OpenMMException("ReplicaStatistics: the accumulator would be too large (numGroups x numBatches x d^2 = "+
                              to_string((double) numGroups*numBatches*dimensions*dimensions)+", at most 1e7; numBatches x bins "
                              "at most 5e7; maxStoredSamples x d at most 1e8, non-negative): use fewer groups, batches or bins");
    counts.assign(numGroups*numBatches, 0);
    quadraticSums.assign(numGroups*numBatches, 0.0);
    secondMoments.assign(numGroups*numBatches*dimensions*dimensions, 0.0);
    driftCounts.assign(numGroups*numBatches, 0);
    driftSecondMoments.assign(numGroups*numBatches*dimensions*dimensions, 0.0);
    powerSums.assign(numGroups, vector<double>(4*dimensions, 0.0));
    storedMomenta.assign(numGroups, vector<double>());
    if (grid.getDimensions() > 0)
        histograms.assign(numBatches, vector<long long>(grid.getNumBins(), 0));
}

void ReplicaStatistics::checkGroup(int group, const char* method) const {
    if (group < 0 || group >= numGroups)
        throw OpenMMException("ReplicaStatistics."+string(method)+": group "+to_string(group)+" is out of range (there are "+
                              to_string(numGroups)+" groups)");
}

void ReplicaStatistics::checkHistogram(int batch) const {
    if (histograms.empty())
        throw OpenMMException("ReplicaStatistics.getHistogram: these statistics keep no histogram (no grid was given)");
    if (batch < 0 || batch >= (int) histograms.size())
        throw OpenMMException("ReplicaStatistics.getHistogram: batch "+to_string(batch)+" is out of range (there are "+
                              to_string(histograms.size())+" batches)");
}

void ReplicaStatistics::check(int group, int batch) const {
    if (group < 0 || group >= numGroups || batch < 0 || batch >= numBatches) {
        stringstream msg;
        msg<<"ReplicaStatistics: group "<<group<<" or batch "<<batch<<" out of range ("<<numGroups<<" groups, "<<numBatches<<" batches)";
        throw OpenMMException(msg.str());
    }
}

namespace {

// addMomentum's sums for d = D known at compile time: the sampler calls it for every replica and sample, and the
// generic loops (d at run time, every sum through memory that might alias p) cost as much as a fused step. Each
// sum receives the same additions in the same order as in a loop over i, j, so the results are the same bit for bit.
template <int D>
void addMomentumSums(const double* p, const double* design, double* second, double& quadraticSum, double* sums) {
    double quadratic = 0;
    for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++) {
            double product = p[i]*p[j];
            second[i*D+j] += product;
            quadratic += (design == NULL ? (i == j ? product : 0.0) : design[i*D+j]*product);
        }
    quadraticSum += quadratic;
    for (int i = 0; i < D; i++) {
        double x = p[i], x2 = x*x;
        sums[i] += x;
        sums[D+i] += x2;
        sums[2*D+i] += x2*x;
        sums[3*D+i] += x2*x2;
    }
}

} // namespace

void ReplicaStatistics::addMomentum(int group, int batch, const double* p, const double* design) {
    check(group, batch);
    int d = dimensions, index = group*numBatches+batch;
    counts[index]++;
    double* second = &secondMoments[index*d*d];
    double* sums = powerSums[group].data();
    if (d == 1)
        addMomentumSums<1>(p, design, second, quadraticSums[index], sums);
    else if (d == 2)
        addMomentumSums<2>(p, design, second, quadraticSums[index], sums);
    else
        addMomentumSums<3>(p, design, second, quadraticSums[index], sums);
}

void ReplicaStatistics::addDriftMomentum(int group, int batch, const double* p) {
    check(group, batch);
    int d = dimensions, index = group*numBatches+batch;
    driftCounts[index]++;
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            driftSecondMoments[index*d*d+i*d+j] += p[i]*p[j];
}

void ReplicaStatistics::storeMomentum(int group, const double* p) {
    check(group, 0);
    vector<double>& stored = storedMomenta[group];
    if ((int) stored.size() < maxStoredSamples*dimensions)
        stored.insert(stored.end(), p, p+dimensions);
}

void ReplicaStatistics::addPosition(int batch, const double* q) {
    check(0, batch);
    if (!hasHistogram())
        throw OpenMMException("ReplicaStatistics.addPosition: these statistics keep no histogram (no grid was given)");
    int bin = grid.findBin(q);
    if (bin < 0)
        outside++;
    else
        histograms[batch][bin]++;
}

void ReplicaStatistics::addFrozen(long long replicas, long long discarded) {
    if (replicas < 0 || discarded < 0)
        throw OpenMMException("ReplicaStatistics.addFrozen: the counts must not be negative");
    frozenReplicas += replicas;
    discardedSamples += discarded;
}

void ReplicaStatistics::merge(const ReplicaStatistics& other) {
    if (other.dimensions != dimensions || other.numGroups != numGroups || other.numBatches != numBatches ||
            !(other.grid == grid) || other.maxStoredSamples != maxStoredSamples)
        throw OpenMMException("ReplicaStatistics.merge: the two accumulators have different dimensions, groups, batches or grids");
    for (int i = 0; i < (int) counts.size(); i++) {
        counts[i] += other.counts[i];
        quadraticSums[i] += other.quadraticSums[i];
    }
    for (int i = 0; i < (int) secondMoments.size(); i++) {
        secondMoments[i] += other.secondMoments[i];
        driftSecondMoments[i] += other.driftSecondMoments[i];
    }
    for (int i = 0; i < (int) driftCounts.size(); i++)
        driftCounts[i] += other.driftCounts[i];
    for (int g = 0; g < numGroups; g++) {
        for (int i = 0; i < 4*dimensions; i++)
            powerSums[g][i] += other.powerSums[g][i];
        vector<double>& stored = storedMomenta[g];
        const vector<double>& more = other.storedMomenta[g];
        size_t room = maxStoredSamples*dimensions-min(stored.size(), (size_t) maxStoredSamples*dimensions);
        stored.insert(stored.end(), more.begin(), more.begin()+min(room, more.size()));
    }
    for (int b = 0; b < (int) histograms.size(); b++)
        for (int i = 0; i < (int) histograms[b].size(); i++)
            histograms[b][i] += other.histograms[b][i];
    outside += other.outside;
    frozenReplicas += other.frozenReplicas;
    discardedSamples += other.discardedSamples;
}

void ReplicaStatistics::appendGroups(const ReplicaStatistics& other) {
    if (other.dimensions != dimensions || other.numBatches != numBatches || hasHistogram() || other.hasHistogram())
        throw OpenMMException("ReplicaStatistics.appendGroups: both accumulators need the same dimensions and batches, and no histogram");
    if ((double) (numGroups+other.numGroups)*numBatches*dimensions*dimensions > 1e7)
        throw OpenMMException("ReplicaStatistics.appendGroups: the accumulator would be too large (groups x batches x d^2 at most 1e7)");
    // Every per-group array is group-major: appending is concatenation.
    counts.insert(counts.end(), other.counts.begin(), other.counts.end());
    quadraticSums.insert(quadraticSums.end(), other.quadraticSums.begin(), other.quadraticSums.end());
    secondMoments.insert(secondMoments.end(), other.secondMoments.begin(), other.secondMoments.end());
    driftCounts.insert(driftCounts.end(), other.driftCounts.begin(), other.driftCounts.end());
    driftSecondMoments.insert(driftSecondMoments.end(), other.driftSecondMoments.begin(), other.driftSecondMoments.end());
    powerSums.insert(powerSums.end(), other.powerSums.begin(), other.powerSums.end());
    for (const vector<double>& stored : other.storedMomenta) {
        // Each group keeps at most this accumulator's number of samples.
        size_t kept = min(stored.size(), (size_t) maxStoredSamples*dimensions);
        storedMomenta.push_back(vector<double>(stored.begin(), stored.begin()+kept));
    }
    numGroups += other.numGroups;
    outside += other.outside;
    frozenReplicas += other.frozenReplicas;
    discardedSamples += other.discardedSamples;
}

long long ReplicaStatistics::getCount(int group, int batch) const {
    check(group, batch);
    return counts[group*numBatches+batch];
}

long long ReplicaStatistics::getGroupCount(int group) const {
    long long total = 0;
    for (int b = 0; b < numBatches; b++)
        total += getCount(group, b);
    return total;
}

double ReplicaStatistics::getQuadraticSum(int group, int batch) const {
    check(group, batch);
    return quadraticSums[group*numBatches+batch];
}

vector<double> ReplicaStatistics::getSecondMomentSums(int group, int batch) const {
    check(group, batch);
    int d2 = dimensions*dimensions, index = group*numBatches+batch;
    return vector<double>(secondMoments.begin()+index*d2, secondMoments.begin()+(index+1)*d2);
}

vector<double> ReplicaStatistics::getDriftSecondMomentSums(int group, int batch) const {
    check(group, batch);
    int d2 = dimensions*dimensions, index = group*numBatches+batch;
    return vector<double>(driftSecondMoments.begin()+index*d2, driftSecondMoments.begin()+(index+1)*d2);
}

long long ReplicaStatistics::getDriftCount(int group, int batch) const {
    check(group, batch);
    return driftCounts[group*numBatches+batch];
}

void ReplicaStatistics::setRawState(const vector<long long>& counts, const vector<double>& quadraticSums,
        const vector<double>& secondMoments, const vector<vector<double> >& powerSums, const vector<vector<double> >& storedMomenta,
        const vector<vector<long long> >& histograms, long long outside, const vector<long long>& driftCounts,
        const vector<double>& driftSecondMoments) {
    if (counts.size() != this->counts.size() || quadraticSums.size() != this->quadraticSums.size() ||
            secondMoments.size() != this->secondMoments.size() || powerSums.size() != this->powerSums.size() ||
            storedMomenta.size() != this->storedMomenta.size() || histograms.size() != this->histograms.size() ||
            driftCounts.size() != this->driftCounts.size() || driftSecondMoments.size() != this->driftSecondMoments.size())
        throw OpenMMException("ReplicaStatistics.setRawState: the state does not match this accumulator's layout");
    for (const vector<double>& sums : powerSums)
        if ((int) sums.size() != 4*dimensions)
            throw OpenMMException("ReplicaStatistics.setRawState: PowerSums must have 4 d entries per group");
    for (const vector<double>& stored : storedMomenta)
        if (stored.size()%dimensions != 0 || (int) stored.size() > maxStoredSamples*dimensions)
            throw OpenMMException("ReplicaStatistics.setRawState: StoredMomenta must hold whole d-vectors, at most maxStoredSamples");
    for (const vector<long long>& histogram : histograms)
        if ((int) histogram.size() != grid.getNumBins())
            throw OpenMMException("ReplicaStatistics.setRawState: each Histogram must have one count per bin of the grid");
    this->counts = counts;
    this->quadraticSums = quadraticSums;
    this->secondMoments = secondMoments;
    this->powerSums = powerSums;
    this->storedMomenta = storedMomenta;
    this->histograms = histograms;
    this->outside = outside;
    this->driftCounts = driftCounts;
    this->driftSecondMoments = driftSecondMoments;
}
