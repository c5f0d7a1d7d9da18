#ifndef EFFPOT_FUSED_REPLICA_STEPPER_H_
#define EFFPOT_FUSED_REPLICA_STEPPER_H_

#include "PhiloxNormal.h"
#include "ReplicaLaneForce.h"
#include "internal/DampedVerletMatrices.h"
#include "internal/ExpressionTape.h"
#include "internal/SplineTable.h"
#include "openmm/System.h"
#include "openmm/Vec3.h"
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace OpenMM {
class ContextImpl;
}

namespace EffPot {

/**
 * A whole DampedVerlet step (O-B-A, force, B-O) fused with the force evaluation, for the replica case: every
 * particle is a one-particle block (3 x 3 matrices) and the only force in the integration groups is one
 * ReplicaExpressionForce or ReplicaSplineForce acting once on every particle. Each particle's force depends on its own position only, so
 * a block of TapeEvaluator::BlockSize particles can be kicked, drifted, evaluated and kicked again while it sits in
 * registers and L1, instead of three passes over all particles with a force evaluation (and, on the CPU platform,
 * its per-evaluation set-up of thread force buffers) in between. One pass also means one thread-pool round trip per
 * step.
 *
 * The arithmetic is DampedVerletStepper's for one-particle blocks (same matrices, the same OneParticleStep, same
 * counter-based noise), so trajectories agree with the unfused path to round-off; the forces left in the context are
 * those at the new positions, as after the unfused step.
 */
class OPENMM_EXPORT_EFFPOT FusedReplicaStepper {
public:
    typedef std::vector<OpenMM::Vec3> Vectors;
    /**
     * A stepper for this System and these matrices, or null when the System is not the replica case.
     */
    static FusedReplicaStepper* create(const OpenMM::System& system, const DampedVerletMatrices& matrices,
                                       int integrationGroups, uint32_t seed, int numSlots);
    /** Whether a Force is one the stepper can fuse (ReplicaExpressionForce or ReplicaSplineForce). */
    static bool isReplicaForce(const OpenMM::Force& force);
    int getNumBlocks() const {
        return numBlocks;
    }
    /** Read the global parameters' current values from the context (once per step, before stepBlocks). */
    void updateGlobals(OpenMM::ContextImpl& context);
    /**
     * `numSteps` whole steps for the blocks [first, end): each block takes all of them before the next block is
     * loaded (replicas are independent), with noise counters noiseCounter, noiseCounter+1 for the first step,
     * +2, +3 for the second, and so on. `slot` < numSlots is distinct per concurrent call.
     */
    void stepBlocks(int first, int end, int slot, Vectors& x, Vectors& v, Vectors& f, uint64_t noiseCounter, int numSteps);
    /** The GHMC splitting's moves accepted and made by this stepper, over all slots. */
    void getMetropolisCounts(long long& accepted, long long& proposed) const;
private:
    struct LoadedBlock;
    /** Block `block` of the particles into lanes (its positions into the evaluator's), and what its sets need. */
    void loadBlock(int block, ReplicaLaneForce& evaluator, const Vectors& x, const Vectors& v, const Vectors& f,
                   LoadedBlock& loaded) const;
    /** A loaded block back into OpenMM's arrays (its used lanes). */
    void storeBlock(const LoadedBlock& loaded, Vectors& x, Vectors& v, Vectors& f) const;
    /** One BAOAB step of a loaded block (noise counter `counter`). */
    void middleStep(LoadedBlock& loaded, uint64_t counter);
    /** One OBABO step of a loaded block (noise counters `counter`, counter+1). */
    void outerStep(LoadedBlock& loaded, uint64_t counter);
    /**
     * A half step of a block whose particles' sets differ, some with noise and some without (the force and normals
     * already in the lanes; dE the new forces' derivatives for a second half, else null).
     */
    void mixedSetLanes(LoadedBlock& loaded, bool firstHalf, const double* const dE[3]) const;
    /** numSteps GHMC steps of a loaded block (`slot` counts its moves). */
    void metropolisSteps(LoadedBlock& loaded, int slot, uint64_t noiseCounter, int numSteps);
    /**
     * One 3x3 matrix per lane of the block starting at particle `start` (`count` used lanes), structure of arrays:
     * element j of lane i at out[j*B+i]. `pick` returns the matrix of a parameter set, or null for zeros. The unused
     * lanes of a short block take the first particle's (finite values, never stored).
     */
    template <class Pick>
    void fillLaneMatrix(int start, int count, double* out, Pick pick) const;
    FusedReplicaStepper(const DampedVerletMatrices& matrices, const std::vector<int>& particles, uint32_t seed, int numSlots);
    const DampedVerletMatrices& m;
    std::unique_ptr<ExpressionTape> tape;   ///< the expression of a ReplicaExpressionForce, or null
    std::unique_ptr<SplineTable> table;     ///< the table of a ReplicaSplineForce, or null
    PhiloxNormal random;
    std::vector<std::string> globalNames;
    std::vector<double> globalValues;
    std::vector<int> particles;         ///< the force's particles, in its order
    std::vector<int> particleSet;       ///< the parameter set of each of them
    std::vector<int> blockSet;          ///< the parameter set shared by a whole block, or -1 if they differ
    std::vector<bool> blockContiguous;  ///< whether a block's particles are consecutive indices
    std::vector<int> blockNormals;      ///< normals per particle a block draws per friction step (0, 2 or 3)
    std::vector<int> blockNoise;        ///< a block's sets: none has noise (0), all have (1), or some have (-1)
    std::vector<std::unique_ptr<ReplicaLaneForce> > evaluators; ///< one per slot
    int numBlocks;
    std::vector<long long> accepted, proposed; ///< GHMC moves per slot (each slot is one thread's)
};

} // namespace EffPot

#endif /*EFFPOT_FUSED_REPLICA_STEPPER_H_*/
