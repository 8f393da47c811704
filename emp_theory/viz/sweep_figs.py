r"""Figures of the :math:`\beta`-sweep (Figure 3 of the paper) and of the per-layer :math:`N_{\mathrm{eff}}/N`.

* :func:`figure3` -- interactive plotly version of Figure 3: test accuracy of the
  EMP-pruned models against :math:`\beta`, one line per model, dataset and scope;
  a drop-down selects the criterion and a second one the quantity plotted (pruned
  accuracy, change of accuracy, sparsity). All traces are precomputed, so the
  menus work in the static book without a kernel.
* :func:`layer_ratio_figure` -- :math:`N_{\mathrm{eff}}/N` of every layer's own
  scores, one line per model, with a criterion drop-down.
* :func:`figure3_matplotlib` -- the same accuracy-vs-β plot as a static matplotlib
  figure (``emp-theory sweep --plot out.png``).

The inputs are sweep results as plain dictionaries
(:meth:`emp_theory.pruning.sweep_result.SweepResult.as_dict`, or the ``results`` list of
``emp-theory sweep --json``) or objects with an ``as_dict()`` method; this module
never imports torch. Line style follows the paper: MNIST solid, Fashion-MNIST
dashed (digits dotted).

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Figure 3 and Table 4.
"""

from __future__ import annotations

__all__ = ["figure3", "figure3_matplotlib", "layer_ratio_figure", "sweep_lines"]

_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]
_DASH = {"mnist": "solid", "fashion-mnist": "dash", "digits": "dot"}
_MPL_DASH = {"mnist": "-", "fashion-mnist": "--", "digits": ":"}
_SYMBOL = {"global": "circle", "block": "square", "row": "diamond"}
_MPL_MARK = {"global": "o", "block": "s", "row": "D"}
_METRICS = {
    "acc": ("pruned accuracy (%)", lambda r: 100.0 * r["acc"]),
    "delta": ("Δ accuracy (pp)", lambda r: 100.0 * (r["acc"] - r["dense_acc"])),
    "sparsity": ("sparsity (%)", lambda r: 100.0 * r["sparsity"]),
}


def _as_dicts(results) -> list[dict]:
    if isinstance(results, dict) and "results" in results:
        results = results["results"]
    if isinstance(results, dict) or hasattr(results, "as_dict"):
        results = [results]
    out = []
    for r in results:
        d = r.as_dict() if hasattr(r, "as_dict") else r
        if not isinstance(d, dict) or "rows" not in d:
            raise TypeError("`results` must be sweep results (dicts with 'rows' or SweepResult)")
        out.append(d)
    if not out:
        raise ValueError("`results` must not be empty")
    return out


def sweep_lines(results) -> list[dict]:
    """One entry per (model, dataset, scope, criterion): sorted betas and the metrics.

    Returns
    -------
    list of dict
        Keys ``model, dataset, scope, criterion, beta`` (list), ``acc``, ``delta``,
        ``sparsity`` (lists, in percent / percentage points), ``dense_acc`` (percent)
        and ``no_pruning`` (list of bool: ``nu`` clipped at ``N`` everywhere).
    """
    lines: dict[tuple, list] = {}
    for res in _as_dicts(results):
        for r in res["rows"]:
            if r["kind"] != "emp":
                continue
            key = (r["model"], r["dataset"], r["scope"], r["criterion"])
            lines.setdefault(key, []).append(r)
    out = []
    for (model, dataset, scope, crit), rows in lines.items():
        rows = sorted(rows, key=lambda r: r["beta"])
        entry = {
            "model": model,
            "dataset": dataset,
            "scope": scope,
            "criterion": crit,
            "beta": [r["beta"] for r in rows],
            "dense_acc": 100.0 * rows[0]["dense_acc"],
            "no_pruning": [bool(r["no_pruning"]) for r in rows],
        }
        for m, (_, fn) in _METRICS.items():
            entry[m] = [fn(r) for r in rows]
        out.append(entry)
    return out


def _color_map(lines):
    models = sorted({ln["model"] for ln in lines}, key=lambda m: (len(m), m))
    return {m: _COLORS[i % len(_COLORS)] for i, m in enumerate(models)}


def figure3(results, *, title: str | None = None, metric: str = "acc"):
    """Interactive Figure 3: the chosen metric against β for every model/dataset/scope.

    Parameters
    ----------
    results : dict, SweepResult or a list of them
    title : str, optional
    metric : {"acc", "delta", "sparsity"}, default "acc"
        Quantity shown first (the second drop-down switches it).

    Returns
    -------
    plotly.graph_objects.Figure
        Traces named ``"<model> <dataset> <scope>"``; points where nothing was
        pruned (ν clipped at N) have open markers. A criterion drop-down (first
        menu) and a metric drop-down (second menu).
    """
    import plotly.graph_objects as go

    if metric not in _METRICS:
        raise ValueError(f"`metric` must be one of {', '.join(_METRICS)}, got {metric!r}")
    lines = sweep_lines(results)
    crits = list(dict.fromkeys(ln["criterion"] for ln in lines))
    colors = _color_map(lines)
    fig = go.Figure()
    for ln in lines:
        symbols = [
            _SYMBOL.get(ln["scope"], "circle") + ("-open" if n else "") for n in ln["no_pruning"]
        ]
        fig.add_trace(
            go.Scatter(
                x=ln["beta"],
                y=ln[metric],
                mode="lines+markers",
                name=f"{ln['model']} {ln['dataset']} {ln['scope']}",
                legendgroup=ln["model"],
                visible=ln["criterion"] == crits[0],
                line={"color": colors[ln["model"]], "dash": _DASH.get(ln["dataset"], "solid")},
                marker={"symbol": symbols, "size": 8},
                customdata=[
                    [a, d, s, "no pruning (ν = N)" if n else ""]
                    for a, d, s, n in zip(
                        ln["acc"], ln["delta"], ln["sparsity"], ln["no_pruning"], strict=True
                    )
                ],
                hovertemplate=(
                    f"{ln['model']} · {ln['dataset']} · {ln['scope']} · {ln['criterion']}<br>"
                    "β = %{x}<br>accuracy %{customdata[0]:.2f}% (Δ %{customdata[1]:+.2f} pp)"
                    "<br>sparsity %{customdata[2]:.2f}%<br>%{customdata[3]}<extra></extra>"
                ),
            )
        )
    vis_buttons = [
        {
            "label": c,
            "method": "restyle",
            "args": [{"visible": [ln["criterion"] == c for ln in lines]}],
        }
        for c in crits
    ]
    metric_buttons = [
        {
            "label": label,
            "method": "update",
            "args": [{"y": [ln[m] for ln in lines]}, {"yaxis.title.text": label}],
        }
        for m, (label, _) in _METRICS.items()
    ]
    order = list(_METRICS)
    fig.update_layout(
        title={
            "text": title or "Figure 3: EMP-pruned models across β",
            "y": 0.98,
            "yanchor": "top",
        },
        xaxis={"title": {"text": "β"}, "tickvals": sorted({b for ln in lines for b in ln["beta"]})},
        yaxis={"title": {"text": _METRICS[metric][0]}},
        updatemenus=[
            {
                "buttons": vis_buttons,
                "direction": "down",
                "x": 0.0,
                "xanchor": "left",
                "y": 1.04,
                "yanchor": "bottom",
                "showactive": True,
                "active": 0,
            },
            {
                "buttons": metric_buttons,
                "direction": "down",
                "x": 0.32,
                "xanchor": "left",
                "y": 1.04,
                "yanchor": "bottom",
                "showactive": True,
                "active": order.index(metric),
            },
        ],
        margin={"t": 120},
        legend={"title": {"text": "model dataset scope"}},
        template="plotly_white",
        height=480,
    )
    return fig


def layer_ratio_figure(results, *, title: str | None = None):
    """:math:`N_{\\mathrm{eff}}/N` of each layer's own scores, one line per model and dataset.

    The ratio of a layer does not depend on β or on the scope; it is read from the
    sweep's EMP rows (the first one per model, dataset and criterion). A drop-down
    selects the criterion.

    Returns
    -------
    plotly.graph_objects.Figure
        x: layer index (1 = input layer), y: :math:`N_{\\mathrm{eff}}/N`; hover shows
        the layer's name, N and N_eff.
    """
    import plotly.graph_objects as go

    seen = {}
    for res in _as_dicts(results):
        for r in res["rows"]:
            if r["kind"] != "emp" or r["scope"] == "row":
                continue
            key = (r["model"], r["dataset"], r["criterion"])
            seen.setdefault(key, r)
    if not seen:
        raise ValueError("`results` hold no global or block EMP rows")
    crits = list(dict.fromkeys(k[2] for k in seen))
    colors = _color_map([{"model": k[0]} for k in seen])
    fig = go.Figure()
    keys = list(seen)
    for model, dataset, crit in keys:
        layers = seen[(model, dataset, crit)]["layers"]
        fig.add_trace(
            go.Scatter(
                x=list(range(1, len(layers) + 1)),
                y=[layer["ratio"] for layer in layers],
                mode="lines+markers",
                name=f"{model} {dataset}",
                visible=crit == crits[0],
                line={"color": colors[model], "dash": _DASH.get(dataset, "solid")},
                customdata=[[la["name"], la["N"], la["n_eff"]] for la in layers],
                hovertemplate=(
                    "%{customdata[0]}: N = %{customdata[1]}, N_eff = %{customdata[2]}"
                    "<br>N_eff/N = %{y:.3f}<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        title={"text": title or "N_eff/N of each layer's scores", "y": 0.98, "yanchor": "top"},
        xaxis={"title": {"text": "layer"}, "dtick": 1},
        yaxis={"title": {"text": "N_eff / N"}, "range": [0, 1]},
        updatemenus=[
            {
                "buttons": [
                    {
                        "label": c,
                        "method": "restyle",
                        "args": [{"visible": [k[2] == c for k in keys]}],
                    }
                    for c in crits
                ],
                "direction": "down",
                "x": 0.0,
                "xanchor": "left",
                "y": 1.04,
                "yanchor": "bottom",
                "active": 0,
            }
        ],
        margin={"t": 120},
        template="plotly_white",
        height=420,
    )
    return fig


def figure3_matplotlib(results, path=None, *, metric: str = "acc"):
    """Static Figure 3: one panel per criterion, the metric against β, lines per model/dataset/scope.

    Parameters
    ----------
    results : dict, SweepResult or a list of them
    path : str or os.PathLike, optional
        If given, the figure is saved there (format from the suffix, e.g. ``.png``).
    metric : {"acc", "delta", "sparsity"}

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if metric not in _METRICS:
        raise ValueError(f"`metric` must be one of {', '.join(_METRICS)}, got {metric!r}")
    lines = sweep_lines(results)
    crits = list(dict.fromkeys(ln["criterion"] for ln in lines))
    colors = _color_map(lines)
    n = len(crits)
    fig, axes = plt.subplots(
        1, n, figsize=(max(6.0, 4.2 * n), 3.8), squeeze=False, sharey=metric == "acc"
    )
    for ax, crit in zip(axes[0], crits, strict=True):
        for ln in lines:
            if ln["criterion"] != crit:
                continue
            ax.plot(
                ln["beta"],
                ln[metric],
                linestyle=_MPL_DASH.get(ln["dataset"], "-"),
                marker=_MPL_MARK.get(ln["scope"], "o"),
                color=colors[ln["model"]],
                label=f"{ln['model']} {ln['dataset']} {ln['scope']}",
            )
        ax.set_title(crit)
        ax.set_xlabel("β")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(_METRICS[metric][0])
    axes[0][-1].legend(fontsize=7, loc="best")
    fig.suptitle("EMP-pruned models across β (cf. Figure 3 of Wang et al.)", fontsize=10)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
        plt.close(fig)
    return fig
