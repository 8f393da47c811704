"""Tests of emp_theory.bounds: Proposition 1, Theorem 2, Lemma 1, eqs. 17-18.

Reference values are the paper's closed forms evaluated by hand (exact fractions),
the exact certificate (a different algorithm), and relations between the formulas
(eq. 17 inverts eq. 1).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from emp_theory import (
    distance_bound,
    eq17_loss_bound,
    eq18_loss_bound,
    exact_infimum,
    lemma1_rho_max,
    normalized_loss_bound,
    p_nu,
    prop1_infimum,
    radius,
    theorem2_approx,
    theorem2_bound,
    trivial_bound,
    zeta,
)


class TestProp1Infimum:
    @pytest.mark.parametrize(
        ("nu", "N", "expected"),
        [
            (1, 5, 0.5),  # boundary case: at zeta_[2]
            (5, 5, 1.0),  # boundary case: at zeta_[N]
            (2, 4, 2 / 4 + 2 / 4 * math.sqrt(1 / 9)),  # = 2/3
            (2, 3, 2 / 3),  # nu = N-1: sqrt(0) -> nu/N
            (3, 10, 3 / 10 + 7 / 10 * math.sqrt(6 / (4 * 9))),
        ],
    )
    def test_hand_values(self, nu, N, expected):
        assert prop1_infimum(nu, N) == pytest.approx(expected, abs=1e-15)

    def test_vectorized_matches_scalar(self):
        nus = np.arange(1, 51)
        v = prop1_infimum(nus, 50)
        assert v.shape == (50,)
        assert all(v[i] == prop1_infimum(int(nus[i]), 50) for i in range(50))

    @pytest.mark.parametrize("N", [3, 4, 7, 20, 100])
    def test_equals_exact_certificate(self, N):
        nus = np.arange(1, N + 1)
        np.testing.assert_allclose(prop1_infimum(nus, N), exact_infimum(nus, N), atol=1e-12)

    def test_equals_exact_certificate_N1000(self):
        nus = np.array([1, 2, 3, 10, 50, 137, 300, 500, 750, 998, 999, 1000])
        np.testing.assert_allclose(prop1_infimum(nus, 1000), exact_infimum(nus, 1000), atol=1e-12)

    def test_between_trivial_and_one(self):
        N = 200
        nus = np.arange(1, N + 1)
        v = prop1_infimum(nus, N)
        assert np.all(v >= nus / N - 1e-15) and np.all(v <= 1)

    @pytest.mark.parametrize(
        ("nu", "N", "exc"),
        [
            (0, 5, ValueError),
            (6, 5, ValueError),
            (1, 1, ValueError),
            (2, 4.5, ValueError),
            (2.5, 10, ValueError),
            ("a", 10, TypeError),
            (True, 10, TypeError),
            (1, np.nan, ValueError),
        ],
    )
    def test_bad(self, nu, N, exc):
        with pytest.raises(exc):
            prop1_infimum(nu, N)


class TestPNu:
    @pytest.mark.parametrize("N", [4, 10, 101])
    def test_properties(self, N):
        for nu in range(2, N - 1):
            p = p_nu(nu, N)
            assert p.sum() == pytest.approx(1, abs=1e-14)
            assert np.all(np.diff(p) <= 1e-16) and p[-1] >= 0  # ordered
            assert p @ p == pytest.approx(1 / (nu + 1), abs=1e-14)  # inner sphere
            assert p[:nu].sum() == pytest.approx(prop1_infimum(nu, N), abs=1e-14)
            # p lies on the edge [zeta_1, zeta_N] at distance r_{nu+1} from the barycenter
            d = p - zeta(N, N)
            assert np.linalg.norm(d) == pytest.approx(radius(nu + 1, N), abs=1e-14)
            e = zeta(1, N) - zeta(N, N)
            assert abs(d @ e) == pytest.approx(np.linalg.norm(d) * np.linalg.norm(e), abs=1e-14)

    def test_boundary_cases(self):
        np.testing.assert_array_equal(p_nu(1, 4), zeta(2, 4))
        np.testing.assert_array_equal(p_nu(4, 4), zeta(4, 4))
        np.testing.assert_allclose(p_nu(3, 4), zeta(4, 4))  # r_N = 0

    def test_bad(self):
        with pytest.raises(ValueError, match="`nu`"):
            p_nu(0, 4)


class TestTheorem2:
    def test_is_prop1_at_neff(self):
        N = 1000
        n = np.arange(2, N)
        np.testing.assert_array_equal(theorem2_bound(n, N), prop1_infimum(n, N))

    def test_formula(self):
        # 1 - s_eff <= (N - n)/N (1 - sqrt((N - n - 1)/((n + 1)(N - 1))))   (eq. 15)
        N, n = 1000, 250
        rhs = (N - n) / N * (1 - math.sqrt((N - n - 1) / ((n + 1) * (N - 1))))
        assert 1 - theorem2_bound(n, N) == pytest.approx(rhs, abs=1e-15)

    def test_bad_neff(self):
        with pytest.raises(ValueError, match="`n_eff`"):
            theorem2_bound(0, 10)
        with pytest.raises(ValueError, match="`n_eff`"):
            theorem2_bound([5, 11], 10)


class TestTheorem2Approx:
    def test_formula_and_closeness(self):
        N = 1000
        n = np.arange(2, N)
        approx = theorem2_approx(n, N)
        hand = 1 - (N - n) / N * (1 - np.sqrt((N - n) / (N * n)))
        np.testing.assert_allclose(approx, hand, rtol=1e-15)
        # O(N^{-3/2}) difference at fixed rho (SymPy derives the order): N^{3/2} * diff
        # settles to a constant
        scaled = [
            abs(theorem2_bound(3 * NN // 10, NN) - theorem2_approx(0.3 * NN, NN)) * NN**1.5
            for NN in (10**3, 10**4, 10**5, 10**6)
        ]
        assert max(scaled) / min(scaled) < 1.01

    def test_bad(self):
        with pytest.raises(ValueError, match="`n_eff`"):
            theorem2_approx(0.5, 10)


class TestTrivialBound:
    def test_below_theorem2(self):
        n = np.arange(1, 101)
        assert np.all(trivial_bound(n, 100) <= theorem2_bound(n, 100) + 1e-15)
        assert trivial_bound(25, 100) == 0.25


class TestLemma1:
    def test_eq17_inverts_eq1(self):
        N, D, T = 1000, 2.5, 40.0
        for rho in (0.05, 0.2, 0.5, 0.9):
            eps = eq17_loss_bound(rho, N, D, T)
            assert lemma1_rho_max(eps, N, D, T) == pytest.approx(rho, rel=1e-12)

    def test_zero_eps_allows_everything(self):
        assert lemma1_rho_max(0.0, 10, 1.0, 1.0) == 1.0

    def test_bad(self):
        with pytest.raises(ValueError, match="`eps`"):
            lemma1_rho_max(-1, 10, 1, 1)
        with pytest.raises(ValueError, match="`trace_h`"):
            lemma1_rho_max(1, 10, 1, 0)
        with pytest.raises(ValueError, match="`dist_sq`"):
            lemma1_rho_max(1, 10, np.nan, 1)


class TestEq17:
    def test_hand(self):
        # (1 - 0.5) / (2 * 10 * 0.5) * 4 * 3 = 0.6
        assert eq17_loss_bound(0.5, 10, 3.0, 4.0) == pytest.approx(0.6)

    def test_bad_rho(self):
        with pytest.raises(ValueError, match="`rho`"):
            eq17_loss_bound(0.0, 10, 1, 1)
        with pytest.raises(ValueError, match="`rho`"):
            eq17_loss_bound(1.5, 10, 1, 1)


class TestDistanceBound:
    def test_holds_for_magnitude_pruning(self):
        """||theta - theta^{N_eff}||^2 <= ||theta||_1^2 (1 - s_eff)^2 (N - N_eff) on real vectors."""
        from emp_theory import emp_mask, n_eff, s_eff

        rng = np.random.default_rng(0)
        for _ in range(20):
            theta = rng.standard_t(3, size=300)
            m = emp_mask(theta)
            lhs = float(np.sum(theta[~m] ** 2))
            rhs = distance_bound(np.abs(theta).sum(), s_eff(theta), n_eff(theta), theta.size)
            assert lhs <= rhs


class TestNormalizedLossBound:
    def test_hand(self):
        # rho = 0.5, N = 2: (0.5)^4 / 1 * (1 - sqrt(0.5))^2
        assert normalized_loss_bound(0.5, 2) == pytest.approx(0.0625 * (1 - math.sqrt(0.5)) ** 2)

    def test_composition_eq17_distance_approx(self):
        """eq. 18 = eq. 17 with the distance bound and the approximate Theorem 2 (continuous rho)."""
        N, l1, T = 1000, 3.0, 7.0
        for rho in (0.1, 0.2, 0.5, 0.8):
            n = rho * N
            one_minus_s = (N - n) / N * (1 - math.sqrt((N - n) / (N * n)))
            D = l1**2 * one_minus_s**2 * (N - n)
            assert eq18_loss_bound(rho, N, l1, T) == pytest.approx(
                eq17_loss_bound(rho, N, D, T), rel=1e-12
            )

    def test_exact_variant_uses_theorem2(self):
        N = 1000
        for n in (50, 200, 700):
            rho = n / N
            one_minus_s = 1 - theorem2_bound(n, N)
            D = one_minus_s**2 * (N - n)
            assert normalized_loss_bound(rho, N, exact=True) == pytest.approx(
                eq17_loss_bound(rho, N, D, 1.0), rel=1e-12
            )

    def test_decreasing(self):
        rho = np.linspace(0.01, 1, 200)
        v = normalized_loss_bound(rho, 1000)
        assert np.all(np.diff(v) <= 0)
        assert v[-1] == 0

    def test_bad(self):
        with pytest.raises(ValueError, match="`rho`"):
            normalized_loss_bound(0.0001, 1000)
