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

#: Chunk length (elements) of the streaming float64 reductions.
CHUNK = 1 << 20
#: Below this length the selection uses ``np.partition`` directly.
SMALL = 1 << 16
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
    else:
        try:
            arr = np.asarray(s)
        except (TypeError, ValueError) as exc:  # ragged nested sequences
            raise TypeError(f"`{name}` must be an array of real numbers: {exc}") from None
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
    """Streaming statistics of ``|s|``, scaled by ``scale = max|s|``.

    ``l1`` and ``l2sq`` are :math:`\\sum_i |s_i|/m` and :math:`\\sum_i (s_i/m)^2`
    accumulated in float64 with :math:`m = \\max_i |s_i|`, so magnitudes from 1e-300
    to 1e300 neither overflow nor underflow and a constant vector gives exactly
    ``l1 = l2sq = N``.
    """

    flat: np.ndarray
    scale: float
    l1: float
    l2sq: float

    @property
    def N(self) -> int:
        return int(self.flat.size)


def stats(s, name: str = "s") -> Stats:
    flat = to_numpy(s, name)
    if flat.size == 0:
        raise ValueError(f"`{name}` must not be empty")
    ext = map_chunks(lambda i, j: (flat[i:j].max(), flat[i:j].min()), flat.size)
    hi = float(max(e[0] for e in ext))
    lo = float(min(e[1] for e in ext))
    if not (math.isfinite(hi) and math.isfinite(lo)):
        raise ValueError(f"`{name}` must be finite (found NaN or inf)")
    m = max(hi, -lo)
    if m == 0.0:
        raise ValueError(f"`{name}` is all zeros: the weights ω = |s|/‖s‖₁ are undefined")
    # Divide by m = max|s| in float64: squares neither overflow (1e300) nor underflow
    # (1e-300), and equal magnitudes become exactly 1.0, so a constant vector gives
    # l1 = l2sq = N exactly. Sums are pairwise (np.sum), relative error O(log2(N) eps).
    # Per chunk: c = |s|/m in float64, sum(c), sum(c*c); chunk sums added in order.

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
    """``floor(x)`` robust to round-off that lands ``x`` a hair under an integer.

    The float64 sums behind ``x`` carry a relative error of at most about
    ``(2 + log2(n_terms)) * eps``; a value within ``4`` times that below an
    integer is taken to be that integer.
    """
    tol = 4.0 * (2.0 + math.log2(max(n_terms, 2))) * np.finfo(np.float64).eps
    f = math.floor(x)
    if math.floor(x * (1.0 + tol)) > f:
        return f + 1
    return f


def n_eff_from_sums(l1: float, l2sq: float, N: int) -> int:
    """The one N_eff decision: ``clip(floor(l1**2 / l2sq), 1, N)`` from the scaled sums."""
    inv = l1 * l1 / l2sq  # = 1 / sum(omega^2)
    return int(min(max(floor_guarded(inv, N), 1), N))


def n_eff_from_stats(st: Stats) -> int:
    """:func:`n_eff_from_sums` of the statistics of one score vector."""
    return n_eff_from_sums(st.l1, st.l2sq, st.N)


def beta_keep(beta: float, n: int, N: int) -> int:
    nu = floor_guarded(beta * n, 2)
    return int(min(max(nu, 1), N))


# ---------------------------------------------------------------------------
# Selection
# ---------------------------------------------------------------------------
def chunks(n: int):
    for start in range(0, n, CHUNK):
        yield start, min(start + CHUNK, n)


def kth_largest(flat: np.ndarray, k: int) -> float:
    """Return the ``k``-th largest value of ``|flat|`` (1-based).

    Uses a sample to bracket the answer (Floyd & Rivest, 1975), one chunked pass
    to count the magnitudes above the bracket and gather those inside it, and
    ``np.partition`` on the (small) bracket. Falls back to ``np.partition`` on all
    magnitudes when the bracket misses; the answer is exact either way.
    """
    n = flat.size
    if n <= SMALL:
        a = np.abs(flat)
        return float(np.partition(a, n - k)[n - k])
    rng = np.random.default_rng(0x5EED)
    sample = np.sort(np.abs(flat[rng.integers(0, n, SAMPLE)]))
    # rank from the top, in the sample, and a safety margin of ~ 6 standard deviations
    q = k / n
    centre = SAMPLE * (1.0 - q)
    margin = 6.0 * math.sqrt(SAMPLE * q * (1.0 - q)) + 8.0
    lo = sample[max(int(centre - margin), 0)]
    hi = sample[min(int(centre + margin), SAMPLE - 1)]

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


def topk_mask_flat(flat: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the ``k`` largest ``|flat|`` (ties: lowest index first)."""
    n = flat.size
    if k >= n:
        return np.ones(n, dtype=bool)
    t = flat.dtype.type(kth_largest(flat, k))
    mask = np.empty(n, dtype=bool)

    def above(i: int, j: int) -> int:
        np.greater(np.abs(flat[i:j]), t, out=mask[i:j])
        return int(np.count_nonzero(mask[i:j]))

    need = k - sum(map_chunks(above, n))
    for i, j in chunks(n):  # ties at the threshold, lowest index first
        if need <= 0:
            break
        ties = np.flatnonzero(np.abs(flat[i:j]) == t)[:need]
        mask[i + ties] = True
        need -= ties.size
    return mask


def topk_sum(flat: np.ndarray, k: int) -> float:
    """Sum (in float64) of the ``k`` largest ``|flat|``."""
    n = flat.size
    if k >= n:
        return float(sum(map_chunks(lambda i, j: np.abs(flat[i:j]).sum(dtype=np.float64), n)))
    t = flat.dtype.type(kth_largest(flat, k))

    def above(i: int, j: int):
        c = np.abs(flat[i:j])
        sel = c[c > t]
        return float(sel.sum(dtype=np.float64)), sel.size

    total = 0.0
    count = 0
    for a, b in map_chunks(above, n):
        total += a
        count += b
    return total + (k - count) * float(t)


def restore(mask_flat: np.ndarray, s):
    """Give ``mask_flat`` the shape (and, for torch input, the type/device) of ``s``."""
    if is_torch(s):
        import torch  # only reached when the caller already uses torch

        return torch.from_numpy(mask_flat.reshape(tuple(s.shape))).to(s.device)
    shape = np.shape(s)
    return mask_flat.reshape(shape)
