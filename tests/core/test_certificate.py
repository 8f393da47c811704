"""Tests of emp_theory.certificate: the exact infimum and the generalized beta bound.

Independent references: multi-start SLSQP (scipy.optimize) on the closed shell,
a dense grid of the N = 3 ordered simplex, Proposition 1's closed form, and
explicit vectors that violate a wrong bound.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from emp_theory import (
    beta_bound,
    exact_infimum,
    exact_infimum_point,
    from_barycentric,
    in_ordered_simplex,
    keep_count,
    n_eff,
    prop1_infimum,
    radius,
    top_mass,
)


def slsqp_min(nu: int, N: int, k: int, starts: int = 25, seed: int = 0) -> float:
    """Multi-start SLSQP: min sum_{i<=k} w_i on the closed shell of the ordered simplex."""
    rng = np.random.default_rng(seed)
    cons = [
        {"type": "eq", "fun": lambda w: w.sum() - 1.0},
        {"type": "ineq", "fun": lambda w: w @ w - 1.0 / (nu + 1)},
        {"type": "ineq", "fun": lambda w: 1.0 / nu - w @ w},
        {"type": "ineq", "fun": lambda w: -np.diff(w)},  # w_i >= w_{i+1}
    ]
    best = np.inf
    for _ in range(starts):
        x0 = from_barycentric(rng.dirichlet(np.full(N, 0.3)))
        res = minimize(
            lambda w: w[:k].sum(),
            x0,
            jac=lambda w: np.r_[np.ones(k), np.zeros(N - k)],
            method="SLSQP",
            bounds=[(0, 1)] * N,
            constraints=cons,
            options={"ftol": 1e-13, "maxiter": 500},
        )
        w = res.x
        feasible = (
            abs(w.sum() - 1) < 1e-9
            and 1 / (nu + 1) - 1e-9 <= w @ w <= 1 / nu + 1e-9
            and np.all(np.diff(w) <= 1e-9)
            and w.min() >= -1e-9
        )
        if feasible:
            best = min(best, w[:k].sum())
    return best


class TestExactInfimum:
    @pytest.mark.parametrize("N", [3, 4, 5, 6])
    def test_against_slsqp(self, N):
        for nu in range(1, N):
            for k in sorted({1, max(1, nu - 1), nu, min(N, nu + 1), N - 1}):
                exact = exact_infimum(nu, N, k)
                opt = slsqp_min(nu, N, k)
                assert opt >= exact - 1e-9, (nu, N, k)  # SLSQP never beats the exact minimum
                assert opt <= exact + 1e-6, (nu, N, k)  # and multi-start finds it

    def test_against_dense_grid_N3(self):
        # all points of the ordered 2-simplex on a fine barycentric grid
        g = np.linspace(0, 1, 801)
        l1, l2 = np.meshgrid(g, g)
        lam = np.stack([l1.ravel(), l2.ravel(), 1 - l1.ravel() - l2.ravel()], axis=1)
        lam = lam[lam[:, 2] >= 0]
        w = from_barycentric(lam)
        sq = np.einsum("ij,ij->i", w, w)
        for nu in (1, 2):
            inside = (sq >= 1 / (nu + 1)) & (sq <= 1 / nu)
            for k in (1, 2):
                grid_min = np.cumsum(w[inside], axis=1)[:, k - 1].min()
                exact = exact_infimum(nu, 3, k)
                assert exact <= grid_min + 1e-12
                assert grid_min - exact < 5e-3

    @pytest.mark.parametrize("N", [3, 10, 57, 200])
    def test_k_eq_nu_is_prop1(self, N):
        nus = np.arange(1, N + 1)
        np.testing.assert_allclose(exact_infimum(nus, N), prop1_infimum(nus, N), atol=1e-12)

    def test_k_eq_nu_is_prop1_all_nu_N1000(self):
        nus = np.arange(1, 1001)
        np.testing.assert_allclose(exact_infimum(nus, 1000), prop1_infimum(nus, 1000), atol=1e-12)

    def test_point_is_feasible_and_attains(self):
        for N, nu, k in [(10, 3, 3), (10, 3, 7), (50, 20, 5), (8, 1, 1)]:
            c = exact_infimum_point(nu, N, k)
            assert in_ordered_simplex(c.point)
            assert 1 / (nu + 1) - 1e-14 <= c.point @ c.point <= 1 / nu + 1e-14
            assert c.point[:k].sum() == pytest.approx(c.value, abs=1e-14)

    def test_p_nu_gives_an_upper_bound_and_can_be_beaten(self):
        """p_nu is feasible, so phi_k(p_nu) = a + (1 - a) k / N bounds the minimum from above;
        for k != nu the minimum can lie elsewhere (N = 5, nu = 2, k = 1: the vertex zeta_[3])."""
        for N in (5, 12, 40):
            for nu in range(2, N):
                a = radius(nu + 1, N) / radius(1, N)
                for k in range(1, N + 1):
                    assert exact_infimum(nu, N, k) <= a + (1 - a) * k / N + 1e-12
        c = exact_infimum_point(2, 5, 1)
        np.testing.assert_allclose(c.point, [1 / 3, 1 / 3, 1 / 3, 0, 0], atol=1e-15)
        assert c.value == pytest.approx(1 / 3)

    def test_nu_equals_N(self):
        assert exact_infimum(6, 6) == 1.0
        assert exact_infimum(6, 6, 3) == 0.5

    def test_bad(self):
        with pytest.raises(ValueError, match="`nu`"):
            exact_infimum(0, 5)
        with pytest.raises(ValueError, match="`k`"):
            exact_infimum(2, 5, 6)
        with pytest.raises(ValueError, match="`N`"):
            exact_infimum(1, 1)


class TestBetaBound:
    def test_beta_one_is_theorem2(self):
        n = np.arange(1, 61)
        np.testing.assert_allclose(beta_bound(1.0, n, 60), prop1_infimum(n, 60), atol=1e-12)

    def test_holds_on_random_vectors(self):
        rng = np.random.default_rng(0)
        for _ in range(200):
            N = int(rng.integers(3, 40))
            s = rng.standard_t(2, size=N)
            beta = float(rng.uniform(0.3, 2.5))
            k = keep_count(s, beta)
            assert top_mass(s, k) >= beta_bound(beta, n_eff(s), N) - 1e-12

    def test_substituting_k_into_prop1_is_not_a_bound_for_beta_below_one(self):
        """An explicit vector with N_eff = nu whose top-k mass is below prop1_infimum(k, N)."""
        N, nu, beta = 1000, 100, 0.5
        k = keep_count(np.ones(nu), beta)  # floor(0.5 * 100) = 50
        a = radius(nu + 1, N) / radius(1, N) * (1 + 1e-9)  # just inside A_nu, on the edge
        w = np.full(N, (1 - a) / N)
        w[0] += a
        assert n_eff(w) == nu
        assert top_mass(w, k) < prop1_infimum(k, N)  # the substituted "bound" fails
        assert top_mass(w, k) >= beta_bound(beta, nu, N) - 1e-12  # ours holds
        assert top_mass(w, k) - beta_bound(beta, nu, N) < 1e-8  # and is tight

    def test_bad_beta(self):
        with pytest.raises(ValueError, match="`beta`"):
            beta_bound(0, 5, 10)
        with pytest.raises(ValueError, match="`n_eff`"):
            beta_bound(1, 11, 10)
