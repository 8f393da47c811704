r"""Checks 1-3 and 9: Proposition 1 — the point :math:`p_\nu`, the inner sphere, eq. (14), the boundary.

==================================  ==============================================
:func:`check_p_nu`                  Prop. 1 / App. A: the coordinates of :math:`p_\nu`
:func:`check_inner_sphere`          :math:`\|p_\nu\|^2 = 1/(\nu+1)` (eqs. 7, 12)
:func:`check_prop1_value`           :math:`\varphi_\nu(p_\nu)` equals eq. (14)
:func:`check_prop1_boundary`        Prop. 1 at :math:`\nu = 1` and :math:`\nu = N`
==================================  ==============================================

Paper symbols: ``N`` is the length, ``nu`` the paper's :math:`\nu`, the shell index of
Proposition 1 / eq. (7); :math:`\varphi_\nu(w) = \sum_{i \le \nu} w_i`. Each check returns a
:class:`~emp_theory.symbolic.record.CheckResult` backed by symbolic and exact grid evidence
(:mod:`emp_theory.symbolic.record`).

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 4, Proposition 1, eqs. (7), (10)-(14) and Appendix A.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from .formulas import appendix_a_p_nu, eq14, p_nu_definition, radius_sq
from .record import N_CLOSED, NU, CheckResult, Evidence, grid, p_exact
from .zero import is_nonneg_number, is_zero, split_roots

__all__ = ["check_inner_sphere", "check_p_nu", "check_prop1_boundary", "check_prop1_value"]


def check_p_nu() -> CheckResult:
    r"""Check 1: :math:`p_\nu` has the coordinates of Appendix A, sums to 1 and is ordered.

    For :math:`2 \le \nu \le N-1`, with :math:`c = r_{\nu+1}/r_1`,
    :math:`p_\nu = \zeta_{[N]} + c(\zeta_{[1]} - \zeta_{[N]})` equals the vector
    printed in Appendix A, :math:`\sum_i (p_\nu)_i = 1`, and
    :math:`p_1 - p_2 = c \ge 0`, :math:`p_2 = \dots = p_N = (1-c)/N \ge 0` because
    :math:`1 - c^2 = \nu N / ((\nu+1)(N-1)) > 0`.

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, Proposition 1 and Appendix A.
    """
    ev = Evidence()
    N, nu = N_CLOSED, NU
    p1, q = p_nu_definition(N, nu)
    a1, aq = appendix_a_p_nu(N, nu)
    c = sp.sqrt(radius_sq(nu + 1, N)) / sp.sqrt(radius_sq(1, N))
    ev.symbolic("p_1 = Appendix A", is_zero(p1 - a1))
    ev.symbolic("p_i = Appendix A (i >= 2)", is_zero(q - aq))
    ev.symbolic("sum = 1", is_zero(p1 + (N - 1) * q - 1))
    ev.symbolic("p_1 - p_2 = c", is_zero(p1 - q - c))
    ev.symbolic("c >= 0", bool(split_roots(c).is_nonnegative))
    one_minus_c2 = nu * N / ((nu + 1) * (N - 1))
    ev.symbolic("1 - c^2 = nu N/((nu+1)(N-1))", is_zero(1 - c**2 - one_minus_c2))
    ev.symbolic("nu N/((nu+1)(N-1)) > 0", bool(one_minus_c2.is_positive))
    ev.symbolic("p_2 = (1 - c)/N", is_zero(q - (1 - c) / N))
    for n, v in grid():
        p, mult = p_exact(n, v)
        b1, bq = appendix_a_p_nu(n, v)
        ok = is_zero(p[0] - b1) and all(is_zero(x - bq) for x in p[1:])
        ok = ok and is_zero(sum(k * x for k, x in zip(mult, p, strict=True)) - 1)
        ok = ok and all(is_nonneg_number(p[i] - p[i + 1]) for i in range(len(p) - 1))
        ok = ok and is_nonneg_number(p[-1])
        ev.grid(f"(N, nu) = ({n}, {v})", ok)
    return ev.result(
        "p_nu",
        "Prop. 1 / Appendix A: p_nu = zeta_[N] + (r_{nu+1}/r_1)(zeta_[1] - zeta_[N]) has the "
        "coordinates printed in Appendix A, sums to 1 and satisfies p_1 >= p_2 = ... = p_N >= 0 "
        "(2 <= nu <= N-1)",
        r"p_\nu = \zeta_{[N]} + \tfrac{r_{\nu+1}}{r_1}(\zeta_{[1]}-\zeta_{[N]}) = "
        r"\Big(\tfrac1N + \tfrac1N\sqrt{\tfrac{(N-1)(N-\nu-1)}{\nu+1}},\ "
        r"\tfrac1N\big(1-\sqrt{\tfrac{N-\nu-1}{(N-1)(\nu+1)}}\big), \dots\Big),\quad "
        r"\textstyle\sum_i p_i = 1,\ p_1 \ge p_2 = \dots = p_N \ge 0",
        "p_1 - p_2 = c = r_{nu+1}/r_1 >= 0 and 1 - c^2 = nu N/((nu+1)(N-1)) > 0, so p_N = "
        "(1-c)/N > 0",
    )


def check_inner_sphere() -> CheckResult:
    r"""Check 2: :math:`\|p_\nu\|^2 = 1/(\nu+1)`, so :math:`p_\nu` lies on the inner sphere of :math:`A_\nu`.

    By eq. (11), :math:`\|p_\nu\|^2 = 1/N + c^2 r_1^2 = 1/N + r_{\nu+1}^2 = 1/(\nu+1)`;
    :math:`p_\nu` is in the closure of :math:`A_\nu` (eq. 7) since
    :math:`1/(\nu+1) \le 1/\nu`.

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, eqs. (7), (11), (12) and Proposition 1.
    """
    ev = Evidence()
    N, nu = N_CLOSED, NU
    p1, q = p_nu_definition(N, nu)
    ev.symbolic("||p||^2 = 1/(nu+1)", is_zero(p1**2 + (N - 1) * q**2 - 1 / (nu + 1)))
    ev.symbolic("1/nu - 1/(nu+1) > 0", bool((1 / nu - 1 / (nu + 1)).together().is_positive))
    for n, v in grid():
        p, mult = p_exact(n, v)
        sq = sum(k * x**2 for k, x in zip(mult, p, strict=True))
        ev.grid(f"(N, nu) = ({n}, {v})", is_zero(sq - sp.Rational(1, v + 1)))
    return ev.result(
        "inner_sphere",
        "||p_nu||^2 = 1/(nu+1): p_nu lies on the inner sphere of the shell A_nu (eqs. 7, 12)",
        r"\|p_\nu\|^2 = \frac{1}{\nu+1}",
    )


def check_prop1_value(claimed: Callable | None = None) -> CheckResult:
    r"""Check 3: :math:`\varphi_\nu(p_\nu) = p_1 + (\nu-1)p_2` equals eq. (14).

    .. math::

        \varphi_\nu(p_\nu) = \frac{\nu}{N} + \frac{N-\nu}{N}\sqrt{\frac{N-\nu-1}{(\nu+1)(N-1)}}.

    Parameters
    ----------
    claimed : callable, optional
        ``claimed(N, nu)`` returning the SymPy expression to compare with; default
        :func:`~emp_theory.symbolic.formulas.eq14`. Passing a wrong formula makes the check fail.

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, Proposition 1, eq. (14).
    """
    formula = eq14 if claimed is None else claimed
    ev = Evidence()
    N, nu = N_CLOSED, NU
    p1, q = p_nu_definition(N, nu)
    ev.symbolic("p_1 + (nu-1) p_2 = claimed", is_zero(p1 + (nu - 1) * q - formula(N, nu)))
    for n, v in grid():
        p, _ = p_exact(n, v)
        phi = p[0] + sum(p[1:v]) if n <= 12 else p[0] + (v - 1) * p[1]
        ev.grid(f"(N, nu) = ({n}, {v})", is_zero(phi - formula(sp.Integer(n), sp.Integer(v))))
    return ev.result(
        "prop1_value",
        "Prop. 1, eq. 14: phi_nu(p_nu) = p_1 + (nu-1) p_2 = nu/N + (N-nu)/N sqrt((N-nu-1)/((nu+1)(N-1)))",
        r"\varphi_\nu(p_\nu) = \frac{\nu}{N} + \frac{N-\nu}{N}\sqrt{\frac{N-\nu-1}{(\nu+1)(N-1)}}",
    )


def check_prop1_boundary() -> CheckResult:
    r"""Check 9: the boundary cases :math:`\nu = 1` and :math:`\nu = N` of Proposition 1.

    * :math:`\nu = 1`: :math:`\varphi_1(\zeta_{[2]}) = 1/2` and
      :math:`\|\zeta_{[2]}\|^2 = 1/2`, so :math:`\zeta_{[2]}` is on the inner sphere of
      :math:`A_1`; the points :math:`a\zeta_{[1]} + (1-a)\zeta_{[2]}`,
      :math:`0 < a \le 1`, lie in :math:`A_1` (:math:`\|\cdot\|^2 = (1+a^2)/2`) with
      :math:`\varphi_1 = (1+a)/2 \to 1/2`; and on :math:`A_1`,
      :math:`\varphi_1(w) = w_1 \ge \|w\|^2 > 1/2` because
      :math:`w_1\sum_i w_i - \|w\|^2 = \sum_i w_i(w_1 - w_i) \ge 0`. Hence the
      infimum is :math:`1/2` (not attained). Eq. (14) at :math:`\nu = 1` is *not*
      this value: it exceeds :math:`1/2` by
      :math:`(2 - N + \sqrt{2(N-1)(N-2)})/(2N) > 0` for :math:`N \ge 3`.
    * :math:`\nu = N`: by eq. (11), :math:`\|w\|^2 - 1/N = \|w - \zeta_{[N]}\|^2`, so
      :math:`A_N = \{\zeta_{[N]}\}` and the infimum is :math:`\varphi_N(\zeta_{[N]}) = 1`.

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, Proposition 1, eqs. (7), (11).
    """
    ev = Evidence()
    a, Ns = sp.symbols("a N", positive=True)
    m = sp.Symbol("m", nonnegative=True)  # N = 2 + m
    ev.symbolic("phi_1(a z1 + (1-a) z2) = (1+a)/2", is_zero(a + (1 - a) / 2 - (1 + a) / 2))
    ev.symbolic(
        "||a z1 + (1-a) z2||^2 = (1+a^2)/2",
        is_zero((a + (1 - a) / 2) ** 2 + ((1 - a) / 2) ** 2 - (1 + a**2) / 2),
    )
    Nm = 2 + m
    excess = eq14(Nm, 1) - sp.Rational(1, 2)
    ev.symbolic(
        "eq14(nu=1) - 1/2 = (2 - N + sqrt(2(N-1)(N-2)))/(2N)",
        is_zero(excess - (2 - Nm + sp.sqrt(2 * (Nm - 1) * (Nm - 2))) / (2 * Nm)),
    )
    # sqrt(2(N-1)(N-2)) > N - 2 since 2(N-1)(N-2) - (N-2)^2 = N(N-2) > 0 for N > 2
    ev.symbolic(
        "2(N-1)(N-2) - (N-2)^2 = N(N-2)",
        is_zero(2 * (Ns - 1) * (Ns - 2) - (Ns - 2) ** 2 - Ns * (Ns - 2)),
    )
    ev.symbolic("eq14 at nu = N is N/N = 1", sp.simplify(eq14(Ns, Ns)) == 1)
    for n in range(2, 13):
        w = sp.symbols(f"w1:{n + 1}", real=True)
        z2 = [sp.Rational(1, 2)] * 2 + [0] * (n - 2)
        zN = [sp.Rational(1, n)] * n
        ok = z2[0] == sp.Rational(1, 2) and sum(t * t for t in z2) == sp.Rational(1, 2)
        # w_1 * sum(w) - ||w||^2 = sum_i w_i (w_1 - w_i)
        ok = ok and is_zero(w[0] * sum(w) - sum(t * t for t in w) - sum(t * (w[0] - t) for t in w))
        # eq. (11) on Pi (sum w = 1): ||w||^2 - 1/N = ||w - zeta_N||^2
        w_last = 1 - sum(w[:-1])
        ww = [*w[:-1], w_last]
        ok = ok and is_zero(
            sum(t * t for t in ww)
            - sp.Rational(1, n)
            - sum((t - sp.Rational(1, n)) ** 2 for t in ww)
        )
        ok = ok and sum(zN) == 1
        if n >= 3:
            ok = ok and bool(eq14(n, 1) > sp.Rational(1, 2))
        ev.grid(f"N = {n}", bool(ok))
    return ev.result(
        "prop1_boundary",
        "Prop. 1 boundary cases: nu = 1 has infimum 1/2 at zeta_[2] (phi_1(zeta_2) = 1/2, "
        "||zeta_2||^2 = 1/2); nu = N has A_N = {zeta_[N]} and value 1",
        r"\inf_{A_1}\varphi_1 = \varphi_1(\zeta_{[2]}) = \tfrac12,\ \|\zeta_{[2]}\|^2 = \tfrac12;\quad "
        r"\inf_{A_N}\varphi_N = \varphi_N(\zeta_{[N]}) = 1",
        "nu = 1: phi_1(w) = w_1 >= ||w||^2 > 1/2 on A_1 and the edge [zeta_1, zeta_2] approaches "
        "1/2, so the infimum is 1/2 and is not attained; eq. 14 evaluated at nu = 1 gives a larger "
        "value for N >= 3, so the boundary case is genuinely separate",
    )
