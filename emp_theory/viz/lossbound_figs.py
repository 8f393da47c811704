r"""Figures of the chapter "Does the loss bound bind?": measured loss change against eqs. (17)-(18).

* :func:`loss_vs_bound_figure` -- one panel per model: the measured
  :math:`|\epsilon|` (filled markers for :math:`\epsilon > 0`, open for
  :math:`\epsilon < 0`), the second-order prediction
  :math:`|\nabla L^\top\delta + \tfrac12\delta^\top H\delta|`, eq. (17) with the
  measured distance, eq. (17) with the distance bound, and eq. (18), against
  :math:`\beta`, on a log y-axis.
* :func:`normalized_bound_figure` -- the normalized bound of Figure 2 (right)
  (:func:`emp_theory.bounds.normalized_loss_bound`) on a log y-axis, with the paper's
  :math:`N = 1000` and the :math:`N` of each model.

Every plotted number is a field of :class:`emp_theory.experiments.lossbound.LossBoundMeasurement`
or a value of a library function; the figures only draw.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       eqs. (17)-(18), Figure 2 (right).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..bounds import normalized_loss_bound

__all__ = ["loss_vs_bound_figure", "normalized_bound_figure"]

_COLORS = {
    "eps": "#1f77b4",
    "quad": "#17becf",
    "eq17": "#ff7f0e",
    "eq17d": "#d62728",
    "eq18": "#9467bd",
}


def loss_vs_bound_figure(measurements: dict, *, title: str | None = None) -> go.Figure:
    r"""Measured :math:`|\epsilon|` against the bounds, one panel per model, log y-axis.

    Parameters
    ----------
    measurements : dict
        ``{model label: [LossBoundMeasurement, ...]}`` (one per :math:`\beta`).
        Points where nothing was pruned (:math:`\nu = N`, :math:`\epsilon = 0`) cannot be
        drawn on a log axis and are left out.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    if not isinstance(measurements, dict) or not measurements:
        raise ValueError("`measurements` must be a non-empty dict {label: [measurements]}")
    labels = list(measurements)
    fig = make_subplots(rows=1, cols=len(labels), subplot_titles=labels, shared_yaxes=True)
    for col, lab in enumerate(labels, start=1):
        ms = [m for m in measurements[lab] if m.k < m.N]
        betas = [m.beta for m in ms]
        first = col == 1

        def add(y, name, key, symbol="circle", dash=None, _col=col, _first=first, _betas=betas):
            fig.add_trace(
                go.Scatter(
                    x=_betas,
                    y=y,
                    mode="lines+markers",
                    name=name,
                    legendgroup=key,
                    showlegend=_first,
                    marker={"symbol": symbol, "size": 9, "color": _COLORS[key]},
                    line={"color": _COLORS[key], "dash": dash},
                    hovertemplate="β = %{x}: %{y:.3g}<extra>" + name + "</extra>",
                ),
                row=1,
                col=_col,
            )

        eps = [abs(m.eps) for m in ms]
        sym = ["circle" if m.eps > 0 else "circle-open" for m in ms]
        add(eps, "measured |ε| (open: ε < 0)", "eps", symbol=sym)
        add([abs(m.grad_dot + m.quad_term) for m in ms], "|g·δ + ½ δᵀHδ|", "quad", dash="dot")
        add([m.eq17 for m in ms], "eq. 17, measured distance", "eq17")
        add([m.eq17_dist_bound for m in ms], "eq. 17, distance bound", "eq17d", dash="dash")
        add([m.eq18 for m in ms], "eq. 18 (β = 1 value)", "eq18", dash="dash")
        fig.update_xaxes(title_text="β", row=1, col=col)
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_yaxes(title_text="loss change (test cross-entropy)", row=1, col=1)
    fig.update_layout(
        title=title or "Measured loss change against the bounds of eqs. 17-18",
        template="plotly_white",
        height=460,
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 70, "b": 120},
    )
    return fig


def normalized_bound_figure(markers: dict | None = None, *, N_values=(1000,)) -> go.Figure:
    r"""The normalized bound :math:`\epsilon/(\|\theta^*\|_1^2\mathrm{Tr}H)` of eq. (18) on a log axis.

    Parameters
    ----------
    markers : dict, optional
        ``{label: (rho, N, value)}`` points to mark (e.g. a model's
        :math:`N_{\mathrm{eff}}/N` and its measured :math:`|\epsilon|/(\|\theta^*\|_1^2\mathrm{Tr}H)`).
    N_values : sequence of int
        One curve per :math:`N` (default the paper's 1000).
    """
    fig = go.Figure()
    for N in N_values:
        rho = np.linspace(1.0 / N, 1.0, 600)
        y = np.asarray(normalized_loss_bound(rho, N))
        keep = y > 0
        fig.add_trace(
            go.Scatter(x=rho[keep], y=y[keep], mode="lines", name=f"eq. 18 normalized, N = {N:g}")
        )
    for lab, (rho, _N, val) in (markers or {}).items():
        fig.add_trace(go.Scatter(x=[rho], y=[val], mode="markers", name=lab, marker={"size": 11}))
    fig.add_vline(x=0.2, line_dash="dot", annotation_text="ρ = 0.2")
    fig.update_yaxes(type="log", exponentformat="power", title_text="ε / (‖θ*‖₁² Tr H)")
    fig.update_xaxes(title_text="ρ = N_eff / N")
    fig.update_layout(
        title="Figure 2 (right) on a log axis",
        template="plotly_white",
        height=430,
        legend={"orientation": "h", "y": -0.25},
    )
    return fig
