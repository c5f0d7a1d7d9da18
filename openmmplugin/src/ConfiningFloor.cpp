// The confining floor outside a sampled support: ConfiningFloor::raise.
#include "internal/ConfiningFloor.h"
#include <algorithm>
#include <cmath>
#include <queue>

using namespace EffPot;
using namespace std;

void ConfiningFloor::raise(vector<double>& values, const vector<int>& supported, const vector<int>& shape,
                           const vector<double>& spacing, double kT) {
    if (none_of(supported.begin(), supported.end(), [](int s) { return s != 0; }))
        return;
    // Outside the support the fit only extrapolates, and a smooth extrapolation can bend down into spurious
    // wells (P5: -1.2 kT in a corner of the box, where a surrogate then leaked). No bin there reached the minimum
    // count, so the density is below what the support's edge shows, and it keeps falling away from the support.
    // A level floor (the highest supported value) is not enough: over the large unsampled part of a box it holds
    // a few per cent of the surrogate's probability (P5 on a 96 x 96 grid: TV 0.035, all of it in the far box).
    // So U is raised to at least the cone min_s (U_s + slope * |x - x_s|) over supported nodes s: it continues
    // each edge value outward at `slope`, which leaves no step at the edge. The slope is the steepest gradient
    // of U over the support (the cone is no stiffer than the landscape, so a step that resolves U resolves it;
    // a steeper rise of kT per node made P1's Langevin surrogate at h = 0.3 fail), raised to kT per 5% of the box
    // (a flat U still confines), then capped at kT per node spacing (beyond which nothing more is confined; the
    // cap wins on grids of fewer than 20 nodes).
    int d = shape.size();
    const vector<int>& nodes = shape;
    double widest = 0, finest = INFINITY;
    for (int k = 0; k < d; k++) {
        widest = max(widest, spacing[k]*(nodes[k]-1));
        finest = min(finest, spacing[k]);
    }
    auto position = [&](int node, int* index) {
        for (int k = 0; k < d; k++) {
            index[k] = node%nodes[k];
            node /= nodes[k];
        }
    };
    double steepest = 0;
    int index[3], other[3];
    for (size_t i = 0; i < values.size(); i++) {
        if (!supported[i])
            continue;
        position(i, index);
        for (int k = 0, stride = 1; k < d; stride *= nodes[k], k++)
            if (index[k]+1 < nodes[k] && supported[i+stride])
                steepest = max(steepest, fabs(values[i+stride]-values[i])/spacing[k]);
    }
    double slope = min(kT/finest, max(steepest, kT/(0.05*widest)));
    // Dijkstra from every supported node at once over the 3^d - 1 neighbours: the cone with chamfer distances.
    vector<double> cone(values.size(), INFINITY);
    priority_queue<pair<double, int>, vector<pair<double, int> >, greater<pair<double, int> > > queue;
    for (size_t i = 0; i < values.size(); i++)
        if (supported[i]) {
            cone[i] = values[i];
            queue.push(make_pair(values[i], (int) i));
        }
    int numNeighbours = (d == 1 ? 3 : d == 2 ? 9 : 27);
    while (!queue.empty()) {
        pair<double, int> top = queue.top();
        queue.pop();
        if (top.first > cone[top.second])
            continue;
        position(top.second, index);
        for (int n = 0; n < numNeighbours; n++) {
            int offset = n, neighbour = 0, stride = 1;
            bool inside = true;
            double step = 0;
            for (int k = 0; k < d; k++) {
                other[k] = index[k]+offset%3-1;
                step += (offset%3 != 1 ? spacing[k]*spacing[k] : 0.0);
                offset /= 3;
                inside &= (other[k] >= 0 && other[k] < nodes[k]);
                neighbour += stride*other[k];
                stride *= nodes[k];
            }
            if (!inside || neighbour == top.second)
                continue;
            double value = top.first+slope*sqrt(step);
            if (value < cone[neighbour]) {
                cone[neighbour] = value;
                queue.push(make_pair(value, neighbour));
            }
        }
    }
    for (size_t i = 0; i < values.size(); i++)
        if (!supported[i])
            values[i] = max(values[i], cone[i]);
}
