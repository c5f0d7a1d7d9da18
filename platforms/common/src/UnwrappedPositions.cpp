// Replica forces read the positions as set, not as OpenMM wrapped them (UnwrappedPositions.h).
#include "UnwrappedPositions.h"
#include "openmm/common/BondedUtilities.h"
#include "openmm/common/ContextSelector.h"
#include <cstring>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

string UnwrappedPositions::initialize(ComputeContext& cc, const System& system) {
    active = system.usesPeriodicBoundaryConditions();
    if (!active)
        return "";
    uploaded = cc.getPosCellOffsets();
    offsets.initialize<mm_int4>(cc, max((size_t) 1, uploaded.size()), "replicaCellOffsets");
    if (!uploaded.empty())
        offsets.upload(uploaded);
    string name = cc.getBondedUtilities().addArgument(offsets, "int4");
    // ComputeContext::getPositions: the position as set is the wrapped one less the offsets' box vectors.
    return "{\n"
           "    int4 cellOffset = "+name+"[atom1];\n"
           "    pos1.x -= cellOffset.x*periodicBoxVecX.x+cellOffset.y*periodicBoxVecY.x+cellOffset.z*periodicBoxVecZ.x;\n"
           "    pos1.y -= cellOffset.y*periodicBoxVecY.y+cellOffset.z*periodicBoxVecZ.y;\n"
           "    pos1.z -= cellOffset.z*periodicBoxVecZ.z;\n"
           "}\n";
}

void UnwrappedPositions::update(ComputeContext& cc) {
    if (!active)
        return;
    const vector<mm_int4>& current = cc.getPosCellOffsets();
    if (current.size() == uploaded.size() && memcmp(current.data(), uploaded.data(), current.size()*sizeof(mm_int4)) == 0)
        return;
    ContextSelector selector(cc);
    uploaded = current;
    offsets.upload(uploaded);
}
