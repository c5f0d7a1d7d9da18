// The continuation of a learned U outside its sampled support: ConfiningFloor::raise.
#include "internal/ConfiningFloor.h"
#include <algorithm>
#include <cmath>
#include <limits>

using namespace EffPot;
using namespace std;

namespace {

/**
 * f <- min over q of f(q) + ((p - q) h)^2 along one line of n points `stride` apart (the 1D squared distance
 * transform; infinite entries are points with nothing to offer).
 */
void transformLine(double* f, int n, int stride, double h, vector<double>& values, vector<int>& hull, vector<double>& bounds) {
    const double infinity = numeric_limits<double>::infinity();
    values.resize(n);
    for (int i = 0; i < n; i++)
        values[i] = f[i*stride];
    hull.assign(n, 0);
    bounds.assign(n+1, 0.0);
    int k = -1;
    for (int q = 0; q < n; q++) {
        if (values[q] == infinity)
            continue;
        double xq = q*h;
        while (k >= 0) {
            double xv = hull[k]*h;
            double s = ((values[q]+xq*xq)-(values[hull[k]]+xv*xv))/(2*(xq-xv));
            if (s > bounds[k])
                break;
            k--;
        }
        k++;
        hull[k] = q;
        bounds[k] = (k == 0 ? -infinity : ((values[q]+xq*xq)-(values[hull[k-1]]+(hull[k-1]*h)*(hull[k-1]*h)))/(2*(xq-hull[k-1]*h)));
        bounds[k+1] = infinity;
    }
    if (k < 0)
        return; // nothing supported on this line: it stays infinite
    int j = 0;
    for (int p = 0; p < n; p++) {
        double x = p*h;
        while (bounds[j+1] < x)
            j++;
        double dx = x-hull[j]*h;
        f[p*stride] = dx*dx+values[hull[j]];
    }
}

} // namespace

void ConfiningFloor::smooth(vector<double>& field, const vector<int>& shape, int passes) {
    vector<double> line;
    for (int pass = 0; pass < passes; pass++) {
        int stride = 1;
        for (size_t k = 0; k < shape.size(); k++) {
            int n = shape[k];
            line.resize(n);
            for (int start = 0; start < (int) field.size(); start++) {
                if ((start/stride)%n != 0)
                    continue;
                for (int i = 0; i < n; i++)
                    line[i] = field[start+i*stride];
                // (1, 2, 1) / 4 with the end points repeated.
                for (int i = 0; i < n; i++)
                    field[start+i*stride] = 0.25*line[max(i-1, 0)]+0.5*line[i]+0.25*line[min(i+1, n-1)];
            }
            stride *= n;
        }
    }
}

vector<double> ConfiningFloor::squaredDistance(const vector<int>& supported, const vector<int>& shape, const vector<double>& spacing) {
    int d = shape.size();
    vector<double> field(supported.size());
    for (size_t i = 0; i < field.size(); i++)
        field[i] = (supported[i] ? 0.0 : numeric_limits<double>::infinity());
    vector<double> values, bounds;
    vector<int> hull;
    int stride = 1;
    for (int k = 0; k < d; k++) {
        int n = shape[k];
        // Every line along dimension k: its first point runs over all points whose index k is 0.
        for (int start = 0; start < (int) field.size(); start++)
            if ((start/stride)%n == 0)
                transformLine(&field[start], n, stride, spacing[k], values, hull, bounds);
        stride *= n;
    }
    return field;
}

void ConfiningFloor::raise(vector<double>& values, const vector<int>& supported, const vector<int>& shape,
                           const vector<double>& spacing, double curvature, double floor) {
    if (none_of(supported.begin(), supported.end(), [](int s) { return s != 0; }))
        return;
    vector<double> distance2 = squaredDistance(supported, shape, spacing);
    // d^2 has downward kinks where two nearest supported points meet; a cubic spline through samples of a kink
    // rings, with upward curvature beside it (5 times `curvature` on a learned 2D quadratic). A binomial filter
    // blurs the kinks over a few nodes; an average of functions whose Hessian is at most 2 I is another such
    // function, so the bound holds. Supported points stay at 0 (the filter moves them by O(spacing^2) only).
    smooth(distance2, shape, 2);
    for (size_t i = 0; i < values.size(); i++)
        if (!supported[i])
            values[i] = max(values[i]+0.5*curvature*distance2[i], floor);
}
