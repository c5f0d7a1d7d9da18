#ifndef EFFPOT_REPLICA_BLOCK_IO_H_
#define EFFPOT_REPLICA_BLOCK_IO_H_

// Moving one block of replicas between OpenMM's arrays of structures and the lanes of a force evaluator, and the
// bookkeeping of a replica force's blocks (ReplicaBlocks), shared by the replica force kernels of the Reference and
// CPU platforms.

#include "openmm/Vec3.h"
#include <algorithm>
#include <functional>
#include <vector>

namespace EffPot {
namespace ReplicaBlockIO {

/**
 * x, y, z <- the positions of block `block` (`size` lanes) of `particles`; a short last block repeats its first
 * particle in the unused lanes (finite values, ignored afterwards). Returns how many lanes are real.
 */
inline int load(const std::vector<int>& particles, int block, int size, const std::vector<OpenMM::Vec3>& positions,
                double* x, double* y, double* z) {
    int first = block*size;
    int count = std::min(size, (int) particles.size()-first);
    const int* index = &particles[first];
    for (int i = 0; i < count; i++) {
        const OpenMM::Vec3& p = positions[index[i]];
        x[i] = p[0];
        y[i] = p[1];
        z[i] = p[2];
    }
    for (int i = count; i < size; i++) {
        x[i] = x[0];
        y[i] = y[0];
        z[i] = z[0];
    }
    return count;
}

/** forces -= the gradient lanes dE/dx, dE/dy, dE/dz of the `count` real lanes of block `block`. */
inline void subtractGradient(const std::vector<int>& particles, int block, int size, int count, const double* dx,
                             const double* dy, const double* dz, std::vector<OpenMM::Vec3>& forces) {
    const int* index = &particles[block*size];
    for (int i = 0; i < count; i++) {
        OpenMM::Vec3& f = forces[index[i]];
        f[0] -= dx[i];
        f[1] -= dy[i];
        f[2] -= dz[i];
    }
}

/** The sum of the `count` real energy lanes. */
inline double sum(const double* lanes, int count) {
    double total = 0.0;
    for (int i = 0; i < count; i++)
        total += lanes[i];
    return total;
}

} // namespace ReplicaBlockIO

/**
 * A replica force's particles cut into blocks of a fixed number of lanes, with what both replica force kernels
 * (ReplicaExpressionForce, ReplicaSplineForce) do around their blocks: running them serially when two entries name
 * the same particle (two blocks could then add to one particle's force), and summing the energy per block, then over
 * blocks in order, so that it does not depend on how the blocks are distributed over threads.
 */
class ReplicaBlocks {
public:
    typedef std::function<void (int first, int end, int slot)> RangeFunction;
    /** The particles of `force` (either replica force) in blocks of blockSize. */
    template <class Force>
    void initialize(const Force& force, int blockSize) {
        particles.resize(force.getNumParticles());
        for (int i = 0; i < force.getNumParticles(); i++)
            particles[i] = force.getParticle(i);
        std::vector<int> sorted = particles;
        std::sort(sorted.begin(), sorted.end());
        repeatedParticles = (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end());
        blockEnergy.resize((particles.size()+blockSize-1)/blockSize);
    }
    const std::vector<int>& getParticles() const {
        return particles;
    }
    /** The energy of one block, from its `count` real energy lanes. */
    void setEnergy(int block, const double* lanes, int count) {
        blockEnergy[block] = ReplicaBlockIO::sum(lanes, count);
    }
    /**
     * work(first, end, slot) over every block: through forEachRange(numBlocks, work) (the kernel's, possibly
     * parallel), or in one call on this thread with repeated particles. Returns the energy summed over blocks in
     * order if includeEnergy (every block's setEnergy called by then), else 0.
     */
    template <class ForEachRange>
    double run(bool includeEnergy, ForEachRange forEachRange, const RangeFunction& work) {
        int numBlocks = blockEnergy.size();
        if (repeatedParticles)
            work(0, numBlocks, 0);
        else
            forEachRange(numBlocks, work);
        double energy = 0.0;
        if (includeEnergy)
            for (double e : blockEnergy)
                energy += e;
        return energy;
    }
private:
    std::vector<int> particles;
    std::vector<double> blockEnergy;
    bool repeatedParticles = false;
};

} // namespace EffPot

#endif /*EFFPOT_REPLICA_BLOCK_IO_H_*/
