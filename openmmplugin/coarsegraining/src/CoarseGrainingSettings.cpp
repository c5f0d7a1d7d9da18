#include "CoarseGrainingSettings.h"
#include "openmm/OpenMMException.h"
#include <cmath>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

vector<int> CoarseGrainingSettings::gridBinsFor(int dimensions) const {
    if (!gridBins.empty())
        return gridBins;
    // The histogram is recorded this fine; the fit merges bins 1-4 at a time, the factor chosen by held-out
    // likelihood (PotentialFitter::setGridCoarsening), so these are the finest grids it can choose. Measured: P1 at
    // h = 0.03 keeps a ripple of period 0.063 nm over a box of 3 nm and takes 600 or 1200 bins (300: RMSE 0.047 kT
    // instead of 0.02); P5 takes 100 x 100 (RMSE 0.014-0.021 kT; 50 x 50: 0.031-0.040, 25 x 25: 0.13-0.16).
    // Each number of bins is divisible by 2, 3 and 4.
    int bins = (dimensions == 1 ? 1200 : dimensions == 2 ? 96 : 24);
    return vector<int>(dimensions, bins);
}

namespace {

struct Describer {
    vector<SettingDescription>& out;
    template <class T>
    void operator()(const T&, const char* field, const char* kind, const char* section, const char* key, const char* help) {
        out.push_back({field, kind, section, key, help});
    }
};

} // namespace

vector<SettingDescription> CoarseGrainingSettings::describe() {
    vector<SettingDescription> result;
    const CoarseGrainingSettings defaults;
    Describer describer = {result};
    visitFields(defaults, describer);
    return result;
}

namespace {

bool finitePositive(double x) {
    return x > 0 && isfinite(x);
}

// A box given as lower and upper bounds: both empty (not set), or d finite values each with upper above lower.
// A setter (`given`) must give the box; the whole value may leave it empty (not set).
void checkBox(const vector<double>& lower, const vector<double>& upper, int d, const string& where, bool given) {
    if (lower.empty() && upper.empty() && !given)
        return;
    int n = (d > 0 ? d : (int) lower.size()); // d = 0: the dimensions are not known, only pairs are checked
    if ((int) lower.size() == n && (int) upper.size() == n)
        for (int i = 0; i < n; i++)
            if (!(upper[i] > lower[i]) || !isfinite(lower[i]) || !isfinite(upper[i]))
                throw OpenMMException(where+": each upper bound must be finite and above its lower bound");
    if ((int) lower.size() != n || (int) upper.size() != n)
        throw OpenMMException(where+": lower and upper need d = "+to_string(n)+" entries");
}

} // namespace

void CoarseGrainingSettings::check(int d, const string& caller, const string& field) const {
    // A setter (field given) sets a value, so "not set" (0) is not allowed there; the whole value (field empty) may
    // hold the defaults that mean "not set" or "automatic".
    bool setter = !field.empty();
    auto wants = [&](const char* name) { return !setter || field == name; };
    auto fail = [&](const string& message) { throw OpenMMException(caller+": "+message); };
    if (wants("stepSize") && !(setter ? finitePositive(stepSize) : stepSize >= 0 && isfinite(stepSize)))
        fail("the step size (stepSize) must be a positive number of ps");
    if (wants("friction") && !(setter ? finitePositive(friction) : friction >= 0 && isfinite(friction)))
        fail("the friction must be a positive number (1/ps), or 0 for automatic");
    if (wants("mass") && !finitePositive(mass))
        fail("the mass must be positive (dalton)");
    // The mass is the 1D run's; in 2D and 3D Stage 1 designs its own mass matrices and Stage 2 runs at M = I (the
    // law of q, and so U, does not depend on M). Ignoring a mass that was set would hide that from the user.
    if (wants("mass") && d > 1 && mass != 1.0)
        fail("the mass ("+to_string(mass)+" Da) is the 1D run's: in "+to_string(d)+"D Stage 1 designs its own mass "
             "matrices and U does not depend on the mass; leave it at 1 (no [learn] mass)");
    // Bounded as well: at kT* = 1e300 the calibrated friction D/(2 kT*) underflows and the failure came from deep
    // inside Stage 1 (a frame that is not finite). 1e6 kJ/mol is a temperature of 1.2e8 K.
    if (wants("targetKT") && !(finitePositive(targetKT) && targetKT <= 1e6 && targetKT >= 1e-12))
        fail("kT* (targetKT) must be a positive energy from 1e-12 to 1e6 kJ/mol");
    if (wants("numReplicas") && numReplicas < 2)
        fail("at least 2 replicas are needed (numReplicas is "+to_string(numReplicas)+")");
    if (wants("numSteps") && numSteps < 1)
        fail("the number of sampling steps must be positive (numSteps is "+to_string(numSteps)+")");
    if (wants("numStage2Steps") && numStage2Steps < (setter ? 1 : 0))
        fail("the number of sampling steps must be positive (numStage2Steps is "+to_string(numStage2Steps)+"; 0: twice numSteps)");
    if (wants("numEquilibrationSteps") && numEquilibrationSteps < 0)
        fail("the number of steps must be non-negative (numEquilibrationSteps is "+to_string(numEquilibrationSteps)+")");
    if (wants("stage1Tolerance") && !(stage1Tolerance >= 0))
        fail("the Stage-1 tolerance (stage1Tolerance, a relative error) must be >= 0 (infinity: one round)");
    if (wants("stage2Refinements") && (stage2Refinements < 0 || stage2Refinements > 5))
        fail("stage2Refinements must be from 0 (Stage 2 runs once, with Stage 1's D) to 5; it is "+to_string(stage2Refinements));
    if (wants("maxStage1Rounds") && (maxStage1Rounds < 1 || maxStage1Rounds > 20))
        fail("maxStage1Rounds must be from 1 (the first round's designs only) to 20; it is "+to_string(maxStage1Rounds));
    if (wants("sampleInterval") && sampleInterval < 1)
        fail("the sample interval must be at least 1 step (sampleInterval is "+to_string(sampleInterval)+")");
    if (wants("numBatches") && numBatches < 2)
        fail("at least 2 batches are needed for standard errors (numBatches is "+to_string(numBatches)+")");
    if (wants("numThreads") && numThreads < 0)
        fail("the number of threads must be non-negative (0: automatic)");
    // Infinite tolerances are allowed: they switch the normality check off.
    if (wants("normalityTolerance") && !(maxSkewness > 0 && maxExcessKurtosis > 0))
        fail("tolerances must be positive (maxSkewness, maxExcessKurtosis; infinity switches the check off)");
    if (wants("frozenKurtosis") && !(frozenKurtosis > 0))
        fail("the excess kurtosis of a frozen run (frozenKurtosis) must be positive");
    if (wants("resolutionLimit") && !(resolutionLimit >= 0 && isfinite(resolutionLimit)))
        fail("the limit on h^2 lambda_max / m (resolutionLimit) must be >= 0 (0: none)");
    if (wants("initialPositions")) {
        int rowLength = (d > 0 ? d : 1);
        if (setter ? initialPositions.empty() || initialPositions.size()%rowLength != 0 : initialPositions.size()%rowLength != 0)
            fail("give R x d values (d = "+to_string(d)+" per replica) as initial positions");
        for (double x : initialPositions)
            if (!isfinite(x))
                fail("positions must be finite");
    }
    if (wants("initialBox"))
        checkBox(initialBoxLower, initialBoxUpper, d, caller, setter);
    if (wants("gridBox"))
        checkBox(gridBoxLower, gridBoxUpper, d, caller, setter);
    if (wants("gridBins")) {
        if (!(gridBins.empty() && !setter) && d > 0 && (int) gridBins.size() != d)
            fail("give one bin count per dimension (d = "+to_string(d)+")");
        for (int b : gridBins)
            if (b < 4)
                fail("use at least 4 bins per dimension (gridBins holds "+to_string(b)+")");
    }
}
