r"""Geometry of the ordered simplex (Section 4.1 of the paper).

The standard simplex :math:`\Delta = \{\omega \ge 0 : \omega^\top \mathbf 1 = 1\}`
(eq. 3), its ordered part
:math:`\tilde\Delta = \{\omega \in \Delta : \omega_1 \ge \dots \ge \omega_N\}` (eq. 4),
whose vertices are the barycenters :math:`\zeta_{[k]} = \frac1k\sum_{i\le k} e_i`
(eq. 10), the balls :math:`B_\nu` of radius :math:`r_\nu = \sqrt{1/\nu - 1/N}`
about :math:`\zeta_{[N]}` (eq. 12) and the shells
:math:`A_\nu = \{\omega\in\tilde\Delta : \nu \le \|\omega\|^{-2} < \nu+1\}` (eq. 7).

Every point of :math:`\tilde\Delta` is a convex combination of its vertices,
:math:`\omega = \sum_j \lambda_j \zeta_{[j]}` with barycentric coordinates
:math:`\lambda_j = j(\omega_j - \omega_{j+1}) \ge 0` (:math:`\omega_{N+1} = 0`);
:func:`from_barycentric` and :func:`to_barycentric` implement this map, which the
Monte Carlo module uses to sample :math:`\tilde\Delta` without sorting.

Arguments: ``N`` is the dimension :math:`N`, ``k`` the index of a vertex
:math:`\zeta_{[k]}`, ``nu`` the shell index :math:`\nu` (eq. 7), ``omega`` one point
(shape ``(N,)``) or ``m`` points (shape ``(m, N)``), ``lam`` barycentric coordinates.
All are validated by :mod:`!emp_theory._validation` (booleans, strings, ``None``,
complex, object and masked arrays are a :class:`TypeError` naming the argument). A
result that would overflow float64 (for points with coordinates near ``1e308``) is a
:class:`ValueError` naming the argument; functions that build length-``N`` or
``N x N`` arrays refuse an ``N`` that cannot be allocated.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 4.1.
"""

from __future__ import annotations

import numpy as np

from ._kernels import n_eff_rows
from ._validation import (
    as_real,
    check_alloc,
    check_N,
    check_nu,
    int_array,
    int_to_float,
    real_array,
)

__all__ = [
    "barycenter",
    "from_barycentric",
    "in_ordered_simplex",
    "in_shell",
    "plane_basis",
    "plane_coords",
    "radius",
    "shell_index",
    "to_barycentric",
    "vertices",
    "zeta",
]


def zeta(k, N) -> np.ndarray:
    r"""Vertex :math:`\zeta_{[k]} = \frac{1}{k}\sum_{i=1}^{k} e_i` of the ordered simplex (eq. 10).

    Parameters
    ----------
    k : int
        ``1 <= k <= N``.
    N : int
        Dimension, ``N >= 2``.

    Returns
    -------
    numpy.ndarray
        Length-``N`` vector whose first ``k`` entries are ``1/k``.

    Examples
    --------
    >>> zeta(2, 4).tolist()
    [0.5, 0.5, 0.0, 0.0]
    """
    n = check_N(N)
    kk = check_nu(k, n, "k")
    check_alloc(n, "N", what="zeta")
    v = np.zeros(n)
    v[:kk] = 1.0 / kk
    return v


def vertices(N) -> np.ndarray:
    r"""All vertices :math:`\zeta_{[1]}, \dots, \zeta_{[N]}` of :math:`\tilde\Delta` as rows (eq. 10)."""
    n = check_N(N)
    check_alloc(n * n, "N", what="the N x N vertex matrix")
    k = np.arange(1, n + 1)
    return np.tril(np.ones((n, n))) / k[:, None]


def barycenter(N) -> np.ndarray:
    r"""Barycenter :math:`\zeta_{[N]} = \mathbf{1}/N` of :math:`\Delta`, a vertex of :math:`\tilde\Delta`."""
    n = check_N(N)
    check_alloc(n, "N", what="the barycenter")
    return np.full(n, 1.0 / n)


def radius(nu, N):
    r"""Radius :math:`r_\nu = \sqrt{1/\nu - 1/N}` of the ball :math:`B_\nu` about :math:`\zeta_{[N]}` (eq. 12).

    Vectorized over `nu` (integers in ``[1, N]``). By eq. 11,
    :math:`\|\omega - \zeta_{[N]}\|^2 = \|\omega\|^2 - 1/N` on :math:`\Pi`, so
    :math:`r_\nu` is also the distance from :math:`\zeta_{[N]}` to :math:`\zeta_{[\nu]}`.

    Examples
    --------
    >>> radius(1, 2)  # sqrt(1/1 - 1/2)
    0.7071067811865476
    >>> radius([1, 2], 4).tolist()  # sqrt(3/4), sqrt(1/4)
    [0.8660254037844386, 0.5]
    """
    n = check_N(N)
    nf = int_to_float(n, "N")
    v = int_array(nu, "nu", 1, n)
    # sqrt(1/nu - 1/N) = sqrt((N - nu) / (nu N)) with N - nu exact (no cancellation); where
    # nu N overflows float64, sqrt((N - nu)/nu) / sqrt(N) instead (no overflow, no underflow)
    d = np.asarray(n - v).astype(np.float64)
    vf = np.asarray(v).astype(np.float64)
    with np.errstate(over="ignore"):
        prod = vf * nf
    big = ~np.isfinite(prod)
    out = np.sqrt(d / np.where(big, 1.0, prod))
    if big.any():
        out = np.where(big, np.sqrt(d / vf) / np.sqrt(nf), out)
    return out if out.ndim else float(out)


def _points(omega, name: str = "omega") -> np.ndarray:
    arr = real_array(omega, name, "an array of points")
    try:
        arr = arr.astype(np.float64)
    except OverflowError:
        raise ValueError(f"`{name}` holds an integer too large for float64") from None
    if arr.ndim not in (1, 2) or arr.shape[-1] < 2:
        raise ValueError(f"`{name}` must have shape (N,) or (m, N) with N >= 2, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must be finite")
    return arr


def _finite(out: np.ndarray, name: str) -> np.ndarray:
    if not np.all(np.isfinite(out)):
        raise ValueError(f"`{name}` is too large: the result overflows float64")
    return out


def in_ordered_simplex(omega, atol: float = 1e-12):
    r"""Whether each point lies in :math:`\tilde\Delta` (eq. 4), up to `atol`.

    `omega` has shape ``(N,)`` or ``(m, N)``; returns a bool or a length-``m`` array.
    """
    w = _points(omega)
    tol = as_real(atol, "atol", low=0.0)
    with np.errstate(over="ignore", invalid="ignore"):  # a sum or gap of 1e308s is inf: False
        ok = (
            (np.abs(w.sum(axis=-1) - 1.0) <= tol * w.shape[-1])
            & np.all(w >= -tol, axis=-1)
            & np.all(np.diff(w, axis=-1) <= tol, axis=-1)
        )
    return bool(ok) if ok.ndim == 0 else ok


def shell_index(omega):
    r"""The index :math:`\nu` of the shell :math:`A_\nu` holding each point: :math:`\lfloor \|\omega\|^{-2} \rfloor` (eq. 8).

    For points of :math:`\tilde\Delta` this is :math:`N_{\mathrm{eff}}(\omega)`, and it is
    computed as exactly that: :math:`\lfloor (\sum_i|\omega_i|)^2/\sum_i\omega_i^2\rfloor`
    (equal to :math:`\lfloor\|\omega\|^{-2}\rfloor` when :math:`\sum_i\omega_i = 1`), by the
    same exact decision as :func:`emp_theory.effective.n_eff` (:func:`!emp_theory._kernels.n_eff_rows`),
    so ``shell_index(w) == n_eff(w)`` for every point, at every ``N``, and a vertex
    :math:`\zeta_{[\nu]}` stored in floating point has index exactly :math:`\nu`.

    Examples
    --------
    >>> shell_index([1/3, 1/3, 1/3])
    3
    >>> shell_index([[0.5, 0.5, 0.0], [0.6, 0.3, 0.1]]).tolist()  # 1/0.46 = 2.17
    [2, 2]
    """
    w = _points(omega)
    if np.any(np.all(w == 0, axis=-1)):
        raise ValueError("`omega` must not hold an all-zero point")
    idx = np.clip(n_eff_rows(w), 1, w.shape[-1])
    return int(idx[0]) if w.ndim == 1 else idx


def in_shell(omega, nu, atol: float = 1e-12):
    r"""Whether each point lies in :math:`A_\nu = \{\omega\in\tilde\Delta : \nu \le \|\omega\|^{-2} < \nu+1\}` (eq. 7).

    Membership is decided by :func:`shell_index` (eq. 8), so the two always agree,
    including for vertices :math:`\zeta_{[\nu]}` whose :math:`\|\omega\|^{-2}` is an
    integer up to round-off.
    """
    w = _points(omega)
    v = check_nu(nu, w.shape[-1])
    as_real(atol, "atol", low=0.0)
    ok = in_ordered_simplex(w, atol) & (np.asarray(shell_index(w)) == v)
    return bool(ok) if np.ndim(ok) == 0 else ok


def from_barycentric(lam) -> np.ndarray:
    r"""Map barycentric coordinates :math:`\lambda` to :math:`\omega = \sum_j \lambda_j \zeta_{[j]}`.

    Coordinatewise :math:`\omega_i = \sum_{j \ge i} \lambda_j / j` (a reversed
    cumulative sum). Rows of `lam` in the standard simplex map onto
    :math:`\tilde\Delta`; the map is affine, so a uniform :math:`\lambda`
    (Dirichlet(1, ..., 1)) gives a uniform point of :math:`\tilde\Delta`.
    """
    lam = _points(lam, "lam")
    j = np.arange(1, lam.shape[-1] + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.flip(np.cumsum(np.flip(lam / j, axis=-1), axis=-1), axis=-1)
    return np.ascontiguousarray(_finite(out, "lam"))


def to_barycentric(omega) -> np.ndarray:
    r"""Inverse of :func:`from_barycentric`: :math:`\lambda_j = j(\omega_j - \omega_{j+1})`."""
    w = _points(omega)
    nxt = np.concatenate([w[..., 1:], np.zeros((*w.shape[:-1], 1))], axis=-1)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.arange(1, w.shape[-1] + 1) * (w - nxt)
    return _finite(out, "omega")


def plane_basis(N) -> np.ndarray:
    r"""Orthonormal basis (rows) of the hyperplane :math:`\{x : x^\top\mathbf 1 = 0\}` parallel to :math:`\Pi`.

    The last ``N - 1`` rows of the Helmert matrix (``scipy.linalg.helmert``;
    imported here, not at module import, so that ``import emp_theory`` stays light).
    """
    from scipy.linalg import helmert

    n = check_N(N)
    check_alloc(n * n, "N", what="the (N-1) x N basis")
    return helmert(n, full=False)


def plane_coords(omega) -> np.ndarray:
    r"""Coordinates of points of :math:`\Pi` in the plane's own frame, centred at :math:`\zeta_{[N]}`.

    Returns :math:`U(\omega - \zeta_{[N]})` with :math:`U` from :func:`plane_basis`;
    distances are preserved, so the ball :math:`B_\nu` appears as a disc/ball of
    radius :math:`r_\nu`. Used to draw :math:`N = 3` in 2-D and :math:`N = 4` in 3-D.
    """
    w = _points(omega)
    n = w.shape[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        out = (w - 1.0 / n) @ plane_basis(n).T
    return _finite(out, "omega")
