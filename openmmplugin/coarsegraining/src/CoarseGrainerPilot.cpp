// The pilot run that picks the friction (docs/theory.md section 4): CoarseGrainer::choosePilotFriction.
#include "CoarseGrainer.h"
#include "NoiseCovarianceDesigns.h"
#include "UnstableRunException.h"
#include "internal/SamplingChecks.h"
#include "openmm/OpenMMException.h"
#include <algorithm>
#include <cmath>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

// Restores a setting when the pilot is done, also when it throws.
struct Restore {
    int& value;
    int saved;
    Restore(int& value) : value(value), saved(value) {
    }
    ~Restore() {
        value = saved;
    }
};

} // namespace

double CoarseGrainer::predictedKineticKT(double noise, double gamma) const {
    // The energy balance gamma E[p^2/m] = D/(2m) per component, with the sampling bias phi(gamma h) of full steps.
    return noise*NoiseCovarianceDesigns::samplingBias(gamma*settings.stepSize)/(2*gamma*(source.dimensions == 1 ? settings.mass : 1.0));
}

double CoarseGrainer::frictionForNoise(double noise, const string& measuredBy) const {
    // kT(gamma) decreases from infinity to 0 as gamma grows: bisect in log gamma for kT(gamma) = kT*.
    double stepSize = settings.stepSize, targetKT = settings.targetKT;
    double low = 1e-8/stepSize, high = 1e8/stepSize;
    if (!(predictedKineticKT(noise, high) < targetKT && predictedKineticKT(noise, low) > targetKT))
        throw OpenMMException("CoarseGrainer: "+measuredBy+" measured an effective noise D = "+to_string(noise)+
                              " for which no friction gives kT* = "+to_string(targetKT)+": set the friction yourself");
    for (int i = 0; i < 200; i++) {
        double middle = sqrt(low*high);
        if (predictedKineticKT(noise, middle) > targetKT)
            low = middle;
        else
            high = middle;
    }
    return sqrt(low*high);
}

double CoarseGrainer::choosePilotFriction(Platform& platform) {
    double stepSize = settings.stepSize, targetKT = settings.targetKT;
    int sampleInterval = settings.sampleInterval;
    if (stepSize == 0)
        throw OpenMMException("CoarseGrainer: set the step size first (setStepSize): the pilot run needs it");
    // Whatever the pilot friction, the pilot's energy balance gives the effective noise D (per component), which
    // does not depend on it. gamma = 2 h (ScaleScan's rule) gives kT ~ E[zeta^2]/4 at any step, so the pilot
    // neither freezes (a heavy friction cools replicas into micro-wells) nor runs hot; it runs a tenth of the
    // steps, but at least 20 relaxation times 1/gamma (and at most the full run).
    double pilotGamma = 2*stepSize;
    Restore steps(settings.numSteps), equilibration(settings.numEquilibrationSteps);
    double relaxationSteps = 1.0/(pilotGamma*stepSize);
    settings.numSteps = (int) min<double>(steps.saved, max<double>(max(20*sampleInterval, steps.saved/10), 20*relaxationSteps));
    settings.numEquilibrationSteps = (int) min<double>(max(equilibration.saved, steps.saved/10), max<double>(sampleInterval, 5*relaxationSteps));
    // Frozen replicas are counted, not restarted: the watch's threshold starts from kT*, and the pilot runs at its
    // own temperature (about E[zeta^2]/4), which may be far from it.
    SamplingResult result = sampleIsotropic(platform, pilotGamma, false, "pilot", true);
    pilotPositions = result.endPositions;
    const ReplicaStatistics& pilot = result.statistics;
    DiagnosticList diagnostics;
    vector<string> problems;
    SamplingChecks::checkNormality(pilot, 0, "pilot", settings, diagnostics, problems); // a frozen pilot throws with advice
    double quadratic = 0;
    long long count = 0;
    for (int b = 0; b < pilot.getNumBatches(); b++) {
        quadratic += pilot.getQuadraticSum(0, b);
        count += pilot.getCount(0, b);
    }
    double pilotKT = quadratic/count/source.dimensions; // the sums are p^T M^-1 p (RunDesigns::isotropic)
    double pilotMass = (source.dimensions == 1 ? settings.mass : 1.0);
    double noise = 2*pilotGamma*pilotMass*pilotKT/NoiseCovarianceDesigns::samplingBias(pilotGamma*stepSize);
    if (!isfinite(noise))
        throw UnstableRunException("CoarseGrainer: the run exploded (the pilot run's momenta are not finite, D = "+to_string(noise)+
                                   "): the step size is too large for the coarse scale; reduce it. (The pilot starts "
                                   "from the given starts, or else in the initial box, [-1, 1] nm per coordinate unless "
                                   "set: if the landscape's low-energy region lies elsewhere, give starts or an initial "
                                   "box there first.)", stepSize,
                                   (settings.numEquilibrationSteps+settings.numSteps)*stepSize);
    double gamma = frictionForNoise(noise, "the pilot run");
    pilotDiagnostics = {{"pilot.friction", pilotGamma}, {"pilot.kT.kinetic", pilotKT}, {"pilot.noise", noise},
                        {"pilot.chosenFriction", gamma}, {"pilot.targetKT", targetKT}};
    return gamma;
}

double CoarseGrainer::usePilotFriction(Platform& platform) {
    forgetPilotStarts(); // a pilot starts from the given starts (or box), not from an earlier pilot's ends
    bool givenStarts = !settings.initialPositions.empty();
    double gamma = choosePilotFriction(platform);
    settings.friction = gamma;
    if (!givenStarts && settings.initialBoxLower.empty() && !source.userSystem && !pilotPositions.empty()) {
        settings.initialPositions = pilotPositions;
        startsFromPilot = true;
    }
    return gamma;
}
