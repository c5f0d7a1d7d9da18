#include "DampedVerletIntegrator.h"
#include "EffPotKernels.h"
#include "internal/BlockMatrixAlgebra.h"
#include "internal/DampedVerletMatrices.h"
#include "openmm/CMMotionRemover.h"
#include "openmm/Context.h"
#include "openmm/OpenMMException.h"
#include "openmm/reference/SimTKOpenMMRealType.h"  // BOLTZ, kJ/mol/K
#include "openmm/System.h"
#include "openmm/internal/ContextImpl.h"
#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>

using namespace EffPot;
using namespace OpenMM;
using namespace std;
using BlockMatrixAlgebra::Definiteness;

namespace {


string blockName(const char* method, int index) {
    stringstream s;
    s<<"DampedVerletIntegrator."<<method<<": block "<<index;
    return s.str();
}

} // namespace

DampedVerletIntegrator::DampedVerletIntegrator(double stepSize) : defaultFriction(0), temperature(0), randomNumberSeed(0),
        splitting(OBABO), parameterVersion(0), forcesAreValid(false) {
    setStepSize(stepSize);
    setConstraintTolerance(1e-5);
}

DampedVerletIntegrator::~DampedVerletIntegrator() {
}

void DampedVerletIntegrator::setStepSize(double size) {
    if (!(size > 0) || !std::isfinite(size))
        throw OpenMMException("DampedVerletIntegrator.setStepSize: stepSize must be a positive number of picoseconds");
    Integrator::setStepSize(size);
    parameterVersion++;
}

int DampedVerletIntegrator::addBlock(const vector<int>& particles, const vector<double>& massMatrix, const vector<double>& frictionMatrix) {
    if (particles.empty())
        throw OpenMMException("DampedVerletIntegrator.addBlock: particles is empty: a block needs at least one particle");
    int index = blocks.size();
    for (int p : particles) {
        if (p < 0) {
            stringstream msg;
            msg<<"DampedVerletIntegrator.addBlock: particle index "<<p<<" is negative";
            throw OpenMMException(msg.str());
        }
        int owner = (p < (int) blockOfParticle.size() ? blockOfParticle[p] : -1);
        if (owner != -1) {
            stringstream msg;
            msg<<"DampedVerletIntegrator.addBlock: particle "<<p<<" is already in block "<<owner
               <<": each particle may belong to one block only";
            throw OpenMMException(msg.str());
        }
        if (count(particles.begin(), particles.end(), p) > 1) {
            stringstream msg;
            msg<<"DampedVerletIntegrator.addBlock: particle "<<p<<" is listed more than once in particles: list each "
               <<"particle of the block once";
            throw OpenMMException(msg.str());
        }
        // Bound to a Context, the System is known: refuse here what the next step could only refuse forever after
        // (a block cannot be removed).
        if (context != NULL) {
            const System& system = context->getSystem();
            if (p >= system.getNumParticles()) {
                stringstream msg;
                msg<<"DampedVerletIntegrator.addBlock: particle "<<p<<" is not in the Context's System, which has "
                   <<system.getNumParticles()<<" particles";
                throw OpenMMException(msg.str());
            }
            if (system.getParticleMass(p) <= 0) {
                stringstream msg;
                msg<<"DampedVerletIntegrator.addBlock: particle "<<p<<" has System mass zero (fixed): leave fixed "
                   <<"particles out of blocks";
                throw OpenMMException(msg.str());
            }
        }
    }
    int n = 3*particles.size();
    BlockMatrixAlgebra::checkMatrix(massMatrix, n, Definiteness::PositiveDefinite, "DampedVerletIntegrator.addBlock: massMatrix");
    BlockMatrixAlgebra::checkMatrix(frictionMatrix, n, Definiteness::PositiveSemidefinite, "DampedVerletIntegrator.addBlock: frictionMatrix");
    for (int p : particles) {
        if (p >= (int) blockOfParticle.size())
            blockOfParticle.resize(p+1, -1);
        blockOfParticle[p] = index;
    }
    blocks.push_back(Block{particles, massMatrix, frictionMatrix, {}});
    parameterVersion++;
    return index;
}

void DampedVerletIntegrator::checkBlockIndex(int index, const char* method) const {
    if (index < 0 || index >= (int) blocks.size()) {
        stringstream msg;
        msg<<"DampedVerletIntegrator."<<method<<": block index "<<index<<" is out of range (there are "<<blocks.size()<<" blocks)";
        throw OpenMMException(msg.str());
    }
}

int DampedVerletIntegrator::getNumBlocks() const {
    return blocks.size();
}

const vector<int>& DampedVerletIntegrator::getBlockParticles(int index) const {
    checkBlockIndex(index, "getBlockParticles");
    return blocks[index].particles;
}

const vector<double>& DampedVerletIntegrator::getBlockMassMatrix(int index) const {
    checkBlockIndex(index, "getBlockMassMatrix");
    return blocks[index].mass;
}

const vector<double>& DampedVerletIntegrator::getBlockFrictionMatrix(int index) const {
    checkBlockIndex(index, "getBlockFrictionMatrix");
    return blocks[index].friction;
}

void DampedVerletIntegrator::setBlockParameters(int index, const vector<double>& massMatrix, const vector<double>& frictionMatrix) {
    checkBlockIndex(index, "setBlockParameters");
    int n = 3*blocks[index].particles.size();
    BlockMatrixAlgebra::checkMatrix(massMatrix, n, Definiteness::PositiveDefinite, blockName("setBlockParameters", index)+" massMatrix");
    BlockMatrixAlgebra::checkMatrix(frictionMatrix, n, Definiteness::PositiveSemidefinite, blockName("setBlockParameters", index)+" frictionMatrix");
    blocks[index].mass = massMatrix;
    blocks[index].friction = frictionMatrix;
    parameterVersion++;
}

double DampedVerletIntegrator::getDefaultFriction() const {
    return defaultFriction;
}

void DampedVerletIntegrator::setDefaultFriction(double gamma) {
    if (!(gamma >= 0) || !std::isfinite(gamma))
        throw OpenMMException("DampedVerletIntegrator.setDefaultFriction: gamma must be a finite non-negative number (1/ps)");
    defaultFriction = gamma;
    parameterVersion++;
}

double DampedVerletIntegrator::getTemperature() const {
    return temperature;
}

void DampedVerletIntegrator::setTemperature(double temp) {
    if (!(temp >= 0) || !std::isfinite(temp))
        throw OpenMMException("DampedVerletIntegrator.setTemperature: temperature must be a finite non-negative number "
                              "of kelvin (0 selects the deterministic scheme)");
    temperature = temp;
    parameterVersion++;
}

void DampedVerletIntegrator::setNoiseCovariance(int block, const vector<double>& covariance) {
    checkBlockIndex(block, "setNoiseCovariance");
    if (!covariance.empty())
        BlockMatrixAlgebra::checkMatrix(covariance, 3*blocks[block].particles.size(), Definiteness::PositiveSemidefinite,
                                        blockName("setNoiseCovariance", block)+" covariance");
    blocks[block].noise = covariance;
    parameterVersion++;
}

const vector<double>& DampedVerletIntegrator::getNoiseCovariance(int block) const {
    checkBlockIndex(block, "getNoiseCovariance");
    return blocks[block].noise;
}

void DampedVerletIntegrator::setSplitting(int value) {
    if (value != OBABO && value != BAOAB && value != GHMC)
        throw OpenMMException("DampedVerletIntegrator.setSplitting: "+to_string(value)+" is not a splitting: use "
                              "DampedVerletIntegrator.OBABO (0), DampedVerletIntegrator.BAOAB (1) or DampedVerletIntegrator.GHMC (2)");
    splitting = value;
    parameterVersion++;
}

int DampedVerletIntegrator::getRandomNumberSeed() const {
    return randomNumberSeed;
}

void DampedVerletIntegrator::setRandomNumberSeed(int seed) {
    randomNumberSeed = seed;
}

long long DampedVerletIntegrator::getParameterVersion() const {
    return parameterVersion;
}

DampedVerletMatrices DampedVerletIntegrator::computeMatrices(const System& system) const {
    int numParticles = system.getNumParticles();
    DampedVerletMatrices result;
    result.stepSize = getStepSize();
    result.splitting = splitting;
    double halfStep = 0.5*getStepSize();
    double kT = BOLTZ*temperature; // OpenMM's own constant, kJ/mol/K
    result.kT = kT;
    if (splitting == GHMC) {
        // The Metropolis test compares with exp(-dH/kT): it needs the temperature the noise is at, and noise that
        // satisfies fluctuation-dissipation at it (an explicit covariance has no temperature).
        if (!(kT > 0))
            throw OpenMMException("DampedVerletIntegrator: the GHMC splitting samples exp(-H/kT) and needs a temperature: call "
                                  "setTemperature(T > 0), or use the OBABO or BAOAB splitting for the deterministic scheme");
        for (int b = 0; b < (int) blocks.size(); b++)
            if (!blocks[b].noise.empty())
                throw OpenMMException(blockName("setNoiseCovariance", b)+" has an explicit noise covariance, which has no "
                                      "temperature for the GHMC splitting's Metropolis test: remove it (setNoiseCovariance(block, []))"
                                      " or use the OBABO or BAOAB splitting");
    }
    // Replicas share their matrices: build each distinct (M, Gamma, D) once.
    map<tuple<vector<double>, vector<double>, vector<double> >, int> setIndex;
    vector<bool> inBlock(numParticles, false);
    for (int b = 0; b < (int) blocks.size(); b++) {
        const Block& block = blocks[b];
        for (int p : block.particles) {
            if (p >= numParticles) {
                stringstream msg;
                msg<<blockName("addBlock", b)<<" contains particle "<<p<<", but the System has only "<<numParticles<<" particles";
                throw OpenMMException(msg.str());
            }
            if (system.getParticleMass(p) <= 0) {
                stringstream msg;
                msg<<blockName("addBlock", b)<<" contains particle "<<p<<" whose System mass is zero: particles in "
                   <<"blocks must have a positive mass (mass 0 means fixed; leave fixed particles out of blocks)";
                throw OpenMMException(msg.str());
            }
            inBlock[p] = true;
        }
        auto key = make_tuple(block.mass, block.friction, block.noise);
        auto found = setIndex.find(key);
        int index;
        if (found == setIndex.end()) {
            index = result.parameterSets.size();
            setIndex[key] = index;
            result.parameterSets.push_back(BlockMatrixAlgebra::buildParameterSet(block.mass, block.friction, block.noise, kT, halfStep));
        }
        else
            index = found->second;
        result.blockParameterSet.push_back(index);
        result.blockStart.push_back(result.blockParticles.size());
        result.blockParticles.insert(result.blockParticles.end(), block.particles.begin(), block.particles.end());
    }
    result.blockStart.push_back(result.blockParticles.size());
    result.freeDecay = exp(-halfStep*defaultFriction);
    result.freeFullDecay = exp(-2*halfStep*defaultFriction);
    for (int i = 0; i < numParticles; i++) {
        double mass = system.getParticleMass(i);
        if (inBlock[i] || mass == 0)
            continue;
        result.freeParticles.push_back(i);
        result.freeInverseMass.push_back(1.0/mass);
        // Scalar case of the fluctuation-dissipation factor: sqrt(kT/m (1 - exp(-2 t gamma))).
        result.freeNoise.push_back(sqrt(kT/mass*(-expm1(-2*halfStep*defaultFriction))));
        result.freeFullNoise.push_back(sqrt(kT/mass*(-expm1(-4*halfStep*defaultFriction))));
    }
    result.anyNoise = false;
    for (const auto& set : result.parameterSets)
        result.anyNoise |= !set.noise.empty();
    for (double s : result.freeNoise)
        result.anyNoise |= (s > 0);
    return result;
}

void DampedVerletIntegrator::initialize(ContextImpl& contextRef) {
    if (owner != NULL && &contextRef.getOwner() != owner)
        throw OpenMMException("This Integrator is already bound to a context");
    const System& system = contextRef.getSystem();
    if (system.getNumConstraints() > 0)
        throw OpenMMException("DampedVerletIntegrator: the System has constraints, which this integrator does not support "
                              "(its mass matrices need not be diagonal): remove the constraints or use another integrator");
    computeMatrices(system); // validates the blocks against the System before any kernel sees them
    for (int i = 0; i < system.getNumForces(); i++)
        if (dynamic_cast<const CMMotionRemover*>(&system.getForce(i)) != NULL && !blocks.empty())
            cerr<<"DampedVerletIntegrator: warning: the System has a CMMotionRemover, which uses the System masses "
                  "and couples every particle (all replicas); remove it unless that is what you want"<<endl;
    context = &contextRef;
    owner = &contextRef.getOwner();
    kernel = context->getPlatform().createKernel(IntegrateDampedVerletStepKernel::Name(), contextRef);
    kernel.getAs<IntegrateDampedVerletStepKernel>().initialize(system, *this);
    forcesAreValid = false;
}

void DampedVerletIntegrator::cleanup() {
    kernel = Kernel();
}

vector<string> DampedVerletIntegrator::getKernelNames() {
    return {IntegrateDampedVerletStepKernel::Name()};
}

void DampedVerletIntegrator::stateChanged(State::DataType changed) {
    forcesAreValid = false;
}

double DampedVerletIntegrator::getMetropolisAcceptance() {
    if (context == NULL)
        throw OpenMMException("DampedVerletIntegrator.getMetropolisAcceptance: this integrator is not bound to a Context");
    long long accepted, proposed;
    kernel.getAs<const IntegrateDampedVerletStepKernel>().getMetropolisCounts(accepted, proposed);
    return (proposed == 0 ? -1.0 : accepted/(double) proposed);
}

double DampedVerletIntegrator::computeKineticEnergy() {
    return kernel.getAs<IntegrateDampedVerletStepKernel>().computeKineticEnergy(*context, *this);
}

void DampedVerletIntegrator::step(int steps) {
    if (context == NULL)
        throw OpenMMException("DampedVerletIntegrator.step: this integrator is not bound to a Context");
    IntegrateDampedVerletStepKernel& stepKernel = kernel.getAs<IntegrateDampedVerletStepKernel>();
    for (int i = 0; i < steps; ) {
        // The first kick reuses the forces of the previous step's second kick unless something invalidated them:
        // a state change, a Force that changed the state (a barostat), or a force evaluation for other force
        // groups (e.g. a State with a subset of groups).
        if (context->updateContextState())
            forcesAreValid = false;
        bool valid = forcesAreValid && context->getLastForceGroups() == getIntegrationForceGroups();
        // The kernel may take several steps at once when no Force has a state to update between them (replicas).
        i += stepKernel.executeSteps(*context, *this, valid, steps-i);
        forcesAreValid = valid;
    }
}

vector<Vec3> DampedVerletIntegrator::getVelocitiesForTemperature(const System& system, double temp, int randomSeed) const {
    // OpenMM's draw gives v_i = sqrt(kT/m_i) z_i with System masses; recover z and apply the block factors,
    // so that particles outside blocks are drawn exactly as OpenMM's own integrators draw them.
    vector<Vec3> velocities = Integrator::getVelocitiesForTemperature(system, temp, randomSeed);
    double kT = BOLTZ*temp;
    if (kT == 0)
        return velocities;
    for (const Block& block : blocks) {
        int k = block.particles.size(), n = 3*k;
        vector<double> z(n), factor = BlockMatrixAlgebra::thermalVelocityFactor(block.mass, kT);
        for (int j = 0; j < k; j++) {
            int p = block.particles[j];
            double mass = system.getParticleMass(p);
            double scale = (mass > 0 ? sqrt(mass/kT) : 0.0);
            for (int c = 0; c < 3; c++)
                z[3*j+c] = velocities[p][c]*scale;
        }
        for (int j = 0; j < k; j++)
            for (int c = 0; c < 3; c++) {
                double sum = 0;
                for (int m = 0; m < n; m++)
                    sum += factor[(3*j+c)*n+m]*z[m];
                velocities[block.particles[j]][c] = sum;
            }
    }
    return velocities;
}

void DampedVerletIntegrator::createCheckpoint(ostream& stream) const {
    kernel.getAs<const IntegrateDampedVerletStepKernel>().createCheckpoint(*context, stream);
}

void DampedVerletIntegrator::loadCheckpoint(istream& stream) {
    kernel.getAs<IntegrateDampedVerletStepKernel>().loadCheckpoint(*context, stream);
    forcesAreValid = false;
}
