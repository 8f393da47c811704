r"""Interactive geometry of the ordered simplex: Figure 1 of the paper, with a :math:`\nu` slider.

For :math:`N = 3` the simplex :math:`\Delta` (eq. 3) is drawn in its own plane
:math:`\Pi` and for :math:`N = 4` in 3-D, both through the isometry
:func:`emp_theory.simplex.plane_coords` (centred at the barycenter
:math:`\zeta_{[N]}`). On top of :math:`\Delta` the figure shows the ordered simplex
:math:`\tilde\Delta` (eq. 4) with its vertices :math:`\zeta_{[k]}` (eq. 10), and
for each :math:`\nu` of the slider

* the balls :math:`B_\nu` and :math:`B_{\nu+1}` of radius
  :math:`r_\nu = \sqrt{1/\nu - 1/N}` about :math:`\zeta_{[N]}` (eq. 12),
* the shell :math:`A_\nu = \tilde\Delta \cap (B_\nu \setminus B_{\nu+1})` (eq. 7),
* the point :math:`p_\nu` of Proposition 1, where :math:`\varphi_\nu(\omega) =
  \sum_{i\le\nu}\omega_i` (eq. 9) attains its infimum over :math:`A_\nu`, and
* optionally the level set :math:`\{\omega\in\Delta : \varphi_\nu(\omega) =
  \varphi_\nu(p_\nu)\}` through :math:`p_\nu` (eq. 14 gives its value).

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
import plotly.graph_objects as go

from .._validation import as_int, check_N, check_nu
from ..bounds import p_nu, prop1_infimum
from ..simplex import barycenter, plane_coords, radius, to_barycentric, vertices

__all__ = [
    "ball_boundary",
    "cone_directions",
    "exit_distance",
    "level_set_vertices",
    "ordered_simplex_figure",
    "sphere_mesh",
]

_DIGITS = 5  # decimals kept in plotted coordinates (the simplex has unit scale)
_COLORS = {
    "delta": "#444444",
    "ordered": "rgba(31,119,180,0.18)",
    "ordered_line": "#1f77b4",
    "outer": "#d62728",
    "inner": "#2ca02c",
    "shell": "rgba(255,127,14,0.45)",
    "p": "#9467bd",
    "level": "#8c564b",
}


# ---------------------------------------------------------------------------
# Geometry helpers (numpy only, shared with emp_theory.figures)
# ---------------------------------------------------------------------------
def _check_small_N(N) -> int:
    n = check_N(N)
    if n not in (3, 4):
        raise ValueError(f"`N` must be 3 (drawn in the plane) or 4 (drawn in 3-D), got {N!r}")
    return n


def _check_resolution(resolution, low: int = 2) -> int:
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
    n = _check_small_N(N)
    res = _check_resolution(resolution, 1)
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


# ---------------------------------------------------------------------------
# Slider helpers (shared with bound_figs)
# ---------------------------------------------------------------------------
def _round(a, digits: int = _DIGITS) -> np.ndarray:
    return np.round(np.asarray(a, dtype=float), digits)


def _sig(a, digits: int = 6) -> np.ndarray:
    """Round to `digits` significant digits (keeps tiny values for log axes)."""
    a = np.asarray(a, dtype=float)
    out = a.copy()
    nz = np.isfinite(a) & (a != 0)
    mag = np.floor(np.log10(np.abs(a[nz])))
    scale = 10.0 ** (digits - 1 - mag)
    out[nz] = np.round(a[nz] * scale) / scale
    return out


def _slider(labels, active: int, prefix: str, redraw: bool = True) -> dict:
    steps = []
    for lab in labels:
        steps.append(
            {
                "label": str(lab),
                "method": "animate",
                "args": [
                    [str(lab)],
                    {
                        "mode": "immediate",
                        "frame": {"duration": 0, "redraw": redraw},
                        "transition": {"duration": 0},
                    },
                ],
            }
        )
    return {
        "active": active,
        "currentvalue": {"prefix": prefix, "font": {"size": 14}},
        "pad": {"t": 50},
        "steps": steps,
    }


# ---------------------------------------------------------------------------
# The figure
# ---------------------------------------------------------------------------
def _xyz(points) -> dict:
    pc = _round(plane_coords(np.atleast_2d(points)))
    if pc.shape[1] == 2:
        return {"x": pc[:, 0], "y": pc[:, 1]}
    return {"x": pc[:, 0], "y": pc[:, 1], "z": pc[:, 2]}


def _title(nu: int, n: int) -> str:
    r_nu = float(radius(nu, n))
    inf = float(prop1_infimum(nu, n))
    if nu < n:
        r_next = float(radius(nu + 1, n))
        balls = f"B<sub>{nu}</sub> (r = {r_nu:.3f}) and B<sub>{nu + 1}</sub> (r = {r_next:.3f})"
    else:
        balls = f"B<sub>{nu}</sub> = {{ζ<sub>[{n}]</sub>}} (r = 0)"
    return (
        f"N = {n}, ν = {nu}: shell A<sub>{nu}</sub> between {balls}<br>"
        f"inf over A<sub>{nu}</sub> of φ<sub>{nu}</sub> = φ<sub>{nu}</sub>(p<sub>{nu}</sub>)"
        f" = {inf:.4f} (eq. 14)"
    )


def _frame_traces_2d(nu: int, n: int, resolution: int, level_set: bool) -> list:
    r_nu = float(radius(nu, n))
    tt = np.linspace(0.0, 2.0 * np.pi, 4 * resolution + 1)
    circle = np.stack([np.cos(tt), np.sin(tt)], axis=1)
    traces = [
        go.Scatter(
            x=_round(r_nu * circle[:, 0]),
            y=_round(r_nu * circle[:, 1]),
            mode="lines",
            line={"color": _COLORS["outer"], "width": 2},
            name=f"B<sub>ν</sub>, r<sub>ν</sub> = {r_nu:.3f}",
            hoverinfo="name",
        )
    ]
    outer, _ = ball_boundary(r_nu, n, resolution)
    if nu < n:
        r_next = float(radius(nu + 1, n))
        traces.append(
            go.Scatter(
                x=_round(r_next * circle[:, 0]),
                y=_round(r_next * circle[:, 1]),
                mode="lines",
                line={"color": _COLORS["inner"], "width": 2, "dash": "dash"},
                name=f"B<sub>ν+1</sub>, r<sub>ν+1</sub> = {r_next:.3f}",
                hoverinfo="name",
            )
        )
        inner, _ = ball_boundary(r_next, n, resolution)
        ring = np.concatenate([outer, inner[::-1], outer[:1]])
    else:
        traces.append(go.Scatter(x=[None], y=[None], mode="lines", name="B<sub>ν+1</sub>: none"))
        ring = barycenter(n)[None, :]
    traces.append(
        go.Scatter(
            **_xyz(ring),
            mode="lines" if nu < n else "markers",
            fill="toself" if nu < n else None,
            fillcolor=_COLORS["shell"],
            line={"color": "rgba(255,127,14,0.9)", "width": 1},
            marker={"color": _COLORS["shell"], "size": 12},
            name="A<sub>ν</sub> = Δ̃ ∩ (B<sub>ν</sub> − B<sub>ν+1</sub>)",
            hoverinfo="name",
        )
    )
    p = p_nu(nu, n)
    traces.append(
        go.Scatter(
            **_xyz(p),
            mode="markers+text",
            text=[f"p<sub>{nu}</sub>"],
            textposition="bottom right",
            marker={"color": _COLORS["p"], "size": 11, "symbol": "x"},
            name="p<sub>ν</sub> (Prop. 1)",
            hovertext=[f"p_{nu} = {np.round(p, 4).tolist()}"],
            hoverinfo="text",
        )
    )
    if level_set:
        traces.append(_level_trace_2d(nu, n, p))
    return traces


def _level_value(nu: int, n: int, p: np.ndarray) -> float:
    return float(np.sum(p[:nu]))


def _level_trace_2d(nu: int, n: int, p: np.ndarray):
    if nu == n:
        return go.Scatter(x=[None], y=[None], mode="lines", name="level set: φ<sub>N</sub> ≡ 1")
    c = _level_value(nu, n, p)
    pts = level_set_vertices(nu, n, c)
    return go.Scatter(
        **_xyz(pts),
        mode="lines",
        line={"color": _COLORS["level"], "width": 2, "dash": "dot"},
        name=f"φ<sub>ν</sub> = {c:.4f} (level set through p<sub>ν</sub>)",
        hoverinfo="name",
    )


def _static_traces(n: int) -> list:
    eye = np.eye(n)
    z = vertices(n)
    labels = [f"ζ<sub>[{k}]</sub>" for k in range(1, n + 1)]
    labels[0] += " = e<sub>1</sub>"
    if n == 3:
        delta = np.concatenate([eye, eye[:1]])
        ordered = np.concatenate([z, z[:1]])
        return [
            go.Scatter(
                **_xyz(delta),
                mode="lines+text",
                text=["", "e<sub>2</sub>", "e<sub>3</sub>", ""],
                textposition=["top right", "top left", "bottom center", "top right"],
                line={"color": _COLORS["delta"], "width": 2},
                name="Δ (eq. 3)",
                hoverinfo="name",
            ),
            go.Scatter(
                **_xyz(ordered),
                mode="lines",
                fill="toself",
                fillcolor=_COLORS["ordered"],
                line={"color": _COLORS["ordered_line"], "width": 1.5},
                name="Δ̃, ordered simplex (eq. 4)",
                hoverinfo="name",
            ),
            go.Scatter(
                **_xyz(z),
                mode="markers+text",
                text=labels,
                textposition=["top right", "top center", "bottom left"],
                marker={"color": _COLORS["ordered_line"], "size": 8},
                name="vertices ζ<sub>[k]</sub> (eq. 10)",
                hoverinfo="text",
            ),
        ]
    edges = [(i, j) for i in range(n) for j in range(i + 1, n)]
    ex, ey, ez = [], [], []
    for i, j in edges:
        seg = _xyz(eye[[i, j]])
        ex += [*seg["x"], None]
        ey += [*seg["y"], None]
        ez += [*seg["z"], None]
    ev = _xyz(eye)
    zv = _xyz(z)
    faces = np.array(
        [(i, j, k) for i in range(4) for j in range(i + 1, 4) for k in range(j + 1, 4)]
    )
    return [
        go.Scatter3d(
            x=ex,
            y=ey,
            z=ez,
            mode="lines",
            line={"color": _COLORS["delta"], "width": 4},
            name="Δ (eq. 3)",
            hoverinfo="name",
        ),
        go.Scatter3d(
            **ev,
            mode="text",
            text=[""] + [f"e<sub>{k}</sub>" for k in range(2, n + 1)],
            name="e<sub>i</sub>",
            showlegend=False,
            hoverinfo="text",
        ),
        go.Mesh3d(
            **zv,
            i=faces[:, 0],
            j=faces[:, 1],
            k=faces[:, 2],
            color=_COLORS["ordered_line"],
            opacity=0.15,
            name="Δ̃, ordered simplex (eq. 4)",
            showlegend=True,
            hoverinfo="name",
        ),
        go.Scatter3d(
            **zv,
            mode="markers+text",
            text=labels,
            marker={"color": _COLORS["ordered_line"], "size": 4},
            name="vertices ζ<sub>[k]</sub> (eq. 10)",
            hoverinfo="text",
        ),
    ]


def _cap_trace(r: float, n: int, resolution: int, color: str, name: str):
    pts, faces = ball_boundary(r, n, resolution)
    return go.Mesh3d(
        **_xyz(pts),
        i=faces[:, 0],
        j=faces[:, 1],
        k=faces[:, 2],
        color=color,
        opacity=0.55,
        name=name,
        showlegend=True,
        hoverinfo="name",
    )


def _sphere_trace(r: float, color: str, name: str, visible: bool = True):
    x, y, z = sphere_mesh(r, 14, 28)
    return go.Surface(
        x=_round(x),
        y=_round(y),
        z=_round(z),
        opacity=0.08,
        colorscale=[[0, color], [1, color]],
        showscale=False,
        name=name,
        showlegend=True,
        hoverinfo="name",
        visible=visible,
    )


def _frame_traces_3d(nu: int, n: int, resolution: int, level_set: bool) -> list:
    r_nu = float(radius(nu, n))
    traces = [_sphere_trace(r_nu, _COLORS["outer"], f"B<sub>ν</sub>, r<sub>ν</sub> = {r_nu:.3f}")]
    if nu < n:
        r_next = float(radius(nu + 1, n))
        traces.append(_sphere_trace(r_next, _COLORS["inner"], f"B<sub>ν+1</sub>, r = {r_next:.3f}"))
        traces.append(
            _cap_trace(r_nu, n, resolution, _COLORS["outer"], "outer boundary of Δ̃ ∩ B<sub>ν</sub>")
        )
        traces.append(
            _cap_trace(
                r_next, n, resolution, _COLORS["inner"], "outer boundary of Δ̃ ∩ B<sub>ν+1</sub>"
            )
        )
    else:
        empty = {"x": [0.0], "y": [0.0], "z": [0.0], "opacity": 0.0, "hoverinfo": "skip"}
        traces.append(go.Scatter3d(**empty, mode="markers", name="B<sub>ν+1</sub>: none"))
        traces.append(go.Mesh3d(**empty, name="A<sub>N</sub> = {ζ<sub>[N]</sub>}"))
        traces.append(go.Mesh3d(**empty, name=""))
    p = p_nu(nu, n)
    traces.append(
        go.Scatter3d(
            **_xyz(p),
            mode="markers+text",
            text=[f"p<sub>{nu}</sub>"],
            marker={"color": _COLORS["p"], "size": 5, "symbol": "diamond"},
            name="p<sub>ν</sub> (Prop. 1)",
            hovertext=[f"p_{nu} = {np.round(p, 4).tolist()}"],
            hoverinfo="text",
        )
    )
    if level_set:
        if nu == n:
            empty = {"x": [0.0], "y": [0.0], "z": [0.0], "opacity": 0.0, "hoverinfo": "skip"}
            traces.append(go.Mesh3d(**empty, name="level set: φ<sub>N</sub> ≡ 1"))
        else:
            c = _level_value(nu, n, p)
            pts = level_set_vertices(nu, n, c)
            m = len(pts)
            traces.append(
                go.Mesh3d(
                    **_xyz(pts),
                    i=[0] * (m - 2),
                    j=list(range(1, m - 1)),
                    k=list(range(2, m)),
                    color=_COLORS["level"],
                    opacity=0.25,
                    name=f"φ<sub>ν</sub> = {c:.4f} (level set through p<sub>ν</sub>)",
                    showlegend=True,
                    hoverinfo="name",
                )
            )
    return traces


def ordered_simplex_figure(N=3, nus=None, *, level_set: bool = True, resolution=None, active=None):
    r"""Figure 1 of the paper made interactive: :math:`\Delta`, :math:`\tilde\Delta`, :math:`B_\nu`, :math:`A_\nu`, :math:`p_\nu`.

    ``N = 3`` is drawn in the plane :math:`\Pi` (2-D), ``N = 4`` in 3-D
    (rotatable), through :func:`emp_theory.simplex.plane_coords`. A slider over
    `nus` shows, for each :math:`\nu`, the balls :math:`B_\nu` and
    :math:`B_{\nu+1}` (radius :math:`r_\nu = \sqrt{1/\nu - 1/N}`, eq. 12), the
    shell :math:`A_\nu = \tilde\Delta\cap(B_\nu\setminus B_{\nu+1})` (eq. 7; in 3-D
    the region between the two coloured caps), the point :math:`p_\nu` of
    Proposition 1 and, if `level_set`, the level set
    :math:`\{\omega\in\Delta:\varphi_\nu(\omega)=\varphi_\nu(p_\nu)\}`. The title
    states :math:`r_\nu`, :math:`r_{\nu+1}` and the infimum (eq. 14).

    Parameters
    ----------
    N : int, default 3
        3 or 4.
    nus : sequence of int, optional
        Slider values, each in ``[1, N]``, distinct; default ``1..N``.
    level_set : bool, default True
        Draw the level set of :math:`\varphi_\nu` through :math:`p_\nu`.
    resolution : int, optional
        Subdivisions of the drawn caps/arcs (default 96 in 2-D, 24 in 3-D).
    active : int, optional
        The :math:`\nu` shown first (default: the first of `nus`).

    Returns
    -------
    plotly.graph_objects.Figure
        One frame per :math:`\nu`, named ``str(nu)``, and a slider with one step per frame.

    Raises
    ------
    ValueError
        If `N` is not 3 or 4, `nus` is empty, repeats or leaves ``[1, N]``,
        or `active` is not one of `nus`.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 4.1,
           Proposition 1 and Figure 1.
    """
    n = _check_small_N(N)
    if nus is None:
        nu_list = list(range(1, n + 1))
    else:
        if np.ndim(nus) != 1 or len(nus) == 0:
            raise ValueError("`nus` must be a non-empty sequence of integers")
        nu_list = [check_nu(v, n) for v in nus]
        if len(set(nu_list)) != len(nu_list):
            raise ValueError("`nus` must not repeat a value")
    first = nu_list[0] if active is None else check_nu(active, n, "active")
    if first not in nu_list:
        raise ValueError(f"`active` must be one of `nus` = {nu_list}, got {active!r}")
    res = _check_resolution(resolution if resolution is not None else (96 if n == 3 else 24))
    if not isinstance(level_set, bool):
        raise TypeError("`level_set` must be a bool")

    static = _static_traces(n)
    builder = _frame_traces_2d if n == 3 else _frame_traces_3d
    per_nu = {v: builder(v, n, res, level_set) for v in nu_list}
    dyn_idx = list(range(len(static), len(static) + len(per_nu[first])))
    frames = [
        go.Frame(
            data=per_nu[v], traces=dyn_idx, name=str(v), layout={"title": {"text": _title(v, n)}}
        )
        for v in nu_list
    ]
    fig = go.Figure(data=static + per_nu[first], frames=frames)
    fig.update_layout(
        title={"text": _title(first, n), "font": {"size": 14}},
        sliders=[_slider(nu_list, nu_list.index(first), "ν = ")],
        legend={"font": {"size": 11}},
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        height=620,
    )
    if n == 3:
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
        fig.update_layout(plot_bgcolor="white")
    else:
        axis = {"visible": False}
        fig.update_layout(
            scene={
                "xaxis": axis,
                "yaxis": axis,
                "zaxis": axis,
                "aspectmode": "data",
                "camera": {"eye": {"x": 1.0, "y": 1.0, "z": 0.7}},
            },
            height=720,
            legend={
                "font": {"size": 10},
                "x": 0.0,
                "y": 1.0,
                "xanchor": "left",
                "bgcolor": "rgba(255,255,255,0.6)",
            },
        )
    return fig
