// Basins of U that have not exchanged replicas often enough (BasinMixing.h; docs/theory.md section 6).
#include "internal/BasinMixing.h"
#include "internal/NumberText.h"
#include <cmath>
#include <map>
#include <sstream>

using namespace EffPot;
using namespace std;

namespace {

// The basin of each bin: the local minimum of U (at bin centres) that steepest descent over the 3^d - 1
// neighbours reaches. Ties go to the lower index, so that a level stretch (a symmetric well's two central bins) is
// one basin, and every path ends: each move lowers (energy, index).
vector<int> basinsOf(const RegularGrid& grid, const vector<double>& energy) {
    int d = grid.getDimensions(), numBins = grid.getNumBins();
    const vector<int>& bins = grid.getBins();
    vector<int> lowest(numBins);
    for (int i = 0; i < numBins; i++) {
        int index[3] = {i%bins[0], d > 1 ? (i/bins[0])%bins[1] : 0, d > 2 ? i/(bins[0]*bins[1]) : 0};
        int best = i, neighbours = (d == 1 ? 3 : d == 2 ? 9 : 27);
        for (int k = 0; k < neighbours; k++) {
            int offset[3] = {k%3-1, d > 1 ? (k/3)%3-1 : 0, d > 2 ? k/9-1 : 0};
            int j = 0, stride = 1;
            bool inside = true;
            for (int a = 0; a < d; a++) {
                int n = index[a]+offset[a];
                inside = inside && n >= 0 && n < bins[a];
                j += n*stride;
                stride *= bins[a];
            }
            if (inside && (energy[j] < energy[best] || (energy[j] == energy[best] && j < best)))
                best = j;
        }
        lowest[i] = best;
    }
    vector<int> basin(numBins);
    for (int i = 0; i < numBins; i++) {
        int j = i;
        while (lowest[j] != j)
            j = lowest[j];
        basin[i] = j;
    }
    return basin;
}

// The correlation time tau (in units of the window T) of an exponentially correlated indicator whose average over
// the window has the variance of `independent` independent samples: Var = p (1 - p) f(x), x = tau / T, with
// f(x) = 2 x (1 - x (1 - exp(-1/x))), which rises from 0 to 1. A replica that never leaves its basin gives
// f = 1 (one sample): tau is then unbounded. (tau = T / (2 m), the long-window limit, underestimated it 1.4 times
// at m = 2.3, where a double well's replicas crossed about twice per window.)
double windowsPerCorrelationTime(double independent) {
    if (!(independent > 1))
        return INFINITY;
    auto f = [](double x) { return 2*x*(1-x*(-expm1(-1/x))); };
    double low = 0, high = 1;
    while (f(high) < 1/independent && high < 1e12)
        high *= 2;
    for (int i = 0; i < 100; i++) {
        double middle = 0.5*(low+high);
        (f(middle) < 1/independent ? low : high) = middle;
    }
    return 0.5*(low+high);
}


} // namespace

BasinMixing::Basin BasinMixing::slowest(const ReplicaStatistics& sampling, const EffectivePotential& potential,
                                         double replicasPerBatch, double equilibrationTime, double samplingTime) {
    Basin slowest;
    int batches = sampling.getNumBatches();
    // A variance from fewer than five batches is too uncertain to call a basin slow (its relative error is
    // sqrt(2/(B-1)): 35% with the default ten).
    if (!sampling.hasHistogram() || batches < 5 || !(replicasPerBatch > 0) || !(samplingTime > 0))
        return slowest;
    const RegularGrid& grid = sampling.getGrid();
    int numBins = grid.getNumBins(), d = grid.getDimensions();
    vector<double> energy(numBins);
    double center[3];
    for (int i = 0; i < numBins; i++) {
        grid.getBinCenter(i, center);
        energy[i] = potential.evaluate(center);
    }
    vector<int> basin = basinsOf(grid, energy);
    // Each basin's count per batch, and each batch's count in the grid.
    map<int, vector<double> > counts;
    vector<double> perBatch(batches, 0.0);
    for (int b = 0; b < batches; b++) {
        const vector<long long>& histogram = sampling.getHistogram(b);
        for (int i = 0; i < numBins; i++)
            if (histogram[i] > 0) {
                vector<double>& c = counts[basin[i]];
                c.resize(batches, 0.0);
                c[b] += histogram[i];
                perBatch[b] += histogram[i];
            }
    }
    double total = 0;
    for (double n : perBatch)
        total += n;
    for (int b = 0; b < batches; b++)
        if (perBatch[b] == 0)
            return slowest;
    for (auto& entry : counts) {
        const vector<double>& c = entry.second;
        double share = 0, mean = 0, squares = 0;
        for (int b = 0; b < batches; b++) {
            share += c[b];
            double f = c[b]/perBatch[b];
            mean += f;
            squares += f*f;
        }
        share /= total;
        if (share < 0.01 || share > 0.99)
            continue;
        mean /= batches;
        double variance = (squares/batches-mean*mean)*batches/(batches-1.0);
        if (!(variance > 0))
            continue;
        // Independent samples of the basin indicator per replica, and the correlation time that gives.
        double independent = share*(1-share)/(replicasPerBatch*variance);
        double x = windowsPerCorrelationTime(independent), tau = x*samplingTime;
        double memory = (isinf(x) ? 1.0 : exp(-equilibrationTime/tau)*x*(-expm1(-1/x)));
        if (slowest.minimum.empty() || independent < slowest.independentSamples) {
            grid.getBinCenter(entry.first, center);
            slowest.minimum.assign(center, center+d);
            slowest.share = share;
            slowest.correlationTime = tau;
            slowest.memory = memory;
            slowest.independentSamples = independent;
        }
    }
    return slowest;
}

string BasinMixing::note(const Basin& basin, double equilibrationTime, double samplingTime) {
    if (basin.minimum.empty() || (basin.memory < 0.05 && basin.independentSamples >= 2))
        return "";
    stringstream note;
    note<<"the basin of U at (";
    for (size_t i = 0; i < basin.minimum.size(); i++)
        note<<(i == 0 ? "" : ", ")<<numberText(basin.minimum[i], 3);
    note<<"), holding "<<numberText(100*basin.share, 3)<<"% of the samples, exchanges replicas with the other basins too "
          "rarely for their weights to forget the starts: the spread of its share over the replica batches is that of "<<
          numberText(basin.independentSamples, 3)<<" independent samples per replica, ";
    if (basin.independentSamples < 2)
        note<<"so its replicas stay for about the sampling window ("<<numberText(samplingTime, 3)<<" ps) or longer, and "
              "no equilibration can be shown to have been long enough. ";
    else
        note<<"a correlation time of about "<<numberText(basin.correlationTime, 3)<<" ps against "<<numberText(equilibrationTime, 3)<<
              " ps of equilibration and "<<numberText(samplingTime, 3)<<" ps of sampling, which leaves "<<
              numberText(100*basin.memory, 3)<<"% of the starts' imbalance between the basins in the histogram. ";
    note<<"Unless the starts were spread over the basins in their equilibrium proportions, the differences of U "
          "between basins can be off by more than their error bands, which do not include this. Equilibrate for "
          "several correlation times (setNumEquilibrationSteps), sample longer (setNumSteps"<<
          (basin.minimum.size() > 1 ? ", setNumStage2Steps" : "")<<"), or spread the starts (setInitialPositions).";
    return note.str();
}
