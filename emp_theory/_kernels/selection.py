r"""Exact top-k selection without a sort: sample bracket, one fused pass, ties lowest index first.

Part of :mod:`emp_theory._kernels` (see its docstring for the paper symbols).
"""

from __future__ import annotations

import math

import numpy as np

from . import jit
from .chunked import CHUNK, SAMPLE, SMALL, is_torch, map_chunks

#: Sub-block (entries) of the selection pass, sized for a core's L2 cache.
_SUB = 1 << 20


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

    Float32 vectors of :data:`~.jit.JIT_MIN` entries or more: the compiled radix select
    (:func:`~.jit.kth_largest32`). Otherwise:

    Uses a sample to bracket the answer (:func:`_bracket`), one chunked pass
    to count the magnitudes above the bracket and gather those inside it, and
    ``np.partition`` on the (small) bracket. Falls back to ``np.partition`` on all
    magnitudes when the bracket misses; the answer is exact either way.
    """
    n = flat.size
    if jit.use_for(flat):
        return jit.kth_largest32(flat, k)
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


def topk_mask_flat(flat: np.ndarray, k: int, hist: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the ``k`` largest ``|flat|`` (ties: lowest index first).

    Float32 vectors of :data:`~.jit.JIT_MIN` entries or more: the compiled radix select
    of :func:`~.jit.mask32` (`hist`: the top-bit counts of :attr:`Stats.hist`, which
    save it one read). Otherwise one fused pass over the data: each chunk writes ``|s| > hi`` into the mask and
    gathers the indices and magnitudes inside the sample bracket ``[lo, hi]``
    (:func:`_bracket`); the threshold is then selected among those candidates and
    the mask completed there. If the bracket misses the ``k``-th value (rare), an
    exact ``np.partition`` over all magnitudes decides instead.
    """
    n = flat.size
    if k >= n:
        return np.ones(n, dtype=bool)
    if jit.use_for(flat):
        return jit.mask32(flat, k, hist)
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


def topk_sum(flat: np.ndarray, k: int, scale: float = 1.0, hist: np.ndarray | None = None) -> float:
    """Sum (in float64) of the ``k`` largest ``|flat| / scale``.

    Pass ``scale = max|flat|`` (:attr:`Stats.scale`): every term is then at most 1, so the
    sum cannot overflow (``[1e308] * 3`` gives 3.0, not ``inf``). Float32 vectors of
    :data:`~.jit.JIT_MIN` entries or more (``scale = 1``) use :func:`~.jit.topk_sum32`.
    """

    def scaled_sum(x: np.ndarray) -> float:
        c = np.abs(x, dtype=np.float64)
        if scale != 1.0:
            c /= scale
        return float(c.sum())

    n = flat.size
    if scale == 1.0 and jit.use_for(flat):
        return jit.topk_sum32(flat, min(k, n), hist)
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
