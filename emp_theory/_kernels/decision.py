r"""The exact N_eff decision: a rigorous float64 error bound, exact integer sums near an integer.

Part of :mod:`emp_theory._kernels` (see its docstring for the paper symbols).
"""

from __future__ import annotations

import math

import numpy as np

from .chunked import CHUNK, Stats

# ---------------------------------------------------------------------------
# The N_eff decision: floor((sum|s|)^2 / sum s^2), exactly
# ---------------------------------------------------------------------------
_U = 2.0**-53  # unit round-off of float64


def _gamma(k: int) -> float:
    return k * _U / (1.0 - k * _U)


def pairwise_depth(n: int) -> int:
    """An upper bound on the depth of NumPy's pairwise float64 sum of ``n`` values.

    ``np.add.reduce`` over a contiguous run splits it in halves down to blocks of at
    most 128 values, each summed by 8 interleaved accumulators (at most 16 terms each),
    combined in 3 levels, plus at most 7 trailing terms: depth at most
    ``ceil(log2(n / 128)) + 1 + 16 + 3 + 7``. We use ``ceil(log2 n) + 20``, and
    :func:`ratio_rel_error` doubles it again.
    """
    return max(1, math.ceil(math.log2(max(n, 2)))) + 20


def ratio_rel_error(n_terms: int, n_chunks: int) -> float:
    r"""Rigorous bound on the relative error of ``l1 * l1 / l2sq`` from :func:`stats`.

    Each :math:`a_i = \mathrm{fl}(|s_i|/m)` carries one rounding, its square another;
    the per-chunk pairwise sums carry :math:`\gamma_d` with ``d`` from
    :func:`pairwise_depth` (doubled for safety), the chunk sums are added one by one
    (``n_chunks`` more levels), and the square and the quotient two more roundings.
    With :math:`g_1 = \gamma_{2d + C + 1}`, :math:`g_2 = \gamma_{2d + C + 3}` the bound
    is :math:`(1+g_1)^2 (1+u)^2/(1-g_2) - 1`, plus :math:`4 N 2^{-1074}` for terms that
    underflow (``l1, l2sq >= 1`` because the largest term is 1).
    """
    d = 2 * pairwise_depth(min(n_terms, CHUNK)) + max(n_chunks, 1)
    g1, g2 = _gamma(d + 1), _gamma(d + 3)
    return (1.0 + g1) ** 2 * (1.0 + _U) ** 2 / (1.0 - g2) - 1.0 + 4.0 * n_terms * 2.0**-1074


class ExactSums:
    r"""Exact :math:`\sum_i |x_i|` and :math:`\sum_i x_i^2` of float32/float64 values.

    Every finite float is :math:`M 2^E` with an integer mantissa :math:`M < 2^{53}`.
    Per chunk of :data:`CHUNK` values, the values are grouped by exponent (a stable
    radix sort of 16-bit keys), :math:`M` is cut into three 18-bit pieces and the
    piece sums (and the five coefficient sums of :math:`M^2`) are accumulated in int64,
    where they cannot overflow (:math:`< 3 \cdot 2^{36} \cdot 2^{20} < 2^{63}`). The
    group sums are then added as Python integers, so both sums are exact rationals
    with a power-of-two denominator. Cost: a few passes over the data and a Python
    loop over the distinct exponents; it runs only when the float64 ratio lies within
    its error bound of an integer.
    """

    def __init__(self) -> None:
        self._s1: dict[int, int] = {}
        self._s2: dict[int, int] = {}

    @classmethod
    def from_powers(cls, s1: dict[int, int], s2: dict[int, int]) -> ExactSums:
        r"""Sums given as :math:`\sum_p c_p 2^p`: ``s1[p]`` for :math:`\sum|x|`, ``s2[p]`` for :math:`\sum x^2`."""
        ex = cls()
        ex._s1.update(s1)
        ex._s2.update(s2)
        return ex

    def add(self, x: np.ndarray) -> ExactSums:
        """Add the values `x` (any float dtype that converts exactly to float64)."""
        x = np.asarray(x).reshape(-1)
        for i in range(0, x.size, CHUNK):
            self._add_chunk(np.abs(x[i : i + CHUNK].astype(np.float64)))
        return self

    def _add_chunk(self, a: np.ndarray) -> None:
        frac, e = np.frexp(a)
        m = np.ldexp(frac, 53).astype(np.int64)
        if e.size and e.min() == e.max():  # one exponent (e.g. a constant vector): no sort
            starts = np.zeros(1, dtype=np.intp)
        else:
            order = np.argsort(e.astype(np.int16), kind="stable")
            e, m = e[order], m[order]
            starts = np.concatenate(([0], np.flatnonzero(np.diff(e)) + 1))
        mask = (1 << 18) - 1
        p0, p1, p2 = m & mask, (m >> 18) & mask, m >> 36
        s1 = [np.add.reduceat(p, starts) for p in (p0, p1, p2)]
        c = (p0 * p0, 2 * p0 * p1, p1 * p1 + 2 * p0 * p2, 2 * p1 * p2, p2 * p2)
        s2 = [np.add.reduceat(q, starts) for q in c]
        for g, st in enumerate(starts.tolist()):
            ex = int(e[st]) - 53  # zeros (frexp exponent 0, mantissa 0) add nothing
            v1 = int(s1[0][g]) + (int(s1[1][g]) << 18) + (int(s1[2][g]) << 36)
            v2 = sum(int(s2[j][g]) << (18 * j) for j in range(5))
            if v1:
                self._s1[ex] = self._s1.get(ex, 0) + v1
            if v2:
                self._s2[2 * ex] = self._s2.get(2 * ex, 0) + v2

    @staticmethod
    def _combine(parts: dict[int, int]) -> tuple[int, int]:
        if not parts:
            return 0, 0
        lo = min(parts)
        return sum(v << (k - lo) for k, v in parts.items()), lo

    def ratio_at_least(self, n: int) -> bool:
        r"""Whether :math:`(\sum|x|)^2 \ge n \sum x^2`, decided in exact integer arithmetic."""
        a, ea = self._combine(self._s1)
        b, eb = self._combine(self._s2)
        if b == 0:
            raise ValueError("all values are zero: the ratio is undefined")
        shift = 2 * ea - eb  # compare a^2 2^(2 ea) with n b 2^eb
        if shift >= 0:
            return (a * a) << shift >= n * b
        return a * a >= (n * b) << -shift


def decide_floor(ratio: float, rel_err: float, at_least) -> int:
    """``floor`` of the true ratio from its float estimate `ratio` (relative error <= `rel_err`).

    When the interval ``ratio * (1 -+ 2 rel_err)`` holds no integer boundary the float
    floor is the true one; otherwise ``at_least(n)`` (an exact test ``true ratio >= n``)
    decides, from the largest candidate integer down.
    """
    lo, hi = ratio * (1.0 - 2.0 * rel_err), ratio * (1.0 + 2.0 * rel_err)
    f_lo, f_hi = math.floor(lo), math.floor(hi)
    if f_lo == f_hi:
        return f_lo
    for n in range(f_hi, f_lo, -1):
        if at_least(n):
            return n
    return f_lo


def n_eff_from_sums(
    l1: float, l2sq: float, N: int, *, n_chunks: int = 1, exact=None, rel_err=None
) -> int:
    r"""The one :math:`N_{\mathrm{eff}}` decision: :math:`\mathrm{clip}(\lfloor l_1^2/l_2\rfloor, 1, N)`.

    `l1`, `l2sq` are the scaled float64 sums of :func:`stats` (or of the streamer, which
    computes them the same way in `n_chunks` chunks; `rel_err`, when given, is the bound
    of sums computed otherwise, e.g. by :func:`emp_theory._kernels.jit.stats32`). When the
    ratio lies within its rigorous error bound (:func:`ratio_rel_error`) of an integer,
    `exact` — a callable
    returning an :class:`ExactSums` of the same scores — decides. Without `exact`, such
    a ratio raises :class:`ArithmeticError` rather than guess.
    """
    ratio = l1 * l1 / l2sq  # = 1 / sum(omega^2)
    err = ratio_rel_error(N, n_chunks) if rel_err is None else rel_err
    holder: list = []

    def at_least(n: int) -> bool:
        if exact is None:
            raise ArithmeticError(
                f"N_eff is within rounding of {n}; exact sums are needed to decide it"
            )
        if not holder:
            holder.append(exact())
        return holder[0].ratio_at_least(n)

    return int(min(max(decide_floor(ratio, err, at_least), 1), N))


def n_eff_from_stats(st: Stats) -> int:
    """:func:`n_eff_from_sums` of the statistics of one score vector (exact near integers)."""
    n_chunks = -(-st.N // CHUNK)

    def exact() -> ExactSums:
        if st.rel_err is None:  # the NumPy chunks
            return ExactSums().add(st.flat)
        from . import jit  # the compiled path's sums: its own exact fallback

        return jit.exact_sums32(st.flat)

    return n_eff_from_sums(st.l1, st.l2sq, st.N, n_chunks=n_chunks, exact=exact, rel_err=st.rel_err)


def n_eff_rows(rows: np.ndarray) -> np.ndarray:
    r""":math:`\lfloor (\sum_j |x_{ij}|)^2 / \sum_j x_{ij}^2 \rfloor` for every row, exactly.

    The row-wise form of the same decision (points of the simplex, image patches):
    a vectorized float64 estimate, and :class:`ExactSums` for the rows whose estimate
    lies within its error bound of an integer. Rows must be finite and not all zero
    (the caller checks). Returns int64, not clipped.
    """
    x = np.abs(np.asarray(rows, dtype=np.float64))
    if x.ndim == 1:
        x = x[None, :]
    n = x.shape[-1]
    flat = x.reshape(-1, n)
    m = flat.max(axis=1, keepdims=True)
    c = flat / m
    l1 = c.sum(axis=1)
    l2 = (c * c).sum(axis=1)
    ratio = l1 * l1 / l2
    err = ratio_rel_error(n, 1)
    out = np.floor(ratio * (1.0 - 2.0 * err)).astype(np.int64)
    unsure = np.flatnonzero(out != np.floor(ratio * (1.0 + 2.0 * err)))
    for i in unsure.tolist():
        ex = ExactSums().add(flat[i])
        out[i] = decide_floor(float(ratio[i]), err, ex.ratio_at_least)
    return out.reshape(x.shape[:-1]) if np.ndim(rows) > 1 else out
