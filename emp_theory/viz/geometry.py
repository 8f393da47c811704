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

The coordinates of the shells (and how they are computed) are
:mod:`emp_theory.viz.shell_geometry`; its functions stay importable from here.
Argument names: ``N`` the number of scores (3 or 4), ``nus`` the slider values of
the shell index :math:`\nu` of Proposition 1 / eq. 7.

One module for one figure: the 2-D and 3-D trace builders share the colours, the
rounding and the legend names, and a frame of either kind must list its traces in
the same order as the first one; split apart they would read worse.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 4.1, Proposition 1 and Figure 1.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .._validation import check_nu
from ..bounds import p_nu, prop1_infimum
from ..simplex import barycenter, plane_coords, radius, vertices
from ._render import slider
from .shell_geometry import (
    ball_boundary,
    check_resolution,
    check_small_N,
    cone_directions,
    exit_distance,
    level_set_vertices,
    sphere_mesh,
)

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


def _round(a, digits: int = _DIGITS) -> np.ndarray:
    return np.round(np.asarray(a, dtype=float), digits)


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
    n = check_small_N(N)
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
    res = check_resolution(resolution if resolution is not None else (96 if n == 3 else 24))
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
        sliders=[slider(nu_list, nu_list.index(first), "ν = ")],
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
