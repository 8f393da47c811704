"""Input validation shared by the theory modules.

Every public function validates first and raises a :class:`ValueError` or
:class:`TypeError` whose message names the offending argument in backticks,
so that a bad input never turns into a silently wrong number.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "as_int",
    "as_positive_finite",
    "check_N",
    "check_nu",
]


def as_int(value, name: str) -> int:
    """Return ``value`` as a Python ``int`` or raise naming ``name``.

    Integral floats (``10.0``) are accepted; ``10.5``, ``nan``, booleans and
    non-numbers are rejected.
    """
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"`{name}` must be an integer, got a boolean")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"`{name}` must be a finite integer, got {value!r}")
        if v != math.floor(v):
            raise ValueError(f"`{name}` must be an integer, got {value!r}")
        return int(v)
    raise TypeError(f"`{name}` must be an integer, got {type(value).__name__}")


def as_positive_finite(value, name: str) -> float:
    """Return ``value`` as a positive finite ``float`` or raise naming ``name``."""
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"`{name}` must be a real number, got a boolean")
    if not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"`{name}` must be finite, got {value!r}")
    if v <= 0:
        raise ValueError(f"`{name}` must be > 0, got {value!r}")
    return v


def check_N(N, name: str = "N") -> int:
    """Validate the dimension ``N`` of the simplex (an integer ``>= 2``)."""
    n = as_int(N, name)
    if n < 2:
        raise ValueError(f"`{name}` must be an integer >= 2, got {N!r}")
    return n


def check_nu(nu, N: int, name: str = "nu") -> int:
    """Validate an integer ``nu`` in ``[1, N]``."""
    v = as_int(nu, name)
    if not 1 <= v <= N:
        raise ValueError(f"`{name}` must be an integer in [1, N] = [1, {N}], got {nu!r}")
    return v


def int_array(values, name: str, low: int, high: int) -> np.ndarray:
    """Validate an array of integers in ``[low, high]`` (scalars become 0-d arrays)."""
    arr = np.asarray(values)
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must be integer-valued, got dtype {arr.dtype}")
    if arr.size == 0:
        raise ValueError(f"`{name}` must not be empty")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"`{name}` must be finite")
        if np.any(arr != np.floor(arr)):
            raise ValueError(f"`{name}` must be integer-valued")
    out = arr.astype(np.int64)
    if np.any(out < low) or np.any(out > high):
        raise ValueError(f"`{name}` must lie in [{low}, {high}]")
    return out


def float_array(values, name: str, low: float, high: float, *, open_low: bool = False):
    """Validate a finite float array in ``[low, high]`` (or ``(low, high]``)."""
    arr = np.asarray(values, dtype=float) if not isinstance(values, np.ndarray) else values
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must be real-valued, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.size == 0:
        raise ValueError(f"`{name}` must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must be finite")
    bad_low = arr <= low if open_low else arr < low
    if np.any(bad_low) or np.any(arr > high):
        lo = "(" if open_low else "["
        raise ValueError(f"`{name}` must lie in {lo}{low}, {high}]")
    return arr
