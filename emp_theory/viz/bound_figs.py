r"""Interactive figures of the bounds: Figure 2 of the paper with N and β sliders.

* :func:`lower_bound_figure` -- Figure 2 (left): the lower bound on the effective
  mass :math:`s_{\mathrm{eff}}` against :math:`N_{\mathrm{eff}}` (Proposition 1,
  eq. 14, and Theorem 2, eq. 15, exact and :math:`\approx` forms), the trivial
  bound :math:`N_{\mathrm{eff}}/N` (eq. 13), the exact certificate
  (:func:`emp_theory.certificate.exact_infimum`) and Monte Carlo samples of the
  ordered simplex (:mod:`emp_theory.montecarlo`), with an :math:`N` slider.
* :func:`beta_bound_figure` -- the guarantee when EMP keeps
  :math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)` entries
  (:func:`emp_theory.certificate.beta_bound`) next to :math:`\beta = 1` and next to
  the invalid "substitute :math:`k` into Proposition 1" curve, with a β slider.
* :func:`loss_bound_figure` -- Figure 2 (right): the normalized loss bound
  :math:`\epsilon/(\|\theta^*\|_1^2\mathrm{Tr}(H))` of eq. 18
  (:func:`emp_theory.bounds.normalized_loss_bound`) against
  :math:`\rho = N_{\mathrm{eff}}/N`, on a linear and on a log y-axis, with an
  :math:`N` slider.

Every plotted value is computed by the library function named in the trace's
legend entry; the figures only sample, round (6 significant digits) and draw.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Sections 4.2-4.3 and Figure 2.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .._validation import as_int, as_positive_finite, check_N
from ..bounds import (
    normalized_loss_bound,
    prop1_infimum,
    theorem2_approx,
    theorem2_bound,
    trivial_bound,
)
from ..certificate import beta_bound, exact_infimum
from ..effective import keep_count
from .geometry import _sig, _slider

__all__ = [
    "beta_bound_figure",
    "certificate_points",
    "int_grid",
    "loss_bound_figure",
    "lower_bound_figure",
    "rho_grid",
]

_C = {
    "bound": "#1f77b4",
    "approx": "#ff7f0e",
    "trivial": "#7f7f7f",
    "cert": "#d62728",
    "uniform": "rgba(44,160,44,0.35)",
    "umin": "#2ca02c",
    "targeted": "rgba(148,103,189,0.55)",
    "beta": "#d62728",
    "subst": "#8c564b",
}

#: Legend placement shared by the lower-bound and beta-bound figures.
_LEGEND_BOTTOM_RIGHT = {
    "font": {"size": 10},
    "x": 0.99,
    "y": 0.02,
    "xanchor": "right",
    "yanchor": "bottom",
    "bgcolor": "rgba(255,255,255,0.8)",
}


# ---------------------------------------------------------------------------
# Input handling and sampling of the x-axis
# ---------------------------------------------------------------------------
def _check_Ns(Ns, name: str = "Ns", low: int = 2) -> list[int]:
    if isinstance(Ns, str | bytes) or np.ndim(Ns) != 1 or len(Ns) == 0:
        raise ValueError(f"`{name}` must be a non-empty sequence of integers")
    out = [check_N(v, name) for v in Ns]
    if any(v < low for v in out):
        raise ValueError(f"`{name}` must be integers >= {low}, got {list(Ns)!r}")
    if len(set(out)) != len(out):
        raise ValueError(f"`{name}` must not repeat a value")
    return out


def _check_active(active, values, name: str = "active"):
    if active is None:
        return values[0]
    for v in values:
        if np.isclose(float(active), float(v), rtol=0, atol=1e-12):
            return v
    raise ValueError(f"`{name}` must be one of {list(values)!r}, got {active!r}")


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
    samples, the per-shell reports of :func:`emp_theory.montecarlo.run` over
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
            y=_sig(theorem2_bound(x, n)),
            mode="lines",
            line={"color": _C["bound"], "width": 3},
            name="Theorem 2 / Prop. 1, exact (eq. 14-15)",
        ),
        go.Scatter(
            x=x,
            y=_sig(theorem2_approx(x, n)),
            mode="lines",
            line={"color": _C["approx"], "width": 2, "dash": "dash"},
            name="Theorem 2, ≈ form (eq. 15)",
        ),
        go.Scatter(
            x=x,
            y=_sig(trivial_bound(x, n)),
            mode="lines",
            line={"color": _C["trivial"], "width": 2, "dash": "dot"},
            name="trivial bound N<sub>eff</sub>/N (eq. 13)",
        ),
        go.Scatter(
            x=xc,
            y=_sig(exact_infimum(xc, n)),
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
            y=_sig(uy),
            mode="markers",
            marker={"color": _C["uniform"], "size": 4},
            name="uniform samples of Δ̃ (kept mass s<sub>eff</sub>)",
        ),
        go.Scatter(
            x=rep_nu,
            y=_sig(rep_min),
            mode="lines+markers",
            marker={"color": _C["umin"], "size": 5},
            line={"color": _C["umin"], "width": 1},
            name="min over uniform samples, per ν",
        ),
        go.Scatter(
            x=tx,
            y=_sig(ty),
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
    ns = _check_Ns(Ns, low=3)
    first = _check_active(active, ns)
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
        sliders=[_slider(ns, ns.index(first), "N = ")],
        legend=_LEGEND_BOTTOM_RIGHT,
        margin={"t": 110},
        height=620,
        template="plotly_white",
    )
    return fig


# ---------------------------------------------------------------------------
# The beta bound
# ---------------------------------------------------------------------------
def _beta_frame(beta: float, x: np.ndarray, n: int):
    k = np.array([keep_count(beta=beta, n_eff=int(v), N=n) for v in x])
    guaranteed = np.asarray(beta_bound(beta, x, n), dtype=float)
    substituted = np.asarray(prop1_infimum(k, n), dtype=float)
    over = substituted - guaranteed
    traces = [
        go.Scatter(
            x=x,
            y=_sig(guaranteed),
            mode="lines+markers",
            marker={"size": 5},
            line={"color": _C["beta"], "width": 3},
            name="guarantee m<sub>k</sub>(N<sub>eff</sub>, N), k = ⌊β N<sub>eff</sub>⌋ (beta_bound)",
            customdata=k,
            hovertemplate="N<sub>eff</sub> = %{x}, k = %{customdata}: %{y}<extra></extra>",
        ),
        go.Scatter(
            x=x,
            y=_sig(substituted),
            mode="lines",
            line={"color": _C["subst"], "width": 2, "dash": "dash"},
            name="eq. 14 with ν := k (not a bound for β < 1)",
            customdata=k,
            hovertemplate="N<sub>eff</sub> = %{x}, k = %{customdata}: %{y}<extra></extra>",
        ),
    ]
    worst = float(np.max(over))
    if float(np.max(np.abs(over))) <= 1e-12:
        note = (
            "eq. 14 with ν := k coincides with the guarantee (k = N<sub>eff</sub>: Proposition 1)"
        )
    elif worst > 1e-12:
        note = f"eq. 14 with ν := k overstates the guarantee by up to {worst:.3f} (invalid)"
    else:
        note = f"eq. 14 with ν := k understates it by up to {float(-np.min(over)):.3f}"
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
    :math:`N_{\mathrm{eff}}` on `n_points` integers (see :func:`int_grid`),

    * the guarantee :math:`m_k(N_{\mathrm{eff}}, N) = \min_{\omega\in\overline{A_{N_{\mathrm{eff}}}}}
      \sum_{i\le k}\omega_i` for :math:`k = \mathrm{clip}(\lfloor\beta
      N_{\mathrm{eff}}\rfloor, 1, N)` (:func:`~emp_theory.certificate.beta_bound`),
    * "substitute :math:`k` into Proposition 1":
      :func:`~emp_theory.bounds.prop1_infimum` at :math:`\nu = k`, which bounds a
      different shell and overstates the guarantee for :math:`\beta < 1`;

    and the :math:`\beta = 1` curve (:func:`~emp_theory.bounds.theorem2_bound`, eq.
    15) stays in every frame. The title states the largest difference between
    the two frame curves.

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
    first = _check_active(active, bs)
    x = int_grid(n, as_int(n_points, "n_points"))
    base = go.Scatter(
        x=x,
        y=_sig(theorem2_bound(x, n)),
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
        sliders=[_slider(labels, bs.index(first), "β = ")],
        legend=_LEGEND_BOTTOM_RIGHT,
        margin={"t": 90},
        height=600,
        template="plotly_white",
    )
    return fig


# ---------------------------------------------------------------------------
# Figure 2 (right) with an N slider
# ---------------------------------------------------------------------------
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


def _loss_frame(n: int, max_points: int):
    # the plotted rho (rounded, kept in [1/N, 1]); the curves are computed on it
    rho = np.clip(_sig(rho_grid(n, max_points)), 1.0 / n, 1.0)
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
                y=_sig(approx),
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
                y=_sig(exact),
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
        f"at ρ = 0.2: {at02:.3g} = {100 * at02 / approx[i]:.2g}% of the plotted maximum"
        f" {approx[i]:.3g} (at ρ ≈ {rho[i]:.2g})"
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
    ns = _check_Ns(Ns)
    first = _check_active(active, ns)
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
        sliders=[_slider(ns, ns.index(first), "N = ")],
        legend={"font": {"size": 11}, "x": 0.12, "y": 0.9, "bgcolor": "rgba(255,255,255,0.8)"},
        margin={"t": 110},
        height=560,
        template="plotly_white",
    )
    return fig
