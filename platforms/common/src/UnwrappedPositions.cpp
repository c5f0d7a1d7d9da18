// Replica forces read the positions as set, not as OpenMM wrapped them (UnwrappedPositions.h).
#include "UnwrappedPositions.h"
#include "openmm/common/BondedUtilities.h"
#include "openmm/common/ContextSelector.h"
#include <cstring>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

bool UnwrappedPositions::initialize(ComputeContext& context, const System& system) {
    cc = &context;
    active = system.usesPeriodicBoundaryConditions();
    if (!active)
        return false;
    int size = cc->getPaddedNumAtoms();
    if (cc->getUseDoublePrecision()) {
        shifts.initialize<mm_double4>(*cc, size, "replicaCellShifts");
        shifts.upload(vector<mm_double4>(size, mm_double4(0, 0, 0, 0)));
    }
    else {
        shifts.initialize<mm_float4>(*cc, size, "replicaCellShifts");
        shifts.upload(vector<mm_float4>(size, mm_float4(0, 0, 0, 0)));
    }
    offsets.assign(cc->getPosCellOffsets().size(), mm_int4(0, 0, 0, 0));
    return true;
}

string UnwrappedPositions::bondedCode(ComputeContext& context) {
    if (!active)
        return "";
    string name = context.getBondedUtilities().addArgument(shifts, "real4");
    return "{\n"
           "    const real4 cellShift = "+name+"[atom1];\n"
           "    pos1.x -= cellShift.x;\n"
           "    pos1.y -= cellShift.y;\n"
           "    pos1.z -= cellShift.z;\n"
           "}\n";
}

void UnwrappedPositions::update(ContextImpl& context) {
    if (!active)
        return;
    const vector<mm_int4>& current = cc->getPosCellOffsets();
    Vec3 a, b, c;
    context.getPeriodicBoxVectors(a, b, c);
    bool sameBox = (a == box[0] && b == box[1] && c == box[2]);
    if (sameBox && current.size() == offsets.size() && memcmp(current.data(), offsets.data(), current.size()*sizeof(mm_int4)) == 0)
        return;
    offsets = current;
    box[0] = a;
    box[1] = b;
    box[2] = c;
    // ComputeContext::getPositions: the position as set is the wrapped one less offsets . box vectors.
    vector<mm_double4> values(cc->getPaddedNumAtoms(), mm_double4(0, 0, 0, 0));
    for (size_t i = 0; i < offsets.size() && i < values.size(); i++) {
        const mm_int4& o = offsets[i];
        Vec3 shift = a*o.x+b*o.y+c*o.z;
        values[i] = mm_double4(shift[0], shift[1], shift[2], 0);
    }
    ContextSelector selector(*cc);
    shifts.upload(values, true); // as float in single and mixed precision
}
