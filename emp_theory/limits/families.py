"""Closed-form large-N limits of N_eff/N for i.i.d. score families (Section 4.1, beyond the paper).

Part of :mod:`emp_theory.limits` (which re-exports the public names).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import poch

from .. import paper as _paper
from .._validation import (
    as_positive_finite,
    as_real,
    as_str,
)

#: Re-exported from :mod:`emp_theory.paper` (Tables 2 and 5).
PAPER_TABLE2_EMP_MAGNITUDE_SPARSITY = _paper.TABLE2_EMP_MAGNITUDE_SPARSITY
PAPER_TABLE5_EMP_MAGNITUDE_SPARSITY = _paper.TABLE5_EMP_MAGNITUDE_SPARSITY


@dataclass(frozen=True)
class Family:
    """A distribution family known to :func:`neff_ratio_limit` and :func:`.sample_scores`.

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
