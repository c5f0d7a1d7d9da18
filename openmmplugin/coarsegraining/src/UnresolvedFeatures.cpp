// The fitted U against its own histogram: features narrower than the knots (UnresolvedFeatures.h).
#include "internal/UnresolvedFeatures.h"
#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

using namespace EffPot;
using namespace std;

string UnresolvedFeatures::check(const ReplicaStatistics& sampling, const EffectivePotential& potential, double kT,
                                 double& largestDeviation) {
    largestDeviation = 0;
    if (!sampling.hasHistogram() || sampling.getNumBatches() < 3 || !(kT > 0))
        return "";
    const RegularGrid& grid = sampling.getGrid();
    int numBins = grid.getNumBins(), batches = sampling.getNumBatches(), d = grid.getDimensions();
    vector<double> total(numBins, 0.0), squares(numBins, 0.0);
    for (int b = 0; b < batches; b++) {
        const vector<long long>& histogram = sampling.getHistogram(b);
        for (int i = 0; i < numBins; i++) {
            total[i] += histogram[i];
            squares[i] += (double) histogram[i]*histogram[i];
        }
    }
    // Only bins with a count the batches can judge: at least 20 per batch on average (a relative error of a few
    // percent), so that the sparse edge of the support, where the fit extrapolates on purpose, is not counted.
    vector<int> judged;
    for (int i = 0; i < numBins; i++)
        if (total[i] >= 20.0*batches)
            judged.push_back(i);
    if (judged.size() < 4)
        return "";
    vector<double> logWeight(judged.size());
    double center[3], largest = -INFINITY;
    for (size_t k = 0; k < judged.size(); k++) {
        grid.getBinCenter(judged[k], center);
        logWeight[k] = -potential.evaluate(center)/kT;
        largest = max(largest, logWeight[k]);
    }
    double sumWeights = 0, sumCounts = 0;
    for (size_t k = 0; k < judged.size(); k++) {
        sumWeights += exp(logWeight[k]-largest);
        sumCounts += total[judged[k]];
    }
    int worst = -1;
    double worstDeviation = 0, worstSigmas = 0;
    for (size_t k = 0; k < judged.size(); k++) {
        int i = judged[k];
        double expected = sumCounts*exp(logWeight[k]-largest)/sumWeights;
        double mean = total[i]/batches;
        double variance = max(0.0, (squares[i]/batches-mean*mean)*batches/(batches-1.0));
        // The standard error of log(count) over the batches; at least Poisson's (a batch spread can come out small).
        double error = max(sqrt(variance/batches)/mean, 1.0/sqrt(total[i]));
        double deviation = log(total[i]/expected); // > 0: the counts say U is lower there than the fit
        largestDeviation = max(largestDeviation, fabs(deviation));
        if (fabs(deviation) >= 0.5 && fabs(deviation) >= 4*error && fabs(deviation) > fabs(worstDeviation)) {
            worst = i;
            worstDeviation = deviation;
            worstSigmas = fabs(deviation)/error;
        }
    }
    if (worst < 0)
        return "";
    grid.getBinCenter(worst, center);
    stringstream note;
    note.precision(3);
    note<<"at (";
    for (int i = 0; i < d; i++)
        note<<(i == 0 ? "" : ", ")<<center[i];
    note<<") the histogram puts U "<<fabs(worstDeviation)<<" kT "<<(worstDeviation > 0 ? "lower" : "higher")<<
          " than the fitted U ("<<worstSigmas<<" standard errors of that bin's count): a feature narrower than the "
          "table's knots is smoothed away there, and the error bands, which measure sampling noise, do not show it. "
          "Finer knots (setKnotSpacing, setGridCoarsening(1)) or more replicas resolve it.";
    return note.str();
}
