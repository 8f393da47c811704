r"""The proof of Proposition 1, assembled from checks 11-18, and the statement it proves.

:func:`prop1_proof` runs (or takes from :func:`~emp_theory.symbolic.run_all`) the eight
step checks of :mod:`~emp_theory.symbolic.reduction` and :mod:`~emp_theory.symbolic.minimum`
and returns a :class:`Proof`: the theorem, what kind of evidence each step is and for
which parameters, and whether every step passed. ``emp-theory verify`` prints
:meth:`Proof.lines`.

The argument, in one paragraph: :math:`\tilde\Delta` is the simplex on
:math:`\zeta_{[1]},\dots,\zeta_{[N]}` (11); the infimum over :math:`A_\nu` is the minimum
over its closure (12); :math:`\varphi_\nu` is least on :math:`\tilde\Delta` only at
:math:`\zeta_{[N]}`, inside the removed ball, so every minimizer lies on the inner sphere
(13, reverse convexity) and, by the face lemma, on an edge :math:`[\zeta_{[a]},\zeta_{[b]}]`,
:math:`1\le a\le\nu<b\le N`, where :math:`\varphi_\nu = V(a,b)` (14); :math:`V` grows with
:math:`a` (15), :math:`V(1,\cdot)` rises then falls (16), and comparing its ends (17)
leaves :math:`V(1,N) =` eq. (14) for :math:`\nu\ge2`, tied only at :math:`(N,\nu) = (4,2)`
with :math:`\zeta_{[3]}`, and :math:`1/2` at :math:`\zeta_{[2]}` for :math:`\nu = 1`.
Check 18 confirms the location on an exact grid without using 15-17.

Paper symbols: ``N`` is the length, ``nu`` the paper's :math:`\nu`, the shell index of
Proposition 1 / eq. (7); ``a < b`` index an edge of the ordered simplex.

Examples
--------
>>> [s.number for s in PROOF_STEPS]
[11, 12, 13, 14, 15, 16, 17, 18]
>>> PROOF_STEPS[0].kind
'symbolic'
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .minimum import (
    check_prop1_edge_grid,
    check_prop1_endpoints,
    check_prop1_first_index,
    check_prop1_last_index,
)
from .record import CheckResult
from .reduction import (
    check_prop1_closure,
    check_prop1_on_edges,
    check_prop1_sphere_binds,
    check_prop1_vertices,
)

__all__ = ["PROOF_CHECKS", "PROOF_STEPS", "PROP1_THEOREM", "Proof", "ProofStep", "prop1_proof"]

#: The kinds of evidence a step can be.
SYMBOLIC = "symbolic"
ARGUMENT = "symbolic + argument"
GRID = "exact grid"


@dataclass(frozen=True)
class ProofStep:
    """One step of the proof: which check, what kind of evidence, for which parameters."""

    number: int
    name: str
    kind: str
    scope: str
    claim: str


#: The steps, in order; ``name`` is the :class:`.CheckResult` name of the step's check.
PROOF_STEPS: tuple[ProofStep, ...] = (
    ProofStep(
        11, "prop1_vertices", SYMBOLIC, "all N >= 2",
        "the ordered simplex is the simplex on zeta_[1..N]; every [zeta_a, zeta_b] is an edge",
    ),
    ProofStep(
        12, "prop1_closure", ARGUMENT, "all N >= 2, 1 <= nu <= N",
        "inf over A_nu = min over its closure (nu < N); A_N = {zeta_[N]}",
    ),
    ProofStep(
        13, "prop1_sphere_binds", ARGUMENT, "all N >= 2, 1 <= nu <= N-1",
        "every minimizer lies on the inner sphere, squared norm 1/(nu+1) (reverse convexity)",
    ),
    ProofStep(
        14, "prop1_on_edges", ARGUMENT, "all 1 <= a <= nu < b <= N",
        "... and on an edge [zeta_a, zeta_b], where phi_nu = V(a,b); V(1,N) = eq. 14",
    ),
    ProofStep(
        15, "prop1_first_index", SYMBOLIC, "real 1 <= a <= nu, b >= nu+1",
        "V(a,b) >= V(1,b), equality iff a = 1 or b = nu+1",
    ),
    ProofStep(
        16, "prop1_last_index", SYMBOLIC, "real b >= nu+1; nu = 1 and all nu >= 2",
        "b -> V(1,b) rises then falls (nu >= 2), rises (nu = 1): least at b = nu+1 or b = N",
    ),
    ProofStep(
        17, "prop1_endpoints", SYMBOLIC, "all N >= nu+2; nu = 1 and all nu >= 2",
        "eq. 14 <= nu/(nu+1) (nu >= 2), equality iff (N, nu) = (4, 2); 1/2 < eq. 14 (nu = 1)",
    ),
    ProofStep(
        18, "prop1_edge_grid", GRID, "2 <= N <= 16, every nu and (a, b)",
        "the least V(a,b) and all minimizers, found without steps 15-17",
    ),
)  # fmt: skip

#: The step checks by name (what :func:`prop1_proof` runs when not given results).
PROOF_CHECKS: dict[str, Callable[[], CheckResult]] = {
    "prop1_vertices": check_prop1_vertices,
    "prop1_closure": check_prop1_closure,
    "prop1_sphere_binds": check_prop1_sphere_binds,
    "prop1_on_edges": check_prop1_on_edges,
    "prop1_first_index": check_prop1_first_index,
    "prop1_last_index": check_prop1_last_index,
    "prop1_endpoints": check_prop1_endpoints,
    "prop1_edge_grid": check_prop1_edge_grid,
}

#: What steps 11-17 prove (step 18 re-confirms the location on a grid).
PROP1_THEOREM = (
    "For every integer N >= 2 and 1 <= nu <= N-1: inf over A_nu of phi_nu = min over the "
    "closed shell = eq. 14 if nu >= 2, = 1/2 if nu = 1 (eq. 14 at nu = 1 is larger for N >= 3); "
    "it is not attained in A_nu (every minimizer lies on the inner sphere ||w||^2 = 1/(nu+1), "
    "which A_nu excludes).",
    "Minimizers over the closed shell: p_nu alone for nu >= 2, except (N, nu) = (4, 2): p_2 = "
    "(1/2, 1/6, 1/6, 1/6) and zeta_[3] = (1/3, 1/3, 1/3, 0), both 2/3 -- the only tie; zeta_[2] "
    "alone for nu = 1 (N >= 3; at N = 2, zeta_[2] = p_1).",
    "nu = N: A_N = {zeta_[N]}, inf = min = phi_N(zeta_[N]) = 1, attained.",
)


@dataclass(frozen=True)
class Proof:
    """The proof of Proposition 1: its statement and the evidence of each step."""

    theorem: tuple[str, ...]
    steps: tuple[ProofStep, ...]
    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        """True iff every step's check passed."""
        return all(r.passed for r in self.results)

    def lines(self, width: int = 100) -> list[str]:
        """The statement as ``emp-theory verify`` prints it (paragraphs wrapped to ``width``)."""

        def para(text: str) -> list[str]:
            return textwrap.wrap(text, width, initial_indent="  ", subsequent_indent="    ")

        verdict = "PROVED" if self.passed else "NOT PROVED (a step failed)"
        first, last = self.steps[0].number, self.steps[-1].number
        out = [f"Proposition 1: {verdict} -- checks {first}-{last}"]
        for t in self.theorem:
            out += para(t)
        out += para(
            "How: 'symbolic' = SymPy proves every identity and sign for symbolic N, nu (and real "
            "edge indices a, b), hence for every integer case; 'symbolic + argument' = the same "
            "for the algebra, joined by a short geometric argument in words (reverse convexity, "
            "Hillestad & Jacobsen 1980) stated in the check's docstring; 'exact grid' = exact and "
            "outward-rounded arithmetic on the listed range, a confirmation the proof does not use."
        )
        out.append(f"  {'step':>4}  {'check':<20} {'kind':<20} {'for':<40} result")
        for s, r in zip(self.steps, self.results, strict=True):
            res = "PASS" if r.passed else "FAIL"
            out.append(f"  {s.number:>4}  {s.name:<20} {s.kind:<20} {s.scope:<40} {res}")
        out += para(
            f"Checks {first}-{last - 1} also re-evaluate their claims exactly on a grid (N = 2..12; "
            "edge points as exact vectors for N <= 6)."
        )
        return out

    def as_dict(self) -> dict:
        """JSON-serialisable form: theorem, passed, and each step with its check's detail."""
        return {
            "proposition": "Proposition 1",
            "passed": self.passed,
            "theorem": list(self.theorem),
            "steps": [
                {
                    "number": s.number,
                    "name": s.name,
                    "kind": s.kind,
                    "scope": s.scope,
                    "claim": s.claim,
                    "passed": r.passed,
                    "detail": r.detail,
                }
                for s, r in zip(self.steps, self.results, strict=True)
            ],
        }


def prop1_proof(results: Iterable[CheckResult] | None = None) -> Proof:
    """Assemble the proof of Proposition 1 from its step checks.

    Parameters
    ----------
    results : iterable of CheckResult, optional
        Results already computed (e.g. by :func:`~emp_theory.symbolic.run_all`); a step
        whose check is among them (by name) is not run again, the others are.

    Returns
    -------
    Proof
    """
    have = {r.name: r for r in (results or ())}
    got = tuple(have.get(s.name) or PROOF_CHECKS[s.name]() for s in PROOF_STEPS)
    return Proof(PROP1_THEOREM, PROOF_STEPS, got)
