// The two splittings of DampedVerletIntegrator's step against closed forms: for a harmonic oscillator in the
// thermal mode, B-A-O-A-B samples the positions exactly at any stable step, and O-B-A-B-O with the known bias
// 1 / (1 - (omega h / 2)^2) of its configurational temperature; fused and unfused BAOAB steps agree; the setting
// serializes; bad values are refused.
#include "TestSupport.h"
#include "DampedVerletIntegrator.h"
#include "ReplicaExpressionForce.h"
#include "openmm/CustomExternalForce.h"
#include "openmm/OpenMMException.h"
#include "openmm/serialization/XmlSerializer.h"
#include <cmath>
#include <memory>
#include <sstream>

using namespace EffPot;
using namespace EffPotTest;
using namespace OpenMM;
using namespace std;

namespace {

const double KT = BOLTZ*300;   // kJ/mol at 300 K
const double STIFFNESS[3] = {4.0, 1.0, 2.25}; // omega = 2, 1, 1.5 (mass 1)

/**
 * R independent 3D harmonic oscillators, thermal DampedVerlet at step h with the given splitting. `chunks`: the
 * steps taken by one step() call each before the `steps` (so that fused batches start at any noise counter).
 */
vector<Vec3> run(int replicas, double h, int splitting, int steps, bool unfused, const string& platform, int sampleEvery,
                 vector<double>* variance, const vector<int>& chunks = vector<int>()) {
    System system;
    for (int i = 0; i < replicas; i++)
        system.addParticle(1.0);
    ReplicaExpressionForce* force = new ReplicaExpressionForce("0.5*(4*x^2 + y^2 + 2.25*z^2)");
    for (int i = 0; i < replicas; i++)
        force->addParticle(i);
    system.addForce(force);
    if (unfused) {
        CustomExternalForce* zero = new CustomExternalForce("0*x");
        zero->addParticle(0);
        system.addForce(zero);
    }
    DampedVerletIntegrator integrator(h);
    for (int i = 0; i < replicas; i++)
        integrator.addBlock({i}, {1, 0, 0, 0, 1, 0, 0, 0, 1}, {1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0});
    integrator.setTemperature(300);
    integrator.setRandomNumberSeed(11);
    integrator.setSplitting(splitting);
    Context context(system, integrator, Platform::getPlatformByName(platform));
    vector<Vec3> start(replicas, Vec3(0.1, -0.2, 0.3));
    context.setPositions(start);
    context.setVelocities(vector<Vec3>(replicas, Vec3(0.2, 0.1, -0.1)));
    for (int chunk : chunks)
        integrator.step(chunk);
    integrator.step(steps);
    if (variance != NULL) {
        // Second moments over replicas and 20 snapshots (about independent: a relaxation time apart).
        variance->assign(3, 0.0);
        for (int s = 0; s < 20; s++) {
            integrator.step(sampleEvery);
            State state = context.getState(State::Positions);
            for (const Vec3& q : state.getPositions())
                for (int c = 0; c < 3; c++)
                    (*variance)[c] += q[c]*q[c]/(20.0*replicas);
        }
    }
    return context.getState(State::Positions | State::Velocities).getPositions();
}

} // namespace

TEST(DampedVerletSplitting, BaoabSamplesHarmonicPositionsExactlyAndObaboWithItsKnownBias) {
    // omega h = 1.6 along x: OBABO's <x^2> is kT/k / (1 - 0.64) = 2.8 times the truth.
    const double h = 0.8;
    const int replicas = 4000;
    for (int splitting : {(int) DampedVerletIntegrator::BAOAB, (int) DampedVerletIntegrator::OBABO})
        for (const string& platform : platformNames()) {
            vector<double> variance;
            run(replicas, h, splitting, 100, false, platform, 5, &variance);
            for (int c = 0; c < 3; c++) {
                double omega = sqrt(STIFFNESS[c]);
                double exact = KT/STIFFNESS[c];
                double expected = (splitting == DampedVerletIntegrator::BAOAB ? exact : exact/(1-0.25*omega*h*omega*h));
                // 80000 samples, correlated in time: a generous 6 standard errors of a variance, sqrt(2/N) relative.
                double error = expected*sqrt(2.0/(20*replicas));
                ASSERT_NEAR(variance[c], expected, 6*error) << platform << " splitting " << splitting << " component " << c;
            }
        }
}

TEST(DampedVerletSplitting, FusedAndUnfusedBaoabStepsAgree) {
    for (const string& platform : platformNames()) {
        vector<Vec3> fused = run(131, 0.3, DampedVerletIntegrator::BAOAB, 150, false, platform, 0, NULL);
        vector<Vec3> unfused = run(131, 0.3, DampedVerletIntegrator::BAOAB, 150, true, platform, 0, NULL);
        for (int i = 0; i < 131; i++)
            for (int c = 0; c < 3; c++)
                ASSERT_NEAR(fused[i][c], unfused[i][c], 1e-10) << platform << " replica " << i;
    }
}

TEST(DampedVerletSplitting, FusedBaoabBatchesStartingAtAnyStepAgree) {
    // BAOAB's whole-step O steps share one Philox call between two consecutive steps: fused batches that start at
    // the second of such a pair (odd chunks) must draw the same noise as the unfused steps.
    vector<int> chunks = {1, 3, 2, 1, 5, 4};
    for (const string& platform : platformNames()) {
        vector<Vec3> fused = run(131, 0.3, DampedVerletIntegrator::BAOAB, 33, false, platform, 0, NULL, chunks);
        vector<Vec3> unfused = run(131, 0.3, DampedVerletIntegrator::BAOAB, 49, true, platform, 0, NULL);
        for (int i = 0; i < 131; i++)
            for (int c = 0; c < 3; c++)
                ASSERT_NEAR(fused[i][c], unfused[i][c], 1e-10) << platform << " replica " << i;
    }
}

TEST(DampedVerletSplitting, SerializesAndRefusesBadValues) {
    DampedVerletIntegrator integrator(0.01);
    ASSERT_EQ(integrator.getSplitting(), DampedVerletIntegrator::OBABO);
    integrator.setSplitting(DampedVerletIntegrator::BAOAB);
    stringstream buffer;
    XmlSerializer::serialize<Integrator>(&integrator, "Integrator", buffer);
    unique_ptr<Integrator> copy(XmlSerializer::deserialize<Integrator>(buffer));
    ASSERT_EQ(dynamic_cast<DampedVerletIntegrator&>(*copy).getSplitting(), DampedVerletIntegrator::BAOAB);
    integrator.setSplitting(DampedVerletIntegrator::GHMC);
    stringstream ghmc;
    XmlSerializer::serialize<Integrator>(&integrator, "Integrator", ghmc);
    unique_ptr<Integrator> ghmcCopy(XmlSerializer::deserialize<Integrator>(ghmc));
    ASSERT_EQ(dynamic_cast<DampedVerletIntegrator&>(*ghmcCopy).getSplitting(), DampedVerletIntegrator::GHMC);
    ASSERT_THROW(integrator.setSplitting(3), OpenMMException);
    ASSERT_THROW(integrator.setSplitting(-1), OpenMMException);
}
