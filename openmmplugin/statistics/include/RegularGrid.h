#ifndef EFFPOT_REGULAR_GRID_H_
#define EFFPOT_REGULAR_GRID_H_

#include "internal/windowsExportEffPot.h"
#include <vector>

namespace EffPot {

/**
 * A box in 1 to 3 dimensions divided into equal bins, x fastest: the layout of position histograms, of fitted
 * potentials on their grid, and of OpenMM's Continuous{1,2,3}DFunction tables.
 */
class OPENMM_EXPORT_EFFPOT RegularGrid {
public:
    RegularGrid();
    /**
     * @param lower   the lower corner of the box (one entry per dimension, nm)
     * @param upper   the upper corner (each entry > the lower one)
     * @param bins    the number of bins per dimension (each >= 1)
     */
    RegularGrid(const std::vector<double>& lower, const std::vector<double>& upper, const std::vector<int>& bins);
    int getDimensions() const {
        return lower.size();
    }
    const std::vector<double>& getLower() const {
        return lower;
    }
    const std::vector<double>& getUpper() const {
        return upper;
    }
    const std::vector<int>& getBins() const {
        return bins;
    }
    /** The total number of bins. */
    int getNumBins() const;
    /** The width of a bin along one dimension. */
    double getBinWidth(int dimension) const {
        if (dimension < 0 || dimension >= getDimensions())
            throwDimension(dimension, "getBinWidth");
        return (upper[dimension]-lower[dimension])/bins[dimension];
    }
    /** The volume (length, area) of one bin. */
    double getBinVolume() const;
    /** The flat index (x fastest) of the bin holding a point, or -1 if the point is outside the box. */
    int findBin(const double* point) const;
    /** The center of a bin given by its flat index, written to center[0..d). */
    void getBinCenter(int index, double* center) const;
    /** Whether two grids are the same box and bins (exactly). */
    bool operator==(const RegularGrid& other) const;
private:
    void throwDimension(int dimension, const char* method) const;
    std::vector<double> lower, upper;
    std::vector<int> bins;
};

} // namespace EffPot

#endif /*EFFPOT_REGULAR_GRID_H_*/
