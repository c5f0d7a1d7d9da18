#ifndef EFFPOT_UNWRAPPED_POSITIONS_H_
#define EFFPOT_UNWRAPPED_POSITIONS_H_

#include "openmm/System.h"
#include "openmm/common/ComputeArray.h"
#include "openmm/common/ComputeContext.h"
#include <string>
#include <vector>

namespace EffPot {

/**
 * The positions the user set, for a one-atom BondedUtilities interaction on OpenCL and CUDA. In a periodic System
 * whose nonbonded force has a cutoff, OpenMM's ComputeContext wraps each molecule into the periodic box when it
 * reorders atoms and keeps the whole-box shifts apart (getPosCellOffsets); posq then holds wrapped positions. A
 * force of absolute positions (a replica force's table or expression) read there is evaluated a box length away:
 * a learned U on 20 of 40 particles beside a NonbondedForce gave 3349 kJ/mol on OpenCL against 343 on Reference
 * and CPU, whose forces see the positions as set. This adds the shifts back: initialize() adds the per-slot
 * offsets as an argument and returns code that moves pos1 to the position as set (empty, and nothing added, in
 * a System without periodic boundary conditions, where nothing is wrapped); update() uploads the offsets when
 * OpenMM changed them (after a reorder, or setPositions, which resets them).
 */
class UnwrappedPositions {
public:
    std::string initialize(OpenMM::ComputeContext& cc, const OpenMM::System& system);
    void update(OpenMM::ComputeContext& cc);
private:
    bool active = false;
    OpenMM::ComputeArray offsets;
    std::vector<OpenMM::mm_int4> uploaded;
};

} // namespace EffPot

#endif /*EFFPOT_UNWRAPPED_POSITIONS_H_*/
