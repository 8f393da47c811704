"""Tests of emp_theory.effective (eq. 2, eq. 5, Algorithm 1).

Reference values: exact rational arithmetic (fractions.Fraction) of the paper's
definitions, hand-checkable small vectors, and a second selection algorithm (a
stable argsort) for the masks.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from emp_theory import (
    emp_mask,
    emp_summary,
    keep_count,
    n_eff,
    nu_from_n_eff,
    s_eff,
    theorem2_bound,
    top_mass,
    topk_mask,
    weights,
)
from emp_theory._kernels import SMALL as _SMALL


# ---------------------------------------------------------------------------
# Independent references (exact rationals; sorting)
# ---------------------------------------------------------------------------
def exact_n_eff(ints) -> int:
    """floor(1 / sum(omega^2)) = floor((sum|s|)^2 / sum s^2) in exact rationals."""
    a = [abs(int(x)) for x in ints]
    return math.floor(Fraction(sum(a) ** 2, sum(x * x for x in a)))


def exact_top_mass(ints, k) -> Fraction:
    a = sorted((abs(int(x)) for x in ints), reverse=True)
    return Fraction(sum(a[:k]), sum(a))


def reference_mask(s, k) -> np.ndarray:
    """Second algorithm: stable sort by decreasing |s| (ties: lowest index first)."""
    a = np.abs(np.asarray(s, dtype=np.float64)).ravel()
    order = np.argsort(-a, kind="stable")
    m = np.zeros(a.size, dtype=bool)
    m[order[:k]] = True
    return m.reshape(np.shape(s))


int_vectors = st.lists(st.integers(-1000, 1000), min_size=1, max_size=60).filter(lambda v: any(v))


# ---------------------------------------------------------------------------
class TestWeights:
    def test_hand_example(self):
        assert weights([1, -1, 2]).tolist() == [0.25, 0.25, 0.5]

    def test_shape_and_sum(self):
        s = np.arange(-6, 6, dtype=np.float32).reshape(3, 4)
        w = weights(s)
        assert w.shape == (3, 4)
        assert w.dtype == np.float64
        assert math.isclose(w.sum(), 1.0, rel_tol=1e-15)
        np.testing.assert_allclose(w, np.abs(s) / np.abs(s).sum(), rtol=1e-7)

    def test_extreme_magnitudes(self):
        w = weights([1e300, 1e300, 0.0])
        assert w.tolist() == [0.5, 0.5, 0.0]
        w = weights([1e-300, 3e-300])
        np.testing.assert_allclose(w, [0.25, 0.75], rtol=1e-12)

    def test_torch_input(self):
        torch = pytest.importorskip("torch")
        w = weights(torch.tensor([[1.0, -3.0]]))
        assert w.shape == (1, 2)
        np.testing.assert_allclose(w, [[0.25, 0.75]])


class TestNEff:
    @pytest.mark.parametrize("N", [1, 2, 3, 7, 10, 999, 1000, 4097, 65537, 1_000_003])
    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_uniform_gives_N_exactly(self, N, dtype):
        assert n_eff(np.full(N, 0.1, dtype=dtype)) == N
        assert n_eff(np.full(N, -3.7, dtype=dtype)) == N

    def test_uniform_beyond_float32_integer_range(self):
        # 2**24 + 3 ones: a float32 accumulator would stall at 2**24
        N = (1 << 24) + 3
        assert n_eff(np.ones(N, dtype=np.float32)) == N

    @pytest.mark.parametrize("N", [2, 5, 1000])
    def test_one_hot_gives_1(self, N):
        s = np.zeros(N)
        s[N // 2] = -2.5
        assert n_eff(s) == 1

    @pytest.mark.parametrize(
        ("s", "expected"),
        [
            ([3, 1], 1),  # 1 / (9/16 + 1/16) = 1.6
            ([1, 1, 0], 2),
            ([2, 1, 1], 2),  # 1 / (1/4 + 1/16 + 1/16) = 8/3
            ([1, 1, 1, 1], 4),
            ([2, 1, 1, 1, 1], 4),  # 36 / 8 = 4.5
        ],
    )
    def test_hand_cases(self, s, expected):
        assert n_eff(s) == expected
        assert exact_n_eff(s) == expected

    def test_extreme_magnitudes(self):
        assert n_eff([1e300, 1e300, 1e300, 0.0]) == 3
        assert n_eff([1e-300] * 5) == 5
        assert n_eff([1e300, 1e300, 1e-300]) == 2
        assert n_eff(np.array([1e38, 1e38], dtype=np.float32)) == 2
        assert n_eff(np.array([1e-45, 1e-45, 1e-45], dtype=np.float32)) == 3  # subnormals
        assert n_eff([5e-324] * 3) == 3  # smallest float64 subnormal
        assert n_eff([1.7e308, -1.7e308]) == 2  # near the largest float64
        assert s_eff([1.7e308, 1e-300]) == 1.0

    @settings(max_examples=300, deadline=None)
    @given(int_vectors)
    def test_matches_exact_rationals(self, v):
        assert n_eff(v) == exact_n_eff(v)

    def test_random_large_integer_vectors_match_exact(self):
        rng = np.random.default_rng(3)
        for _ in range(20):
            v = rng.integers(-50, 51, size=rng.integers(2, 3000))
            if not v.any():
                continue
            assert n_eff(v) == exact_n_eff(v)

    @pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint16, np.float16, np.float32])
    def test_dtypes(self, dtype):
        assert n_eff(np.array([2, 1, 1], dtype=dtype)) == 2

    def test_any_shape(self):
        s = np.ones((4, 5, 6))
        assert n_eff(s) == 120
        assert n_eff([[1, 1], [1, 1]]) == 4

    def test_torch_and_bfloat16(self):
        torch = pytest.importorskip("torch")
        assert n_eff(torch.ones(3, 5)) == 15
        assert n_eff(torch.ones(7, dtype=torch.bfloat16)) == 7
        assert n_eff(torch.tensor([2, 1, 1])) == 2

    @settings(max_examples=200, deadline=None)
    @given(
        arrays(np.float64, st.integers(1, 80), elements=st.floats(-1e6, 1e6)),
        st.integers(-30, 30),
        st.randoms(use_true_random=False),
    )
    def test_scale_and_permutation_invariance(self, s, e, rnd):
        if not np.any(s):
            return
        n = n_eff(s)
        assert 1 <= n <= s.size
        assert n_eff(s * 2.0**e) == n  # exact scaling by a power of two
        perm = list(range(s.size))
        rnd.shuffle(perm)
        assert n_eff(s[perm]) == n
        assert n_eff(-s) == n

    @pytest.mark.parametrize(
        ("bad", "exc", "msg"),
        [
            ([], ValueError, "empty"),
            ([1.0, np.nan], ValueError, "finite"),
            ([1.0, np.inf], ValueError, "finite"),
            ([-np.inf, 1.0], ValueError, "finite"),
            ([0.0, 0.0], ValueError, "all zeros"),
            ([True, False], TypeError, "boolean"),
            ([1 + 1j], TypeError, "real"),
            (["a", "b"], TypeError, "real"),
            ([[1, 2], [3]], TypeError, "`s`"),
        ],
    )
    def test_bad_input(self, bad, exc, msg):
        with pytest.raises(exc, match=msg):
            n_eff(bad)
        with pytest.raises(exc, match="`s`"):
            n_eff(bad)


class TestKeepCount:
    def test_floor_and_clip(self):
        s = np.ones(10)
        assert keep_count(s) == 10
        assert keep_count(s, 0.5) == 5
        assert keep_count(s, 0.55) == 5  # floor(5.5)
        assert keep_count(s, 2.0) == 10  # clipped at N
        assert keep_count(s, 0.01) == 1  # clipped at 1

    def test_roundoff_guard(self):
        # 0.29 * 100 == 28.999999999999996 in binary floating point
        assert 0.29 * 100 < 29
        assert keep_count(np.ones(100), 0.29) == 29
        assert keep_count(np.ones(100), 0.57) == 57

    def test_monotone_in_beta(self):
        s = np.random.default_rng(0).standard_normal(500)
        nus = [keep_count(s, b) for b in np.linspace(0.1, 3, 60)]
        assert nus == sorted(nus)

    @pytest.mark.parametrize("beta", [0, -1, np.nan, np.inf, -np.inf])
    def test_bad_beta_value(self, beta):
        with pytest.raises(ValueError, match="`beta`"):
            keep_count([1, 2, 3], beta)

    @pytest.mark.parametrize("beta", ["1", None, True, [1.0]])
    def test_bad_beta_type(self, beta):
        with pytest.raises(TypeError, match="`beta`"):
            keep_count([1, 2, 3], beta)


class TestTopkMask:
    def test_keeps_largest_magnitudes(self):
        m = topk_mask([0.5, -3.0, 2.0, 1.0], 2)
        assert m.tolist() == [False, True, True, False]

    def test_ties_lowest_index_first(self):
        assert topk_mask([1, 1, 1, 1], 2).tolist() == [True, True, False, False]
        assert topk_mask([0, 2, -2, 2, 1], 2).tolist() == [False, True, True, False, False]

    @pytest.mark.parametrize("k", [0, 5, -1])
    def test_bad_k(self, k):
        with pytest.raises(ValueError, match="`k`"):
            topk_mask([1, 2, 3, 4], k)


class TestEmpMask:
    def test_docstring_example(self):
        assert emp_mask([0.1, 5.0, -4.0, 0.2]).tolist() == [False, True, True, False]

    def test_ties_at_threshold(self):
        # omega = (1/3, 1/6, 1/6, 1/6, 1/6): 1/sum(omega^2) = 4.5 -> nu = 4
        assert emp_mask([2, 1, 1, 1, 1]).tolist() == [True, True, True, True, False]
        assert emp_mask([1, 1, 1, 1, 2]).tolist() == [True, True, True, False, True]

    @pytest.mark.parametrize("N", [50, _SMALL + 17, 300_000])
    @pytest.mark.parametrize("beta", [0.5, 1.0, 1.7])
    def test_matches_stable_sort_reference(self, N, beta):
        rng = np.random.default_rng(N)
        s = rng.standard_normal(N).astype(np.float32)
        s[rng.integers(0, N, N // 10)] = 0.25  # plant ties
        nu = keep_count(s, beta)
        m = emp_mask(s, beta)
        assert m.dtype == bool and int(m.sum()) == nu
        np.testing.assert_array_equal(m, reference_mask(s, nu))

    def test_threaded_chunks_match_sequential_reference(self):
        # > _PARALLEL_MIN_CHUNKS chunks: the thread-pool path, ties included
        rng = np.random.default_rng(7)
        s = rng.standard_normal(5 * (1 << 20) + 11).astype(np.float32)
        s[rng.integers(0, s.size, 1000)] = 0.5
        nu = keep_count(s, 0.8)
        np.testing.assert_array_equal(emp_mask(s, 0.8), reference_mask(s, nu))
        a = np.sort(np.abs(s.astype(np.float64)))[::-1]
        assert s_eff(s) == pytest.approx(a[: n_eff(s)].sum() / a.sum(), rel=1e-12)

    def test_heavy_ties_large_array(self):
        # quantized scores: the bracket holds many ties
        rng = np.random.default_rng(1)
        s = rng.integers(0, 4, size=200_003).astype(np.float64)
        for beta in (0.3, 1.0):
            nu = keep_count(s, beta)
            np.testing.assert_array_equal(emp_mask(s, beta), reference_mask(s, nu))

    def test_shape_preserved(self):
        s = np.random.default_rng(2).standard_normal((3, 4, 5))
        m = emp_mask(s)
        assert m.shape == (3, 4, 5)
        assert int(m.sum()) == keep_count(s)

    def test_torch_in_torch_out(self):
        torch = pytest.importorskip("torch")
        t = torch.randn(20, 30, generator=torch.Generator().manual_seed(0))
        m = emp_mask(t)
        assert isinstance(m, torch.Tensor) and m.dtype == torch.bool
        assert m.shape == t.shape
        np.testing.assert_array_equal(m.numpy(), reference_mask(t.numpy(), keep_count(t)))

    @settings(max_examples=200, deadline=None)
    @given(int_vectors, st.floats(0.05, 3.0))
    def test_exactly_nu_and_largest(self, v, beta):
        m = emp_mask(v, beta)
        a = np.abs(np.array(v, dtype=float))
        nu = keep_count(v, beta)
        assert int(m.sum()) == nu
        if nu < len(v):
            assert a[m].min() >= a[~m].max()

    @settings(max_examples=100, deadline=None)
    @given(int_vectors, st.randoms(use_true_random=False))
    def test_permutation_equivariance(self, v, rnd):
        """Permuting distinct scores permutes the mask."""
        a = np.array(v, dtype=float) + np.arange(len(v)) * 1e-3  # make magnitudes distinct
        perm = list(range(len(v)))
        rnd.shuffle(perm)
        np.testing.assert_array_equal(emp_mask(a)[perm], emp_mask(a[perm]))

    def test_bad_beta(self):
        with pytest.raises(ValueError, match="`beta`"):
            emp_mask([1, 2], beta=0)


class TestTopMass:
    def test_hand(self):
        assert top_mass([4, 3, 2, 1], 2) == pytest.approx(0.7, abs=1e-15)

    @settings(max_examples=200, deadline=None)
    @given(int_vectors, st.data())
    def test_matches_exact(self, v, data):
        k = data.draw(st.integers(1, len(v)))
        assert top_mass(v, k) == pytest.approx(float(exact_top_mass(v, k)), rel=1e-12)

    def test_bad_k(self):
        with pytest.raises(ValueError, match="`k`"):
            top_mass([1, 2], 3)


class TestSEff:
    def test_uniform_is_one(self):
        assert s_eff(np.ones(17)) == 1.0

    def test_hand(self):
        # [2,1,1,1,1]: N_eff = 4, s_eff = (2+1+1+1)/6
        assert s_eff([2, 1, 1, 1, 1]) == pytest.approx(5 / 6, abs=1e-15)

    @settings(max_examples=200, deadline=None)
    @given(int_vectors)
    def test_matches_exact(self, v):
        k = exact_n_eff(v)
        assert s_eff(v) == pytest.approx(float(exact_top_mass(v, k)), rel=1e-12)

    @settings(max_examples=300, deadline=None)
    @given(arrays(np.float64, st.integers(2, 200), elements=st.floats(-1e3, 1e3)))
    def test_theorem2_holds(self, s):
        """s_eff >= theorem2_bound(N_eff, N) >= N_eff / N for every vector."""
        if not np.any(s):
            return
        n, N = n_eff(s), s.size
        bound = theorem2_bound(n, N)
        assert s_eff(s) >= bound - 1e-12
        assert bound >= n / N - 1e-15


class TestEmpSummary:
    def test_fields_consistent(self):
        s = np.random.default_rng(5).laplace(size=1000)
        r = emp_summary(s, beta=1.5)
        assert r.N == 1000
        assert r.n_eff == n_eff(s)
        assert r.k == keep_count(s, 1.5)
        assert r.s_eff == pytest.approx(s_eff(s), abs=1e-15)
        assert r.kept_mass == pytest.approx(top_mass(s, r.k), abs=1e-15)
        assert r.sparsity == pytest.approx(1 - r.k / 1000)
        assert r.bound == theorem2_bound(r.n_eff, 1000)
        assert r.as_dict()["k"] == r.k


class TestNuFromNEff:
    def test_agrees_with_keep_count(self):
        rng = np.random.default_rng(11)
        for _ in range(50):
            s = rng.standard_t(3, size=int(rng.integers(2, 400)))
            beta = float(rng.uniform(0.1, 3))
            assert nu_from_n_eff(n_eff(s), s.size, beta) == keep_count(s, beta)

    def test_floor_and_clip(self):
        assert nu_from_n_eff(100, 1000, 0.29) == 29  # 0.29 * 100 = 28.999999999999996
        assert nu_from_n_eff(600, 1000, 2.0) == 1000
        assert nu_from_n_eff(3, 10, 0.1) == 1

    @pytest.mark.parametrize(
        ("args", "name"),
        [((0, 10), "n_eff"), ((11, 10), "n_eff"), ((3, 0), "N"), ((3, 10, 0), "beta")],
    )
    def test_bad(self, args, name):
        with pytest.raises(ValueError, match=f"`{name}`"):
            nu_from_n_eff(*args)
