"""Accuracy of a learned potential against a known reference (the metric of the coarse-graining issue)."""
import numpy as np


def grid_points(axes):
    """All points of the grid spanned by 1D coordinate arrays, as an N x d array in C order: the *last* axis varies
    fastest (unlike the x-fastest node order of EffectivePotential's flat arrays; grid() returns [i, j] arrays)."""
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.column_stack([m.ravel() for m in mesh])


def rmse_in_kt(potential, reference, axes, window=3.0):
    """RMSE of U_learned - U_reference in units of kT, after removing the mean difference, over the grid points
    where the reference is within `window` kT of its minimum on the grid.

    Parameters
    ----------
    potential : EffectivePotential
    reference : callable
        Maps an N x d array of points to N reference energies (kJ/mol).
    axes : list of 1D arrays
        The grid (one array of coordinates per dimension).
    """
    points = grid_points(axes)
    values = np.asarray(reference(points), dtype=float)
    mask = values - values.min() <= window * potential.kT
    difference = potential.evaluate(points[mask]) - values[mask]
    return float(np.sqrt(np.mean((difference - difference.mean()) ** 2)) / potential.kT)


#: Points per dimension of evaluation_axes: the RMSE between the nodes counts too (a coarse 3D table's 9 nodes within
#: 3 kT gave 0.014 kT where the whole region gave 0.043).
EVALUATION_POINTS = {1: 401, 2: 121, 3: 41}


def evaluation_axes(potential):
    """Axes over the potential's table box, at least EVALUATION_POINTS per dimension (and every node when the table
    is finer): where rmse_in_kt judges a learned U, between its nodes as well as at them."""
    axes = potential.grid()[0]
    count = EVALUATION_POINTS[potential.dimensions]
    return [np.linspace(a[0], a[-1], max(len(a), count)) for a in axes]


def histogram_marginals(counts, grid):
    """A histogram on a RegularGrid (flat counts, x fastest) as probabilities per bin, indexed [i, j, ...] with x
    first, and per component its marginal as (bin centres, density per nm)."""
    bins = list(grid.getBins())
    d = len(bins)
    array = np.asarray(counts, dtype=float).reshape(tuple(reversed(bins))).transpose()
    array = array / array.sum()
    marginals = []
    for c in range(d):
        width = grid.getBinWidth(c)
        centres = grid.getLower()[c] + width * (np.arange(bins[c]) + 0.5)
        marginals.append((centres, array.sum(axis=tuple(k for k in range(d) if k != c)) / width))
    return array, marginals
