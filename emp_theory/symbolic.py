r"""SymPy proofs of Proposition 1, Theorem 2 and eqs. (17)-(18) of the paper.

Every check returns a :class:`CheckResult` and rests on two independent kinds of
evidence:

* **symbolic** — the identity is proved for symbolic :math:`N` and :math:`\nu`.
  Writing :math:`\nu = 1 + a` and :math:`N = \nu + 1 + m` with :math:`a > 0`,
  :math:`m \ge 0` makes every radicand a product of non-negative factors, so each
  square root splits into square roots of factors and the claim becomes an
  identity between rational functions of those roots, which SymPy decides
  (``cancel``/``simplify``). An identity for all real :math:`a > 0, m \ge 0` holds
  in particular at every integer :math:`2 \le \nu \le N-1`.
* **grid** — the same claim evaluated in exact arithmetic (rationals and square
  roots of rationals, no floating point) at every :math:`2 \le \nu \le N-1` for
  :math:`N \le 12` and at a few :math:`\nu` for :math:`N \in \{50, 1000\}`.

A check passes only if both do. The formula being checked can be passed in
(``claimed=``, ``multipliers=``, ``library=``), so the machinery can be shown to
reject a wrong formula.

==================================  ==============================================
:func:`check_p_nu`                  Prop. 1 / App. A: the coordinates of :math:`p_\nu`
:func:`check_inner_sphere`          :math:`\|p_\nu\|^2 = 1/(\nu+1)` (eqs. 7, 12)
:func:`check_prop1_value`           :math:`\varphi_\nu(p_\nu)` equals eq. (14)
:func:`check_kkt`                   KKT conditions of Prop. 1 at :math:`p_\nu`
:func:`check_theorem2`              eq. (15), exact form, is :math:`1 -` eq. (14)
:func:`check_theorem2_approx`       eq. (15): exact :math:`-` approximate :math:`= O(N^{-3/2})`
:func:`check_eq17`                  eq. (17) from Lemma 1, eq. (1)
:func:`check_eq18`                  eq. (18) from eq. (17) and eq. (15)
:func:`check_prop1_boundary`        Prop. 1 at :math:`\nu = 1` and :math:`\nu = N`
:func:`check_library_agreement`     :mod:`emp_theory.bounds` evaluates these formulas
==================================  ==============================================

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 4, Proposition 1, Theorem 2, eqs. (1), (14)-(18) and Appendix A.
.. [2] Zhang, Zhang, Sun, Liu, "How sparse can we prune a deep network: a
       fundamental limit viewpoint", arXiv:2306.05857 (2025), Lemma 3.5.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

import numpy as np
import sympy as sp

__all__ = [
    "CheckResult",
    "appendix_a_p_nu",
    "check_eq17",
    "check_eq18",
    "check_inner_sphere",
    "check_kkt",
    "check_library_agreement",
    "check_p_nu",
    "check_prop1_boundary",
    "check_prop1_value",
    "check_theorem2",
    "check_theorem2_approx",
    "eq14",
    "eq15_approx",
    "eq15_exact",
    "eq17_rhs",
    "eq18_rhs",
    "lemma1_rhs",
    "p_nu_definition",
    "run_all",
    "theorem2_gap_coefficient",
]


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one symbolic check.

    Attributes
    ----------
    name : str
        Short identifier (``"prop1_value"``, ...).
    statement : str
        The claim in words, with the paper's equation number.
    latex : str
        The claim as a LaTeX formula (rendered by the book).
    passed : bool
        Whether every symbolic identity and every exact grid evaluation held.
    detail : str
        What was proved, on which grid, and any failure or remark.
    """

    name: str
    statement: str
    latex: str
    passed: bool
    detail: str

    def as_dict(self) -> dict:
        """The result as a plain ``dict`` (JSON-serialisable)."""
        return asdict(self)


# ---------------------------------------------------------------------------
# The paper's formulas, as SymPy expressions of (symbolic or concrete) N, nu
# ---------------------------------------------------------------------------
def _S(x):
    return sp.sympify(x)


def _radius_sq(k, N):
    r""":math:`r_k^2 = 1/k - 1/N` (eq. 12)."""
    return 1 / _S(k) - 1 / _S(N)


def p_nu_definition(N, nu):
    r"""Coordinates :math:`(p_1, q)` of :math:`p_\nu = \zeta_{[N]} + \frac{r_{\nu+1}}{r_1}(\zeta_{[1]} - \zeta_{[N]})`.

    From the definition in Proposition 1 with :math:`\zeta_{[1]} = e_1`,
    :math:`\zeta_{[N]} = \mathbf 1/N` (eq. 10) and :math:`r_k = \sqrt{1/k - 1/N}`
    (eq. 12): :math:`p_1 = 1/N + c\,(1 - 1/N)` and :math:`p_i = q = 1/N - c/N`
    for :math:`i \ge 2`, with :math:`c = r_{\nu+1}/r_1`.

    Returns
    -------
    tuple of sympy.Expr
        ``(p1, q)``.
    """
    N, nu = _S(N), _S(nu)
    c = sp.sqrt(_radius_sq(nu + 1, N)) / sp.sqrt(_radius_sq(1, N))
    return 1 / N + c * (1 - 1 / N), 1 / N - c / N


def appendix_a_p_nu(N, nu):
    r"""Coordinates :math:`(p_1, q)` of :math:`p_\nu` as printed in Appendix A.

    .. math::

        p_1 = \frac1N + \frac1N\sqrt{\frac{(N-1)(N-\nu-1)}{\nu+1}},\qquad
        p_{i\ge2} = q = \frac1N\Big(1 - \sqrt{\frac{N-\nu-1}{(N-1)(\nu+1)}}\Big).
    """
    N, nu = _S(N), _S(nu)
    p1 = 1 / N + sp.sqrt((N - 1) * (N - nu - 1) / (nu + 1)) / N
    q = (1 - sp.sqrt((N - nu - 1) / ((N - 1) * (nu + 1)))) / N
    return p1, q


def eq14(N, nu):
    r"""Eq. (14): :math:`\frac{\nu}{N} + \frac{N-\nu}{N}\sqrt{\frac{N-\nu-1}{(\nu+1)(N-1)}}`."""
    N, nu = _S(N), _S(nu)
    return nu / N + (N - nu) / N * sp.sqrt((N - nu - 1) / ((nu + 1) * (N - 1)))


def eq15_exact(N, n_eff):
    r"""Eq. (15), exact bound on :math:`1 - s_{\mathrm{eff}}`:
    :math:`\frac{N-N_{\mathrm{eff}}}{N}\big(1 - \sqrt{\frac{N-N_{\mathrm{eff}}-1}{(N_{\mathrm{eff}}+1)(N-1)}}\big)`.
    """
    N, k = _S(N), _S(n_eff)
    return (N - k) / N * (1 - sp.sqrt((N - k - 1) / ((k + 1) * (N - 1))))


def eq15_approx(N, n_eff):
    r"""Eq. (15), the :math:`\approx` form:
    :math:`\frac{N-N_{\mathrm{eff}}}{N}\big(1 - \sqrt{\frac{N-N_{\mathrm{eff}}}{N N_{\mathrm{eff}}}}\big)`.
    """
    N, k = _S(N), _S(n_eff)
    return (N - k) / N * (1 - sp.sqrt((N - k) / (N * k)))


def lemma1_rhs(eps, N, dist_sq, trace_h):
    r"""Right-hand side of Lemma 1, eq. (1): :math:`1 - \frac{2\epsilon N}{D\,T + 2\epsilon N}`.

    :math:`D = \|\theta^*-\theta^k\|_2^2`, :math:`T = \mathrm{Tr}(H)`.
    """
    return 1 - 2 * eps * N / (dist_sq * trace_h + 2 * eps * N)


def eq17_rhs(rho, N, dist_sq, trace_h):
    r"""Right-hand side of eq. (17): :math:`\frac{1-\rho}{2N\rho}\,T\,D`."""
    return (1 - rho) / (2 * N * rho) * trace_h * dist_sq


def _distance_rhs(theta_l1, one_minus_s, N, n_eff):
    r""":math:`\|\theta^*\|_1^2 (1-s_{\mathrm{eff}})^2 (N - N_{\mathrm{eff}})` (before eq. 18)."""
    return theta_l1**2 * one_minus_s**2 * (N - n_eff)


def eq18_rhs(rho, N, theta_l1, trace_h):
    r"""Right-hand side of eq. (18):
    :math:`\|\theta^*\|_1^2\,T\,\frac{(1-\rho)^4}{2\rho}\big(1 - \sqrt{\frac{1-\rho}{N\rho}}\big)^2`.
    """
    return (
        theta_l1**2
        * trace_h
        * (1 - rho) ** 4
        / (2 * rho)
        * (1 - sp.sqrt((1 - rho) / (N * rho))) ** 2
    )


def _eq18_exact_rhs(rho, N, theta_l1, trace_h):
    r"""Eq. (18) without the :math:`\approx` of eq. (15) (``normalized_loss_bound(exact=True)``)."""
    inner = sp.sqrt((N * (1 - rho) - 1) / ((N * rho + 1) * (N - 1)))
    return theta_l1**2 * trace_h * (1 - rho) ** 4 / (2 * rho) * (1 - inner) ** 2


# ---------------------------------------------------------------------------
# Checking machinery
# ---------------------------------------------------------------------------
#: nu = 1 + a, N = nu + 1 + m; a > 0 and m >= 0 cover 1 < nu <= N - 1.
_A = sp.Symbol("a", positive=True)
_M0 = sp.Symbol("m", nonnegative=True)
#: m > 0 (nu <= N - 2), where the Lagrange multiplier mu is finite.
_M = sp.Symbol("m", positive=True)
_NU = 1 + _A
_N0 = _NU + 1 + _M0
_N1 = _NU + 1 + _M

_SMALL_N = range(3, 13)
_LARGE = {50: (2, 3, 10, 25, 48, 49), 1000: (2, 7, 100, 500, 998, 999)}


def _grid(interior_only: bool = False) -> list[tuple[int, int]]:
    """(N, nu): all 2 <= nu <= N-1 for N <= 12, plus a few nu for N = 50, 1000.

    With ``interior_only`` the cases nu = N - 1 (where p_nu = zeta_[N]) are left out.
    """
    top = 2 if interior_only else 1
    pairs = [(n, v) for n in _SMALL_N for v in range(2, n - top + 1)]
    for n, nus in _LARGE.items():
        pairs += [(n, v) for v in nus if v <= n - top]
    return pairs


def _split_roots(expr):
    """Rewrite every square root as the root of its factored radicand.

    With non-negative symbols this splits ``sqrt(x*y/z)`` into
    ``sqrt(x)*sqrt(y)/sqrt(z)``, which makes identities between radicals
    decidable as identities of rational functions of the roots.
    """
    expr = sp.sympify(expr)
    return expr.replace(
        lambda e: e.is_Pow and e.exp.is_Rational and e.exp.q == 2,
        lambda e: sp.factor(sp.together(e.base)) ** e.exp,
    )


#: Sample points (a = 7/3, m = 5/2, ...) for the quick refutation in :func:`_is_zero`.
_PROBE = (sp.Rational(7, 3), sp.Rational(5, 2), sp.Rational(11, 7), sp.Rational(13, 5))


def _clearly_nonzero(e) -> bool:
    """True if ``e`` evaluates (60 digits) to a clearly non-zero number at a sample point.

    A non-zero value at one admissible point refutes an identity; a tiny value
    proves nothing, so the exact tests below still decide.
    """
    syms = sorted(e.free_symbols, key=lambda s: s.name)
    point = {s: _PROBE[i % len(_PROBE)] + i for i, s in enumerate(syms)}
    try:
        val = sp.N(e.subs(point), 60)
    except (TypeError, ValueError, ZeroDivisionError):  # pragma: no cover - defensive
        return False
    if not val.is_number or val.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return False
    return bool(abs(val) > sp.Float("1e-40", 60))


def _is_zero(expr) -> bool:
    """Decide ``expr == 0`` exactly (symbolic or concrete algebraic numbers).

    Identities are *proved* only by exact simplification (``cancel``/``radsimp``/
    ``simplify``/``equals``); a 60-digit evaluation at one point is used only to
    *refute* quickly.
    """
    e = sp.sympify(expr)
    if not e.free_symbols:  # a concrete algebraic number: square roots auto-reduce
        if sp.expand(sp.radsimp(sp.expand(e))) == 0:
            return True
        if _clearly_nonzero(e):
            return False
        return sp.simplify(e) == 0 or e.equals(0) is True
    if _clearly_nonzero(e):
        return False
    e = _split_roots(e)
    if sp.expand(sp.numer(sp.together(e))) == 0:
        return True
    if sp.cancel(sp.expand(e)) == 0:
        return True
    if sp.expand(sp.radsimp(e)) == 0:
        return True
    if sp.simplify(e) == 0:
        return True
    return e.equals(0) is True


def _nonneg_number(x) -> bool:
    """Exact sign test of a concrete algebraic number (``x >= 0``)."""
    x = sp.sympify(x)
    if _is_zero(x):
        return True
    return bool(x > 0)


class _Evidence:
    """Collects the outcome of the symbolic identities and of the grid evaluations."""

    def __init__(self, grid_kind: str = "exact grid evaluation(s)") -> None:
        self.grid_kind = grid_kind
        self.sym_ok = 0
        self.grid_ok = 0
        self.failures: list[str] = []
        self._t0 = time.perf_counter()

    def symbolic(self, label: str, ok: bool) -> None:
        if ok:
            self.sym_ok += 1
        else:
            self.failures.append(f"symbolic: {label}")

    def grid(self, label: str, ok: bool) -> None:
        if ok:
            self.grid_ok += 1
        else:
            self.failures.append(f"grid: {label}")

    def result(self, name: str, statement: str, latex: str, what: str = "") -> CheckResult:
        passed = not self.failures
        parts = [what] if what else []
        parts.append(
            f"{self.sym_ok} symbolic statement(s) and {self.grid_ok} {self.grid_kind} "
            f"held ({time.perf_counter() - self._t0:.2f} s)"
        )
        if self.failures:
            shown = "; ".join(self.failures[:5])
            more = f" (+{len(self.failures) - 5} more)" if len(self.failures) > 5 else ""
            parts.append(f"FAILED ({len(self.failures)}): {shown}{more}")
        return CheckResult(name, statement, latex, passed, ". ".join(parts))


def _vec_p_definition(N: int, nu: int) -> sp.Matrix:
    """Full vector p_nu from the definition (exact), for a concrete (N, nu)."""
    n, v = sp.Integer(N), sp.Integer(nu)
    z1 = sp.Matrix([1] + [0] * (N - 1))
    zN = sp.Matrix([1 / n] * N)
    c = sp.sqrt(_radius_sq(v + 1, n)) / sp.sqrt(_radius_sq(1, n))
    return zN + c * (z1 - zN)


def _p_exact(N: int, nu: int):
    """``(p, mult)``: the distinct coordinates of p_nu (exact) and how often each occurs.

    For ``N <= 12`` every coordinate is built from the vector definition; for larger
    ``N`` the vector ``zeta_[N] + c (e_1 - zeta_[N])`` is represented by its first
    entry and one of its ``N - 1`` equal other entries.
    """
    if N <= 12:
        p = _vec_p_definition(N, nu)
        return list(p), [1] * N
    n, v = sp.Integer(N), sp.Integer(nu)
    c = sp.sqrt(_radius_sq(v + 1, n)) / sp.sqrt(_radius_sq(1, n))
    return [1 / n + c * (1 - 1 / n), 1 / n - c / n], [1, N - 1]


# ---------------------------------------------------------------------------
# 1-3: p_nu, the inner sphere, eq. (14)
# ---------------------------------------------------------------------------
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
    ev = _Evidence()
    N, nu = _N0, _NU
    p1, q = p_nu_definition(N, nu)
    a1, aq = appendix_a_p_nu(N, nu)
    c = sp.sqrt(_radius_sq(nu + 1, N)) / sp.sqrt(_radius_sq(1, N))
    ev.symbolic("p_1 = Appendix A", _is_zero(p1 - a1))
    ev.symbolic("p_i = Appendix A (i >= 2)", _is_zero(q - aq))
    ev.symbolic("sum = 1", _is_zero(p1 + (N - 1) * q - 1))
    ev.symbolic("p_1 - p_2 = c", _is_zero(p1 - q - c))
    ev.symbolic("c >= 0", bool(_split_roots(c).is_nonnegative))
    one_minus_c2 = nu * N / ((nu + 1) * (N - 1))
    ev.symbolic("1 - c^2 = nu N/((nu+1)(N-1))", _is_zero(1 - c**2 - one_minus_c2))
    ev.symbolic("nu N/((nu+1)(N-1)) > 0", bool(one_minus_c2.is_positive))
    ev.symbolic("p_2 = (1 - c)/N", _is_zero(q - (1 - c) / N))
    for n, v in _grid():
        p, mult = _p_exact(n, v)
        b1, bq = appendix_a_p_nu(n, v)
        ok = _is_zero(p[0] - b1) and all(_is_zero(x - bq) for x in p[1:])
        ok = ok and _is_zero(sum(k * x for k, x in zip(mult, p, strict=True)) - 1)
        ok = ok and all(_nonneg_number(p[i] - p[i + 1]) for i in range(len(p) - 1))
        ok = ok and _nonneg_number(p[-1])
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
    ev = _Evidence()
    N, nu = _N0, _NU
    p1, q = p_nu_definition(N, nu)
    ev.symbolic("||p||^2 = 1/(nu+1)", _is_zero(p1**2 + (N - 1) * q**2 - 1 / (nu + 1)))
    ev.symbolic("1/nu - 1/(nu+1) > 0", bool((1 / nu - 1 / (nu + 1)).together().is_positive))
    for n, v in _grid():
        p, mult = _p_exact(n, v)
        sq = sum(k * x**2 for k, x in zip(mult, p, strict=True))
        ev.grid(f"(N, nu) = ({n}, {v})", _is_zero(sq - sp.Rational(1, v + 1)))
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
        :func:`eq14`. Passing a wrong formula makes the check fail.

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, Proposition 1, eq. (14).
    """
    formula = eq14 if claimed is None else claimed
    ev = _Evidence()
    N, nu = _N0, _NU
    p1, q = p_nu_definition(N, nu)
    ev.symbolic("p_1 + (nu-1) p_2 = claimed", _is_zero(p1 + (nu - 1) * q - formula(N, nu)))
    for n, v in _grid():
        p, _ = _p_exact(n, v)
        phi = p[0] + sum(p[1:v]) if n <= 12 else p[0] + (v - 1) * p[1]
        ev.grid(f"(N, nu) = ({n}, {v})", _is_zero(phi - formula(sp.Integer(n), sp.Integer(v))))
    return ev.result(
        "prop1_value",
        "Prop. 1, eq. 14: phi_nu(p_nu) = p_1 + (nu-1) p_2 = nu/N + (N-nu)/N sqrt((N-nu-1)/((nu+1)(N-1)))",
        r"\varphi_\nu(p_\nu) = \frac{\nu}{N} + \frac{N-\nu}{N}\sqrt{\frac{N-\nu-1}{(\nu+1)(N-1)}}",
    )


# ---------------------------------------------------------------------------
# 4: KKT
# ---------------------------------------------------------------------------
def _lead_multipliers():
    """The multipliers to verify (formulas proposed for the KKT system)."""
    return {
        # lambda + 2 mu q
        "K": lambda N, nu: (nu - 1) / (N - 1),
        "mu": lambda N, nu, p1, q: (N - nu) / (2 * (N - 1) * (p1 - q)),
        # eta_j for 2 <= j <= nu, and for nu <= j <= N - 1
        "eta_low": lambda N, nu, j: (j - 1) * (N - nu) / (N - 1),
        "eta_high": lambda N, nu, j: (nu - 1) * (N - j) / (N - 1),
    }


def check_kkt(multipliers: dict | None = None) -> CheckResult:
    r"""Check 4: :math:`p_\nu` is a KKT point of Proposition 1's problem, with explicit multipliers.

    Problem: minimize :math:`\varphi_\nu(w) = \sum_{i\le\nu} w_i` subject to
    :math:`\sum_i w_i = 1` (multiplier :math:`\lambda`),
    :math:`\|w\|^2 \ge 1/(\nu+1)` (:math:`\mu \ge 0`) and
    :math:`c_i(w) = w_i - w_{i+1} \ge 0`, :math:`1 \le i \le N-1`
    (:math:`\eta_i \ge 0`); the constraints :math:`w_N \ge 0` and
    :math:`\|w\|^2 \le 1/\nu` are inactive at :math:`p_\nu` (multiplier 0).
    Stationarity of :math:`\varphi_\nu - \lambda(\sum w - 1) - \mu(\|w\|^2 - \frac1{\nu+1})
    - \sum_i \eta_i c_i` reads, for every :math:`j`,

    .. math::

        [j \le \nu] = \lambda + 2\mu w_j + \eta_j - \eta_{j-1},
        \qquad \eta_0 = \eta_N = 0 .

    For :math:`2 \le \nu \le N-2` (where :math:`p_1 > q = p_2`) the multipliers are

    .. math::

        \lambda + 2\mu q = \frac{\nu-1}{N-1},\quad
        \mu = \frac{N-\nu}{2(N-1)(p_1-q)} > 0,\quad \eta_1 = 0,\quad
        \eta_j = \frac{(j-1)(N-\nu)}{N-1}\ (2\le j\le\nu),\quad
        \eta_j = \frac{(\nu-1)(N-j)}{N-1}\ (\nu\le j\le N-1).

    They are checked for a *general* index :math:`j` with symbolic :math:`N, \nu`
    (and exactly on the grid, where the linear system for
    :math:`\lambda, \mu, \eta_2, \dots, \eta_{N-1}` is also solved from scratch and
    its unique solution compared). At :math:`\nu = N-1`, :math:`p_\nu = \zeta_{[N]}`,
    :math:`p_1 = q` and the formula for :math:`\mu` divides by zero; there the
    KKT conditions hold with :math:`\mu = 0`, :math:`\lambda = (N-1)/N`,
    :math:`\eta_j = j/N`, which is checked as well. KKT conditions are necessary,
    not sufficient, for this non-convex problem: global optimality is Proposition 1
    itself (cross-checked by :mod:`emp_theory.certificate`).

    Parameters
    ----------
    multipliers : dict, optional
        Override any of ``"K"`` (``f(N, nu)``), ``"mu"`` (``f(N, nu, p1, q)``),
        ``"eta_low"``, ``"eta_high"`` (``f(N, nu, j)``); used to show that wrong
        multipliers are rejected.

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, Proposition 1 and Appendix A.
    """
    f = _lead_multipliers()
    if multipliers:
        unknown = set(multipliers) - set(f)
        if unknown:
            raise ValueError(
                f"`multipliers` has unknown keys {sorted(unknown)}; allowed: {sorted(f)}"
            )
        f.update(multipliers)
    ev = _Evidence()

    # --- symbolic, general j: nu = 1 + a, N = nu + 1 + m, a, m > 0 -------------
    N, nu = _N1, _NU
    j = sp.Symbol("j", real=True)
    p1, q = (_split_roots(x) for x in p_nu_definition(N, nu))
    K = f["K"](N, nu)
    mu = f["mu"](N, nu, p1, q)
    lam = K - 2 * mu * q
    e_lo = lambda jj: f["eta_low"](N, nu, jj)  # noqa: E731
    e_hi = lambda jj: f["eta_high"](N, nu, jj)  # noqa: E731
    ev.symbolic("stationarity j = 1", _is_zero(1 - (lam + 2 * mu * p1)))
    ev.symbolic("eta_1 = 0 (c_1 inactive)", _is_zero(e_lo(1)))
    ev.symbolic(
        "stationarity 2 <= j <= nu", _is_zero(1 - (lam + 2 * mu * q + e_lo(j) - e_lo(j - 1)))
    )
    ev.symbolic("eta formulas agree at j = nu", _is_zero(e_lo(nu) - e_hi(nu)))
    ev.symbolic(
        "stationarity nu < j <= N", _is_zero(0 - (lam + 2 * mu * q + e_hi(j) - e_hi(j - 1)))
    )
    ev.symbolic("eta_N = 0", _is_zero(e_hi(N)))
    ev.symbolic("primal: sum w = 1", _is_zero(p1 + (N - 1) * q - 1))
    # complementary slackness mu * (||p||^2 - 1/(nu+1)) = 0: mu is finite (p_1 - q > 0,
    # below) and the constraint is active
    ev.symbolic(
        "slackness: ||p||^2 - 1/(nu+1) = 0", _is_zero(p1**2 + (N - 1) * q**2 - 1 / (nu + 1))
    )
    ev.symbolic(
        "c_1 = p_1 - p_2 > 0 (so eta_1 = 0 is required)", bool(sp.factor(p1 - q).is_positive)
    )
    ev.symbolic("w_N = q > 0 (inactive)", _q_positive(N, nu))
    ev.symbolic("mu > 0", bool(sp.factor(_split_roots(mu)).is_positive))
    b = sp.Symbol("b", positive=True)  # j = 1 + b > 1
    d = sp.Symbol("d", nonnegative=True)  # j = N - d <= N
    ev.symbolic("eta_j >= 0 for 2 <= j <= nu", bool(sp.factor(e_lo(1 + b)).is_nonnegative))
    ev.symbolic("eta_j >= 0 for nu <= j <= N-1", bool(sp.factor(e_hi(N - d)).is_nonnegative))

    # --- nu = N - 1: p = zeta_[N], degenerate (mu formula undefined) -------------
    Ns = sp.Symbol("N", positive=True)
    lam_d, mu_d = (Ns - 1) / Ns, sp.Integer(0)
    eta_d = lambda jj: jj / Ns  # noqa: E731
    zN = 1 / Ns
    ev.symbolic(
        "nu = N-1, j = 1: 1 = lambda + 2 mu/N + eta_1",
        _is_zero(1 - (lam_d + 2 * mu_d * zN + eta_d(1))),
    )
    ev.symbolic(
        "nu = N-1, 2 <= j <= N-1",
        _is_zero(1 - (lam_d + 2 * mu_d * zN + eta_d(j) - eta_d(j - 1))),
    )
    ev.symbolic("nu = N-1, j = N", _is_zero(0 - (lam_d + 2 * mu_d * zN - eta_d(Ns - 1))))

    # --- grid: solve the KKT system from scratch and compare ----------------------
    for n, v in _grid(interior_only=True):
        if n > 12:  # the full linear solve is done on the small-N grid only
            continue
        ev.grid(f"(N, nu) = ({n}, {v})", _kkt_grid(n, v, f))
    verdict = (
        "The multipliers are correct."
        if not ev.failures
        else "The multipliers checked do NOT satisfy the KKT conditions."
    )
    return ev.result(
        "kkt",
        "KKT at p_nu (2 <= nu <= N-2) for min phi_nu s.t. sum w = 1, ||w||^2 >= 1/(nu+1), "
        "w_i >= w_{i+1}: lambda + 2 mu q = (nu-1)/(N-1), mu = (N-nu)/(2(N-1)(p_1-q)) > 0, "
        "eta_j = (j-1)(N-nu)/(N-1) (2<=j<=nu), (nu-1)(N-j)/(N-1) (nu<=j<=N-1), all >= 0",
        r"[j\le\nu] = \lambda + 2\mu w_j + \eta_j - \eta_{j-1},\ "
        r"\lambda + 2\mu q = \tfrac{\nu-1}{N-1},\ \mu = \tfrac{N-\nu}{2(N-1)(p_1-q)},\ "
        r"\eta_j = \begin{cases}\tfrac{(j-1)(N-\nu)}{N-1} & 2\le j\le\nu\\"
        r"\tfrac{(\nu-1)(N-j)}{N-1} & \nu\le j\le N-1\end{cases}",
        "Lagrangian phi - lambda(sum w - 1) - mu(||w||^2 - 1/(nu+1)) - sum eta_i (w_i - w_{i+1}); "
        "stationarity verified for a general index j with symbolic N, nu; on the grid the "
        "N x N linear system for (lambda, mu, eta_2..eta_{N-1}) has a unique solution, compared "
        f"with these formulas. {verdict} At nu = N-1 (p_nu = zeta_[N], "
        "p_1 = q) the formula for mu divides by zero; there KKT holds with mu = 0, "
        "lambda = (N-1)/N, eta_j = j/N (checked). KKT is necessary only: the problem is "
        "non-convex",
    )


def _q_positive(N, nu) -> bool:
    # q = (1 - c)/N > 0  <=>  c < 1  <=>  c^2 < 1 (c >= 0); 1 - c^2 = nu N/((nu+1)(N-1)).
    c2 = _radius_sq(nu + 1, N) / _radius_sq(1, N)
    return _is_zero(1 - c2 - nu * N / ((nu + 1) * (N - 1))) and bool(
        (nu * N / ((nu + 1) * (N - 1))).is_positive
    )


def _kkt_grid(n: int, v: int, f: dict) -> bool:
    """Solve the stationarity system for (lambda, mu, eta_2..eta_{N-1}) and compare.

    The N x N system is solved exactly over the number field QQ<sqrt(.)> that
    holds the coordinates of p_nu (``DomainMatrix``); a unique solution is required.
    """
    N, nu = sp.Integer(n), sp.Integer(v)
    p = _vec_p_definition(n, v)
    lam, mu = sp.symbols("lam mu")
    etas = sp.symbols(f"eta2:{n}")  # eta_2 .. eta_{N-1}
    eta = {1: sp.Integer(0), 0: sp.Integer(0), n: sp.Integer(0)}
    eta.update({k + 2: e for k, e in enumerate(etas)})
    eqs = [
        (1 if jj <= v else 0) - (lam + 2 * mu * p[jj - 1] + eta[jj] - eta[jj - 1])
        for jj in range(1, n + 1)
    ]
    unknowns = [lam, mu, *etas]
    A, rhs = sp.linear_eq_to_matrix(eqs, unknowns)
    dA, db = A.to_DM(extension=True).unify(rhs.to_DM(extension=True))
    if dA.rank() != len(unknowns):
        return False
    sol = dA.lu_solve(db).to_Matrix()
    got = dict(zip(unknowns, sol, strict=True))
    p1, q = p[0], p[1]
    ok = _is_zero(got[mu] - f["mu"](N, nu, p1, q))
    ok = ok and _is_zero(got[lam] + 2 * got[mu] * q - f["K"](N, nu))
    ok = ok and _nonneg_number(got[mu])
    for jj in range(2, n):
        formula = f["eta_low"](N, nu, jj) if jj <= v else f["eta_high"](N, nu, jj)
        ok = ok and _is_zero(got[etas[jj - 2]] - formula) and _nonneg_number(got[etas[jj - 2]])
    return bool(ok)


# ---------------------------------------------------------------------------
# 5-6: Theorem 2
# ---------------------------------------------------------------------------
def check_theorem2() -> CheckResult:
    r"""Check 5: the exact form of eq. (15) is :math:`1 -` eq. (14) at :math:`\nu = N_{\mathrm{eff}}`.

    .. math::

        1 - \Big(\frac{\nu}{N} + \frac{N-\nu}{N}\sqrt{\tfrac{N-\nu-1}{(\nu+1)(N-1)}}\Big)
        = \frac{N-\nu}{N}\Big(1 - \sqrt{\tfrac{N-\nu-1}{(\nu+1)(N-1)}}\Big).

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, Theorem 2, eqs. (8), (14), (15).
    """
    ev = _Evidence()
    N, nu = sp.symbols("N nu", positive=True)
    ev.symbolic("1 - eq14 = eq15 (exact)", _is_zero(1 - eq14(N, nu) - eq15_exact(N, nu)))
    for n, v in _grid():
        ev.grid(f"(N, nu) = ({n}, {v})", _is_zero(1 - eq14(n, v) - eq15_exact(n, v)))
    return ev.result(
        "theorem2_exact",
        "Theorem 2, eq. 15 (exact form) is 1 - (Prop. 1 value, eq. 14) at nu = N_eff",
        r"1 - s_{\mathrm{eff}} \le 1 - \varphi_{N_{\mathrm{eff}}}(p_{N_{\mathrm{eff}}}) = "
        r"\frac{N-N_{\mathrm{eff}}}{N}\Big(1-\sqrt{\frac{N-N_{\mathrm{eff}}-1}"
        r"{(N_{\mathrm{eff}}+1)(N-1)}}\Big)",
    )


def theorem2_gap_coefficient(rho):
    r"""Leading coefficient :math:`C(\rho)` of (exact :math:`-` approximate) in eq. (15).

    .. math::

        \Big[\text{eq. 15 exact} - \text{eq. 15 approx}\Big]_{N_{\mathrm{eff}} = \rho N}
        = \frac{C(\rho)}{N^{3/2}} + o(N^{-3/2}),\qquad
        C(\rho) = \frac{(1-\rho+\rho^2)\sqrt{1-\rho}}{2\rho^{3/2}} .

    Derived by hand (expansion of :math:`\sqrt{x(1-\rho-x)/((\rho+x)(1-x))}` in
    :math:`x = 1/N`) and confirmed by :func:`check_theorem2_approx`.
    """
    return (1 - rho + rho**2) * sp.sqrt(1 - rho) / (2 * rho ** sp.Rational(3, 2))


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
    ev = _Evidence("60-digit evaluation(s)")
    N, rho = sp.symbols("N rho", positive=True)
    diff = eq15_exact(N, rho * N) - eq15_approx(N, rho * N)
    lim = sp.limit(N ** sp.Rational(3, 2) * diff, N, sp.oo)
    coef = theorem2_gap_coefficient(rho)
    ev.symbolic("lim N^{3/2} (exact - approx) = C(rho)", _is_zero(lim - coef))
    ev.symbolic("lim N (exact - approx) = 0", sp.limit(N * diff, N, sp.oo) == 0)
    # C(rho) != 0 on (0, 1): 1 - rho + rho^2 = (rho - 1/2)^2 + 3/4 > 0, sqrt(1 - rho) > 0.
    ev.symbolic(
        "1 - rho + rho^2 = (rho-1/2)^2 + 3/4",
        _is_zero(1 - rho + rho**2 - ((rho - sp.Rational(1, 2)) ** 2 + sp.Rational(3, 4))),
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


# ---------------------------------------------------------------------------
# 7-8: eqs. (17), (18)
# ---------------------------------------------------------------------------
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
    ev = _Evidence()
    eps = sp.Symbol("epsilon", nonnegative=True)
    N, D, T, rho = sp.symbols("N D T rho", positive=True)
    R = lemma1_rhs(eps, N, D, T)
    star = eq17_rhs(rho, N, D, T)
    factor = 2 * N * rho / (D * T + 2 * eps * N)
    ev.symbolic(
        "R - rho = 2 N rho (eps* - eps)/(DT + 2 eps N)", _is_zero(R - rho - factor * (star - eps))
    )
    ev.symbolic("2 N rho/(DT + 2 eps N) > 0", bool(factor.is_positive))
    dR = sp.diff(R, eps)
    ev.symbolic(
        "dR/deps = -2NDT/(DT+2 eps N)^2", _is_zero(dR + 2 * N * D * T / (D * T + 2 * eps * N) ** 2)
    )
    ev.symbolic("dR/deps < 0", bool(sp.factor(dR).is_negative))
    sols = sp.solve(sp.Eq(R, rho), eps)
    ev.symbolic(
        "R(eps) = rho has the unique root eps*", len(sols) == 1 and _is_zero(sols[0] - star)
    )
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
    ev = _Evidence()
    N, rho, L, T, D, x = sp.symbols("N rho L T D x", positive=True)
    n_eff = rho * N
    for label, one_minus_s, target in (
        ("approx", eq15_approx(N, n_eff), eq18_rhs(rho, N, L, T)),
        ("exact", eq15_exact(N, n_eff), _eq18_exact_rhs(rho, N, L, T)),
    ):
        composed = eq17_rhs(rho, N, _distance_rhs(L, one_minus_s, N, n_eff), T)
        ev.symbolic(
            f"eq17 o distance o eq15 ({label}) = eq18 ({label})", _is_zero(composed - target)
        )
    ev.symbolic(
        "d eq17/dD = (1-rho) T/(2 N rho)",
        _is_zero(sp.diff(eq17_rhs(rho, N, D, T), D) - (1 - rho) * T / (2 * N * rho)),
    )
    ev.symbolic(
        "d distance/d(1-s) = 2 L^2 (1-s)(N - N_eff)",
        _is_zero(sp.diff(_distance_rhs(L, x, N, n_eff), x) - 2 * L**2 * x * (N - n_eff)),
    )
    for n in (10, 1000):
        for r in (sp.Rational(1, 10), sp.Rational(1, 2), sp.Rational(4, 5)):
            nn = sp.Integer(n)
            composed = eq17_rhs(r, nn, _distance_rhs(1, eq15_approx(nn, r * nn), nn, r * nn), 1)
            ev.grid(f"N = {n}, rho = {r}", _is_zero(composed - eq18_rhs(r, nn, 1, 1)))
    return ev.result(
        "eq18",
        "eq. 18 from eq. 17: D <= ||theta||_1^2 (1-s_eff)^2 (N - N_eff), 1 - s_eff <= eq. 15 (approx), "
        "N_eff = rho N give exactly ||theta||_1^2 T (1-rho)^4/(2 rho) (1 - sqrt((1-rho)/(N rho)))^2",
        r"\frac{1-\rho}{2N\rho}\,T\,\|\theta\|_1^2(1-\rho)^2\Big(1-\sqrt{\tfrac{1-\rho}{N\rho}}\Big)^2"
        r"(N-\rho N) = \|\theta\|_1^2\,T\,\frac{(1-\rho)^4}{2\rho}\Big(1-\sqrt{\tfrac{1-\rho}{N\rho}}\Big)^2",
        "also with the exact form of eq. 15 (normalized_loss_bound(exact=True)); eq. 18 needs "
        "1 - sqrt((1-rho)/(N rho)) >= 0, i.e. rho >= 1/(N+1), true since N_eff >= 1",
    )


# ---------------------------------------------------------------------------
# 9: boundary cases
# ---------------------------------------------------------------------------
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
    ev = _Evidence()
    a, Ns = sp.symbols("a N", positive=True)
    m = sp.Symbol("m", nonnegative=True)  # N = 2 + m
    ev.symbolic("phi_1(a z1 + (1-a) z2) = (1+a)/2", _is_zero(a + (1 - a) / 2 - (1 + a) / 2))
    ev.symbolic(
        "||a z1 + (1-a) z2||^2 = (1+a^2)/2",
        _is_zero((a + (1 - a) / 2) ** 2 + ((1 - a) / 2) ** 2 - (1 + a**2) / 2),
    )
    Nm = 2 + m
    excess = eq14(Nm, 1) - sp.Rational(1, 2)
    ev.symbolic(
        "eq14(nu=1) - 1/2 = (2 - N + sqrt(2(N-1)(N-2)))/(2N)",
        _is_zero(excess - (2 - Nm + sp.sqrt(2 * (Nm - 1) * (Nm - 2))) / (2 * Nm)),
    )
    # sqrt(2(N-1)(N-2)) > N - 2 since 2(N-1)(N-2) - (N-2)^2 = N(N-2) > 0 for N > 2
    ev.symbolic(
        "2(N-1)(N-2) - (N-2)^2 = N(N-2)",
        _is_zero(2 * (Ns - 1) * (Ns - 2) - (Ns - 2) ** 2 - Ns * (Ns - 2)),
    )
    ev.symbolic("eq14 at nu = N is N/N = 1", sp.simplify(eq14(Ns, Ns)) == 1)
    for n in range(2, 13):
        w = sp.symbols(f"w1:{n + 1}", real=True)
        z2 = [sp.Rational(1, 2)] * 2 + [0] * (n - 2)
        zN = [sp.Rational(1, n)] * n
        ok = z2[0] == sp.Rational(1, 2) and sum(t * t for t in z2) == sp.Rational(1, 2)
        # w_1 * sum(w) - ||w||^2 = sum_i w_i (w_1 - w_i)
        ok = ok and _is_zero(w[0] * sum(w) - sum(t * t for t in w) - sum(t * (w[0] - t) for t in w))
        # eq. (11) on Pi (sum w = 1): ||w||^2 - 1/N = ||w - zeta_N||^2
        w_last = 1 - sum(w[:-1])
        ww = [*w[:-1], w_last]
        ok = ok and _is_zero(
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


# ---------------------------------------------------------------------------
# 10: the library evaluates these expressions
# ---------------------------------------------------------------------------
def _library_defaults() -> dict:
    from . import bounds

    return {
        name: getattr(bounds, name)
        for name in (
            "prop1_infimum",
            "p_nu",
            "theorem2_bound",
            "theorem2_approx",
            "normalized_loss_bound",
            "lemma1_rho_max",
            "eq17_loss_bound",
            "distance_bound",
            "eq18_loss_bound",
        )
    }


def check_library_agreement(library: dict | None = None, rtol: float = 1e-12) -> CheckResult:
    r"""Check 10: :mod:`emp_theory.bounds` computes the formulas checked above.

    The SymPy expressions of this module (eq. 14, the coordinates of
    :math:`p_\nu`, eq. 15 exact and approximate, eq. 1, eq. 17, the distance
    bound, and eq. 18 as *composed* in :func:`check_eq18`) are turned into NumPy
    functions with ``sympy.lambdify`` and compared with the library on a grid of
    :math:`(N, \nu)` (all :math:`\nu` for :math:`N \le 12` and :math:`N = 200`;
    a spread for :math:`N = 10^3, 10^6`) and of :math:`\rho`, to relative
    tolerance `rtol`.

    Parameters
    ----------
    library : dict, optional
        Replace library functions by name (e.g. ``{"prop1_infimum": f}``); used to
        show that a drifting implementation is caught.
    rtol : float
        Relative tolerance (absolute floor ``1e-15``).

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, eqs. (1), (14), (15), (17), (18).
    """
    lib = _library_defaults()
    if library:
        unknown = set(library) - set(lib)
        if unknown:
            raise ValueError(
                f"`library` has unknown keys {sorted(unknown)}; allowed: {sorted(lib)}"
            )
        lib.update(library)
    ev = _Evidence("floating-point grid comparison(s)")
    Nn, nu, k, rho, eps, D, T, L, x = sp.symbols("N nu k rho epsilon D T L x", positive=True)
    f14 = sp.lambdify((Nn, nu), eq14(Nn, nu), "numpy")
    p1_expr, q_expr = appendix_a_p_nu(Nn, nu)
    f_p1 = sp.lambdify((Nn, nu), p1_expr, "numpy")
    f_q = sp.lambdify((Nn, nu), q_expr, "numpy")
    f15 = sp.lambdify((Nn, k), 1 - eq15_exact(Nn, k), "numpy")
    f15a = sp.lambdify((Nn, k), 1 - eq15_approx(Nn, k), "numpy")
    f1 = sp.lambdify((eps, Nn, D, T), lemma1_rhs(eps, Nn, D, T), "numpy")
    f17 = sp.lambdify((rho, Nn, D, T), eq17_rhs(rho, Nn, D, T), "numpy")
    fdist = sp.lambdify((L, x, Nn, k), _distance_rhs(L, x, Nn, k), "numpy")
    # eq. 18 as composed from eq. 17, the distance bound and eq. 15 (check 8)
    comp = {
        ex: eq17_rhs(rho, Nn, _distance_rhs(L, form(Nn, rho * Nn), Nn, rho * Nn), T)
        for ex, form in ((False, eq15_approx), (True, eq15_exact))
    }
    f18 = {ex: sp.lambdify((rho, Nn, L, T), e, "numpy") for ex, e in comp.items()}

    def close(got, want) -> bool:
        got, want = np.asarray(got, float), np.asarray(want, float)
        return got.shape == want.shape and np.allclose(got, want, rtol=rtol, atol=1e-15)

    sizes = [*range(3, 13), 200, 1000, 10**6]
    for n in sizes:
        nus = (
            np.arange(1, n + 1)
            if n <= 200
            else np.unique(np.r_[1, 2, 3, n // 7, n // 2, n - 2, n - 1, n])
        )
        interior = nus[(nus >= 2) & (nus <= n - 1)]
        want = np.where(nus == 1, 0.5, np.where(nus == n, 1.0, 0.0))
        mid = (nus >= 2) & (nus <= n - 1)
        want[mid] = f14(float(n), interior.astype(float))
        ev.grid(f"prop1_infimum, N = {n}", close(lib["prop1_infimum"](nus, n), want))
        ev.grid(
            f"theorem2_bound, N = {n}",
            close(lib["theorem2_bound"](interior, n), f15(float(n), interior.astype(float))),
        )
        ks = np.linspace(1.0, float(n), 9)
        ev.grid(
            f"theorem2_approx, N = {n}", close(lib["theorem2_approx"](ks, n), f15a(float(n), ks))
        )
        for v in interior[:: max(1, interior.size // 6)]:
            pv = np.full(n, f_q(float(n), float(v)))
            pv[0] = f_p1(float(n), float(v))
            ev.grid(f"p_nu({v}, {n})", close(lib["p_nu"](int(v), n), pv))
    # boundary points of p_nu: zeta_[2] and zeta_[N]
    ev.grid("p_nu(1, N) = zeta_[2]", close(lib["p_nu"](1, 7), [0.5, 0.5, 0, 0, 0, 0, 0]))
    ev.grid("p_nu(N, N) = zeta_[N]", close(lib["p_nu"](7, 7), np.full(7, 1 / 7)))

    rhos = np.array([0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999])
    for n in (10, 1000, 10**6):
        # rho in [1/N, 1 - 1/N]: the radicand of the exact form is >= 0 there
        r = rhos[(rhos >= 1.0 / n) & (rhos <= 1.0 - 1.0 / n)]
        for ex in (False, True):
            ev.grid(
                f"normalized_loss_bound(exact={ex}), N = {n}",
                close(lib["normalized_loss_bound"](r, n, exact=ex), f18[ex](r, float(n), 1.0, 1.0)),
            )
            ev.grid(
                f"eq18_loss_bound(exact={ex}), N = {n}",
                close(
                    lib["eq18_loss_bound"](r, n, 2.5, 3.0, exact=ex), f18[ex](r, float(n), 2.5, 3.0)
                ),
            )
        ev.grid(
            f"eq17_loss_bound, N = {n}",
            close(lib["eq17_loss_bound"](r, n, 0.7, 3.0), f17(r, float(n), 0.7, 3.0)),
        )
    epss = np.array([0.0, 1e-3, 0.1, 1.0, 10.0])
    ev.grid(
        "lemma1_rho_max",
        close(lib["lemma1_rho_max"](epss, 1000, 0.7, 3.0), f1(epss, 1000.0, 0.7, 3.0)),
    )
    for ex in (False, True):  # rho = 1: nothing is pruned, the bound is 0
        ev.grid(
            f"normalized_loss_bound(1, N, exact={ex}) = 0",
            lib["normalized_loss_bound"](1.0, 50, exact=ex) == 0.0,
        )
    ses = np.array([0.2, 0.5, 0.9, 1.0])
    ev.grid(
        "distance_bound",
        close(lib["distance_bound"](2.0, ses, 30.0, 100), fdist(2.0, 1.0 - ses, 100.0, 30.0)),
    )
    return ev.result(
        "library_agreement",
        "emp_theory.bounds (prop1_infimum, p_nu, theorem2_bound, theorem2_approx, lemma1_rho_max, "
        "eq17_loss_bound, distance_bound, normalized_loss_bound, eq18_loss_bound) evaluates the "
        "SymPy expressions (lambdify) on a grid",
        r"\texttt{bounds.f}(x) = \texttt{lambdify}(\text{SymPy expression})(x)\ \text{on a grid}",
        f"relative tolerance {rtol:g}",
    )


# ---------------------------------------------------------------------------
def run_all(checks: Iterable[Callable[[], CheckResult]] | None = None) -> list[CheckResult]:
    """Run every check (1-10) and return their results in order.

    Parameters
    ----------
    checks : iterable of callables, optional
        A subset of the ``check_*`` functions; default all of them.

    Returns
    -------
    list of CheckResult
    """
    if checks is None:
        checks = (
            check_p_nu,
            check_inner_sphere,
            check_prop1_value,
            check_kkt,
            check_theorem2,
            check_theorem2_approx,
            check_eq17,
            check_eq18,
            check_prop1_boundary,
            check_library_agreement,
        )
    return [c() for c in checks]
