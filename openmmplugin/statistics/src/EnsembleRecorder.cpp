#include "EnsembleRecorder.h"
#include "openmm/Context.h"
#include "openmm/Integrator.h"
#include "openmm/OpenMMException.h"
#include "openmm/State.h"
#include <string>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

EnsembleRecorder::EnsembleRecorder(const vector<int>& particles, int dimensions, const RegularGrid& grid, int maxLag,
                                   int numTimes) :
        particles(particles), dimensions(dimensions), grid(grid),
        trajectories(max<int>(1, particles.size()), max(1, dimensions), maxLag, numTimes), outside(0) {
    if (particles.empty())
        throw OpenMMException("EnsembleRecorder: give at least one particle (one per trajectory)");
    if (dimensions < 1 || dimensions > 3)
        throw OpenMMException("EnsembleRecorder: dimensions is "+to_string(dimensions)+"; it must be 1, 2 or 3");
    if (grid.getDimensions() != 0 && grid.getDimensions() != dimensions)
        throw OpenMMException("EnsembleRecorder: the histogram grid has "+to_string(grid.getDimensions())+
                              " dimensions but "+to_string(dimensions)+" coordinates are recorded");
    for (int p : particles)
        if (p < 0)
            throw OpenMMException("EnsembleRecorder: particle index "+to_string(p)+" is negative");
    if (grid.getDimensions() != 0 && grid.getNumBins() > 5e7)
        throw OpenMMException("EnsembleRecorder: the histogram grid has "+to_string(grid.getNumBins())+" bins (at most 5e7): "
                              "use fewer bins per dimension");
    if (grid.getDimensions() != 0)
        histogram.assign(grid.getNumBins(), 0.0);
}

void EnsembleRecorder::record(Context& context, int numSamples, int interval) {
    if (numSamples < 0 || interval < 0)
        throw OpenMMException("EnsembleRecorder.record: numSamples and interval must not be negative");
    int numParticles = context.getSystem().getNumParticles();
    for (int p : particles)
        if (p >= numParticles)
            throw OpenMMException("EnsembleRecorder.record: particle "+to_string(p)+" is not in the Context's System ("+
                                  to_string(numParticles)+" particles)");
    vector<double> values(particles.size()*dimensions);
    for (int s = 0; s < numSamples; s++) {
        if (interval > 0)
            context.getIntegrator().step(interval);
        State state = context.getState(State::Positions);
        const vector<Vec3>& positions = state.getPositions();
        for (size_t t = 0; t < particles.size(); t++) {
            const Vec3& r = positions[particles[t]];
            for (int c = 0; c < dimensions; c++)
                values[t*dimensions+c] = r[c];
            if (!histogram.empty()) {
                int bin = grid.findBin(&values[t*dimensions]);
                if (bin < 0)
                    outside += 1;
                else
                    histogram[bin] += 1;
            }
        }
        trajectories.addSample(values);
    }
}

void EnsembleRecorder::merge(const EnsembleRecorder& other) {
    if (other.dimensions != dimensions || !(other.grid == grid))
        throw OpenMMException("EnsembleRecorder.merge: the recorders have different dimensions or grids");
    trajectories.merge(other.trajectories);
    for (size_t i = 0; i < histogram.size(); i++)
        histogram[i] += other.histogram[i];
    outside += other.outside;
    particles.insert(particles.end(), other.particles.begin(), other.particles.end());
}
