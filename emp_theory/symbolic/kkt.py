r"""Check 4: :math:`p_\nu` is a KKT point of Proposition 1's problem, with explicit multipliers.

One idea, :func:`check_kkt`: the multipliers proposed for the KKT system are verified for a
general index :math:`j` with symbolic :math:`N, \nu`, and on the grid the linear system for
them is solved from scratch in the number field of :math:`p_\nu` and compared.

Paper symbols: ``N`` is the length, ``nu`` the paper's :math:`\nu`, the shell index of
Proposition 1 / eq. (7); ``j`` a coordinate index; :math:`\lambda, \mu, \eta_j` the
multipliers of :math:`\sum w = 1`, :math:`\|w\|^2 \ge 1/(\nu+1)` and :math:`w_j \ge w_{j+1}`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Proposition 1 and Appendix A.
"""

from __future__ import annotations

import sympy as sp

from .formulas import p_nu_definition, radius_sq
from .record import N_OPEN, NU, CheckResult, Evidence, grid, p_vector
from .zero import is_nonneg_number, is_zero, split_roots

__all__ = ["check_kkt"]


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
    not sufficient, for this non-convex problem: global optimality is proved by
    checks 11-18 (:func:`emp_theory.symbolic.proof.prop1_proof`).

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
    ev = Evidence()

    # --- symbolic, general j: nu = 1 + a, N = nu + 1 + m, a, m > 0 -------------
    N, nu = N_OPEN, NU
    j = sp.Symbol("j", real=True)
    p1, q = (split_roots(x) for x in p_nu_definition(N, nu))
    K = f["K"](N, nu)
    mu = f["mu"](N, nu, p1, q)
    lam = K - 2 * mu * q
    e_lo = lambda jj: f["eta_low"](N, nu, jj)  # noqa: E731
    e_hi = lambda jj: f["eta_high"](N, nu, jj)  # noqa: E731
    ev.symbolic("stationarity j = 1", is_zero(1 - (lam + 2 * mu * p1)))
    ev.symbolic("eta_1 = 0 (c_1 inactive)", is_zero(e_lo(1)))
    ev.symbolic(
        "stationarity 2 <= j <= nu", is_zero(1 - (lam + 2 * mu * q + e_lo(j) - e_lo(j - 1)))
    )
    ev.symbolic("eta formulas agree at j = nu", is_zero(e_lo(nu) - e_hi(nu)))
    ev.symbolic("stationarity nu < j <= N", is_zero(0 - (lam + 2 * mu * q + e_hi(j) - e_hi(j - 1))))
    ev.symbolic("eta_N = 0", is_zero(e_hi(N)))
    ev.symbolic("primal: sum w = 1", is_zero(p1 + (N - 1) * q - 1))
    # complementary slackness mu * (||p||^2 - 1/(nu+1)) = 0: mu is finite (p_1 - q > 0,
    # below) and the constraint is active
    ev.symbolic("slackness: ||p||^2 - 1/(nu+1) = 0", is_zero(p1**2 + (N - 1) * q**2 - 1 / (nu + 1)))
    ev.symbolic(
        "c_1 = p_1 - p_2 > 0 (so eta_1 = 0 is required)", bool(sp.factor(p1 - q).is_positive)
    )
    ev.symbolic("w_N = q > 0 (inactive)", _q_positive(N, nu))
    ev.symbolic("mu > 0", bool(sp.factor(split_roots(mu)).is_positive))
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
        is_zero(1 - (lam_d + 2 * mu_d * zN + eta_d(1))),
    )
    ev.symbolic(
        "nu = N-1, 2 <= j <= N-1",
        is_zero(1 - (lam_d + 2 * mu_d * zN + eta_d(j) - eta_d(j - 1))),
    )
    ev.symbolic("nu = N-1, j = N", is_zero(0 - (lam_d + 2 * mu_d * zN - eta_d(Ns - 1))))

    # --- grid: solve the KKT system from scratch and compare ----------------------
    for n, v in grid(interior_only=True):
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
        "non-convex; global optimality is proved by checks 11-18",
    )


def _q_positive(N, nu) -> bool:
    # q = (1 - c)/N > 0  <=>  c < 1  <=>  c^2 < 1 (c >= 0); 1 - c^2 = nu N/((nu+1)(N-1)).
    c2 = radius_sq(nu + 1, N) / radius_sq(1, N)
    return is_zero(1 - c2 - nu * N / ((nu + 1) * (N - 1))) and bool(
        (nu * N / ((nu + 1) * (N - 1))).is_positive
    )


def _kkt_grid(n: int, v: int, f: dict) -> bool:
    """Solve the stationarity system for (lambda, mu, eta_2..eta_{N-1}) and compare.

    The N x N system is solved exactly over the number field QQ<sqrt(.)> that
    holds the coordinates of p_nu (``DomainMatrix``); a unique solution is required.
    """
    N, nu = sp.Integer(n), sp.Integer(v)
    p = p_vector(n, v)
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
    ok = is_zero(got[mu] - f["mu"](N, nu, p1, q))
    ok = ok and is_zero(got[lam] + 2 * got[mu] * q - f["K"](N, nu))
    ok = ok and is_nonneg_number(got[mu])
    for jj in range(2, n):
        formula = f["eta_low"](N, nu, jj) if jj <= v else f["eta_high"](N, nu, jj)
        ok = ok and is_zero(got[etas[jj - 2]] - formula) and is_nonneg_number(got[etas[jj - 2]])
    return bool(ok)
