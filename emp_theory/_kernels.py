r"""Shared numerical kernels of the theory core and the streamer (torch-free).

One home for the machinery that :mod:`emp_theory.effective`, :mod:`emp_theory.simplex`,
:mod:`emp_theory.images`, :mod:`emp_theory.streaming` and :mod:`emp_theory.experiments`
must share bit for bit:

* the chunked float64 statistics of ``|s|`` (:func:`stats`), computed per chunk of
  :data:`CHUNK` entries on a thread pool (:func:`pool`) and added in chunk order, so
  the result does not depend on the number of threads;
* the one decision :math:`N_{\mathrm{eff}} = \lfloor (\sum_i a_i)^2 / \sum_i a_i^2 \rfloor`
  (:func:`n_eff_from_sums`) and the kept-count rule
  :math:`k = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N)` (:func:`beta_keep`);
* exact top-``k`` selection without a sort (:func:`kth_largest`, :func:`topk_mask_flat`,
  :func:`topk_sum`), ties broken lowest flat index first;
* the conversion of any real array or torch tensor to a flat NumPy array (:func:`to_numpy`).

Paper symbols: ``n`` / ``n_eff`` is :math:`N_{\mathrm{eff}}` (Algorithm 1, line 2), ``N`` the
length of the score vector, ``beta`` is :math:`\beta`, ``k`` the number of kept entries
(Algorithm 1, line 3). The module is private: the public API is in :mod:`emp_theory`.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ._validation import float_array, real_array

#: Chunk length (elements) of the streaming float64 reductions.
CHUNK = 1 << 20
#: Below this length the selection uses ``np.partition`` directly.
SMALL = 1 << 16
#: Sub-block (entries) of the selection pass, sized for a core's L2 cache.
_SUB = 1 << 20
#: Size of the sample used to bracket the selection threshold.
SAMPLE = 1 << 15
#: Chunked passes over at least this many chunks run on a thread pool (NumPy
#: releases the GIL inside ufuncs). Results are combined in chunk order, so they
#: are bit-identical to a sequential run whatever the number of threads.
PARALLEL_MIN_CHUNKS = 4
_POOL = None


def n_workers() -> int:
    """Threads of the pool: the CPUs this process may run on, at most 8."""
    cpus = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )
    return max(1, min(8, cpus))


def pool():
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=n_workers(), thread_name_prefix="emp_theory")
    return _POOL


def map_chunks(fn, n: int) -> list:
    """``[fn(i, j) for each chunk (i, j) of range(n)]``, in order, on a thread pool when large."""
    bounds = [(i, min(i + CHUNK, n)) for i in range(0, n, CHUNK)]
    if len(bounds) < PARALLEL_MIN_CHUNKS:
        return [fn(i, j) for i, j in bounds]
    return list(pool().map(lambda b: fn(*b), bounds))


# ---------------------------------------------------------------------------
# Input handling
# ---------------------------------------------------------------------------
def is_torch(x) -> bool:
    return type(x).__module__.split(".")[0] == "torch" and hasattr(x, "detach")


def to_numpy(s, name: str) -> np.ndarray:
    """Flatten ``s`` into a contiguous float32/float64 NumPy array (no copy if possible)."""
    if is_torch(s):
        t = s.detach()
        if t.is_complex():
            raise TypeError(f"`{name}` must be real-valued, got a complex tensor")
        if t.dtype.is_floating_point and t.dtype.itemsize < 4:  # float16 / bfloat16
            t = t.float()
        elif not t.dtype.is_floating_point:
            if str(t.dtype) == "torch.bool":
                raise TypeError(f"`{name}` must be numeric scores, got a boolean tensor")
            t = t.double()
        arr = t.cpu().contiguous().numpy()
    else:  # the validation layer: bool/str/None/complex/object/masked/ragged -> TypeError
        arr = real_array(s, name)
        if arr.dtype == object:  # Python ints beyond int64 (all checked by real_array)
            arr = float_array(s, name, -math.inf, math.inf)
    if arr.dtype == bool:
        raise TypeError(f"`{name}` must be numeric scores, got a boolean array")
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must be an array of real numbers, got dtype {arr.dtype}")
    if arr.dtype.kind in "iu" or arr.dtype.itemsize > 8:
        arr = arr.astype(np.float64)
    elif arr.dtype.itemsize < 4:
        arr = arr.astype(np.float32)
    return np.ascontiguousarray(arr).reshape(-1)


@dataclass(frozen=True)
class Stats:
    """Streaming statistics of ``|s|``: ``l1`` = :math:`\\sum_i |s_i|/m`, ``l2sq`` = :math:`\\sum_i (s_i/m)^2`.

    ``scale`` is :math:`m`: ``max|s|`` for float64 input, 1 for float32 (see :func:`stats`).
    """

    flat: np.ndarray
    scale: float
    l1: float
    l2sq: float

    @property
    def N(self) -> int:
        return int(self.flat.size)


def stats(s, name: str = "s") -> Stats:
    r"""Float64 statistics of ``|s|`` in chunks of :data:`CHUNK`, combined in chunk order.

    * float32 input (also float16/bfloat16, widened exactly): one pass, unscaled
      (``scale = 1``): every :math:`|s_i|` and its square are exact in float64 (24-bit
      mantissas), sums of up to :math:`10^{269}` float32 magnitudes cannot overflow,
      and a NaN or inf shows up in the sums themselves.
    * float64 input: a pass for :math:`m = \max_i |s_i|` (rejecting NaN/inf), then the
      sums of :math:`a_i = |s_i|/m`, so squares neither overflow (1e300) nor underflow
      (1e-300) and equal magnitudes become exactly 1.0.

    Either way a constant vector gives ``l1 = l2sq = N`` times the same value exactly,
    and the N_eff decision (:func:`n_eff_from_stats`) is exact regardless.
    """
    flat = to_numpy(s, name)
    if flat.size == 0:
        raise ValueError(f"`{name}` must not be empty")
    if flat.dtype == np.float32:

        def sums32(i: int, j: int):
            c = np.abs(flat[i:j], dtype=np.float64)
            a = float(c.sum())
            np.square(c, out=c)
            return a, float(c.sum())

        l1 = 0.0
        l2sq = 0.0
        for a, b in map_chunks(sums32, flat.size):
            l1 += a
            l2sq += b
        if not math.isfinite(l1):
            raise ValueError(f"`{name}` must be finite (found NaN or inf)")
        if l1 == 0.0:
            raise ValueError(f"`{name}` is all zeros: the weights ω = |s|/‖s‖₁ are undefined")
        return Stats(flat=flat, scale=1.0, l1=l1, l2sq=l2sq)
    ext = map_chunks(lambda i, j: (flat[i:j].max(), flat[i:j].min()), flat.size)
    hi = float(max(e[0] for e in ext))
    lo = float(min(e[1] for e in ext))
    if not (math.isfinite(hi) and math.isfinite(lo)):
        raise ValueError(f"`{name}` must be finite (found NaN or inf)")
    m = max(hi, -lo)
    if m == 0.0:
        raise ValueError(f"`{name}` is all zeros: the weights ω = |s|/‖s‖₁ are undefined")

    def sums(i: int, j: int):
        c = flat[i:j].astype(np.float64)
        c /= m
        np.abs(c, out=c)
        a = float(c.sum())
        c *= c
        return a, float(c.sum())

    l1 = 0.0
    l2sq = 0.0
    for a, b in map_chunks(sums, flat.size):
        l1 += a
        l2sq += b
    return Stats(flat=flat, scale=m, l1=l1, l2sq=l2sq)


def floor_guarded(x: float, n_terms: int) -> int:
    r"""``floor(x)`` of a product such as ``beta * N_eff``, read as the decimal the user typed.

    ``0.29 * 100`` is ``28.999999999999996`` in binary floating point; a user who asks
    for β = 0.29 means 29 entries of 100. A value within ``4 (2 + log2(n_terms))`` ulps
    below an integer is taken to be that integer. Used only for the β rule
    (:func:`beta_keep`), never for :math:`N_{\mathrm{eff}}`, which is decided exactly
    (:func:`decide_floor`).
    """
    tol = 4.0 * (2.0 + math.log2(max(n_terms, 2))) * np.finfo(np.float64).eps
    f = math.floor(x)
    if math.floor(x * (1.0 + tol)) > f:
        return f + 1
    return f


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


def n_eff_from_sums(l1: float, l2sq: float, N: int, *, n_chunks: int = 1, exact=None) -> int:
    r"""The one :math:`N_{\mathrm{eff}}` decision: :math:`\mathrm{clip}(\lfloor l_1^2/l_2\rfloor, 1, N)`.

    `l1`, `l2sq` are the scaled float64 sums of :func:`stats` (or of the streamer, which
    computes them the same way in `n_chunks` chunks). When the ratio lies within its
    rigorous error bound (:func:`ratio_rel_error`) of an integer, `exact` — a callable
    returning an :class:`ExactSums` of the same scores — decides. Without `exact`, such
    a ratio raises :class:`ArithmeticError` rather than guess.
    """
    ratio = l1 * l1 / l2sq  # = 1 / sum(omega^2)
    err = ratio_rel_error(N, n_chunks)
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
    return n_eff_from_sums(
        st.l1, st.l2sq, st.N, n_chunks=n_chunks, exact=lambda: ExactSums().add(st.flat)
    )


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


def beta_keep(beta: float, n: int, N: int) -> int:
    nu = floor_guarded(beta * n, 2)
    return int(min(max(nu, 1), N))


# ---------------------------------------------------------------------------
# Selection
# ---------------------------------------------------------------------------
def chunks(n: int):
    for start in range(0, n, CHUNK):
        yield start, min(start + CHUNK, n)


def _bracket(flat: np.ndarray, k: int) -> tuple[float, float]:
    """``(lo, hi)``, magnitudes that bracket the ``k``-th largest ``|flat|`` with high probability.

    From a fixed-seed sample of :data:`SAMPLE` magnitudes (Floyd & Rivest, 1975): the
    sample's rank of the answer plus or minus about 6 standard deviations.
    """
    n = flat.size
    rng = np.random.default_rng(0x5EED)
    sample = np.sort(np.abs(flat[rng.integers(0, n, SAMPLE)]))
    q = k / n
    centre = SAMPLE * (1.0 - q)
    margin = 6.0 * math.sqrt(SAMPLE * q * (1.0 - q)) + 8.0
    lo = sample[max(int(centre - margin), 0)]
    hi = sample[min(int(centre + margin), SAMPLE - 1)]
    return lo, hi


def kth_largest(flat: np.ndarray, k: int) -> float:
    """Return the ``k``-th largest value of ``|flat|`` (1-based).

    Uses a sample to bracket the answer (:func:`_bracket`), one chunked pass
    to count the magnitudes above the bracket and gather those inside it, and
    ``np.partition`` on the (small) bracket. Falls back to ``np.partition`` on all
    magnitudes when the bracket misses; the answer is exact either way.
    """
    n = flat.size
    if n <= SMALL:
        a = np.abs(flat)
        return float(np.partition(a, n - k)[n - k])
    lo, hi = _bracket(flat, k)

    def bracket(i: int, j: int):
        c = np.abs(flat[i:j])
        return int(np.count_nonzero(c > hi)), c[(c >= lo) & (c <= hi)]

    parts = map_chunks(bracket, n)
    n_above = sum(p[0] for p in parts)
    r = k - n_above  # rank from the top inside the bracket
    cand = np.concatenate([p[1] for p in parts])
    if 1 <= r <= cand.size:
        return float(np.partition(cand, cand.size - r)[cand.size - r])
    a = np.abs(flat)
    return float(np.partition(a, n - k)[n - k])


def _mask_at(mask: np.ndarray, a: np.ndarray, idx, t, need: int) -> None:
    """Set ``mask[idx]`` where ``a > t``, then the first `need` ties ``a == t`` (in index order)."""
    gt = a > t
    mask[idx[gt] if idx is not None else np.flatnonzero(gt)] = True
    need -= int(np.count_nonzero(gt))
    if need > 0:
        ties = np.flatnonzero(a == t)[:need]
        mask[idx[ties] if idx is not None else ties] = True


def topk_mask_flat(flat: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the ``k`` largest ``|flat|`` (ties: lowest index first).

    One fused pass over the data: each chunk writes ``|s| > hi`` into the mask and
    gathers the indices and magnitudes inside the sample bracket ``[lo, hi]``
    (:func:`_bracket`); the threshold is then selected among those candidates and
    the mask completed there. If the bracket misses the ``k``-th value (rare), an
    exact ``np.partition`` over all magnitudes decides instead.
    """
    n = flat.size
    if k >= n:
        return np.ones(n, dtype=bool)
    if n <= SMALL:
        a = np.abs(flat)
        t = np.partition(a, n - k)[n - k]
        mask = np.zeros(n, dtype=bool)
        _mask_at(mask, a, None, t, k)
        return mask
    lo, hi = _bracket(flat, k)
    mask = np.empty(n, dtype=bool)
    itype = np.int32 if n < 2**31 else np.int64

    def part(i: int, j: int):
        # sub-blocks small enough for the core's cache keep the temporaries hot
        above, idxs, valss = 0, [], []
        for a in range(i, j, _SUB):
            b = min(a + _SUB, j)
            c = np.abs(flat[a:b])
            m = mask[a:b]
            np.greater(c, hi, out=m)
            above += int(np.count_nonzero(m))
            inb = np.greater_equal(c, lo)
            inb &= ~m
            idx = np.flatnonzero(inb)
            valss.append(c[idx])
            idxs.append((idx + a).astype(itype, copy=False))
        return above, np.concatenate(idxs), np.concatenate(valss)

    parts = map_chunks(part, n)
    r = k - sum(p[0] for p in parts)  # rank of the threshold inside the bracket
    idx = np.concatenate([p[1] for p in parts])
    vals = np.concatenate([p[2] for p in parts])
    if 1 <= r <= vals.size:
        t = np.partition(vals, vals.size - r)[vals.size - r]
        _mask_at(mask, vals, idx, t, r)
        return mask
    # the bracket missed: decide on all magnitudes (exact, slower)
    t = flat.dtype.type(kth_largest(flat, k))
    mask[:] = False
    for i, j in chunks(n):
        np.greater(np.abs(flat[i:j]), t, out=mask[i:j])
    need = k - int(np.count_nonzero(mask))
    for i, j in chunks(n):  # ties at the threshold, lowest index first
        if need <= 0:
            break
        ties = np.flatnonzero(np.abs(flat[i:j]) == t)[:need]
        mask[i + ties] = True
        need -= ties.size
    return mask


def topk_sum(flat: np.ndarray, k: int, scale: float = 1.0) -> float:
    """Sum (in float64) of the ``k`` largest ``|flat| / scale``.

    Pass ``scale = max|flat|`` (:attr:`Stats.scale`): every term is then at most 1, so the
    sum cannot overflow (``[1e308] * 3`` gives 3.0, not ``inf``).
    """

    def scaled_sum(x: np.ndarray) -> float:
        c = np.abs(x, dtype=np.float64)
        if scale != 1.0:
            c /= scale
        return float(c.sum())

    n = flat.size
    if k >= n:
        return float(sum(map_chunks(lambda i, j: scaled_sum(flat[i:j]), n)))
    t = flat.dtype.type(kth_largest(flat, k))

    def above(i: int, j: int):
        c = np.abs(flat[i:j])
        sel = c[c > t]
        return scaled_sum(sel), sel.size

    total = 0.0
    count = 0
    for a, b in map_chunks(above, n):
        total += a
        count += b
    return total + (k - count) * (float(t) / scale)


def restore(mask_flat: np.ndarray, s):
    """Give ``mask_flat`` the shape (and, for torch input, the type/device) of ``s``."""
    if is_torch(s):
        import torch  # only reached when the caller already uses torch

        return torch.from_numpy(mask_flat.reshape(tuple(s.shape))).to(s.device)
    shape = np.shape(s)
    return mask_flat.reshape(shape)
