// CoarseGrainer::fit: the checks, kT and D of the whole run, the spline fit and the potential's record
// (docs/theory.md sections 4-6).
#include "CoarseGrainer.h"
#include "EnergyExpression.h"
#include "NoiseCovarianceDesigns.h"
#include "internal/BasinMixing.h"
#include "internal/NumberText.h"
#include "internal/RunDesigns.h"
#include "internal/SamplingChecks.h"
#include "internal/Stage1Estimate.h"
#include "internal/UnresolvedFeatures.h"
#include "openmm/OpenMMException.h"
#include "openmm/System.h"
#include "openmm/serialization/XmlSerializer.h"
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <sstream>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

// The spread (max - min) of the energy over the replicas' starting points: the scale against which a kT that
// collapsed to nothing is recognised.
double energySpread(const string& energy, const vector<double>& positions, int d) {
    vector<double> values = EnergyExpression::evaluate(energy, d, positions);
    return *max_element(values.begin(), values.end())-*min_element(values.begin(), values.end());
}

} // namespace

Calibration CoarseGrainer::calibration(const vector<double>& noise, double kT) const {
    // The matrices of the run whose positions were fitted (RunDesigns::sampling), as the surrogates need them.
    int d = source.dimensions;
    Calibration c;
    c.stepSize = settings.stepSize;
    c.kT = kT;
    c.targetKT = settings.targetKT;
    if (d == 1) {
        c.mass = {settings.mass};
        c.friction = {settings.friction*settings.mass};
    }
    else {
        c.mass.assign(d*d, 0.0);
        for (int i = 0; i < d; i++)
            c.mass[i*d+i] = 1.0;
        c.friction = RunDesigns::stage2Friction(d, settings, noise);
    }
    if (source.userSystem) {
        stringstream xml;
        XmlSerializer::serialize<System>(source.userSystem.get(), "System", xml);
        c.systemXml = xml.str();
    }
    else
        c.energy = source.energy;
    return c;
}

EffectivePotential CoarseGrainer::fit(const ReplicaStatistics& stage1, const ReplicaStatistics& sampling, const string& platformName) {
    checkRunSettings("CoarseGrainer.fit");
    // The sampling statistics are checked first, as before Stage 1 was solved here.
    SamplingChecks::checkWhole(sampling, source.dimensions, 1, settings.numBatches, "sampling");
    if (!sampling.hasHistogram())
        throw OpenMMException("CoarseGrainer.fit: the sampling statistics keep no histogram: give the ones of runSampling");
    unique_ptr<Stage1Estimate> estimate;
    if (source.dimensions > 1)
    {
        estimate.reset(new Stage1Estimate(Stage1Estimate::solve(stage1, source.dimensions, settings)));
        estimate->requirePositiveDefinite();
    }
    return fit(estimate.get(), stage1, sampling, platformName);
}

EffectivePotential CoarseGrainer::fit(const Stage1Estimate* stage1Estimate, const ReplicaStatistics& stage1,
                                      const ReplicaStatistics& sampling, const string& platformName,
                                      const vector<double>* samplingNoise) {
    checkRunSettings("CoarseGrainer.fit");
    int d = source.dimensions, numBatches = settings.numBatches;
    double friction = settings.friction, stepSize = settings.stepSize, mass = settings.mass, targetKT = settings.targetKT;
    SamplingChecks::checkWhole(sampling, d, 1, numBatches, "sampling");
    if (!sampling.hasHistogram())
        throw OpenMMException("CoarseGrainer.fit: the sampling statistics keep no histogram: give the ones of runSampling");
    DiagnosticList diagnostics;
    vector<string> problems, warnings;
    double phi = NoiseCovarianceDesigns::samplingBias(friction*stepSize);
    double kT;
    vector<double> noise, noiseError, stage2Noise; // Stage 1's D and its errors; the D of Stage 2's friction
    if (d == 1) {
        SamplingChecks::checkNormality(sampling, 0, "the 1D run", settings, diagnostics, problems, "sampling");
        // kT = <p^2>/m; by batch means for its error. D = 2 gamma m kT / phi(gamma h) (the 1D energy balance).
        vector<double> batchKT;
        for (int b = 0; b < numBatches; b++)
            batchKT.push_back(sampling.getQuadraticSum(0, b)/sampling.getCount(0, b));
        double sum = 0, sumSquares = 0;
        for (double x : batchKT) {
            sum += x;
            sumSquares += x*x;
        }
        double kineticKT = sum/numBatches;
        kT = SamplingChecks::driftKT(sampling, mass);
        diagnostics.push_back(make_pair("kT.kinetic", kineticKT));
        double kTError = sqrt(max(0.0, (sumSquares/numBatches-kineticKT*kineticKT)/(numBatches-1)));
        diagnostics.push_back(make_pair("kT.kinetic.standardError", kTError));
        noise = {2*friction*mass*kineticKT/phi};
        noiseError = {2*friction*mass*kTError/phi};
    }
    else {
        // Stage 1's law is not Gibbs: its non-Gaussian momenta are noted, not fatal.
        diagnostics.insert(diagnostics.end(), stage1Estimate->diagnostics.begin(), stage1Estimate->diagnostics.end());
        noise = stage1Estimate->noise;
        noiseError = stage1Estimate->noiseError;
        stage2Noise = (samplingNoise != NULL ? *samplingNoise : noise);
        SamplingChecks::checkNormality(sampling, 0, "stage2", settings, diagnostics, problems);
        for (const string& note : stage1Estimate->notes)
            warnings.push_back(note+" (expected in Stage 1 away from quadratic landscapes; not used for the fit)");
        // <p p^T> at full steps should be stage2MomentumCovariance (kT* phi/psi per eigendirection of Gamma;
        // theory.md section 5), and the drift momenta, which the positions see, kT* in every direction. The check
        // fires when an entry is off by more than 3.5 standard errors: those of Stage 2's batch means combined with
        // what Stage 1's whitened error allows.
        vector<double> expected = RunDesigns::stage2MomentumCovariance(d, settings, stage2Noise);
        vector<double> sum(d*d, 0.0), sumSquares(d*d, 0.0);
        for (int k = 0; k < numBatches; k++) {
            vector<double> s = sampling.getSecondMomentSums(0, k);
            double n = sampling.getCount(0, k);
            for (int i = 0; i < d*d; i++) {
                sum[i] += s[i]/n;
                sumSquares[i] += (s[i]/n)*(s[i]/n);
            }
        }
        double whitened = stage1Estimate->whitenedError;
        double trace = 0;
        const char* names = "xyz";
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                int ij = i*d+j;
                double mean = sum[ij]/numBatches;
                double batchError = sqrt(max(0.0, (sumSquares[ij]/numBatches-mean*mean)/(numBatches-1)));
                double allowed = sqrt(batchError*batchError+pow(whitened*sqrt(expected[i*d+i]*expected[j*d+j]), 2));
                double ratio = mean/targetKT;
                if (i == j)
                    trace += mean;
                diagnostics.push_back(make_pair(string("stage2.ppT_over_targetKT.")+names[i]+names[j], ratio));
                diagnostics.push_back(make_pair(string("stage2.ppT_expected_over_targetKT.")+names[i]+names[j], expected[ij]/targetKT));
                diagnostics.push_back(make_pair(string("stage2.ppT_over_targetKT.")+names[i]+names[j]+".standardError", batchError/targetKT));
                if (j >= i && fabs(mean-expected[ij]) > 3.5*allowed)
                    warnings.push_back(string("Stage 2 is not calibrated: <p p^T>/kT* entry ")+names[i]+names[j]+" is "+numberText(ratio)+
                                       " where the calibration expects "+numberText(expected[ij]/targetKT)+" (+- "+numberText(allowed/targetKT)+
                                       ", from Stage 2's batches and Stage 1's whitened error): the Stage-1 estimate of D is off "
                                       "by more than its error says; run Stage 1 longer or with more replicas");
            }
        }
        // The drift temperature along each eigendirection of Gamma: kT* in each when Stage 2's D is the noise its
        // dynamics realise.
        vector<double> gammaValues = RunDesigns::stage2Friction(d, settings, stage2Noise);
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> gammaEigen(Eigen::Map<Eigen::MatrixXd>(gammaValues.data(), d, d));
        vector<double> driftErrors;
        vector<double> driftKT = RunDesigns::driftTemperatures(d, settings, stage2Noise, sampling, &driftErrors);
        for (int m = 0; m < d; m++) {
            diagnostics.push_back(make_pair("stage2.friction.eigenvalue"+to_string(m), gammaEigen.eigenvalues()[m]));
            if (m < (int) driftKT.size()) {
                diagnostics.push_back(make_pair("stage2.driftKT.direction"+to_string(m), driftKT[m]));
                diagnostics.push_back(make_pair("stage2.driftKT.direction"+to_string(m)+".standardError", driftErrors[m]));
            }
        }
        for (int i = 0; i < d; i++)
            for (int j = i; j < d; j++) // the D Stage 2's friction came from (Stage 1's, or refined from Stage 2's noise)
                diagnostics.push_back(make_pair(string("stage2.noise.")+names[i]+names[j], stage2Noise[i*d+j]));
        diagnostics.push_back(make_pair("kT.kinetic", trace/d));
        kT = SamplingChecks::driftKT(sampling, 1.0);
    }
    string frozenWarning = SamplingChecks::checkFrozenReplicas(sampling, stage1, settings.restartFrozenReplicas, diagnostics);
    // A frozen run: the deterministic dynamics settled into micro-wells and the "noise" vanished.
    // (For a user's System the energy of one replica is not separable: only the kurtosis check applies.)
    bool user = (source.userSystem != nullptr);
    double spread = (user ? 0.0 : energySpread(source.energy, initialPositions(settings.numReplicas), d));
    diagnostics.push_back(make_pair("energySpreadAtStart", spread));
    diagnostics.push_back(make_pair("kT.drift", kT));
    // Replicas started at one point (or a user's System) give no spread: compare with kT* then.
    SamplingChecks::checkNotFrozen(kT, spread > 0 ? spread : targetKT);
    SamplingChecks::checkGaussian(problems, settings, !pilotDiagnostics.empty());
    if (progress != NULL)
        progress->report("fit", 0, 1);
    // The learned U may not be sharper than the step resolves (setResolutionLimit; docs/theory.md section 3).
    double resolutionLimit = settings.resolutionLimit;
    fitter.setMaxCurvature(resolutionLimit > 0 ? resolutionLimit*(d == 1 ? mass : 1.0)/(stepSize*stepSize) : 0.0);
    // The fitter reports a heartbeat to this run's reporter (a Python one may raise on Ctrl-C: unset it either way).
    struct FitterReporter {
        PotentialFitter& fitter;
        ~FitterReporter() { fitter.setProgressReporter(NULL); }
    } fitterReporter = {fitter};
    fitter.setProgressReporter(progress);
    EffectivePotential potential = fitter.fit(sampling, kT);
    if (progress != NULL)
        progress->report("fit", 1, 1);
    potential.setNoiseCovariance(noise, noiseError);
    potential.setCalibration(calibration(d == 1 ? noise : stage2Noise, kT));
    for (auto& entry : diagnostics)
        potential.getDiagnostics()[entry.first] = entry.second;
    for (auto& entry : pilotDiagnostics)
        potential.getDiagnostics()[entry.first] = entry.second;
    // The pilot's diagnostics are those of the friction it picked (run() clears them when the friction was set).
    potential.getDiagnostics()["settings.frictionAutomatic"] = (pilotDiagnostics.empty() ? 0 : 1);
    // Does the step resolve what was learned? (docs/theory.md section 3: h^2 lambda_max(M^-1 Hessian) <~ 0.3.)
    double resolution = stepSize*stepSize*potential.getMaxCurvature(3*kT)/(d == 1 ? mass : 1.0);
    potential.getDiagnostics()["resolution.h2LambdaMax"] = resolution;
    if (resolution > 0.3)
        potential.getNotes()["resolutionWarning"] = "the learned U has curvature the step does not resolve (h^2 lambda_max/m = "+
                numberText(resolution)+" > 0.3): its sharpest features are partly noise at this step; a smaller step learns them, "
                "a larger one smooths them out";
    // Does U agree with the histogram it was fitted to? (A narrow feature smoothed away is not in the bands.)
    double histogramDeviation = 0;
    string unresolved = UnresolvedFeatures::check(sampling, potential, kT, histogramDeviation);
    potential.getDiagnostics()["fit.largestHistogramDeviation"] = histogramDeviation;
    if (!unresolved.empty())
        potential.getNotes()["unresolvedFeature"] = unresolved;
    // Have U's basins exchanged replicas often enough to forget the starts? (Not in the bands: BasinMixing.h.)
    double equilibrationTime = settings.numEquilibrationSteps*stepSize;
    double samplingTime = (d == 1 ? settings.numSteps : getNumStage2Steps())*stepSize;
    BasinMixing::Basin slowest = BasinMixing::slowest(sampling, potential, (double) getNumReplicas()/numBatches,
                                                      equilibrationTime, samplingTime);
    potential.getDiagnostics()["sampling.basinMemory"] = slowest.memory;
    potential.getDiagnostics()["sampling.basinSamplesPerReplica"] = slowest.independentSamples;
    string unmixed = BasinMixing::note(slowest, equilibrationTime, samplingTime);
    if (!unmixed.empty())
        potential.getNotes()["unequilibratedBasins"] = unmixed;
    // Single and mixed precision evaluate the energy at float positions, which resolve only |q| 2^-24 nm: far from the
    // origin a fine micro-scale is evaluated at the wrong phase (a landscape centred at x = 1e5 learned 8 times the
    // RMSE of double precision, with no sign of it). Say what the positions resolve where they were sampled.
    if (platformName == "OpenCL" || platformName == "CUDA") {
        auto entry = platformProperties.find("Precision");
        string precision = (entry == platformProperties.end() ? "single" : entry->second);
        if (precision != "double") {
            double extent = 0;
            const RegularGrid& box = sampling.getGrid();
            for (int i = 0; i < d; i++)
                extent = max(extent, max(fabs(box.getLower()[i]), fabs(box.getUpper()[i])));
            double resolution = extent*pow(2.0, -24);
            potential.getDiagnostics()["precision.positionResolution"] = resolution;
            if (resolution > 1e-6)
                potential.getNotes()["precisionWarning"] = "the run used "+precision+" precision, whose positions resolve "
                        "only "+numberText(resolution)+" nm where the replicas were sampled (|q| up to "+numberText(extent)+
                        " nm): small scales not much coarser than that were evaluated wrongly; use Precision = double, "
                        "or a landscape centred nearer the origin";
        }
    }
    auto& notes = potential.getNotes();
    auto& numbers = potential.getDiagnostics();
    notes["strategy"] = (d == 1 ? "1D: scalar friction, kT = <p^2>/m" : "Stage 1 (noise covariance) and Stage 2 (calibrated friction)");
    notes["energy"] = (user ? "(a user System; replicas are particles of it)" : source.energy);
    notes["platform"] = platformName;
    for (size_t i = 0; i < problems.size(); i++)
        notes["normalityWarning"+to_string(i)] = problems[i];
    for (size_t i = 0; i < warnings.size(); i++)
        notes["stage1Note"+to_string(i)] = warnings[i];
    if (!frozenWarning.empty())
        notes["frozenReplicasWarning"] = frozenWarning;
    if (stage1Estimate != NULL && !stage1Estimate->abandoned.empty())
        notes["stage1Rounds"] = stage1Estimate->abandoned;
    // Stage 1 ran out of rounds before its precision reached the tolerance (landscapes noisier along a weak direction
    // than P6, or fewer rounds asked for): say so, with what would help; D-hat's errors still reach the bands.
    if (stage1Estimate != NULL && stage1Estimate->positiveDefinite && stage1Estimate->whitenedError > settings.stage1Tolerance)
        notes["stage1Precision"] = "Stage 1 stopped after "+to_string(stage1Estimate->rounds)+" round"+
                (stage1Estimate->rounds > 1 ? "s" : "")+" (maxStage1Rounds = "+to_string(settings.maxStage1Rounds)+
                ") with a standard error of "+numberText(stage1Estimate->whitenedError)+" along D-hat's weakest direction "
                "(stage1.whitenedError), above stage1Tolerance = "+numberText(settings.stage1Tolerance)+": more rounds "
                "(setStage1Precision(tolerance, rounds)), replicas or steps make D more precise; the error bands of U "
                "include it";
    numbers["settings.dimensions"] = d;
    numbers["settings.stepSize"] = stepSize;
    numbers["settings.friction"] = friction;
    numbers["settings.mass"] = mass;
    numbers["settings.targetKT"] = targetKT;
    numbers["settings.numReplicas"] = getNumReplicas();
    numbers["settings.numSteps"] = settings.numSteps;
    numbers["settings.numStage2Steps"] = (d == 1 ? 0 : getNumStage2Steps());
    numbers["settings.numEquilibrationSteps"] = settings.numEquilibrationSteps;
    numbers["settings.sampleInterval"] = settings.sampleInterval;
    numbers["settings.numBatches"] = numBatches;
    numbers["settings.randomSeed"] = settings.randomSeed;
    numbers["settings.startsFromPilot"] = (startsFromPilot ? 1 : 0);
    numbers["samples"] = sampling.getGroupCount(0);
    numbers["samplingBias.phi"] = phi;
    this->stage1 = stage1;
    this->sampling = sampling;
    return potential;
}
