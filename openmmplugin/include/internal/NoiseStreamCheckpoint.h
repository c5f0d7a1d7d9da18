#ifndef EFFPOT_NOISE_STREAM_CHECKPOINT_H_
#define EFFPOT_NOISE_STREAM_CHECKPOINT_H_

#include "openmm/OpenMMException.h"
#include <cstdint>
#include <iostream>

namespace EffPot {

/**
 * The state of DampedVerletIntegrator's counter-based noise stream in a checkpoint: the seed and the half-step
 * counter. Every platform's kernel writes exactly this, so checkpoints have one layout.
 */
namespace NoiseStreamCheckpoint {

inline void write(std::ostream& stream, uint32_t seed, uint64_t counter) {
    stream.write((const char*) &seed, sizeof(seed));
    stream.write((const char*) &counter, sizeof(counter));
}

/** Read the state; returns whether the seed differs from `seed` (the caller then rebuilds what depends on it). */
inline bool read(std::istream& stream, uint32_t& seed, uint64_t& counter) {
    uint32_t savedSeed;
    stream.read((char*) &savedSeed, sizeof(savedSeed));
    stream.read((char*) &counter, sizeof(counter));
    if (!stream)
        throw OpenMM::OpenMMException("DampedVerletIntegrator.loadCheckpoint: the checkpoint ends before the integrator's state");
    bool changed = (savedSeed != seed);
    seed = savedSeed;
    return changed;
}

} // namespace NoiseStreamCheckpoint
} // namespace EffPot

#endif /*EFFPOT_NOISE_STREAM_CHECKPOINT_H_*/
