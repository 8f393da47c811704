"""N_eff = floor((sum|s|)^2 / sum s^2) decided exactly for float inputs (issue: the core, exact).

Reference values are computed with :class:`fractions.Fraction` on the very float values
the library receives (every float is an exact rational), from the closed form of each
structured vector, so the reference does not share any code with the library.
Vectors are built to land within a few ulps of an integer ratio, on both sides.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import emp_theory as emp
from emp_theory import _kernels


def exact_floor(values) -> int:
    a = [abs(Fraction(float(v))) for v in values]
    s1 = sum(a)
    s2 = sum(x * x for x in a)
    return int(s1 * s1 / s2)


def structured(k: int, x: float, dtype, tail: int = 0) -> tuple[np.ndarray, int]:
    """``k`` ones, one entry ``x`` and ``tail`` zeros; its exact floor from the closed form."""
    v = np.zeros(k + 1 + tail, dtype=dtype)
    v[:k] = 1
    v[k] = x
    fx = Fraction(float(v[k]))  # the value actually stored (after rounding to dtype)
    s1, s2 = k + abs(fx), k + fx * fx
    return v, int(s1 * s1 / s2)


class TestIssueExamples:
    def test_two_nearly_equal(self):
        # exact ratio of the two floats is 2 - 5e-15: N_eff = 1, s_eff ~ 1/2
        assert exact_floor([1, 0.9999999]) == 1
        assert emp.n_eff([1, 0.9999999]) == 1
        assert emp.s_eff([1, 0.9999999]) == pytest.approx(1 / 1.9999999, rel=1e-12)

    def test_large_nearly_equal_integers(self):
        assert exact_floor([10000001, 10000000]) == 1
        assert emp.n_eff([10000001, 10000000]) == 1

    def test_keep_count_and_mask_follow(self):
        assert emp.keep_count([1, 0.9999999]) == 1
        assert emp.emp_mask([1, 0.9999999]).tolist() == [True, False]
        assert emp.emp_summary([1, 0.9999999]).n_eff == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("N", [2, 3, 7, 1000, 2**20 + 3, 10**6])
def test_uniform_vector_gives_N(N, dtype):
    for value in (1.0, 0.1, 3e-30 if dtype == np.float32 else 3e-300):
        assert emp.n_eff(np.full(N, value, dtype=dtype)) == N


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 2, 5, 99, 4096, 10**5, 10**6 - 1])
class TestJustBelowAndAbove:
    def test_just_below_k_plus_1(self, k, dtype):
        # k ones and 1 - d: the ratio is k + 1 - O(d^2), a few ulps under k + 1
        eps = float(np.finfo(dtype).eps)
        for d in (eps, 4 * eps, 2**-26, 1e-7):
            v, want = structured(k, 1.0 - d, dtype)
            assert want in (k, k + 1)
            assert emp.n_eff(v) == want, (k, d)

    def test_just_above_k(self, k, dtype):
        # k ones and a tiny x: the ratio is k + 2x + O(x^2), a hair above k
        for x in (1e-30, 1e-12, 2.0**-40):
            v, want = structured(k, x, dtype, tail=3)
            assert want == k
            assert emp.n_eff(v) == k, (k, x)

    def test_exactly_integer(self, k, dtype):
        v, want = structured(k, 1.0, dtype)
        assert want == k + 1 == emp.n_eff(v)


def test_shell_index_and_n_eff_agree_at_large_N():
    # at N = 1e6 a point with ratio just below 500000: both functions say 499999
    k = 499_998
    v, want = structured(k, 1.0 - 2.0**-26, np.float64, tail=10**6 - k - 1)
    assert want == k  # ratio k + 1 - O(d^2) with d = 2^-26 lies below k + 1
    w = v / v.sum()
    assert emp.n_eff(v) == emp.n_eff(w) == emp.shell_index(np.sort(w)[::-1]) == want


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, width=64), min_size=1, max_size=40
    ).filter(lambda v: any(x != 0 for x in v))
)
def test_random_vectors_match_fractions(values):
    assert emp.n_eff(values) == min(max(exact_floor(values), 1), len(values))


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 60), st.integers(0, 8), st.integers(1, 5))
def test_near_integer_rows_match_fractions(k, ulps, reps):
    """Rows of the same construction decided by the row-wise kernel (simplex, images)."""
    rows = []
    for r in range(reps):
        x = 1.0 - (ulps + r) * 2.0**-52
        v, _ = structured(k, x, np.float64)
        rows.append(v)
    rows = np.array(rows)
    got = _kernels.n_eff_rows(rows)
    assert got.tolist() == [exact_floor(r) for r in rows]


class TestDecisionMachinery:
    def test_exact_sums_mixed_exponents(self):
        rng = np.random.default_rng(3)
        x = rng.standard_normal(5000) * 10.0 ** rng.integers(-200, 200, 5000)
        ex = _kernels.ExactSums().add(x)
        want = exact_floor(x)
        assert ex.ratio_at_least(want) and not ex.ratio_at_least(want + 1)

    def test_exact_sums_float32_subnormals(self):
        x = np.array([1e-45, 3e-45, 1.0, 2.0**-149], dtype=np.float32)
        ex = _kernels.ExactSums().add(x)
        want = exact_floor(x)
        assert ex.ratio_at_least(want) and not ex.ratio_at_least(want + 1)

    def test_without_exact_sums_an_undecidable_ratio_raises(self):
        with pytest.raises(ArithmeticError, match="within rounding"):
            _kernels.n_eff_from_sums(3.0, 3.0, 3)

    @pytest.mark.parametrize("n", [10, 1000, 100_000])
    def test_error_bound_covers_float_path(self, n):
        # the float64 ratio of stats() lies within ratio_rel_error of the exact ratio
        rng = np.random.default_rng(n)
        for s in (rng.standard_normal(n), rng.pareto(1.5, n), np.abs(rng.standard_cauchy(n))):
            st_ = _kernels.stats(s)
            ratio = Fraction(st_.l1 * st_.l1 / st_.l2sq)
            a = [abs(Fraction(float(x))) for x in s]
            true = sum(a) ** 2 / sum(x * x for x in a)
            err = _kernels.ratio_rel_error(n, -(-n // _kernels.CHUNK))
            assert abs(ratio - true) <= Fraction(err) * true
            ex = _kernels.ExactSums().add(s)
            assert _kernels.decide_floor(float(ratio), err, ex.ratio_at_least) == int(true)
