r"""Checks 5-6: Theorem 2 — eq. (15) is :math:`1 -` eq. (14), and its ":math:`\approx`" is :math:`O(N^{-3/2})`.

==================================  ==============================================
:func:`check_theorem2`              eq. (15), exact form, is :math:`1 -` eq. (14)
:func:`check_theorem2_approx`       eq. (15): exact :math:`-` approximate :math:`= O(N^{-3/2})`
==================================  ==============================================

Paper symbols: ``N`` is the length, ``nu`` the paper's :math:`\nu`, the shell index
(:math:`= N_{\mathrm{eff}}` in Theorem 2), ``rho`` is :math:`\rho = N_{\mathrm{eff}}/N`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Theorem 2, eqs. (8), (14), (15).
"""

from __future__ import annotations

import sympy as sp

from .formulas import eq14, eq15_approx, eq15_exact, theorem2_gap_coefficient
from .record import CheckResult, Evidence, grid
from .zero import is_zero

__all__ = ["check_theorem2", "check_theorem2_approx"]


def check_theorem2() -> CheckResult:
    r"""Check 5: the exact form of eq. (15) is :math:`1 -` eq. (14) at :math:`\nu = N_{\mathrm{eff}}`.

    .. math::

        1 - \Big(\frac{\nu}{N} + \frac{N-\nu}{N}\sqrt{\tfrac{N-\nu-1}{(\nu+1)(N-1)}}\Big)
        = \frac{N-\nu}{N}\Big(1 - \sqrt{\tfrac{N-\nu-1}{(\nu+1)(N-1)}}\Big).

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, Theorem 2, eqs. (8), (14), (15).
    """
    ev = Evidence()
    N, nu = sp.symbols("N nu", positive=True)
    ev.symbolic("1 - eq14 = eq15 (exact)", is_zero(1 - eq14(N, nu) - eq15_exact(N, nu)))
    for n, v in grid():
        ev.grid(f"(N, nu) = ({n}, {v})", is_zero(1 - eq14(n, v) - eq15_exact(n, v)))
    return ev.result(
        "theorem2_exact",
        "Theorem 2, eq. 15 (exact form) is 1 - (Prop. 1 value, eq. 14) at nu = N_eff",
        r"1 - s_{\mathrm{eff}} \le 1 - \varphi_{N_{\mathrm{eff}}}(p_{N_{\mathrm{eff}}}) = "
        r"\frac{N-N_{\mathrm{eff}}}{N}\Big(1-\sqrt{\frac{N-N_{\mathrm{eff}}-1}"
        r"{(N_{\mathrm{eff}}+1)(N-1)}}\Big)",
    )


def check_theorem2_approx() -> CheckResult:
    r"""Check 6: the ":math:`\approx`" of eq. (15) is exact up to :math:`O(N^{-3/2})` at :math:`N_{\mathrm{eff}} = \rho N`.

    SymPy computes :math:`\lim_{N\to\infty} N^{3/2}\,[\text{exact} - \text{approx}]`
    (both sides of eq. 15 are bounds on :math:`1 - s_{\mathrm{eff}}`) and shows it
    equals :math:`C(\rho) = (1-\rho+\rho^2)\sqrt{1-\rho}/(2\rho^{3/2})`, finite and
    non-zero for :math:`0 < \rho < 1`; :math:`\lim N\,[\cdot] = 0`. A 60-digit
    evaluation at :math:`N = 10^{10}` confirms the limit. The sign: the exact
    bound on :math:`1 - s_{\mathrm{eff}}` is the larger one, so the approximate
    form of eq. (15) (and eq. 18, built from it) is slightly optimistic; in
    terms of :math:`s_{\mathrm{eff}}`,
    ``theorem2_bound - theorem2_approx`` :math:`\approx -C(\rho) N^{-3/2}`.

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, Theorem 2, eq. (15).
    """
    ev = Evidence("60-digit evaluation(s)")
    N, rho = sp.symbols("N rho", positive=True)
    diff = eq15_exact(N, rho * N) - eq15_approx(N, rho * N)
    lim = sp.limit(N ** sp.Rational(3, 2) * diff, N, sp.oo)
    coef = theorem2_gap_coefficient(rho)
    ev.symbolic("lim N^{3/2} (exact - approx) = C(rho)", is_zero(lim - coef))
    ev.symbolic("lim N (exact - approx) = 0", sp.limit(N * diff, N, sp.oo) == 0)
    # C(rho) != 0 on (0, 1): 1 - rho + rho^2 = (rho - 1/2)^2 + 3/4 > 0, sqrt(1 - rho) > 0.
    ev.symbolic(
        "1 - rho + rho^2 = (rho-1/2)^2 + 3/4",
        is_zero(1 - rho + rho**2 - ((rho - sp.Rational(1, 2)) ** 2 + sp.Rational(3, 4))),
    )
    for r in (sp.Rational(1, 10), sp.Rational(1, 2), sp.Rational(9, 10)):
        n = sp.Integer(10) ** 10
        val = (n ** sp.Rational(3, 2) * (eq15_exact(n, r * n) - eq15_approx(n, r * n))).evalf(60)
        ref = coef.subs(rho, r).evalf(60)
        ev.grid(f"rho = {r}, N = 1e10", abs(val - ref) <= 1e-6 * abs(ref) and ref > 0)
    return ev.result(
        "theorem2_approx_order",
        "eq. 15: with N_eff = rho N, (exact bound - approx bound) = C(rho) N^{-3/2} + o(N^{-3/2}), "
        "C(rho) = (1 - rho + rho^2) sqrt(1-rho) / (2 rho^{3/2}) != 0 for 0 < rho < 1",
        r"\frac{N-N_{\mathrm{eff}}}{N}\Big(\sqrt{\tfrac{N-N_{\mathrm{eff}}}{N N_{\mathrm{eff}}}}"
        r"-\sqrt{\tfrac{N-N_{\mathrm{eff}}-1}{(N_{\mathrm{eff}}+1)(N-1)}}\Big)"
        r"= \frac{(1-\rho+\rho^2)\sqrt{1-\rho}}{2\rho^{3/2}}\,N^{-3/2} + o(N^{-3/2})",
        f"leading coefficient C(rho) = {sp.sstr(coef)} (SymPy limit: {sp.sstr(sp.simplify(lim))}); "
        "positive, so the approximate form understates the exact bound on 1 - s_eff "
        "(it overstates the guarantee on s_eff by C(rho) N^{-3/2})",
    )
