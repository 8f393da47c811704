r"""Float64 arithmetic that neither overflows nor cancels, for the closed forms of the bounds.

Beyond the paper: numerics only. :mod:`emp_theory.bounds` evaluates the formulas of
Proposition 1, Theorem 2 and eqs. 1, 17, 18 for user magnitudes from ``1e-300`` to
``1e300`` and integers :math:`N` of any size; four tools keep those evaluations exact
to a few ulps:

* :func:`exact_to_float` — an exact integer array (``int64`` or Python ints, e.g.
  :math:`N - \nu`) to float64 in one rounding, never through an ``int64`` cast;
* :func:`n_minus` — :math:`N - x` for an exact integer :math:`N` and floats :math:`x`,
  carrying the rounding of ``float(N)``;
* :func:`n_times_minus_one` — :math:`N x - 1`, exact where it cancels (Dekker's
  :func:`two_product` on the mantissas);
* :func:`scaled_product` — :math:`c \prod a_i / \prod b_j` formed on mantissas and
  exponents, so an intermediate product never overflows and a result beyond float64 is
  a :class:`ValueError` naming the argument that drives it there.

Examples
--------
>>> v = float(scaled_product([("a", 2e200), ("b", 3e200)], [("c", 1e300)], "a*b/c"))
>>> round(v / 1e100, 12)  # while 2e200 * 3e200 / 1e300 is inf
6.0
>>> x = 1e-20 * (1 + 2**-50)
>>> float(n_times_minus_one(10**20, x))  # exactly N x - 1 of the float x; 10**20 * x - 1 gives
8.479329328857264e-16
>>> 10**20 * x - 1
8.881784197001252e-16

References
----------
.. [1] T. J. Dekker, "A floating-point technique for extending the available
       precision", Numer. Math. 18 (1971) 224-242.
.. [2] P. H. Sterbenz, *Floating-Point Computation*, Prentice-Hall (1974): ``x - y`` is
       exact for ``y/2 <= x <= 2y``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["exact_to_float", "n_minus", "n_times_minus_one", "scaled_product", "two_product"]


def exact_to_float(x, name: str) -> np.ndarray:
    """Float64 of an exact integer array (``int64`` or object ints), naming `name` on overflow."""
    try:
        return np.asarray(x).astype(np.float64)
    except OverflowError:
        raise ValueError(f"`{name}` is too large for float64 (> 1.8e308)") from None


def split_int(n: int) -> tuple[float, float]:
    """``N = hi + lo`` for an exact integer: ``hi = float(N)``, ``lo`` the rounding (float)."""
    hi = float(n)
    return hi, float(n - int(hi))


def n_minus(n: int, x: np.ndarray) -> np.ndarray:
    """``N - x`` for an exact integer `N` and floats `x`, without the rounding of ``float(N)``.

    ``hi - x`` is exact where it cancels (Sterbenz: ``x`` within a factor 2 of ``hi``).
    """
    hi, lo = split_int(n)
    return (hi - x) + lo


def two_product(a: np.ndarray, b: np.ndarray):
    """``a * b = p + e`` exactly (Dekker); `a`, `b` in ``[1/2, 1)`` so nothing overflows."""
    p = a * b
    c = 134217729.0  # 2**27 + 1, Veltkamp's split
    ah = a * c - (a * c - a)
    bh = b * c - (b * c - b)
    al, bl = a - ah, b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def n_times_minus_one(n: int, x: np.ndarray) -> np.ndarray:
    """``N x - 1`` for an exact integer `N` and ``0 <= x <= 1``, accurate where ``N x`` is near 1.

    ``N x`` is formed as an unevaluated sum ``hi + lo`` (the exact product of the
    mantissas, :func:`two_product`, and the rounding of ``float(N)``), so the
    cancellation against 1 loses nothing: error a few ulps of the result.
    """
    nh, nl = split_int(n)
    mn, en = np.frexp(nh)
    mx, ex = np.frexp(np.asarray(x, dtype=np.float64))
    p, e = two_product(np.asarray(mn), mx)
    with np.errstate(under="ignore"):
        hi, lo = np.ldexp(p, en + ex), np.ldexp(e, en + ex)
    return (hi - 1.0) + (lo + nl * x)


def scaled_product(
    nums, dens, what: str, *, shown=None, factor: float = 1.0, saturate: bool = False
):
    r"""``factor * prod(nums) / prod(dens)`` of non-negative arrays, without spurious overflow.

    `nums` and `dens` are ``(name, array)`` pairs. Each factor is split by
    :func:`numpy.frexp` into a mantissa in :math:`[1/2, 1)` and an exponent; mantissas
    are multiplied (they stay within a few powers of two) and exponents added, and the
    result is rebuilt once by :func:`numpy.ldexp`. So ``1e200 * 1e200 / 1e300`` is
    ``1e100`` and an underflowing result is the nearest float (0 or subnormal). A result
    beyond float64 is ``inf`` with ``saturate=True``, else a :class:`ValueError` naming
    the argument whose exponent contributes most (`what` names the quantity, `shown`
    maps argument names to the values the user passed, for the message).
    """
    m = np.asarray(factor, dtype=np.float64)
    e = np.asarray(0, dtype=np.int64)
    parts = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for sign, group in ((1, nums), (-1, dens)):
            for name, x in group:
                fm, fe = np.frexp(np.asarray(x, dtype=np.float64))
                m = m * fm if sign > 0 else m / fm
                e = e + sign * fe.astype(np.int64)
                parts.append((name, sign * fe.astype(np.int64)))
    m, e = np.broadcast_arrays(m, e)
    e = np.clip(e, -4000, 4000)  # beyond this ldexp saturates anyway
    with np.errstate(over="ignore", under="ignore"):
        out = np.ldexp(m, e.astype(np.int32))
    over = np.isinf(out)
    if over.any() and not saturate:
        i = np.unravel_index(np.flatnonzero(over.ravel())[0], out.shape)
        contrib: dict[str, int] = {}
        for name, fe in parts:
            contrib[name] = contrib.get(name, 0) + int(np.broadcast_to(fe, out.shape)[i])
        worst = max(contrib, key=contrib.get)
        shown = shown or {}
        val = shown.get(worst)
        if val is not None and np.ndim(val):
            val = np.broadcast_to(np.asarray(val, dtype=float), out.shape)[i]
        log10 = (math.log2(float(m[i])) + float(e[i])) * math.log10(2.0)
        at = f" = {float(val)!r}" if val is not None else ""
        raise ValueError(
            f"`{worst}`{at} makes {what} overflow float64 (it would be about 1e{log10:.0f})"
        )
    return out
