r"""Checks 15-18: the proof of Proposition 1, part 2 — the least :math:`V(a, b)` is at :math:`a = 1, b = N`.

After checks 11-14 (:mod:`emp_theory.symbolic.reduction`) the minimum of
:math:`\varphi_\nu` over the closed shell is the least of

.. math::

    V(a,b) = \frac{\nu}{b} + \frac{b-\nu}{b}\sqrt{T(a,b)},\qquad
    T(a,b) = \frac{a(b-\nu-1)}{(\nu+1)(b-a)},\qquad 1 \le a \le \nu < b \le N

(:mod:`emp_theory.symbolic.edges`). Three exact inequalities, proved for *real*
:math:`a, b` and symbolic :math:`N, \nu` (hence at every integer point), locate it:

==================================  ==============================================
:func:`check_prop1_first_index`     15. :math:`V(a,b) \ge V(1,b)`; :math:`V(1,b)` is eq. (14) with :math:`b` for :math:`N`
:func:`check_prop1_last_index`      16. :math:`b \mapsto V(1,b)` rises, then falls: the least value is at an end
:func:`check_prop1_endpoints`       17. the ends compared: :math:`\frac{\nu}{\nu+1}` vs eq. (14); the tie :math:`(4, 2)`
:func:`check_prop1_edge_grid`       18. exact grid: all :math:`(a, b)` for :math:`N \le 16`
==================================  ==============================================

Where SymPy cannot decide a sign for symbolic parameters directly, the claim is reduced
to a polynomial (or rational) identity, which SymPy proves, whose factors have a known
sign once the parameters are written through non-negative offsets
(:math:`\nu = 2 + u`, :math:`N - \nu - 1 = 1 + s`, ...): a polynomial with non-negative
coefficients in non-negative variables is non-negative.

Paper symbols: ``N`` is the length, ``nu`` the paper's :math:`\nu`, the shell index of
Proposition 1 / eq. (7); ``a < b`` index the edge :math:`[\zeta_{[a]}, \zeta_{[b]}]`;
``m`` is :math:`N - \nu - 1`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Proposition 1, eq. (14).
"""

from __future__ import annotations

import sympy as sp

from .edges import (
    edge_minimum,
    edge_parameter_sq,
    edge_value,
    endpoint_factor,
    rigorous_sign,
    slope_quadratic,
    stated_infimum,
)
from .formulas import eq14
from .record import CheckResult, Evidence
from .zero import is_zero, split_roots

__all__ = [
    "check_prop1_edge_grid",
    "check_prop1_endpoints",
    "check_prop1_first_index",
    "check_prop1_last_index",
    "expected_minimizers",
]

_al, _be, _s, _u = sp.symbols("alpha beta s u", nonnegative=True)
_sp = sp.Symbol("s", positive=True)
_GRID_N = range(2, 13)


def _nonneg(expr) -> bool:
    """SymPy decides ``expr >= 0`` from the signs of its factors (non-negative symbols)."""
    return bool(sp.factor(sp.cancel(expr)).is_nonnegative)


def _positive(expr) -> bool:
    return bool(sp.factor(sp.cancel(expr)).is_positive)


def _sign(x) -> int:
    return rigorous_sign(x)


def check_prop1_first_index() -> CheckResult:
    r"""Check 15: :math:`V(a,b) \ge V(1,b)`, equality iff :math:`a = 1` or :math:`b = \nu+1`; :math:`V(1,b)` = eq. (14) at :math:`N = b`.

    .. math::

        T(a,b) - T(1,b) = \frac{(b-\nu-1)\,b\,(a-1)}{(\nu+1)(b-a)(b-1)} \ge 0,

    so :math:`V(a,b) - V(1,b) = \frac{b-\nu}{b}\big(\sqrt{T(a,b)} - \sqrt{T(1,b)}\big) \ge 0`.
    Symbolic, for real :math:`a = 1+\alpha`, :math:`\nu = a+\beta`, :math:`b = \nu+1+s`
    (:math:`\alpha,\beta,s \ge 0`, i.e. :math:`1 \le a \le \nu`, :math:`\nu+1 \le b`).
    Grid: every :math:`(a, b)` for :math:`N \le 12`, exactly.
    """
    ev = Evidence()
    a = 1 + _al
    nu = a + _be
    b = nu + 1 + _s
    dT = edge_parameter_sq(a, b, nu) - edge_parameter_sq(1, b, nu)
    closed = (b - nu - 1) * b * (a - 1) / ((nu + 1) * (b - a) * (b - 1))
    ev.symbolic("T(a,b) - T(1,b) = (b-nu-1) b (a-1)/((nu+1)(b-a)(b-1))", is_zero(dT - closed))
    ev.symbolic("T(a,b) - T(1,b) >= 0", _nonneg(closed))
    ev.symbolic("T(1,b) >= 0", _nonneg(edge_parameter_sq(1, b, nu)))
    ev.symbolic("(b - nu)/b > 0", _positive((b - nu) / b))
    ev.symbolic(
        "V(a,b) - V(1,b) = (b-nu)/b (sqrt T(a,b) - sqrt T(1,b))",
        is_zero(
            edge_value(a, b, nu)
            - edge_value(1, b, nu)
            - (b - nu)
            / b
            * (sp.sqrt(edge_parameter_sq(a, b, nu)) - sp.sqrt(edge_parameter_sq(1, b, nu)))
        ),
    )
    ev.symbolic(
        "V(1,b) = eq. 14 with b in place of N",
        is_zero(split_roots(edge_value(1, b, nu)) - split_roots(eq14(b, nu))),
    )
    for n in _GRID_N:
        ok = True
        for v in range(1, n):
            for ib in range(v + 1, n + 1):
                w1 = edge_value(1, ib, v)
                for ia in range(1, v + 1):
                    sgn = _sign(edge_value(ia, ib, v) - w1)
                    ok = ok and sgn == (0 if ia == 1 or ib == v + 1 else 1)
        ev.grid(f"N = {n}", bool(ok))
    return ev.result(
        "prop1_first_index",
        "Prop. 1 proof, check 15: on the edges, V(a,b) >= V(1,b) for real 1 <= a <= nu < nu+1 <= b, with equality "
        "iff a = 1 or b = nu+1 (the vertex zeta_[nu+1]), because T(a,b) - T(1,b) = "
        "(b-nu-1) b (a-1)/((nu+1)(b-a)(b-1)) >= 0; and V(1,b) is eq. 14 with b in place of N",
        r"T(a,b) - T(1,b) = \frac{(b-\nu-1)\,b\,(a-1)}{(\nu+1)(b-a)(b-1)} \ge 0,\quad "
        r"V(1,b) = \frac{\nu}{b} + \frac{b-\nu}{b}\sqrt{\frac{b-\nu-1}{(\nu+1)(b-1)}}",
        "symbolic: for real a, b and symbolic nu (offsets alpha, beta, s >= 0); grid: every "
        "(a, b), N = 2..12, signs decided exactly",
    )


def check_prop1_last_index() -> CheckResult:
    r"""Check 16: :math:`W(b) = V(1,b)` increases, then decreases, on :math:`b \ge \nu+1` (:math:`\nu\ge2`); increases for :math:`\nu = 1`.

    With :math:`g = \sqrt{\frac{b-\nu-1}{(\nu+1)(b-1)}} > 0` and
    :math:`K = \frac{b(b-\nu)}{2(\nu+1)(b-1)^2}`, for :math:`b > \nu+1`

    .. math::

        \frac{b^2 g}{\nu}\,W'(b) = g^2 - g + K,\qquad
        (g^2+K)^2 - g^2 = -\frac{b^2\,R(b-\nu-1)}{4(\nu+1)^2(b-1)^4},

    :math:`R(s) = (4\nu-5)s^2 + 2(2\nu^2-2\nu-1)s - 1`, and :math:`g^2 + K + g > 0`, so
    :math:`W'(b)` has the sign of :math:`-R(b-\nu-1)`. For :math:`\nu = 2+u \ge 2`,
    :math:`R(0) = -1` and :math:`R'(s) = 2(3+4u)s + 2(3+6u+2u^2) > 0`: :math:`R` has one root
    :math:`s^* > 0`, :math:`W` strictly increases on :math:`[\nu+1, \nu+1+s^*]` and strictly
    decreases after. For :math:`\nu = 1`, :math:`R(s) = -(s+1)^2 < 0`: :math:`W` strictly
    increases. Either way :math:`\min_{\nu+1\le b\le N} W = \min(W(\nu+1), W(N))`, and every
    :math:`\nu+1 < b < N` gives a strictly larger value.

    Symbolic for real :math:`b` and symbolic :math:`\nu`. Grid: for :math:`N \le 12`, the
    integer sequence :math:`W(\nu+1), \dots, W(N)` rises then falls, and
    :math:`W'(b)` at every integer :math:`b > \nu+1` has the sign of :math:`-R`, exactly.
    """
    ev = Evidence()
    nu = 1 + _al  # nu >= 1
    b = nu + 1 + _sp  # b > nu + 1
    g = sp.sqrt(edge_parameter_sq(1, b, nu))
    K = b * (b - nu) / (2 * (nu + 1) * (b - 1) ** 2)
    bs = sp.Symbol("b", positive=True)
    W = edge_value(1, bs, nu)
    dW = sp.diff(W, bs).subs(bs, b)
    ev.symbolic("b^2 g/nu * W'(b) = g^2 - g + K", is_zero(b**2 * g / nu * dW - (g**2 - g + K)))
    ev.symbolic("b^2 g/nu > 0", _positive(b**2 * g**2 / nu) and _positive(g**2))
    g2 = edge_parameter_sq(1, b, nu)
    R = slope_quadratic(b - nu - 1, nu)
    ev.symbolic(
        "(g^2 + K)^2 - g^2 = -b^2 R(b-nu-1)/(4(nu+1)^2(b-1)^4)",
        is_zero((g2 + K) ** 2 - g2 + b**2 * R / (4 * (nu + 1) ** 2 * (b - 1) ** 4)),
    )
    ev.symbolic("g^2 + K > 0, so g^2 + K + g > 0 (g >= 0)", _positive(g2 + K))
    s = sp.Symbol("s", real=True)
    nu2 = 2 + _u
    Rs = slope_quadratic(s, nu2)
    ev.symbolic("R(0) = -1", Rs.subs(s, 0) == -1)
    ev.symbolic("4 nu - 5 = 3 + 4u > 0 (nu = 2 + u)", _positive(4 * nu2 - 5))
    ev.symbolic("2 nu^2 - 2 nu - 1 = 3 + 6u + 2u^2 > 0", _positive(2 * nu2**2 - 2 * nu2 - 1))
    ev.symbolic("R'(s) > 0 for s >= 0 (nu >= 2)", _positive(sp.diff(Rs, s).subs(s, _s)))
    ev.symbolic("R(s) = -(s+1)^2 at nu = 1", is_zero(slope_quadratic(s, 1) + (s + 1) ** 2))
    bb = sp.Symbol("b", positive=True)
    for n in _GRID_N:
        ok = True
        for v in range(1, n):
            steps = [_sign(edge_value(1, k + 1, v) - edge_value(1, k, v)) for k in range(v + 1, n)]
            # rises, then falls: once a step is <= 0 every later step is < 0 (a flat step can
            # only straddle the peak, as at (N, nu) = (4, 2))
            first = next((i for i, x in enumerate(steps) if x <= 0), len(steps))
            ok = (
                ok
                and all(x == 1 for x in steps[:first])
                and all(x == -1 for x in steps[first + 1 :])
            )
            ok = ok and (v >= 2 or all(x == 1 for x in steps))
            # W'(b) at the integers b > nu + 1 has the sign of -R(b - nu - 1)
            dWv = sp.diff(edge_value(1, bb, v), bb)
            for k in range(v + 2, n + 1):
                ok = ok and _sign(dWv.subs(bb, k)) == -_sign(slope_quadratic(k - v - 1, v))
        ev.grid(f"N = {n}", bool(ok))
    return ev.result(
        "prop1_last_index",
        "Prop. 1 proof, check 16: W(b) = V(1,b) has W'(b) of the sign of -R(b-nu-1), R(s) = (4nu-5)s^2 + "
        "2(2nu^2-2nu-1)s - 1; for nu >= 2, R(0) = -1 and R' > 0, so W rises then falls on "
        "b >= nu+1; for nu = 1, R = -(s+1)^2 and W rises. So min over nu+1 <= b <= N of W is "
        "min(W(nu+1), W(N)), and interior b give strictly more",
        r"\operatorname{sign} W'(b) = -\operatorname{sign} R(b-\nu-1),\quad "
        r"R(s) = (4\nu-5)s^2 + 2(2\nu^2-2\nu-1)s - 1",
        "symbolic: for real b > nu+1 and symbolic nu (offsets); grid: the integer sequence "
        "W(nu+1..N) rises then falls and W'(b) has the sign of -R(b-nu-1) at every integer b, "
        "N = 2..12, exactly",
    )


def check_prop1_endpoints() -> CheckResult:
    r"""Check 17: :math:`W(\nu+1) = \frac\nu{\nu+1} \ge W(N) = \text{eq. (14)}` for :math:`\nu \ge 2`, equality only at :math:`(N,\nu) = (4,2)`; the reverse for :math:`\nu = 1`.

    With :math:`m = N-\nu-1 \ge 1`, :math:`X = \frac{\nu m}{\nu+1}`,
    :math:`Y = (N-\nu)\sqrt{\frac{m}{(\nu+1)(N-1)}}`:
    :math:`N\big(W(\nu+1) - W(N)\big) = X - Y`, :math:`X + Y > 0` and

    .. math::

        X^2 - Y^2 = \frac{m N\,E}{(\nu+1)^2(N-1)},\qquad E = m(\nu^2-\nu-1) - 1,

    so the difference has the sign of :math:`E`. For :math:`\nu = 2+u`, :math:`m = 1+s`
    (:math:`u, s \ge 0`): :math:`E = u^2 + 3u + s(u^2+3u+1) \ge 3u + s`, zero iff
    :math:`u = s = 0`, i.e. :math:`(N, \nu) = (4, 2)`: there :math:`p_2` and
    :math:`\zeta_{[3]}` both give :math:`2/3` (the only tie). For :math:`\nu = 1`,
    :math:`E = -m-1 < 0`: :math:`W(2) = \frac12` is the least value and eq. (14) at
    :math:`\nu = 1` is larger. For :math:`m = 0` (:math:`\nu = N-1`) both ends are
    :math:`\zeta_{[N]} = p_{N-1}`.

    Symbolic for symbolic :math:`N, \nu`. Grid: the sign of :math:`E` against the exact
    comparison, :math:`N \le 12`.
    """
    ev = Evidence()
    nu = 1 + _al
    m = 1 + _s
    N = nu + 1 + m
    X = nu * m / (nu + 1)
    Y = (N - nu) * sp.sqrt(m / ((nu + 1) * (N - 1)))
    gap = sp.Rational(1) * nu / (nu + 1) - eq14(N, nu)
    ev.symbolic("N (W(nu+1) - W(N)) = X - Y", is_zero(split_roots(N * gap - (X - Y))))
    ev.symbolic("X + Y > 0", _positive(X) and _positive(Y**2))
    E = endpoint_factor(N, nu)
    ev.symbolic(
        "X^2 - Y^2 = m N E/((nu+1)^2 (N-1))",
        is_zero(X**2 - Y**2 - m * N * E / ((nu + 1) ** 2 * (N - 1))),
    )
    ev.symbolic("m N/((nu+1)^2 (N-1)) > 0", _positive(m * N / ((nu + 1) ** 2 * (N - 1))))
    nu2, m2 = 2 + _u, 1 + _s
    E2 = sp.expand(endpoint_factor(nu2 + 1 + m2, nu2))
    ev.symbolic(
        "E = u^2 + 3u + s(u^2 + 3u + 1) (nu = 2+u, m = 1+s)",
        is_zero(E2 - (_u**2 + 3 * _u + _s * (_u**2 + 3 * _u + 1))),
    )
    ev.symbolic(
        "E - (3u + s) has non-negative coefficients",
        all(c >= 0 for c in sp.Poly(E2 - 3 * _u - _s, _u, _s).coeffs()),
    )
    ev.symbolic("E = -m - 1 at nu = 1", is_zero(endpoint_factor(1 + 1 + m, 1) + m + 1))
    Ns = sp.Symbol("N", positive=True)
    ev.symbolic(
        "W(nu+1) = nu/(nu+1) (the vertex zeta_[nu+1])",
        is_zero(edge_value(1, nu + 1, nu) - nu / (nu + 1)),
    )
    ev.symbolic("m = 0: W(N) = (N-1)/N = W(nu+1)", is_zero(eq14(Ns, Ns - 1) - (Ns - 1) / Ns))
    for n in _GRID_N:
        ok = True
        for v in range(1, n - 1):  # m >= 1
            sgn = _sign(sp.Rational(v, v + 1) - eq14(n, v))
            e = endpoint_factor(n, v)
            ok = ok and sgn == (1 if e > 0 else -1 if e < 0 else 0)
            ok = ok and ((e == 0) == ((n, v) == (4, 2)))
        ev.grid(f"N = {n}", bool(ok))
    return ev.result(
        "prop1_endpoints",
        "Prop. 1 proof, check 17: nu/(nu+1) - eq. 14 has the sign of E = (N-nu-1)(nu^2-nu-1) - 1, which is "
        "u^2 + 3u + s(u^2+3u+1) >= 0 for nu = 2+u, N = nu+2+s: eq. 14 is the least value for "
        "nu >= 2, with a tie only at (N, nu) = (4, 2) (p_2 and zeta_[3], value 2/3); for nu = 1, "
        "E = -(N-1) < 0 and the least value is 1/2 at zeta_[2]",
        r"\operatorname{sign}\Big(\frac{\nu}{\nu+1} - \text{eq.(14)}\Big) = "
        r"\operatorname{sign}\big((N-\nu-1)(\nu^2-\nu-1) - 1\big),\quad "
        r"=0 \iff (N,\nu) = (4,2)",
        "symbolic: for symbolic N, nu (offsets u, s >= 0); grid: the sign of E against the "
        "exact comparison, N = 2..12",
    )


def expected_minimizers(N: int, nu: int) -> tuple[str, ...]:
    r"""The minimizers over the closed shell that checks 11-17 prove, for ``1 <= nu <= N - 1``.

    ``("p_nu",)`` for :math:`2 \le \nu \le N-1` except ``("p_nu", "zeta_[3]")`` at
    :math:`(N, \nu) = (4, 2)`; ``("zeta_[2]",)`` for :math:`\nu = 1 < N - 1`
    (at :math:`N = 2`, :math:`\zeta_{[2]} = p_1`).
    """
    if nu == N - 1:
        return ("p_nu",)
    if nu == 1:
        return ("zeta_[2]",)
    return ("p_nu", "zeta_[3]") if (N, nu) == (4, 2) else ("p_nu",)


def check_prop1_edge_grid(n_max: int = 16) -> CheckResult:
    r"""Check 18: exact grid — for every :math:`2 \le N \le` ``n_max`` and :math:`1 \le \nu \le N-1`, the least :math:`V(a,b)` and all its minimizers.

    All :math:`\nu(N-\nu)` values :math:`V(a, b)` are compared with
    :func:`~emp_theory.symbolic.edges.edge_minimum` (mpmath intervals with outward rounding,
    equalities decided exactly): the minimum must be eq. (14) (:math:`\nu \ge 2`) or
    :math:`1/2` (:math:`\nu = 1`), attained exactly at :func:`expected_minimizers`.
    Independent of the inequalities of checks 15-17 (it does not use them).
    """
    ev = Evidence()
    count = 0
    for n in range(2, n_max + 1):
        for v in range(1, n):
            got = edge_minimum(n, v)
            count += got.n_edges
            ok = is_zero(got.value - stated_infimum(n, v))
            ok = ok and got.points == expected_minimizers(n, v)
            ev.grid(f"(N, nu) = ({n}, {v})", bool(ok))
    return ev.result(
        "prop1_edge_grid",
        f"Prop. 1 proof, check 18 (exact grid, N <= {n_max}): over all edge points, the least phi_nu is eq. 14 "
        "(nu >= 2) or 1/2 (nu = 1), attained only at p_nu (zeta_[2] for nu = 1), and also at "
        "zeta_[3] for (N, nu) = (4, 2)",
        r"\min_{1\le a\le\nu<b\le N} V(a,b) = V(1,N)\ (\nu\ge2),\quad "
        r"= V(1,2) = \tfrac12\ (\nu=1)",
        f"grid: {count} values V(a, b) for every 2 <= N <= {n_max}, 1 <= nu <= N-1, compared "
        "rigorously (outward-rounded intervals, exact equalities)",
    )
