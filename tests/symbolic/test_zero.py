"""Tests of emp_theory.symbolic.zero: the exact zero-decision and sign test behind every check."""

from __future__ import annotations

import sympy as sp

from emp_theory import symbolic as S
from emp_theory.symbolic.zero import clearly_nonzero, split_roots


class TestIsZero:
    """The decision procedure behind every check: proves identities, rejects non-identities."""

    def test_denested_identity(self):
        assert S.is_zero(sp.sqrt(2) + sp.sqrt(3) - sp.sqrt(5 + 2 * sp.sqrt(6)))

    def test_nonzero_number(self):
        assert not S.is_zero(sp.sqrt(2) + sp.sqrt(3) - sp.sqrt(5))
        assert not S.is_zero(sp.Rational(1, 10**30))

    def test_symbolic_identity_and_non_identity(self):
        x, y = sp.symbols("x y", positive=True)
        assert S.is_zero(sp.sqrt(x * y / (x + 1)) - sp.sqrt(x) * sp.sqrt(y) / sp.sqrt(x + 1))
        assert not S.is_zero(sp.sqrt(x + y) - sp.sqrt(x) - sp.sqrt(y))

    def test_tiny_value_is_not_a_refutation(self):
        # a 60-digit probe never refutes a value below 1e-40; the exact tests decide
        assert not clearly_nonzero(sp.Rational(1, 10**50))
        assert not S.is_zero(sp.Rational(1, 10**50))


class TestSplitRoots:
    def test_radicand_is_factored(self):
        x, y = sp.symbols("x y", positive=True)
        got = split_roots(sp.sqrt((x**2 + 2 * x * y + y**2) / x))
        assert sp.simplify(got - (x + y) / sp.sqrt(x)) == 0


class TestNonnegNumber:
    def test_signs(self):
        assert S.is_nonneg_number(sp.sqrt(2) + sp.sqrt(3) - sp.sqrt(5 + 2 * sp.sqrt(6)))
        assert S.is_nonneg_number(sp.sqrt(3) - sp.Rational(17, 10))
        assert not S.is_nonneg_number(sp.Rational(17, 10) - sp.sqrt(3))
