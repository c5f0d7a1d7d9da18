#include "CommonCalcReplicaSplineForceKernel.h"
#include "CommonEffPotKernelSources.h"
#include "internal/SplineTable.h"
#include "openmm/common/BondedUtilities.h"
#include "ReplicaForceInfo.h"
#include "openmm/common/ContextSelector.h"
#include <cmath>
#include <map>
#include <vector>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

/**
 * A clamp bound as the device compares it. In double precision the bound itself; in single and mixed precision
 * (float positions) the smallest float not below it, so that for every float q, q >= bound on the device exactly
 * when q >= the double bound on the host: the selects of the clamp (inside, at the edge, outside) agree with
 * SplinePoint's for the same float coordinates.
 */
double deviceBound(double bound, bool doublePrecision) {
    if (doublePrecision)
        return bound;
    float f = (float) bound;
    if ((double) f < bound)
        f = nextafterf(f, INFINITY);
    return f;
}

} // namespace

void CommonCalcReplicaSplineForceKernel::initialize(const System& system, const ReplicaSplineForce& force) {
    ContextSelector selector(cc);
    // With several devices (CUDA), each takes a contiguous share of the particles.
    int numContexts = cc.getNumContexts();
    int start = cc.getContextIndex()*force.getNumParticles()/numContexts;
    int end = (cc.getContextIndex()+1)*force.getNumParticles()/numContexts;
    cc.addForce(new ReplicaForceInfo<ReplicaSplineForce>(force, system.getNumParticles()));
    if (start == end)
        return;
    unwrapped.initialize(cc, system);
    vector<vector<int> > atoms(end-start, vector<int>(1));
    for (int i = start; i < end; i++)
        atoms[i-start][0] = force.getParticle(i);

    string source = createForceSource(cc, force, coefficients, [&]() { return cc.getBondedUtilities().addArgument(coefficients, "real"); });
    cc.getBondedUtilities().addInteraction(atoms, unwrapped.bondedCode(cc)+source, force.getForceGroup());
}

string CommonCalcReplicaSplineForceKernel::createForceSource(ComputeContext& cc, const ReplicaSplineForce& force, ComputeArray& coefficients,
                                                             const function<string ()>& argument) {
    // The same table (and the same validation) as the Reference and CPU kernels.
    SplineTable table(force.getNodes(), force.getLower(), force.getUpper(), force.getValues(), force.getWallStiffness(),
                      "ReplicaSplineForce");
    const SplineTable::Layout& layout = table.getLayout();
    const vector<double>& values = table.getCoefficients();
    bool doublePrecision = cc.getUseDoublePrecision();
    if (!coefficients.isInitialized())
        coefficients.initialize(cc, values.size(), doublePrecision ? sizeof(double) : sizeof(float), "replicaSplineCoefficients");
    else if (coefficients.getSize() != values.size())
        coefficients.resize(values.size());
    coefficients.upload(values, true); // as float in single and mixed precision
    string name = argument();

    map<string, string> replacements;
    replacements["SPLINE_DIMENSIONS"] = cc.intToString(layout.dimensions);
    replacements["SPLINE_COEFFICIENTS_PER_CELL"] = cc.intToString(layout.coefficientsPerCell);
    replacements["SPLINE_COEFFICIENTS"] = name;
    const string suffix[3] = {"X", "Y", "Z"};
    for (int i = 0; i < 3; i++) {
        replacements["SPLINE_ORIGIN_"+suffix[i]] = cc.doubleToString(layout.origin[i]);
        replacements["SPLINE_INVERSE_SPACING_"+suffix[i]] = cc.doubleToString(layout.inverseSpacing[i]);
        replacements["SPLINE_LOW_"+suffix[i]] = cc.doubleToString(deviceBound(layout.low[i], doublePrecision));
        replacements["SPLINE_HIGH_"+suffix[i]] = cc.doubleToString(deviceBound(layout.high[i], doublePrecision));
        replacements["SPLINE_WALL_"+suffix[i]] = cc.doubleToString(layout.wall[i]);
        replacements["SPLINE_CELLS_"+suffix[i]] = cc.intToString(layout.cells[i]);
        replacements["SPLINE_STRIDE_"+suffix[i]] = cc.intToString(layout.stride[i]);
    }
    return cc.replaceStrings(CommonEffPotKernelSources::replicaSplineForce, replacements);
}
