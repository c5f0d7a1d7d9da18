#ifndef EFFPOT_ROW_MAJOR_MATRIX_H_
#define EFFPOT_ROW_MAJOR_MATRIX_H_

#include <Eigen/Dense>
#include <vector>

namespace EffPot {

/** The d x d matrix of `values` stored row-major (the layout of every matrix in the settings, designs and records). */
inline Eigen::MatrixXd rowMajorMatrix(const std::vector<double>& values, int d) {
    Eigen::MatrixXd m(d, d);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            m(i, j) = values[i*d+j];
    return m;
}

} // namespace EffPot

#endif /*EFFPOT_ROW_MAJOR_MATRIX_H_*/
