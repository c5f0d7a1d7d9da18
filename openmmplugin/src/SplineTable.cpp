#include "internal/SplineTable.h"
#include "internal/SplinePoint.h"
#include "openmm/OpenMMException.h"
#include "openmm/internal/SplineFitter.h"
#include <cmath>
#include <iomanip>
#include <sstream>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

void SplineTable::validate(const vector<int>& nodes, const vector<double>& lower, const vector<double>& upper,
        const vector<double>& values, const vector<double>& wallStiffness, const string& caller) {
    int d = nodes.size();
    if (d < 1 || d > 3)
        throw OpenMMException(caller+": the table has "+to_string(d)+" dimensions; give 1 to 3 node counts");
    if ((int) lower.size() != d || (int) upper.size() != d || (int) wallStiffness.size() != d)
        throw OpenMMException(caller+": lower, upper and wallStiffness need one entry per dimension ("+to_string(d)+")");
    long long count = 1;
    for (int i = 0; i < d; i++) {
        if (nodes[i] < 4)
            throw OpenMMException(caller+": "+to_string(nodes[i])+" nodes along coordinate "+to_string(i)+
                                  "; a cubic table needs at least 4");
        // The width, the spacing and the clamp's inset must be finite and nonzero too (a box of +-1e308 or of
        // 1e-320 passes the first test but not the arithmetic).
        double width = upper[i]-lower[i], inset = 1e-9*width;
        if (!isfinite(lower[i]) || !isfinite(upper[i]) || !(upper[i] > lower[i]) || !isfinite(width) ||
                !(lower[i]+inset < upper[i]-inset) || !isfinite((nodes[i]-1)/width))
            throw OpenMMException(caller+": the box along coordinate "+to_string(i)+" must be finite with upper > lower "
                                  "(and a width a double can divide by)");
        if (!isfinite(wallStiffness[i]) || wallStiffness[i] < 0)
            throw OpenMMException(caller+": the wall stiffness along coordinate "+to_string(i)+" must be finite and non-negative");
        count *= nodes[i];
        // Also keeps 64 coefficients per cell within int indexing (2^31 / 64 = 3.3e7 cells).
        if (count > 30000000)
            throw OpenMMException(caller+": the table has more than 3e7 nodes; use a coarser grid");
    }
    // The coefficients (4, 16 or 64 per cell, kept twice for the lanes' layouts) take far more memory than the
    // values: a 300^3 table was about 40 GB, past this machine's memory, and failed as std::bad_alloc or the OOM killer.
    long long cells = 1;
    for (int i = 0; i < d; i++)
        cells *= nodes[i]-1;
    double bytes = 2.0*8.0*(d == 1 ? 4 : d == 2 ? 16 : 64)*(double) cells;
    const double limit = 2147483648.0;
    if (bytes > limit) {
        stringstream need;
        need<<fixed<<setprecision(1)<<bytes/1073741824.0;
        throw OpenMMException(caller+": a table of "+to_string(count)+" nodes needs "+need.str()+" GiB for its spline "
                              "coefficients (at most 2 GiB): use fewer nodes, e.g. at most "+
                              (d == 1 ? string("16 million") : d == 2 ? string("2896 x 2896") : string("128 x 128 x 128")));
    }
    if ((long long) values.size() != count)
        throw OpenMMException(caller+": "+to_string(values.size())+" values for a grid of "+to_string(count)+" nodes");
    for (size_t i = 0; i < values.size(); i++)
        if (!isfinite(values[i]))
            throw OpenMMException(caller+": the value at node "+to_string(i)+" is not finite");
}

SplineTable::SplineTable(const vector<int>& nodes, const vector<double>& lower, const vector<double>& upper,
        const vector<double>& values, const vector<double>& wallStiffness, const string& caller) {
    validate(nodes, lower, upper, values, wallStiffness, caller);
    dimensions = nodes.size();
    int d = dimensions;
    vector<vector<double> > axes(d);
    for (int i = 0; i < 3; i++) {
        bool used = (i < d);
        layout.cells[i] = (used ? nodes[i]-1 : 1);
        layout.origin[i] = (used ? lower[i] : 0.0);
        layout.spacing[i] = (used ? (upper[i]-lower[i])/(nodes[i]-1) : 1.0);
        layout.inverseSpacing[i] = 1.0/layout.spacing[i];
        // The same bounds, computed the same way, as the clamp createForce writes into its expression.
        double inset = (used ? 1e-9*(upper[i]-lower[i]) : 0.0);
        layout.low[i] = (used ? lower[i]+inset : 0.0);
        layout.high[i] = (used ? upper[i]-inset : 1.0);
        layout.wall[i] = (used ? wallStiffness[i] : 0.0);
        if (used) {
            axes[i].resize(nodes[i]);
            // As OpenMM's ReferenceTabulatedFunction places its nodes.
            for (int j = 0; j < nodes[i]; j++)
                axes[i][j] = lower[i]+j*(upper[i]-lower[i])/(nodes[i]-1);
        }
    }
    layout.stride[0] = 1;
    layout.stride[1] = layout.cells[0];
    layout.stride[2] = layout.cells[0]*layout.cells[1];
    layout.dimensions = d;
    layout.coefficientsPerCell = (d == 1 ? 4 : d == 2 ? 16 : 64);
    int numCells = layout.cells[0]*layout.cells[1]*layout.cells[2];
    coefficients.assign((size_t) numCells*layout.coefficientsPerCell, 0.0);  // numCells < 3e7 (validate)
    if (d == 1) {
        // Natural spline second derivatives -> power basis of u = (x - x_i)/h on each cell.
        vector<double> second;
        SplineFitter::createNaturalSpline(axes[0], values, second);
        double h = layout.spacing[0];
        for (int i = 0; i < numCells; i++) {
            double* c = &coefficients[4*(size_t) i];
            c[0] = values[i];
            c[1] = values[i+1]-values[i]-h*h*(2*second[i]+second[i+1])/6;
            c[2] = h*h*second[i]/2;
            c[3] = h*h*(second[i+1]-second[i])/6;
        }
    }
    else if (d == 2) {
        vector<vector<double> > c;
        SplineFitter::create2DNaturalSpline(axes[0], axes[1], values, c);
        // OpenMM's coefficient i*4+j multiplies u^i v^j.
        for (int cell = 0; cell < numCells; cell++)
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                    coefficients[16*(size_t) cell+i+4*j] = c[cell][4*i+j];
    }
    else {
        vector<vector<double> > c;
        SplineFitter::create3DNaturalSpline(axes[0], axes[1], axes[2], values, c);
        // OpenMM's coefficient a+4b+16c multiplies u^a v^b w^c, as here.
        for (int cell = 0; cell < numCells; cell++)
            for (int i = 0; i < 64; i++)
                coefficients[64*(size_t) cell+i] = c[cell][i];
    }
    if (d >= 2) {
        transposed.resize(coefficients.size());
        for (size_t block = 0; block < coefficients.size(); block += 16)
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++)
                    transposed[block+4*a+b] = coefficients[block+a+4*b];
    }
}

double SplineTable::evaluate(const double* point, double* gradient) const {
    double energy, g[3];
    if (dimensions == 1)
        SplinePoint::evaluate<1>(layout, coefficients.data(), point[0], 0, 0, energy, g[0], g[1], g[2]);
    else if (dimensions == 2)
        SplinePoint::evaluate<2>(layout, coefficients.data(), point[0], point[1], 0, energy, g[0], g[1], g[2]);
    else
        SplinePoint::evaluate<3>(layout, coefficients.data(), point[0], point[1], point[2], energy, g[0], g[1], g[2]);
    if (gradient != NULL)
        for (int i = 0; i < 3; i++)
            gradient[i] = g[i];
    return energy;
}
