"""Plotly figures of the large-N limits of N_eff/N: convergence, sparsity, power laws.

Split from :mod:`emp_theory.viz.distributions` (which re-exports these names). Every
number drawn comes from :mod:`emp_theory.limits`; this module only samples and lays
out. Display with :func:`emp_theory.viz.show`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning",
       arXiv:2509.25606, Section 4.1 and Table 2.
"""

from __future__ import annotations

import numpy as np

from ..effective import n_eff
from ..limits import (
    FAMILIES,
    PAPER_TABLE2_EMP_MAGNITUDE_SPARSITY,
    neff_ratio_limit,
    powerlaw_neff_limit,
    predicted_sparsity,
    sampled_neff_ratio,
    student_t_df_for_sparsity,
)

__all__ = [
    "BOUND",
    "DEFAULT_CONVERGENCE_FAMILIES",
    "KEPT",
    "MASS",
    "PRUNED",
    "convergence_figure",
    "family_label",
    "powerlaw_figure",
    "sparsity_figure",
]

KEPT = "#1f77b4"
PRUNED = "#b0b0b0"
MASS = "#d62728"
BOUND = "#2ca02c"

#: (name, parameters) of the families in the convergence figure's menu.
DEFAULT_CONVERGENCE_FAMILIES: tuple[tuple[str, dict], ...] = (
    ("gaussian", {}),
    ("laplace", {}),
    ("uniform", {"low": -1.0, "high": 1.0}),
    ("student_t", {"df": 5.0}),
    ("student_t", {"df": 3.0}),
    ("lognormal", {"sigma": 1.0}),
    ("exponential", {}),
    ("pareto", {"alpha": 3.0}),
    ("student_t", {"df": 1.5}),
    ("cauchy", {}),
)


def family_label(name: str, params: dict | None = None) -> str:
    """Readable label such as ``"Student-t (df=5)"``."""
    fam = FAMILIES[name]
    params = params or {}
    if not params:
        return fam.label
    inner = ", ".join(f"{k}={v:g}" for k, v in params.items())
    if name == "uniform":
        return f"uniform({params.get('low', -1):g}, {params.get('high', 1):g})"
    return f"{fam.label} ({inner})"


def _limit_or_none(name: str, params: dict) -> float | None:
    try:
        return neff_ratio_limit(name, **params)
    except ValueError:
        return None  # infinite variance: N_eff/N -> 0


def convergence_figure(
    families=DEFAULT_CONVERGENCE_FAMILIES,
    Ns=None,
    *,
    reps: int = 4,
    seed: int = 0,
):
    r"""Sampled :math:`N_{\mathrm{eff}}/N` against :math:`N`, one family at a time (menu).

    For each family, ``reps`` independent samples per size ``N`` (log x axis) go
    through :func:`emp_theory.effective.n_eff`; the line is their mean and the dashed line
    the limit :math:`(\mathbb E|X|)^2/\mathbb E[X^2]`
    (:func:`emp_theory.limits.families.neff_ratio_limit`), or 0 for infinite variance. A
    drop-down menu selects the family.

    Parameters
    ----------
    families : sequence of (str, dict)
        Family names and parameters (see :mod:`emp_theory.limits`).
    Ns : array_like of int, optional
        Sample sizes; default 16 log-spaced sizes from 10 to :math:`10^6`.
    reps : int, default 4
        Samples per size.
    seed : int, default 0
        Seed of the random generator.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    if Ns is None:
        Ns = np.unique(np.geomspace(10, 10**6, 16).round().astype(np.int64))
    Ns = np.asarray(Ns, dtype=np.int64)
    rng = np.random.default_rng(seed)
    fig = go.Figure()
    per_family = 3
    titles = []
    for k, (name, params) in enumerate(families):
        r = sampled_neff_ratio(name, Ns, reps=reps, rng=rng, **params)
        lim = _limit_or_none(name, params)
        label = family_label(name, params)
        vis = k == 0
        fig.add_trace(
            go.Scatter(
                x=np.repeat(Ns, r.shape[1]),
                y=r.ravel(),
                mode="markers",
                marker={"color": KEPT, "size": 5, "opacity": 0.5},
                name=f"{label}: samples",
                visible=vis,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=Ns,
                y=r.mean(axis=1),
                mode="lines+markers",
                line={"color": KEPT},
                name=f"{label}: mean of {reps}",
                visible=vis,
            )
        )
        if lim is None:
            lim_name, lim_val = "limit 0 (infinite variance)", 0.0
        else:
            lim_name, lim_val = f"limit (E|X|)²/E[X²] = {lim:.4f}", lim
        fig.add_trace(
            go.Scatter(
                x=[Ns[0], Ns[-1]],
                y=[lim_val, lim_val],
                mode="lines",
                line={"color": MASS, "dash": "dash"},
                name=lim_name,
                visible=vis,
            )
        )
        titles.append(f"{label}: N_eff/N → {lim_val:.4f}")
    n = len(families)
    buttons = []
    for k, (name, params) in enumerate(families):
        visible = [False] * (per_family * n)
        visible[per_family * k : per_family * (k + 1)] = [True] * per_family
        buttons.append(
            {
                "label": family_label(name, params),
                "method": "update",
                "args": [{"visible": visible}, {"title": {"text": titles[k]}}],
            }
        )
    fig.update_layout(
        title={"text": titles[0]},
        updatemenus=[
            {
                "buttons": buttons,
                "direction": "down",
                "x": 0.0,
                "xanchor": "left",
                "y": 1.17,
                "yanchor": "top",
                "showactive": True,
            }
        ],
        xaxis={"title": {"text": "N (log scale)"}, "type": "log"},
        yaxis={"title": {"text": "N_eff / N"}, "range": [0, 1.02]},
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 110},
        height=500,
        template="plotly_white",
    )
    return fig


def sparsity_figure(families=None, df_grid=None):
    r"""Large-:math:`N` EMP sparsity :math:`1 - (\mathbb E|X|)^2/\mathbb E[X^2]` next to Table 2.

    Left: the sparsity :func:`emp_theory.limits.sparsity.predicted_sparsity` predicts for
    several families (horizontal bars). Right: the Student-t family against its
    degrees of freedom, approaching the Gaussian :math:`1 - 2/\pi` from above, with
    the point where it equals the paper's average EMP-magnitude sparsity of the
    LLaMA models (Table 2, 36.63 %; :func:`emp_theory.limits.sparsity.student_t_df_for_sparsity`).
    Both panels draw that 36.63 % as a dashed line.

    Parameters
    ----------
    families : sequence of (str, dict), optional
        Bars of the left panel; default: every finite-variance family at its
        default parameters.
    df_grid : array_like, optional
        Degrees of freedom of the right panel (all > 2); default 10 to 10,000.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if families is None:
        families = [(n, f.defaults) for n, f in FAMILIES.items() if n != "cauchy"]
    if df_grid is None:
        df_grid = np.geomspace(10.0, 10_000.0, 150)
    df_grid = np.asarray(df_grid, dtype=np.float64)
    labels = [family_label(n, p) for n, p in families]
    sp = [100 * predicted_sparsity(n, **p) for n, p in families]
    t_sp = [100 * predicted_sparsity("student_t", df=float(d)) for d in df_grid]
    gauss = 100 * predicted_sparsity("gaussian")
    paper = 100 * PAPER_TABLE2_EMP_MAGNITUDE_SPARSITY
    df_star = student_t_df_for_sparsity(PAPER_TABLE2_EMP_MAGNITUDE_SPARSITY)

    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.5, 0.5],
        horizontal_spacing=0.2,
        subplot_titles=("families (large-N limit)", "Student-t against its degrees of freedom"),
    )
    fig.add_trace(
        go.Bar(
            y=labels,
            x=sp,
            orientation="h",
            marker_color=KEPT,
            name="predicted sparsity",
            showlegend=False,
            hovertemplate="%{y}: %{x:.2f} %<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=[paper, paper],
            y=[labels[0], labels[-1]],
            mode="lines",
            line={"color": MASS, "dash": "dash"},
            name="LLaMA EMP-magnitude, Table 2: 36.63 %",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(x=df_grid, y=t_sp, mode="lines", line={"color": KEPT}, name="Student-t (df)"),
        row=1,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=[df_grid[0], df_grid[-1]],
            y=[paper, paper],
            mode="lines",
            line={"color": MASS, "dash": "dash"},
            showlegend=False,
            hoverinfo="skip",
        ),
        row=1,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=[df_grid[0], df_grid[-1]],
            y=[gauss, gauss],
            mode="lines",
            line={"color": BOUND, "dash": "dot"},
            name=f"Gaussian 1 − 2/π = {gauss:.2f} %",
        ),
        row=1,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=[df_star],
            y=[paper],
            mode="markers",
            marker={"color": MASS, "size": 10, "symbol": "diamond"},
            name=f"Student-t with df = {df_star:.0f} gives 36.63 %",
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(title_text="EMP sparsity (%)", row=1, col=1, rangemode="tozero")
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_xaxes(title_text="degrees of freedom (log scale)", type="log", row=1, col=2)
    fig.update_yaxes(title_text="EMP sparsity (%)", row=1, col=2)
    fig.update_layout(
        title={"text": "EMP sparsity 1 − N<sub>eff</sub>/N of long random score vectors"},
        height=500,
        legend={"orientation": "h", "y": -0.25},
        template="plotly_white",
        margin={"t": 90, "b": 40, "l": 10},
    )
    return fig


def powerlaw_figure(exponents=(0.25, 0.75, 1.5, 2.0), N_max: int = 10**6, points: int = 25):
    r""":math:`N_{\mathrm{eff}}` of the power-law vector :math:`s_i = i^{-a}` against :math:`N`.

    Log-log axes; the dashed asymptotes are :math:`N(1-2a)/(1-a)^2` for
    :math:`a < 1/2` (``neff_ratio_limit("pareto", alpha=1/a)``) and
    :math:`\zeta(a)^2/\zeta(2a)` for :math:`a > 1`
    (:func:`emp_theory.limits.sampling.powerlaw_neff_limit`, before the floor).

    Parameters
    ----------
    exponents : sequence of float
        Exponents :math:`a > 0`.
    N_max : int, default 10**6
        Largest length.
    points : int, default 25
        Number of log-spaced lengths.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.colors
    import plotly.graph_objects as go

    Ns = np.unique(np.geomspace(2, N_max, points).round().astype(np.int64))
    ranks = np.arange(1, int(Ns[-1]) + 1, dtype=np.float64)
    colors = plotly.colors.qualitative.D3
    fig = go.Figure()
    for k, a in enumerate(exponents):
        s = ranks ** (-float(a))
        ne = [n_eff(s[:n]) for n in Ns]
        c = colors[k % len(colors)]
        fig.add_trace(
            go.Scatter(x=Ns, y=ne, mode="lines+markers", line={"color": c}, name=f"a = {a:g}")
        )
        if a < 0.5:
            r = neff_ratio_limit("pareto", alpha=1.0 / a)
            fig.add_trace(
                go.Scatter(
                    x=Ns,
                    y=r * Ns,
                    mode="lines",
                    line={"color": c, "dash": "dash"},
                    name=f"{r:.3f}·N (a = {a:g})",
                )
            )
        elif a > 1:
            lim = powerlaw_neff_limit(a)
            fig.add_trace(
                go.Scatter(
                    x=[Ns[0], Ns[-1]],
                    y=[lim, lim],
                    mode="lines",
                    line={"color": c, "dash": "dash"},
                    name=f"ζ(a)²/ζ(2a) = {lim:.3f} (a = {a:g})",
                )
            )
    fig.update_layout(
        title={"text": "N<sub>eff</sub> of power-law scores |s<sub>i</sub>| = i<sup>−a</sup>"},
        xaxis={"title": {"text": "N (log scale)"}, "type": "log"},
        yaxis={"title": {"text": "N_eff (log scale)"}, "type": "log"},
        height=480,
        template="plotly_white",
        legend={"orientation": "h", "y": -0.25},
    )
    return fig
