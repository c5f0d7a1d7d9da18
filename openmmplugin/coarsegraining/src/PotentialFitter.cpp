#include "PotentialFitter.h"
#include "internal/BinAverage.h"
#include "openmm/OpenMMException.h"
#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

using namespace EffPot;
using OpenMM::OpenMMException;
using namespace std;

PotentialFitter::PotentialFitter() : knotSpacing(0), smoothing(-1), maxCurvature(0), minBinCount(20), numBootstrap(20), seed(1),
        gridCoarsening(0), progress(NULL) {
}

void PotentialFitter::setGridCoarsening(int factor) {
    if (factor < 0)
        throw OpenMMException("PotentialFitter.setGridCoarsening: the factor must be a positive number of recorded bins "
                              "per fitted bin, or 0 to choose it by held-out likelihood");
    gridCoarsening = factor;
}

void PotentialFitter::setKnotSpacing(double bins) {
    if (!(bins >= 0) || isinf(bins))
        throw OpenMMException("PotentialFitter.setKnotSpacing: the knot spacing must be a positive number of bins, or 0 "
                              "to choose it (3, 4 or 6 bins, by the unbiased risk estimate)");
    // Knots closer than the bins add coefficients the histogram cannot determine: 0.01 bins on 16 x 16 bins meant
    // 2.5 million of them (a fit that did not end), and in 1D a potential of thousands of kJ/mol.
    if (bins > 0 && bins < 1)
        throw OpenMMException("PotentialFitter.setKnotSpacing: "+to_string(bins)+" bins is closer than the histogram "
                              "resolves; give at least 1 bin (finer knots need finer bins: setGridBins), or 0 to choose it");
    knotSpacing = bins;
}

void PotentialFitter::setMaxCurvature(double value) {
    if (!(value >= 0))
        throw OpenMMException("PotentialFitter.setMaxCurvature: the curvature limit must be >= 0 kJ/mol/nm^2 (0: none)");
    maxCurvature = value;
}

void PotentialFitter::setSmoothing(double value) {
    if (isnan(value) || value == INFINITY)
        throw OpenMMException("PotentialFitter.setSmoothing: smoothing must be a finite number (negative: automatic)");
    smoothing = value;
}

void PotentialFitter::setMinBinCount(int count) {
    if (count < 1)
        throw OpenMMException("PotentialFitter.setMinBinCount: the minimum bin count must be at least 1");
    minBinCount = count;
}

void PotentialFitter::setNumBootstrap(int count) {
    if (count < 0 || count == 1)
        throw OpenMMException("PotentialFitter.setNumBootstrap: use 0 (no standard errors) or at least 2 resamples");
    numBootstrap = count;
}

PSplineFit PotentialFitter::fitCounts(const RegularGrid& grid, const vector<long long>& counts, double kT, double dispersion,
        vector<int>& numBasis, double& chosen, double& spacing, vector<pair<double, double> >* scores) const {
    // -kT log(n_b / (N V)) is the log of a bin average of rho, not rho at the bin centre (BinAverage: a Boltzmann
    // inversion on coarse bins comes out flatter than U; P6 on 24^3 bins: 6% too flat, RMSE 0.05 kT). The log of a
    // count is biased too: E[-log n] = -log E[n] + 1/(2 E[n]). So each bin's value gets kT log A_b from the current
    // fit, and the same spline (knots, smoothing) is fitted again, until the values stop changing: the fixed point
    // is a U whose bin averages are the observed ones.
    PSplineFit spline = fitCountsOnce(grid, counts, kT, dispersion, numBasis, chosen, spacing, scores);
    long long total = 0;
    for (long long c : counts)
        total += c;
    // The same points in the same order as fitCountsOnce; the refits reuse its factored normal equations (same
    // weights, knots and penalty).
    vector<double> observed;
    vector<int> fitted;
    for (int b = 0; b < grid.getNumBins(); b++)
        if (counts[b] >= minBinCount) {
            observed.push_back(-kT*log(counts[b]/(total*grid.getBinVolume()))-0.5*kT*dispersion/counts[b]);
            fitted.push_back(b);
        }
    // Each pass shrinks the error of the correction by a factor of about 0.2 on bins 1.25 standard deviations wide
    // (0.45 at 2): converged when no value moves by more than 1e-4 kT. A pass that moves the values more than the one
    // before would be diverging (bins far wider than the fit's curvature allows): the previous fit is kept then.
    const int maxPasses = 12;
    const double tolerance = 1e-4*kT;
    vector<double> values = observed;
    double previousChange = INFINITY;
    for (int pass = 0; pass < maxPasses; pass++) {
        double change = 0;
        for (int k = 0; k < (int) fitted.size(); k++) {
            double corrected = observed[k]+BinAverage::logCorrection(spline, grid, fitted[k], kT);
            change = max(change, fabs(corrected-values[k]));
            values[k] = corrected;
        }
        if (!(change < previousChange) && pass > 0)
            break; // diverging (or stalled at round-off): keep the fit of the previous pass
        spline.refit(values);
        if (change < tolerance)
            break;
        previousChange = change;
    }
    return spline;
}

PSplineFit PotentialFitter::fitCountsOnce(const RegularGrid& grid, const vector<long long>& counts, double kT, double dispersion,
        vector<int>& numBasis, double& chosen, double& spacing, vector<pair<double, double> >* scores) const {
    if (progress != NULL)
        progress->report("fit", 0, 1);
    int d = grid.getDimensions(), numBins = grid.getNumBins();
    long long total = 0;
    for (long long c : counts)
        total += c;
    vector<double> points, values, weights;
    double supportedCount = 0;
    int supported = 0;
    double center[3];
    for (int b = 0; b < numBins; b++) {
        if (counts[b] < minBinCount)
            continue;
        grid.getBinCenter(b, center);
        points.insert(points.end(), center, center+d);
        values.push_back(-kT*log(counts[b]/(total*grid.getBinVolume())));
        weights.push_back(counts[b]/(dispersion*kT*kT)); // inverse variance of -kT log n_b
        supportedCount += counts[b]/(dispersion*kT*kT);
        supported++;
    }
    int needed = 1;
    for (int i = 0; i < d; i++)
        needed *= 4;
    if (supported < needed) {
        stringstream msg;
        msg<<"PotentialFitter.fit: only "<<supported<<" histogram bins hold at least "<<minBinCount<<" samples ("<<needed
           <<" needed to fit a cubic spline): run more steps or replicas, or use fewer bins";
        throw OpenMMException(msg.str());
    }
    double scale = supportedCount/supported;
    vector<double> candidates;
    if (chosen >= 0)
        candidates.push_back(chosen*scale);
    else
        for (int k = -8; k <= 8; k++)
            candidates.push_back(pow(10.0, 0.5*k)*scale);
    // Knots every `spacing` bins, or (spacing <= 0) the spacing among 3, 4 and 6 bins (1D: 2 to 8, cheap there) with
    // the smallest unbiased risk estimate: on the same data it compares fits with different knots as well as penalties.
    vector<double> spacings = (spacing > 0 ? vector<double>{spacing} : d == 1 ? vector<double>{3, 4, 6, 8} : vector<double>{3, 4, 6});
    PSplineFit best({0.0}, {1.0}, {4});
    double bestScore = INFINITY, bestSmoothing = 0;
    for (double candidateSpacing : spacings) {
        vector<int> basis;
        for (int i = 0; i < d; i++)
            basis.push_back(max(4, (int) ceil(grid.getBins()[i]/candidateSpacing)+3));
        PSplineFit spline(grid.getLower(), grid.getUpper(), basis);
        spline.setProgressReporter(progress); // a heartbeat per candidate of the search
        if (candidates.size() == 1 && spacings.size() == 1 && scores == NULL) {
            // Nothing to choose (bootstrap resamples, cross-validation folds): one solve, no risk estimate.
            spline.fit(points, values, weights, candidates[0]);
            spline.setProgressReporter(NULL); // the fit it returns keeps no pointer to this fitter's reporter
            numBasis = basis;
            return spline;
        }
        double smoothingChosen = spline.fitAutomatic(points, values, weights, candidates)/scale;
        if (scores != NULL)
            scores->push_back(make_pair(candidateSpacing, spline.getScore()));
        if (spline.getScore() < bestScore || bestScore == INFINITY) {
            bestScore = spline.getScore();
            best = spline;
            bestSmoothing = smoothingChosen;
            numBasis = basis;
            spacing = candidateSpacing;
        }
    }
    chosen = bestSmoothing;
    best.setProgressReporter(NULL);
    return best;
}

double PotentialFitter::countDispersion(const vector<vector<long long> >& batches) {
    // Overdispersion of the counts from the scatter between replica batches: for independent samples the
    // variance of a batch's count equals its mean; correlated samples (several per relaxation time) inflate it.
    int numBatches = batches.size();
    if (numBatches < 3)
        return 1.0;
    int numBins = batches[0].size();
    vector<double> ratios;
    for (int i = 0; i < numBins; i++) {
        double mean = 0;
        for (int b = 0; b < numBatches; b++)
            mean += batches[b][i];
        mean /= numBatches;
        if (mean < 20)
            continue;
        double sumSquares = 0;
        for (int b = 0; b < numBatches; b++) {
            double deviation = batches[b][i]-mean;
            sumSquares += deviation*deviation;
        }
        ratios.push_back(sumSquares/(numBatches-1)/mean);
    }
    if (ratios.empty())
        return 1.0;
    nth_element(ratios.begin(), ratios.begin()+ratios.size()/2, ratios.end());
    return max(1.0, ratios[ratios.size()/2]);
}

EffectivePotential PotentialFitter::fit(const ReplicaStatistics& statistics, double kT) const {
    if (!statistics.hasHistogram())
        throw OpenMMException("PotentialFitter.fit: the statistics hold no position histogram");
    if (!(kT > 0))
        throw OpenMMException("PotentialFitter.fit: kT must be positive");
    const RegularGrid& recorded = statistics.getGrid();
    int numBatches = statistics.getNumBatches();
    vector<vector<long long> > recordedBatches;
    for (int b = 0; b < numBatches; b++)
        recordedBatches.push_back(statistics.getHistogram(b));
    // The fit's bins: the recorded ones merged `factor` at a time per dimension, the factor fixed or chosen by the
    // held-out likelihood of replica batches (PotentialFitterGrid.cpp).
    vector<pair<int, double> > heldOut;
    vector<int> numBasis;
    double chosenSmoothing = smoothing, chosenSpacing = knotSpacing;
    vector<pair<double, double> > scores;
    int factor = gridCoarsening;
    if (factor == 0) // the cross-validation also makes the knot and penalty choice (and its scores) of the factor
        factor = chooseCoarsening(recorded, recordedBatches, kT, heldOut, chosenSmoothing, chosenSpacing, scores);
    RegularGrid grid = coarsenGrid(recorded, factor);
    vector<vector<long long> > batches;
    for (const vector<long long>& histogram : recordedBatches)
        batches.push_back(coarsenCounts(recorded, histogram, factor));
    int d = grid.getDimensions(), numBins = grid.getNumBins();
    vector<long long> counts(numBins, 0);
    for (int b = 0; b < numBatches; b++)
        for (int i = 0; i < numBins; i++)
            counts[i] += batches[b][i];
    double dispersion = countDispersion(batches);
    PSplineFit spline = fitCounts(grid, counts, kT, dispersion, numBasis, chosenSmoothing, chosenSpacing,
                                  (scores.empty() ? &scores : NULL));
    // Nodes at the bin edges: the table spans the whole histogram box.
    vector<int> nodes;
    for (int i = 0; i < d; i++)
        nodes.push_back(grid.getBins()[i]+1);
    EffectivePotential potential(spline, grid.getLower(), grid.getUpper(), nodes);
    potential.setKT(kT);
    // A node is supported if one of the (up to 2^d) bins it touches is.
    int numNodes = potential.getNumNodes();
    vector<int> supported(numNodes, 0);
    const vector<int>& bins = grid.getBins();
    for (int n = 0; n < numNodes; n++) {
        int index[3] = {0, 0, 0}, rest = n;
        for (int i = 0; i < d; i++) {
            index[i] = rest%nodes[i];
            rest /= nodes[i];
        }
        for (int corner = 0; corner < (1<<d) && !supported[n]; corner++) {
            int bin = 0, stride = 1;
            bool valid = true;
            for (int i = 0; i < d; i++) {
                int j = index[i]-((corner>>i)&1);
                valid &= (j >= 0 && j < bins[i]);
                bin += stride*j;
                stride *= bins[i];
            }
            if (valid && counts[bin] >= minBinCount)
                supported[n] = 1;
        }
    }
    potential.setNodeSupported(supported);
    potential.normalize();
    // The resolution constraint: where the dynamics spends its time (3 kT of the minimum) the fit may not be
    // sharper than the step resolves. Features of larger curvature are real structure of the sampled law at the
    // scale the step turns into noise, not of the potential at the chosen scale; smooth until they are gone.
    double curvature = potential.getMaxCurvature(3*kT);
    double unconstrainedSmoothing = chosenSmoothing;
    // Up to the largest penalty the automatic choice would consider (10^4): beyond it the ridge that keeps the
    // system solvable starts to flatten the fit. A smooth potential sharper than the limit (the step does not
    // resolve the coarse part itself) cannot be smoothed away -- the third-difference penalty leaves quadratics
    // alone -- and is reported by CoarseGrainer's resolution warning instead.
    while (maxCurvature > 0 && curvature > maxCurvature && chosenSmoothing < 1e4) {
        chosenSmoothing = (chosenSmoothing > 0 ? chosenSmoothing*sqrt(10.0) : 1e-4);
        double sameSpacing = chosenSpacing;
        spline = fitCounts(grid, counts, kT, dispersion, numBasis, chosenSmoothing, sameSpacing, NULL);
        potential = EffectivePotential(spline, grid.getLower(), grid.getUpper(), nodes);
        potential.setKT(kT);
        potential.setNodeSupported(supported);
        potential.normalize();
        curvature = potential.getMaxCurvature(3*kT);
    }
    if (numBootstrap >= 2 && numBatches >= 2) {
        // Resample replica batches with replacement and refit; align each refit's additive constant with the fit's
        // mean over supported nodes, then take the spread per node.
        vector<double> reference = potential.getNodeValues();
        double referenceMean = 0;
        int numSupported = 0;
        for (int n = 0; n < numNodes; n++)
            if (supported[n]) {
                referenceMean += reference[n];
                numSupported++;
            }
        referenceMean /= max(1, numSupported);
        mt19937 random(seed);
        int failedResamples = 0;
        uniform_int_distribution<int> pick(0, numBatches-1);
        vector<double> sum(numNodes, 0.0), sumSquares(numNodes, 0.0);
        double point[3];
        for (int r = 0; r < numBootstrap; r++) {
            vector<long long> resampled(numBins, 0);
            for (int b = 0; b < numBatches; b++) {
                const vector<long long>& histogram = batches[pick(random)];
                for (int i = 0; i < numBins; i++)
                    resampled[i] += histogram[i];
            }
            vector<int> unused;
            double sameSmoothing = chosenSmoothing, sameSpacing = chosenSpacing; // the resamples reuse the choices
            PSplineFit refit = spline;
            try {
                refit = fitCounts(grid, resampled, kT, dispersion, unused, sameSmoothing, sameSpacing, NULL);
            }
            catch (const OpenMMException&) {
                failedResamples++; // a resample with too few supported bins: leave it out
                continue;
            }
            vector<double> values(numNodes);
            double mean = 0;
            for (int n = 0; n < numNodes; n++) {
                potential.getNodePosition(n, point);
                values[n] = refit.evaluate(point);
                if (supported[n])
                    mean += values[n];
            }
            mean /= max(1, numSupported);
            for (int n = 0; n < numNodes; n++) {
                double v = values[n]-mean+referenceMean;
                sum[n] += v;
                sumSquares[n] += v*v;
            }
        }
        int used = numBootstrap-failedResamples;
        if (used >= 2) {
            vector<double> errors(numNodes);
            for (int n = 0; n < numNodes; n++) {
                double mean = sum[n]/used;
                errors[n] = sqrt(max(0.0, (sumSquares[n]/used-mean*mean)*used/(used-1.0)));
            }
            potential.setNodeErrors(errors);
        }
        potential.getDiagnostics()["fit.bootstrapResamples"] = used;
    }
    auto& diagnostics = potential.getDiagnostics();
    long long inside = 0;
    for (long long c : counts)
        inside += c;
    diagnostics["fit.samplesInBox"] = inside;
    diagnostics["fit.samplesOutsideBox"] = statistics.getOutsideCount();
    diagnostics["fit.gridCoarsening"] = factor;
    diagnostics["fit.gridCoarseningAutomatic"] = (gridCoarsening > 0 ? 0 : 1);
    for (int i = 0; i < d; i++)
        diagnostics["fit.gridBins"+to_string(i)] = grid.getBins()[i];
    for (auto& score : heldOut) // the reason for the choice: held-out log-likelihood of each factor, less the best's
        diagnostics["fit.heldOutLogLikelihood.coarsening"+to_string(score.first)] = score.second;
    diagnostics["fit.knotSpacingBins"] = chosenSpacing;
    diagnostics["fit.knotSpacingAutomatic"] = (knotSpacing > 0 ? 0 : 1);
    for (auto& score : scores) // the reason for the choice: the unbiased risk estimate of each spacing tried
        diagnostics["fit.ubre.knotSpacing"+to_string((int) score.first)] = score.second;
    diagnostics["fit.smoothing"] = chosenSmoothing;
    diagnostics["fit.maxCurvature"] = curvature;
    if (maxCurvature > 0) {
        diagnostics["fit.curvatureLimit"] = maxCurvature;
        diagnostics["fit.smoothingBeforeCurvatureLimit"] = unconstrainedSmoothing;
    }
    diagnostics["fit.countDispersion"] = dispersion;
    diagnostics["fit.smoothingAutomatic"] = (smoothing < 0 ? 1 : 0);
    diagnostics["fit.minBinCount"] = minBinCount;
    for (int i = 0; i < d; i++)
        diagnostics["fit.numBasis"+to_string(i)] = numBasis[i];
    return potential;
}
