r"""Coordinates of the shells of the ordered simplex, for drawing Figure 1 (NumPy only).

:math:`N` (``N``) is the number of scores, 3 or 4 here (the dimensions that can be
drawn); :math:`\nu` (``nu``) is the shell index of Proposition 1 / eq. 7 (the value
of :math:`N_{\mathrm{eff}}` on the shell :math:`A_\nu`); ``r`` a ball radius
:math:`r_\nu = \sqrt{1/\nu - 1/N}` (eq. 12). In :math:`\zeta_{[k]}` (eq. 10, the
barycenter of :math:`e_1, \dots, e_k`) ``k`` indexes a vertex of :math:`\tilde\Delta`.
The figure itself is
:func:`emp_theory.viz.geometry.ordered_simplex_figure`.

How the shell is drawn
----------------------
:math:`\zeta_{[N]}` is a vertex of the convex set :math:`\tilde\Delta`, so every
point of :math:`\tilde\Delta` is :math:`\zeta_{[N]} + t v` with :math:`v` a unit
direction of the cone of :math:`\tilde\Delta` at :math:`\zeta_{[N]}` (spanned by
:math:`\zeta_{[k]} - \zeta_{[N]}`, :math:`k < N`) and :math:`0 \le t \le R(v)`.
Along such a ray the barycentric coordinates
:math:`\lambda = (0, \dots, 0, 1) + t\,\Lambda v` of
:func:`emp_theory.simplex.to_barycentric` (a linear map :math:`\Lambda`) stay
non-negative except the last one, which vanishes at the exit distance
:math:`R(v) = -1/(\Lambda v)_N`. Since the balls are centred at :math:`\zeta_{[N]}`,

.. math::

    A_\nu = \{\zeta_{[N]} + t v : r_{\nu+1} \le t \le \min(r_\nu, R(v))\}

up to its boundary, and the surfaces :math:`t = \min(r, R(v))` are the outer
boundaries of :math:`\tilde\Delta \cap B` for the ball :math:`B` of radius
:math:`r`; the shell is the region between the two for :math:`r_\nu` and
:math:`r_{\nu+1}`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 4.1, Proposition 1 and Figure 1.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_int, check_N, check_nu
from ..simplex import barycenter, to_barycentric, vertices

__all__ = [
    "ball_boundary",
    "cone_directions",
    "exit_distance",
    "level_set_vertices",
    "sphere_mesh",
]


def check_small_N(N) -> int:
    """`N` (the number of scores) as an int, checked to be 3 or 4 (the dimensions drawn)."""
    n = check_N(N)
    if n not in (3, 4):
        raise ValueError(f"`N` must be 3 (drawn in the plane) or 4 (drawn in 3-D), got {N!r}")
    return n


def check_resolution(resolution, low: int = 2) -> int:
    """`resolution` (subdivisions of a drawn arc or cap) as an int ``>= low``."""
    res = as_int(resolution, "resolution")
    if res < low:
        raise ValueError(f"`resolution` must be an integer >= {low}, got {resolution!r}")
    return res


def cone_directions(N, resolution=64):
    r"""Unit directions of the cone of :math:`\tilde\Delta` at its vertex :math:`\zeta_{[N]}`.

    The cone is spanned by the unit vectors :math:`g_k = (\zeta_{[k]} - \zeta_{[N]}) /
    \|\zeta_{[k]} - \zeta_{[N]}\|`, :math:`k < N`. For :math:`N = 3` the directions
    are :math:`\mathrm{normalize}((1-s) g_2 + s g_1)` on ``resolution + 1`` equally
    spaced :math:`s \in [0, 1]`; for :math:`N = 4` they are the normalized points of
    a triangular grid with ``resolution`` subdivisions per side on the triangle
    :math:`g_1 g_2 g_3`, and the grid's triangles are returned as faces.

    Parameters
    ----------
    N : int
        3 or 4.
    resolution : int, default 64
        Subdivisions (``>= 1``).

    Returns
    -------
    dirs : numpy.ndarray, shape (m, N)
        Unit vectors of :math:`\mathbb R^N` with zero coordinate sum (parallel to :math:`\Pi`).
    faces : numpy.ndarray, shape (f, 3) of int, or None
        Triangles of the grid (``None`` for ``N = 3``).

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. 4 and eq. 10.
    """
    n = check_small_N(N)
    res = check_resolution(resolution, 1)
    z = vertices(n)
    g = z[:-1] - z[-1]
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    if n == 3:
        s = np.linspace(0.0, 1.0, res + 1)[:, None]
        d = (1.0 - s) * g[1] + s * g[0]
        return d / np.linalg.norm(d, axis=1, keepdims=True), None
    ij = [(i, j) for i in range(res + 1) for j in range(res + 1 - i)]
    index = {p: k for k, p in enumerate(ij)}
    w = np.array([(i, j, res - i - j) for i, j in ij], dtype=float) / res
    d = w @ g
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    faces = []
    for i, j in ij:
        if (i + 1, j) in index and (i, j + 1) in index:
            faces.append((index[(i, j)], index[(i + 1, j)], index[(i, j + 1)]))
        if (i + 1, j) in index and (i + 1, j - 1) in index and j >= 1:
            faces.append((index[(i, j)], index[(i + 1, j - 1)], index[(i + 1, j)]))
    return d, np.array(faces, dtype=np.int64)


def exit_distance(dirs) -> np.ndarray:
    r"""Distance :math:`R(v)` from :math:`\zeta_{[N]}` to the boundary of :math:`\tilde\Delta` along `dirs`.

    With the linear map :math:`\Lambda` of :func:`emp_theory.simplex.to_barycentric`,
    :math:`\lambda(\zeta_{[N]} + t v) = e_N + t\,\Lambda v`, hence
    :math:`R(v) = -1/(\Lambda v)_N` for directions of the cone (where
    :math:`(\Lambda v)_j \ge 0` for :math:`j < N` and :math:`(\Lambda v)_N < 0`).

    Parameters
    ----------
    dirs : array_like, shape (m, N)
        Unit directions from :func:`cone_directions`.

    Returns
    -------
    numpy.ndarray, shape (m,)

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eqs. 4 and 10
           (the ordered simplex and its vertices).
    """
    d = np.asarray(dirs, dtype=float)
    if d.ndim != 2 or d.shape[1] < 2:
        raise ValueError(f"`dirs` must have shape (m, N) with N >= 2, got {d.shape}")
    lam = to_barycentric(d)
    if np.any(lam[:, :-1] < -1e-12) or np.any(lam[:, -1] >= 0):
        raise ValueError("`dirs` must point from zeta_[N] into the ordered simplex")
    return -1.0 / lam[:, -1]


def ball_boundary(r, N, resolution=64):
    r"""Outer boundary of :math:`\tilde\Delta \cap B` for the ball :math:`B` of radius `r` about :math:`\zeta_{[N]}`.

    The points :math:`\zeta_{[N]} + \min(r, R(v))\,v` over the directions of
    :func:`cone_directions`: on the sphere where it lies inside :math:`\tilde\Delta`,
    on the far faces of :math:`\tilde\Delta` elsewhere.

    Parameters
    ----------
    r : float
        Radius, ``r >= 0`` (e.g. :func:`emp_theory.simplex.radius`).
    N : int
        3 or 4.
    resolution : int, default 64

    Returns
    -------
    points : numpy.ndarray, shape (m, N)
        Points of :math:`\Pi` (coordinates of :math:`\mathbb R^N`).
    faces : numpy.ndarray or None
        Triangles for ``N = 4`` (see :func:`cone_directions`).

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eqs. 7 and 12
           (the shells and the balls).
    """
    rr = float(np.asarray(r, dtype=float))
    if not np.isfinite(rr) or rr < 0:
        raise ValueError(f"`r` must be a finite number >= 0, got {r!r}")
    dirs, faces = cone_directions(N, resolution)
    t = np.minimum(rr, exit_distance(dirs))
    return barycenter(dirs.shape[1]) + t[:, None] * dirs, faces


def level_set_vertices(nu, N, value) -> np.ndarray:
    r"""Vertices of :math:`\{\omega\in\Delta : \varphi_\nu(\omega) = c\}`, :math:`\varphi_\nu(\omega) = \sum_{i\le\nu}\omega_i` (eq. 9).

    For :math:`0 < c < 1` and :math:`\nu < N` the hyperplane meets exactly the
    edges :math:`[e_i, e_j]` of :math:`\Delta` with :math:`i \le \nu < j`, at
    :math:`c\,e_i + (1-c)\,e_j`. The vertices are returned in cyclic order (sorted
    by angle about their centroid in their own plane), ready to draw as a polygon.

    Parameters
    ----------
    nu : int
        ``1 <= nu <= N - 1``.
    N : int
        ``N >= 2``.
    value : float
        :math:`c \in (0, 1)`.

    Returns
    -------
    numpy.ndarray, shape (nu * (N - nu), N)

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. 9 and Proposition 1.
    """
    n = check_N(N)
    v = check_nu(nu, n)
    if v == n:
        raise ValueError(f"`nu` must be < N = {n}: the level set of phi_N on Delta is all of Delta")
    c = float(np.asarray(value, dtype=float))
    if not np.isfinite(c) or not 0.0 < c < 1.0:
        raise ValueError(f"`value` must lie in (0, 1), got {value!r}")
    eye = np.eye(n)
    pts = np.array([c * eye[i] + (1.0 - c) * eye[j] for i in range(v) for j in range(v, n)])
    if len(pts) <= 2:
        return pts
    centred = pts - pts.mean(axis=0)
    _, _, vt = np.linalg.svd(centred)
    uv = centred @ vt[:2].T
    return pts[np.argsort(np.arctan2(uv[:, 1], uv[:, 0]))]


def sphere_mesh(r, n_lat=16, n_lon=32):
    """Points ``(x, y, z)`` (each of shape ``(n_lat, n_lon)``) of a sphere of radius `r` about 0.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. 12
           (the balls drawn in Figure 1).
    """
    rr = float(np.asarray(r, dtype=float))
    if not np.isfinite(rr) or rr < 0:
        raise ValueError(f"`r` must be a finite number >= 0, got {r!r}")
    th = np.linspace(0.0, np.pi, as_int(n_lat, "n_lat"))[:, None]
    ph = np.linspace(0.0, 2.0 * np.pi, as_int(n_lon, "n_lon"))[None, :]
    return (
        rr * np.sin(th) * np.cos(ph),
        rr * np.sin(th) * np.sin(ph),
        rr * np.cos(th) * np.ones_like(ph),
    )
