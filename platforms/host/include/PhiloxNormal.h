#ifndef EFFPOT_PHILOX_NORMAL_H_
#define EFFPOT_PHILOX_NORMAL_H_

#include <cmath>
#include <cstdint>

namespace EffPot {

/**
 * Counter-based Gaussian random numbers: Philox4x32-10 (Salmon et al., SC'11) followed by Box-Muller.
 *
 * A normal deviate is a pure function of (seed, particle, noise counter), so a trajectory does not depend on how
 * particles are split over threads, a checkpoint only needs the counter, and the GPU kernels can draw the very
 * same stream.
 *
 * One Philox call per (particle, counter): its four 32-bit words are two pairs of uniforms, u1 = (w0 + 1) 2^-32 in
 * (0, 1] and u2 = w1 2^-32 in [0, 1), and Box-Muller turns each pair into two normals: z0, z1 from (w0, w1), z2 from
 * (w2, w3) (its sine is not needed). 32-bit uniforms truncate |z| at sqrt(64 ln 2) = 6.66, an event of probability
 * 2^-32 per pair; the law of z differs from the normal one by about 2^-32 in total variation (docs/integrator.md).
 */
class PhiloxNormal {
public:
    explicit PhiloxNormal(uint32_t seed) : key0(seed), key1(0x5eed5eedu) {
    }
    /** The key words (for ReplicaLaneKernels::normals, which computes the same stream on SIMD lanes). */
    uint32_t getKey0() const {
        return key0;
    }
    uint32_t getKey1() const {
        return key1;
    }
    /**
     * Three independent standard normal deviates for one particle at one noise counter.
     */
    void normals3(uint32_t particle, uint64_t counter, double out[3]) const {
        uint32_t r[4];
        philox(particle, (uint32_t) counter, (uint32_t) (counter>>32), 0, r);
        boxMuller(r[0], r[1], out[0], out[1]);
        double unused;
        boxMuller(r[2], r[3], out[2], unused);
    }
private:
    static void boxMuller(uint32_t w0, uint32_t w1, double& a, double& b) {
        // 32-bit uniforms (exact in double); u1 in (0, 1] so that log(u1) is finite.
        const double scale = 1.0/4294967296.0;
        double u1 = ((double) w0+1.0)*scale;
        double u2 = (double) w1*scale;
        double radius = std::sqrt(-2.0*std::log(u1));
        double angle = 6.283185307179586*u2;
        a = radius*std::cos(angle);
        b = radius*std::sin(angle);
    }
    void philox(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t out[4]) const {
        uint32_t k0 = key0, k1 = key1;
        for (int round = 0; round < 10; round++) {
            uint64_t p0 = (uint64_t) 0xD2511F53u*c0;
            uint64_t p1 = (uint64_t) 0xCD9E8D57u*c2;
            uint32_t n0 = (uint32_t) (p1>>32)^c1^k0;
            uint32_t n1 = (uint32_t) p1;
            uint32_t n2 = (uint32_t) (p0>>32)^c3^k1;
            uint32_t n3 = (uint32_t) p0;
            c0 = n0; c1 = n1; c2 = n2; c3 = n3;
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
    }
    uint32_t key0, key1;
};

} // namespace EffPot

#endif /*EFFPOT_PHILOX_NORMAL_H_*/
