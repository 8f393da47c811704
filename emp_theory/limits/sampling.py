"""Sampled N_eff/N of i.i.d. scores and the power-law limit of deterministic scores.

Part of :mod:`emp_theory.limits` (which re-exports the public names).
"""

from __future__ import annotations

import numpy as np
from scipy.special import zeta

from .._validation import (
    INT64_MAX,
    as_count,
    as_real,
    as_rng,
    check_alloc,
    int_array,
)
from .families import _family


def sample_scores(name: str, size, *, rng=None, **params) -> np.ndarray:
    r"""Draw ``size`` i.i.d. scores from a family of :func:`.neff_ratio_limit`.

    Unlike :func:`~emp_theory.limits.families.neff_ratio_limit` this also accepts infinite-variance
    parameters (``"cauchy"``, `df` <= 2, `alpha` <= 2), to show
    :math:`N_{\mathrm{eff}}/N \to 0`. Unit scale throughout; ``"pareto"`` has
    :math:`x_m = 1` (support :math:`[1, \infty)`).

    Parameters
    ----------
    name : str
        Family name, see :func:`~emp_theory.limits.families.neff_ratio_limit`.
    size : int
        Number of scores, >= 1.
    rng : numpy.random.Generator or int or None
        Random generator or seed.
    **params : float
        Shape parameters, see :func:`~emp_theory.limits.families.neff_ratio_limit`.

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
        Family name, see :func:`~emp_theory.limits.families.neff_ratio_limit`.
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
    from ..effective import n_eff

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
