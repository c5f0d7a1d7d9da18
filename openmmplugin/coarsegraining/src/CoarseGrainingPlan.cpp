#include "CoarseGrainingPlan.h"
#include "CoarseGrainer.h"
#include "internal/RunDesigns.h"
#include "UnstableRunException.h"
#include "internal/Stage1Estimate.h"
#include "openmm/OpenMMException.h"
#include "openmm/Platform.h"
#include <algorithm>
#include <cmath>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

const char* stageName(CoarseGrainingPlan::Stage stage) {
    switch (stage) {
        case CoarseGrainingPlan::Stage1: return "Stage1";
        case CoarseGrainingPlan::SamplingRange: return "SamplingRange";
        case CoarseGrainingPlan::Sampling: return "Sampling";
        default: return "Fit";
    }
}

// [first, end) batch ranges of `size` batches each (the last one shorter).
vector<vector<int> > chunks(int batches, int size, int firstGroup, int endGroup) {
    vector<vector<int> > result;
    for (int first = 0; first < batches; first += size)
        result.push_back({first, min(first+size, batches), firstGroup, endGroup});
    return result;
}

} // namespace

CoarseGrainingPlan::CoarseGrainingPlan(CoarseGrainer& grainer, Platform& platform, int batchesPerPiece, const string& caller) :
        grainer(grainer), batchesPerPiece(batchesPerPiece), caller(caller), automaticFriction(false), finished(false),
        fusedRange(false), stage(Stage1), round(0), samplingPass(0), haveGrid(false) {
    if (batchesPerPiece < 0)
        throw OpenMMException(caller+": batchesPerPiece must be positive (replica batches per piece), or 0 for one piece per stage");
    if (grainer.getStepSize() == 0)
        throw OpenMMException(caller+": set the step size first (setStepSize): it selects the scale to learn");
    // No friction set: the pilot run picks it, and may give the starting positions (usePilotFriction); finish()
    // undoes both.
    automaticFriction = grainer.isFrictionAutomatic();
    grainer.pilotDiagnostics.clear();
    if (automaticFriction)
        grainer.usePilotFriction(platform);
    try {
        grainer.checkRunSettings(caller);
    }
    catch (...) {
        finish();
        throw;
    }
    // One piece over every batch finds the sampling range in the sampling pass itself: the union of the pieces'
    // ranges is then that pass's own.
    fusedRange = (batchesPerPiece == 0 && grainer.needsSamplingRange());
    enter(grainer.getDimensions() > 1 ? Stage1 : grainer.needsSamplingRange() && !fusedRange ? SamplingRange : Sampling);
}

CoarseGrainingPlan::~CoarseGrainingPlan() {
    finish();
}

void CoarseGrainingPlan::finish() {
    if (finished)
        return;
    finished = true;
    if (automaticFriction) {
        vector<pair<string, double> > kept = grainer.pilotDiagnostics;
        grainer.setAutomaticFriction();
        grainer.pilotDiagnostics = kept; // they describe the last fit
    }
}

void CoarseGrainingPlan::enter(Stage next) {
    stage = next;
    pieces.clear();
    int batches = grainer.getNumBatches(), groups = grainer.getNumStage1Groups();
    bool user = grainer.hasUserSystem();
    if (stage == Stage1) {
        if (batchesPerPiece == 0)
            pieces.push_back({0, batches, 0, groups});
        else if (user)
            for (int g = 0; g < groups; g++)
                pieces.push_back({0, batches, g, g+1}); // every piece steps all replicas: split by design
        else
            pieces = chunks(batches, batchesPerPiece, 0, groups);
    }
    else if (stage == SamplingRange || stage == Sampling) {
        if (batchesPerPiece == 0 || user)
            pieces.push_back({0, batches, 0, 1});
        else
            pieces = chunks(batches, batchesPerPiece, 0, 1);
    }
    if (stage == Sampling && !fusedRange && !haveGrid) {
        grid = grainer.samplingGrid(range);
        haveGrid = true;
    }
}

void CoarseGrainingPlan::requireStage(Stage expected, const string& method) const {
    if (finished && stage != Fit)
        throw OpenMMException("CoarseGrainingPlan."+method+": the plan is finished");
    if (stage != expected)
        throw OpenMMException("CoarseGrainingPlan."+method+": the plan is at its "+stageName(stage)+" stage, not "+stageName(expected));
}

vector<int> CoarseGrainingPlan::getPiece(int index) const {
    if (index < 0 || index >= (int) pieces.size())
        throw OpenMMException("CoarseGrainingPlan.getPiece: index "+to_string(index)+" is not in [0, "+to_string(pieces.size())+")");
    return pieces[index];
}

const RegularGrid& CoarseGrainingPlan::getGrid() const {
    if (!haveGrid)
        throw OpenMMException("CoarseGrainingPlan.getGrid: the grid is known once the sampling range is (the Sampling stage)");
    return grid;
}

ReplicaStatistics CoarseGrainingPlan::runStatisticsPiece(Platform& platform, int index) {
    vector<int> p = getPiece(index);
    if (stage == Stage1)
        return grainer.runStage1(platform, p[0], p[1], p[2], p[3], frame, round);
    requireStage(Sampling, "runStatisticsPiece");
    return labelledWithPass([&]() {
        if (!fusedRange)
            return grainer.runSampling(platform, noise, grid, p[0], p[1]);
        // One pass over all batches finds the grid from its own equilibration.
        ReplicaRunDesign run = RunDesigns::sampling(grainer.getDimensions(), grainer.settings, noise);
        return grainer.sample(platform, grainer.samplingPass(run, {p[0], p[1], 0, 1}, SamplingMode::HistogramOnOwnGrid, NULL)).statistics;
    });
}

template <class Run>
auto CoarseGrainingPlan::labelledWithPass(Run run) -> decltype(run()) {
    // The grainer labels its progress "stage 2, pass N" while the piece runs, and only then: its own runSampling
    // calls, outside a plan, stay "stage 2".
    grainer.progressPass = samplingPass;
    try {
        auto result = run();
        grainer.progressPass = 0;
        return result;
    }
    catch (...) {
        grainer.progressPass = 0;
        throw;
    }
}

vector<double> CoarseGrainingPlan::runRangePiece(Platform& platform, int index) {
    requireStage(SamplingRange, "runRangePiece");
    vector<int> p = getPiece(index);
    return labelledWithPass([&]() { return grainer.runSamplingRange(platform, noise, p[0], p[1]); });
}

void CoarseGrainingPlan::runStage(Platform& platform) {
    if (stage == Fit)
        throw OpenMMException("CoarseGrainingPlan.runStage: the plan is at its Fit stage: call fit()");
    if (stage == SamplingRange) {
        vector<vector<double> > ranges;
        for (int i = 0; i < getNumPieces(); i++)
            ranges.push_back(runRangePiece(platform, i));
        completeRanges(ranges);
    }
    else {
        vector<ReplicaStatistics> results;
        try {
            for (int i = 0; i < getNumPieces(); i++)
                results.push_back(runStatisticsPiece(platform, i));
        }
        catch (const UnstableRunException& e) {
            if (stage != Stage1 || round == 0)
                throw;
            abandonStage1Round("its run exploded");
            return;
        }
        completeStatistics(results);
    }
}

void CoarseGrainingPlan::completeStatistics(const vector<ReplicaStatistics>& results) {
    if (stage != Stage1)
        requireStage(Sampling, "completeStatistics");
    if (results.empty() || results.size() != pieces.size())
        throw OpenMMException("CoarseGrainingPlan.completeStatistics: give the results of all "+to_string(pieces.size())+
                              " pieces of the "+stageName(stage)+" stage, in piece order; got "+to_string(results.size()));
    ReplicaStatistics merged = results[0];
    for (size_t k = 1; k < results.size(); k++)
        merged.merge(results[k]);
    if (stage == Stage1) {
        // D, solved once per round from every round so far: Stage 2's friction and the fit's record both use the last
        // estimate. Nothing is kept unless the round completes, so a failed stage leaves the plan as it was.
        ReplicaStatistics all = merged;
        if (round > 0) {
            all = stage1;
            all.appendGroups(merged);
        }
        int d = grainer.getDimensions();
        shared_ptr<Stage1Estimate> solved(new Stage1Estimate(Stage1Estimate::solve(all, d, grainer.settings)));
        if (!solved->isPrecise(grainer.settings) && round+1 < grainer.settings.maxStage1Rounds) {
            // Not precise in every direction yet (or not positive definite): another round, in D-hat's eigenframe.
            stage1 = all;
            estimate = solved;
            frame = solved->nextFrame();
            round++;
            enter(Stage1);
            return;
        }
        endStage1(solved, all);
    }
    else if (needsRefinement(merged)) {
        // A refinement pass: D becomes the noise these dynamics realised, and Stage 2 runs again with its friction
        // (over a range found again, unless the box is given: the same walk in one piece as in many).
        int d = grainer.getDimensions();
        vector<double> refined = RunDesigns::realisedNoise(d, grainer.settings, noise, merged);
        RunDesigns::sampling(d, grainer.settings, refined); // throws (kT* below the kicks' floor) before anything changes
        noise = refined;
        samplingPass++;
        if (!fusedRange && grainer.needsSamplingRange()) {
            haveGrid = false;
            enter(SamplingRange);
        }
        else
            enter(Sampling);
    }
    else {
        sampling = merged;
        if (fusedRange)
            grid = sampling.getGrid();
        haveGrid = true;
        enter(Fit);
    }
}

bool CoarseGrainingPlan::needsRefinement(const ReplicaStatistics& pass) {
    // Refine while a direction's drift temperature is off kT* by more than twice its standard error: below that the
    // refined D would only carry this pass's sampling error (about 0.5% on P4, whose Stage-1 D is right) into the
    // next one; above it, the bias is real (2-3% on a coupled 3D quadratic). A pass that passes is the fitted one.
    int d = grainer.getDimensions();
    if (d == 1 || samplingPass >= grainer.settings.stage2Refinements)
        return false;
    vector<double> errors;
    vector<double> driftKT = RunDesigns::driftTemperatures(d, grainer.settings, noise, pass, &errors);
    double kT = grainer.settings.targetKT;
    bool significant = false;
    string name = "stage2.refinement"+to_string(samplingPass)+".driftKT.direction";
    vector<pair<string, double> > record;
    for (int m = 0; m < (int) driftKT.size(); m++) {
        significant |= (fabs(driftKT[m]-kT) > 2*errors[m]);
        record.push_back(make_pair(name+to_string(m), driftKT[m]));
        record.push_back(make_pair(name+to_string(m)+".standardError", errors[m]));
    }
    if (significant) // (otherwise this pass is the fitted one, and its numbers are stage2.driftKT's)
        refinementDiagnostics.insert(refinementDiagnostics.end(), record.begin(), record.end());
    return significant;
}

void CoarseGrainingPlan::endStage1(const shared_ptr<Stage1Estimate>& solved, const ReplicaStatistics& all) {
    solved->requirePositiveDefinite();
    RunDesigns::sampling(grainer.getDimensions(), grainer.settings, solved->noise); // throws if D is singular
    stage1 = all;
    estimate = solved;
    noise = stage1Noise = estimate->noise;
    enter(grainer.needsSamplingRange() && !fusedRange ? SamplingRange : Sampling);
}

void CoarseGrainingPlan::abandonStage1Round(const string& why) {
    requireStage(Stage1, "abandonStage1Round");
    if (round == 0)
        throw OpenMMException("CoarseGrainingPlan.abandonStage1Round: the first Stage-1 round cannot be dropped (there is no "
                              "estimate before it): "+why);
    shared_ptr<Stage1Estimate> kept(new Stage1Estimate(*estimate));
    kept->abandoned = "Stage-1 round "+to_string(round+1)+" (designs lighter along the weak directions of D-hat) could not run: "+
            why+". D is the estimate of the first "+to_string(round)+" round"+(round > 1 ? "s" : "")+
            " (stage1.whitenedError says how precise it is); a smaller step, or maxStage1Rounds = "+to_string(round)+", avoids the attempt.";
    kept->diagnostics.push_back(make_pair("stage1.abandonedRound", round));
    endStage1(kept, stage1);
}

void CoarseGrainingPlan::completeRanges(const vector<vector<double> >& ranges) {
    requireStage(SamplingRange, "completeRanges");
    if (ranges.size() != pieces.size())
        throw OpenMMException("CoarseGrainingPlan.completeRanges: give the ranges of all "+to_string(pieces.size())+
                              " pieces, in piece order; got "+to_string(ranges.size()));
    int d = grainer.getDimensions();
    range.assign(2*d, 0.0);
    for (int i = 0; i < d; i++) {
        range[i] = INFINITY;
        range[d+i] = -INFINITY;
    }
    for (const vector<double>& r : ranges) {
        if ((int) r.size() != 2*d)
            throw OpenMMException("CoarseGrainingPlan.completeRanges: each range needs d lower then d upper bounds (2 d = "+
                                  to_string(2*d)+" values)");
        for (int i = 0; i < d; i++) {
            range[i] = min(range[i], r[i]);
            range[d+i] = max(range[d+i], r[d+i]);
        }
    }
    enter(Sampling);
}

EffectivePotential CoarseGrainingPlan::fit(const string& platformName) {
    requireStage(Fit, "fit");
    EffectivePotential potential = grainer.fit(estimate.get(), stage1, sampling, platformName, noise.empty() ? NULL : &noise);
    auto& diagnostics = potential.getDiagnostics();
    if (grainer.getDimensions() > 1)
        diagnostics["stage2.refinements"] = samplingPass;
    for (auto& entry : refinementDiagnostics)
        diagnostics[entry.first] = entry.second;
    return potential;
}
