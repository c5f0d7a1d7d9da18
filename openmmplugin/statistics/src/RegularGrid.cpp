#include "RegularGrid.h"
#include <string>
#include "openmm/OpenMMException.h"
#include <cmath>

using namespace EffPot;
using OpenMM::OpenMMException;
using namespace std;

RegularGrid::RegularGrid() {
}

RegularGrid::RegularGrid(const vector<double>& lower, const vector<double>& upper, const vector<int>& bins) :
        lower(lower), upper(upper), bins(bins) {
    int d = lower.size();
    if (d < 1 || d > 3 || (int) upper.size() != d || (int) bins.size() != d)
        throw OpenMMException("RegularGrid: lower, upper and bins must have 1 to 3 entries each, one per dimension");
    for (int i = 0; i < d; i++) {
        if (!(upper[i] > lower[i]) || !isfinite(lower[i]) || !isfinite(upper[i]))
            throw OpenMMException("RegularGrid: each upper bound must be finite and greater than its lower bound");
        if (bins[i] < 1)
            throw OpenMMException("RegularGrid: the number of bins per dimension must be at least 1");
    }
    double total = 1;
    for (int b : bins)
        total *= b;
    if (total > 2147483647.0)
        throw OpenMMException("RegularGrid: "+to_string((long long) total)+" bins in all are too many (at most 2^31 - 1): use "
                              "fewer per dimension");
}

void RegularGrid::throwDimension(int dimension, const char* method) const {
    throw OpenMMException("RegularGrid."+string(method)+": dimension "+to_string(dimension)+" is out of range (the grid has "+
                          to_string(getDimensions())+")");
}

int RegularGrid::getNumBins() const {
    int n = 1;
    for (int b : bins)
        n *= b;
    return n;
}

double RegularGrid::getBinVolume() const {
    double volume = 1;
    for (int i = 0; i < getDimensions(); i++)
        volume *= getBinWidth(i);
    return volume;
}

int RegularGrid::findBin(const double* point) const {
    int index = 0, stride = 1;
    for (int i = 0; i < getDimensions(); i++) {
        double scaled = (point[i]-lower[i])/(upper[i]-lower[i])*bins[i];
        if (!(scaled >= 0) || scaled >= bins[i])
            return -1;
        index += stride*(int) scaled;
        stride *= bins[i];
    }
    return index;
}

void RegularGrid::getBinCenter(int index, double* center) const {
    for (int i = 0; i < getDimensions(); i++) {
        int j = index%bins[i];
        index /= bins[i];
        center[i] = lower[i]+(j+0.5)*getBinWidth(i);
    }
}

bool RegularGrid::operator==(const RegularGrid& other) const {
    return lower == other.lower && upper == other.upper && bins == other.bins;
}
