#include "internal/SamplingChecks.h"
#include "internal/NumberText.h"
#include "NormalityTests.h"
#include "openmm/OpenMMException.h"
#include <cmath>
#include <sstream>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

void SamplingChecks::checkWhole(const ReplicaStatistics& statistics, int dimensions, int groups, int batches, const string& what) {
    if (statistics.getDimensions() != dimensions || statistics.getNumGroups() != groups || statistics.getNumBatches() != batches)
        throw OpenMMException("CoarseGrainer: the "+what+" statistics have "+to_string(statistics.getDimensions())+" dimensions, "+
                              to_string(statistics.getNumGroups())+" groups and "+to_string(statistics.getNumBatches())+
                              " batches; these settings need "+to_string(dimensions)+", "+to_string(groups)+" and "+to_string(batches));
    for (int g = 0; g < groups; g++)
        for (int b = 0; b < batches; b++)
            if (statistics.getCount(g, b) == 0)
                throw OpenMMException("CoarseGrainer: the "+what+" statistics have no samples in group "+to_string(g)+", batch "+
                                      to_string(b)+": a piece of the run is missing from the merge");
}

void SamplingChecks::checkNormality(const ReplicaStatistics& statistics, int group, const string& label,
        const CoarseGrainingSettings& settings, DiagnosticList& diagnostics, vector<string>& problems, const string& keyPrefix) {
    int d = statistics.getDimensions();
    const string& key = (keyPrefix.empty() ? label : keyPrefix);
    const char* names = "xyz";
    vector<double> skewness, kurtosis;
    NormalityTests::momentsFromPowerSums(statistics.getPowerSums(group), d, statistics.getGroupCount(group), skewness, kurtosis);
    for (int i = 0; i < d; i++) {
        diagnostics.push_back(make_pair(key+".skewness."+names[i], skewness[i]));
        diagnostics.push_back(make_pair(key+".excessKurtosis."+names[i], kurtosis[i]));
    }
    const vector<double>& stored = statistics.getStoredMomenta(group);
    if ((int) stored.size() >= 20*d) {
        NormalityTests::Result test = NormalityTests::test(stored, d);
        diagnostics.push_back(make_pair(key+".normalitySamples", test.samples));
        for (int i = 0; i < d; i++)
            diagnostics.push_back(make_pair(key+".dagostinoPValue."+names[i], test.dagostinoPValue[i]));
        if (d > 1) {
            diagnostics.push_back(make_pair(key+".mardiaSkewnessPValue", test.mardiaSkewnessPValue));
            diagnostics.push_back(make_pair(key+".mardiaKurtosisPValue", test.mardiaKurtosisPValue));
        }
    }
    for (int i = 0; i < d; i++) {
        if (kurtosis[i] > settings.frozenKurtosis)
            throw OpenMMException("CoarseGrainer: "+label+" froze: the momentum "+string(1, names[i])+" has excess kurtosis "+
                    numberText(kurtosis[i])+" (Gaussian: 0), so replicas are trapped in micro-wells: the step size is too "
                    "small to turn the small scales into noise. Increase the step size, or decrease the friction.");
        if (fabs(skewness[i]) > settings.maxSkewness || fabs(kurtosis[i]) > settings.maxExcessKurtosis)
            problems.push_back(label+": momentum "+string(1, names[i])+" is not Gaussian (skewness "+numberText(skewness[i])+
                    ", excess kurtosis "+numberText(kurtosis[i])+"; tolerance "+numberText(settings.maxSkewness)+", "+
                    numberText(settings.maxExcessKurtosis)+")");
    }
}

double SamplingChecks::driftKT(const ReplicaStatistics& statistics, double mass) {
    int d = statistics.getDimensions();
    double trace = 0;
    long long count = 0;
    for (int b = 0; b < statistics.getNumBatches(); b++) {
        vector<double> sums = statistics.getDriftSecondMomentSums(0, b);
        for (int i = 0; i < d; i++)
            trace += sums[i*d+i];
        count += statistics.getDriftCount(0, b);
    }
    return trace/(count*d*mass);
}

string SamplingChecks::checkFrozenReplicas(const ReplicaStatistics& sampling, const ReplicaStatistics& stage1, bool restartFrozen,
                                           DiagnosticList& diagnostics) {
    // Replicas captured at rest in micro-wells were restarted and their quiet samples dropped (FrozenReplicaWatch).
    // A few mean the step is near the frozen end of its window; when most samples go, the run froze.
    long long frozenReplicas = sampling.getNumFrozenReplicas()+stage1.getNumFrozenReplicas();
    double discarded = sampling.getNumDiscardedSamples(), recorded = sampling.getGroupCount(0);
    diagnostics.push_back(make_pair("sampling.frozenReplicas", sampling.getNumFrozenReplicas()));
    diagnostics.push_back(make_pair("sampling.discardedFraction", discarded/(discarded+recorded)));
    if (sampling.getDimensions() > 1)
        diagnostics.push_back(make_pair("stage1.frozenReplicas", stage1.getNumFrozenReplicas()));
    if (discarded > recorded)
        throw OpenMMException("CoarseGrainer: the run froze: "+to_string(sampling.getNumFrozenReplicas())+" times a replica "
                "came to rest in a micro-well, and more samples were dropped for it than kept: the step size is too small to "
                "turn the small scales into noise. Increase the step size, or decrease the friction.");
    if (frozenReplicas > 0 && restartFrozen)
        return to_string(frozenReplicas)+" times a replica came to rest in a micro-well (kinetic temperature "
                "below 1% of its own for three relaxation times); it was restarted with a thermal velocity and its quiet samples "
                "were dropped. The step is near the frozen end of its window: a slightly larger step avoids this.";
    if (frozenReplicas > 0)
        return to_string(frozenReplicas)+" replicas came to rest in micro-wells (kinetic temperature below 1% of "
                "their own for three relaxation times) and, with restarts off, were sampled there: each adds a spike to the learned "
                "U. Turn restarts on (setRestartFrozenReplicas) or take a slightly larger step.";
    return "";
}

void SamplingChecks::checkNotFrozen(double kT, double scale) {
    if (!(kT > 1e-4*scale))
        throw OpenMMException("CoarseGrainer: the run froze: kT = "+numberText(kT)+" kJ/mol, against an energy scale of "+
                numberText(scale)+" kJ/mol (the spread over the starting points, or kT*), so the replicas came to rest in micro-wells: the step "
                "size is too small to turn the small scales into noise. Increase the step size, or decrease the friction.");
}

void SamplingChecks::checkGaussian(const vector<string>& problems, const CoarseGrainingSettings& settings, bool frictionAutomatic) {
    if (problems.empty() || settings.allowNonGaussian)
        return;
    string message = "CoarseGrainer: the momenta are not Gaussian, so the sampled law is not the Gibbs-like law the fit "
                     "assumes:";
    for (const string& p : problems)
        message += " "+p+";";
    // With an automatic friction the user set none: the lever is kT*, which the pilot's friction follows (a low kT*
    // is a large friction, relaxing the momenta within a few kicks, so their sum is not Gaussian).
    message += string(" change the step size (a scale is neither resolved nor turned into noise) or ")+
               (frictionAutomatic ? "kT* (setTargetKT: the automatic friction follows it, and a low kT* is a large "
                                    "friction that relaxes the momenta within a few kicks)" : "the friction")+
               ", run longer, or call setAllowNonGaussian(true) to fit anyway.";
    throw OpenMMException(message);
}
