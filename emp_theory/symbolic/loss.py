r"""Checks 7-8: the loss bounds — eq. (17) from Lemma 1 (eq. 1), eq. (18) from eqs. (17) and (15).

==================================  ==============================================
:func:`check_eq17`                  eq. (17) from Lemma 1, eq. (1)
:func:`check_eq18`                  eq. (18) from eq. (17) and eq. (15)
==================================  ==============================================

Paper symbols: ``N`` is the length, ``rho`` is :math:`\rho = N_{\mathrm{eff}}/N`, ``eps`` is
:math:`\epsilon`, ``D`` is :math:`\|\theta^*-\theta^k\|_2^2`, ``T`` is :math:`\mathrm{Tr}(H)`,
``L`` is :math:`\|\theta^*\|_1`, ``x`` stands for :math:`1 - s_{\mathrm{eff}}`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       eqs. (1), (15)-(18).
.. [2] Zhang, Zhang, Sun, Liu, "How sparse can we prune a deep network: a
       fundamental limit viewpoint", arXiv:2306.05857 (2025), Lemma 3.5.
"""

from __future__ import annotations

import sympy as sp

from .formulas import (
    distance_rhs,
    eq15_approx,
    eq15_exact,
    eq17_rhs,
    eq18_exact_rhs,
    eq18_rhs,
    lemma1_rhs,
)
from .record import CheckResult, Evidence
from .zero import is_zero

__all__ = ["check_eq17", "check_eq18"]


def check_eq17() -> CheckResult:
    r"""Check 7: eq. (17) is Lemma 1 (eq. 1) solved for :math:`\epsilon`.

    With :math:`R(\epsilon) = 1 - \frac{2\epsilon N}{DT + 2\epsilon N}` and
    :math:`\epsilon^* = \frac{(1-\rho)TD}{2N\rho}`,

    .. math::

        R(\epsilon) - \rho = \frac{2N\rho\,(\epsilon^* - \epsilon)}{DT + 2\epsilon N},
        \qquad R'(\epsilon) = -\frac{2NDT}{(DT + 2\epsilon N)^2} < 0,

    so :math:`\rho \le R(\epsilon) \iff \epsilon \le \epsilon^*` (eq. 17) for
    :math:`\epsilon \ge 0`, :math:`\rho, N, D, T > 0`.

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, eqs. (1), (16), (17).
    .. [2] Zhang et al., arXiv:2306.05857, Lemma 3.5.
    """
    ev = Evidence()
    eps = sp.Symbol("epsilon", nonnegative=True)
    N, D, T, rho = sp.symbols("N D T rho", positive=True)
    R = lemma1_rhs(eps, N, D, T)
    star = eq17_rhs(rho, N, D, T)
    factor = 2 * N * rho / (D * T + 2 * eps * N)
    ev.symbolic(
        "R - rho = 2 N rho (eps* - eps)/(DT + 2 eps N)", is_zero(R - rho - factor * (star - eps))
    )
    ev.symbolic("2 N rho/(DT + 2 eps N) > 0", bool(factor.is_positive))
    dR = sp.diff(R, eps)
    ev.symbolic(
        "dR/deps = -2NDT/(DT+2 eps N)^2", is_zero(dR + 2 * N * D * T / (D * T + 2 * eps * N) ** 2)
    )
    ev.symbolic("dR/deps < 0", bool(sp.factor(dR).is_negative))
    sols = sp.solve(sp.Eq(R, rho), eps)
    ev.symbolic("R(eps) = rho has the unique root eps*", len(sols) == 1 and is_zero(sols[0] - star))
    for r in (sp.Rational(1, 10), sp.Rational(1, 2), sp.Rational(9, 10)):
        vals = {N: 100, D: sp.Rational(7, 10), T: 3, rho: r}
        e_star = star.subs(vals)
        for e in (
            0,
            e_star * sp.Rational(999, 1000),
            e_star,
            e_star * sp.Rational(1001, 1000),
            10 * e_star,
        ):
            holds = bool(r <= R.subs(vals).subs(eps, e))
            ev.grid(f"rho = {r}, eps = {e}", holds == bool(e <= e_star))
    return ev.result(
        "eq17",
        "eq. 17 from Lemma 1 (eq. 1): rho <= 1 - 2 eps N/(D T + 2 eps N) <=> eps <= (1-rho) T D/(2 N rho); "
        "the right-hand side of eq. 1 is decreasing in eps",
        r"\rho \le 1 - \frac{2\epsilon N}{DT + 2\epsilon N} \iff "
        r"\epsilon \le \frac{1-\rho}{2N\rho}\,T D,\qquad "
        r"\frac{d}{d\epsilon}\Big(1 - \frac{2\epsilon N}{DT + 2\epsilon N}\Big) = "
        r"-\frac{2NDT}{(DT+2\epsilon N)^2} < 0",
    )


def check_eq18() -> CheckResult:
    r"""Check 8: eq. (18) is eq. (17) with the distance bound and the approximate eq. (15).

    Substituting :math:`D \le \|\theta\|_1^2 (1-s_{\mathrm{eff}})^2 (N - N_{\mathrm{eff}})`,
    :math:`1 - s_{\mathrm{eff}} \le` eq. (15, approx) and :math:`N_{\mathrm{eff}} = \rho N`
    into eq. (17) gives exactly

    .. math::

        \|\theta\|_1^2\,T\,\frac{(1-\rho)^4}{2\rho}\Big(1 - \sqrt{\frac{1-\rho}{N\rho}}\Big)^2,

    and with the exact form of eq. (15),
    :math:`\|\theta\|_1^2 T \frac{(1-\rho)^4}{2\rho}\big(1 - \sqrt{\frac{N(1-\rho)-1}{(N\rho+1)(N-1)}}\big)^2`.
    Each substitution is monotone: eq. (17) is increasing in :math:`D` for
    :math:`\rho \le 1`, and :math:`D`'s bound is increasing in
    :math:`1 - s_{\mathrm{eff}} \ge 0`.

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, eqs. (15), (17), (18).
    """
    ev = Evidence()
    N, rho, L, T, D, x = sp.symbols("N rho L T D x", positive=True)
    n_eff = rho * N
    for label, one_minus_s, target in (
        ("approx", eq15_approx(N, n_eff), eq18_rhs(rho, N, L, T)),
        ("exact", eq15_exact(N, n_eff), eq18_exact_rhs(rho, N, L, T)),
    ):
        composed = eq17_rhs(rho, N, distance_rhs(L, one_minus_s, N, n_eff), T)
        ev.symbolic(
            f"eq17 o distance o eq15 ({label}) = eq18 ({label})", is_zero(composed - target)
        )
    ev.symbolic(
        "d eq17/dD = (1-rho) T/(2 N rho)",
        is_zero(sp.diff(eq17_rhs(rho, N, D, T), D) - (1 - rho) * T / (2 * N * rho)),
    )
    ev.symbolic(
        "d distance/d(1-s) = 2 L^2 (1-s)(N - N_eff)",
        is_zero(sp.diff(distance_rhs(L, x, N, n_eff), x) - 2 * L**2 * x * (N - n_eff)),
    )
    for n in (10, 1000):
        for r in (sp.Rational(1, 10), sp.Rational(1, 2), sp.Rational(4, 5)):
            nn = sp.Integer(n)
            composed = eq17_rhs(r, nn, distance_rhs(1, eq15_approx(nn, r * nn), nn, r * nn), 1)
            ev.grid(f"N = {n}, rho = {r}", is_zero(composed - eq18_rhs(r, nn, 1, 1)))
    return ev.result(
        "eq18",
        "eq. 18 from eq. 17: D <= ||theta||_1^2 (1-s_eff)^2 (N - N_eff), 1 - s_eff <= eq. 15 (approx), "
        "N_eff = rho N give exactly ||theta||_1^2 T (1-rho)^4/(2 rho) (1 - sqrt((1-rho)/(N rho)))^2",
        r"\frac{1-\rho}{2N\rho}\,T\,\|\theta\|_1^2(1-\rho)^2\Big(1-\sqrt{\tfrac{1-\rho}{N\rho}}\Big)^2"
        r"(N-\rho N) = \|\theta\|_1^2\,T\,\frac{(1-\rho)^4}{2\rho}\Big(1-\sqrt{\tfrac{1-\rho}{N\rho}}\Big)^2",
        "also with the exact form of eq. 15 (normalized_loss_bound(exact=True)); eq. 18 needs "
        "1 - sqrt((1-rho)/(N rho)) >= 0, i.e. rho >= 1/(N+1), true since N_eff >= 1",
    )
