"""Tests of emp_theory.simplex (eqs. 3, 4, 7, 10, 11, 12)."""

from __future__ import annotations

import numpy as np
import pytest

from emp_theory import (
    barycenter,
    from_barycentric,
    in_ordered_simplex,
    in_shell,
    plane_basis,
    plane_coords,
    radius,
    shell_index,
    to_barycentric,
    vertices,
    zeta,
)


class TestZeta:
    def test_values(self):
        assert zeta(2, 4).tolist() == [0.5, 0.5, 0.0, 0.0]
        assert zeta(4, 4).tolist() == [0.25] * 4

    def test_norm(self):
        # ||zeta_[k]||^2 = 1/k, so zeta_[k] lies on the sphere bounding B_k (eq. 12)
        for k in range(1, 9):
            assert zeta(k, 8) @ zeta(k, 8) == pytest.approx(1 / k)

    @pytest.mark.parametrize(("k", "N"), [(0, 3), (4, 3), (1, 1), (1.5, 3)])
    def test_bad(self, k, N):
        with pytest.raises(ValueError):
            zeta(k, N)


class TestVertices:
    def test_rows_are_zetas(self):
        V = vertices(5)
        for k in range(1, 6):
            np.testing.assert_array_equal(V[k - 1], zeta(k, 5))

    def test_ordered_and_in_simplex(self):
        assert np.all(in_ordered_simplex(vertices(7)))


class TestBarycenter:
    def test_is_last_vertex(self):
        np.testing.assert_array_equal(barycenter(6), zeta(6, 6))


class TestRadius:
    def test_distance_to_vertex(self):
        # r_nu = ||zeta_[nu] - zeta_[N]|| (eq. 11 and 12)
        N = 9
        for nu in range(1, N + 1):
            assert radius(nu, N) == pytest.approx(np.linalg.norm(zeta(nu, N) - barycenter(N)))

    def test_vectorized(self):
        r = radius([1, 2, 4], 4)
        np.testing.assert_allclose(r, np.sqrt([3 / 4, 1 / 4, 0]))

    def test_bad(self):
        with pytest.raises(ValueError, match="`nu`"):
            radius(0, 4)
        with pytest.raises(ValueError, match="`N`"):
            radius(1, 1)


class TestShells:
    def test_vertices_and_shells(self):
        N = 6
        for nu in range(1, N + 1):
            assert shell_index(zeta(nu, N)) == nu  # ||zeta_nu||^-2 = nu exactly
            assert in_shell(zeta(nu, N), nu)
            if nu < N:
                assert not in_shell(zeta(nu + 1, N), nu)  # on the removed sphere

    def test_unordered_point_not_in_shell(self):
        assert not in_shell([0.2, 0.8], 1)
        assert not in_ordered_simplex([0.2, 0.8])

    def test_points_on_the_inner_sphere_large_N(self):
        # p_nu lies on ||w||^2 = 1/(nu + 1) in exact arithmetic; its float64 coordinates
        # lie within rounding of it, on either side. The shell index of the stored point
        # is decided exactly: it equals floor((sum w)^2 / sum w^2) of the float values
        # computed with Fractions, and is nu or nu + 1 (eq. 8), for large N too.
        from fractions import Fraction

        from emp_theory import n_eff, p_nu

        for N in (50, 1000, 20000):
            for nu in (2, 4, N // 3, N - 2):
                p = p_nu(nu, N)
                head, tail = Fraction(float(p[0])), Fraction(float(p[1]))
                assert np.all(p[1:] == p[1])  # p_nu = (a, b, ..., b): two distinct values
                s1 = head + (N - 1) * tail
                s2 = head * head + (N - 1) * tail * tail
                want = int(s1 * s1 / s2)
                assert want in (nu, nu + 1)
                assert shell_index(p) == want == n_eff(p)

    def test_vectorized(self):
        pts = np.array([zeta(1, 3), zeta(2, 3), zeta(3, 3)])
        np.testing.assert_array_equal(shell_index(pts), [1, 2, 3])

    def test_bad_shape(self):
        with pytest.raises(ValueError, match="`omega`"):
            in_shell(np.ones((2, 2, 2)), 1)
        with pytest.raises(ValueError, match="`omega`"):
            shell_index([np.nan, 1.0])


class TestBarycentric:
    def test_roundtrip(self):
        rng = np.random.default_rng(0)
        lam = rng.dirichlet(np.ones(8), size=50)
        w = from_barycentric(lam)
        assert np.all(in_ordered_simplex(w))
        np.testing.assert_allclose(to_barycentric(w), lam, atol=1e-14)

    def test_vertices_map(self):
        # lambda = e_j maps to zeta_[j]
        np.testing.assert_allclose(from_barycentric(np.eye(5)), vertices(5))


class TestPlane:
    def test_basis_orthonormal_and_orthogonal_to_ones(self):
        U = plane_basis(5)
        np.testing.assert_allclose(U @ U.T, np.eye(4), atol=1e-14)
        np.testing.assert_allclose(U @ np.ones(5), 0, atol=1e-14)

    def test_isometry(self):
        V = vertices(4)
        P = plane_coords(V)
        assert P.shape == (4, 3)
        d_plane = np.linalg.norm(P[:, None] - P[None], axis=-1)
        d_orig = np.linalg.norm(V[:, None] - V[None], axis=-1)
        np.testing.assert_allclose(d_plane, d_orig, atol=1e-14)
        np.testing.assert_allclose(P[-1], 0, atol=1e-15)  # barycenter at the origin
