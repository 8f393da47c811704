r"""Compiled float32 kernels (numba): the statistics and the exact top-k mask in three streaming reads.

Part of :mod:`emp_theory._kernels` (see its docstring for the paper symbols). Used for
float32 score vectors (also float16/bfloat16, widened exactly) of at least
:data:`JIT_MIN` entries when numba is installed; otherwise, and for float64, the NumPy
kernels of :mod:`.chunked` and :mod:`.selection` run. Both give the same
:math:`N_{\mathrm{eff}}`, :math:`k` and mask (the decision and the selection are exact);
float64 sums such as :math:`s_{\mathrm{eff}}` agree to their error bounds.

**Statistics** (:func:`stats32`). :math:`\sum_i |s_i|` and :math:`\sum_i s_i^2` are summed
in float64 per block of :data:`BLOCK` consecutive entries (every term is exact: a float32
widens exactly, its square has at most 48 significant bits); the compiler may
reassociate the additions inside a block (that is what lets it vectorize them), so each
block sum carries a relative error of at most :math:`\gamma_{B-1}`, whatever the order.
The block sums are then added by NumPy's pairwise sum in block order, so the result
does not depend on the number of threads. :func:`rel_error` is the rigorous bound on the
ratio :math:`(\sum|s|)^2/\sum s^2` that :func:`~emp_theory._kernels.n_eff_from_sums` uses.

**Selection** (:func:`mask32`). The magnitude :math:`|s_i|` of a float32 is its bit
pattern with the sign bit cleared, a 31-bit key whose integer order is the order of the
magnitudes. The statistics pass also counts the top 15 bits of every key (32 768 bins);
the bin holding the :math:`k`-th largest key is found from the counts, a second read
counts the low 16 bits of the keys in that bin (65 536 bins), which gives the
:math:`k`-th largest key :math:`T` exactly and how many keys are above it and equal to
it; a third read writes ``key > T`` (or ``key >= T``) into the mask. When only some of
the entries equal to :math:`T` are kept, the first ones in index order are (the same tie
rule as :func:`~emp_theory._kernels.topk_mask_flat`). Every count is an integer, so the
mask is exact and independent of the number of threads. Extra memory: the mask and
:math:`N/B` block sums.

**Cost of loading.** The first call in a process imports numba and loads the compiled
code from its on-disk cache (``__pycache__`` beside this module); the first call on a
machine compiles it, once (``benchmarks/bench_mask.py`` prints the first call's time in
a fresh process against the NumPy kernels'). The core always takes these kernels
for large float32 input (so a result never depends on timing); the streamer, whose
counts and masks are the same either way, loads them in the background only for large
checkpoints (:func:`start_loading`, :func:`ready`).
"""

from __future__ import annotations

import os
import threading
import warnings
from typing import NamedTuple

import numpy as np

from .chunked import n_workers, pool

#: Entries per float64 block sum (a block's additions may be reassociated).
BLOCK = 256
#: Float32 vectors of at least this length use the compiled kernels.
JIT_MIN = 1 << 16
#: Below this length the passes run in the calling thread (thread hand-off costs more).
THREAD_MIN = 1 << 20
_BINS1 = 1 << 15  # top 15 bits of the 31-bit magnitude key
_BINS2 = 1 << 16  # its low 16 bits
_U = 2.0**-53

_K = None
_FAILED = False
_READY = threading.Event()
_LOCK = threading.Lock()
_LOADER = None


def available() -> bool:
    """Whether the compiled kernels can run (numba importable, ``EMP_THEORY_JIT`` not ``0``)."""
    global _FAILED
    if _FAILED or os.environ.get("EMP_THEORY_JIT", "1") == "0":
        return False
    try:
        _kernels()
    except ImportError:  # numba not installed: the NumPy kernels, silently
        _FAILED = True
        return False
    except Exception as exc:  # installed but broken (e.g. an llvmlite that does not match)
        _FAILED = True
        warnings.warn(
            f"emp_theory: numba could not be loaded ({type(exc).__name__}: {exc}); "
            "using the NumPy kernels (same results, slower)",
            RuntimeWarning,
            stacklevel=2,
        )
        return False
    return True


def ready() -> bool:
    """Whether the kernels are loaded and warm (no waiting; see :func:`start_loading`).

    For callers whose result does not depend on which kernels run (integer counts and
    masks: the streamer's histograms and write pass): pieces before the kernels are
    ready take the NumPy or torch code.
    """
    return _READY.is_set()


def start_loading() -> None:
    """Load the kernels on a background thread (numba's import and cached code, once per
    process; the first time on a machine, also their compilation).

    Nothing happens when numba is missing or disabled, or a load is under way or done.
    """
    global _LOADER
    if _READY.is_set() or _FAILED or os.environ.get("EMP_THEORY_JIT", "1") == "0":
        return
    with _LOCK:
        if _LOADER is None:
            _LOADER = threading.Thread(target=_warm, name="emp_theory-jit", daemon=True)
            _LOADER.start()


def load() -> bool:
    """Load the kernels now, waiting for it; whether they run."""
    start_loading()
    if _LOADER is not None:
        _LOADER.join()
    return _READY.is_set()


def _warm() -> None:
    """Load the kernels and their signatures for 8- to 64-bit patterns (from numba's cache)."""
    if not available():
        return
    for dt in (np.uint8, np.uint16, np.uint32, np.uint64):
        r = np.zeros(4, dtype=dt)
        count_keys(r, 1, 0, np.zeros(2, dtype=np.int64))
        zero_below(r, 1, 0, 0)
        zero_below(r, 1, 0, 1)
        zero_below(r, 1, 1, 1)
        if dt in (np.uint32, np.uint64):
            count_digit(r, 1, 0, 0, 2, np.zeros(2, dtype=np.int64))
    _READY.set()


def covers(n: int) -> bool:
    """Whether a float32 vector of ``n`` entries goes through the compiled kernels."""
    return n >= JIT_MIN and available()


def use_for(flat: np.ndarray) -> bool:
    """Whether ``flat`` (flat, contiguous) goes through the compiled float32 kernels."""
    return flat.dtype == np.float32 and covers(flat.size)


def _kernels():
    global _K
    if _K is None:
        from . import _jit_src

        _K = _jit_src
    return _K


# ---------------------------------------------------------------------------
# Partition into tasks (contiguous runs of whole blocks)
# ---------------------------------------------------------------------------
def tasks(n: int) -> list[tuple[int, int]]:
    """Contiguous ``(start, stop)`` ranges covering ``range(n)``, starts on block boundaries."""
    n_blocks = -(-n // BLOCK)
    parts = 1 if n < THREAD_MIN else min(n_workers(), n_blocks)
    per = -(-n_blocks // parts)
    return [(b * BLOCK, min((b + per) * BLOCK, n)) for b in range(0, n_blocks, per)]


def _run(fn, spans):
    if len(spans) == 1:
        return [fn(*spans[0])]
    return list(pool().map(lambda ab: fn(*ab), spans))


def _total(parts: list[np.ndarray]) -> np.ndarray:
    """The sum of the tasks' integer counts (the order does not matter; one task: its own
    array, not a copy, since this runs on every call and the counts are only read)."""
    if len(parts) == 1:
        return parts[0]
    total = parts[0] + parts[1]
    for p in parts[2:]:
        total += p
    return total


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------
def rel_error(n: int) -> float:
    r"""Rigorous bound on the relative error of ``l1 * l1 / l2sq`` from :func:`stats32`.

    Every term is exact; a block sum of :data:`BLOCK` terms in any order carries
    :math:`\gamma_{B-1}`, the pairwise sum of the ``ceil(n / B)`` block sums
    :math:`\gamma_d` with :math:`d` from :func:`~emp_theory._kernels.pairwise_depth`
    (doubled for safety); with :math:`g = \gamma_{B - 1 + 2d}` and two more roundings
    (the square and the quotient) the bound is :math:`(1+g)^2(1+u)^2/(1-g) - 1`.
    """
    from .decision import pairwise_depth

    d = BLOCK - 1 + 2 * pairwise_depth(-(-n // BLOCK))
    g = d * _U / (1.0 - d * _U)
    return (1.0 + g) ** 2 * (1.0 + _U) ** 2 / (1.0 - g) - 1.0


def block_sums(x: np.ndarray, o1: np.ndarray, o2: np.ndarray, first_block: int = 0) -> None:
    """Write the float64 sums of ``|x|`` and ``x**2`` of each :data:`BLOCK` of float32 ``x``.

    ``o1[first_block + b]``, ``o2[first_block + b]`` receive block ``b`` of ``x``; a
    caller that holds a vector in pieces (the streamer) passes each piece that starts on
    a block boundary, and gets the very numbers :func:`stats32` computes.
    """
    _kernels().block_sums(x, o1, o2, first_block)


def stats32(flat: np.ndarray, with_hist: bool) -> tuple[float, float, np.ndarray | None]:
    """``(l1, l2sq, hist)``: the float64 sums of ``|flat|``, ``flat**2`` and the top-bit counts.

    ``hist`` (``None`` unless `with_hist`) counts the top 15 bits of every magnitude key
    (:func:`mask32` reuses it). The sums are NaN or inf when `flat` holds NaN or inf.
    """
    K = _kernels()
    n = flat.size
    n_blocks = -(-n // BLOCK)
    o1 = np.empty(n_blocks)
    o2 = np.empty(n_blocks)

    def run(i: int, j: int):
        x = flat[i:j]
        if not with_hist:
            K.block_sums(x, o1, o2, i // BLOCK)
            return None
        h = np.zeros(_BINS1, dtype=np.int64)
        K.block_sums_hist(x, o1, o2, i // BLOCK, h)
        return h

    hs = _run(run, tasks(n))
    return float(o1.sum()), float(o2.sum()), _total(hs) if with_hist else None


def exact_sums32(flat: np.ndarray):
    r"""The exact sums of ``|flat|`` and ``flat**2`` as an :class:`~emp_theory._kernels.ExactSums`.

    A float32 magnitude is :math:`m\,2^{e-150}` with a 24-bit integer mantissa
    :math:`m` (biased exponent :math:`e \ge 1`; subnormals :math:`m\,2^{-149}`). One read
    adds, per exponent, :math:`m` and :math:`m^2` (split at bit 24) in int64, which cannot
    overflow below :math:`2^{39}` entries; the 256 exponent sums are then combined as
    Python integers. The exact fallback of the N_eff decision for the compiled path.
    """
    from .decision import ExactSums

    K = _kernels()

    def run(i: int, j: int):
        a = np.zeros((3, 256), dtype=np.int64)
        K.exact_parts(flat[i:j], a[0], a[1], a[2])
        return a

    tot = _total(_run(run, tasks(flat.size)))
    s1: dict[int, int] = {}
    s2: dict[int, int] = {}
    for e in np.flatnonzero(tot[0]).tolist():
        p = max(e, 1) - 150  # value = m * 2**p (subnormals e = 0 share p with e = 1)
        s1[p] = s1.get(p, 0) + int(tot[0, e])
        s2[2 * p] = s2.get(2 * p, 0) + int(tot[1, e]) + (int(tot[2, e]) << 24)
    return ExactSums.from_powers(s1, s2)


# ---------------------------------------------------------------------------
# Selection
# ---------------------------------------------------------------------------
def from_top(hist: np.ndarray, r: int) -> tuple[int, int]:
    """``(bin, above)``: the bin of `hist` holding the ``r``-th largest key, and the count above it."""
    c = np.cumsum(hist[::-1])
    i = int(np.searchsorted(c, r))
    return hist.size - 1 - i, int(c[i - 1]) if i else 0


class Cut(NamedTuple):
    """Where the ``k`` kept magnitudes end.

    ``quotas is None``: keep the keys ``>= key`` (exactly ``k`` of them). Otherwise ``key``
    is the ``k``-th largest key: keep the keys above it and, of those equal to it, the
    first ``quotas[t]`` in task ``t`` (:func:`tasks`).
    """

    key: int
    quotas: list[int] | None


def threshold32(flat: np.ndarray, k: int, hist: np.ndarray | None = None, exact_key=False) -> Cut:
    """The :class:`Cut` that keeps the ``k`` largest magnitudes of `flat` (ties: lowest index first).

    `hist` is the top-bit count of :func:`stats32` (computed when ``None``). With
    `exact_key`, ``key`` is always the ``k``-th largest key (a second read even when the
    whole top-bit bin is kept).
    """
    K = _kernels()
    if hist is None:
        hist = stats32(flat, True)[2]
    b1, above = from_top(hist, k)
    r = k - above
    if r == hist[b1] and not exact_key:  # the whole bin is kept: no second read
        return Cut(b1 << 16, None)

    def run(i: int, j: int):
        h = np.zeros(_BINS2, dtype=np.int64)
        K.hist_low(flat[i:j], b1, h)
        return h

    hs = _run(run, tasks(flat.size))
    h2 = _total(hs)
    low, above2 = from_top(h2, r)
    need = r - above2
    T = (b1 << 16) | low
    if need == int(h2[low]):  # every tie is kept
        return Cut(T, None)
    quotas, left = [], need
    for h in hs:
        q = min(int(h[low]), left)
        quotas.append(q)
        left -= q
    return Cut(T, quotas)


def mask32(flat: np.ndarray, k: int, hist: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the ``k`` largest ``|flat|`` (ties: lowest index first), exactly."""
    K = _kernels()
    n = flat.size
    mask = np.empty(n, dtype=bool)
    cut = threshold32(flat, k, hist)
    spans = tasks(n)

    def run(t: int):
        i, j = spans[t]
        if cut.quotas is None:
            K.at_least(flat[i:j], cut.key, mask[i:j])
        else:
            K.above(flat[i:j], cut.key, mask[i:j])
            if cut.quotas[t]:
                K.fill_ties(flat[i:j], cut.key, cut.quotas[t], mask[i:j])

    _run(run, [(t,) for t in range(len(spans))])
    return mask


def topk_sum32(flat: np.ndarray, k: int, hist: np.ndarray | None = None) -> float:
    """Float64 sum of the ``k`` largest ``|flat|``: the sum above the threshold plus its ties."""
    K = _kernels()
    cut = threshold32(flat, k, hist)
    inclusive = cut.quotas is None
    o = np.empty(-(-flat.size // BLOCK))
    _run(
        lambda i, j: K.sum_kept(flat[i:j], cut.key, inclusive, o, i // BLOCK),
        tasks(flat.size),
    )
    ties = 0 if inclusive else sum(cut.quotas)
    return float(o.sum()) + ties * _as_float(cut.key)


def kth_largest32(flat: np.ndarray, k: int) -> float:
    """The ``k``-th largest ``|flat|`` (1-based), exactly."""
    return _as_float(threshold32(flat, k, exact_key=True).key)


def _as_float(key: int) -> float:
    return float(np.array([key], dtype=np.uint32).view(np.float32)[0])


# ---------------------------------------------------------------------------
# Bit patterns of any width, in place (the streamer's passes)
# ---------------------------------------------------------------------------
def count_keys(raw: np.ndarray, mask: int, shift: int, hist: np.ndarray) -> None:
    """``hist[(raw & mask) >> shift] += 1`` for every entry of the unsigned array `raw`."""
    t = raw.dtype.type
    _kernels().count_keys(raw, t(mask), t(shift), hist)


def count_digit(keys: np.ndarray, hi: int, prefix: int, shift: int, nbins: int, hist) -> None:
    """``hist[(k >> shift) % nbins] += 1`` for the keys ``k`` of `keys` with ``k >> hi == prefix``."""
    t = keys.dtype.type
    _kernels().count_digit(keys, t(hi), t(prefix), t(shift), t(nbins - 1), hist)


def zero_below(r: np.ndarray, mask: int, T: int, ties: int) -> tuple[int, int]:
    """Zero the entries of `r` whose key ``r & mask`` is below ``T``, in place.

    Keys above ``T`` are kept, and of the keys equal to ``T`` the first `ties` (in index
    order). Returns ``(kept, ties_left)``.
    """
    K = _kernels()
    t = r.dtype.type
    m, T_, z = t(mask), t(T), t(0)
    if ties <= 0:
        return int(K.zero_below(r, m, T_, False, z)), 0
    n_eq = int(K.count_equal(r, m, T_))
    if n_eq <= ties:
        return int(K.zero_below(r, m, T_, True, z)), ties - n_eq
    return int(K.zero_below_ties(r, m, T_, ties, z)), 0
