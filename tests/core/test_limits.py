"""Tests of emp_theory.limits: large-N limits of N_eff/N.

Reference values come from computations independent of the closed forms:
numerical integration of the moments by scipy.stats (``dist.expect`` and
``dist.moment``, with the distributions built here, not by the library), exact
constants (zeta(2) = pi^2/6, zeta(4) = pi^4/90, Apery's constant), direct
summation, and large samples passed through emp_theory.n_eff (the paper's
Algorithm 1) within a tolerance estimated from independent replicates (CLT).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import pytest
from scipy import stats

from emp_theory import n_eff
from emp_theory.limits import (
    FAMILIES,
    PAPER_TABLE2_EMP_MAGNITUDE_SPARSITY,
    PAPER_TABLE5_EMP_MAGNITUDE_SPARSITY,
    neff_ratio_limit,
    powerlaw_neff_limit,
    predicted_sparsity,
    ratio_expression,
    ratio_latex,
    sample_scores,
    sampled_neff_ratio,
    student_t_df_for_sparsity,
)

# (family name, parameters, the same law built directly in scipy.stats)
CASES = [
    ("gaussian", {}, stats.norm()),
    ("laplace", {}, stats.laplace()),
    ("uniform", {"low": -1.0, "high": 1.0}, stats.uniform(loc=-1.0, scale=2.0)),
    ("uniform", {"low": 0.0, "high": 1.0}, stats.uniform()),
    ("uniform", {"low": -0.5, "high": 2.0}, stats.uniform(loc=-0.5, scale=2.5)),
    ("uniform", {"low": -3.0, "high": -1.0}, stats.uniform(loc=-3.0, scale=2.0)),
    ("student_t", {"df": 2.5}, stats.t(2.5)),
    ("student_t", {"df": 5.0}, stats.t(5.0)),
    ("student_t", {"df": 30.0}, stats.t(30.0)),
    ("lognormal", {"sigma": 0.5}, stats.lognorm(0.5)),
    ("lognormal", {"sigma": 1.0}, stats.lognorm(1.0)),
    ("exponential", {}, stats.expon()),
    ("gamma", {"shape": 0.5}, stats.gamma(0.5)),
    ("gamma", {"shape": 3.0}, stats.gamma(3.0)),
    ("pareto", {"alpha": 2.5}, stats.pareto(2.5)),
    ("pareto", {"alpha": 6.0}, stats.pareto(6.0)),
]


def _ids(case):
    name, params, _ = case
    return name + "".join(f"-{k}={v}" for k, v in params.items())


class TestClosedFormsAgainstScipyMoments:
    """(E|X|)^2 / E[X^2] from scipy's numerical integration."""

    @pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
    def test_ratio_equals_numerical_moments(self, case):
        name, params, dist = case
        lo, hi = dist.support()
        if lo < 0 < hi:  # split |x| at its kink for an accurate quadrature
            mean_abs = dist.expect(lambda x: -x, ub=0.0) + dist.expect(lambda x: x, lb=0.0)
        else:
            mean_abs = abs(dist.expect(lambda x: x))
        second = dist.moment(2)
        assert neff_ratio_limit(name, **params) == pytest.approx(mean_abs**2 / second, rel=1e-7)

    @pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
    def test_printed_formula_is_the_computed_one(self, case):
        # the SymPy expression the book prints evaluates to the library's value
        name, params, _ = case
        assert float(ratio_expression(name, **params)) == pytest.approx(
            neff_ratio_limit(name, **params), rel=1e-12
        )
        assert "|" not in ratio_latex(name)

    def test_formula_symbols(self):
        import sympy as sp

        expr = ratio_expression("student_t")
        assert {s.name for s in expr.free_symbols} == {"nu"}
        # far in the tail the printed Student-t formula is the Gaussian 2/pi (to 1e-7)
        big = ratio_expression("student_t", df=10**8)
        assert float(sp.N(big, 30)) == pytest.approx(2 / math.pi, rel=1e-7)
        assert {s.name for s in ratio_expression("uniform").free_symbols} == {"a", "b"}
        with pytest.raises(ValueError, match="`name`"):
            ratio_expression("cauchy")

    def test_named_constants(self):
        assert neff_ratio_limit("gaussian") == pytest.approx(2 / math.pi, rel=1e-15)
        assert neff_ratio_limit("normal") == neff_ratio_limit("gaussian")
        assert neff_ratio_limit("laplace") == 0.5
        assert neff_ratio_limit("exponential") == 0.5
        assert neff_ratio_limit("uniform") == pytest.approx(0.75, rel=1e-15)
        assert neff_ratio_limit("gamma", shape=1.0) == neff_ratio_limit("exponential")

    def test_student_t_accurate_for_large_df(self):
        # against 50-digit mpmath gamma functions: no loss of digits as df grows
        import mpmath

        mpmath.mp.dps = 50
        for df in (3.0, 111.0, 1e4, 1e7, 1e10, 1e14):
            exact = (
                4
                * (df - 2)
                / (mpmath.pi * (df - 1) ** 2)
                * (mpmath.gamma((df + 1) / 2) / mpmath.gamma(df / 2)) ** 2
            )
            assert neff_ratio_limit("student_t", df=df) == pytest.approx(float(exact), rel=1e-10)

    def test_student_t_tends_to_gaussian(self):
        vals = [neff_ratio_limit("t", df=df) for df in (3.0, 10.0, 100.0, 1e4, 1e6)]
        assert all(np.diff(vals) > 0)  # lighter tails -> larger N_eff/N
        assert vals[-1] == pytest.approx(2 / math.pi, rel=1e-5)

    def test_limit_in_unit_interval(self):
        for name, fam in FAMILIES.items():
            if name == "cauchy":
                continue
            v = neff_ratio_limit(name, **fam.defaults)
            assert 0.0 < v <= 1.0

    def test_predicted_sparsity_gaussian(self):
        # 1 - 2/pi = 0.36338..., the figure the book sets next to Table 2's 36.63 %
        assert predicted_sparsity("gaussian") == pytest.approx(1 - 2 / math.pi, rel=1e-15)
        assert round(100 * predicted_sparsity("gaussian"), 1) == 36.3


class TestLargeSamples:
    """emp_theory.n_eff / N on large samples converges to the closed form (CLT tolerance)."""

    SAMPLE_CASES: ClassVar[list] = [
        ("gaussian", {}),
        ("laplace", {}),
        ("uniform", {"low": -1.0, "high": 1.0}),
        ("uniform", {"low": -0.5, "high": 2.0}),
        ("student_t", {"df": 6.0}),
        ("lognormal", {"sigma": 0.5}),
        ("exponential", {}),
        ("gamma", {"shape": 3.0}),
        ("pareto", {"alpha": 6.0}),
    ]

    @pytest.mark.parametrize(
        ("name", "params"), SAMPLE_CASES, ids=[c[0] + str(c[1]) for c in SAMPLE_CASES]
    )
    def test_sampled_ratio_within_clt_tolerance(self, name, params):
        N, reps = 100_000, 12
        draws = sampled_neff_ratio(name, N, reps=reps, rng=12345, **params)
        assert draws.shape == (reps,)
        limit = neff_ratio_limit(name, **params)
        # Replicates are i.i.d.; their spread estimates the CLT standard error.
        se = draws.std(ddof=1) / math.sqrt(reps)
        assert se > 0
        # bias of the ratio estimator is O(1/N); the floor moves it by < 1/N
        assert abs(draws.mean() - limit) <= 6 * se + 5.0 / N
        # and the spread itself is of CLT order 1/sqrt(N), not larger
        assert draws.std(ddof=1) < 5.0 / math.sqrt(N)

    def test_infinite_variance_ratio_goes_to_zero(self):
        # Cauchy: no positive limit; N_eff/N decreases towards 0 as N grows.
        r = sampled_neff_ratio("cauchy", [100, 10_000, 1_000_000], reps=5, rng=7)
        med = np.median(r, axis=1)
        assert med[0] > med[1] > med[2]
        assert med[2] < 0.01
        r_t = sampled_neff_ratio("student_t", [1000, 1_000_000], reps=5, rng=8, df=1.5)
        assert np.median(r_t[1]) < np.median(r_t[0])

    def test_cauchy_neff_grows_like_log_squared(self):
        # The book's claim: sum|s| ~ N log N, sum s^2 ~ N^2 (1/2-stable), so
        # N_eff = O((log N)^2) up to a random factor: N_eff/(log N)^2 stays of order 1.
        sizes = np.array([1_000, 30_000, 1_000_000])
        r = sampled_neff_ratio("cauchy", sizes, reps=9, rng=11)
        scaled = np.median(r * sizes[:, None], axis=1) / np.log(sizes) ** 2
        assert np.all((scaled > 0.1) & (scaled < 2.0)), scaled

    def test_sample_scores_law(self):
        # the sampler draws the law the closed form is about (KS test vs scipy)
        g = np.random.default_rng(3)
        for name, params, dist in CASES:
            x = sample_scores(name, 4000, rng=g, **params)
            assert x.dtype == np.float64 and x.shape == (4000,)
            assert stats.kstest(x, dist.cdf).pvalue > 1e-4, (name, params)
        x = sample_scores("cauchy", 4000, rng=g)
        assert stats.kstest(x, stats.cauchy().cdf).pvalue > 1e-4

    def test_sample_scores_reproducible(self):
        a = sample_scores("laplace", 10, rng=5)
        b = sample_scores("laplace", 10, rng=np.random.default_rng(5))
        np.testing.assert_array_equal(a, b)

    def test_sampled_shape_for_sizes(self):
        out = sampled_neff_ratio("gaussian", [10, 20, 30], reps=2, rng=0)
        assert out.shape == (3, 2)
        assert np.all((out > 0) & (out <= 1))


class TestPowerLaw:
    def test_exact_zeta_values(self):
        # zeta(2)^2/zeta(4) = (pi^2/6)^2 / (pi^4/90) = 5/2
        assert powerlaw_neff_limit(2.0) == pytest.approx(2.5, rel=1e-14)
        apery = 1.2020569031595942853997  # zeta(3)
        zeta6 = math.pi**6 / 945
        assert powerlaw_neff_limit(3.0) == pytest.approx(apery**2 / zeta6, rel=1e-14)

    @pytest.mark.parametrize("a", [1.5, 2.0, 3.0])
    def test_direct_summation_and_n_eff(self, a):
        N = 2_000_000
        s = np.arange(1, N + 1, dtype=np.float64) ** (-a)
        direct = s.sum() ** 2 / (s * s).sum()
        # tail of sum i^-a beyond N is ~ N^(1-a)/(a-1)
        assert direct == pytest.approx(powerlaw_neff_limit(a), rel=5 * N ** (1 - a) + 1e-12)
        assert n_eff(s) == math.floor(powerlaw_neff_limit(a))

    def test_small_exponent_matches_pareto(self):
        # i^-a are Pareto(alpha = 1/a) quantiles; a < 1/2 gives a linear N_eff
        a, N = 0.25, 1_000_000
        s = np.arange(1, N + 1, dtype=np.float64) ** (-a)
        assert n_eff(s) / N == pytest.approx(neff_ratio_limit("pareto", alpha=1 / a), abs=1e-3)
        assert neff_ratio_limit("pareto", alpha=4.0) == pytest.approx((1 - 2 * a) / (1 - a) ** 2)


class TestStudentTInverse:
    @pytest.mark.parametrize("df", [2.5, 3.0, 7.0, 111.0, 5000.0])
    def test_round_trip(self, df):
        sp_ = predicted_sparsity("student_t", df=df)
        assert student_t_df_for_sparsity(sp_) == pytest.approx(df, rel=1e-6)

    def test_table2_is_nearly_gaussian(self):
        # the sparsity of Table 2 corresponds to a Student-t with ~111 degrees of freedom;
        # checked against scipy's numerical moments of that t law
        df = student_t_df_for_sparsity(PAPER_TABLE2_EMP_MAGNITUDE_SPARSITY)
        dist = stats.t(df)
        mean_abs = 2 * dist.expect(lambda x: x, lb=0.0)
        assert 1 - mean_abs**2 / dist.moment(2) == pytest.approx(0.3663, abs=1e-9)
        assert 100 < df < 125

    def test_out_of_range(self):
        for bad in (0.3, 1 - 2 / math.pi, 1.0, 1.5, float("nan")):
            with pytest.raises(ValueError, match="`sparsity`"):
                student_t_df_for_sparsity(bad)


class TestPaperNumbers:
    def test_table2_is_mean_of_table5(self):
        # transcription check: Table 2's average equals the mean of Table 5's rows
        vals = list(PAPER_TABLE5_EMP_MAGNITUDE_SPARSITY.values())
        assert len(vals) == 7
        assert round(float(np.mean(vals)), 4) == PAPER_TABLE2_EMP_MAGNITUDE_SPARSITY


class TestValidation:
    @pytest.mark.parametrize(
        ("name", "params", "arg"),
        [
            ("cauchy", {}, "`name`"),
            ("student_t", {"df": 2.0}, "`df`"),
            ("student_t", {"df": 1.0}, "`df`"),
            ("pareto", {"alpha": 2.0}, "`alpha`"),
            ("pareto", {"alpha": 1.5}, "`alpha`"),
        ],
    )
    def test_infinite_variance_rejected(self, name, params, arg):
        with pytest.raises(ValueError, match=arg) as err:
            neff_ratio_limit(name, **params)
        assert "tends to 0" in str(err.value)

    def test_unknown_name(self):
        with pytest.raises(ValueError, match="`name`"):
            neff_ratio_limit("weibull")
        with pytest.raises(TypeError, match="`name`"):
            neff_ratio_limit(3)

    @pytest.mark.parametrize(
        ("params", "exc", "arg"),
        [
            ({"sigma": 0.0}, ValueError, "`sigma`"),
            ({"sigma": -1.0}, ValueError, "`sigma`"),
            ({"sigma": float("nan")}, ValueError, "`sigma`"),
            ({"sigma": float("inf")}, ValueError, "`sigma`"),
            ({"sigma": True}, TypeError, "`sigma`"),
            ({"sigma": "1"}, TypeError, "`sigma`"),
            ({"df": 3.0}, TypeError, "`df`"),
        ],
    )
    def test_bad_params(self, params, exc, arg):
        with pytest.raises(exc, match=arg):
            neff_ratio_limit("lognormal", **params)

    def test_uniform_bounds(self):
        with pytest.raises(ValueError, match="`low`"):
            neff_ratio_limit("uniform", low=1.0, high=1.0)
        with pytest.raises(ValueError, match="`low`"):
            neff_ratio_limit("uniform", low=2.0, high=1.0)

    def test_gamma_and_t_params(self):
        with pytest.raises(ValueError, match="`shape`"):
            neff_ratio_limit("gamma", shape=0.0)
        with pytest.raises(ValueError, match="`df`"):
            sample_scores("t", 10, df=-1.0)

    def test_sampler_arguments(self):
        with pytest.raises(ValueError, match="`size`"):
            sample_scores("gaussian", 0)
        with pytest.raises(ValueError, match="`size`"):
            sample_scores("gaussian", 2.5)
        with pytest.raises(ValueError, match="`reps`"):
            sampled_neff_ratio("gaussian", 10, reps=0)
        with pytest.raises(ValueError, match="`N`"):
            sampled_neff_ratio("gaussian", [10, 0])
        with pytest.raises(ValueError, match="`N`"):
            sampled_neff_ratio("gaussian", [])

    def test_powerlaw_exponent(self):
        for bad in (1.0, 0.5, -2.0, float("nan")):
            with pytest.raises(ValueError, match="`a`"):
                powerlaw_neff_limit(bad)
        with pytest.raises(TypeError, match="`a`"):
            powerlaw_neff_limit("2")


class TestDistributionFigures:
    """emp_theory.viz.distributions draws the library's numbers (checked independently)."""

    def test_sorted_scores_figure(self):
        from emp_theory.viz.distributions import sorted_scores_figure

        s = np.random.default_rng(0).standard_normal(50_000)
        fig = sorted_scores_figure(s, max_points=500)
        kept, pruned, mass, marker, bound, trivial = fig.data
        # independent: sort, count and sum directly
        a = np.sort(np.abs(s))[::-1]
        k = math.floor(a.sum() ** 2 / (a * a).sum())
        assert marker.x[0] == k
        assert marker.y[0] == pytest.approx(a[:k].sum() / a.sum(), rel=1e-12)
        assert max(kept.x) == k and min(pruned.x) == k + 1  # the EMP cut is drawn exactly
        np.testing.assert_allclose(kept.y, a[np.asarray(kept.x) - 1])
        assert trivial.y[0] == pytest.approx(k / s.size)
        assert bound.y[0] >= trivial.y[0]  # Theorem 2 sharpens eq. 13
        assert np.all(np.diff(mass.y) >= 0) and mass.y[-1] == pytest.approx(1.0)

    def test_convergence_figure(self):
        from emp_theory.viz.distributions import convergence_figure

        fams = [("laplace", {}), ("cauchy", {})]
        fig = convergence_figure(fams, Ns=[100, 1000], reps=2, seed=1)
        assert len(fig.data) == 6
        assert fig.data[2].y[0] == 0.5 and fig.data[5].y[0] == 0.0  # limits; Cauchy -> 0
        menu = fig.layout.updatemenus[0].buttons
        assert [b.args[0]["visible"] for b in menu] == [
            [True] * 3 + [False] * 3,
            [False] * 3 + [True] * 3,
        ]
        samples = np.asarray(fig.data[0].y).reshape(2, 2)
        np.testing.assert_allclose(fig.data[1].y, samples.mean(axis=1))

    def test_sparsity_and_powerlaw_figures(self):
        from emp_theory.viz.distributions import powerlaw_figure, sparsity_figure

        fig = sparsity_figure()
        bars = fig.data[0]
        assert dict(zip(bars.y, bars.x, strict=True))["Gaussian"] == pytest.approx(
            100 * (1 - 2 / math.pi)
        )
        star = fig.data[-1]
        assert star.y[0] == pytest.approx(36.63)
        pl = powerlaw_figure(exponents=(2.0,), N_max=1000, points=5)
        assert pl.data[0].y[-1] == 2 and pl.data[1].y[0] == pytest.approx(2.5)
