#ifndef EFFPOT_DAMPED_VERLET_STEPPER_H_
#define EFFPOT_DAMPED_VERLET_STEPPER_H_

#include "DampedVerletIntegrator.h"
#include "OneParticleStep.h"
#include "PhiloxNormal.h"
#include "internal/DampedVerletMatrices.h"
#include "openmm/Vec3.h"
#include <algorithm>
#include <cstdint>
#include <vector>

namespace EffPot {

/**
 * The arithmetic of one O-B-A-B-O (or B-A-O-A-B) step on host arrays, shared by the Reference and CPU kernels.
 *
 * Work is split into units: unit u < numBlocks is block u, the rest are chunks of free particles. A step is
 * firstHalf (O, B, A) on every unit, a force evaluation, then secondHalf (B, O) on every unit; each half touches
 * only its unit's particles, so units can run on different threads in any order with identical results.
 *
 * One-particle blocks (3 x 3 matrices, the replica case) take an unrolled path: the step must cost little next to
 * the force evaluation (bench/bench_integrator.py). Its arithmetic is OneParticleStep's, which the fused lanes
 * (ReplicaLanes.h) take too.
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
        // Consecutive one-particle blocks sharing a parameter set (replicas) form a run, stepped with the
        // matrices held in registers.
        for (int b = 0; b < numBlocks; b++) {
            int set = m.blockParameterSet[b];
            bool extend = !runs.empty() && runs.back().set == set && runs.back().end == b;
            if (m.parameterSets[set].size != 3)
                continue;
            if (extend)
                runs.back().end = b+1;
            else
                runs.push_back(Run{b, b+1, set});
        }
    }
    int getNumUnits() const {
        return numBlocks+numFreeChunks;
    }
    /**
     * Everything before the force evaluation: O, B, A (friction and noise half step, half kick with the current
     * forces, drift), or with the BAOAB splitting B, A/2, O, O, A/2 (the two half friction steps take the noise
     * counters noiseCounter and noiseCounter+1).
     */
    void firstHalf(int firstUnit, int endUnit, Vectors& x, Vectors& v, const Vectors& f, uint64_t noiseCounter) const {
        if (m.splitting == DampedVerletIntegrator::BAOAB) {
            firstHalfMiddle(firstUnit, endUnit, x, v, f, noiseCounter);
            return;
        }
        std::vector<double> work(3*maxSize);
        const double h = m.stepSize;
        forEachRun(firstUnit, endUnit, [&](int first, int end, const ParameterSet& set) {
            Matrix3 decay(set.decay.data()), kick(set.halfKick.data());
            const int* particles = &m.blockParticles[m.blockStart[first]];
            const bool noisy = !set.noise.empty();
            for (int u = 0; u < end-first; u++) {
                int p = particles[u];
                Vector vp = in(v[p]), xp = in(x[p]);
                if (noisy)
                    OneParticleStep::obaboBeforeForce<true>(decay, kick, h, vp, in(f[p]), noise3(set, p, noiseCounter), xp);
                else
                    OneParticleStep::obaboBeforeForce<false>(decay, kick, h, vp, in(f[p]), Vector(), xp);
                v[p] = out(vp);
                x[p] = out(xp);
            }
        }, [&](int u, const int* particles, int k, const ParameterSet& set) {
            friction(particles, k, set.decay, set.noise, v, noiseCounter, work.data());
            addProduct(set.halfKick, particles, k, f, v, work.data());
            for (int j = 0; j < k; j++)
                x[particles[j]] += v[particles[j]]*h;
        });
        forEachFree(firstUnit, endUnit, [&](int i, int p) {
            v[p] = v[p]*m.freeDecay+freeNoise(i, noiseCounter)+f[p]*(0.5*h*m.freeInverseMass[i]);
            x[p] += v[p]*h;
        });
    }
    /**
     * Everything after it: B, O (half kick with the forces at the new positions, friction and noise half step), or
     * with the BAOAB splitting the half kick alone.
     */
    void secondHalf(int firstUnit, int endUnit, Vectors& v, const Vectors& f, uint64_t noiseCounter) const {
        if (m.splitting == DampedVerletIntegrator::BAOAB) {
            kickOnly(firstUnit, endUnit, v, f);
            return;
        }
        std::vector<double> work(3*maxSize);
        const double h = m.stepSize;
        forEachRun(firstUnit, endUnit, [&](int first, int end, const ParameterSet& set) {
            Matrix3 decay(set.decay.data()), kick(set.halfKick.data());
            const int* particles = &m.blockParticles[m.blockStart[first]];
            const bool noisy = !set.noise.empty();
            for (int u = 0; u < end-first; u++) {
                int p = particles[u];
                Vector vp = in(v[p]);
                if (noisy)
                    OneParticleStep::obaboAfterForce<true>(decay, kick, vp, in(f[p]), noise3(set, p, noiseCounter));
                else
                    OneParticleStep::obaboAfterForce<false>(decay, kick, vp, in(f[p]), Vector());
                v[p] = out(vp);
            }
        }, [&](int u, const int* particles, int k, const ParameterSet& set) {
            addProduct(set.halfKick, particles, k, f, v, work.data());
            friction(particles, k, set.decay, set.noise, v, noiseCounter, work.data());
        });
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

    /**
     * B, A/2, O, O, A/2 (the BAOAB splitting before the force evaluation). With noise the two half friction steps
     * are drawn as one exact O step over h (fullDecay, fullNoise; noise counter noiseCounter, noiseCounter+1 unused):
     * the same Gaussian law, half the normals. Without noise the two half steps stay, bit for bit as they were.
     */
    void firstHalfMiddle(int firstUnit, int endUnit, Vectors& x, Vectors& v, const Vectors& f, uint64_t noiseCounter) const {
        std::vector<double> work(3*maxSize);
        const double halfH = 0.5*m.stepSize, h = m.stepSize;
        forEachRun(firstUnit, endUnit, [&](int first, int end, const ParameterSet& set) {
            const int* particles = &m.blockParticles[m.blockStart[first]];
            if (!set.noise.empty()) {
                Matrix3 fullDecay(set.fullDecay.data()), kick(set.halfKick.data()), fullNoise(set.fullNoise.data());
                for (int u = 0; u < end-first; u++) {
                    int p = particles[u];
                    Vector vp = in(v[p]), xp = in(x[p]);
                    double z[3];
                    random.normals3(p, noiseCounter, z);
                    OneParticleStep::baoabBeforeForceFullO(fullDecay, kick, halfH, vp, in(f[p]),
                                                           OneParticleStep::times(fullNoise, Vector{z[0], z[1], z[2]}), xp);
                    v[p] = out(vp);
                    x[p] = out(xp);
                }
                return;
            }
            Matrix3 decay(set.decay.data()), kick(set.halfKick.data());
            for (int u = 0; u < end-first; u++) {
                int p = particles[u];
                Vector vp = in(v[p]), xp = in(x[p]);
                // Noisy even without noise: this path has always added noise3's zero vector there, which only
                // turns a -0 component into +0 (the lanes skip it); kept so that trajectories stay bit for bit.
                OneParticleStep::baoabBeforeForce<true>(decay, kick, halfH, vp, in(f[p]), Vector{0.0, 0.0, 0.0},
                                                        Vector{0.0, 0.0, 0.0}, xp);
                v[p] = out(vp);
                x[p] = out(xp);
            }
        }, [&](int u, const int* particles, int k, const ParameterSet& set) {
            addProduct(set.halfKick, particles, k, f, v, work.data());
            for (int j = 0; j < k; j++)
                x[particles[j]] += v[particles[j]]*halfH;
            if (set.noise.empty()) {
                friction(particles, k, set.decay, set.noise, v, noiseCounter, work.data());
                friction(particles, k, set.decay, set.noise, v, noiseCounter+1, work.data());
            }
            else
                friction(particles, k, set.fullDecay, set.fullNoise, v, noiseCounter, work.data());
            for (int j = 0; j < k; j++)
                x[particles[j]] += v[particles[j]]*halfH;
        });
        forEachFree(firstUnit, endUnit, [&](int i, int p) {
            v[p] += f[p]*(0.5*h*m.freeInverseMass[i]);
            x[p] += v[p]*halfH;
            if (m.freeNoise[i] == 0) {
                v[p] = v[p]*m.freeDecay+OpenMM::Vec3(); // + 0 as before: -0 becomes +0, bit for bit as it was
                v[p] = v[p]*m.freeDecay+OpenMM::Vec3();
            }
            else
                v[p] = v[p]*m.freeFullDecay+freeNoise(m.freeFullNoise[i], i, noiseCounter);
            x[p] += v[p]*halfH;
        });
    }
    /** B alone (the BAOAB splitting after the force evaluation). */
    void kickOnly(int firstUnit, int endUnit, Vectors& v, const Vectors& f) const {
        std::vector<double> work(3*maxSize);
        const double h = m.stepSize;
        forEachRun(firstUnit, endUnit, [&](int first, int end, const ParameterSet& set) {
            Matrix3 kick(set.halfKick.data());
            const int* particles = &m.blockParticles[m.blockStart[first]];
            for (int u = 0; u < end-first; u++) {
                int p = particles[u];
                Vector vp = in(v[p]);
                OneParticleStep::baoabAfterForce(kick, vp, in(f[p]));
                v[p] = out(vp);
            }
        }, [&](int u, const int* particles, int k, const ParameterSet& set) {
            addProduct(set.halfKick, particles, k, f, v, work.data());
        });
        forEachFree(firstUnit, endUnit, [&](int i, int p) {
            v[p] += f[p]*(0.5*h*m.freeInverseMass[i]);
        });
    }

    typedef OneParticleStep::Vector Vector;
    typedef OneParticleStep::Matrix3 Matrix3;
    static Vector in(const OpenMM::Vec3& a) {
        return Vector{a[0], a[1], a[2]};
    }
    static OpenMM::Vec3 out(const Vector& a) {
        return OpenMM::Vec3(a.x, a.y, a.z);
    }
    struct Run {
        int first, end, set;
    };

    // Calls run(first, end, set) for the parts of runs of one-particle blocks inside [firstUnit, endUnit), and
    // block(u, particles, k, set) for every other block there.
    template <class RunFunction, class BlockFunction>
    void forEachRun(int firstUnit, int endUnit, RunFunction run, BlockFunction block) const {
        int end = std::min(endUnit, numBlocks);
        int next = firstUnit;
        auto blocksUpTo = [&](int stop) {
            for (; next < stop; next++) {
                int start = m.blockStart[next];
                block(next, &m.blockParticles[start], m.blockStart[next+1]-start, m.parameterSets[m.blockParameterSet[next]]);
            }
        };
        // The first run that ends after firstUnit.
        auto r = std::upper_bound(runs.begin(), runs.end(), firstUnit, [](int unit, const Run& run) { return unit < run.end; });
        for (; r != runs.end() && r->first < end; ++r) {
            blocksUpTo(std::max(next, r->first));
            int first = std::max(firstUnit, r->first), last = std::min(end, r->end);
            run(first, last, m.parameterSets[r->set]);
            next = last;
        }
        blocksUpTo(end);
    }

    template <class Function>
    void forEachFree(int firstUnit, int endUnit, Function function) const {
        int numFree = m.freeParticles.size();
        int start = std::max(0, (firstUnit-numBlocks)*FreeChunk);
        int end = std::min(numFree, std::max(0, (endUnit-numBlocks)*FreeChunk));
        for (int i = start; i < end; i++)
            function(i, m.freeParticles[i]);
    }
    // The noise kick N z of one particle's O step (zero without noise).
    Vector noise3(const ParameterSet& set, int particle, uint64_t noiseCounter) const {
        if (set.noise.empty())
            return Vector{0.0, 0.0, 0.0};
        double z[3];
        random.normals3(particle, noiseCounter, z);
        return OneParticleStep::times(Matrix3(set.noise.data()), Vector{z[0], z[1], z[2]});
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
    void friction(const int* particles, int k, const std::vector<double>& decay, const std::vector<double>& noise, Vectors& v,
                  uint64_t noiseCounter, double* work) const {
        int n = 3*k;
        for (int r = 0; r < n; r++) {
            double sum = 0;
            const double* row = &decay[r*n];
            for (int c = 0; c < n; c++)
                sum += row[c]*v[particles[c/3]][c%3];
            work[r] = sum;
        }
        if (!noise.empty()) {
            double* z = work+n;
            for (int j = 0; j < k; j++)
                random.normals3(particles[j], noiseCounter, z+3*j);
            for (int r = 0; r < n; r++)
                for (int c = 0; c < n; c++)
                    work[r] += noise[r*n+c]*z[c];
        }
        for (int j = 0; j < k; j++)
            v[particles[j]] = OpenMM::Vec3(work[3*j], work[3*j+1], work[3*j+2]);
    }
    OpenMM::Vec3 freeNoise(int i, uint64_t noiseCounter) const {
        return freeNoise(m.freeNoise[i], i, noiseCounter);
    }
    // The scalar noise kick of free particle i with standard deviation `scale`.
    OpenMM::Vec3 freeNoise(double scale, int i, uint64_t noiseCounter) const {
        if (scale == 0)
            return OpenMM::Vec3();
        double z[3];
        random.normals3(m.freeParticles[i], noiseCounter, z);
        return OpenMM::Vec3(z[0], z[1], z[2])*scale;
    }
    const DampedVerletMatrices& m;
    PhiloxNormal random;
    std::vector<Run> runs;
    int numBlocks, numFreeChunks, maxSize;
};

} // namespace EffPot

#endif /*EFFPOT_DAMPED_VERLET_STEPPER_H_*/
