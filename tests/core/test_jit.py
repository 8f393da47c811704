"""The compiled float32 kernels (emp_theory._kernels.jit) against independent references.

References: ``math.fsum`` (the exactly rounded sum) for the statistics, a stable
``np.argsort`` of the magnitudes for masks, kept sums and order statistics, and the
NumPy kernels (a different algorithm: sample bracket and ``np.partition``) for the
public functions. Vectors are built to stress the radix selection: ties that straddle
the threshold and the threads' task boundaries, one value everywhere, two values,
subnormals, signed zeros, powers of two, and values that fill a single top-bit bin.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import emp_theory
from emp_theory import _kernels
from emp_theory._kernels import jit

pytestmark = pytest.mark.skipif(not jit.available(), reason="numba is not installed")

N0 = jit.JIT_MIN + 17  # just above the compiled path's threshold, not a block multiple


def vectors(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    few = rng.integers(-4, 5, n).astype(np.float32)
    few[few == 0] = 1.0
    one_bin = (1.0 + rng.integers(0, 2**16, n) * 2.0**-23).astype(np.float32)  # one top bin
    sub = (rng.integers(1, 50, n) * 2.0**-149).astype(np.float32)  # subnormals only
    zeros = rng.standard_normal(n).astype(np.float32)
    zeros[::3] = 0.0
    zeros[1::3] = -0.0
    return {
        "normal": rng.standard_normal(n).astype(np.float32),
        "few values": few,
        "constant": np.full(n, -0.3, np.float32),
        "two values": np.where(rng.random(n) < 0.1, 5.0, 1.0).astype(np.float32),
        "one top bin": one_bin,
        "subnormal": sub,
        "signed zeros": zeros,
        "powers of two": (2.0 ** rng.integers(-60, 60, n)).astype(np.float32),
        "huge": (rng.random(n) * 3e38).astype(np.float32),
    }


def reference_mask(x: np.ndarray, k: int) -> np.ndarray:
    order = np.argsort(-np.abs(x.astype(np.float64)), kind="stable")[:k]
    m = np.zeros(x.size, dtype=bool)
    m[order] = True
    return m


@pytest.fixture(params=["one task", "five tasks"])
def tasks(request, monkeypatch):
    """Run the kernels as one task, or split into five (ties then cross task boundaries)."""
    if request.param == "five tasks":
        monkeypatch.setattr(jit, "THREAD_MIN", 1)
        monkeypatch.setattr(jit, "n_workers", lambda: 5)
    return request.param


class TestStats32:
    @pytest.mark.parametrize("name", list(vectors(8)))
    def test_sums_within_the_bound_of_the_exact_sums(self, name, tasks):
        x = vectors(N0)[name]
        l1, l2, hist = jit.stats32(x, True)
        e1 = math.fsum(np.abs(x.astype(np.float64)).tolist())
        e2 = math.fsum((x.astype(np.float64) ** 2).tolist())  # each square is exact
        bound = jit.rel_error(x.size)
        assert abs(l1 - e1) <= bound * e1
        assert abs(l2 - e2) <= bound * e2
        keys = x.view(np.uint32) & 0x7FFFFFFF
        np.testing.assert_array_equal(hist, np.bincount(keys >> 16, minlength=1 << 15))

    def test_bound_is_far_below_the_integer_spacing(self):
        # the fast path decides unless the ratio is within rel_error of an integer: at
        # N = 1e9 the bound is still below 1e-12, so near-integer fallbacks stay rare
        assert jit.rel_error(10**9) < 1e-12
        assert jit.rel_error(10**9) > (jit.BLOCK - 1) * 2.0**-53

    @pytest.mark.parametrize("n", [jit.JIT_MIN, 10**6 + 3, 5 * 10**7, 10**12])
    def test_bound_is_the_documented_formula(self, n):
        # rel_error's docstring: g = gamma_{B-1+2d}, d = pairwise_depth(ceil(n/B)),
        # bound (1+g)^2 (1+u)^2 / (1-g) - 1; evaluated here in exact rationals
        u = Fraction(1, 2**53)
        d = jit.BLOCK - 1 + 2 * _kernels.pairwise_depth(-(-n // jit.BLOCK))
        g = d * u / (1 - d * u)
        want = (1 + g) ** 2 * (1 + u) ** 2 / (1 - g) - 1
        assert jit.rel_error(n) == pytest.approx(float(want), rel=1e-12)

    def test_nan_and_inf_show_in_the_sums(self):
        x = np.ones(N0, np.float32)
        x[12345] = np.nan
        assert math.isnan(jit.stats32(x, False)[0])
        x[12345] = np.inf
        with pytest.raises(ValueError, match="finite"):
            emp_theory.n_eff(x)

    def test_all_zero_is_refused_naming_the_argument(self):
        with pytest.raises(ValueError, match="`s` is all zeros"):
            emp_theory.emp_mask(np.zeros(N0, np.float32))
        with pytest.raises(ValueError, match="`s` is all zeros"):
            emp_theory.s_eff(-np.zeros(N0, np.float32))  # -0.0 everywhere

    def test_independent_of_the_number_of_tasks(self, monkeypatch):
        x = vectors(3 * N0)["normal"]
        one = jit.stats32(x, True)
        monkeypatch.setattr(jit, "THREAD_MIN", 1)
        monkeypatch.setattr(jit, "n_workers", lambda: 7)
        seven = jit.stats32(x, True)
        assert one[:2] == seven[:2]
        np.testing.assert_array_equal(one[2], seven[2])


class TestMask32:
    @pytest.mark.parametrize("name", list(vectors(8)))
    def test_matches_a_stable_sort(self, name, tasks):
        x = vectors(N0)[name]
        for k in (1, 2, 1000, N0 // 3, N0 // 2 + 1, N0 - 1):
            m = jit.mask32(x, k)
            assert int(m.sum()) == k
            np.testing.assert_array_equal(m, reference_mask(x, k), err_msg=f"{name}, k={k}")

    def test_ties_split_across_tasks(self, monkeypatch):
        # 9 equal maxima spread over five tasks, keep 4: the first four in index order
        monkeypatch.setattr(jit, "THREAD_MIN", 1)
        monkeypatch.setattr(jit, "n_workers", lambda: 5)
        x = np.full(N0, 0.5, np.float32)
        where = np.linspace(0, N0 - 1, 9).astype(int)
        x[where] = -2.0
        m = jit.mask32(x, 4)
        assert np.flatnonzero(m).tolist() == where[:4].tolist()

    @pytest.mark.parametrize("name", ["normal", "few values", "one top bin", "subnormal"])
    def test_kth_and_kept_sum(self, name, tasks):
        x = vectors(N0)[name]
        a = np.sort(np.abs(x.astype(np.float64)))[::-1]
        for k in (1, 777, N0 // 2, N0):
            assert jit.kth_largest32(x, k) == a[k - 1]
            want = math.fsum(a[:k].tolist())
            assert abs(jit.topk_sum32(x, k) - want) <= 1e-12 * want


class TestPublicFunctionsAgreeWithTheNumPyPath:
    """emp_mask, n_eff, s_eff, emp_summary: the same numbers with numba disabled."""

    @pytest.mark.parametrize("name", list(vectors(8)))
    @pytest.mark.parametrize("beta", [0.3, 1.0, 2.5])
    def test_same_decision_and_mask(self, name, beta, monkeypatch):
        x = vectors(N0)[name]
        fast = emp_theory.emp_summary(x, beta), emp_theory.emp_mask(x, beta)
        monkeypatch.setenv("EMP_THEORY_JIT", "0")
        assert not jit.use_for(x)
        slow = emp_theory.emp_summary(x, beta), emp_theory.emp_mask(x, beta)
        assert (fast[0].n_eff, fast[0].k) == (slow[0].n_eff, slow[0].k)
        np.testing.assert_array_equal(fast[1], slow[1])
        assert fast[0].s_eff == pytest.approx(slow[0].s_eff, rel=1e-12)
        assert fast[0].kept_mass == pytest.approx(slow[0].kept_mass, rel=1e-12)

    def test_near_integer_ratio_decided_exactly(self):
        # k equal entries and one smaller one: ratio (k + e)^2 / (k + e^2), written exactly
        k = N0 - 1
        for e in (np.float32(1.0) - np.float32(2.0**-24), np.float32(2.0**-12)):
            x = np.ones(N0, np.float32)
            x[-1] = e
            q = Fraction(k + Fraction(float(e))) ** 2 / (k + Fraction(float(e)) ** 2)
            assert emp_theory.n_eff(x) == math.floor(q)

    def test_without_numba_the_numpy_kernels_run(self, monkeypatch):
        def no_numba():
            raise ImportError("numba is not installed")

        x = vectors(N0)["normal"]
        want = emp_theory.emp_mask(x, 0.5)
        monkeypatch.setattr(jit, "_kernels", no_numba)
        monkeypatch.setattr(jit, "_FAILED", False)
        assert not jit.available()
        st = _kernels.stats(x)
        assert st.rel_err is None and st.hist is None
        np.testing.assert_array_equal(emp_theory.emp_mask(x, 0.5), want)


def test_float16_and_bfloat16_take_the_float32_kernels():
    torch = pytest.importorskip("torch")
    x = vectors(N0)["normal"]
    for dt in (torch.float16, torch.bfloat16):
        t = torch.from_numpy(x).to(dt)
        w = t.float().numpy()
        assert jit.use_for(_kernels.to_numpy(t, "s"))
        np.testing.assert_array_equal(
            emp_theory.emp_mask(t, 0.7).numpy(), reference_mask(w, emp_theory.keep_count(w, 0.7))
        )


def test_documented_threshold_is_the_one_used():
    assert f"{jit.JIT_MIN:,}".replace(",", " ") + " entries" in emp_theory.topk_mask.__doc__


class TestExactSums32:
    def test_equal_to_fractions(self, tasks):
        rng = np.random.default_rng(3)
        special = [1e-45, 3e-45, 2.0**-126, 2.0**-126 * 1.5, 0.0, -0.0, 3e38, -1.0, 1.0]
        x = np.concatenate([rng.standard_normal(N0), np.array(special)]).astype(np.float32)
        ex = jit.exact_sums32(x)
        vals = [Fraction(float(v)) for v in np.abs(x.astype(np.float64)).tolist()]
        f1 = sum(vals, Fraction(0))
        f2 = sum((v * v for v in vals), Fraction(0))
        (a, ea), (b, eb) = ex._combine(ex._s1), ex._combine(ex._s2)
        assert Fraction(a) * Fraction(2) ** ea == f1
        assert Fraction(b) * Fraction(2) ** eb == f2
        n = math.floor(f1 * f1 / f2)
        assert ex.ratio_at_least(n) and not ex.ratio_at_least(n + 1)

    def test_is_the_fallback_of_the_compiled_path(self, monkeypatch):
        calls = []
        real = jit.exact_sums32
        monkeypatch.setattr(jit, "exact_sums32", lambda f: calls.append(f.size) or real(f))
        x = np.full(N0, 0.1, np.float32)  # ratio exactly N: always within the bound
        assert emp_theory.n_eff(x) == N0 and calls == [N0]


class TestBitPatternKernels:
    """The streamer's in-place kernels on 8- to 64-bit patterns, against NumPy one-liners."""

    @pytest.mark.parametrize("dt", [np.uint8, np.uint16, np.uint32, np.uint64])
    def test_count_keys_and_digits(self, dt):
        bits = np.dtype(dt).itemsize * 8
        raw = np.random.default_rng(1).integers(0, 2**bits, 5000, dtype=dt)
        mask = (1 << (bits - 1)) - 1
        shift = max(bits - 1 - 7, 0)  # 7-bit top digit
        h = np.zeros(1 << 7, np.int64)
        jit.count_keys(raw, mask, shift, h)
        np.testing.assert_array_equal(h, np.bincount((raw & dt(mask)) >> dt(shift), minlength=128))
        keys = raw & dt(mask)
        prefix = int(keys[0] >> dt(shift))
        h2 = np.zeros(16, np.int64)
        jit.count_digit(keys, shift, prefix, max(shift - 4, 0), 16, h2)
        sel = keys[(keys >> dt(shift)) == prefix]
        want = np.bincount((sel >> dt(max(shift - 4, 0))) & dt(15), minlength=16)
        np.testing.assert_array_equal(h2, want)

    @pytest.mark.parametrize("dt", [np.uint8, np.uint16, np.uint32, np.uint64])
    @pytest.mark.parametrize("ties", [0, 1, 3, 10**9])
    def test_zero_below(self, dt, ties):
        bits = np.dtype(dt).itemsize * 8
        mask = (1 << (bits - 1)) - 1
        rng = np.random.default_rng(2)
        base = rng.integers(0, 2**bits, 4000, dtype=dt)
        T = int(base[7] & dt(mask))
        base[rng.integers(0, 4000, 20)] = base[7] ^ dt(1 << (bits - 1))  # ties, both signs
        r = base.copy()
        kept, left = jit.zero_below(r, mask, T, ties)
        k = base & dt(mask)
        keep = k > dt(T)
        eq = np.flatnonzero(k == dt(T))
        keep[eq[:ties]] = True
        np.testing.assert_array_equal(r, np.where(keep, base, dt(0)))
        assert kept == int(keep.sum()) and left == max(ties - eq.size, 0)
        if bits == 64:  # the top patterns survive exactly (no float64 round trip)
            assert (r[keep] == base[keep]).all()


def test_loading_in_the_background(monkeypatch):
    assert jit.load() and jit.ready()  # every bit-pattern signature warmed
    monkeypatch.setattr(jit, "_READY", type(jit._READY)())  # as if not loaded yet
    assert not jit.ready()  # ready() never waits nor starts anything
    monkeypatch.setattr(jit, "_LOADER", None)
    monkeypatch.setenv("EMP_THEORY_JIT", "0")
    jit.start_loading()  # disabled: no thread
    assert jit._LOADER is None and not jit.ready()


def test_readme_states_the_threshold_used():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"{jit.JIT_MIN:,}".replace(",", " ") + " entries or more go through compiled" in readme


def test_a_broken_numba_warns_once_and_falls_back(monkeypatch):
    def broken():
        raise OSError("libllvmlite.so: cannot open shared object file")

    x = vectors(N0)["normal"]
    want = emp_theory.emp_mask(x, 0.5)
    monkeypatch.setattr(jit, "_kernels", broken)
    monkeypatch.setattr(jit, "_FAILED", False)
    with pytest.warns(RuntimeWarning, match="numba could not be loaded.*OSError"):
        assert not jit.available()
    assert not jit.available()  # decided once, no second warning
    np.testing.assert_array_equal(emp_theory.emp_mask(x, 0.5), want)
