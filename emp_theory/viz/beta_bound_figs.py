r"""The generalized (:math:`\beta`) bound with a :math:`\beta` slider.

:func:`beta_bound_figure` draws the kept mass guaranteed when EMP keeps
:math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)` entries
(Algorithm 1 line 3; :func:`emp_theory.certificate.beta_bound`) next to the
:math:`\beta = 1` curve (Theorem 2, eq. 15) and next to the invalid "substitute
:math:`k` into Proposition 1" curve.

Arguments: ``N`` the number of scores, ``betas`` the slider values of the paper's
:math:`\beta`; ``k`` is always the number of kept entries, :math:`N_{\mathrm{eff}}`
the x-axis.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Proposition 1 and Algorithm 1.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .._validation import as_int, as_positive_finite, check_N
from ..bounds import prop1_infimum, theorem2_bound
from ..certificate import beta_bound
from ..effective import keep_count
from ._render import sig, slider, slider_active
from .claims import substitution_excess
from .lower_bound_figs import int_grid

__all__ = ["beta_bound_figure"]

_C = {"bound": "#1f77b4", "beta": "#d62728", "subst": "#8c564b"}
#: Up to this N the title's largest difference is taken over every N_eff = 1..N.
_FULL_GRID = 2000


def _beta_frame(beta: float, x: np.ndarray, n: int):
    k = np.array([keep_count(beta=beta, n_eff=int(v), N=n) for v in x])
    guaranteed = np.asarray(beta_bound(beta, x, n), dtype=float)
    substituted = np.asarray(prop1_infimum(k, n), dtype=float)
    over = substituted - guaranteed
    traces = [
        go.Scatter(
            x=x,
            y=sig(guaranteed),
            mode="lines+markers",
            marker={"size": 5},
            line={"color": _C["beta"], "width": 3},
            name="guarantee m<sub>k</sub>(N<sub>eff</sub>, N), k = ⌊β N<sub>eff</sub>⌋ (beta_bound)",
            customdata=k,
            hovertemplate="N<sub>eff</sub> = %{x}, k = %{customdata}: %{y}<extra></extra>",
        ),
        go.Scatter(
            x=x,
            y=sig(substituted),
            mode="lines",
            line={"color": _C["subst"], "width": 2, "dash": "dash"},
            name="eq. 14 with ν := k (not a bound for β < 1)",
            customdata=k,
            hovertemplate="N<sub>eff</sub> = %{x}, k = %{customdata}: %{y}<extra></extra>",
        ),
    ]
    where = "on the plotted N<sub>eff</sub>"
    if n <= _FULL_GRID:  # the maximum over every N_eff, as the book's text quotes it
        x, over = substitution_excess(beta, n)
        where = "over all N<sub>eff</sub>"
    worst = float(np.max(over))
    if float(np.max(np.abs(over))) <= 1e-12:
        note = (
            "eq. 14 with ν := k coincides with the guarantee (k = N<sub>eff</sub>: Proposition 1)"
        )
    elif worst > 1e-12:
        note = (
            f"eq. 14 with ν := k overstates the guarantee by up to {worst:.3f}"
            f" (at N<sub>eff</sub> = {int(x[np.argmax(over)])}, {where}; invalid)"
        )
    else:
        note = (
            f"eq. 14 with ν := k understates it by up to {float(-np.min(over)):.3f}"
            f" (at N<sub>eff</sub> = {int(x[np.argmin(over)])}, {where})"
        )
    title = (
        f"N = {n}, β = {beta:g}: kept mass guaranteed when EMP keeps k = ⌊β N<sub>eff</sub>⌋"
        f" entries<br>{note}"
    )
    return traces, title


def beta_bound_figure(
    N=1000, betas=(0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0), *, active=1.0, n_points=40
):
    r"""The generalized (β) bound with a β slider, next to :math:`\beta = 1` and to the substituted formula.

    For every :math:`\beta` in `betas` one frame draws, against
    :math:`N_{\mathrm{eff}}` on `n_points` integers (see :func:`.int_grid`),

    * the guarantee :math:`m_k(N_{\mathrm{eff}}, N) = \min_{\omega\in\overline{A_{N_{\mathrm{eff}}}}}
      \sum_{i\le k}\omega_i` for :math:`k = \mathrm{clip}(\lfloor\beta
      N_{\mathrm{eff}}\rfloor, 1, N)` (:func:`~emp_theory.certificate.beta_bound`),
    * "substitute :math:`k` into Proposition 1":
      :func:`~emp_theory.bounds.prop1_infimum` at :math:`\nu = k`, which bounds a
      different shell and overstates the guarantee for :math:`\beta < 1`;

    and the :math:`\beta = 1` curve (:func:`~emp_theory.bounds.theorem2_bound`, eq.
    15) stays in every frame. The title states the largest difference between
    the two frame curves and where it occurs: over every :math:`N_{\mathrm{eff}} = 1,
    \dots, N` (:func:`~emp_theory.viz.claims.substitution_excess`) for
    :math:`N \le 2000`, else over the plotted values.

    Parameters
    ----------
    N : int, default 1000
        ``N >= 3``.
    betas : sequence of float, default (0.25, 0.5, 0.75, 1, 1.25, 1.5, 2)
        Distinct positive slider values.
    active : float, default 1.0
        The β shown first; must be in `betas`.
    n_points : int, default 40
        Number of :math:`N_{\mathrm{eff}}` values (each costs one exact enumeration).

    Returns
    -------
    plotly.graph_objects.Figure
        One frame per β (named ``f"{beta:g}"``) and a slider with one step per frame.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Proposition 1 and Algorithm 1.
    """
    n = check_N(N)
    if n < 3:
        raise ValueError(f"`N` must be an integer >= 3, got {N!r}")
    if isinstance(betas, str | bytes) or np.ndim(betas) != 1 or len(betas) == 0:
        raise ValueError("`betas` must be a non-empty sequence of positive numbers")
    bs = [as_positive_finite(b, "betas") for b in betas]
    if len({round(b, 12) for b in bs}) != len(bs):
        raise ValueError("`betas` must not repeat a value")
    first = slider_active(active, bs)
    x = int_grid(n, as_int(n_points, "n_points"))
    base = go.Scatter(
        x=x,
        y=sig(theorem2_bound(x, n)),
        mode="lines",
        line={"color": _C["bound"], "width": 2},
        name="β = 1: Theorem 2 / Prop. 1 (eq. 14-15)",
    )
    per_b = {b: _beta_frame(b, x, n) for b in bs}
    labels = [f"{b:g}" for b in bs]
    frames = [
        go.Frame(data=per_b[b][0], traces=[1, 2], name=lab, layout={"title": {"text": per_b[b][1]}})
        for b, lab in zip(bs, labels, strict=True)
    ]
    fig = go.Figure(data=[base, *per_b[first][0]], frames=frames)
    fig.update_layout(
        title={"text": per_b[first][1], "font": {"size": 14}},
        xaxis={"title": {"text": "N<sub>eff</sub>"}, "range": [0, n * 1.02]},
        yaxis={"title": {"text": "kept mass of the k largest weights"}, "range": [0, 1.03]},
        sliders=[slider(labels, bs.index(first), "β = ")],
        # above the plot: for small β the guarantee runs low on the right, where a
        # legend inside the plot would cover it
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font": {"size": 10}},
        margin={"t": 130},
        height=620,
        template="plotly_white",
    )
    return fig
