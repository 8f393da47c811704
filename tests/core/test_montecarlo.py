"""Tests of emp_theory.montecarlo: sampling the ordered simplex and the empirical Proposition 1.

References used here are independent of the sampler's code: the textbook sampler
(decreasingly sorted Dirichlet(1), via numpy's ``Generator.dirichlet``), closed-form
moments of the uniform distribution on the simplex, the paper's eq. 14
(``prop1_infimum``) and a pure-Python recomputation of the per-shell minima.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import ks_2samp

from emp_theory import montecarlo as mc
from emp_theory.bounds import prop1_infimum
from emp_theory.simplex import (
    from_barycentric,
    in_ordered_simplex,
    in_shell,
    radius,
    shell_index,
    to_barycentric,
)

#: samples per method in the tightness test
_BUDGET = {3: 30_000, 10: 60_000, 50: 100_000, 200: 60_000}


def _textbook_uniform(N, n, seed):
    """Uniform points of the ordered simplex: Dirichlet(1, ..., 1) sorted decreasingly."""
    x = np.random.default_rng(seed).dirichlet(np.ones(N), size=n)
    return -np.sort(-x, axis=1)


def _kept(w):
    return float(np.sum(w[: shell_index(w)]))


# ---------------------------------------------------------------------------
class TestSampleUniform:
    @pytest.mark.parametrize("N", [2, 3, 10, 50])
    def test_in_ordered_simplex(self, N):
        w = mc.sample_uniform(N, 5000, seed=0)
        assert w.shape == (5000, N) and w.dtype == np.float64 and w.flags.c_contiguous
        assert in_ordered_simplex(w).all()
        assert np.all(np.diff(w, axis=1) <= 0) and np.all(w >= 0)  # exactly, not up to atol

    def test_is_from_barycentric_of_dirichlet1(self):
        N, n = 12, 3000
        E = np.random.default_rng(7).standard_exponential((n, N))
        want = from_barycentric(E / E.sum(axis=1, keepdims=True))
        np.testing.assert_allclose(mc.sample_uniform(N, n, seed=7), want, rtol=1e-13, atol=1e-16)

    @pytest.mark.parametrize("N", [3, 10, 50])
    def test_matches_sorted_dirichlet_ks(self, N):
        n = 20_000
        w = mc.sample_uniform(N, n, seed=11)
        ref = _textbook_uniform(N, n, seed=12)
        assert ks_2samp(w[:, 0], ref[:, 0]).pvalue > 1e-3
        assert ks_2samp((w * w).sum(1), (ref * ref).sum(1)).pvalue > 1e-3
        assert ks_2samp(w[:, N // 2], ref[:, N // 2]).pvalue > 1e-3

    def test_ks_has_power(self):
        # a wrong sampler (sorted normalized uniforms, not Dirichlet(1)) is rejected
        N, n = 10, 20_000
        u = np.random.default_rng(3).random((n, N))
        bad = -np.sort(-(u / u.sum(1, keepdims=True)), axis=1)
        ref = _textbook_uniform(N, n, seed=4)
        assert ks_2samp(bad[:, 0], ref[:, 0]).pvalue < 1e-6

    def test_closed_form_moments(self):
        # E[w_1] = H_N / N (expected largest of N uniform spacings), E||w||^2 = 2/(N+1)
        N, n = 10, 200_000
        w = mc.sample_uniform(N, n, seed=5)
        h = sum(1 / k for k in range(1, N + 1)) / N
        for x, mean in ((w[:, 0], h), ((w * w).sum(1), 2 / (N + 1))):
            se = x.std() / math.sqrt(n)
            assert abs(x.mean() - mean) < 5 * se

    def test_seeding(self):
        a = mc.sample_uniform(8, 100, seed=3)
        np.testing.assert_array_equal(a, mc.sample_uniform(8, 100, seed=3))
        assert not np.array_equal(a, mc.sample_uniform(8, 100, seed=4))
        g = np.random.default_rng(3)
        np.testing.assert_array_equal(mc.sample_uniform(8, 100, seed=g), a)  # same stream
        assert not np.array_equal(mc.sample_uniform(8, 100, seed=g), a)  # consumed

    def test_chunked_draw_equals_single(self, monkeypatch):
        one = mc.sample_uniform(7, 1000, seed=9)
        monkeypatch.setattr(mc.samplers, "_CHUNK_ELEMENTS", 7 * 13)  # 13 rows per chunk
        np.testing.assert_array_equal(mc.sample_uniform(7, 1000, seed=9), one)

    @pytest.mark.parametrize(
        ("kwargs", "name"),
        [
            ({"N": 1, "n": 5}, "N"),
            ({"N": 2.5, "n": 5}, "N"),
            ({"N": "3", "n": 5}, "N"),
            ({"N": 3, "n": 0}, "n"),
            ({"N": 3, "n": 1.5}, "n"),
            ({"N": 3, "n": 5, "seed": -1}, "seed"),
            ({"N": 3, "n": 5, "seed": "x"}, "seed"),
            ({"N": 3, "n": 5, "seed": True}, "seed"),
            ({"N": 3, "n": 5, "seed": 1.0}, "seed"),
        ],
    )
    def test_bad_inputs(self, kwargs, name):
        with pytest.raises((ValueError, TypeError), match=f"`{name}`"):
            mc.sample_uniform(**kwargs)


# ---------------------------------------------------------------------------
class TestSampleTargeted:
    @pytest.mark.parametrize(
        ("N", "nu"), [(2, 1), (2, 2), (3, 1), (3, 2), (10, 5), (50, 1), (50, 49), (50, 50)]
    )
    def test_in_ordered_simplex(self, N, nu):
        w = mc.sample_targeted(N, nu, 3000, seed=1)
        assert w.shape == (3000, N)
        assert in_ordered_simplex(w).all()
        assert np.all(np.diff(w, axis=1) <= 0) and np.all(w >= 0)

    @pytest.mark.parametrize(("N", "nu"), [(10, 3), (50, 20), (200, 150)])
    def test_edge_points_sweep_the_shell(self, N, nu):
        # rows 0, 3, 6, ... lie on the edge [zeta_1, zeta_N] with 1/(nu+1) <= ||w||^2 <= 1/nu
        # (between p_nu and the outer sphere), crowding towards p_nu
        w = mc.sample_targeted(N, nu, 3000, seed=2)[::3]
        assert np.all(w[:, 1:] == w[:, 1:2])
        sq = (w**2).sum(1)
        assert np.all(sq >= 1 / (nu + 1) - 1e-15) and np.all(sq <= 1 / nu + 1e-15)
        a = w[:, 0] - w[:, 1]  # w = a zeta_1 + (1-a) zeta_N has w_1 - w_2 = a
        a_nu = radius(nu + 1, N) / radius(1, N)
        assert np.mean(a - a_nu < 1e-6 * a_nu) > 0.2  # many within 1e-6 of p_nu

    @pytest.mark.parametrize(("N", "nu"), [(3, 1), (10, 4), (50, 2), (50, 49), (200, 100)])
    def test_reaches_infimum(self, N, nu):
        w = mc.sample_targeted(N, nu, 3000, seed=3)
        mask = in_shell(w, nu)
        kept = np.cumsum(w[mask], axis=1)[:, nu - 1]
        assert mask.sum() > 100
        assert kept.min() - prop1_infimum(nu, N) <= 1e-6
        assert kept.min() >= prop1_infimum(nu, N) - 1e-12

    def test_seeding(self):
        a = mc.sample_targeted(9, 4, 500, seed=5)
        np.testing.assert_array_equal(a, mc.sample_targeted(9, 4, 500, seed=5))
        assert not np.array_equal(a, mc.sample_targeted(9, 4, 500, seed=6))

    def test_chunked_draw_equals_single(self, monkeypatch):
        one = mc.sample_targeted(9, 4, 1000, seed=5)
        monkeypatch.setattr(mc.samplers, "_CHUNK_ELEMENTS", 9 * 17)
        np.testing.assert_array_equal(mc.sample_targeted(9, 4, 1000, seed=5), one)

    @pytest.mark.parametrize(
        ("args", "name"),
        [
            ((1, 1, 5), "N"),
            ((5, 0, 5), "nu"),
            ((5, 6, 5), "nu"),
            ((5, 2.5, 5), "nu"),
            ((5, 2, 0), "n"),
        ],
    )
    def test_bad_inputs(self, args, name):
        with pytest.raises((ValueError, TypeError), match=f"`{name}`"):
            mc.sample_targeted(*args)


# ---------------------------------------------------------------------------
class TestSampleEdges:
    @pytest.mark.parametrize("N", [2, 5, 40])
    def test_in_ordered_simplex(self, N):
        w = mc.sample_edges(N, 2000, seed=0)
        assert w.shape == (2000, N)
        assert in_ordered_simplex(w).all()

    @pytest.mark.parametrize("N", [5, 20, 100])
    def test_closer_to_edges_than_uniform(self, N):
        # mass of the two largest barycentric coordinates (1 on an edge of the ordered simplex)
        def top2(w):
            lam = -np.sort(-to_barycentric(w), axis=1)
            return lam[:, :2].sum(1)

        e = np.median(top2(mc.sample_edges(N, 5000, seed=1)))
        u = np.median(top2(mc.sample_uniform(N, 5000, seed=1)))
        assert e > min(0.99, 2 * u)

    def test_smaller_alpha_is_closer(self):
        def top2(w):
            return (-np.sort(-to_barycentric(w), axis=1))[:, :2].sum(1).mean()

        assert top2(mc.sample_edges(30, 4000, alpha=0.005, seed=2)) > top2(
            mc.sample_edges(30, 4000, seed=2)
        )

    def test_seeding_and_chunks(self, monkeypatch):
        a = mc.sample_edges(6, 700, seed=4)
        np.testing.assert_array_equal(a, mc.sample_edges(6, 700, seed=4))
        monkeypatch.setattr(mc.samplers, "_CHUNK_ELEMENTS", 6 * 11)
        np.testing.assert_array_equal(mc.sample_edges(6, 700, seed=4), a)

    @pytest.mark.parametrize("alpha", [0, -1, float("nan"), float("inf")])
    def test_bad_alpha(self, alpha):
        with pytest.raises(ValueError, match="`alpha`"):
            mc.sample_edges(5, 10, alpha=alpha)

    def test_bad_n(self):
        with pytest.raises(ValueError, match="`n`"):
            mc.sample_edges(5, -3)


# ---------------------------------------------------------------------------
class TestShellReport:
    def test_as_dict_json_safe(self):
        r = mc.ShellReport(5, 2, "uniform", 10, 0, math.nan, 0.6, math.nan, 1e6, None)
        d = r.as_dict()
        assert d["min_kept_mass"] is None and d["gap"] is None and d["argmin"] is None
        json.dumps(d, allow_nan=False)

    def test_argmin_to_list(self):
        r = mc.ShellReport(2, 1, "uniform", 1, 1, 0.75, 0.5, 0.25, 1.0, np.array([0.75, 0.25]))
        assert r.as_dict()["argmin"] == [0.75, 0.25]


class TestRun:
    def test_matches_brute_force(self):
        # recompute every shell's count, minimum and argmin with plain Python loops from
        # the public samplers fed with the documented seed split
        N, n = 6, 1500
        reps = mc.run(N, n_samples=n, method="both", seed=0)
        kids = np.random.default_rng(0).spawn(2 + N)
        per = n // N
        parts = [mc.sample_uniform(N, n, seed=kids[0]), mc.sample_edges(N, n, seed=kids[1])]
        parts += [mc.sample_targeted(N, v, per, seed=kids[1 + v]) for v in range(1, N + 1)]
        X = np.concatenate(parts)
        best = {}
        count = dict.fromkeys(range(1, N + 1), 0)
        for w in X:
            v = shell_index(w)
            kept = math.fsum(w[:v].tolist())
            count[v] += 1
            if v not in best or kept < best[v][0] - 1e-15:
                best[v] = (kept, w)
        assert [r.nu for r in reps] == list(range(1, N + 1))
        for r in reps:
            assert r.n_samples == len(X) and r.method == "both"
            assert r.n_in_shell == count[r.nu]
            if count[r.nu]:
                assert r.min_kept_mass == pytest.approx(best[r.nu][0], abs=1e-15)
                assert _kept(r.argmin) == pytest.approx(r.min_kept_mass, abs=1e-15)
                assert r.gap == r.min_kept_mass - r.infimum

    @pytest.mark.parametrize("method", mc.METHODS)
    def test_chunk_invariance(self, method):
        a = mc.run(10, n_samples=4000, method=method, seed=1)
        b = mc.run(10, n_samples=4000, method=method, seed=1, chunk=37)
        for x, y in zip(a, b, strict=True):
            assert x.n_in_shell == y.n_in_shell and x.n_samples == y.n_samples
            assert x.min_kept_mass == y.min_kept_mass or (math.isnan(x.gap) and math.isnan(y.gap))
            if x.argmin is None:
                assert y.argmin is None
            else:
                np.testing.assert_array_equal(x.argmin, y.argmin)

    def test_seeding(self):
        a = [r.min_kept_mass for r in mc.run(8, n_samples=3000, method="both", seed=2)]
        b = [r.min_kept_mass for r in mc.run(8, n_samples=3000, method="both", seed=2)]
        c = [r.min_kept_mass for r in mc.run(8, n_samples=3000, method="both", seed=3)]
        assert a == b and a != c

    def test_sample_counts(self):
        assert mc.run(5, n_samples=100, method="uniform")[0].n_samples == 100
        assert mc.run(5, n_samples=100, method="edges")[0].n_samples == 100
        assert mc.run(5, n_samples=100, method="targeted")[0].n_samples == 100  # 20 per shell
        assert mc.run(5, [2, 3], n_samples=100, method="targeted")[0].n_samples == 100
        assert mc.run(5, n_samples=100, method="both")[0].n_samples == 300

    def test_nus_subset_and_fields(self):
        reps = mc.run(20, [7, 3, 3], n_samples=2000, method="targeted", seed=0)
        assert [r.nu for r in reps] == [3, 7]
        for r in reps:
            assert r.N == 20 and r.infimum == prop1_infimum(r.nu, 20)
            assert r.samples_per_second > 0 and r.n_in_shell > 0
            assert in_shell(r.argmin, r.nu)
        assert mc.run(20, 4, n_samples=10)[0].nu == 4

    def test_empty_shell(self):
        # uniform sampling essentially never reaches A_1 for N = 50
        r = mc.run(50, [1], n_samples=200, method="uniform", seed=0)[0]
        assert r.n_in_shell == 0
        assert math.isnan(r.min_kept_mass) and math.isnan(r.gap) and r.argmin is None
        assert r.as_dict()["gap"] is None

    @pytest.mark.parametrize(
        ("kwargs", "name"),
        [
            ({"N": 1}, "N"),
            ({"N": 5, "nus": [0]}, "nus"),
            ({"N": 5, "nus": [6]}, "nus"),
            ({"N": 5, "nus": [1.5]}, "nus"),
            ({"N": 5, "n_samples": 0}, "n_samples"),
            ({"N": 5, "method": "sorted"}, "method"),
            ({"N": 5, "method": None}, "method"),
            ({"N": 5, "chunk": 0}, "chunk"),
            ({"N": 5, "alpha": 0.0}, "alpha"),
            ({"N": 5, "seed": -2}, "seed"),
        ],
    )
    def test_bad_inputs(self, kwargs, name):
        with pytest.raises((ValueError, TypeError), match=f"`{name}`"):
            mc.run(**kwargs)


class TestSummaryTable:
    def test_rows(self):
        reps = mc.run(6, n_samples=500, method="both", seed=0)
        rows = mc.summary_table(reps)
        assert len(rows) == 6
        assert set(rows[0]) == {
            "N",
            "nu",
            "method",
            "n_samples",
            "n_in_shell",
            "min_kept_mass",
            "infimum",
            "gap",
            "samples_per_second",
        }
        assert rows[2]["gap"] == reps[2].gap
        json.dumps(rows, allow_nan=False)

    def test_single_report_and_bad_input(self):
        r = mc.run(4, [2], n_samples=50)[0]
        assert mc.summary_table(r)[0]["nu"] == 2
        with pytest.raises(TypeError, match="`reports`"):
            mc.summary_table([{"nu": 1}])
        with pytest.raises(TypeError, match="`reports`"):
            mc.summary_table(3)


# ---------------------------------------------------------------------------
class TestTightness:
    """Proposition 1 is tight, and never violated, on every shell (the issue's required test)."""

    @pytest.mark.parametrize("N", [3, 10, 50, 200])
    def test_bound_holds_and_targeted_samples_reach_it(self, N, record_property):
        reps = mc.run(N, n_samples=_BUDGET[N], method="both", seed=0)
        # (a) no sample in A_nu keeps less than the infimum of eq. 14
        for r in reps:
            if r.n_in_shell:
                assert r.min_kept_mass >= r.infimum - 1e-12, (N, r.nu, r.gap)
                assert in_shell(r.argmin, r.nu, atol=1e-12)
        # (b) targeted samples come within 1e-6 of the infimum, on every shell
        tgt = mc.run(N, n_samples=max(N * 600, 6000), method="targeted", seed=1)
        for r in tgt:
            assert r.n_in_shell > 0, (N, r.nu)
            assert -1e-12 <= r.gap <= 1e-6, (N, r.nu, r.gap)
        # recorded, not asserted: how close uniform sampling alone gets
        uni = mc.run(N, n_samples=_BUDGET[N], method="uniform", seed=2)
        gaps = {r.nu: r.gap for r in uni if r.n_in_shell}
        for r in uni:
            if r.n_in_shell:
                assert r.min_kept_mass >= r.infimum - 1e-12
        record_property(f"uniform_gaps_N{N}", json.dumps(gaps))
        record_property(f"uniform_shells_hit_N{N}", f"{len(gaps)}/{N}")
        finite = list(gaps.values())
        print(
            f"\nN={N}: uniform sampling ({_BUDGET[N]} samples) hit {len(gaps)}/{N} shells; "
            f"gap to the infimum min {min(finite):.3g}, median {np.median(finite):.3g}, "
            f"max {max(finite):.3g}; targeted max gap {max(r.gap for r in tgt):.3g}"
        )

    def test_a_wrong_bound_would_be_caught(self):
        # eq. 14 with (nu-1) in place of (nu+1) is larger than the true infimum: the
        # targeted samples fall below it, so the Monte Carlo has power to refute it
        N = 50
        reps = mc.run(N, [5, 20, 40], n_samples=6000, method="targeted", seed=0)
        for r in reps:
            nu = r.nu
            wrong = nu / N + (N - nu) / N * math.sqrt((N - nu - 1) / ((nu - 1) * (N - 1)))
            assert wrong - r.infimum > 1e-4
            assert r.min_kept_mass < (wrong + r.infimum) / 2  # well below the wrong value
