#include "internal/Stage1Estimate.h"
#include "NoiseCovarianceDesigns.h"
#include <cmath>

using namespace EffPot;
using namespace std;

Stage1Estimate Stage1Estimate::solve(const ReplicaStatistics& statistics, int dimensions, const CoarseGrainingSettings& settings) {
    Stage1Estimate estimate;
    vector<vector<double> > designs = NoiseCovarianceDesigns::designs(dimensions);
    int batches = settings.numBatches;
    SamplingChecks::checkWhole(statistics, dimensions, designs.size(), batches, "Stage-1");
    double friction = settings.friction, phi = NoiseCovarianceDesigns::samplingBias(friction*settings.stepSize);
    vector<double> b, bError;
    for (int g = 0; g < (int) designs.size(); g++) {
        SamplingChecks::checkNormality(statistics, g, "stage1.design"+to_string(g), settings, estimate.diagnostics, estimate.notes);
        double sum = 0, sumSquares = 0;
        for (int k = 0; k < batches; k++) {
            double value = 2*friction*statistics.getQuadraticSum(g, k)/statistics.getCount(g, k)/phi;
            sum += value;
            sumSquares += value*value;
        }
        double mean = sum/batches;
        b.push_back(mean);
        bError.push_back(sqrt(max(0.0, (sumSquares/batches-mean*mean)/(batches-1))));
        estimate.diagnostics.push_back(make_pair("stage1.design"+to_string(g)+".b", mean));
    }
    NoiseCovarianceDesigns::solve(designs, b, bError, estimate.noise, estimate.noiseError);
    return estimate;
}
