r"""Chunks on the thread pool, the input conversion, the float64 statistics and the beta rule.

Part of :mod:`emp_theory._kernels` (see its docstring for the paper symbols).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .._validation import float_array, real_array

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
    ``rel_err`` is the rigorous relative error bound of ``l1**2 / l2sq`` when the sums come
    from the compiled kernels (:func:`emp_theory._kernels.jit.rel_error`; ``None``: the
    NumPy chunks of :func:`~emp_theory._kernels.ratio_rel_error`), ``hist`` their top-bit
    counts of the magnitudes (``None`` unless asked for), which the selection reuses.
    """

    flat: np.ndarray
    scale: float
    l1: float
    l2sq: float
    rel_err: float | None = None
    hist: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def N(self) -> int:
        return int(self.flat.size)


def stats(s, name: str = "s", *, with_hist: bool = False) -> Stats:
    r"""Float64 statistics of ``|s|`` in chunks of :data:`CHUNK`, combined in chunk order.

    * float32 input (also float16/bfloat16, widened exactly): one pass, unscaled
      (``scale = 1``): every :math:`|s_i|` and its square are exact in float64 (24-bit
      mantissas), sums of up to :math:`10^{269}` float32 magnitudes cannot overflow,
      and a NaN or inf shows up in the sums themselves. From :data:`~.jit.JIT_MIN`
      entries on, the compiled kernels of :mod:`.jit` compute them (in blocks, with
      their own error bound ``rel_err``, and with the top-bit counts ``hist`` the
      selection reuses when `with_hist`).
    * float64 input: a pass for :math:`m = \max_i |s_i|` (rejecting NaN/inf), then the
      sums of :math:`a_i = |s_i|/m`, so squares neither overflow (1e300) nor underflow
      (1e-300) and equal magnitudes become exactly 1.0.

    Either way a constant vector gives ``l1 = l2sq = N`` times the same value exactly,
    and the N_eff decision (:func:`n_eff_from_stats`) is exact regardless.
    """
    flat = to_numpy(s, name)
    if flat.size == 0:
        raise ValueError(f"`{name}` must not be empty")
    from . import jit  # imports chunked: here, not at the top

    if flat.dtype == np.float32 and jit.use_for(flat):
        l1, l2sq, hist = jit.stats32(flat, with_hist)
        _check_sums(l1, name)
        err = jit.rel_error(flat.size)
        return Stats(flat=flat, scale=1.0, l1=l1, l2sq=l2sq, rel_err=err, hist=hist)
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
        _check_sums(l1, name)
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


def _check_sums(l1: float, name: str) -> None:
    if not math.isfinite(l1):
        raise ValueError(f"`{name}` must be finite (found NaN or inf)")
    if l1 == 0.0:
        raise ValueError(f"`{name}` is all zeros: the weights ω = |s|/‖s‖₁ are undefined")


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


def beta_keep(beta: float, n: int, N: int) -> int:
    nu = floor_guarded(beta * n, 2)
    return int(min(max(nu, 1), N))
