"""Tests of stats="exact" (emp_theory.streaming.exact) and of magnitude_histogram."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

from emp_theory import streaming as S  # noqa: E402
from emp_theory._kernels import stats  # noqa: E402
from emp_theory.effective import emp_summary, topk_mask  # noqa: E402


def exact_n_eff(values: torch.Tensor) -> tuple[int, Fraction, Fraction]:
    """floor((sum|w|)^2 / sum w^2) with Python Fractions, entry by entry."""
    fr = [Fraction(float(v)) for v in values.double().abs().tolist()]
    s1 = sum(fr, Fraction(0))
    s2 = sum((f * f for f in fr), Fraction(0))
    return math.floor(s1 * s1 / s2), s1, s2


@pytest.mark.parametrize(
    "dtype", [torch.bfloat16, torch.float16, torch.float8_e4m3fn, torch.float8_e5m2], ids=str
)
@pytest.mark.parametrize("scope", ["global", "layer"])
def test_exact_stats_is_exact(tmp_path, dtype, scope, header_order, load_dir, pruned_keys):
    g = torch.Generator().manual_seed(13)
    src = tmp_path / "in"
    src.mkdir()
    st_torch.save_file(
        {
            "a.weight": (torch.randn(40, 50, generator=g) * 3).to(dtype),
            "a.bias": torch.ones(50),
        },
        str(src / "m1.safetensors"),
    )
    st_torch.save_file(
        {"b.weight": (torch.randn(30, 70, generator=g) * 0.2).to(dtype)},
        str(src / "m2.safetensors"),
    )
    beta = 0.9
    rep = S.prune_safetensors(
        src, tmp_path / "out", scope=scope, stats="exact", beta=beta, progress=False
    )
    ins, outs = load_dir(src), load_dir(tmp_path / "out")
    keys = pruned_keys(ins, header_order(src))
    groups = [keys] if scope == "global" else [[k] for k in keys]
    rows = {(r["shard"], r["name"]): r for r in rep["tensors"]}
    for grp in groups:
        cat = torch.cat([ins[f][k].reshape(-1).double() for f, k in grp])
        n, s1, s2 = exact_n_eff(cat)
        n_kept = min(max(math.floor(beta * n), 1), cat.numel())
        mask = topk_mask(cat, n_kept)  # the core's selection, ties lowest index first
        if scope == "global":
            m = Fraction(float(cat.abs().max()))
            assert (rep["n_eff"], rep["k"], rep["stats"]) == (n, n_kept, "exact")
            assert rep["sum_a"] == float(s1 / m) and rep["sum_a2"] == float(s2 / (m * m))
            assert rep["passes"] == 2  # histogram + write
        else:
            r = rows[grp[0]]
            assert (r["n_eff"], r["k"], r["stats"]) == (n, n_kept, "exact")
        got = torch.cat([outs[f][k].reshape(-1).double() for f, k in grp])
        assert torch.equal(got, torch.where(mask, cat, torch.zeros((), dtype=cat.dtype)))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=str)
def test_exact_stats_agrees_with_core_on_larger_model(
    tmp_path, dtype, header_order, load_dir, pruned_keys, make_model, expected_global
):
    src = make_model(tmp_path / "in", dtype, seed=14)
    rep = S.prune_safetensors(src, tmp_path / "out", stats="exact", progress=False)
    ins, outs = load_dir(src), load_dir(tmp_path / "out")
    keys = pruned_keys(ins, header_order(src))
    cat, mask = expected_global(ins, keys, 1.0)
    summ = emp_summary(cat)
    assert (rep["N"], rep["n_eff"], rep["k"]) == (summ.N, summ.n_eff, summ.k)
    got = torch.cat([outs[f][k].reshape(-1).double() for f, k in keys])
    assert torch.equal(got, torch.where(mask, cat, torch.zeros((), dtype=cat.dtype)))


def test_exact_stats_falls_back_to_core_for_wide_floats(
    tmp_path, header_order, load_dir, pruned_keys, make_model, expected_global
):
    src = make_model(tmp_path / "in", torch.float32, seed=15)
    rep = S.prune_safetensors(src, tmp_path / "out", stats="exact", progress=False)
    ins = load_dir(src)
    cat, _ = expected_global(ins, pruned_keys(ins, header_order(src)), 1.0)
    st = stats(cat)
    assert rep["stats"] == "core" and rep["passes"] == 4
    assert (rep["sum_a"], rep["sum_a2"]) == (st.l1, st.l2sq)
    with pytest.raises(ValueError, match="`stats`"):
        S.prune_safetensors(src, tmp_path / "o2", stats="fast", progress=False)


class TestMagnitudeHistogram:
    @pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16, torch.float8_e4m3fn], ids=str)
    def test_equals_unique_counts(
        self, tmp_path, dtype, header_order, load_dir, pruned_keys, make_model
    ):
        src = make_model(tmp_path / "in", torch.float32, seed=31)
        if dtype != torch.float32:  # re-save every float tensor in `dtype`
            for p in src.glob("*.safetensors"):
                ts = st_torch.load_file(str(p))
                ts = {k: v.to(dtype) if v.is_floating_point() else v for k, v in ts.items()}
                st_torch.save_file(ts, str(p))
        h = S.magnitude_histogram(src)
        ins = load_dir(src)
        cat = torch.cat(
            [ins[f][k].reshape(-1).double() for f, k in pruned_keys(ins, header_order(src))]
        )
        vals, counts = torch.unique(cat.abs(), return_counts=True)  # sorted ascending
        assert np.array_equal(h["values"], vals.numpy())
        assert np.array_equal(h["counts"], counts.numpy())
        assert h["N"] == cat.numel() == int(h["counts"].sum())
        # it determines Algorithm 1: N_eff and the threshold of the core
        s1 = float(np.sum(h["counts"] * h["values"]))
        s2 = float(np.sum(h["counts"] * h["values"] ** 2))
        summ = emp_summary(cat)
        assert abs(s1 * s1 / s2 - summ.n_eff) < 1.0
        from_top = np.cumsum(h["counts"][::-1])
        t = h["values"][::-1][np.searchsorted(from_top, summ.k)]
        assert t == float(torch.sort(cat.abs(), descending=True).values[summ.k - 1])

    def test_rejects_wide_or_mixed_floats(self, tmp_path, make_model):
        src = make_model(tmp_path / "in", torch.float32, seed=32)
        with pytest.raises(ValueError, match="8- or 16-bit"):
            S.magnitude_histogram(src)
        with pytest.raises(ValueError, match="`in_dir`"):
            S.magnitude_histogram(tmp_path / "missing")
