r"""Figure 2 (left) of the paper with an :math:`N` slider: the lower bound on the effective mass.

:func:`lower_bound_figure` draws, against :math:`N_{\mathrm{eff}}`, the lower bound
on the effective mass :math:`s_{\mathrm{eff}}` (Proposition 1, eq. 14, and
Theorem 2, eq. 15, exact and :math:`\approx` forms), the trivial bound
:math:`N_{\mathrm{eff}}/N` (eq. 13), the exact certificate
(:func:`emp_theory.certificate.exact_infimum`) and Monte Carlo samples of the
ordered simplex (:mod:`emp_theory.montecarlo`). :func:`int_grid` and
:func:`certificate_points` choose the plotted :math:`N_{\mathrm{eff}}` (also used
by the matplotlib Figure 2 of :mod:`emp_theory.viz.paper_figures`).

Arguments: ``N`` / ``Ns`` the number of scores (slider values), ``nu`` the shell
index of Proposition 1 / eq. 7 (= :math:`N_{\mathrm{eff}}` on the shell
:math:`A_\nu`, the x-axis). Every plotted value is computed by the library
function named in the trace's legend entry; the figure only samples, rounds
(6 significant digits) and draws.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Proposition 1, Theorem 2 and Figure 2 (left).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .._validation import as_int, as_positive_finite, check_N
from ..bounds import prop1_infimum, theorem2_approx, theorem2_bound, trivial_bound
from ..certificate import exact_infimum
from ._render import LEGEND_BOTTOM_RIGHT, distinct_Ns, sig, slider, slider_active

__all__ = ["certificate_points", "int_grid", "lower_bound_figure"]

_C = {
    "bound": "#1f77b4",
    "approx": "#ff7f0e",
    "trivial": "#7f7f7f",
    "cert": "#d62728",
    "uniform": "rgba(44,160,44,0.35)",
    "umin": "#2ca02c",
    "targeted": "rgba(148,103,189,0.55)",
}


def int_grid(N, max_points) -> np.ndarray:
    r"""Integers of ``[1, N]`` for plotting: all of them if ``N <= max_points``, else a mix.

    For large `N` the union of ``max_points // 2`` geometrically and
    ``max_points // 2`` linearly spaced integers (the curves of Figure 2 bend
    at small :math:`N_{\mathrm{eff}}`), always containing 1, 2, ``N - 1`` and `N`.

    Parameters
    ----------
    N : int
        ``N >= 2``.
    max_points : int
        ``>= 4``.

    Returns
    -------
    numpy.ndarray of int64, strictly increasing.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Figure 2 (left).
    """
    n = check_N(N)
    m = as_int(max_points, "max_points")
    if m < 4:
        raise ValueError(f"`max_points` must be an integer >= 4, got {max_points!r}")
    if n <= m:
        return np.arange(1, n + 1, dtype=np.int64)
    geo = np.geomspace(1, n, m // 2)
    lin = np.linspace(1, n, m // 2)
    pts = np.unique(np.rint(np.concatenate([geo, lin, [1, 2, n - 1, n]])).astype(np.int64))
    return pts[(pts >= 1) & (pts <= n)]


# ---------------------------------------------------------------------------
# Figure 2 (left) with an N slider
# ---------------------------------------------------------------------------
def _monte_carlo_traces(n: int, n_samples: int, n_targeted: int, seed: int, max_cloud: int):
    """Uniform and targeted samples of the ordered simplex (emp_theory.montecarlo).

    Returns the uniform cloud ``(N_eff, kept mass)`` of ``min(max_cloud, n_samples)``
    samples, the per-shell reports of :func:`emp_theory.montecarlo.shells.run` over
    `n_samples` uniform samples, and the targeted cloud (`n_targeted` samples aimed
    at each of about a dozen shells).
    """
    from .. import montecarlo as mc

    uni = mc.sample_uniform(n, min(max_cloud, n_samples), seed=seed)
    cloud = _neff_and_mass(uni)
    reports = mc.run(n, nus=None, n_samples=n_samples, method="uniform", seed=seed)
    rep = [r for r in reports if r.n_in_shell > 0]
    tnus = int_grid(n, 12)
    tnus = tnus[(tnus >= 2) & (tnus <= n - 1)]
    t_nu, t_mass = [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
    for v in tnus.tolist():
        a, b = _neff_and_mass(mc.sample_targeted(n, v, n_targeted, seed=seed + v))
        t_nu.append(a)
        t_mass.append(b)
    return cloud, rep, (np.concatenate(t_nu), np.concatenate(t_mass))


def _neff_and_mass(points):
    from ..simplex import shell_index

    w = np.asarray(points, dtype=float)
    nu = np.atleast_1d(shell_index(w))
    mass = np.take_along_axis(np.cumsum(w, axis=1), (nu - 1)[:, None], axis=1)[:, 0]
    return nu, mass


def certificate_points(N, max_points=24, budget=5e7) -> np.ndarray:
    r"""Values of :math:`\nu` at which to evaluate the exact certificate within a cost budget.

    :func:`emp_theory.certificate.exact_infimum` enumerates about
    :math:`\nu(N-\nu)` edge/sphere candidates per :math:`\nu`. This returns
    :func:`int_grid` ``(N, m)`` for the largest ``m <= max_points`` (but at least 4)
    whose summed cost :math:`\sum\nu(N-\nu)` stays within `budget`.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Proposition 1
           (the certificate checks eq. 14).
    """
    n = check_N(N)
    m = as_int(max_points, "max_points")
    b = as_positive_finite(budget, "budget")
    if m < 4:
        raise ValueError(f"`max_points` must be an integer >= 4, got {max_points!r}")
    while True:
        x = int_grid(n, m)
        if m <= 4 or float(np.sum(x * (n - x), dtype=float)) <= b:
            return x
        m -= 1


def _lower_traces(n, max_points, n_certificate, mc_opts):
    x = int_grid(n, max_points)
    xc = certificate_points(n, n_certificate)
    traces = [
        go.Scatter(
            x=x,
            y=sig(theorem2_bound(x, n)),
            mode="lines",
            line={"color": _C["bound"], "width": 3},
            name="Theorem 2 / Prop. 1, exact (eq. 14-15)",
        ),
        go.Scatter(
            x=x,
            y=sig(theorem2_approx(x, n)),
            mode="lines",
            line={"color": _C["approx"], "width": 2, "dash": "dash"},
            name="Theorem 2, ≈ form (eq. 15)",
        ),
        go.Scatter(
            x=x,
            y=sig(trivial_bound(x, n)),
            mode="lines",
            line={"color": _C["trivial"], "width": 2, "dash": "dot"},
            name="trivial bound N<sub>eff</sub>/N (eq. 13)",
        ),
        go.Scatter(
            x=xc,
            y=sig(exact_infimum(xc, n)),
            mode="markers",
            marker={"color": _C["cert"], "size": 7, "symbol": "circle-open", "line": {"width": 2}},
            name="exact certificate (vertex/edge enumeration)",
        ),
    ]
    if mc_opts is None:
        return traces, {}
    (ux, uy), rep, (tx, ty) = _monte_carlo_traces(n, **mc_opts)
    rep_nu = np.array([r.nu for r in rep], dtype=np.int64)
    rep_min = np.array([r.min_kept_mass for r in rep], dtype=float)
    gaps = np.array([r.gap for r in rep], dtype=float)
    traces += [
        go.Scatter(
            x=ux,
            y=sig(uy),
            mode="markers",
            marker={"color": _C["uniform"], "size": 4},
            name="uniform samples of Δ̃ (kept mass s<sub>eff</sub>)",
        ),
        go.Scatter(
            x=rep_nu,
            y=sig(rep_min),
            mode="lines+markers",
            marker={"color": _C["umin"], "size": 5},
            line={"color": _C["umin"], "width": 1},
            name="min over uniform samples, per ν",
        ),
        go.Scatter(
            x=tx,
            y=sig(ty),
            mode="markers",
            marker={"color": _C["targeted"], "size": 4, "symbol": "diamond"},
            name="targeted samples (near p<sub>ν</sub>)",
        ),
    ]
    t_gap = ty - np.asarray(prop1_infimum(tx, n)) if len(tx) else np.zeros(0)
    info = {
        "uniform_nu_range": (int(rep_nu.min()), int(rep_nu.max())) if len(rep) else None,
        "min_uniform_gap": float(np.min(gaps)) if len(rep) else None,
        "min_targeted_gap": float(np.min(t_gap)) if len(t_gap) else None,
    }
    return traces, info


def _lower_title(n: int, info: dict) -> str:
    s = f"N = {n}: lower bound on s<sub>eff</sub> vs N<sub>eff</sub> (Theorem 2, eq. 15)"
    if info.get("uniform_nu_range"):
        lo, hi = info["uniform_nu_range"]
        s += (
            f"<br>uniform samples: N<sub>eff</sub> in [{lo}, {hi}] only,"
            f" kept mass ≥ {info['min_uniform_gap']:.3g} above the bound"
            f"<br>targeted samples: within {abs(info['min_targeted_gap']):.1e} of the bound"
        )
    return s


def lower_bound_figure(
    Ns=(10, 20, 50, 100, 1000, 10_000),
    *,
    active=1000,
    max_points=400,
    n_certificate=24,
    monte_carlo: bool = True,
    n_samples=2000,
    n_targeted=60,
    max_cloud=600,
    seed=0,
):
    r"""Figure 2 (left) with an :math:`N` slider: the lower bound on :math:`s_{\mathrm{eff}}`.

    For each :math:`N` in `Ns` one frame draws, against :math:`N_{\mathrm{eff}}`,

    * Theorem 2 / Proposition 1 (eq. 14-15), :func:`~emp_theory.bounds.theorem2_bound`:
      :math:`s_{\mathrm{eff}} \ge 1 - \frac{N-N_{\mathrm{eff}}}{N}\big(1 -
      \sqrt{\frac{N-N_{\mathrm{eff}}-1}{(N_{\mathrm{eff}}+1)(N-1)}}\big)`,
    * its :math:`\approx` form, :func:`~emp_theory.bounds.theorem2_approx`,
    * the trivial bound :math:`N_{\mathrm{eff}}/N` (eq. 13),
    * the exact certificate :func:`~emp_theory.certificate.exact_infimum` on at
      most `n_certificate` values of :math:`N_{\mathrm{eff}}` (:math:`O(\nu(N-\nu))`
      each; fewer for large :math:`N`, see :func:`certificate_points`),
    * if `monte_carlo`, the Monte Carlo samples of :mod:`emp_theory.montecarlo`:
      `n_samples` uniform points of :math:`\tilde\Delta` (at most `max_cloud`
      drawn), the per-:math:`\nu` minimum of their kept mass, and `n_targeted`
      targeted samples near :math:`p_\nu` for about a dozen :math:`\nu`.

    Parameters
    ----------
    Ns : sequence of int, default (10, 20, 50, 100, 1000, 10000)
        Slider values (distinct, each ``>= 3``).
    active : int, default 1000
        The :math:`N` shown first (the paper's Figure 2 uses 1000); must be in `Ns`.
    max_points : int, default 400
        Points per curve (see :func:`int_grid`).
    n_certificate : int, default 24
        Points at which the exact certificate is evaluated.
    monte_carlo : bool, default True
    n_samples, n_targeted, max_cloud : int
        Monte Carlo sizes (see above).
    seed : int, default 0

    Returns
    -------
    plotly.graph_objects.Figure
        One frame per :math:`N` (named ``str(N)``) and a slider with one step per frame.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Proposition 1,
           Theorem 2 and Figure 2 (left).
    """
    ns = distinct_Ns(Ns, low=3)
    first = slider_active(active, ns)
    mp = as_int(max_points, "max_points")
    nc = as_int(n_certificate, "n_certificate")
    if nc < 4:
        raise ValueError(f"`n_certificate` must be an integer >= 4, got {n_certificate!r}")
    if not isinstance(monte_carlo, bool):
        raise TypeError("`monte_carlo` must be a bool")
    mc_opts = None
    if monte_carlo:
        mc_opts = {
            "n_samples": as_int(n_samples, "n_samples"),
            "n_targeted": as_int(n_targeted, "n_targeted"),
            "max_cloud": as_int(max_cloud, "max_cloud"),
            "seed": as_int(seed, "seed"),
        }
        for key in ("n_samples", "n_targeted", "max_cloud"):
            if mc_opts[key] < 1:
                raise ValueError(f"`{key}` must be an integer >= 1, got {mc_opts[key]!r}")
    per_n = {n: _lower_traces(n, mp, nc, mc_opts) for n in ns}
    idx = list(range(len(per_n[first][0])))
    frames = [
        go.Frame(
            data=per_n[n][0],
            traces=idx,
            name=str(n),
            layout={
                "title": {"text": _lower_title(n, per_n[n][1])},
                "xaxis": {"range": [0, n * 1.02]},
            },
        )
        for n in ns
    ]
    fig = go.Figure(data=per_n[first][0], frames=frames)
    fig.update_layout(
        title={"text": _lower_title(first, per_n[first][1]), "font": {"size": 14}},
        xaxis={"title": {"text": "N<sub>eff</sub>"}, "range": [0, first * 1.02]},
        yaxis={"title": {"text": "effective mass s<sub>eff</sub>"}, "range": [0, 1.03]},
        sliders=[slider(ns, ns.index(first), "N = ")],
        legend=LEGEND_BOTTOM_RIGHT,
        margin={"t": 110},
        height=620,
        template="plotly_white",
    )
    return fig
