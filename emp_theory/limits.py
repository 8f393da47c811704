r"""Large-:math:`N` limits of the effective number for i.i.d. scores.

Beyond the paper. If the scores :math:`s_1, \dots, s_N` are i.i.d. copies of a
random variable :math:`X` with :math:`\mathbb E[X^2] < \infty`, the definition of
:math:`N_{\mathrm{eff}}` (Algorithm 1, line 2, with eq. 2) gives

.. math::

    \frac{N_{\mathrm{eff}}}{N}
    = \frac{1}{N}\Big\lfloor \frac{(\sum_i |s_i|)^2}{\sum_i s_i^2} \Big\rfloor
    = \frac{\big(\frac1N\sum_i |s_i|\big)^2}{\frac1N\sum_i s_i^2} + O(1/N)
    \;\xrightarrow[N\to\infty]{\text{a.s.}}\;
    \frac{(\mathbb E|X|)^2}{\mathbb E[X^2]}

by the strong law of large numbers (the floor moves the ratio by less than
:math:`1/N`). The limit lies in :math:`(0, 1]` (Cauchy-Schwarz), is invariant
under :math:`X \mapsto cX`, and :math:`1 - (\mathbb E|X|)^2/\mathbb E[X^2]` is the
fraction of entries EMP prunes at :math:`\beta = 1`. If
:math:`\mathbb E[X^2] = \infty` (Cauchy, Student-t with :math:`\nu \le 2`, Pareto
with :math:`\alpha \le 2`) the sum of squares outgrows :math:`N` and
:math:`N_{\mathrm{eff}}/N \to 0`; :func:`neff_ratio_limit` rejects these cases.

Closed forms of :math:`(\mathbb E|X|)^2/\mathbb E[X^2]` (each derived in
:func:`neff_ratio_limit`; ``name`` and parameters in brackets):

* ``"gaussian"``: :math:`2/\pi`;
* ``"laplace"``: :math:`1/2`;
* ``"uniform"`` (``low`` :math:`= a <` ``high`` :math:`= b`):
  :math:`\frac{3(b|b|-a|a|)^2}{4(b-a)^2(a^2+ab+b^2)}`;
* ``"student_t"`` (``df`` :math:`= \nu > 2`):
  :math:`\frac{4(\nu-2)}{\pi(\nu-1)^2}
  \big(\Gamma(\frac{\nu+1}{2})/\Gamma(\frac{\nu}{2})\big)^2`;
* ``"lognormal"`` (``sigma`` :math:`> 0`): :math:`e^{-\sigma^2}`;
* ``"exponential"``: :math:`1/2`;
* ``"gamma"`` (``shape`` :math:`= k > 0`): :math:`k/(k+1)`;
* ``"pareto"`` (``alpha`` :math:`> 2`): :math:`\alpha(\alpha-2)/(\alpha-1)^2`;
* ``"cauchy"``: infinite variance, rejected.

For deterministic power-law scores :math:`s_i = i^{-a}` (:func:`powerlaw_neff_limit`)
:math:`N_{\mathrm{eff}}` itself converges when :math:`a > 1`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning",
       arXiv:2509.25606, eq. (2) and Algorithm 1.
.. [2] L. Kish, *Survey Sampling*, Wiley (1965): the effective sample size
       :math:`(\sum w_i)^2/\sum w_i^2`.
.. [3] N. L. Johnson, S. Kotz, N. Balakrishnan, *Continuous Univariate
       Distributions*, Vols. 1-2, 2nd ed., Wiley (1994, 1995): the moments used below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import poch, zeta

from . import paper as _paper
from ._validation import (
    INT64_MAX,
    as_count,
    as_positive_finite,
    as_real,
    as_rng,
    as_str,
    check_alloc,
    int_array,
)

__all__ = [
    "FAMILIES",
    "PAPER_TABLE2_EMP_MAGNITUDE_SPARSITY",
    "PAPER_TABLE5_EMP_MAGNITUDE_SPARSITY",
    "Family",
    "neff_ratio_limit",
    "powerlaw_neff_limit",
    "predicted_sparsity",
    "ratio_expression",
    "ratio_latex",
    "sample_scores",
    "sampled_neff_ratio",
    "student_t_df_for_sparsity",
]

#: Re-exported from :mod:`emp_theory.paper` (Tables 2 and 5).
PAPER_TABLE2_EMP_MAGNITUDE_SPARSITY = _paper.TABLE2_EMP_MAGNITUDE_SPARSITY
PAPER_TABLE5_EMP_MAGNITUDE_SPARSITY = _paper.TABLE5_EMP_MAGNITUDE_SPARSITY


@dataclass(frozen=True)
class Family:
    """A distribution family known to :func:`neff_ratio_limit` and :func:`sample_scores`.

    Attributes
    ----------
    name : str
        Key used by the functions of this module.
    label : str
        Human-readable name.
    defaults : dict
        Default parameters (used by the book's figures).
    finite_variance : str
        Condition on the parameters for :math:`\\mathbb E[X^2] < \\infty`: ``"always"``,
        ``"never"`` or a LaTeX inequality.
    """

    name: str
    label: str
    defaults: dict
    finite_variance: str


#: The families, in the order the book lists them.
FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("gaussian", "Gaussian", {}, "always"),
        Family("laplace", "Laplace", {}, "always"),
        Family("uniform", "uniform(a, b)", {"low": -1.0, "high": 1.0}, "always"),
        Family("student_t", "Student-t", {"df": 5.0}, r"\nu > 2"),
        Family("lognormal", "log-normal", {"sigma": 1.0}, "always"),
        Family("exponential", "exponential", {}, "always"),
        Family("gamma", "gamma", {"shape": 2.0}, "always"),
        Family("pareto", "Pareto", {"alpha": 3.0}, r"\alpha > 2"),
        Family("cauchy", "Cauchy", {}, "never"),
    )
}

#: The SymPy symbol standing for each parameter in :func:`ratio_expression`.
_SYMBOL_NAMES = {
    "low": "a",
    "high": "b",
    "df": "nu",
    "sigma": "sigma",
    "shape": "k",
    "alpha": "alpha",
}

_PARAMS: dict[str, tuple[str, ...]] = {
    "gaussian": (),
    "laplace": (),
    "uniform": ("low", "high"),
    "student_t": ("df",),
    "lognormal": ("sigma",),
    "exponential": (),
    "gamma": ("shape",),
    "pareto": ("alpha",),
    "cauchy": (),
}


def _family(name, params: dict) -> tuple[str, dict]:
    """Validate ``name`` and ``params``; fill defaults; return the canonical parameters."""
    key = as_str(name, "name").lower().replace("-", "_")
    key = {"normal": "gaussian", "t": "student_t", "student": "student_t"}.get(key, key)
    if key not in _PARAMS:
        known = ", ".join(sorted(_PARAMS))
        raise ValueError(f"`name` must be one of {known}; got {name!r}")
    allowed = _PARAMS[key]
    extra = sorted(set(params) - set(allowed))
    if extra:
        names = ", ".join(allowed) or "none"
        raise TypeError(f"`{extra[0]}` is not a parameter of {key!r} (parameters: {names})")
    out = dict(FAMILIES[key].defaults)
    for p, v in params.items():
        out[p] = as_real(v, p)
    if key == "uniform":
        if not out["low"] < out["high"]:
            raise ValueError(
                f"`low` must be < `high`, got low={out['low']!r}, high={out['high']!r}"
            )
    for p in ("df", "sigma", "shape", "alpha"):
        if p in out:
            out[p] = as_positive_finite(out[p], p)
    return key, out


def neff_ratio_limit(name: str, **params) -> float:
    r"""Almost-sure limit :math:`(\mathbb E|X|)^2/\mathbb E[X^2]` of :math:`N_{\mathrm{eff}}/N`.

    With :math:`N_{\mathrm{eff}} = \lfloor (\sum_i|s_i|)^2/\sum_i s_i^2 \rfloor`
    (Algorithm 1, line 2) and :math:`s_i` i.i.d. like :math:`X`,
    :math:`N_{\mathrm{eff}}/N \to (\mathbb E|X|)^2/\mathbb E[X^2]` almost surely
    when :math:`\mathbb E[X^2] < \infty` (strong law of large numbers). The ratio
    is scale-invariant, so only shape parameters are taken. Derivations:

    * ``"gaussian"``: :math:`\mathbb E|X| = \sigma\sqrt{2/\pi}`,
      :math:`\mathbb E X^2 = \sigma^2`, ratio :math:`2/\pi`.
    * ``"laplace"`` (scale :math:`b`): :math:`\mathbb E|X| = b`,
      :math:`\mathbb E X^2 = 2b^2`, ratio :math:`1/2`.
    * ``"uniform"`` on :math:`[a, b]`:
      :math:`\mathbb E|X| = \frac{b|b| - a|a|}{2(b-a)}`,
      :math:`\mathbb E X^2 = \frac{a^2+ab+b^2}{3}`, ratio
      :math:`\frac{3(b|b|-a|a|)^2}{4(b-a)^2(a^2+ab+b^2)}` (:math:`3/4` for
      :math:`[-1, 1]` and for :math:`[0, 1]`).
    * ``"student_t"`` (:math:`\nu` = ``df``):
      :math:`\mathbb E|X| =
      \frac{2\sqrt\nu\,\Gamma(\frac{\nu+1}{2})}{\sqrt\pi(\nu-1)\Gamma(\frac\nu2)}`
      (:math:`\nu > 1`), :math:`\mathbb E X^2 = \frac{\nu}{\nu-2}` (:math:`\nu > 2`), ratio
      :math:`\frac{4(\nu-2)}{\pi(\nu-1)^2}\big(\Gamma(\frac{\nu+1}{2})/\Gamma(\frac\nu2)\big)^2
      \to 2/\pi` as :math:`\nu \to \infty`.
    * ``"lognormal"`` (:math:`X = e^{\sigma Z}`): :math:`\mathbb E X = e^{\sigma^2/2}`,
      :math:`\mathbb E X^2 = e^{2\sigma^2}`, ratio :math:`e^{-\sigma^2}`.
    * ``"exponential"``: :math:`\mathbb E X = 1/\lambda`, :math:`\mathbb E X^2 = 2/\lambda^2`,
      ratio :math:`1/2`.
    * ``"gamma"`` (shape :math:`k`): :math:`\mathbb E X = k\theta`,
      :math:`\mathbb E X^2 = k(k+1)\theta^2`, ratio :math:`k/(k+1)`.
    * ``"pareto"`` (:math:`x_m = 1`, tail index :math:`\alpha`):
      :math:`\mathbb E X = \frac{\alpha}{\alpha-1}`, :math:`\mathbb E X^2 = \frac{\alpha}{\alpha-2}`
      (:math:`\alpha > 2`), ratio :math:`\frac{\alpha(\alpha-2)}{(\alpha-1)^2}`.

    Parameters
    ----------
    name : str
        One of ``"gaussian"`` (alias ``"normal"``), ``"laplace"``, ``"uniform"``,
        ``"student_t"`` (alias ``"t"``), ``"lognormal"``, ``"exponential"``,
        ``"gamma"``, ``"pareto"``, ``"cauchy"``.
    **params : float
        ``low``, ``high`` (uniform; default -1, 1), ``df`` (student_t; default 5),
        ``sigma`` (lognormal; default 1), ``shape`` (gamma; default 2), ``alpha``
        (pareto; default 3).

    Returns
    -------
    float
        The limit, in :math:`(0, 1]`.

    Raises
    ------
    ValueError
        If `name` is unknown, a parameter is not finite or out of range, or the
        distribution has infinite variance (``"cauchy"``, `df` <= 2, `alpha` <= 2):
        then :math:`N_{\mathrm{eff}}/N \to 0` and no positive limit exists.
    TypeError
        If a parameter is not a real number or does not belong to the family.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. (2) and Algorithm 1.
    .. [2] Johnson, Kotz, Balakrishnan, *Continuous Univariate Distributions* (1994-1995).

    Examples
    --------
    >>> round(neff_ratio_limit("gaussian"), 6)  # 2/pi
    0.63662
    >>> neff_ratio_limit("uniform", low=-1, high=1)
    0.75
    """
    key, p = _family(name, params)
    if key == "gaussian":
        return 2.0 / math.pi
    if key in ("laplace", "exponential"):
        return 0.5
    if key == "uniform":
        # the ratio is scale-invariant: divide by max(|a|, |b|) so that no square overflows
        m = max(abs(p["low"]), abs(p["high"]))
        a, b = p["low"] / m, p["high"] / m
        mean_abs = (b * abs(b) - a * abs(a)) / (2.0 * (b - a))
        second = (a * a + a * b + b * b) / 3.0
        return mean_abs * mean_abs / second
    if key == "student_t":
        nu = p["df"]
        if nu <= 2.0:
            raise ValueError(
                f"`df` must be > 2 for a finite variance, got {nu!r}: with infinite "
                "variance N_eff/N tends to 0"
            )
        # Gamma((nu+1)/2) / Gamma(nu/2) as a Pochhammer symbol: accurate to ~1e-11 for
        # all nu (a difference of gammaln values loses digits once nu is large)
        ratio = float(poch(nu / 2.0, 0.5))
        # 4 (nu-2) r^2 / (pi (nu-1)^2) with r^2 / (nu-1) kept O(1): no overflow at nu = 1e300
        scaled = ratio / math.sqrt(nu - 1.0)
        return 4.0 / math.pi * ((nu - 2.0) / (nu - 1.0)) * scaled * scaled
    if key == "lognormal":
        sigma = p["sigma"]
        return math.exp(-(sigma * sigma))  # sigma * sigma may be inf (exp -> 0); ** would raise
    if key == "gamma":
        k = p["shape"]
        return k / (k + 1.0)
    if key == "pareto":
        al = p["alpha"]
        if al <= 2.0:
            raise ValueError(
                f"`alpha` must be > 2 for a finite variance, got {al!r}: with infinite "
                "variance N_eff/N tends to 0"
            )
        return (al / (al - 1.0)) * ((al - 2.0) / (al - 1.0))  # no overflow at alpha = 1e300
    # cauchy
    raise ValueError(
        "`name` 'cauchy' has infinite variance (and no mean): N_eff/N tends to 0, "
        "there is no positive limit"
    )


def ratio_expression(name: str, **params):
    r"""The closed form of :func:`neff_ratio_limit` as a SymPy expression.

    Symbols: :math:`a, b` (``low``, ``high``), :math:`\nu` (``df``),
    :math:`\sigma` (``sigma``), :math:`k` (``shape``), :math:`\alpha` (``alpha``).
    Parameters passed as keywords are substituted (as 30-digit floats), so
    ``float(ratio_expression(name, **params))`` is the limit; the tests check it
    against :func:`neff_ratio_limit`, and the book prints :func:`ratio_latex`.

    Parameters
    ----------
    name : str
        Family name (not ``"cauchy"``), see :func:`neff_ratio_limit`.
    **params : float
        Values to substitute; the others stay symbolic.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        If `name` is unknown or is ``"cauchy"`` (no finite-variance member).

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1.
    """
    import sympy as sp

    key, _ = _family(name, params)
    if key == "cauchy":
        raise ValueError("`name` 'cauchy' has infinite variance: no closed form")
    sym = {
        p: sp.Symbol(s, real=True) if p in ("low", "high") else sp.Symbol(s, positive=True)
        for p, s in _SYMBOL_NAMES.items()
    }
    a, b, nu = sym["low"], sym["high"], sym["df"]
    exprs = {
        "gaussian": 2 / sp.pi,
        "laplace": sp.Rational(1, 2),
        "exponential": sp.Rational(1, 2),
        "uniform": 3
        * (b * sp.Abs(b) - a * sp.Abs(a)) ** 2
        / (4 * (b - a) ** 2 * (a**2 + a * b + b**2)),
        "student_t": 4
        * (nu - 2)
        / (sp.pi * (nu - 1) ** 2)
        * (sp.gamma((nu + 1) / 2) / sp.gamma(nu / 2)) ** 2,
        "lognormal": sp.exp(-(sym["sigma"] ** 2)),
        "gamma": sym["shape"] / (sym["shape"] + 1),
        "pareto": sym["alpha"] * (sym["alpha"] - 2) / (sym["alpha"] - 1) ** 2,
    }
    expr = exprs[key]
    # 30-digit floats: exact rationals would make SymPy expand Gamma of a large
    # integer into a factorial
    subs = {sym[p]: sp.Float(v, 30) for p, v in params.items()}
    return expr.subs(subs) if subs else expr


def ratio_latex(name: str) -> str:
    r"""LaTeX of :func:`ratio_expression` (absolute values as ``\lvert \rvert``).

    Written without ``|`` so that it can sit in a Markdown table.

    Parameters
    ----------
    name : str
        Family name (not ``"cauchy"``).

    Returns
    -------
    str
    """
    import sympy as sp

    tex = sp.latex(ratio_expression(name))
    return tex.replace(r"\left|", r"\left\lvert ").replace(r"\right|", r"\right\rvert ")


def predicted_sparsity(name: str, **params) -> float:
    r"""Large-:math:`N` fraction EMP prunes: :math:`1 - (\mathbb E|X|)^2/\mathbb E[X^2]`.

    EMP keeps :math:`\nu = N_{\mathrm{eff}}` entries (Algorithm 1 with
    :math:`\beta = 1`), so its sparsity :math:`1 - N_{\mathrm{eff}}/N` tends to
    ``1 - neff_ratio_limit(name, **params)``; for Gaussian scores
    :math:`1 - 2/\pi \approx 0.3634`.

    Parameters
    ----------
    name : str
        See :func:`neff_ratio_limit`.
    **params : float
        See :func:`neff_ratio_limit`.

    Returns
    -------
    float
        In :math:`[0, 1)`.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1, Table 2.

    Where the limit is close to 1 the difference is taken in closed form, so that small
    sparsities keep their digits: :math:`1/(k+1)` (gamma),
    :math:`1/(\alpha-1)^2` (Pareto), :math:`-\mathrm{expm1}(-\sigma^2)` (log-normal),
    :math:`(b-a)^2/(4(a^2+ab+b^2))` (uniform with :math:`ab \ge 0`).
    """
    ratio = neff_ratio_limit(name, **params)  # validates, rejects infinite variance
    key, p = _family(name, params)
    if key == "gamma":
        return 1.0 / (p["shape"] + 1.0)
    if key == "pareto":
        inv = 1.0 / (p["alpha"] - 1.0)
        return inv * inv
    if key == "lognormal":
        return -math.expm1(-(p["sigma"] * p["sigma"]))
    if key == "uniform" and p["low"] * p["high"] >= 0.0:
        m = max(abs(p["low"]), abs(p["high"]))
        a, b = p["low"] / m, p["high"] / m
        d = (p["high"] - p["low"]) / m  # same signs: no overflow, exact where it cancels
        return d * d / (4.0 * (a * a + a * b + b * b))
    return 1.0 - ratio


def student_t_df_for_sparsity(sparsity) -> float:
    r"""Degrees of freedom :math:`\nu` at which Student-t scores give a large-:math:`N` EMP sparsity.

    Solves ``predicted_sparsity("student_t", df=nu) == sparsity`` for :math:`\nu > 2`
    (Brent's method on :math:`\log \nu`). The sparsity of the Student-t family
    decreases from 1 (:math:`\nu \to 2`) to the Gaussian :math:`1 - 2/\pi`
    (:math:`\nu \to \infty`), so a solution exists exactly for `sparsity` in
    :math:`(1 - 2/\pi, 1)`.

    Parameters
    ----------
    sparsity : float
        Target fraction pruned, in :math:`(1 - 2/\pi, 1)`.

    Returns
    -------
    float
        :math:`\nu > 2`.

    Raises
    ------
    ValueError
        If `sparsity` is not a finite number in :math:`(1 - 2/\pi, 1)` (or needs
        :math:`\nu > 10^{9}`).

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1, Table 2.
    """
    from scipy.optimize import brentq

    s = as_real(sparsity, "sparsity")
    lo_df, hi_df = 2.0 + 1e-9, 1e9
    lo_s, hi_s = predicted_sparsity("gaussian"), 1.0
    if not lo_s < s < hi_s:
        raise ValueError(
            f"`sparsity` must lie in (1 - 2/pi, 1) = ({lo_s:.6f}, 1) for a Student-t family, "
            f"got {sparsity!r}"
        )

    def f(log_df: float) -> float:
        return predicted_sparsity("student_t", df=math.exp(log_df)) - s

    a, b = math.log(lo_df), math.log(hi_df)
    if f(b) > 0:
        raise ValueError(f"`sparsity` {sparsity!r} is too close to 1 - 2/pi (df > 1e9)")
    return math.exp(brentq(f, a, b, xtol=1e-12, rtol=1e-13))


def sample_scores(name: str, size, *, rng=None, **params) -> np.ndarray:
    r"""Draw ``size`` i.i.d. scores from a family of :func:`neff_ratio_limit`.

    Unlike :func:`neff_ratio_limit` this also accepts infinite-variance
    parameters (``"cauchy"``, `df` <= 2, `alpha` <= 2), to show
    :math:`N_{\mathrm{eff}}/N \to 0`. Unit scale throughout; ``"pareto"`` has
    :math:`x_m = 1` (support :math:`[1, \infty)`).

    Parameters
    ----------
    name : str
        Family name, see :func:`neff_ratio_limit`.
    size : int
        Number of scores, >= 1.
    rng : numpy.random.Generator or int or None
        Random generator or seed.
    **params : float
        Shape parameters, see :func:`neff_ratio_limit`.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(size,)``.

    Raises
    ------
    ValueError
        If `name` is unknown, `size` < 1 or a parameter is invalid.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. (2).
    """
    key, p = _family(name, params)
    n = as_count(size, "size")
    check_alloc(n, "size", what="the sample")
    x = _draw(key, p, n, as_rng(rng, "rng"))
    if not np.all(np.isfinite(x)):
        names = ", ".join(f"`{k}` = {v!r}" for k, v in p.items()) or f"`name` = {name!r}"
        raise ValueError(f"{names}: draws overflow float64 (parameters too extreme)")
    return x


def _draw(key: str, p: dict, n: int, g: np.random.Generator) -> np.ndarray:
    if key == "gaussian":
        return g.standard_normal(n)
    if key == "laplace":
        return g.laplace(0.0, 1.0, n)
    if key == "uniform":
        return g.uniform(p["low"], p["high"], n)
    if key == "student_t":
        return g.standard_t(p["df"], n)
    if key == "lognormal":
        return g.lognormal(0.0, p["sigma"], n)
    if key == "exponential":
        return g.exponential(1.0, n)
    if key == "gamma":
        return g.gamma(p["shape"], 1.0, n)
    if key == "pareto":
        return g.pareto(p["alpha"], n) + 1.0  # numpy draws the Lomax law, Pareto - x_m
    return g.standard_cauchy(n)


def sampled_neff_ratio(name: str, N, *, reps: int = 1, rng=None, **params) -> np.ndarray:
    r"""Monte Carlo :math:`N_{\mathrm{eff}}/N` of i.i.d. scores: ``reps`` draws for each ``N``.

    Each entry is :func:`emp_theory.effective.n_eff` of a fresh sample of
    :func:`sample_scores`, divided by its length.

    Parameters
    ----------
    name : str
        Family name, see :func:`neff_ratio_limit`.
    N : int or array_like of int
        Sample sizes, each >= 1.
    reps : int, default 1
        Independent samples per size.
    rng : numpy.random.Generator or int or None
        Random generator or seed.
    **params : float
        Shape parameters.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(N), reps)`` (``(reps,)`` for a scalar `N`), values in ``(0, 1]``.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1.
    """
    from .effective import n_eff

    _family(name, params)
    r = as_count(reps, "reps")
    sizes_int = [int(v) for v in np.atleast_1d(int_array(N, "N", 1, INT64_MAX)).ravel()]
    check_alloc(max(sizes_int), "N", what="a sample")
    g = as_rng(rng, "rng")
    out = np.empty((len(sizes_int), r))
    for i, n in enumerate(sizes_int):
        for j in range(r):
            x = sample_scores(name, n, rng=g, **params)
            if not np.any(x):  # every draw underflowed to 0 (e.g. gamma with shape 1e-300)
                given = ", ".join(f"`{k}` = {v!r}" for k, v in params.items()) or f"`name` {name!r}"
                raise ValueError(f"{given}: every draw underflows to 0, N_eff is undefined")
            out[i, j] = n_eff(x) / n
    return out[0] if np.ndim(N) == 0 else out


def powerlaw_neff_limit(a) -> float:
    r"""Limit :math:`\zeta(a)^2/\zeta(2a)` of :math:`N_{\mathrm{eff}}` for scores :math:`i^{-a}`.

    .. math::

        \frac{(\sum_{i=1}^N i^{-a})^2}{\sum_{i=1}^N i^{-2a}}
        \xrightarrow[N\to\infty]{} \frac{\zeta(a)^2}{\zeta(2a)},

    so :math:`N_{\mathrm{eff}} \to \lfloor \zeta(a)^2/\zeta(2a) \rfloor`: a bounded
    number of entries is kept however long the vector (e.g. :math:`a = 2`:
    :math:`\zeta(2)^2/\zeta(4) = 5/2`, :math:`N_{\mathrm{eff}} = 2`). For
    :math:`a \le 1` the series :math:`\sum i^{-a}` diverges and
    :math:`N_{\mathrm{eff}} \to \infty`; for :math:`a < 1/2` the scores are the
    quantiles of a Pareto law with :math:`\alpha = 1/a` and
    :math:`N_{\mathrm{eff}}/N \to (1-2a)/(1-a)^2` = ``neff_ratio_limit("pareto", alpha=1/a)``.

    Parameters
    ----------
    a : float
        Exponent, > 1.

    Returns
    -------
    float
        :math:`\zeta(a)^2/\zeta(2a) \ge 1`.

    Raises
    ------
    ValueError
        If `a` is not a finite number > 1.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1.

    Examples
    --------
    >>> round(powerlaw_neff_limit(2.0), 12)
    2.5
    """
    x = as_real(a, "a")
    if x <= 1.0:
        raise ValueError(f"`a` must be > 1 (for a <= 1, N_eff grows without bound), got {a!r}")
    return float(zeta(x) ** 2 / zeta(2.0 * x))
