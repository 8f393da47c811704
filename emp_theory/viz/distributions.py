"""Plotly figures of the effective number for real and random score vectors.

Used by the book's chapters 1 and 2. Every number drawn comes from
:mod:`emp_theory.effective` or :mod:`emp_theory.limits`; this module only sorts,
samples and lays out. Display with :func:`emp_theory.viz.show`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning",
       arXiv:2509.25606, eqs. (2), (5), (13), (15), Algorithm 1 and Table 2.
"""

from __future__ import annotations

import numpy as np

from .._kernels import to_numpy
from ..effective import emp_summary
from .limit_figs import (
    BOUND,
    DEFAULT_CONVERGENCE_FAMILIES,
    KEPT,
    MASS,
    PRUNED,
    convergence_figure,
    family_label,
    powerlaw_figure,
    sparsity_figure,
)

__all__ = [
    "DEFAULT_CONVERGENCE_FAMILIES",
    "convergence_figure",
    "family_label",
    "powerlaw_figure",
    "sorted_scores_figure",
    "sparsity_figure",
]


def _display_ranks(N: int, k: int, max_points: int) -> np.ndarray:
    """Ranks (0-based) drawn for a sorted curve: a log-spaced grid plus the EMP cut."""
    if N <= max_points:
        return np.arange(N)
    half = max(max_points // 2, 2)
    log_grid = np.geomspace(1, N, half).astype(np.int64) - 1
    lin_grid = np.linspace(0, N - 1, half).astype(np.int64)
    cut = np.array([k - 1, min(k, N - 1)])
    return np.unique(np.concatenate([log_grid, lin_grid, cut]))


def sorted_scores_figure(
    s, beta: float = 1.0, *, max_points: int = 2000, what: str = "scores", log_x: bool = False
):
    r"""Sorted magnitudes :math:`|s|_{\sigma(i)}` with the EMP-kept part highlighted.

    Left axis: the magnitudes in decreasing order, the :math:`\nu`
    (:func:`emp_theory.effective.keep_count`) kept entries in colour, the pruned ones in grey.
    Right axis: the kept mass :math:`\varphi_k = \sum_{i\le k}\omega_{\sigma(i)}`
    (eq. 9) with its value :math:`s_{\mathrm{eff}}` at :math:`k = N_{\mathrm{eff}}`
    (eq. 5), the Theorem 2 lower bound (eq. 15) and the trivial bound
    :math:`N_{\mathrm{eff}}/N` (eq. 13). Long vectors are drawn on a subset of
    about `max_points` ranks (evenly and log-spaced, plus the EMP cut).

    Parameters
    ----------
    s : array_like
        Scores (finite, not all zero), any shape.
    beta : float, default 1.0
        EMP coefficient :math:`\beta` of Algorithm 1.
    max_points : int, default 2000
        Approximate number of ranks drawn.
    what : str, default "scores"
        Name of the scores for the axis title.
    log_x : bool, default False
        Logarithmic rank axis (the default, linear, shows the kept and pruned
        parts in proportion).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    summ = emp_summary(s, beta)  # validates s and beta
    a = np.sort(np.abs(to_numpy(s, "s")).astype(np.float64))[::-1]
    mass = np.cumsum(a) / a.sum()
    N, k = summ.N, summ.k
    idx = _display_ranks(N, k, int(max_points))
    rank = idx + 1
    kept = idx < k

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Scatter(
            x=rank[kept],
            y=a[idx[kept]],
            mode="lines",
            fill="tozeroy",
            line={"color": KEPT},
            name=f"kept: k = {k:,} largest |{what}|",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=rank[~kept],
            y=a[idx[~kept]],
            mode="lines",
            fill="tozeroy",
            line={"color": PRUNED},
            name=f"pruned: {N - k:,} entries",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=rank,
            y=mass[idx],
            mode="lines",
            line={"color": MASS, "width": 2},
            name="kept mass φ_k (eq. 9)",
        ),
        secondary_y=True,
    )
    fig.add_trace(
        go.Scatter(
            x=[summ.n_eff],
            y=[summ.s_eff],
            mode="markers",
            marker={"color": MASS, "size": 10, "symbol": "diamond"},
            name=f"s_eff = {summ.s_eff:.4f} at N_eff = {summ.n_eff:,}",
        ),
        secondary_y=True,
    )
    for y, label, dash in (
        (summ.bound, f"Theorem 2 bound {summ.bound:.4f}", "dash"),
        (summ.trivial_bound, f"trivial bound N_eff/N = {summ.trivial_bound:.4f}", "dot"),
    ):
        fig.add_trace(
            go.Scatter(
                x=[1, N],
                y=[y, y],
                mode="lines",
                line={"color": BOUND, "dash": dash},
                name=label,
            ),
            secondary_y=True,
        )
    fig.update_xaxes(
        title_text="rank i (largest first" + (", log scale)" if log_x else ")"),
        type="log" if log_x else "linear",
    )
    fig.update_yaxes(title_text=f"|{what}| sorted", secondary_y=False, rangemode="tozero")
    fig.update_yaxes(
        title_text="kept mass φ_k", secondary_y=True, range=[0, 1.02], tickmode="linear", dtick=0.2
    )
    fig.update_layout(
        title=f"N = {N:,}: EMP keeps k = {k:,} (sparsity {summ.sparsity:.1%})",
        legend={"orientation": "h", "y": -0.25},
        margin={"t": 60, "b": 40},
        height=520,
        template="plotly_white",
    )
    return fig
