#ifndef EFFPOT_UNWRAPPED_POSITIONS_H_
#define EFFPOT_UNWRAPPED_POSITIONS_H_

#include "openmm/System.h"
#include "openmm/Vec3.h"
#include "openmm/common/ComputeArray.h"
#include "openmm/common/ComputeContext.h"
#include "openmm/internal/ContextImpl.h"
#include <string>
#include <vector>

namespace EffPot {

/**
 * The positions the user set, for the replica forces on OpenCL and CUDA. In a periodic System whose nonbonded force
 * has a cutoff, OpenMM's ComputeContext wraps each molecule into the periodic box when it reorders atoms and keeps
 * the whole-box shifts apart (getPosCellOffsets); posq then holds wrapped positions. A force of absolute positions
 * (a replica force's table or expression) read there is evaluated a box length away: a learned U on 20 of 40
 * particles beside a NonbondedForce gave 3349 kJ/mol on OpenCL against 343 on Reference and CPU, whose forces see
 * the positions as set. This keeps, per atom slot, the shift offsets . box vectors (computed on the host in double,
 * stored as real) that ComputeContext::getPositions subtracts, so that the bonded interaction and the fused step
 * kernel subtract the same numbers from the same posq. Nothing is kept, and no code changes, in a System without
 * periodic boundary conditions, where nothing is wrapped.
 */
class UnwrappedPositions {
public:
    /** Whether the System can be wrapped (then the shifts are kept). */
    bool initialize(OpenMM::ComputeContext& cc, const OpenMM::System& system);
    bool isActive() const {
        return active;
    }
    /** For a BondedUtilities interaction: adds the shifts as an argument and returns code that moves pos1 back. */
    std::string bondedCode(OpenMM::ComputeContext& cc);
    /** Uploads the shifts when OpenMM changed the offsets (a reorder; setPositions resets them) or the box. */
    void update(OpenMM::ContextImpl& context);
    /** real4 per atom slot. */
    OpenMM::ComputeArray& getShifts() {
        return shifts;
    }
private:
    OpenMM::ComputeContext* cc = NULL;
    bool active = false;
    OpenMM::ComputeArray shifts;
    std::vector<OpenMM::mm_int4> offsets;
    OpenMM::Vec3 box[3];
};

} // namespace EffPot

#endif /*EFFPOT_UNWRAPPED_POSITIONS_H_*/
