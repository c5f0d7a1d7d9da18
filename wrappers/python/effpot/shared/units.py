"""Conversion of user arguments (OpenMM quantities, lists, nested lists, numpy arrays, platform names) to plain
numbers and OpenMM objects."""
import numpy as np
import openmm as mm
from openmm import unit


def strip(value, expected_unit, name):
    """Return value in expected_unit as a float; a plain number is taken to be in that unit already."""
    if unit.is_quantity(value):
        if not value.unit.is_compatible(expected_unit):
            raise TypeError(f"{name}: expected a quantity in {expected_unit}, got {value.unit}")
        value = value.value_in_unit(expected_unit)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a number (in {expected_unit}), got {value!r}") from None


def square_matrix(value, size, expected_unit, name):
    """Return value as a flat row-major list of size*size floats in expected_unit.

    Accepts a size x size nested list or array, or a flat one of size*size entries, optionally as an OpenMM
    Quantity; raises ValueError naming the parameter if the shape is wrong.
    """
    if unit.is_quantity(value):
        if not value.unit.is_compatible(expected_unit):
            raise TypeError(f"{name}: expected a quantity in {expected_unit}, got {value.unit}")
        value = value.value_in_unit(expected_unit)
    array = float_array(value, name)
    if array.shape not in ((size, size), (size * size,)):
        raise ValueError(f"{name}: expected a {size} x {size} matrix (3 rows and columns per particle), "
                         f"got shape {array.shape}")
    return array.reshape(-1).tolist()


def particle_list(value, name):
    """Return value (any iterable of integers, e.g. a numpy array) as a list of int."""
    array = np.asarray(value)
    if array.ndim == 0:
        array = array.reshape(1)
    # Python ints beyond 64 bits make an object array: still integers, to be refused by range below.
    integral = (array.size == 0 or np.issubdtype(array.dtype, np.integer) or
                (array.dtype == object and all(isinstance(i, (int, np.integer)) and not isinstance(i, bool)
                                               for i in array.ravel())))
    if array.ndim != 1 or not integral:
        raise TypeError(f"{name}: expected a list of particle indices (integers), got {value!r}")
    indices = [int(i) for i in array]
    outside = [i for i in indices if not -2 ** 31 <= i < 2 ** 31]
    if outside:
        raise ValueError(f"{name}: particle index {outside[0]} is out of range (OpenMM's indices are 32-bit ints: "
                         "give indices of the System's particles)")
    return indices


def whole_number(value, name, low=None):
    """Return value as an int if it is a whole number (an int, a numpy integer, or a float with no fraction such as
    2.0 or 1e4); raise TypeError or ValueError naming the parameter otherwise (never truncate 2.5 to 2)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected a whole number, got {value!r}")
    if isinstance(value, (int, np.integer)):
        result = int(value)
    elif isinstance(value, (float, np.floating)):
        if not np.isfinite(value) or value != int(value):
            raise ValueError(f"{name}: expected a whole number, got {value!r}: a fraction would be truncated; "
                             "give an integer")
        result = int(value)
    else:
        raise TypeError(f"{name}: expected a whole number, got {value!r}")
    if not -2 ** 31 <= result < 2 ** 31:
        raise ValueError(f"{name}: {result} is out of range (a 32-bit integer)")
    if low is not None and result < low:
        raise ValueError(f"{name}: expected a whole number of at least {low}, got {result}")
    return result


def real_number(value, name):
    """Return a plain number (int, float or numpy scalar; not a str or bool) as a float."""
    if isinstance(value, (bool, np.bool_, str, bytes)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {value!r}")
    return float(value)


def float_array(value, name):
    """value as a numpy array of floats; TypeError naming the parameter if it holds anything but numbers."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name}: expected numbers (a list or array), got {value!r:.80} ({error})") from None


def openmm_platform(platform):
    """An openmm.Platform from a platform name, a Platform, or None (the Reference platform)."""
    if platform is None:
        platform = "Reference"
    if not isinstance(platform, (str, mm.Platform)):
        raise TypeError(f"platform: give a platform name ('Reference', 'CPU', 'OpenCL', 'CUDA') or an openmm.Platform, "
                        f"got {platform!r}")
    return mm.Platform.getPlatformByName(platform) if isinstance(platform, str) else platform
