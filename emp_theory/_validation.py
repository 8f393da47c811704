r"""The one validation layer of :mod:`emp_theory`.

Every public function of the theory core (:mod:`~emp_theory.effective`,
:mod:`~emp_theory.simplex`, :mod:`~emp_theory.bounds`, :mod:`~emp_theory.certificate`,
:mod:`~emp_theory.limits`, :mod:`~emp_theory.montecarlo`) checks its arguments here,
before any arithmetic, so that a bad input never becomes a silently wrong number.
The rules are the same everywhere:

* **kinds** — ``bool`` (and NumPy booleans), ``str``/``bytes``, ``None``, complex
  numbers, object arrays and masked arrays are never numbers: :class:`TypeError`
  naming the argument in backticks. A masked array is refused rather than read
  without its mask (``np.asarray`` would silently drop it); the message says to pass
  ``arr.compressed()``. A sequence such as ``[1, 2]`` where one number is expected is a
  :class:`TypeError` too.
* **values** — NaN, infinities and values outside the documented range:
  :class:`ValueError` naming the argument and the range, e.g.
  ``` `rho` must lie in (0, 1], got 1.5 ```.
* **integers** — :func:`as_int` returns a Python ``int`` of any size (integral floats
  such as ``1e20`` are read exactly); closed forms convert exact integers to float64
  only at the end (:func:`int_to_float`), never through an ``int64`` cast. Integer
  arrays are ``int64`` when their range fits, else object arrays of Python ints
  (:func:`int_array`).
* **sizes** — an array that could never be allocated on this machine is a
  :class:`ValueError` naming the argument that sets its size (:func:`check_alloc`),
  not a ``MemoryError`` half-way through.
* **flags** — a flag such as ``exact`` must be a real ``bool`` (:func:`as_bool`);
  ``exact='no'`` is a :class:`TypeError`, not ``True``.

Symbols: these helpers know no paper symbol; the caller passes the argument's name
(``"N"`` for the length :math:`N`, ``"nu"`` for the shell index :math:`\nu`,
``"rho"`` for :math:`\rho = N_{\mathrm{eff}}/N`, ...), which every message repeats.

Examples
--------
>>> as_int(1e20, "N")
100000000000000000000
>>> as_real("0.5", "rho")
Traceback (most recent call last):
...
TypeError: `rho` must be a real number, got str '0.5'
>>> as_bool("no", "exact")
Traceback (most recent call last):
...
TypeError: `exact` must be a bool (True or False), got str 'no'
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

__all__ = [
    "INT64_MAX",
    "as_bool",
    "as_count",
    "as_int",
    "as_positive_finite",
    "as_real",
    "as_rng",
    "as_str",
    "check_N",
    "check_alloc",
    "check_nu",
    "describe",
    "float_array",
    "int_array",
    "int_to_float",
    "real_array",
    "reject_non_number",
]

#: Largest integer an ``int64`` array can hold.
INT64_MAX = 2**63 - 1
_MASKED = "masked arrays are not supported (the mask would be lost): pass `arr.compressed()`"


def describe(value) -> str:
    """A short description of `value` for an error message (type, and value when short)."""
    if value is None:
        return "None"
    if isinstance(value, bool | np.bool_):
        return f"a boolean ({value!r})"
    if isinstance(value, str | bytes):
        text = repr(value)
        return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    return type(value).__name__


def _fmt(x) -> str:
    return repr(x.item() if isinstance(x, np.generic) else x)


def reject_non_number(value, name: str, what: str = "a real number") -> None:
    """Raise :class:`TypeError` naming `name` if `value` is of a kind that is never a number.

    Rejected: ``None``, ``bool``/``np.bool_``, ``str``/``bytes``, complex numbers,
    masked arrays and object / string / boolean / complex arrays.
    """
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"`{name}`: {_MASKED}")
    if value is None or isinstance(
        value, bool | np.bool_ | str | bytes | complex | np.complexfloating
    ):
        raise TypeError(f"`{name}` must be {what}, got {describe(value)}")
    if isinstance(value, np.ndarray) and value.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must be {what}, got {describe(value)}")


def _scalar(value, name: str, what: str):
    """`value` as a Python scalar, or TypeError (sequences, arrays with ndim > 0)."""
    reject_non_number(value, name, what)
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise TypeError(f"`{name}` must be {what}, got {describe(value)}")
        return value.item()
    if isinstance(value, numbers.Number):
        return value
    raise TypeError(f"`{name}` must be {what}, got {describe(value)}")


# ---------------------------------------------------------------------------
# Scalars
# ---------------------------------------------------------------------------
def as_real(
    value,
    name: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    """Return `value` as a finite ``float`` in the given range, or raise naming `name`.

    Accepts Python and NumPy real numbers and 0-d real arrays; integers too large for
    float64 are a :class:`ValueError`.
    """
    v = _scalar(value, name, "a real number")
    if not isinstance(v, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {describe(value)}")
    try:
        f = float(v)
    except OverflowError:
        raise ValueError(f"`{name}` is too large for float64, got {v!r}") from None
    if not math.isfinite(f):
        raise ValueError(f"`{name}` must be finite, got {_fmt(v)}")
    if (f <= low if open_low else f < low) or (f >= high if open_high else f > high):
        raise ValueError(
            f"`{name}` must lie in {_range(low, high, open_low, open_high)}, got {_fmt(v)}"
        )
    return f


def _range(low, high, open_low: bool, open_high: bool) -> str:
    if high == math.inf:
        return f"> {low:g}" if open_low else f">= {low:g}"
    if low == -math.inf:
        return f"< {high:g}" if open_high else f"<= {high:g}"
    return f"{'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"


def as_positive_finite(value, name: str) -> float:
    """Return `value` as a finite ``float > 0`` or raise naming `name`."""
    return as_real(value, name, low=0.0, open_low=True)


def as_int(value, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return `value` as a Python ``int`` (any size) or raise naming `name`.

    Integral floats (``10.0``, ``1e20``) are read exactly; ``10.5``, NaN, booleans,
    strings and sequences are rejected. With `low` / `high`, the integer must lie in
    ``[low, high]``.
    """
    v = _scalar(value, name, "an integer")
    if isinstance(v, numbers.Integral):
        out = int(v)
    elif isinstance(v, numbers.Real):
        f = float(v)
        if not math.isfinite(f):
            raise ValueError(f"`{name}` must be a finite integer, got {_fmt(v)}")
        if f != math.floor(f):
            raise ValueError(f"`{name}` must be an integer, got {_fmt(v)}")
        out = int(f)
    else:
        raise TypeError(f"`{name}` must be an integer, got {describe(value)}")
    if (low is not None and out < low) or (high is not None and out > high):
        if high is None:
            raise ValueError(f"`{name}` must be an integer >= {low}, got {_fmt(v)}")
        if low is None:
            raise ValueError(f"`{name}` must be an integer <= {high}, got {_fmt(v)}")
        raise ValueError(f"`{name}` must be an integer in [{low}, {high}], got {_fmt(v)}")
    return out


def as_count(value, name: str) -> int:
    """An integer ``>= 1`` (a number of samples, draws, rows...)."""
    return as_int(value, name, low=1)


def int_to_float(n: int, name: str) -> float:
    """``float(n)`` of an exact integer, or :class:`ValueError` naming `name` if it overflows."""
    try:
        return float(n)
    except OverflowError:
        raise ValueError(f"`{name}` is too large for float64 (> 1.8e308), got {n}") from None


def check_N(N, name: str = "N") -> int:
    """Validate the dimension ``N`` of the simplex (an integer ``>= 2``, any size)."""
    n = as_int(N, name)
    if n < 2:
        raise ValueError(f"`{name}` must be an integer >= 2, got {_fmt(N)}")
    return n


def check_nu(nu, N: int, name: str = "nu") -> int:
    """Validate an integer ``nu`` in ``[1, N]``."""
    v = as_int(nu, name)
    if not 1 <= v <= N:
        raise ValueError(f"`{name}` must be an integer in [1, N] = [1, {N}], got {_fmt(nu)}")
    return v


def as_bool(value, name: str) -> bool:
    """A flag: ``True`` / ``False`` (or a NumPy boolean), nothing else."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"`{name}`: {_MASKED}")
    raise TypeError(f"`{name}` must be a bool (True or False), got {describe(value)}")


def as_str(value, name: str) -> str:
    """A string argument (a family name, a method); anything else is a :class:`TypeError`."""
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"`{name}`: {_MASKED}")
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be a string, got {describe(value)}")
    return value


def as_rng(seed, name: str = "seed") -> np.random.Generator:
    """A Generator from ``None``, a non-negative integer, or a Generator (used as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral):
        if isinstance(seed, np.ma.MaskedArray):
            raise TypeError(f"`{name}`: {_MASKED}")
        raise TypeError(
            f"`{name}` must be None, a non-negative integer or a numpy.random.Generator, "
            f"got {describe(seed)}"
        )
    if seed < 0:
        raise ValueError(f"`{name}` must be a non-negative integer, got {seed!r}")
    return np.random.default_rng(int(seed))


# ---------------------------------------------------------------------------
# Arrays
# ---------------------------------------------------------------------------
def real_array(values, name: str, what: str = "an array of real numbers") -> np.ndarray:
    """`values` as a NumPy array of an integer or floating dtype (no copy when possible).

    Python ints too large for ``int64`` give an object array of ints (the only object
    array accepted, and only from a Python sequence); everything
    :func:`reject_non_number` refuses, ragged sequences and non-numeric elements are a
    :class:`TypeError` naming `name`.
    """
    reject_non_number(values, name, what)
    if isinstance(values, np.ndarray):
        return values
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError, OverflowError) as exc:  # ragged nested sequences
        raise TypeError(f"`{name}` must be {what}: {exc}") from None
    if arr.dtype == object:
        for x in arr.ravel().tolist():
            if isinstance(x, np.ma.MaskedArray):
                raise TypeError(f"`{name}`: {_MASKED}")
            if isinstance(x, bool) or not isinstance(x, numbers.Integral):
                raise TypeError(f"`{name}` must be {what}, got an element {describe(x)}")
        return arr
    if arr.dtype == bool:
        raise TypeError(f"`{name}` must be {what}, got a boolean array")
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must be {what}, got dtype {arr.dtype}")
    return arr


def int_array(values, name: str, low: int, high: int) -> np.ndarray:
    """Validate an array of integers in ``[low, high]`` (scalars become 0-d arrays).

    Returns ``int64`` when ``[low, high]`` fits in ``int64``, else an object array of
    exact Python ints (so that ``N - nu`` stays exact for ``N`` beyond ``2**63 - 1``).
    Integral floats are accepted.
    """
    arr = real_array(values, name, "integer-valued")
    if arr.size == 0:
        raise ValueError(f"`{name}` must not be empty")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"`{name}` must be finite")
        if np.any(arr != np.floor(arr)):
            bad = arr[arr != np.floor(arr)].ravel()[0]
            raise ValueError(f"`{name}` must be integer-valued, got {_fmt(bad)}")
    fits = -INT64_MAX - 1 <= low and high <= INT64_MAX
    small = arr.dtype.kind == "f" and float(np.max(np.abs(arr))) < 2.0**63
    if small or (arr.dtype.kind in "iu" and arr.dtype != np.uint64):
        out = arr.astype(np.int64, copy=False)  # exact: integral floats below 2**63
        lo, hi = int(out.min()), int(out.max())
    else:  # uint64, object (Python ints) or floats beyond int64: exact Python ints
        ints = [int(x) for x in arr.ravel().tolist()]
        lo, hi = min(ints), max(ints)
        if fits and -INT64_MAX - 1 <= lo and hi <= INT64_MAX:
            out = np.array(ints, dtype=np.int64).reshape(arr.shape)
        else:
            out = np.empty(arr.shape, dtype=object)
            out.reshape(-1)[:] = ints
    if lo < low or hi > high:
        bad = lo if lo < low else hi
        raise ValueError(f"`{name}` must lie in [{low}, {high}], got {bad}")
    if not fits and out.dtype != object:
        obj = np.empty(out.shape, dtype=object)
        obj.reshape(-1)[:] = out.ravel().tolist()
        out = obj
    return out


def float_array(
    values,
    name: str,
    low: float,
    high: float,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> np.ndarray:
    """Validate a finite float64 array in ``[low, high]`` (``(`` / ``)`` with `open_low` / `open_high`)."""
    arr = real_array(values, name, "real-valued")
    try:
        arr = arr.astype(np.float64)
    except OverflowError:
        raise ValueError(f"`{name}` holds an integer too large for float64") from None
    if arr.size == 0:
        raise ValueError(f"`{name}` must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must be finite")
    bad = (arr <= low if open_low else arr < low) | (arr >= high if open_high else arr > high)
    if np.any(bad):
        first = arr[bad].ravel()[0]
        raise ValueError(
            f"`{name}` must lie in {_range(low, high, open_low, open_high)}, got {float(first)!r}"
        )
    return arr


# ---------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------
def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):  # pragma: no cover - non-POSIX
        return None


def check_alloc(n_elements: int, name: str, itemsize: int = 8, what: str = "the result") -> None:
    """Raise :class:`ValueError` naming `name` if `n_elements` items can never be allocated.

    "Never" means: more bytes than this machine's physical memory, or more elements
    than a NumPy array can index. (An allocation that fits may still fail for lack of
    free memory; that is NumPy's ``MemoryError``.)
    """
    n = int(n_elements)
    need = n * itemsize
    limit = _memory_bytes()
    if n > np.iinfo(np.intp).max // max(itemsize, 1) or (limit is not None and need > limit):
        have = f"{limit / 2**30:.0f} GiB" if limit is not None else "addressable memory"
        raise ValueError(
            f"`{name}` is too large: {what} would need {n:.3g} elements ({need / 2**30:.3g} GiB), "
            f"more than this machine's {have}"
        )
