r"""N and :math:`\beta` together: the guaranteed kept mass and the loss bound, moved by two sliders.

:func:`bounds_explorer` returns an offline HTML fragment (plotly, no kernel, no CDN)
in which the reader moves :math:`N` and :math:`\beta` with two sliders, or types
:math:`N`, :math:`N_{\mathrm{eff}}` and :math:`\beta`, and sees, against
:math:`\rho = N_{\mathrm{eff}}/N`,

* top panel, the kept mass of the :math:`k` largest weights: the guarantee
  :math:`m_k(N_{\mathrm{eff}}, N)` (the exact :math:`\beta`-bound,
  :func:`emp_theory.certificate.beta_bound`; Theorem 2 at :math:`\beta = 1`),
  Theorem 2 itself (eq. 15, :func:`emp_theory.bounds.theorem2_bound`), the trivial
  bound :math:`k/N` (eq. 13, :func:`emp_theory.bounds.trivial_bound`; it is
  :math:`N_{\mathrm{eff}}/N` at :math:`\beta = 1`) and the naive substitution of
  :math:`k` into eq. 14 (:func:`emp_theory.bounds.prop1_infimum` at :math:`\nu = k`,
  not a bound for :math:`\beta < 1`);
* bottom panel, the normalized loss bound :math:`\epsilon/(\|\theta^*\|_1^2\mathrm{Tr}H)`:
  eq. 18 (:func:`emp_theory.bounds.normalized_loss_bound`), the same with the exact
  form of eq. 15, and :func:`kept_loss_bound`, eq. 17 with the distance bound for
  the :math:`k` entries EMP keeps at this :math:`\beta`.

Plotly's own sliders cannot see each other, so the fragment carries the curves of
every grid pair :math:`(N, \beta)` as JSON computed here by the library
(:func:`explorer_data`, rounded to 6 significant digits) and about two hundred lines
of page JavaScript pick the pair the two sliders select. The values printed for a
typed point, and the curves of a typed :math:`(N, \beta)` off the grid, are computed
in the page: the closed forms of eqs. 13-15 and 17-18 and Algorithm 1's kept count
(agreeing with the library to :math:`10^{-9}`), and the exact :math:`\beta`-bound by the same
minimization as :mod:`emp_theory.certificate` (the vertices :math:`\zeta_{[\nu]}`,
:math:`\zeta_{[\nu+1]}` and the edges :math:`[\zeta_{[1]}, \zeta_{[j]}]` where they
cross the two spheres of the shell, searched by the same branch and bound; see that
module's docstring for why these candidates suffice). ``tests/viz/test_explorer.py``
checks the embedded data against the library and
``tests/book/test_bounds_explorer.py`` the page's numbers against it.

Arguments: ``N`` / ``Ns`` the number of scores (length of the score vector);
``n_eff`` the effective number :math:`N_{\mathrm{eff}}` (= the shell index
:math:`\nu` of Proposition 1); ``beta`` / ``betas`` the paper's :math:`\beta`;
``k`` the number of KEPT entries :math:`\mathrm{clip}(\lfloor\beta
N_{\mathrm{eff}}\rfloor, 1, N)` (Algorithm 1 line 3, :func:`emp_theory.effective.keep_count`);
:math:`\rho = N_{\mathrm{eff}}/N` the x-axis.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Algorithm 1, Proposition 1, Theorem 2 and eqs. 13-18.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_int, as_positive_finite, check_N, check_nu
from ..bounds import (
    distance_bound,
    eq17_loss_bound,
    normalized_loss_bound,
    prop1_infimum,
    theorem2_bound,
    trivial_bound,
)
from ..certificate import beta_bound
from ..effective import keep_count
from ._explorer_page import figure_json, page_html
from ._render import distinct_Ns, sig, slider_active
from .lower_bound_figs import int_grid

__all__ = [
    "BETAS",
    "NS",
    "POINT_KEYS",
    "BoundsExplorer",
    "bounds_explorer",
    "explorer_data",
    "kept_loss_bound",
    "point_values",
]

#: Slider values of :math:`N` (the paper's Figure 2 uses 1000).
NS = (10, 20, 50, 100, 200, 500, 1000, 10_000, 100_000, 1_000_000)
#: Slider values of :math:`\beta` (Figure 3 of the paper sweeps 0.5 to 2).
BETAS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
#: The quantities :func:`point_values` returns and the page prints, in order.
POINT_KEYS = (
    "k",
    "rho",
    "trivial",
    "theorem2",
    "guarantee",
    "naive",
    "naive_excess",
    "loss_eq18",
    "loss_exact",
    "loss_beta",
)
#: Curves of one (N, beta) pair, in the order of the figure's traces per panel.
_BETA_CURVES = ("k", "guarantee", "trivial", "naive", "loss_beta")
_N_CURVES = ("n_eff", "rho", "theorem2", "loss_eq18", "loss_exact")


def kept_loss_bound(kept_mass, k, N) -> float:
    r"""Normalized loss bound when the :math:`k` largest of :math:`N` weights are kept.

    Eq. 17 with :math:`\rho = k/N` (Lemma 1 for the network that keeps :math:`k`
    weights) and the distance bound of Section 4.3 with :math:`k` kept entries: each
    of the :math:`N-k` pruned :math:`\omega_i` is at most the dropped mass
    :math:`1 - m`, so

    .. math::

        \frac{\epsilon}{\|\theta^*\|_1^2\,\mathrm{Tr}H} \le
        \frac{1-\rho}{2N\rho}\,(1-m)^2\,(N-k), \qquad \rho = \frac kN,

    computed as ``eq17_loss_bound(k / N, N, distance_bound(1, m, k, N), 1)``. With
    :math:`k = N_{\mathrm{eff}}` and :math:`m` Theorem 2's exact bound it is
    :func:`~emp_theory.bounds.normalized_loss_bound` with ``exact=True`` (for
    :math:`2 \le N_{\mathrm{eff}} \le N`).

    Parameters
    ----------
    kept_mass : float
        A lower bound :math:`m \in [0, 1]` on the kept mass, e.g. the guarantee
        :func:`~emp_theory.certificate.beta_bound`.
    k : int
        Number of kept entries, ``1 <= k <= N``.
    N : int
        ``N >= 2``.

    Examples
    --------
    >>> from emp_theory import normalized_loss_bound, theorem2_bound
    >>> a = kept_loss_bound(theorem2_bound(200, 1000), 200, 1000)
    >>> bool(abs(a - normalized_loss_bound(0.2, 1000, exact=True)) < 1e-14)
    True
    """
    n = check_N(N)
    kk = check_nu(k, n, "k")
    return float(eq17_loss_bound(kk / n, n, distance_bound(1.0, kept_mass, kk, n), 1.0))


def point_values(N, n_eff, beta) -> dict:
    r"""Every quantity the explorer prints for one :math:`(N, N_{\mathrm{eff}}, \beta)`, from the library.

    Returns
    -------
    dict
        Keys :data:`POINT_KEYS`: ``k`` (:func:`emp_theory.effective.keep_count`), ``rho``
        (:math:`N_{\mathrm{eff}}/N`), ``trivial`` (:math:`k/N`, eq. 13), ``theorem2``
        (eq. 14-15 at :math:`N_{\mathrm{eff}}`, the :math:`\beta = 1` bound),
        ``guarantee`` (:func:`~emp_theory.certificate.beta_bound`), ``naive`` (eq. 14 at
        :math:`\nu = k`), ``naive_excess`` (``naive - guarantee``; positive where the
        substitution overstates the guarantee), ``loss_eq18`` and ``loss_exact``
        (:func:`~emp_theory.bounds.normalized_loss_bound` at :math:`\rho`, paper's and
        exact form) and ``loss_beta`` (:func:`kept_loss_bound` with the guarantee).

    Examples
    --------
    >>> v = point_values(1000, 3, 0.5)  # keeps k = 1 entry of a vector with N_eff = 3
    >>> v["k"], round(v["guarantee"], 6), round(v["naive"], 6), round(v["naive_excess"], 6)
    (1, 0.25, 0.5, 0.25)
    """
    n = check_N(N)
    v = check_nu(n_eff, n, "n_eff")
    b = as_positive_finite(beta, "beta")
    k = keep_count(beta=b, n_eff=v, N=n)
    rho = v / n
    guarantee = float(beta_bound(b, v, n))
    naive = float(prop1_infimum(k, n))
    return {
        "k": k,
        "rho": rho,
        "trivial": float(trivial_bound(k, n)),
        "theorem2": float(theorem2_bound(v, n)),
        "guarantee": guarantee,
        "naive": naive,
        "naive_excess": naive - guarantee,
        "loss_eq18": float(normalized_loss_bound(rho, n)),
        "loss_exact": float(normalized_loss_bound(rho, n, exact=True)),
        "loss_beta": kept_loss_bound(guarantee, k, n),
    }


def _betas(betas) -> list[float]:
    if isinstance(betas, str | bytes) or np.ndim(betas) != 1 or len(betas) == 0:
        raise ValueError("`betas` must be a non-empty sequence of positive numbers")
    bs = [as_positive_finite(b, "betas") for b in betas]
    if len({round(b, 12) for b in bs}) != len(bs):
        raise ValueError("`betas` must not repeat a value")
    return bs


def explorer_data(Ns=NS, betas=BETAS, *, max_points=48) -> dict:
    r"""The precomputed curves of the explorer: one set per :math:`N` and per :math:`(N, \beta)`.

    For each :math:`N` in `Ns` the abscissae are the integers
    :math:`N_{\mathrm{eff}}` of :func:`~emp_theory.viz.lower_bound_figs.int_grid`
    ``(N, max_points)``, and every value is a key of :func:`point_values` at that
    :math:`N_{\mathrm{eff}}`, rounded to 6 significant digits
    (``emp_theory.viz._render.sig``).

    Returns
    -------
    dict
        ``{"Ns": [...], "betas": [...], "max_points": m, "curves": [per N]}`` where
        each per-:math:`N` entry has the lists ``n_eff``, ``rho``, ``theorem2``,
        ``loss_eq18``, ``loss_exact`` and ``by_beta``, one entry per :math:`\beta`
        (in the order of `betas`) with the lists ``k``, ``guarantee``, ``trivial``,
        ``naive``, ``loss_beta``. JSON-serializable.
    """
    ns = distinct_Ns(Ns)
    bs = _betas(betas)
    m = as_int(max_points, "max_points")
    curves = []
    for n in ns:
        x = int_grid(n, m)
        per_b = []
        for b in bs:
            pts = [point_values(n, int(v), b) for v in x]
            per_b.append(pts)
        first = per_b[0]
        entry = {
            "n_eff": [int(v) for v in x],
            "rho": sig([p["rho"] for p in first]).tolist(),
        }
        for key in _N_CURVES[2:]:
            entry[key] = sig([p[key] for p in first]).tolist()
        entry["by_beta"] = [
            {
                "k": [int(p["k"]) for p in pts],
                **{key: sig([p[key] for p in pts]).tolist() for key in _BETA_CURVES[1:]},
            }
            for pts in per_b
        ]
        curves.append(entry)
    return {"Ns": ns, "betas": bs, "max_points": m, "curves": curves}


class BoundsExplorer:
    """The explorer as an HTML fragment (``html``) with its precomputed data (``data``).

    Displays itself in Jupyter and in the book (``_repr_html_``). ``data["grid"]`` is
    :func:`explorer_data`, ``data["figure"]`` the plotly figure (layout and empty
    traces), ``data["active"]`` the slider positions and typed point shown first.
    """

    def __init__(self, data: dict, div_id: str):
        self.data = data
        self.div_id = div_id
        self.html = page_html(data, div_id)

    def _repr_html_(self) -> str:
        return self.html


def bounds_explorer(
    Ns=NS,
    betas=BETAS,
    *,
    active_N=1000,
    active_beta=1.0,
    n_eff=200,
    max_points=48,
    height=760,
    div_id="emp-bounds-explorer",
) -> BoundsExplorer:
    r"""An offline figure in which the reader moves both :math:`N` and :math:`\beta` (module docstring).

    Parameters
    ----------
    Ns : sequence of int, default :data:`NS`
        Values of the :math:`N` slider (distinct, ``>= 2``).
    betas : sequence of float, default :data:`BETAS`
        Values of the :math:`\beta` slider (distinct, positive).
    active_N, active_beta : default 1000 and 1.0
        Slider positions shown first; must be in `Ns` and `betas`.
    n_eff : int, default 200
        The typed point shown first, ``1 <= n_eff <= active_N``.
    max_points : int, default 48
        :math:`N_{\mathrm{eff}}` values per curve (:func:`explorer_data`).
    height : int, default 760
        Height of the plot in pixels.
    div_id : str, default "emp-bounds-explorer"
        Id of the fragment's outer ``<div>`` (one explorer per page per id).

    Returns
    -------
    BoundsExplorer
        ``html`` (the fragment, with the data as JSON and its script) and ``data``.
    """
    ns = distinct_Ns(Ns)
    bs = _betas(betas)
    n0 = slider_active(active_N, ns, "active_N")
    b0 = slider_active(active_beta, bs, "active_beta")
    v0 = check_nu(n_eff, n0, "n_eff")
    h = as_int(height, "height")
    if h < 200:
        raise ValueError(f"`height` must be an integer >= 200, got {height!r}")
    if not isinstance(div_id, str) or not div_id.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"`div_id` must be letters, digits, '-' and '_', got {div_id!r}")
    data = {
        "grid": explorer_data(ns, bs, max_points=max_points),
        "figure": figure_json(h),
        "active": {"N": n0, "beta": b0, "n_eff": v0},
        "height": h,
        "keys": list(POINT_KEYS),
    }
    return BoundsExplorer(data, div_id)
