r"""What every check shares: the :class:`CheckResult` record, the evidence collector, the grid.

Every check rests on two independent kinds of evidence, collected by :class:`Evidence`:

* **symbolic** — the identity is proved for symbolic :math:`N` and :math:`\nu`,
  parametrised as :math:`\nu = 1 + a` (:data:`NU`) and :math:`N = \nu + 1 + m`
  (:data:`N_CLOSED` with :math:`m \ge 0`, :data:`N_OPEN` with :math:`m > 0`),
  :math:`a > 0`;
* **grid** — the same claim in exact arithmetic at every pair of :func:`grid`
  (all :math:`2 \le \nu \le N-1` for :math:`N \le 12`, a few :math:`\nu` for
  :math:`N \in \{50, 1000\}`), with the exact vector :math:`p_\nu` of :func:`p_exact`.

Paper symbols: ``N`` is the length, ``nu`` the paper's :math:`\nu`, the shell index of
Proposition 1 / eq. (7) (:math:`= N_{\mathrm{eff}}` in Theorem 2).

Examples
--------
>>> r = CheckResult("x", "claim", r"a = b", True, "ok")
>>> r.as_dict()["passed"]
True
>>> grid()[:3]
[(3, 2), (4, 2), (4, 3)]
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import sympy as sp

from .formulas import radius_sq

__all__ = ["NU", "N_CLOSED", "N_OPEN", "CheckResult", "Evidence", "grid", "p_exact", "p_vector"]


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


#: nu = 1 + a, N = nu + 1 + m; a > 0 and m >= 0 cover 1 < nu <= N - 1.
_A = sp.Symbol("a", positive=True)
_M0 = sp.Symbol("m", nonnegative=True)
#: m > 0 (nu <= N - 2), where the Lagrange multiplier mu is finite.
_M = sp.Symbol("m", positive=True)
#: The symbolic shell index nu = 1 + a.
NU = 1 + _A
#: N = nu + 1 + m with m >= 0 (2 <= nu <= N - 1 at integers).
N_CLOSED = NU + 1 + _M0
#: N = nu + 1 + m with m > 0 (2 <= nu <= N - 2 at integers).
N_OPEN = NU + 1 + _M

_SMALL_N = range(3, 13)
_LARGE = {50: (2, 3, 10, 25, 48, 49), 1000: (2, 7, 100, 500, 998, 999)}


def grid(interior_only: bool = False) -> list[tuple[int, int]]:
    """(N, nu): all 2 <= nu <= N-1 for N <= 12, plus a few nu for N = 50, 1000.

    With ``interior_only`` the cases nu = N - 1 (where p_nu = zeta_[N]) are left out.
    """
    top = 2 if interior_only else 1
    pairs = [(n, v) for n in _SMALL_N for v in range(2, n - top + 1)]
    for n, nus in _LARGE.items():
        pairs += [(n, v) for v in nus if v <= n - top]
    return pairs


class Evidence:
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


def p_vector(N: int, nu: int) -> sp.Matrix:
    """Full vector p_nu from the definition (exact), for a concrete (N, nu)."""
    n, v = sp.Integer(N), sp.Integer(nu)
    z1 = sp.Matrix([1] + [0] * (N - 1))
    zN = sp.Matrix([1 / n] * N)
    c = sp.sqrt(radius_sq(v + 1, n)) / sp.sqrt(radius_sq(1, n))
    return zN + c * (z1 - zN)


def p_exact(N: int, nu: int):
    """``(p, mult)``: the distinct coordinates of p_nu (exact) and how often each occurs.

    For ``N <= 12`` every coordinate is built from the vector definition; for larger
    ``N`` the vector ``zeta_[N] + c (e_1 - zeta_[N])`` is represented by its first
    entry and one of its ``N - 1`` equal other entries.
    """
    if N <= 12:
        p = p_vector(N, nu)
        return list(p), [1] * N
    n, v = sp.Integer(N), sp.Integer(nu)
    c = sp.sqrt(radius_sq(v + 1, n)) / sp.sqrt(radius_sq(1, n))
    return [1 / n + c * (1 - 1 / n), 1 / n - c / n], [1, N - 1]
