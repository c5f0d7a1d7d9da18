// How fine the fitted histogram is: PotentialFitter::chooseCoarsening and the coarsening it chooses between.
#include "PotentialFitter.h"
#include "openmm/OpenMMException.h"
#include <algorithm>
#include <cmath>
#include <string>

using namespace EffPot;
using OpenMM::OpenMMException;
using namespace std;

namespace {

// The bin of the grid coarsened by `factor` that holds bin i of the grid with `bins` per dimension (x fastest).
int coarseBin(const vector<int>& bins, int i, int factor) {
    int coarse = 0, stride = 1;
    for (int n : bins) {
        coarse += stride*((i%n)/factor);
        i /= n;
        stride *= n/factor;
    }
    return coarse;
}

} // namespace

RegularGrid PotentialFitter::coarsenGrid(const RegularGrid& grid, int factor) {
    vector<int> bins;
    for (int n : grid.getBins()) {
        if (n%factor != 0)
            throw OpenMMException("PotentialFitter: a grid coarsening of "+to_string(factor)+" does not divide the "+to_string(n)+
                                  " recorded bins of a dimension: use a factor that divides every dimension's bin count");
        bins.push_back(n/factor);
    }
    return RegularGrid(grid.getLower(), grid.getUpper(), bins);
}

vector<long long> PotentialFitter::coarsenCounts(const RegularGrid& grid, const vector<long long>& counts, int factor) {
    vector<long long> result(coarsenGrid(grid, factor).getNumBins(), 0);
    for (int i = 0; i < (int) counts.size(); i++)
        result[coarseBin(grid.getBins(), i, factor)] += counts[i];
    return result;
}

int PotentialFitter::chooseCoarsening(const RegularGrid& grid, const vector<vector<long long> >& batches, double kT,
                                      vector<pair<int, double> >& scores, double& smoothingChoice, double& spacingChoice,
                                      vector<pair<double, double> >& ubreScores) const {
    // The histogram bin is a resolution: too fine and the minimum-count mask and the knots (a few bins apart) chase
    // noise, too coarse and sharp wells are averaged away. The unbiased risk estimate that picks knots and penalty
    // compares fits of one data set, so it cannot compare binnings. Held-out replica batches can: fit on the other
    // batches at each coarsening and score the held-out samples' positions, counted in the recorded (finest) bins,
    // by the fitted density normalised over the region every candidate supports. Replica batches are independent,
    // so the held-out batches are a fair test of what the fit will meet.
    int numBatches = batches.size(), numBins = grid.getNumBins();
    int folds = min(5, numBatches);
    vector<int> factors;
    for (int factor = 1; factor <= 4; factor++) {
        bool divides = true;
        for (int n : grid.getBins())
            divides &= (n%factor == 0 && n/factor >= 4);
        if (divides)
            factors.push_back(factor);
    }
    if (folds < 2 || factors.size() < 2)
        return 1;
    vector<long long> total(numBins, 0);
    for (const vector<long long>& histogram : batches)
        for (int i = 0; i < numBins; i++)
            total[i] += histogram[i];
    const vector<int>& bins = grid.getBins();
    // A grid must fit where the samples are: its support (coarse bins with the minimum count) must hold 99% of
    // them. A fine grid on few samples fails this, and its fit would leave the sparse edge to extrapolation (P4
    // with 100 replicas on 96 x 96 bins: 0.15 kT off there). It must also have the 4^d supported bins a cubic
    // spline needs. If no factor passes both, the one whose support holds the most samples is taken alone.
    long long all = 0;
    for (long long n : total)
        all += n;
    int needed = 1;
    for (int k = 0; k < grid.getDimensions(); k++)
        needed *= 4;
    vector<int> allowed;
    int mostCovering = -1;
    double mostCovered = -1;
    for (int factor : factors) {
        vector<long long> coarse = coarsenCounts(grid, total, factor);
        long long inside = 0;
        int supportedBins = 0;
        for (long long n : coarse)
            if (n >= minBinCount) {
                inside += n;
                supportedBins++;
            }
        if (supportedBins < needed)
            continue;
        if (inside >= 0.99*all)
            allowed.push_back(factor);
        if (inside > mostCovered) {
            mostCovered = inside;
            mostCovering = factor;
        }
    }
    if (allowed.empty())
        return (mostCovering > 0 ? mostCovering : 1); // the fit at that factor makes the knot and penalty choice
    factors = allowed;
    if (factors.size() < 2)
        return factors[0]; // one candidate: no cross-validation
    // The scored region: the recorded bins inside the finest candidate's support (every candidate fits there).
    vector<long long> finestTotal = coarsenCounts(grid, total, factors[0]);
    vector<int> region;
    for (int i = 0; i < numBins; i++)
        if (finestTotal[coarseBin(bins, i, factors[0])] >= minBinCount)
            region.push_back(i);
    // Each factor's knots and penalty are chosen once, on all batches, and reused for its folds: the choice is then
    // part of what is scored, and a fold costs one solve instead of a search.
    vector<double> chosenSmoothing(factors.size(), smoothing), chosenSpacing(factors.size(), knotSpacing);
    vector<vector<pair<double, double> > > ubre(factors.size());
    vector<bool> usable(factors.size(), true);
    for (size_t c = 0; c < factors.size(); c++) {
        vector<vector<long long> > coarseBatches;
        for (const vector<long long>& histogram : batches)
            coarseBatches.push_back(coarsenCounts(grid, histogram, factors[c]));
        vector<int> numBasis;
        try {
            fitCounts(coarsenGrid(grid, factors[c]), coarsenCounts(grid, total, factors[c]), kT, countDispersion(coarseBatches),
                      numBasis, chosenSmoothing[c], chosenSpacing[c], &ubre[c]);
        }
        catch (const OpenMMException&) {
            usable[c] = false;
        }
    }
    vector<bool> fitsAll = usable; // a fit on all batches works at this factor
    double logVolume = log(grid.getBinVolume());
    vector<double> logLikelihood(factors.size(), 0.0);
    double center[3];
    for (int fold = 0; fold < folds; fold++) {
        vector<long long> training(numBins, 0), heldOut(numBins, 0);
        vector<vector<long long> > trainingBatches;
        for (int b = 0; b < numBatches; b++) {
            vector<long long>& target = (b%folds == fold ? heldOut : training);
            for (int i = 0; i < numBins; i++)
                target[i] += batches[b][i];
            if (b%folds != fold)
                trainingBatches.push_back(batches[b]);
        }
        for (size_t c = 0; c < factors.size(); c++) {
            if (!usable[c])
                continue;
            int factor = factors[c];
            vector<vector<long long> > coarseBatches;
            for (const vector<long long>& histogram : trainingBatches)
                coarseBatches.push_back(coarsenCounts(grid, histogram, factor));
            vector<int> numBasis;
            double sameSmoothing = chosenSmoothing[c], sameSpacing = chosenSpacing[c];
            PSplineFit spline({0.0}, {1.0}, {4});
            try {
                spline = fitCounts(coarsenGrid(grid, factor), coarsenCounts(grid, training, factor), kT, countDispersion(coarseBatches),
                                   numBasis, sameSmoothing, sameSpacing, NULL);
            }
            catch (const OpenMMException&) {
                usable[c] = false; // too few supported bins without the held-out batches
                continue;
            }
            // log p_i = -U_i/kT + log V - log sum_j exp(-U_j/kT) V over the region (log-sum-exp).
            vector<double> exponent;
            double largest = -INFINITY;
            for (int i : region) {
                grid.getBinCenter(i, center);
                exponent.push_back(-spline.evaluate(center)/kT);
                largest = max(largest, exponent.back());
            }
            double sum = 0;
            for (double e : exponent)
                sum += exp(e-largest);
            double logNormalisation = largest+log(sum)+logVolume;
            for (size_t k = 0; k < region.size(); k++)
                logLikelihood[c] += heldOut[region[k]]*(exponent[k]+logVolume-logNormalisation);
        }
    }
    int best = -1;
    for (size_t c = 0; c < factors.size(); c++)
        if (usable[c] && (best < 0 || logLikelihood[c] > logLikelihood[best]))
            best = c;
    if (best < 0) {
        // No factor fits without its held-out batches: take the finest that fits all of them (the fit at the
        // recorded bins says why when none does).
        for (size_t c = 0; c < factors.size(); c++)
            if (fitsAll[c]) {
                smoothingChoice = chosenSmoothing[c];
                spacingChoice = chosenSpacing[c];
                ubreScores = ubre[c];
                return factors[c];
            }
        return 1;
    }
    for (size_t c = 0; c < factors.size(); c++)
        if (usable[c])
            scores.push_back(make_pair(factors[c], logLikelihood[c]-logLikelihood[best]));
    smoothingChoice = chosenSmoothing[best];
    spacingChoice = chosenSpacing[best];
    ubreScores = ubre[best];
    return factors[best];
}
