"""Tests of emp_theory.search: a search that does not know Proposition 1 confirms it.

The search is told only (N, nu) and the shell's definition; these tests compare what it
finds with ``prop1_infimum`` afterwards (within 1e-6, nothing below it beyond 1e-12),
show that it does not use the closed form, the point p_nu or the certificate, and that
the comparison fails when fed a wrong claimed infimum.
"""

from __future__ import annotations

import ast
import inspect
import math

import numpy as np
import pytest

import emp_theory
from emp_theory import in_ordered_simplex, prop1_infimum, search
from emp_theory.search import LIMITS, METHODS, SearchResult, check_claim, search_infimum

REACH, FLOOR = 1e-6, 1e-12
FORBIDDEN = frozenset(
    {"prop1_infimum", "p_nu", "certificate", "exact_infimum", "exact_infimum_point"}
)


def sampled_nus(N: int) -> list[int]:
    return sorted({1, 2, 3, N // 10, N // 4, N // 3, N // 2, N - 3, N - 2, N - 1, N})


def assert_tight(r: SearchResult) -> None:
    claimed = prop1_infimum(r.nu, r.N)
    assert r.value >= claimed - FLOOR, ("below Proposition 1", r.nu, r.N, r.method)
    assert r.value <= claimed + REACH, ("did not reach", r.nu, r.N, r.method, r.value - claimed)
    assert check_claim(r, claimed).confirmed


def assert_feasible(r: SearchResult) -> None:
    w = r.point
    assert in_ordered_simplex(w)
    assert r.shell_violation <= 1e-15
    assert 1 / (r.nu + 1) - 1e-15 <= w @ w <= 1 / r.nu + 1e-15
    assert w[: r.nu].sum() == r.value  # phi_nu (eq. 9) of the point, as reported


class TestReachesProposition1:
    @pytest.mark.parametrize("N", [50, 64])
    def test_edges_every_nu(self, N):
        for nu in range(1, N + 1):
            r = search_infimum(nu, N, method="edges")
            assert_tight(r)
            assert_feasible(r)

    def test_faces_every_nu_N50(self):
        for nu in range(1, 51):
            assert_tight(search_infimum(nu, 50, method="faces"))

    @pytest.mark.parametrize("N", [64, 100])
    def test_faces_sampled_nu(self, N):
        for nu in sampled_nus(N):
            r = search_infimum(nu, N, method="faces")
            assert_tight(r)
            assert_feasible(r)

    @pytest.mark.parametrize("nu", [10, 48])
    def test_descent_from_uniform_starts(self, nu):
        r = search_infimum(nu, 50, method="descent", starts=3, seed=0)
        assert_tight(r)
        assert in_ordered_simplex(r.point) and r.shell_violation <= 1e-15

    def test_uniform_sampling_stays_above(self):
        """Naive uniform sampling never goes below the bound, and mostly misses the shell."""
        r = search_infimum(25, 50, method="uniform", samples=20_000, seed=1)
        assert math.isfinite(r.value) and r.value >= prop1_infimum(25, 50) - FLOOR
        assert check_claim(r, prop1_infimum(25, 50)).status == "not reached"
        assert search_infimum(2, 50, method="uniform", samples=2000).point is None


class TestDoesNotKnowTheAnswer:
    def test_source_names_none_of_them(self):
        tree = ast.parse(inspect.getsource(search))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.ImportFrom):
                names.add(node.module or "")
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        assert not names & FORBIDDEN
        assert not any("bounds" in n or "certificate" in n for n in names if n)

    def test_runs_with_the_answer_removed(self, monkeypatch):
        def boom(*a, **k):
            raise AssertionError("the search used the answer")

        from emp_theory import bounds, certificate, montecarlo

        for mod in (emp_theory, bounds, montecarlo):
            for name in ("prop1_infimum", "p_nu"):
                if hasattr(mod, name):
                    monkeypatch.setattr(mod, name, boom)
        for mod in (emp_theory, certificate):
            for name in ("exact_infimum", "exact_infimum_point", "beta_bound"):
                monkeypatch.setattr(mod, name, boom)
        found = {m: search_infimum(5, 30, method=m, starts=2, samples=1000) for m in METHODS}
        monkeypatch.undo()
        for m in ("faces", "edges", "descent"):
            assert abs(found[m].value - prop1_infimum(5, 30)) <= REACH, m


class TestCanFail:
    @staticmethod
    def eq14(nu: int, N: int) -> float:
        """eq. (14) without Proposition 1's case nu = 1."""
        return nu / N + (N - nu) / N * math.sqrt((N - nu - 1) / ((nu + 1) * (N - 1)))

    def test_eq14_at_nu1_is_refuted(self):
        r = search_infimum(1, 200, method="edges")
        wrong = self.eq14(1, 200)  # 0.707..., the minimizer wrongly placed at p_1
        assert wrong == pytest.approx(0.707, abs=2e-3)
        v = check_claim(r, wrong)
        assert v.status == "refuted" and v.gap < -0.2
        assert check_claim(r, prop1_infimum(1, 200)).confirmed  # the right value: 1/2

    @pytest.mark.parametrize("nu", [2, 3, 17, 59, 60])
    def test_the_neighbouring_shells_values_are_detected(self, nu):
        """Prop. 1's value at nu + 1 or nu - 1 claimed for shell nu: never confirmed.

        (The infimum is not monotone in nu: at N = 60 it is 0.5, 0.582, 0.513 for nu = 1, 2, 3,
        so a wrong claim can sit above the truth, refuted by a point below it, or below it,
        not reached.)"""
        r = search_infimum(nu, 60, method="edges")
        truth = prop1_infimum(nu, 60)
        for other in (nu - 1, nu + 1):
            if not 1 <= other <= 60:
                continue
            wrong = prop1_infimum(other, 60)
            assert abs(wrong - truth) > REACH
            v = check_claim(r, wrong)
            assert v.status == ("refuted" if wrong > truth else "not reached"), (nu, other)

    def test_a_bound_off_by_more_than_the_reach(self):
        r = search_infimum(7, 50, method="faces")
        assert check_claim(r, prop1_infimum(7, 50) - 1e-5).status == "not reached"
        assert check_claim(r, prop1_infimum(7, 50) + 1e-9).status == "refuted"


class TestArguments:
    def test_bad(self):
        with pytest.raises(ValueError, match="`method`"):
            search_infimum(1, 10, method="grid")
        with pytest.raises(ValueError, match="`N`"):
            search_infimum(1, LIMITS["faces"] + 1, method="faces")
        with pytest.raises(ValueError, match="`nu`"):
            search_infimum(11, 10)
        with pytest.raises(ValueError, match="`starts`"):
            search_infimum(1, 10, method="descent", starts=0)
        with pytest.raises(TypeError, match="`result`"):
            check_claim(0.5, 0.5)
        with pytest.raises(TypeError, match="`claimed`"):
            check_claim(search_infimum(1, 5), "0.5")
        with pytest.raises(ValueError, match="`claimed`"):
            check_claim(search_infimum(1, 5), math.nan)

    def test_small_N(self):
        for N in (2, 3, 4):
            for nu in range(1, N + 1):
                for m in ("faces", "edges"):
                    assert_tight(search_infimum(nu, N, method=m))


@pytest.mark.slow
class TestLargerSweeps:
    @pytest.mark.parametrize("N", [100, 150])
    def test_faces_every_nu(self, N):
        for nu in range(1, N + 1):
            assert_tight(search_infimum(nu, N, method="faces"))

    @pytest.mark.parametrize("N", [100, 300])
    def test_edges_every_nu(self, N):
        for nu in range(1, N + 1):
            assert_tight(search_infimum(nu, N, method="edges"))

    @pytest.mark.parametrize("N", [50, 100])
    def test_descent_sampled_nu(self, N):
        for nu in sampled_nus(N):
            assert_tight(search_infimum(nu, N, method="descent", starts=5, seed=nu))

    def test_descent_every_nu_N50(self):
        rng = np.random.default_rng(0)
        for nu in range(1, 51):
            assert_tight(search_infimum(nu, 50, method="descent", starts=3, seed=rng))
