"""The torch-native path (emp_theory._torch_kernels): on the tensor's device, bit-identical.

Every torch call runs with ``Tensor.numpy`` and ``Tensor.cpu`` patched to raise (and the
NumPy path's ``to_numpy`` too), so a host copy anywhere is a failure. The reference is
the NumPy path on the same values (fp16/bf16 widened to fp32, ints to fp64, exactly as
``to_numpy`` does), computed before the patch. N_eff, k and masks are compared bit for
bit; s_eff and the kept mass (float64 sums in another order) to 1e-12 relative.
"""

from __future__ import annotations

from contextlib import contextmanager
from fractions import Fraction

import numpy as np
import pytest

import emp_theory as emp
from emp_theory import _kernels

torch = pytest.importorskip("torch")
from emp_theory import _torch_kernels as tk  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def torch_path_on_cpu(monkeypatch):
    """Run CPU tensors on the torch-native path (by default they take the NumPy path)."""
    monkeypatch.setattr(tk, "FORCE_ON_CPU", True)


def host(x) -> np.ndarray:
    """The values the NumPy path sees for tensor `x` (made before any patch)."""
    if x.dtype in (torch.float16, torch.bfloat16):
        x = x.float()
    elif not x.dtype.is_floating_point:
        x = x.double()
    return x.detach().numpy().copy()


@contextmanager
def no_host():
    """``Tensor.numpy``, ``Tensor.cpu`` and the NumPy path's ``to_numpy`` raise inside."""

    def refuse(*_a, **_k):
        raise AssertionError("host copy on the torch path")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch.Tensor, "numpy", refuse)
        mp.setattr(torch.Tensor, "cpu", refuse)
        mp.setattr(_kernels, "to_numpy", refuse)
        mp.setattr(_kernels.chunked, "to_numpy", refuse)
        yield


def reference(a: np.ndarray, betas, ks):
    return {
        "n_eff": emp.n_eff(a),
        "summ": {b: emp.emp_summary(a, b) for b in betas},
        "masks": {b: emp.emp_mask(a, b) for b in betas},
        "topk": {k: emp.topk_mask(a, k) for k in ks},
        "top_mass": {k: emp.top_mass(a, k) for k in ks},
        "s_eff": emp.s_eff(a),
    }


def check(x, ref, betas, ks):
    with no_host():
        _check(x, ref, betas, ks)


def _check(x, ref, betas, ks):
    assert emp.n_eff(x) == ref["n_eff"]
    assert emp.s_eff(x) == pytest.approx(ref["s_eff"], rel=1e-12)
    for b in betas:
        want = ref["summ"][b]
        got = emp.emp_summary(x, b)
        assert (got.N, got.n_eff, got.k, got.beta) == (want.N, want.n_eff, want.k, want.beta)
        assert got.s_eff == pytest.approx(want.s_eff, rel=1e-12)
        assert got.kept_mass == pytest.approx(want.kept_mass, rel=1e-12)
        assert got.bound == want.bound and got.sparsity == want.sparsity
        assert emp.keep_count(x, b) == want.k
        m = emp.emp_mask(x, b)
        assert isinstance(m, torch.Tensor) and m.dtype == torch.bool
        assert m.device == x.device and tuple(m.shape) == tuple(x.shape)
        assert m.tolist() == ref["masks"][b].tolist()
    for k in ks:
        assert emp.topk_mask(x, k).tolist() == ref["topk"][k].tolist()
        assert emp.top_mass(x, k) == pytest.approx(ref["top_mass"][k], rel=1e-12)


DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("N", [1, 2, 3, 63, 64, 65, 1000, 4097, 2**16 + 1, 2**20 + 1])
def test_random_matches_numpy_path(dtype, N):
    rng = np.random.default_rng(N)
    x = torch.from_numpy(rng.standard_normal(N) * rng.lognormal(0, 2, N)).to(dtype)
    a = host(x)
    betas = (0.37, 1.0, 2.5)
    ks = sorted({1, max(1, N // 3), N})
    ref = reference(a, betas, ks)  # the NumPy path, before the patch
    check(x, ref, betas, ks)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_three_chunks_and_a_bit(dtype):
    N = 3 * 2**20 + 5
    rng = np.random.default_rng(7)
    x = torch.from_numpy(rng.standard_normal(N)).to(dtype)
    a = host(x)
    n, summ, mask = emp.n_eff(a), emp.emp_summary(a, 0.8), emp.emp_mask(a, 0.8)
    with no_host():
        assert emp.n_eff(x) == n
        got = emp.emp_summary(x, 0.8)
        m = emp.emp_mask(x, 0.8)
    assert (got.n_eff, got.k) == (summ.n_eff, summ.k)
    assert got.s_eff == pytest.approx(summ.s_eff, rel=1e-12)
    assert m.tolist() == mask.tolist()


@pytest.mark.parametrize(
    "values",
    [
        [3.0] * 5 + [1.0] * 100,
        [1.0, -1.0] * 50 + [2.0, -2.0] * 10,
        [0.0, -0.0, 1.0, -1.0, 1.0, 0.5, -0.5, 0.5],
        [5.0] * 1000,
    ],
    ids=["two-levels", "signs", "zeros", "constant"],
)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_ties_lowest_index_first(values, dtype):
    x = torch.tensor(values, dtype=dtype)
    a = host(x)
    N = len(values)
    betas = (0.1, 0.5, 0.93, 1.0)
    ks = list(range(1, N + 1, max(1, N // 17)))
    ref = reference(a, betas, ks)
    check(x, ref, betas, ks)


def test_many_ties_large():
    rng = np.random.default_rng(3)
    x = torch.from_numpy(rng.integers(-8, 9, 2**20 + 77).astype(np.float32))
    a = host(x)
    ref = reference(a, (0.2, 0.71, 1.0), [5, 2**19 + 3])
    check(x, ref, (0.2, 0.71, 1.0), [5, 2**19 + 3])


def test_shapes_ints_and_noncontiguous():
    rng = np.random.default_rng(11)
    base = torch.from_numpy(rng.standard_normal((37, 53)).astype(np.float32))
    for x in (base.t(), base[:, ::2], base.reshape(53, 37)):
        a = host(x.contiguous())
        ref = reference(a, (0.6,), [10])
        check(x, ref, (0.6,), [10])
    ints = torch.tensor([2**60 + 1, 2**60, 3, -(2**60)], dtype=torch.int64)  # rounded to fp64
    a = host(ints)
    ref = reference(a, (0.5, 1.0), [1, 2, 3])
    check(ints, ref, (0.5, 1.0), [1, 2, 3])


def exact_floor(values) -> int:
    fr = [abs(Fraction(float(v))) for v in values]
    s1 = sum(fr)
    return int(s1 * s1 / sum(v * v for v in fr))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("k", [1, 2, 5, 99, 4096, 10**5])
def test_near_integer_ratio(k, dtype, monkeypatch):
    """``k`` equal entries and one perturbed: ratios a few ulps off an integer, decided exactly."""
    calls = []
    real = tk.exact_sums
    monkeypatch.setattr(tk, "exact_sums", lambda f: calls.append(1) or real(f))
    eps = float(torch.finfo(dtype).eps)
    for x_last in (1.0 - eps, 1.0 - 4 * eps, 1.0 - 2**-26, 1e-30, 2.0**-40, 1.0):
        v = torch.ones(k + 1 + 3, dtype=dtype)
        v[k] = x_last
        v[k + 1 :] = 0
        a = host(v)
        want = exact_floor(a)
        assert emp.n_eff(a) == want
        mask = emp.emp_mask(a)
        with no_host():
            assert emp.n_eff(v) == want
            got = emp.emp_mask(v)
        assert got.tolist() == mask.tolist()
    assert calls  # the exact fallback decided at least one of them


def test_exact_totals_flush_in_steps(monkeypatch):
    x = torch.from_numpy(np.random.default_rng(9).standard_normal(10_007) * 1e-5)
    whole = tk.exact_sums(x)
    monkeypatch.setattr(tk, "_chunk", lambda device: 1000)
    monkeypatch.setattr(tk, "_FLUSH", 2500)
    assert tk.exact_sums(x) == whole


def test_exact_totals_are_exact():
    rng = np.random.default_rng(5)
    vals = np.concatenate(
        [
            rng.standard_normal(300) * 10.0 ** rng.integers(-300, 300, 300),
            [2.0**-1074, 3 * 2.0**-1070, 1.7976931348623157e308, 0.0, -0.0],
        ]
    )
    t = torch.from_numpy(vals)
    ex = tk.exact_sums(t)
    fr = [abs(Fraction(float(v))) for v in vals]
    assert Fraction(ex.s1, 2**1127) == sum(fr)
    assert Fraction(ex.s2, 2**2254) == sum(v * v for v in fr)
    assert tk.ExactTotals.from_limbs(ex.limbs()) == ex
    halves = tk.exact_sums(t[:111]) + tk.exact_sums(t[111:])
    assert halves == ex
    lo, hi = tk.exact_sums(t[:111]).limbs(), tk.exact_sums(t[111:]).limbs()
    limbs = [a + b for a, b in zip(lo, hi, strict=True)]
    assert tk.ExactTotals.from_limbs(limbs) == ex
    for dtype in (torch.float16, torch.bfloat16, torch.float32):
        x = torch.from_numpy(rng.standard_normal(1000)).to(dtype)
        e = tk.exact_sums(x)
        fr = [abs(Fraction(float(v))) for v in x.tolist()]
        assert Fraction(e.s1, 2**1127) == sum(fr)
        assert Fraction(e.s2, 2**2254) == sum(v * v for v in fr)


@pytest.mark.parametrize("N", [5, 64, 65, 4096, 100_003])
def test_error_bound_holds(N):
    rng = np.random.default_rng(N)
    vals = rng.standard_normal(N) * rng.lognormal(0, 3, N)
    st = tk.stats(torch.from_numpy(vals))
    fr = [abs(Fraction(float(v))) for v in vals]
    s1 = sum(fr)
    exact = s1 * s1 / sum(v * v for v in fr)
    est = Fraction(st.l1) * Fraction(st.l1) / Fraction(st.l2sq)
    assert abs(est - exact) / exact <= Fraction(tk.ratio_rel_error(N, st.depth))


def test_exact_fallback_is_rare(monkeypatch):
    calls = []
    real = tk.exact_sums
    monkeypatch.setattr(tk, "exact_sums", lambda f: calls.append(1) or real(f))
    rng = np.random.default_rng(0)
    n_vec = 300
    for i in range(n_vec):
        N = int(rng.integers(2, 20_000))
        x = torch.from_numpy(rng.standard_normal(N) * rng.lognormal(0, 1 + i % 3, N)).float()
        emp.n_eff(x)
    assert len(calls) <= 1, f"exact fallback on {len(calls)} of {n_vec} random vectors"


@pytest.mark.parametrize(
    ("values", "exc", "match"),
    [
        ([], ValueError, "must not be empty"),
        ([1.0, float("nan")], ValueError, "must be finite"),
        ([1.0, float("-inf")], ValueError, "must be finite"),
        ([0.0, -0.0], ValueError, "all zeros"),
    ],
)
def test_errors_match_numpy_path(values, exc, match):
    x = torch.tensor(values, dtype=torch.float32)
    for fn in (emp.n_eff, emp.emp_mask, emp.s_eff, emp.emp_summary):
        with pytest.raises(exc, match=match):
            fn(np.array(values, dtype=np.float32))
        with no_host(), pytest.raises(exc, match=match):
            fn(x)


def test_type_errors():
    with no_host():
        with pytest.raises(TypeError, match="boolean"):
            emp.n_eff(torch.tensor([True, False]))
        with pytest.raises(TypeError, match="real-valued"):
            emp.emp_mask(torch.tensor([1 + 1j]))
        with pytest.raises(ValueError, match=r"\[1, N\]"):
            emp.topk_mask(torch.ones(3), 4)


def test_mps_and_numpy_inputs_keep_their_path(monkeypatch):
    assert tk.native(torch.ones(2))  # forced by the fixture
    monkeypatch.setattr(tk, "FORCE_ON_CPU", False)
    assert not tk.native(torch.ones(2))  # default: CPU tensors take the NumPy view
    assert isinstance(emp.emp_mask(np.ones(4)), np.ndarray)


@pytest.mark.parametrize("gathers", [True, False], ids=["cpu-gather", "accelerator-passes"])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_small_steps_and_both_select_strategies(dtype, gathers, monkeypatch):
    """Many pass steps (a 1000-entry step) and the accelerator's select strategy, run on the CPU."""
    rng = np.random.default_rng(17)
    x = torch.from_numpy(rng.integers(-40, 41, 25_013) * rng.lognormal(0, 1, 25_013)).to(dtype)
    x[::7] = x[3]  # ties at many magnitudes
    a = host(x)
    betas = (0.05, 0.5, 1.0)
    ks = [1, 999, 1000, 1001, 12_000, 25_012]
    ref = reference(a, betas, ks)
    monkeypatch.setattr(tk, "_chunk", lambda device: 1000)
    monkeypatch.setattr(tk, "_gathers", lambda device: gathers)
    check(x, ref, betas, ks)
    for digit in (5, 8, 11):
        for k in ks:
            th = tk.select_kth(tk.flat_scores(x), k, digit=digit)
            want = np.sort(np.abs(a))[::-1][k - 1]
            assert tk.key_value(int(th.key), tk.flat_scores(x).dtype) == want
