"""No overflow, no NaN from finite input (issue 12, section 3).

Every core function, fed finite inputs whose magnitudes run from ``1e-300`` to
``1e300``, must return the right finite number — checked against closed forms computed
independently, in exact rational arithmetic (:class:`fractions.Fraction`) or with
``mpmath`` at 3000 bits — or raise a :class:`ValueError` that names the argument
whose size cannot be served (a result beyond float64, an array that cannot be
allocated). RuntimeWarnings (overflow, invalid value) are errors in this module.
"""

from __future__ import annotations

import math
import re
import sys
from fractions import Fraction

import numpy as np
import pytest

import emp_theory as et
from emp_theory import limits
from emp_theory import montecarlo as mc

mpmath = pytest.importorskip("mpmath")
mp = mpmath.mp

pytestmark = pytest.mark.filterwarnings("error")

DBL_MAX = sys.float_info.max
MAGS = [1e-300, 1e-200, 1e-100, 1e-10, 1.0, 1e10, 1e100, 1e200, 1e300]
BACKTICKED = re.compile(r"`[A-Za-z_0-9]+`")


@pytest.fixture(autouse=True)
def _precision():
    with mp.workprec(3000):
        yield


def M(x):
    """An exact mpmath number: floats and ints convert exactly at 3000 bits."""
    return mp.mpf(x)


def close(got: float, ref, rel: float = 4e-15) -> bool:
    """``got`` equals the float nearest ``ref`` up to `rel` (plus one subnormal ulp)."""
    r = float(ref) if abs(ref) <= DBL_MAX else math.inf
    return math.isfinite(got) and abs(got - r) <= rel * abs(r) + 1e-323


def check(call, ref, rel: float = 4e-15):
    """``call()`` is close to `ref`, or `ref` is beyond float64 and a ValueError names an argument."""
    if abs(ref) > DBL_MAX * (1 - 1e-12):
        with pytest.raises(ValueError, match="overflow") as err:
            call()
        assert BACKTICKED.search(str(err.value)), str(err.value)
        return
    got = call()
    assert close(got, ref, rel), (got, float(ref))


# ---------------------------------------------------------------------------
# Scores: effective.py (the two code paths of s_eff and emp_summary)
# ---------------------------------------------------------------------------
def exact_summary(s, beta: float):
    """N_eff, s_eff, kept mass and k of the float values `s`, in exact rationals."""
    a = sorted((abs(Fraction(float(x))) for x in s), reverse=True)
    l1, l2 = sum(a), sum(x * x for x in a)
    n = min(max(math.floor(l1 * l1 / l2), 1), len(a))
    k = min(max(math.floor(Fraction(beta) * n), 1), len(a))
    return n, sum(a[:n]) / l1, sum(a[:k]) / l1, k


BASES = [[1.0, 1.0, 1.0], [3.0, -1.0, 0.0, 2.0, 5.0], [1.0, 1e-5, 2.0, -7.0, 0.5, 0.5]]


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("scale", [*MAGS, "max"])
def test_scores_across_magnitudes(base, scale):
    if scale == "max":  # the largest entry is the largest float64
        scale = DBL_MAX / max(abs(x) for x in base) * (1 - 2**-52)
    s = np.array(base) * scale
    for beta in (0.5, 1.0, 1.5):
        n, seff, kept, k = exact_summary(s, beta)
        r = et.emp_summary(s, beta)
        assert (r.n_eff, r.k) == (n, k) == (et.n_eff(s), et.keep_count(s, beta))
        assert close(r.s_eff, seff) and close(et.s_eff(s), seff)
        assert close(r.kept_mass, kept)
        assert close(et.top_mass(s, k), kept)
        assert all(math.isfinite(v) for v in r.as_dict().values())
    w = et.weights(s)
    total = sum(abs(Fraction(float(x))) for x in s)
    for wi, si in zip(w, s, strict=True):
        assert close(float(wi), abs(Fraction(float(si))) / total)


def test_issue_example_emp_summary_1e308():
    s = [1e308, 1e308, 1e308]
    r = et.emp_summary(s)
    assert r.s_eff == r.kept_mass == et.s_eff(s) == 1.0
    assert et.top_mass(s, 2) == pytest.approx(2 / 3, rel=1e-15)


def test_float32_scores_at_the_float32_limits():
    for v in (np.float32(3e38), np.float32(1e-38), np.float32(1e-45)):
        s = np.array([v, v, v / 2], dtype=np.float32)
        n, seff, _, _ = exact_summary(s, 1.0)
        r = et.emp_summary(s)
        assert r.n_eff == n and close(r.s_eff, seff)


def test_mixed_magnitudes():
    s = [1e300, 1e-300, 1.0, -1e300]
    n, seff, kept, _ = exact_summary(s, 1.5)
    r = et.emp_summary(s, 1.5)
    assert r.n_eff == n == 2 and close(r.s_eff, seff) and close(r.kept_mass, kept)


def test_keep_count_extreme_beta():
    assert et.keep_count(beta=1e300, n_eff=10**300, N=10**301) == 10**301
    assert et.keep_count(beta=1e-300, n_eff=1, N=2) == 1
    assert et.keep_count([1.0, 1.0], 1e308) == 2
    assert int(et.emp_mask([1.0, 2.0, 3.0], 1e308).sum()) == 3


# ---------------------------------------------------------------------------
# Bounds: closed forms from exact integers, and products of magnitudes
# ---------------------------------------------------------------------------
NS = [2, 3, 10, 1000, 10**6, 2**53 + 1, 2**63 - 1, 10**21, 10**100, int(1e300)]


def nus_for(N):
    return sorted({v for v in (1, 2, 3, N // 3, N // 2, N - 2, N - 1, N) if 1 <= v <= N})


def prop1_ref(nu, N):
    if nu == 1:
        return M(0.5)
    if nu == N:
        return M(1)
    nu, N = M(nu), M(N)
    return nu / N + (N - nu) / N * mp.sqrt((N - nu - 1) / ((nu + 1) * (N - 1)))


@pytest.mark.parametrize("N", NS)
def test_prop1_infimum_for_every_size(N):
    nus = nus_for(N)
    arr = et.prop1_infimum(nus, N)  # int64 or exact Python ints, vectorized
    for nu, got in zip(nus, arr, strict=True):
        ref = prop1_ref(nu, N)
        assert close(et.prop1_infimum(nu, N), ref), (nu, N)
        assert close(float(got), ref), (nu, N)
        assert close(et.theorem2_bound(nu, N), ref)
        assert close(et.radius(nu, N), mp.sqrt(1 / M(nu) - 1 / M(N)), rel=6e-15)


def test_prop1_infimum_integral_float_arguments():
    ref = prop1_ref(10**20, 10**21)
    assert close(et.prop1_infimum(1e20, 1e21), ref)
    assert close(float(et.prop1_infimum(np.array([1e20]), 1e21)[0]), ref)


@pytest.mark.parametrize("N", [4, 10, 1000, 10**5])
def test_p_nu_coordinates(N):
    for nu in nus_for(N):
        p = et.p_nu(nu, N)
        if 2 <= nu <= N - 2:
            c = mp.sqrt(M(N - nu - 1) / (M(N - 1) * (nu + 1)))
            assert close(float(p[1]), (1 - c) / N, rel=1e-14)
            assert close(float(p[0]), (1 + mp.sqrt(M(N - 1) * (N - nu - 1) / (nu + 1))) / N)


@pytest.mark.parametrize("N", [2, 10, 10**6, 2**63 - 1, 10**20, int(1e300)])
def test_theorem2_approx_and_trivial(N):
    for k in (1.0, 1.5, float(N) / 3, float(N) / 2, math.nextafter(float(N), 0), float(N)):
        if not 1.0 <= k <= N:
            continue
        kk, NN = M(k), M(N)
        ref = 1 - (NN - kk) / NN * (1 - mp.sqrt((NN - kk) / (NN * kk)))
        assert close(et.theorem2_approx(k, N), ref, rel=1e-14), (k, N)
        assert close(et.trivial_bound(k, N), kk / NN)


@pytest.mark.parametrize("N", [2, 1000, int(1e300)])
@pytest.mark.parametrize("D", MAGS)
@pytest.mark.parametrize("T", MAGS)
def test_lemma1_rho_max(N, D, T):
    eps = np.array([0.0, *MAGS])
    got = et.lemma1_rho_max(eps, N, D, T)
    for e, g in zip(eps, got, strict=True):
        dt = M(D) * M(T)
        ref = dt / (dt + 2 * M(e) * M(N))
        assert close(float(g), ref), (e, N, D, T, float(g), float(ref))


def test_issue_example_lemma1():
    # D T / (D T + 2 eps N) = 1 / (1 + 2e309): a subnormal number, not NaN
    assert close(et.lemma1_rho_max(1e308, 10, 1, 1), 1 / (1 + 2 * M(1e308) * 10))


RHOS = [1e-320, 1e-300, 1e-100, 1e-10, 0.5, 1 - 2**-52, 1.0]


@pytest.mark.parametrize("N", [2, 1000, 10**300])
@pytest.mark.parametrize("D", [0.0, 1e-300, 1.0, 1e300])
@pytest.mark.parametrize("T", [1e-300, 1.0, 1e300])
def test_eq17(N, D, T):
    for rho in RHOS:
        ref = (1 - M(rho)) / (2 * M(N) * M(rho)) * M(T) * M(D)
        check(lambda rho=rho: et.eq17_loss_bound(rho, N, D, T), ref)


def test_issue_example_eq17_underflowing_rho():
    with pytest.raises(ValueError, match=r"`rho` = 1e-320 makes the eq\. 17 bound overflow"):
        et.eq17_loss_bound(1e-320, 10, 1, 1)
    assert close(et.eq17_loss_bound(1e-300, 10, 1, 1), (1 - M(1e-300)) / (20 * M(1e-300)))


@pytest.mark.parametrize("N", [2, 1000, int(1e300)])
@pytest.mark.parametrize("l1", [0.0, 1e-300, 1e-150, 1.0, 1e150, 1e300])
def test_distance_bound(N, l1):
    for se in (0.0, 0.5, 1 - 1e-12, 1.0):
        for k in {1.0, float(N) / 2, float(N)}:
            ref = M(l1) ** 2 * (1 - M(se)) ** 2 * M(float(N) - k)
            check(lambda se=se, k=k: et.distance_bound(l1, se, k, N), ref, rel=1e-14)


def nlb_ref(rho, N, exact):
    r, n = M(rho), M(N)
    if exact:
        inner = mp.sqrt(max(n * (1 - r) - 1, 0) / ((n * r + 1) * (n - 1)))
    else:
        inner = mp.sqrt((1 - r) / (n * r))
    return (1 - r) ** 4 / (2 * r) * (1 - inner) ** 2


def rhos_for(N):
    """rho from just above 1/N (N rho - 1 ~ 1e-15, where 1 - inner cancels) to 1."""
    lo = 1.0 / N
    near_one = 1.0 - 1.0 / N  # N (1 - rho) - 1 ~ 0: the exact variant's cancellation
    inner = (1e-300, 1e-100, 1e-10, 0.25, 0.5, 0.9, near_one, math.nextafter(near_one, 0))
    return sorted({lo * (1 + 1e-15), *(r for r in inner if r > lo), 1.0})


@pytest.mark.parametrize("N", [2, 10, 10**6, 2**63 - 1, int(1e300), int(1.7e308)])
@pytest.mark.parametrize("exact", [False, True])
def test_normalized_loss_bound(N, exact):
    for rho in rhos_for(N):
        got = et.normalized_loss_bound(rho, N, exact)
        assert close(got, nlb_ref(rho, N, exact), rel=1e-13), (rho, N, exact)


@pytest.mark.parametrize("N", [2, 10**6, int(1e300)])
@pytest.mark.parametrize("l1", [1e-300, 1e-100, 1.0, 1e100, 1e200, 1e300])
@pytest.mark.parametrize("T", [1e-300, 1.0, 1e300])
def test_eq18(N, l1, T):
    for rho in rhos_for(N):
        base = et.normalized_loss_bound(rho, N)  # checked above
        ref = M(l1) ** 2 * M(T) * M(base)
        check(lambda rho=rho: et.eq18_loss_bound(rho, N, l1, T), ref, rel=1e-14)


def test_issue_example_eq18():
    with pytest.raises(ValueError, match=r"`theta_l1` = 1e\+200 makes the eq\. 18 bound overflow"):
        et.eq18_loss_bound(0.5, 10, 1e200, 1e200)
    ref = M(1e200) ** 2 * M(1e-300) * M(et.normalized_loss_bound(0.5, 10))
    assert close(et.eq18_loss_bound(0.5, 10, 1e200, 1e-300), ref)


# ---------------------------------------------------------------------------
# Simplex geometry
# ---------------------------------------------------------------------------
LAM = np.array([0.1, 0.4, 0.2, 0.3])


@pytest.mark.parametrize("scale", [*MAGS, 1e307])
def test_barycentric_maps_scale(scale):
    w = et.from_barycentric(LAM * scale)
    ref = [sum(Fraction(float(LAM[j] * scale)) / (j + 1) for j in range(i, 4)) for i in range(4)]
    assert all(close(float(a), b) for a, b in zip(w, ref, strict=True))
    lam = et.to_barycentric(w)
    assert np.allclose(lam / scale, LAM, rtol=1e-13, atol=0)
    assert np.all(np.isfinite(et.plane_coords(w)))
    assert et.in_ordered_simplex(w) == (scale == 1.0)
    assert et.shell_index(w) == et.shell_index(et.from_barycentric(LAM))


def test_barycentric_overflow_names_the_argument():
    with pytest.raises(ValueError, match="`lam`"):
        et.from_barycentric([1.7e308, 1.7e308])
    with pytest.raises(ValueError, match="`omega`"):
        et.to_barycentric([1.7e308, -1.7e308])
    with pytest.raises(ValueError, match="`omega`"):
        et.plane_coords([1.7e308, -1.7e308, 1.7e308])
    assert et.in_ordered_simplex([1.7e308, 1.7e308]) is False


# ---------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("scale", MAGS)
@pytest.mark.parametrize(("a", "b"), [(-1.0, 1.0), (0.0, 1.0), (-1.0, 3.0), (2.0, 5.0)])
def test_uniform_limit_is_scale_invariant(scale, a, b):
    A, B = M(a), M(b)
    ref = 3 * (B * abs(B) - A * abs(A)) ** 2 / (4 * (B - A) ** 2 * (A * A + A * B + B * B))
    got = limits.neff_ratio_limit("uniform", low=a * scale, high=b * scale)
    assert close(got, ref, rel=1e-14)


@pytest.mark.parametrize("df", [2 + 1e-10, 2.5, 5.0, 1e3, 1e10, 1e100, 1e300, 1.7e308])
def test_student_t_limit(df):
    with mp.workdps(400):  # log-gamma of 1e300 has ~300 digits before the point
        nu = M(df)
        g = mp.exp(mp.loggamma((nu + 1) / 2) - mp.loggamma(nu / 2))
        ref = 4 * (nu - 2) / (mp.pi * (nu - 1) ** 2) * g**2
    assert close(limits.neff_ratio_limit("student_t", df=df), ref, rel=1e-10)


@pytest.mark.parametrize("x", [*MAGS, 1.7e308])
def test_shape_limits(x):
    assert close(limits.neff_ratio_limit("lognormal", sigma=x), mp.exp(-(M(x) ** 2)))
    assert close(limits.neff_ratio_limit("gamma", shape=x), M(x) / (M(x) + 1))
    if x > 2:
        al = M(x)
        assert close(limits.neff_ratio_limit("pareto", alpha=x), al * (al - 2) / (al - 1) ** 2)
        assert close(
            limits.predicted_sparsity("pareto", alpha=x), 1 - al * (al - 2) / (al - 1) ** 2
        )


@pytest.mark.parametrize(
    ("name", "params", "ref"),
    [
        ("gamma", {"shape": 1e300}, lambda: 1 / (M(1e300) + 1)),
        ("pareto", {"alpha": 1e10}, lambda: 1 / (M(1e10) - 1) ** 2),
        ("lognormal", {"sigma": 1e-100}, lambda: -mp.expm1(-(M(1e-100) ** 2))),
        ("uniform", {"low": 1.0, "high": 1.0 + 2**-40}, None),
        ("uniform", {"low": -3e300, "high": -1e300}, None),
        ("student_t", {"df": 1e300}, lambda: 1 - 2 / mp.pi),
    ],
)
def test_small_sparsities_keep_their_digits(name, params, ref):
    if ref is None:  # uniform on [a, b] with ab >= 0: 1 - ratio = (b - a)^2 / (4(a^2 + ab + b^2))
        a, b = M(params["low"]), M(params["high"])
        want = (b - a) ** 2 / (4 * (a * a + a * b + b * b))
    else:
        want = ref()
    assert close(limits.predicted_sparsity(name, **params), want, rel=1e-12)


@pytest.mark.parametrize("a", [1 + 1e-6, 1.5, 2.0, 10.0, 1e10, 1e300, 1.7e308])
def test_powerlaw_limit(a):
    with mp.workdps(40):
        ref = mp.zeta(M(a)) ** 2 / mp.zeta(2 * M(a))
    assert close(limits.powerlaw_neff_limit(a), ref, rel=1e-11)


@pytest.mark.parametrize(
    ("name", "params", "arg"),
    [
        ("student_t", {"df": 1e-300}, "df"),
        ("lognormal", {"sigma": 1e300}, "sigma"),
        ("pareto", {"alpha": 1e-300}, "alpha"),
    ],
)
def test_samplers_refuse_draws_beyond_float64(name, params, arg):
    with pytest.raises(ValueError, match=f"`{arg}`"):
        limits.sample_scores(name, 50, rng=0, **params)


def test_samplers_at_extreme_but_finite_parameters():
    for name, params in [
        ("student_t", {"df": 1e300}),
        ("lognormal", {"sigma": 1e-300}),
        ("gamma", {"shape": 1e300}),
        ("pareto", {"alpha": 1e300}),
        ("uniform", {"low": -1e300, "high": 1e300}),
    ]:
        x = limits.sample_scores(name, 200, rng=1, **params)
        assert np.all(np.isfinite(x))
        r = limits.sampled_neff_ratio(name, 200, reps=1, rng=1, **params)
        assert np.all((r > 0) & (r <= 1))
    with pytest.raises(ValueError, match="`shape`"):  # every draw underflows to 0
        limits.sampled_neff_ratio("gamma", 50, rng=0, shape=1e-300)


# ---------------------------------------------------------------------------
# Monte Carlo samplers
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", MAGS)
def test_edge_samples_at_every_concentration(alpha):
    w = mc.sample_edges(6, 200, alpha=alpha, seed=0)
    assert np.all(np.isfinite(w)) and et.in_ordered_simplex(w, 1e-12).all()
    for r in mc.run(6, [1, 3, 6], n_samples=200, method="edges", alpha=alpha):
        assert r.n_in_shell == 0 or r.gap >= -1e-12
