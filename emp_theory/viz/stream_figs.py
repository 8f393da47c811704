r"""Plotly figures of streamed EMP (the book's "Checkpoints larger than memory" chapter).

Every number drawn comes from :func:`emp_theory.streaming.driver.magnitude_histogram` or a
:func:`emp_theory.streaming.driver.prune_safetensors` report; this module only lays them
out. Display with :func:`emp_theory.viz.show`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       eq. (2) and Algorithm 1.
"""

from __future__ import annotations

import numpy as np

__all__ = ["kept_fraction_figure", "tensor_sparsity_figure"]


def _check_hist(hist) -> tuple[np.ndarray, np.ndarray]:
    try:
        values = np.asarray(hist["values"], dtype=np.float64)
        counts = np.asarray(hist["counts"], dtype=np.int64)
    except (KeyError, TypeError):
        raise ValueError("`hist` must be a magnitude_histogram() result") from None
    if values.ndim != 1 or values.shape != counts.shape or values.size == 0:
        raise ValueError("`hist` must hold equal-length, non-empty `values` and `counts`")
    return values, counts


def kept_fraction_figure(hist, report):
    r"""Share of entries and of magnitude mass at or above each magnitude, with EMP's cut.

    From the exact histogram (:math:`c_k` entries of magnitude :math:`v_k`) draws,
    for every magnitude :math:`t` present,

    .. math::

        K(t) = \frac{1}{N} \sum_{v_k \ge t} c_k, \qquad
        M(t) = \frac{\sum_{v_k \ge t} c_k v_k}{\sum_k c_k v_k},

    the share of entries and of :math:`\ell_1` mass a magnitude threshold
    :math:`t` would keep, on a logarithmic magnitude axis, and marks the report's
    threshold (the :math:`\nu`-th largest magnitude) and :math:`\nu/N`.

    Parameters
    ----------
    hist : dict
        :func:`emp_theory.streaming.driver.magnitude_histogram` output.
    report : dict
        :func:`emp_theory.streaming.driver.prune_safetensors` report of the same
        checkpoint, global scope.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    values, counts = _check_hist(hist)
    if not isinstance(report, dict) or report.get("scope") != "global":
        raise ValueError("`report` must be a global-scope prune_safetensors() report")
    if report["N"] != int(counts.sum()):
        raise ValueError("`report` and `hist` describe different checkpoints (N differs)")
    pos = values > 0
    v, c = values[pos], counts[pos]
    n_above = np.cumsum(c[::-1])[::-1]  # entries with magnitude >= v
    mass = c * v
    m_above = np.cumsum(mass[::-1])[::-1] / mass.sum()
    N = report["N"]
    t, nu = report["threshold"], report["k"]
    fig = go.Figure()
    curves = (
        (n_above / N, "entries kept K(t)", "entries", "#1f77b4"),
        (m_above, "ℓ1 mass kept M(t)", "mass", "#ff7f0e"),
    )
    for share, name, what, color in curves:
        fig.add_trace(
            go.Scatter(
                x=v,
                y=100.0 * share,
                mode="lines",
                name=name,
                line={"color": color},
                hovertemplate=f"t = %{{x:.4g}}<br>{what} with |w| ≥ t: %{{y:.2f}}%<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[t],
            y=[100.0 * nu / N],
            mode="markers",
            name=f"EMP: ν = {nu:,} of N = {N:,}",
            marker={"color": "#d62728", "size": 10, "symbol": "x"},
            hovertemplate="threshold %{x:.4g}<br>kept %{y:.2f}%<extra></extra>",
        )
    )
    fig.add_vline(x=t, line={"color": "#d62728", "dash": "dot", "width": 1.5})
    fig.update_layout(
        template="plotly_white",
        title={"text": "Share of the entries and of the mass kept by a threshold t"},
        xaxis={"title": "magnitude threshold t", "type": "log"},
        yaxis={"title": "kept (%)", "range": [0, 101]},
        legend={"x": 0.01, "y": 0.02, "xanchor": "left", "yanchor": "bottom"},
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        height=420,
    )
    return fig


def tensor_sparsity_figure(reports: dict):
    """Per-tensor sparsity of several ``prune_safetensors`` runs, as grouped bars.

    Parameters
    ----------
    reports : dict
        Label -> report of the same checkpoint (e.g. ``{"global": ..., "layer": ...}``).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    if not isinstance(reports, dict) or not reports:
        raise ValueError("`reports` must be a non-empty dict of prune_safetensors() reports")
    names = None
    fig = go.Figure()
    for label, rep in reports.items():
        rows = [r for r in rep["tensors"] if r["pruned"]]
        these = [f"{r['shard']}:{r['name']}" for r in rows]
        if names is None:
            names = these
        elif these != names:
            raise ValueError("`reports` must describe the same pruned tensors")
        fig.add_trace(
            go.Bar(
                x=[r["name"] for r in rows],
                y=[100.0 * r["sparsity"] for r in rows],
                name=f"{label} (overall {100.0 * rep['sparsity']:.1f}%)",
                customdata=[[r["N"], r["kept"]] for r in rows],
                hovertemplate=(
                    "%{x}<br>pruned %{y:.2f}%<br>kept %{customdata[1]:,} of "
                    "%{customdata[0]:,}<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        template="plotly_white",
        title={"text": "Sparsity of each tensor, per run"},
        barmode="group",
        xaxis={"title": "tensor"},
        yaxis={"title": "entries pruned (%)"},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        margin={"l": 60, "r": 20, "t": 90, "b": 60},
        height=420,
    )
    return fig
