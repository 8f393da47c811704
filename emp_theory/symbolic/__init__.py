r"""SymPy proofs of Proposition 1, Theorem 2 and eqs. (17)-(18) of the paper.

Proposition 1 is *proved* by checks 11-18 (:func:`.prop1_proof` assembles them and states
what they prove, for which parameters, and which steps are symbolic, which rest on a short
argument in words, which are an exact grid); checks 1-4 and 9 verify the point
:math:`p_\nu`, its value and the boundary cases, which the proof then shows to be the minimum.

Every check returns a :class:`.CheckResult` and rests on two independent kinds of
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

A check passes only if both do (check 18, an exact grid by design, has only the second;
checks 11-17 evaluate on their own grid, :math:`N \le 12`). The formula being checked can be passed in
(``claimed=``, ``multipliers=``, ``library=``), so the machinery can be shown to
reject a wrong formula.

The package, one idea per module:

* :mod:`~emp_theory.symbolic.formulas` — the paper's closed forms as SymPy expressions;
* :mod:`~emp_theory.symbolic.zero` — the exact zero-decision (:func:`.is_zero`) and sign test;
* :mod:`~emp_theory.symbolic.record` — :class:`.CheckResult`, the evidence collector, the grid;
* the checks — :mod:`~emp_theory.symbolic.prop1` (1-3, 9), :mod:`~emp_theory.symbolic.kkt` (4),
  :mod:`~emp_theory.symbolic.theorem2` (5-6), :mod:`~emp_theory.symbolic.loss` (7-8);
* :mod:`~emp_theory.symbolic.agreement` — check 10, the SymPy forms against
  :mod:`emp_theory.bounds`;
* the proof of Proposition 1 — :mod:`~emp_theory.symbolic.edges` (closed forms on the
  edges of the ordered simplex, the exact minimum over them),
  :mod:`~emp_theory.symbolic.reduction` (11-14: the minimum lies where an edge meets the
  inner sphere), :mod:`~emp_theory.symbolic.minimum` (15-18: which edge),
  :mod:`~emp_theory.symbolic.proof` (:func:`.prop1_proof`, the statement);

and :func:`run_all` here. SymPy is imported only when :mod:`emp_theory.symbolic` is
(never by ``import emp_theory``). Paper symbols: ``N`` is the length, ``nu`` the
paper's :math:`\nu`, the shell index of Proposition 1 / eq. (7)
(:math:`= N_{\mathrm{eff}}` in Theorem 2), ``n_eff`` is :math:`N_{\mathrm{eff}}`,
``rho`` is :math:`\rho = N_{\mathrm{eff}}/N`.

==================================  ==============================================
:func:`.check_p_nu`                  Prop. 1 / App. A: the coordinates of :math:`p_\nu`
:func:`.check_inner_sphere`          :math:`\|p_\nu\|^2 = 1/(\nu+1)` (eqs. 7, 12)
:func:`.check_prop1_value`           :math:`\varphi_\nu(p_\nu)` equals eq. (14)
:func:`.check_kkt`                   KKT conditions of Prop. 1 at :math:`p_\nu`
:func:`.check_theorem2`              eq. (15), exact form, is :math:`1 -` eq. (14)
:func:`.check_theorem2_approx`       eq. (15): exact :math:`-` approximate :math:`= O(N^{-3/2})`
:func:`.check_eq17`                  eq. (17) from Lemma 1, eq. (1)
:func:`.check_eq18`                  eq. (18) from eq. (17) and eq. (15)
:func:`.check_prop1_boundary`        Prop. 1 at :math:`\nu = 1` and :math:`\nu = N`
:func:`.check_library_agreement`     :mod:`emp_theory.bounds` evaluates these formulas
:func:`.check_prop1_vertices`        11. :math:`\tilde\Delta` is the simplex on the :math:`\zeta_{[j]}`
:func:`.check_prop1_closure`         12. :math:`\inf_{A_\nu} = \min_{\overline{A_\nu}}`; :math:`A_N = \{\zeta_{[N]}\}`
:func:`.check_prop1_sphere_binds`    13. minimizers lie on the inner sphere
:func:`.check_prop1_on_edges`        14. ... on an edge :math:`[\zeta_{[a]},\zeta_{[b]}]`, value :math:`V(a,b)`
:func:`.check_prop1_first_index`     15. :math:`V(a,b) \ge V(1,b)`
:func:`.check_prop1_last_index`      16. :math:`V(1,b)` rises then falls in :math:`b`
:func:`.check_prop1_endpoints`       17. :math:`V(1,N) \le V(1,\nu+1)`; the tie :math:`(N,\nu) = (4,2)`
:func:`.check_prop1_edge_grid`       18. exact grid of all edges, :math:`N \le 16`
==================================  ==============================================

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 4, Proposition 1, Theorem 2, eqs. (1), (14)-(18) and Appendix A.
.. [2] Zhang, Zhang, Sun, Liu, "How sparse can we prune a deep network: a
       fundamental limit viewpoint", arXiv:2306.05857 (2025), Lemma 3.5.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .agreement import check_library_agreement
from .edges import edge_minimum, edge_value
from .formulas import (
    appendix_a_p_nu,
    eq14,
    eq15_approx,
    eq15_exact,
    eq17_rhs,
    eq18_rhs,
    lemma1_rhs,
    p_nu_definition,
    theorem2_gap_coefficient,
)
from .kkt import check_kkt
from .loss import check_eq17, check_eq18
from .minimum import (
    check_prop1_edge_grid,
    check_prop1_endpoints,
    check_prop1_first_index,
    check_prop1_last_index,
)
from .proof import PROOF_STEPS, Proof, ProofStep, prop1_proof
from .prop1 import check_inner_sphere, check_p_nu, check_prop1_boundary, check_prop1_value
from .record import CheckResult
from .reduction import (
    check_prop1_closure,
    check_prop1_on_edges,
    check_prop1_sphere_binds,
    check_prop1_vertices,
)
from .theorem2 import check_theorem2, check_theorem2_approx
from .zero import is_nonneg_number, is_zero

__all__ = [
    "PROOF_STEPS",
    "CheckResult",
    "Proof",
    "ProofStep",
    "appendix_a_p_nu",
    "check_eq17",
    "check_eq18",
    "check_inner_sphere",
    "check_kkt",
    "check_library_agreement",
    "check_p_nu",
    "check_prop1_boundary",
    "check_prop1_closure",
    "check_prop1_edge_grid",
    "check_prop1_endpoints",
    "check_prop1_first_index",
    "check_prop1_last_index",
    "check_prop1_on_edges",
    "check_prop1_sphere_binds",
    "check_prop1_value",
    "check_prop1_vertices",
    "check_theorem2",
    "check_theorem2_approx",
    "edge_minimum",
    "edge_value",
    "eq14",
    "eq15_approx",
    "eq15_exact",
    "eq17_rhs",
    "eq18_rhs",
    "is_nonneg_number",
    "is_zero",
    "lemma1_rhs",
    "p_nu_definition",
    "prop1_proof",
    "run_all",
    "theorem2_gap_coefficient",
]


def run_all(checks: Iterable[Callable[[], CheckResult]] | None = None) -> list[CheckResult]:
    """Run every check (1-18) and return their results in order.

    Checks 11-18 are the proof of Proposition 1; :func:`.prop1_proof` turns the results
    into its statement (``prop1_proof(run_all())`` runs nothing twice).

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
            check_prop1_vertices,
            check_prop1_closure,
            check_prop1_sphere_binds,
            check_prop1_on_edges,
            check_prop1_first_index,
            check_prop1_last_index,
            check_prop1_endpoints,
            check_prop1_edge_grid,
        )
    return [c() for c in checks]
