"""Plotly figures of EMP on all-MiniLM-L6-v2 (the book's "EMP on a Transformer" chapter).

Every number drawn comes from a :func:`emp_theory.experiments.transformer.run.run_experiment`
result; this module only lays it out. All views are precomputed traces switched
by plotly buttons, so the figures work offline in the static book. Display with
:func:`emp_theory.viz.show`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 5.3 and Table 2.
"""

from __future__ import annotations

import numpy as np

from ..experiments.transformer import LINEAR_KINDS, PAPER_TABLE2

__all__ = ["head_figure", "per_layer_figure", "quality_figure"]

_KIND_COLORS = dict(
    zip(
        LINEAR_KINDS,
        ("#1f77b4", "#aec7e8", "#17becf", "#ff7f0e", "#2ca02c", "#d62728"),
        strict=True,
    )
)
_PAPER = "#7f7f7f"
_OURS = "#000000"
#: One colour per run of the quality figure: far apart in hue and lightness (Tableau 10
#: and three darker shades), so that no two runs look alike.
_RUN_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#000000",
)


def _methods(results) -> list[dict]:
    try:
        return list(results["methods"])
    except (KeyError, TypeError):
        raise ValueError("`results` must be a run_experiment() result") from None


def _hline(y: float, color: str, dash: str) -> dict:
    """A horizontal line across the plot at ``y`` (a layout shape)."""
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": y,
        "y1": y,
        "line": {"color": color, "dash": dash, "width": 1.5},
    }


def _line_key(lines: list[str]) -> dict:
    """The key of the horizontal lines: one annotation above the plot, right-aligned."""
    return {
        "xref": "paper",
        "x": 1.0,
        "xanchor": "right",
        "yref": "paper",
        "y": 1.01,
        "yanchor": "bottom",
        "align": "right",
        "text": "<br>".join(lines),
        "showarrow": False,
        "font": {"size": 11},
    }


def per_layer_figure(results):
    """Per-layer sparsity of every pruning run, one view per run (dropdown).

    Unstructured runs: one bar per linear map of each layer (query, key, value,
    attention output, FFN in, FFN out), height = share of its weights pruned, with
    the run's overall sparsity and the paper's Table 2 average of the matching
    method as horizontal lines. Head runs: one bar per layer, height = share of the
    layer's heads removed (:math:`1 - \\nu/N` per layer, or the global selection's
    share in that layer).

    Parameters
    ----------
    results : dict
        :func:`emp_theory.experiments.transformer.run.run_experiment` output.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    runs = [m for m in _methods(results) if m["kind"] != "dense"]
    if not runs:
        raise ValueError("`results` holds no pruning runs")
    fig = go.Figure()
    views = []  # (label, trace indices, shapes, annotations, y title)
    for m in runs:
        start = len(fig.data)
        if m["kind"] == "unstructured":
            for kind in LINEAR_KINDS:
                rows = sorted(
                    (r for r in m["layers"] if r["kind"] == kind), key=lambda r: r["layer"]
                )
                fig.add_trace(
                    go.Bar(
                        x=[r["layer"] for r in rows],
                        y=[100.0 * r["sparsity"] for r in rows],
                        name=kind,
                        marker_color=_KIND_COLORS[kind],
                        visible=False,
                        customdata=[[r["N"], r["kept"]] for r in rows],
                        hovertemplate=(
                            f"layer %{{x}} {kind}<br>pruned %{{y:.2f}}%<br>"
                            "kept %{customdata[1]} of %{customdata[0]}<extra></extra>"
                        ),
                    )
                )
            ytitle = "weights pruned (%)"
        else:
            rows = sorted(m["layers"], key=lambda r: r["layer"])
            fig.add_trace(
                go.Bar(
                    x=[r["layer"] for r in rows],
                    y=[100.0 * (1.0 - r["kept"] / r["N"]) for r in rows],
                    name="heads",
                    marker_color="#9467bd",
                    visible=False,
                    customdata=[[r["N"], r["kept"]] for r in rows],
                    hovertemplate=(
                        "layer %{x}<br>heads removed %{y:.1f}%<br>"
                        "kept %{customdata[1]} of %{customdata[0]}<extra></extra>"
                    ),
                )
            )
            ytitle = "heads removed (%)"
        idx = list(range(start, len(fig.data)))
        shapes = [_hline(100.0 * m["sparsity"], _OURS, "solid")]
        key = [f'<span style="color:{_OURS}">━━ this run: {100 * m["sparsity"]:.2f}%</span>']
        paper_key = _paper_key(m)
        if paper_key is not None:
            y = PAPER_TABLE2[paper_key][0]
            shapes.append(_hline(y, _PAPER, "dash"))
            key.append(
                f'<span style="color:{_PAPER}">╍╍ paper Table 2, {paper_key}: {y:.2f}%</span>'
            )
        views.append((m["name"], idx, shapes, [_line_key(key)], ytitle))
    n = len(fig.data)
    buttons = []
    for label, idx, shapes, anns, ytitle in views:
        vis = [i in idx for i in range(n)]
        buttons.append(
            {
                "label": label,
                "method": "update",
                "args": [
                    {"visible": vis},
                    {"shapes": shapes, "annotations": anns, "yaxis.title.text": ytitle},
                ],
            }
        )
    first = views[0]
    for i in first[1]:
        fig.data[i].visible = True
    fig.update_layout(
        template="plotly_white",
        title={"text": "Share pruned per layer (choose a run in the menu)", "y": 0.97},
        barmode="group",
        shapes=first[2],
        annotations=first[3],
        xaxis={"title": "layer", "dtick": 1},
        yaxis={"title": first[4], "range": [0, 100]},
        legend={"title": "linear map"},
        updatemenus=[
            {
                "buttons": buttons,
                "direction": "down",
                "x": 0.0,
                "xanchor": "left",
                "y": 1.01,
                "yanchor": "bottom",
            }
        ],
        margin={"t": 110},
        height=480,
    )
    return fig


def _paper_key(m) -> str | None:
    if m["kind"] != "unstructured" or m["criterion"] is None:
        return None
    base = "Wanda" if m["criterion"] == "wanda" else "Magnitude"
    return f"EMP-{base}" if m["rule"] == "emp" else base


def head_figure(results):
    """Head importance (layers x heads) with the heads EMP removes, per layer or globally (buttons).

    The heat map is :math:`I_{l,h}` (:func:`emp_theory.experiments.transformer.calibrate.head_importance`);
    crosses mark the removed heads of the selected scope.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    try:
        imp = np.asarray(results["heads"]["importance"], dtype=float)
        masks = {k: np.asarray(v, dtype=bool) for k, v in results["heads"]["masks"].items()}
    except (KeyError, TypeError):
        raise ValueError("`results` must be a run_experiment() result") from None
    n_layers, n_heads = imp.shape
    fig = go.Figure(
        go.Heatmap(
            z=imp,
            x=list(range(n_heads)),
            y=list(range(n_layers)),
            colorscale="Viridis",
            colorbar={"title": "I (L2 norm)"},
            hovertemplate="layer %{y}, head %{x}<br>I = %{z:.1f}<extra></extra>",
        )
    )
    scopes = list(masks)
    for j, scope in enumerate(scopes):
        ly, hd = np.nonzero(~masks[scope])
        fig.add_trace(
            go.Scatter(
                x=hd.tolist(),
                y=ly.tolist(),
                mode="markers",
                marker={"symbol": "x", "size": 14, "color": "white", "line": {"width": 2}},
                name=f"removed ({scope})",
                visible=j == 0,
                hovertemplate="removed: layer %{y}, head %{x}<extra></extra>",
            )
        )
    buttons = []
    for j, scope in enumerate(scopes):
        vis = [True] + [k == j for k in range(len(scopes))]
        removed = int((~masks[scope]).sum())
        buttons.append(
            {
                "label": f"EMP {scope}: {removed} of {imp.size} removed",
                "method": "update",
                "args": [{"visible": vis}],
            }
        )
    fig.update_layout(
        template="plotly_white",
        title={"text": "Head importance I<sub>l,h</sub>; × marks the heads EMP removes", "y": 0.97},
        xaxis={"title": "head", "dtick": 1},
        yaxis={"title": "layer", "dtick": 1, "autorange": "reversed"},
        updatemenus=[
            {
                "type": "buttons",
                "direction": "right",
                "buttons": buttons,
                "x": 0.0,
                "y": 1.02,
                "xanchor": "left",
                "yanchor": "bottom",
            }
        ],
        showlegend=False,
        margin={"t": 110},
        height=440,
    )
    return fig


def quality_figure(results):
    """Sparsity against quality for every run: mean cosine to dense and Spearman (two panels).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    runs = _methods(results)
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("mean cosine to dense", "Spearman vs gold"),
        horizontal_spacing=0.12,
    )
    symbols = {"dense": "star", "unstructured": "circle", "heads": "diamond"}
    for i, m in enumerate(runs):
        color = _RUN_COLORS[i % len(_RUN_COLORS)]
        for col, key in ((1, "mean_cosine"), (2, "spearman")):
            fig.add_trace(
                go.Scatter(
                    x=[100.0 * m["sparsity"]],
                    y=[m[key]],
                    mode="markers",
                    marker={
                        "size": 11,
                        "symbol": symbols.get(m["kind"], "circle"),
                        "color": color,
                    },
                    name=m["name"],
                    legendgroup=m["name"],
                    showlegend=col == 1,
                    hovertemplate=(
                        f"{m['name']}<br>sparsity %{{x:.2f}}% "
                        f"({'heads' if m['kind'] == 'heads' else 'weights'})<br>"
                        f"{key} %{{y:.4f}}<extra></extra>"
                    ),
                ),
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text="sparsity (%)")
    fig.update_layout(
        template="plotly_white",
        title={"text": "Sparsity against quality, every run"},
        height=560,
        legend={"font": {"size": 10}, "orientation": "h", "y": -0.25, "x": 0},
        margin={"t": 80, "b": 40},
    )
    return fig
