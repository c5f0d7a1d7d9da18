#ifndef EFFPOT_DAMPED_VERLET_STEPPER_H_
#define EFFPOT_DAMPED_VERLET_STEPPER_H_

#include "PhiloxNormal.h"
#include "internal/DampedVerletMatrices.h"
#include "openmm/Vec3.h"
#include <cstdint>
#include <vector>

namespace EffPot {

/**
 * The arithmetic of one O-B-A-B-O step on host arrays, shared by the Reference and CPU kernels.
 *
 * Work is split into units: unit u < numBlocks is block u, the rest are chunks of free particles. A step is
 * firstHalf (O, B, A) on every unit, a force evaluation, then secondHalf (B, O) on every unit; each half touches
 * only its unit's particles, so units can run on different threads in any order with identical results.
 */
class DampedVerletStepper {
public:
    DampedVerletStepper(const DampedVerletMatrices& matrices, uint32_t seed) : m(matrices), random(seed) {
        int numFree = m.freeParticles.size();
        numFreeChunks = (numFree+FreeChunk-1)/FreeChunk;
        maxSize = 3;
        for (const auto& set : m.parameterSets)
            maxSize = std::max(maxSize, set.size);
    }
    int getNumUnits() const {
        return m.blockParticles.size()+numFreeChunks;
    }
    /** O, B, A: friction (and noise) half step, half kick with the current forces, drift. */
    void firstHalf(int firstUnit, int endUnit, std::vector<OpenMM::Vec3>& x, std::vector<OpenMM::Vec3>& v,
                   const std::vector<OpenMM::Vec3>& f, uint64_t noiseCounter) const {
        std::vector<double> work(3*maxSize);
        double h = m.stepSize;
        forEach(firstUnit, endUnit, [&](const int* particles, int k, const DampedVerletMatrices::ParameterSet& set) {
            friction(particles, k, set, v, noiseCounter, work.data());
            kick(particles, k, set, v, f, work.data());
            for (int j = 0; j < k; j++)
                x[particles[j]] += v[particles[j]]*h;
        }, [&](int i) {
            int p = m.freeParticles[i];
            v[p] = v[p]*m.freeDecay+freeNoise(i, noiseCounter);
            v[p] += f[p]*(0.5*h*m.freeInverseMass[i]);
            x[p] += v[p]*h;
        });
    }
    /** B, O: half kick with the forces at the new positions, friction (and noise) half step. */
    void secondHalf(int firstUnit, int endUnit, std::vector<OpenMM::Vec3>& v, const std::vector<OpenMM::Vec3>& f,
                    uint64_t noiseCounter) const {
        std::vector<double> work(3*maxSize);
        double h = m.stepSize;
        forEach(firstUnit, endUnit, [&](const int* particles, int k, const DampedVerletMatrices::ParameterSet& set) {
            kick(particles, k, set, v, f, work.data());
            friction(particles, k, set, v, noiseCounter, work.data());
        }, [&](int i) {
            int p = m.freeParticles[i];
            v[p] += f[p]*(0.5*h*m.freeInverseMass[i]);
            v[p] = v[p]*m.freeDecay+freeNoise(i, noiseCounter);
        });
    }
    /** (1/2) v^T M v over a range of units. */
    double kineticEnergy(int firstUnit, int endUnit, const std::vector<OpenMM::Vec3>& v) const {
        double energy = 0;
        forEach(firstUnit, endUnit, [&](const int* particles, int k, const DampedVerletMatrices::ParameterSet& set) {
            int n = 3*k;
            for (int r = 0; r < n; r++) {
                double row = 0;
                for (int c = 0; c < n; c++)
                    row += set.mass[r*n+c]*v[particles[c/3]][c%3];
                energy += 0.5*v[particles[r/3]][r%3]*row;
            }
        }, [&](int i) {
            const OpenMM::Vec3& vi = v[m.freeParticles[i]];
            energy += 0.5*vi.dot(vi)/m.freeInverseMass[i];
        });
        return energy;
    }
private:
    static const int FreeChunk = 256;

    template <class BlockFunction, class FreeFunction>
    void forEach(int firstUnit, int endUnit, BlockFunction block, FreeFunction free) const {
        int numBlocks = m.blockParticles.size();
        for (int u = firstUnit; u < endUnit; u++) {
            if (u < numBlocks) {
                const std::vector<int>& particles = m.blockParticles[u];
                block(particles.data(), (int) particles.size(), m.parameterSets[m.blockParameterSet[u]]);
            }
            else {
                int start = (u-numBlocks)*FreeChunk;
                int end = std::min(start+FreeChunk, (int) m.freeParticles.size());
                for (int i = start; i < end; i++)
                    free(i);
            }
        }
    }
    // y = A v over a block's degrees of freedom (A n x n row-major), written back into v.
    static void multiply(const std::vector<double>& a, const int* particles, int k, std::vector<OpenMM::Vec3>& v, double* work) {
        int n = 3*k;
        for (int r = 0; r < n; r++) {
            double sum = 0;
            const double* row = &a[r*n];
            for (int j = 0; j < k; j++) {
                const OpenMM::Vec3& vj = v[particles[j]];
                sum += row[3*j]*vj[0]+row[3*j+1]*vj[1]+row[3*j+2]*vj[2];
            }
            work[r] = sum;
        }
        for (int j = 0; j < k; j++)
            v[particles[j]] = OpenMM::Vec3(work[3*j], work[3*j+1], work[3*j+2]);
    }
    void friction(const int* particles, int k, const DampedVerletMatrices::ParameterSet& set, std::vector<OpenMM::Vec3>& v,
                  uint64_t noiseCounter, double* work) const {
        multiply(set.decay, particles, k, v, work);
        if (set.noise.empty())
            return;
        int n = 3*k;
        double* z = work+n;
        for (int j = 0; j < k; j++)
            random.normals3(particles[j], noiseCounter, z+3*j);
        for (int r = 0; r < n; r++) {
            double sum = 0;
            for (int c = 0; c < n; c++)
                sum += set.noise[r*n+c]*z[c];
            v[particles[r/3]][r%3] += sum;
        }
    }
    void kick(const int* particles, int k, const DampedVerletMatrices::ParameterSet& set, std::vector<OpenMM::Vec3>& v,
              const std::vector<OpenMM::Vec3>& f, double* work) const {
        int n = 3*k;
        double halfStep = 0.5*m.stepSize;
        for (int r = 0; r < n; r++) {
            double sum = 0;
            const double* row = &set.inverseMass[r*n];
            for (int j = 0; j < k; j++) {
                const OpenMM::Vec3& fj = f[particles[j]];
                sum += row[3*j]*fj[0]+row[3*j+1]*fj[1]+row[3*j+2]*fj[2];
            }
            work[r] = sum;
        }
        for (int j = 0; j < k; j++)
            v[particles[j]] += OpenMM::Vec3(work[3*j], work[3*j+1], work[3*j+2])*halfStep;
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
    int numFreeChunks, maxSize;
};

} // namespace EffPot

#endif /*EFFPOT_DAMPED_VERLET_STEPPER_H_*/
