r"""The effective number :math:`N_{\mathrm{eff}}`, the effective mass and EMP masks.

This module is the ground layer of :mod:`emp_theory`: Algorithm 1 of the paper
and the quantities of its Section 4.1, computed in one or two streaming passes
over the scores and a selection (never a full sort).

Notation (Wang et al., 2026, eq. 2, eq. 5 and Algorithm 1): for a score vector
:math:`s \in \mathbb{R}^N`,

.. math::

    \omega_i = \frac{|s_i|}{\|s\|_1}, \qquad
    N_{\mathrm{eff}} = \Big\lfloor \frac{1}{\sum_i \omega_i^2} \Big\rfloor, \qquad
    s_{\mathrm{eff}} = \sum_{i=1}^{N_{\mathrm{eff}}} \omega_{\sigma(i)},

where :math:`\sigma` orders :math:`\omega` decreasingly.

Inputs may be Python sequences, NumPy arrays of any integer or floating dtype
and any shape (they are flattened), or ``torch`` tensors; ``torch`` is never
imported by this module.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning",
       arXiv:2509.25606 (ICML 2026), Section 4.1 and Algorithm 1.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np

from ._validation import as_int, as_positive_finite

__all__ = [
    "EMPSummary",
    "emp_mask",
    "emp_summary",
    "keep_count",
    "n_eff",
    "nu_from_n_eff",
    "s_eff",
    "top_mass",
    "topk_mask",
    "weights",
]

#: Chunk length (elements) of the streaming float64 reductions.
_CHUNK = 1 << 20
#: Below this length the selection uses ``np.partition`` directly.
_SMALL = 1 << 16
#: Size of the sample used to bracket the selection threshold.
_SAMPLE = 1 << 15
#: Chunked passes over at least this many chunks run on a thread pool (NumPy
#: releases the GIL inside ufuncs). Results are combined in chunk order, so they
#: are bit-identical to a sequential run whatever the number of threads.
_PARALLEL_MIN_CHUNKS = 4
_POOL = None


def _n_workers() -> int:
    """Threads of the pool: the CPUs this process may run on, at most 8."""
    cpus = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )
    return max(1, min(8, cpus))


def _pool():
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=_n_workers(), thread_name_prefix="emp_theory")
    return _POOL


def _map_chunks(fn, n: int) -> list:
    """``[fn(i, j) for each chunk (i, j) of range(n)]``, in order, on a thread pool when large."""
    bounds = [(i, min(i + _CHUNK, n)) for i in range(0, n, _CHUNK)]
    if len(bounds) < _PARALLEL_MIN_CHUNKS:
        return [fn(i, j) for i, j in bounds]
    return list(_pool().map(lambda b: fn(*b), bounds))


# ---------------------------------------------------------------------------
# Input handling
# ---------------------------------------------------------------------------
def _is_torch(x) -> bool:
    return type(x).__module__.split(".")[0] == "torch" and hasattr(x, "detach")


def _to_numpy(s, name: str) -> np.ndarray:
    """Flatten ``s`` into a contiguous float32/float64 NumPy array (no copy if possible)."""
    if _is_torch(s):
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
class _Stats:
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


def _stats(s, name: str = "s") -> _Stats:
    flat = _to_numpy(s, name)
    if flat.size == 0:
        raise ValueError(f"`{name}` must not be empty")
    ext = _map_chunks(lambda i, j: (flat[i:j].max(), flat[i:j].min()), flat.size)
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
    for a, b in _map_chunks(sums, flat.size):
        l1 += a
        l2sq += b
    return _Stats(flat=flat, scale=m, l1=l1, l2sq=l2sq)


def _floor_guarded(x: float, n_terms: int) -> int:
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


def _n_eff_from_stats(st: _Stats) -> int:
    inv = st.l1 * st.l1 / st.l2sq  # = 1 / sum(omega^2)
    return int(min(max(_floor_guarded(inv, st.N), 1), st.N))


def _beta_keep(beta: float, n: int, N: int) -> int:
    nu = _floor_guarded(beta * n, 2)
    return int(min(max(nu, 1), N))


# ---------------------------------------------------------------------------
# Selection
# ---------------------------------------------------------------------------
def _chunks(n: int):
    for start in range(0, n, _CHUNK):
        yield start, min(start + _CHUNK, n)


def _kth_largest(flat: np.ndarray, k: int) -> float:
    """Return the ``k``-th largest value of ``|flat|`` (1-based).

    Uses a sample to bracket the answer (Floyd & Rivest, 1975), one chunked pass
    to count the magnitudes above the bracket and gather those inside it, and
    ``np.partition`` on the (small) bracket. Falls back to ``np.partition`` on all
    magnitudes when the bracket misses; the answer is exact either way.
    """
    n = flat.size
    if n <= _SMALL:
        a = np.abs(flat)
        return float(np.partition(a, n - k)[n - k])
    rng = np.random.default_rng(0x5EED)
    sample = np.sort(np.abs(flat[rng.integers(0, n, _SAMPLE)]))
    # rank from the top, in the sample, and a safety margin of ~ 6 standard deviations
    q = k / n
    centre = _SAMPLE * (1.0 - q)
    margin = 6.0 * math.sqrt(_SAMPLE * q * (1.0 - q)) + 8.0
    lo = sample[max(int(centre - margin), 0)]
    hi = sample[min(int(centre + margin), _SAMPLE - 1)]

    def bracket(i: int, j: int):
        c = np.abs(flat[i:j])
        return int(np.count_nonzero(c > hi)), c[(c >= lo) & (c <= hi)]

    parts = _map_chunks(bracket, n)
    n_above = sum(p[0] for p in parts)
    r = k - n_above  # rank from the top inside the bracket
    cand = np.concatenate([p[1] for p in parts])
    if 1 <= r <= cand.size:
        return float(np.partition(cand, cand.size - r)[cand.size - r])
    a = np.abs(flat)
    return float(np.partition(a, n - k)[n - k])


def _topk_mask_flat(flat: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the ``k`` largest ``|flat|`` (ties: lowest index first)."""
    n = flat.size
    if k >= n:
        return np.ones(n, dtype=bool)
    t = flat.dtype.type(_kth_largest(flat, k))
    mask = np.empty(n, dtype=bool)

    def above(i: int, j: int) -> int:
        np.greater(np.abs(flat[i:j]), t, out=mask[i:j])
        return int(np.count_nonzero(mask[i:j]))

    need = k - sum(_map_chunks(above, n))
    for i, j in _chunks(n):  # ties at the threshold, lowest index first
        if need <= 0:
            break
        ties = np.flatnonzero(np.abs(flat[i:j]) == t)[:need]
        mask[i + ties] = True
        need -= ties.size
    return mask


def _topk_sum(flat: np.ndarray, k: int) -> float:
    """Sum (in float64) of the ``k`` largest ``|flat|``."""
    n = flat.size
    if k >= n:
        return float(sum(_map_chunks(lambda i, j: np.abs(flat[i:j]).sum(dtype=np.float64), n)))
    t = flat.dtype.type(_kth_largest(flat, k))

    def above(i: int, j: int):
        c = np.abs(flat[i:j])
        sel = c[c > t]
        return float(sel.sum(dtype=np.float64)), sel.size

    total = 0.0
    count = 0
    for a, b in _map_chunks(above, n):
        total += a
        count += b
    return total + (k - count) * float(t)


def _restore(mask_flat: np.ndarray, s):
    """Give ``mask_flat`` the shape (and, for torch input, the type/device) of ``s``."""
    if _is_torch(s):
        import torch  # only reached when the caller already uses torch

        return torch.from_numpy(mask_flat.reshape(tuple(s.shape))).to(s.device)
    shape = np.shape(s)
    return mask_flat.reshape(shape)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
def weights(s) -> np.ndarray:
    r"""Normalized weights :math:`\omega = |s| / \|s\|_1` (eq. 2).

    Parameters
    ----------
    s : array_like or torch.Tensor
        Scores, any shape and any real dtype. Must be finite and not all zero.

    Returns
    -------
    numpy.ndarray
        float64 array of the input's shape with :math:`\omega_i \ge 0` and
        :math:`\sum_i \omega_i = 1`. Computed as :math:`(|s_i|/m) / \sum_j (|s_j|/m)`
        with :math:`m = \max_j |s_j|`, so extreme magnitudes neither overflow nor
        underflow.

    Raises
    ------
    ValueError
        If `s` is empty, contains NaN or inf, or is all zeros.
    TypeError
        If `s` is not real-valued.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. (2).

    Examples
    --------
    >>> weights([1, -1, 2]).tolist()
    [0.25, 0.25, 0.5]
    """
    st = _stats(s)
    w = np.abs(st.flat, dtype=np.float64) / st.scale / st.l1
    shape = tuple(s.shape) if _is_torch(s) else np.shape(s)
    return w.reshape(shape)


def n_eff(s) -> int:
    r"""Effective number :math:`N_{\mathrm{eff}} = \lfloor 1/\sum_i \omega_i^2 \rfloor` (Algorithm 1, line 2).

    The inverse Simpson index (Laakso & Taagepera, 1979) of :math:`\omega = |s|/\|s\|_1`.
    It is computed as :math:`\lfloor (\sum_i a_i)^2 / \sum_i a_i^2 \rfloor` with
    :math:`a = |s|/\max|s|` accumulated in float64, which equals
    :math:`\lfloor 1/\sum\omega_i^2 \rfloor` exactly in exact arithmetic; a value
    within a few ulps below an integer is rounded up to it (so a constant vector of
    any length gives exactly ``N``), and the result is clipped to ``[1, N]``.

    Parameters
    ----------
    s : array_like or torch.Tensor
        Scores, any shape and any real dtype; finite and not all zero.

    Returns
    -------
    int
        :math:`1 \le N_{\mathrm{eff}} \le N`.

    Raises
    ------
    ValueError
        If `s` is empty, contains NaN or inf, or is all zeros.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 4.1.
    .. [2] M. Laakso, R. Taagepera, "'Effective' number of parties", Comparative
           Political Studies 12 (1979).

    Examples
    --------
    >>> n_eff([1, 1, 1, 1])
    4
    >>> n_eff([3, 1, 0, 0])  # 1 / (9/16 + 1/16) = 1.6
    1
    """
    return _n_eff_from_stats(_stats(s))


def keep_count(s, beta: float = 1.0) -> int:
    r"""Number of kept entries :math:`\nu = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N)` (Algorithm 1, line 3).

    Rounding: Algorithm 1 writes :math:`\mathrm{clip}(\beta N_{\mathrm{eff}}, 1, N)`
    and then selects that many entries, so a non-integer :math:`\beta N_{\mathrm{eff}}`
    must be rounded. We use the floor: it reproduces :math:`\nu = N_{\mathrm{eff}}`
    at :math:`\beta = 1`, never keeps more than :math:`\beta N_{\mathrm{eff}}`
    entries, and makes :math:`\nu` non-decreasing in :math:`\beta`. The floor is
    guarded against round-off (``0.29 * 100`` counts as 29).

    Parameters
    ----------
    s : array_like or torch.Tensor
        Scores (finite, not all zero).
    beta : float, default 1.0
        Scaling coefficient :math:`\beta > 0`.

    Returns
    -------
    int
        :math:`\nu \in [1, N]`.

    Raises
    ------
    ValueError
        If `beta` is not a finite positive number, or `s` is invalid.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1.

    Examples
    --------
    >>> keep_count([1, 1, 1, 1], beta=0.5)
    2
    >>> keep_count([1, 1, 1, 1], beta=2.0)  # clipped at N
    4
    """
    b = as_positive_finite(beta, "beta")
    st = _stats(s)
    return _beta_keep(b, _n_eff_from_stats(st), st.N)


def nu_from_n_eff(n_eff, N, beta: float = 1.0) -> int:
    r"""Number of kept entries :math:`\nu = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N)` from a known :math:`N_{\mathrm{eff}}`.

    The rule of :func:`keep_count` (Algorithm 1, line 3; floor guarded against
    round-off) for callers that already hold :math:`N_{\mathrm{eff}}` and :math:`N`
    (bounds, figures, streaming).

    Parameters
    ----------
    n_eff : int
        Effective number, ``1 <= n_eff <= N``.
    N : int
        Number of scores, ``N >= 1``.
    beta : float, default 1.0
        :math:`\beta > 0`.

    Examples
    --------
    >>> nu_from_n_eff(100, 1000, 0.29)
    29
    >>> nu_from_n_eff(600, 1000, 2.0)
    1000
    """
    b = as_positive_finite(beta, "beta")
    n_total = as_int(N, "N")
    if n_total < 1:
        raise ValueError(f"`N` must be an integer >= 1, got {N!r}")
    k = as_int(n_eff, "n_eff")
    if not 1 <= k <= n_total:
        raise ValueError(f"`n_eff` must be an integer in [1, N] = [1, {n_total}], got {n_eff!r}")
    return _beta_keep(b, k, n_total)


def top_mass(s, k) -> float:
    r"""Mass :math:`\varphi_k(\omega) = \sum_{i=1}^{k} \omega_{\sigma(i)}` of the ``k`` largest weights (eq. 9).

    Parameters
    ----------
    s : array_like or torch.Tensor
        Scores (finite, not all zero).
    k : int
        Number of largest weights summed, ``1 <= k <= N``.

    Returns
    -------
    float
        :math:`\sum` of the ``k`` largest :math:`\omega_i`, in :math:`(0, 1]`.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. (9).

    Examples
    --------
    >>> top_mass([4, 3, 2, 1], 2)
    0.7
    """
    st = _stats(s)
    kk = as_int(k, "k")
    if not 1 <= kk <= st.N:
        raise ValueError(f"`k` must be an integer in [1, N] = [1, {st.N}], got {k!r}")
    return min(_topk_sum(st.flat, kk) / st.scale / st.l1, 1.0)


def s_eff(s) -> float:
    r"""Effective mass :math:`s_{\mathrm{eff}} = \sum_{i=1}^{N_{\mathrm{eff}}} \omega_{\sigma(i)}` (eq. 5).

    The total weight of the :math:`N_{\mathrm{eff}}` largest entries of
    :math:`\omega = |s|/\|s\|_1`; Theorem 2 bounds it from below.

    Parameters
    ----------
    s : array_like or torch.Tensor
        Scores (finite, not all zero).

    Returns
    -------
    float
        :math:`s_{\mathrm{eff}} \in (0, 1]`.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eqs. (5)-(6).

    Examples
    --------
    >>> s_eff([1, 1, 1, 1])
    1.0
    """
    st = _stats(s)
    k = _n_eff_from_stats(st)
    return min(_topk_sum(st.flat, k) / st.scale / st.l1, 1.0)


def topk_mask(s, k):
    r"""Boolean mask keeping the ``k`` largest :math:`|s_i|` (Algorithm 1, lines 4-7).

    Selection, not sorting: the ``k``-th largest magnitude is found by a
    sample-bracketed ``np.partition`` (expected linear time). Ties at the
    threshold are broken deterministically, lowest flat index first, so exactly
    ``k`` entries are kept.

    Parameters
    ----------
    s : array_like or torch.Tensor
        Scores (finite, not all zero), any shape.
    k : int
        Number of entries kept, ``1 <= k <= N``.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        Boolean mask of the input's shape (a ``torch.bool`` tensor on the input's
        device when `s` is a tensor) with exactly ``k`` true entries.
    """
    st = _stats(s)
    kk = as_int(k, "k")
    if not 1 <= kk <= st.N:
        raise ValueError(f"`k` must be an integer in [1, N] = [1, {st.N}], got {k!r}")
    return _restore(_topk_mask_flat(st.flat, kk), s)


def emp_mask(s, beta: float = 1.0):
    r"""EMP mask: keep the :math:`\nu = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)` largest :math:`|s_i|` (Algorithm 1).

    Parameters
    ----------
    s : array_like or torch.Tensor
        Scores, any shape (flattened for the selection), finite and not all zero.
    beta : float, default 1.0
        Scaling coefficient :math:`\beta > 0` of Algorithm 1.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        Boolean mask of the input's shape with exactly :math:`\nu` true entries
        (see :func:`keep_count` for the rounding); ties at the threshold keep the
        lowest flat index first.

    Raises
    ------
    ValueError
        If `s` is empty, non-finite or all zeros, or `beta` is not finite and > 0.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1.

    Examples
    --------
    >>> emp_mask([0.1, 5.0, -4.0, 0.2]).tolist()
    [False, True, True, False]
    """
    b = as_positive_finite(beta, "beta")
    st = _stats(s)
    nu = _beta_keep(b, _n_eff_from_stats(st), st.N)
    return _restore(_topk_mask_flat(st.flat, nu), s)


@dataclass(frozen=True)
class EMPSummary:
    """What EMP decides for one score vector (see :func:`emp_summary`)."""

    N: int
    n_eff: int
    beta: float
    nu: int
    s_eff: float
    kept_mass: float
    sparsity: float
    bound: float
    trivial_bound: float

    def as_dict(self) -> dict:
        return asdict(self)


def emp_summary(s, beta: float = 1.0) -> EMPSummary:
    r"""Everything EMP computes for `s`, from one pass of statistics.

    Returns :math:`N`, :math:`N_{\mathrm{eff}}`, :math:`\nu` (:func:`keep_count`),
    :math:`s_{\mathrm{eff}}` (eq. 5), the mass actually kept
    :math:`\varphi_\nu(\omega)`, the sparsity :math:`1 - \nu/N`, the Theorem 2
    lower bound on :math:`s_{\mathrm{eff}}` (:func:`emp_theory.bounds.theorem2_bound`)
    and the trivial bound :math:`N_{\mathrm{eff}}/N` (eq. 13).
    """
    from .bounds import theorem2_bound  # bounds imports nothing from here

    b = as_positive_finite(beta, "beta")
    st = _stats(s)
    n = _n_eff_from_stats(st)
    nu = _beta_keep(b, n, st.N)
    norm = st.scale * st.l1
    seff = min(_topk_sum(st.flat, n) / norm, 1.0)
    kept = seff if nu == n else min(_topk_sum(st.flat, nu) / norm, 1.0)
    return EMPSummary(
        N=st.N,
        n_eff=n,
        beta=b,
        nu=nu,
        s_eff=seff,
        kept_mass=kept,
        sparsity=1.0 - nu / st.N,
        bound=float(theorem2_bound(n, st.N)) if st.N >= 2 else 1.0,
        trivial_bound=n / st.N,
    )
