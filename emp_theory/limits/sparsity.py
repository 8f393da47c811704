"""EMP's predicted sparsity 1 - (E|X|)^2/E[X^2] and the Student-t degree that matches a target.

Part of :mod:`emp_theory.limits` (which re-exports the public names).
"""

from __future__ import annotations

import math

from .._validation import (
    as_real,
)
from .families import _family, neff_ratio_limit


def predicted_sparsity(name: str, **params) -> float:
    r"""Large-:math:`N` fraction EMP prunes: :math:`1 - (\mathbb E|X|)^2/\mathbb E[X^2]`.

    EMP keeps :math:`k = N_{\mathrm{eff}}` entries (Algorithm 1 with
    :math:`\beta = 1`), so its sparsity :math:`1 - N_{\mathrm{eff}}/N` tends to
    ``1 - neff_ratio_limit(name, **params)``; for Gaussian scores
    :math:`1 - 2/\pi \approx 0.3634`.

    Parameters
    ----------
    name : str
        See :func:`~emp_theory.limits.families.neff_ratio_limit`.
    **params : float
        See :func:`~emp_theory.limits.families.neff_ratio_limit`.

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
