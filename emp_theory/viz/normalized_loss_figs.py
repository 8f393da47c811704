r"""Figure 2 (right) of the paper with an :math:`N` slider: the normalized loss bound of eq. 18.

:func:`loss_bound_figure` draws :math:`\epsilon/(\|\theta^*\|_1^2\mathrm{Tr}(H))`
(:func:`emp_theory.bounds.normalized_loss_bound`) against
:math:`\rho = N_{\mathrm{eff}}/N` on a linear and on a log y-axis;
:func:`rho_grid` chooses the plotted :math:`\rho` (also used by
:mod:`emp_theory.viz.paper_figures`). The measured loss changes of trained models
are drawn by :mod:`emp_theory.viz.lossbound_figs`.

Arguments: ``N`` / ``Ns`` the number of scores (slider values); :math:`\rho` the
ratio :math:`N_{\mathrm{eff}}/N`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       eqs. 17-18 and Figure 2 (right).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .._validation import as_int, check_N
from ..bounds import normalized_loss_bound
from ._render import distinct_Ns, sig, slider, slider_active

__all__ = ["loss_bound_figure", "rho_grid"]

_C = {"bound": "#1f77b4", "approx": "#ff7f0e"}


def rho_grid(N, max_points=400) -> np.ndarray:
    r"""Values of :math:`\rho = N_{\mathrm{eff}}/N` in :math:`[1/N, 1]` for plotting.

    The union of geometrically and linearly spaced points (the bound of eq. 18
    peaks at small :math:`\rho`), with both ends and :math:`\rho = 0.2`.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. 18 and Figure 2 (right).
    """
    n = check_N(N)
    m = as_int(max_points, "max_points")
    if m < 4:
        raise ValueError(f"`max_points` must be an integer >= 4, got {max_points!r}")
    lo = 1.0 / n
    pts = np.concatenate(
        [np.geomspace(lo, 1.0, m // 2), np.linspace(lo, 1.0, m // 2), [lo, 0.2, 1.0]]
    )
    return np.unique(pts[(pts >= lo) & (pts <= 1.0)])


def _short(x: float) -> str:
    """Three significant digits, without an exponent from 1e-3 to 1e6: ``99.3``, ``3,120``.

    >>> _short(99.34), _short(100.0), _short(3124.9), _short(0.0324)
    ('99.3', '100', '3,120', '0.0324')
    """
    r = float(f"{x:.3g}")
    if 1e-3 <= abs(r) < 1e6:
        return f"{r:,.{max(0, 2 - int(np.floor(np.log10(abs(r)))))}f}"
    return f"{r:.3g}"


def _loss_frame(n: int, max_points: int):
    # the plotted rho (rounded, kept in [1/N, 1]); the curves are computed on it
    rho = np.clip(sig(rho_grid(n, max_points)), 1.0 / n, 1.0)
    approx = normalized_loss_bound(rho, n)
    exact = normalized_loss_bound(rho, n, exact=True)
    at02 = float(normalized_loss_bound(0.2, n))
    i = int(np.argmax(approx))
    top = float(max(np.max(approx), np.max(exact)))
    ranges = {
        "yaxis": {"range": [0.0, 1.05 * top], "autorange": False},
        "yaxis2": {"range": [-8.0, float(np.log10(top)) + 0.3], "autorange": False},
    }
    traces = []
    for col in (1, 2):
        traces += [
            go.Scatter(
                x=rho,
                y=sig(approx),
                mode="lines",
                line={"color": _C["bound"], "width": 3},
                name="eq. 18 (paper, ≈ form of eq. 15)",
                legendgroup="approx",
                showlegend=col == 1,
                xaxis=f"x{'' if col == 1 else col}",
                yaxis=f"y{'' if col == 1 else col}",
            ),
            go.Scatter(
                x=rho,
                y=sig(exact),
                mode="lines",
                line={"color": _C["approx"], "width": 2, "dash": "dash"},
                name="eq. 17 with exact eq. 15",
                legendgroup="exact",
                showlegend=col == 1,
                xaxis=f"x{'' if col == 1 else col}",
                yaxis=f"y{'' if col == 1 else col}",
            ),
        ]
    title = (
        f"N = {n}: normalized loss bound ε/(‖θ*‖₁² Tr H) vs ρ (eq. 18)<br>"
        f"at ρ = 0.2: {at02:.3g} = {_short(100 * at02 / approx[i])}% of the plotted maximum"
        f" {_short(approx[i])} (at ρ ≈ {rho[i]:.2g})"
    )
    return traces, title, ranges


def loss_bound_figure(
    Ns=(10, 100, 1000, 10_000, 100_000, 1_000_000), *, active=1000, max_points=400
):
    r"""Figure 2 (right) with an :math:`N` slider, on a linear (left) and a log (right) y-axis.

    For each :math:`N` in `Ns` a frame draws
    :func:`~emp_theory.bounds.normalized_loss_bound` against
    :math:`\rho = N_{\mathrm{eff}}/N \in [1/N, 1]` (see :func:`rho_grid`):

    .. math::

        \frac{\epsilon}{\|\theta^*\|_1^2\mathrm{Tr}(H)} \lesssim
        \frac{(1-\rho)^4}{2\rho}\Big(1 - \sqrt{\frac{1-\rho}{N\rho}}\Big)^2
        \quad\text{(eq. 18)},

    and the same with the exact form of eq. 15 (``exact=True``). The title states
    the value at :math:`\rho = 0.2` and the maximum over the plotted grid; a dotted
    line marks :math:`\rho = 0.2` (Section 4.3: "almost equal to 0 if
    :math:`\rho > 0.2`" for :math:`N = 1000`).

    Parameters
    ----------
    Ns : sequence of int, default (10, 100, 1000, 10^4, 10^5, 10^6)
        Distinct slider values, each ``>= 2``.
    active : int, default 1000
        The :math:`N` shown first (the paper's value); must be in `Ns`.
    max_points : int, default 400

    Returns
    -------
    plotly.graph_objects.Figure
        Two subplots; one frame per :math:`N` (named ``str(N)``) and a slider step per frame.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. 17-18 and Figure 2 (right).
    """
    ns = distinct_Ns(Ns)
    first = slider_active(active, ns)
    mp = as_int(max_points, "max_points")
    per_n = {n: _loss_frame(n, mp) for n in ns}
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("linear y-axis (as in the paper)", "log y-axis"),
        horizontal_spacing=0.1,
    )
    for tr in per_n[first][0]:
        fig.add_trace(tr)
    idx = list(range(len(per_n[first][0])))
    fig.frames = [
        go.Frame(
            data=per_n[n][0],
            traces=idx,
            name=str(n),
            layout={"title": {"text": per_n[n][1]}, **per_n[n][2]},
        )
        for n in ns
    ]
    for col in (1, 2):
        fig.add_vline(x=0.2, line={"color": "#7f7f7f", "dash": "dot", "width": 1}, row=1, col=col)
        fig.update_xaxes(title_text="ρ = N<sub>eff</sub>/N", range=[0, 1], row=1, col=col)
    fig.update_yaxes(title_text="ε / (‖θ*‖₁² Tr H)", row=1, col=1, **per_n[first][2]["yaxis"])
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=2, **per_n[first][2]["yaxis2"])
    fig.update_layout(
        title={"text": per_n[first][1], "font": {"size": 14}},
        sliders=[slider(ns, ns.index(first), "N = ")],
        legend={"font": {"size": 11}, "x": 0.12, "y": 0.9, "bgcolor": "rgba(255,255,255,0.8)"},
        margin={"t": 110},
        height=560,
        template="plotly_white",
    )
    return fig
