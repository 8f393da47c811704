"""Samplers of the ordered simplex: uniform (barycentric Dirichlet), targeted near p_nu, edges.

Part of :mod:`emp_theory.montecarlo` (which re-exports the public names); ``N`` is the
dimension, ``nu`` the shell index of eq. 7, ``n`` the number of points.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import (
    as_count,
    as_positive_finite,
    as_rng,
    check_alloc,
    check_N,
    check_nu,
)
from ..simplex import from_barycentric

#: Sampling methods accepted by :func:`~emp_theory.montecarlo.shells.run`.
METHODS = ("uniform", "targeted", "edges", "both")
#: Elements (rows x N) per chunk: 2**20 float64 = 8 MiB per array.
_CHUNK_ELEMENTS = 1 << 20
#: Targeted edge parameter: a = a_lo + u (a_hi - a_lo), log10(u) uniform in [-_U_DECADES, 0].
_U_DECADES = 12.0
#: Perturbation weight t, log10(t) uniform in [-_T_MAX_DECADES, -_T_MIN_DECADES].
_T_MIN_DECADES, _T_MAX_DECADES = 1.0, 10.0


# ---------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------
def _chunk_rows(chunk, N: int) -> int:
    if chunk is None:
        return max(1, _CHUNK_ELEMENTS // N)
    return as_count(chunk, "chunk")


# ---------------------------------------------------------------------------
# Streams: each draws rows in order from its own generators, so drawing n rows
# in chunks gives exactly the rows of a single draw of n.
# ---------------------------------------------------------------------------
def _cumsum_columns(x: np.ndarray, out: np.ndarray, reverse: bool = False) -> np.ndarray:
    """Cumulative sum along the rows of ``x`` (C order) into ``out``, one column at a time.

    Same additions in the same order as ``np.cumsum(x, axis=1)`` (or over the
    reversed columns with ``reverse``), so the same floating-point result; but
    each step is one vectorised add over all rows, which is about twice as fast
    as NumPy's row-by-row accumulate for the short rows used here. ``out`` may be
    ``x`` (in place).
    """
    n = x.shape[1]
    cols = range(n - 2, -1, -1) if reverse else range(1, n)
    step = 1 if reverse else -1
    first = n - 1 if reverse else 0
    if out is not x:
        out[:, first] = x[:, first]
    for k in cols:
        np.add(x[:, k], out[:, k + step], out=out[:, k])
    return out


class _UniformStream:
    r"""Uniform points of the ordered simplex: ``from_barycentric(E / E.sum(1))``, fused and in place.

    :math:`\omega_i = S^{-1}\sum_{j\ge i} E_j/j` with :math:`S = \sum_j E_j`: the
    reversed cumulative sum is done in place on the block of exponentials, then
    scaled by :math:`1/S`; no temporary of the block's size is made.
    """

    def __init__(self, N: int, rng: np.random.Generator) -> None:
        self.N = N
        self.rng = rng
        self.inv_j = 1.0 / np.arange(1, N + 1, dtype=np.float64)

    def draw(self, m: int, out: np.ndarray | None = None) -> np.ndarray:
        E = self.rng.standard_exponential(out=np.empty((m, self.N)) if out is None else out[:m])
        inv_s = 1.0 / E.sum(axis=1)
        E *= self.inv_j  # S lambda_j / j
        _cumsum_columns(E, E, reverse=True)  # S omega_i = sum_{j >= i} E_j / j
        E *= inv_s[:, None]
        return E


class _EdgeStream:
    """Dirichlet(alpha) barycentric coordinates (``alpha << 1``: near faces/edges)."""

    def __init__(self, N: int, alpha: float, rng: np.random.Generator) -> None:
        self.alpha = np.full(N, alpha)
        self.rng = rng

    def draw(self, m: int, out: np.ndarray | None = None) -> np.ndarray:
        return np.ascontiguousarray(from_barycentric(self.rng.dirichlet(self.alpha, size=m)))


def _edge_interval(N: int, nu: int) -> tuple[int, float, float]:
    r"""``(k, a_lo, a_hi)``: the edge :math:`[\zeta_{[1]}, \zeta_{[k]}]` through the minimizer.

    On :math:`a\zeta_{[1]} + (1-a)\zeta_{[k]}`, :math:`\|\omega\|^2 = 1/k + a^2(1 - 1/k)`;
    it meets :math:`\|\omega\|^2 = 1/m` at :math:`a = \sqrt{(1/m - 1/k)/(1 - 1/k)}`.
    ``a_lo`` is the crossing of the inner sphere (:math:`m = \nu+1`), ``a_hi`` of the
    outer one (:math:`m = \nu`); for :math:`\nu \ge 2`, ``a_lo`` is
    :math:`r_{\nu+1}/r_1` and the point there is :math:`p_\nu`.
    """
    k = 2 if nu == 1 else N
    lo = math.sqrt(max(1.0 / (nu + 1) - 1.0 / k, 0.0) / (1.0 - 1.0 / k))
    hi = math.sqrt(max(1.0 / nu - 1.0 / k, 0.0) / (1.0 - 1.0 / k))
    return k, lo, hi


class _TargetedStream:
    r"""Points near the minimizer of Proposition 1 for shell ``nu``.

    Row ``g`` (counted over the whole stream) is, by ``g % 3``: 0 — a point of the
    edge :math:`a\zeta_{[1]} + (1-a)\zeta_{[k]}` with
    :math:`a = a_{lo} + u(a_{hi} - a_{lo})`, :math:`\log_{10} u \sim U(-12, 0)`;
    1 — that point moved towards a uniform point of :math:`\tilde\Delta`,
    :math:`\lambda \leftarrow (1-t)\lambda + t\,\mathrm{Dir}(1)`; 2 — moved
    towards a random vertex :math:`\zeta_{[J]}`; with
    :math:`\log_{10} t \sim U(-10, -1)`.
    """

    def __init__(self, N: int, nu: int, rng: np.random.Generator) -> None:
        self.N = N
        self.k, self.a_lo, self.a_hi = _edge_interval(N, nu)
        self.r_u, self.r_t, self.r_d, self.r_v = rng.spawn(4)
        self.count = 0

    def draw(self, m: int, out: np.ndarray | None = None) -> np.ndarray:
        N = self.N
        kind = (self.count + np.arange(m)) % 3
        self.count += m
        u = 10.0 ** (-_U_DECADES * self.r_u.random(m))
        a = self.a_lo + u * (self.a_hi - self.a_lo)
        lam = np.zeros((m, N))
        lam[:, 0] = a
        lam[:, self.k - 1] += 1.0 - a
        pert = np.flatnonzero(kind != 0)
        t = 10.0 ** -(
            _T_MIN_DECADES + (_T_MAX_DECADES - _T_MIN_DECADES) * self.r_t.random(pert.size)
        )
        lam[pert] *= (1.0 - t)[:, None]
        rows1 = np.flatnonzero(kind[pert] == 1)
        d = self.r_d.standard_exponential((rows1.size, N))
        d /= d.sum(axis=1, keepdims=True)
        lam[pert[rows1]] += t[rows1, None] * d
        rows2 = np.flatnonzero(kind[pert] == 2)
        J = self.r_v.integers(0, N, rows2.size)
        lam[pert[rows2], J] += t[rows2]
        # C order, so that a row is classified (shell_index) the same in and out of its block
        return np.ascontiguousarray(from_barycentric(lam))


def _fill(stream, n: int, N: int) -> np.ndarray:
    """Draw ``n`` rows chunk by chunk into one ``(n, N)`` array."""
    check_alloc(n * N, "n", what=f"{n} samples of length N = {N}")
    out = np.empty((n, N))
    step = _chunk_rows(None, N)
    for s in range(0, n, step):
        e = min(n, s + step)
        block = stream.draw(e - s, out[s:e])  # the uniform stream writes in place
        if not np.shares_memory(block, out[s:e]):
            out[s:e] = block
    return out


# ---------------------------------------------------------------------------
# Public samplers
# ---------------------------------------------------------------------------
def sample_uniform(N, n, *, seed=None) -> np.ndarray:
    r"""Uniform samples of the ordered simplex :math:`\tilde\Delta` (eq. 4).

    .. math::

        \omega_i = \sum_{j\ge i} \frac{\lambda_j}{j},\qquad
        \lambda = \frac{E}{\sum_j E_j},\quad E_j \overset{iid}{\sim} \mathrm{Exp}(1),

    i.e. :func:`emp_theory.simplex.from_barycentric` of Dirichlet(1, ..., 1)
    coordinates. The map is affine onto :math:`\tilde\Delta`, so the law is uniform;
    it equals the law of a decreasingly sorted Dirichlet(1) vector (Rényi's
    representation) without a sort. With
    ``E = default_rng(seed).standard_exponential((n, N))`` the result is
    ``from_barycentric(E / E.sum(1, keepdims=True))`` (computed in place).

    Parameters
    ----------
    N : int
        Dimension, ``N >= 2``.
    n : int
        Number of samples, ``n >= 1``.
    seed : None, int or numpy.random.Generator
        An integer seeds ``numpy.random.default_rng``; a Generator is consumed.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, N)``; each row lies in :math:`\tilde\Delta`.

    Raises
    ------
    ValueError, TypeError
        If `N` < 2, `n` < 1, either is not an integer, or `seed` is invalid.

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, eqs. (4), (10).
    .. [2] Rényi (1953); Devroye (1986), Ch. V.
    """
    N = check_N(N)
    n = as_count(n, "n")
    return _fill(_UniformStream(N, as_rng(seed)), n, N)


def sample_targeted(N, nu, n, *, seed=None) -> np.ndarray:
    r"""Samples of :math:`\tilde\Delta` concentrated near the minimizer of :math:`\varphi_\nu` over :math:`A_\nu`.

    Barycentric coordinates :math:`\lambda = a\,e_1 + (1-a)\,e_k` (the point
    :math:`a\zeta_{[1]} + (1-a)\zeta_{[k]}`; :math:`k = N` for :math:`\nu \ge 2`,
    :math:`k = 2` for :math:`\nu = 1`), with

    .. math::

        a = a_{lo} + u\,(a_{hi} - a_{lo}),\qquad
        a_{lo} = \sqrt{\frac{1/(\nu+1) - 1/k}{1 - 1/k}}
        \ \Big(= \frac{r_{\nu+1}}{r_1}\ \text{for}\ \nu\ge2\Big),\quad
        a_{hi} = \sqrt{\frac{1/\nu - 1/k}{1 - 1/k}},

    :math:`\log_{10}u \sim U(-12, 0)`, so the edge point sweeps the part of the
    edge inside the shell, crowding towards the inner sphere where the infimum
    :math:`p_\nu` (or :math:`\zeta_{[2]}`) lies. Two rows in three are then
    perturbed, :math:`\lambda \leftarrow (1-t)\lambda + t\,d` with
    :math:`\log_{10}t \sim U(-10, -1)` and :math:`d` a Dirichlet(1) vector
    (rows 1, 4, 7, ...) or a random unit vector :math:`e_J`, a move towards
    :math:`\zeta_{[J]}` (rows 2, 5, 8, ...); rows 0, 3, 6, ... are the edge points. For
    :math:`\nu = N` the edge point is :math:`\zeta_{[N]}` itself. Samples may fall in
    neighbouring shells; all lie in :math:`\tilde\Delta`.

    Parameters
    ----------
    N : int
        ``N >= 2``.
    nu : int
        Target shell, ``1 <= nu <= N``.
    n : int
        Number of samples, ``n >= 1``.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray
        Shape ``(n, N)``.

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, Proposition 1 and Appendix A.
    """
    N = check_N(N)
    nu = check_nu(nu, N)
    n = as_count(n, "n")
    return _fill(_TargetedStream(N, nu, as_rng(seed)), n, N)


def sample_edges(N, n, *, alpha=0.05, seed=None) -> np.ndarray:
    r"""Samples of :math:`\tilde\Delta` near its vertices and edges: ``from_barycentric(Dirichlet(alpha))``.

    A Dirichlet(:math:`\alpha`) vector with small :math:`\alpha` puts most of its
    mass on a few coordinates — one or two when :math:`N\alpha \lesssim 1`, more
    as :math:`N\alpha` grows — so the points :math:`\sum_j \lambda_j\zeta_{[j]}`
    lie close to the vertices :math:`\zeta_{[j]}`, the edges
    :math:`[\zeta_{[i]}, \zeta_{[j]}]` and other low-dimensional faces, where the
    extremes of the linear :math:`\varphi_\nu` over a shell are found. Pass
    :math:`\alpha \lesssim 1/N` to stay near the edges for large :math:`N` (the
    default 0.05 does so for :math:`N \lesssim 20`).

    Parameters
    ----------
    N : int
        ``N >= 2``.
    n : int
        ``n >= 1``.
    alpha : float
        Dirichlet concentration, finite and ``> 0`` (default 0.05).
    seed : None, int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray
        Shape ``(n, N)``.

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, eqs. (4), (10).
    """
    N = check_N(N)
    n = as_count(n, "n")
    alpha = as_positive_finite(alpha, "alpha")
    return _fill(_EdgeStream(N, alpha, as_rng(seed)), n, N)
