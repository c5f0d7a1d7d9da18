#ifndef EFFPOT_DAMPED_VERLET_STEPPER_H_
#define EFFPOT_DAMPED_VERLET_STEPPER_H_

#include "PhiloxNormal.h"
#include "internal/DampedVerletMatrices.h"
#include "openmm/Vec3.h"
#include <algorithm>
#include <cstdint>
#include <vector>

namespace EffPot {

/**
 * The arithmetic of one O-B-A-B-O step on host arrays, shared by the Reference and CPU kernels.
 *
 * Work is split into units: unit u < numBlocks is block u, the rest are chunks of free particles. A step is
 * firstHalf (O, B, A) on every unit, a force evaluation, then secondHalf (B, O) on every unit; each half touches
 * only its unit's particles, so units can run on different threads in any order with identical results.
 *
 * One-particle blocks (3 x 3 matrices, the replica case) take an unrolled path: the step must cost little next to
 * the force evaluation (bench/bench_integrator.py).
 */
class DampedVerletStepper {
public:
    typedef std::vector<OpenMM::Vec3> Vectors;
    typedef DampedVerletMatrices::ParameterSet ParameterSet;

    DampedVerletStepper(const DampedVerletMatrices& matrices, uint32_t seed) : m(matrices), random(seed) {
        numBlocks = m.blockParameterSet.size();
        numFreeChunks = (m.freeParticles.size()+FreeChunk-1)/FreeChunk;
        maxSize = 3;
        for (const auto& set : m.parameterSets)
            maxSize = std::max(maxSize, set.size);
    }
    int getNumUnits() const {
        return numBlocks+numFreeChunks;
    }
    /** O, B, A: friction (and noise) half step, half kick with the current forces, drift. */
    void firstHalf(int firstUnit, int endUnit, Vectors& x, Vectors& v, const Vectors& f, uint64_t noiseCounter) const {
        std::vector<double> work(3*maxSize);
        const double h = m.stepSize;
        for (int u = firstUnit; u < std::min(endUnit, numBlocks); u++) {
            const int* particles = &m.blockParticles[m.blockStart[u]];
            const ParameterSet& set = m.parameterSets[m.blockParameterSet[u]];
            if (set.size == 3) {
                OpenMM::Vec3& vp = v[particles[0]];
                vp = multiply3(set.decay.data(), vp)+noise3(set, particles[0], noiseCounter)+multiply3(set.halfKick.data(), f[particles[0]]);
                x[particles[0]] += vp*h;
                continue;
            }
            int k = (m.blockStart[u+1]-m.blockStart[u]);
            friction(particles, k, set, v, noiseCounter, work.data());
            addProduct(set.halfKick, particles, k, f, v, work.data());
            for (int j = 0; j < k; j++)
                x[particles[j]] += v[particles[j]]*h;
        }
        forEachFree(firstUnit, endUnit, [&](int i, int p) {
            v[p] = v[p]*m.freeDecay+freeNoise(i, noiseCounter)+f[p]*(0.5*h*m.freeInverseMass[i]);
            x[p] += v[p]*h;
        });
    }
    /** B, O: half kick with the forces at the new positions, friction (and noise) half step. */
    void secondHalf(int firstUnit, int endUnit, Vectors& v, const Vectors& f, uint64_t noiseCounter) const {
        std::vector<double> work(3*maxSize);
        const double h = m.stepSize;
        for (int u = firstUnit; u < std::min(endUnit, numBlocks); u++) {
            const int* particles = &m.blockParticles[m.blockStart[u]];
            const ParameterSet& set = m.parameterSets[m.blockParameterSet[u]];
            if (set.size == 3) {
                OpenMM::Vec3& vp = v[particles[0]];
                vp = multiply3(set.decay.data(), vp+multiply3(set.halfKick.data(), f[particles[0]]))+noise3(set, particles[0], noiseCounter);
                continue;
            }
            int k = (m.blockStart[u+1]-m.blockStart[u]);
            addProduct(set.halfKick, particles, k, f, v, work.data());
            friction(particles, k, set, v, noiseCounter, work.data());
        }
        forEachFree(firstUnit, endUnit, [&](int i, int p) {
            v[p] = (v[p]+f[p]*(0.5*h*m.freeInverseMass[i]))*m.freeDecay+freeNoise(i, noiseCounter);
        });
    }
    /** (1/2) v^T M v over a range of units. */
    double kineticEnergy(int firstUnit, int endUnit, const Vectors& v) const {
        double energy = 0;
        for (int u = firstUnit; u < std::min(endUnit, numBlocks); u++) {
            const int* particles = &m.blockParticles[m.blockStart[u]];
            const ParameterSet& set = m.parameterSets[m.blockParameterSet[u]];
            int n = set.size;
            for (int r = 0; r < n; r++) {
                double row = 0;
                for (int c = 0; c < n; c++)
                    row += set.mass[r*n+c]*v[particles[c/3]][c%3];
                energy += 0.5*v[particles[r/3]][r%3]*row;
            }
        }
        forEachFree(firstUnit, endUnit, [&](int i, int p) {
            energy += 0.5*v[p].dot(v[p])/m.freeInverseMass[i];
        });
        return energy;
    }
private:
    static const int FreeChunk = 256;

    template <class Function>
    void forEachFree(int firstUnit, int endUnit, Function function) const {
        int numFree = m.freeParticles.size();
        int start = std::max(0, (firstUnit-numBlocks)*FreeChunk);
        int end = std::min(numFree, std::max(0, (endUnit-numBlocks)*FreeChunk));
        for (int i = start; i < end; i++)
            function(i, m.freeParticles[i]);
    }
    static OpenMM::Vec3 multiply3(const double* a, const OpenMM::Vec3& x) {
        return OpenMM::Vec3(a[0]*x[0]+a[1]*x[1]+a[2]*x[2], a[3]*x[0]+a[4]*x[1]+a[5]*x[2], a[6]*x[0]+a[7]*x[1]+a[8]*x[2]);
    }
    OpenMM::Vec3 noise3(const ParameterSet& set, int particle, uint64_t noiseCounter) const {
        if (set.noise.empty())
            return OpenMM::Vec3();
        double z[3];
        random.normals3(particle, noiseCounter, z);
        return multiply3(set.noise.data(), OpenMM::Vec3(z[0], z[1], z[2]));
    }
    // target += A source over a block's degrees of freedom (A n x n row-major).
    static void addProduct(const std::vector<double>& a, const int* particles, int k, const Vectors& source, Vectors& target, double* work) {
        int n = 3*k;
        for (int r = 0; r < n; r++) {
            double sum = 0;
            const double* row = &a[r*n];
            for (int j = 0; j < k; j++) {
                const OpenMM::Vec3& s = source[particles[j]];
                sum += row[3*j]*s[0]+row[3*j+1]*s[1]+row[3*j+2]*s[2];
            }
            work[r] = sum;
        }
        for (int j = 0; j < k; j++)
            target[particles[j]] += OpenMM::Vec3(work[3*j], work[3*j+1], work[3*j+2]);
    }
    // v <- E v + B z for one block (E, B n x n row-major; B empty in the deterministic mode).
    void friction(const int* particles, int k, const ParameterSet& set, Vectors& v, uint64_t noiseCounter, double* work) const {
        int n = 3*k;
        for (int r = 0; r < n; r++) {
            double sum = 0;
            const double* row = &set.decay[r*n];
            for (int c = 0; c < n; c++)
                sum += row[c]*v[particles[c/3]][c%3];
            work[r] = sum;
        }
        if (!set.noise.empty()) {
            double* z = work+n;
            for (int j = 0; j < k; j++)
                random.normals3(particles[j], noiseCounter, z+3*j);
            for (int r = 0; r < n; r++)
                for (int c = 0; c < n; c++)
                    work[r] += set.noise[r*n+c]*z[c];
        }
        for (int j = 0; j < k; j++)
            v[particles[j]] = OpenMM::Vec3(work[3*j], work[3*j+1], work[3*j+2]);
    }
    OpenMM::Vec3 freeNoise(int i, uint64_t noiseCounter) const {
        double scale = m.freeNoise[i];
        if (scale == 0)
            return OpenMM::Vec3();
        double z[3];
        random.normals3(m.freeParticles[i], noiseCounter, z);
        return OpenMM::Vec3(z[0], z[1], z[2])*scale;
    }
    const DampedVerletMatrices& m;
    PhiloxNormal random;
    int numBlocks, numFreeChunks, maxSize;
};

} // namespace EffPot

#endif /*EFFPOT_DAMPED_VERLET_STEPPER_H_*/
