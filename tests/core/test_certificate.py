"""Tests of emp_theory.certificate: the exact infimum and the generalized beta bound.

Independent references: multi-start SLSQP (scipy.optimize) on the closed shell,
a dense grid of the N = 3 ordered simplex, Proposition 1's closed form, explicit
vectors that violate a wrong bound, and the O(nu (N - nu)) enumeration of every edge
[zeta_i, zeta_j] (:func:`reference_infimum`, the algorithm the certificate used before
its branch and bound; also timed in ``benchmarks/bench_certificate.py``).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from emp_theory import (
    beta_bound,
    certificate,
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


def reference_infimum(nu: int, N: int, k: int) -> float:
    """min phi_k over the vertices zeta_j in the closed shell and every edge/sphere crossing.

    Every pair i < j with i <= m <= j on both spheres ||w||^2 = 1/m, m in {nu, nu + 1}
    (no dominance argument, no branch and bound): O(nu (N - nu)) candidates.
    """
    if nu == N:
        return k / N
    best = min(min(k, j) / j for j in (nu, nu + 1))
    for m in (nu, nu + 1):
        i = np.arange(1, m + 1, dtype=float)[:, None]
        j = np.arange(m, N + 1, dtype=float)[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            u = (1.0 / m - 1.0 / j) / (1.0 / i - 1.0 / j)
        a = np.sqrt(np.clip(np.where(j > i, u, 0.0), 0.0, 1.0))
        val = a * np.minimum(k, i) / i + (1.0 - a) * np.minimum(k, j) / j
        best = min(best, float(np.where(j > i, val, np.inf).min()))
    return best


def slsqp_min(nu: int, N: int, k: int, starts: int = 25, seed: int = 0) -> float:
    """Multi-start SLSQP: min sum_{i<=k} w_i on the closed shell of the ordered simplex."""
    rng = np.random.default_rng(seed)
    ones = np.ones(N)
    order = np.eye(N - 1, N) - np.eye(N - 1, N, 1)  # (order @ w)_i = w_i - w_{i+1}
    cons = [  # exact Jacobians (finite differences would cost N + 1 calls each)
        {"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: ones},
        {"type": "ineq", "fun": lambda w: w @ w - 1.0 / (nu + 1), "jac": lambda w: 2 * w},
        {"type": "ineq", "fun": lambda w: 1.0 / nu - w @ w, "jac": lambda w: -2 * w},
        {"type": "ineq", "fun": lambda w: order @ w, "jac": lambda w: order},  # w_i >= w_{i+1}
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

    @pytest.mark.parametrize("N", [*range(2, 13), 57, 128, 300])
    def test_against_the_enumeration_of_every_edge_every_nu(self, N):
        for nu in range(1, N + 1):
            assert abs(exact_infimum(nu, N) - reference_infimum(nu, N, nu)) <= 1e-12, (nu, N)

    @pytest.mark.parametrize("N", [*range(2, 13), 41])
    def test_against_the_enumeration_every_nu_every_k(self, N):
        for nu in range(1, N + 1):
            for k in range(1, N + 1):
                got = exact_infimum(nu, N, k)
                assert abs(got - reference_infimum(nu, N, k)) <= 1e-12, (nu, N, k)

    def test_against_the_enumeration_k_ne_nu_at_N300(self):
        rng = np.random.default_rng(3)
        for nu, k in rng.integers(1, 301, size=(40, 2)):
            got = exact_infimum(int(nu), 300, int(k))
            assert abs(got - reference_infimum(int(nu), 300, int(k))) <= 1e-12, (nu, k)

    def test_the_tie_at_N4_nu2(self):
        """zeta_[3] and p_2 have the same kept mass 2/3; the vertex is listed first."""
        c = exact_infimum_point(2, 4)
        assert c.edge == (3, 3) and c.kind == "vertex"
        assert c.value == pytest.approx(2 / 3, abs=1e-15) == prop1_infimum(2, 4)

    @pytest.mark.parametrize("N", [10**6, 10**9, 10**12, 2**53])
    def test_large_N_is_cheap_and_is_prop1(self, N):
        for nu in (1, 2, 3, N // 10, N // 2, N - 2, N - 1, N):
            c = exact_infimum_point(nu, N)
            assert abs(c.value - prop1_infimum(nu, N)) <= 1e-12, nu
            assert c.evaluations <= 200_000, (nu, c.evaluations)
            if 2 <= nu <= N - 2:  # p_nu, eq. 14 (beyond ~1e8 float64 ties j near N within 1e-15)
                assert c.edge[0] == 1 and c.sphere == "inner"
                assert c.edge[1] == N or N > 10**8

    def test_runs_describe_the_point(self):
        for N, nu, k in [(10, 3, 3), (10, 3, 7), (50, 20, 5), (8, 1, 1), (6, 6, 3), (5, 2, 1)]:
            c = exact_infimum_point(nu, N, k)
            runs = c.runs()
            assert sum(n for _, n in runs) == N
            expanded = np.repeat([v for v, _ in runs], [n for _, n in runs])
            np.testing.assert_array_equal(expanded, c.point)
        assert exact_infimum_point(5, 1000).runs()[1][1] == 999  # p_nu = (a, b, ..., b)

    def test_branch_and_bound_leaf_size_does_not_matter(self):
        for m, N, k in [(3, 5000, 2), (11, 5000, 10), (2, 20000, 2), (400, 9000, 401)]:
            full = certificate._best_on_sphere(m, N, k, leaf=10**9)  # one leaf: every j
            small = certificate._best_on_sphere(m, N, k, leaf=8)
            assert abs(full[0] - small[0]) <= 1e-15 and full[3] >= N - max(m, k + 1, 2) + 1

    def test_beyond_max_N(self):
        with pytest.raises(ValueError, match="`N`"):
            exact_infimum(1, certificate.MAX_N + 1)
        with pytest.raises(ValueError, match="`N`"):
            beta_bound(1.0, 1, 2**63 - 1)

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
