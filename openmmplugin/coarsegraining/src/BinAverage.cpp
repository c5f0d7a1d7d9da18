#include "internal/BinAverage.h"
#include "PSplineFit.h"
#include "RegularGrid.h"
#include <algorithm>
#include <cmath>

using namespace EffPot;
using namespace std;

double BinAverage::logCorrection(const PSplineFit& spline, const RegularGrid& grid, int bin, double kT) {
    // Gauss-Legendre on [-1/2, 1/2] (the bin in units of its width): nodes 0, +-sqrt(3/5)/2, weights 8/18, 5/18.
    const double offset[3] = {-0.5*sqrt(0.6), 0.0, 0.5*sqrt(0.6)};
    const double weight[3] = {5.0/18, 8.0/18, 5.0/18};
    int d = grid.getDimensions();
    double center[3], point[3], widths[3];
    grid.getBinCenter(bin, center);
    for (int i = 0; i < d; i++)
        widths[i] = (grid.getUpper()[i]-grid.getLower()[i])/grid.getBins()[i];
    double atCenter = spline.evaluate(center);
    int numPoints = 1;
    for (int i = 0; i < d; i++)
        numPoints *= 3;
    double exponents[27], logWeights[27], largest = -INFINITY;
    for (int k = 0; k < numPoints; k++) {
        double w = 1;
        for (int i = 0, rest = k; i < d; i++, rest /= 3) {
            point[i] = center[i]+offset[rest%3]*widths[i];
            w *= weight[rest%3];
        }
        exponents[k] = -(spline.evaluate(point)-atCenter)/kT;
        logWeights[k] = log(w);
        largest = max(largest, exponents[k]+logWeights[k]);
    }
    double sum = 0;
    for (int k = 0; k < numPoints; k++)
        sum += exp(exponents[k]+logWeights[k]-largest);
    return kT*(largest+log(sum));
}
