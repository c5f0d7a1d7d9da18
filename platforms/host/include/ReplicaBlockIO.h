#ifndef EFFPOT_REPLICA_BLOCK_IO_H_
#define EFFPOT_REPLICA_BLOCK_IO_H_

// Moving one block of replicas between OpenMM's arrays of structures and the lanes of a force evaluator, shared by
// the replica force kernels of the Reference and CPU platforms.

#include "openmm/Vec3.h"
#include <algorithm>
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
} // namespace EffPot

#endif /*EFFPOT_REPLICA_BLOCK_IO_H_*/
