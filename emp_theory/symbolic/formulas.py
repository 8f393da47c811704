r"""The paper's closed forms as SymPy expressions (Proposition 1, Theorem 2, eqs. 1, 14-18).

Each function takes symbolic or concrete arguments and returns a SymPy expression;
nothing here decides anything (that is :mod:`emp_theory.symbolic.zero`) or checks
anything (the ``check_*`` modules).

Paper symbols: ``N`` is the length :math:`N` of the score vector; ``nu`` is the
paper's :math:`\nu`, the *shell index* of Proposition 1 / eq. (7) (at which the
bound is evaluated, :math:`\nu = N_{\mathrm{eff}}`); ``n_eff`` is
:math:`N_{\mathrm{eff}}`; ``rho`` is :math:`\rho = N_{\mathrm{eff}}/N`; ``eps`` is
:math:`\epsilon`; ``dist_sq`` is :math:`D = \|\theta^*-\theta^k\|_2^2`; ``trace_h`` is
:math:`T = \mathrm{Tr}(H)`; ``theta_l1`` is :math:`\|\theta^*\|_1`. No function here
takes the kept count :math:`k`.

Examples
--------
>>> import sympy as sp
>>> eq14(4, 2)  # 2/4 + (2/4) sqrt(1/9)
2/3
>>> sp.simplify(1 - eq14(4, 2) - eq15_exact(4, 2))
0

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 4, Proposition 1, Theorem 2, eqs. (1), (12), (14)-(18) and Appendix A.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "appendix_a_p_nu",
    "distance_rhs",
    "eq14",
    "eq15_approx",
    "eq15_exact",
    "eq17_rhs",
    "eq18_exact_rhs",
    "eq18_rhs",
    "lemma1_rhs",
    "p_nu_definition",
    "radius_sq",
    "theorem2_gap_coefficient",
]


def _S(x):
    return sp.sympify(x)


def radius_sq(k, N):
    r""":math:`r_k^2 = 1/k - 1/N`, the squared radius of the sphere of :math:`\zeta_{[k]}` (eq. 12).

    ``k`` here is the index of the barycentre :math:`\zeta_{[k]}` (eq. 10), not a kept count.
    """
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
    c = sp.sqrt(radius_sq(nu + 1, N)) / sp.sqrt(radius_sq(1, N))
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
    N, n = _S(N), _S(n_eff)
    return (N - n) / N * (1 - sp.sqrt((N - n - 1) / ((n + 1) * (N - 1))))


def eq15_approx(N, n_eff):
    r"""Eq. (15), the :math:`\approx` form:
    :math:`\frac{N-N_{\mathrm{eff}}}{N}\big(1 - \sqrt{\frac{N-N_{\mathrm{eff}}}{N N_{\mathrm{eff}}}}\big)`.
    """
    N, n = _S(N), _S(n_eff)
    return (N - n) / N * (1 - sp.sqrt((N - n) / (N * n)))


def lemma1_rhs(eps, N, dist_sq, trace_h):
    r"""Right-hand side of Lemma 1, eq. (1): :math:`1 - \frac{2\epsilon N}{D\,T + 2\epsilon N}`.

    :math:`D = \|\theta^*-\theta^k\|_2^2`, :math:`T = \mathrm{Tr}(H)`.
    """
    return 1 - 2 * eps * N / (dist_sq * trace_h + 2 * eps * N)


def eq17_rhs(rho, N, dist_sq, trace_h):
    r"""Right-hand side of eq. (17): :math:`\frac{1-\rho}{2N\rho}\,T\,D`."""
    return (1 - rho) / (2 * N * rho) * trace_h * dist_sq


def distance_rhs(theta_l1, one_minus_s, N, n_eff):
    r""":math:`\|\theta^*\|_1^2 (1-s_{\mathrm{eff}})^2 (N - N_{\mathrm{eff}})`, the bound on :math:`D` (before eq. 18)."""
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


def eq18_exact_rhs(rho, N, theta_l1, trace_h):
    r"""Eq. (18) without the :math:`\approx` of eq. (15) (``normalized_loss_bound(exact=True)``)."""
    inner = sp.sqrt((N * (1 - rho) - 1) / ((N * rho + 1) * (N - 1)))
    return theta_l1**2 * trace_h * (1 - rho) ** 4 / (2 * rho) * (1 - inner) ** 2


def theorem2_gap_coefficient(rho):
    r"""Leading coefficient :math:`C(\rho)` of (exact :math:`-` approximate) in eq. (15).

    .. math::

        \Big[\text{eq. 15 exact} - \text{eq. 15 approx}\Big]_{N_{\mathrm{eff}} = \rho N}
        = \frac{C(\rho)}{N^{3/2}} + o(N^{-3/2}),\qquad
        C(\rho) = \frac{(1-\rho+\rho^2)\sqrt{1-\rho}}{2\rho^{3/2}} .

    Derived by hand (expansion of :math:`\sqrt{x(1-\rho-x)/((\rho+x)(1-x))}` in
    :math:`x = 1/N`) and confirmed by :func:`emp_theory.symbolic.theorem2.check_theorem2_approx`.
    """
    return (1 - rho + rho**2) * sp.sqrt(1 - rho) / (2 * rho ** sp.Rational(3, 2))
