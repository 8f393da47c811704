"""Tests of the analysis passes (emp_theory.streaming.passes): exact agreement with the core.

The streamed N_eff, k, threshold and masks must equal the in-memory core's
(:func:`emp_theory.effective.emp_mask`) on the concatenation of the pruned tensors, for
every dtype, scope, tie pattern and number of pool workers.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

from emp_theory import streaming as S  # noqa: E402
from emp_theory._kernels import CHUNK  # noqa: E402
from emp_theory.effective import emp_mask, emp_summary  # noqa: E402
from emp_theory.streaming import reader as R  # noqa: E402
from emp_theory.streaming import writer as W  # noqa: E402

DTYPES = [torch.float32, torch.float16, torch.bfloat16]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("quantized", [False, True], ids=["gauss", "ties"])
@pytest.mark.parametrize("beta", [1.0, 0.7])
@pytest.mark.parametrize("mode", ["exact", "core"])
def test_global_matches_core(
    tmp_path,
    dtype,
    quantized,
    beta,
    mode,
    header_order,
    load_dir,
    bits,
    pruned_keys,
    make_model,
    expected_global,
    assert_sums,
):
    # both modes: the same N_eff, k, threshold and masks as the core; "core" also
    # reproduces its float64 sums bit for bit, "exact" gives the exact sums
    src = make_model(tmp_path / "in", dtype, seed=1, quantized=quantized)
    rep = S.prune_safetensors(src, tmp_path / "out", beta=beta, stats=mode, progress=False)
    assert rep["stats"] == ("core" if dtype == torch.float32 else mode)
    order = header_order(src)
    ins, outs = load_dir(src), load_dir(tmp_path / "out")
    keys = pruned_keys(ins, order)
    cat, mask = expected_global(ins, keys, beta)
    assert cat.numel() > 2 * CHUNK
    summ = emp_summary(cat, beta)
    assert (rep["N"], rep["n_eff"], rep["k"]) == (summ.N, summ.n_eff, summ.k)
    assert rep["kept"] == summ.k == int(mask.sum())
    assert_sums(rep, cat)
    # threshold = k-th largest magnitude, from a full sort
    assert rep["threshold"] == float(torch.sort(cat.abs(), descending=True).values[summ.k - 1])
    # every pruned tensor: bit-identical to where(core mask, w, +0)
    off = 0
    rows = {(r["shard"], r["name"]): r for r in rep["tensors"]}
    for f, k in keys:
        w = ins[f][k]
        m = mask[off : off + w.numel()].reshape(w.shape)
        off += w.numel()
        exp = torch.where(m, w, torch.zeros((), dtype=dtype))
        assert torch.equal(bits(outs[f][k]), bits(exp)), (f, k)
        assert rows[(f, k)]["kept"] == int(m.sum())
    # everything else untouched
    for f, k in order:
        if (f, k) not in keys:
            assert torch.equal(outs[f][k], ins[f][k])
            assert rows[(f, k)]["pruned"] is False


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("quantized", [False, True], ids=["gauss", "ties"])
def test_layer_matches_core(
    tmp_path, dtype, quantized, header_order, load_dir, bits, pruned_keys, make_model
):
    src = make_model(tmp_path / "in", dtype, seed=2, quantized=quantized)
    beta = 1.25
    rep = S.prune_safetensors(src, tmp_path / "out", scope="layer", beta=beta, progress=False)
    ins, outs = load_dir(src), load_dir(tmp_path / "out")
    rows = {(r["shard"], r["name"]): r for r in rep["tensors"]}
    keys = pruned_keys(ins, header_order(src))
    assert rep["n_eff"] is None and rep["k"] is None
    total = 0
    for f, k in keys:
        w = ins[f][k]
        m = emp_mask(w, beta)
        summ = emp_summary(w, beta)
        exp = torch.where(m, w, torch.zeros((), dtype=dtype))
        assert torch.equal(bits(outs[f][k]), bits(exp)), (f, k)
        r = rows[(f, k)]
        assert (r["N"], r["n_eff"], r["k"], r["kept"]) == (summ.N, summ.n_eff, summ.k, summ.k)
        total += summ.k
    assert rep["kept"] == total


@pytest.mark.parametrize(
    "dtypes",
    [
        (torch.float64, torch.float64, torch.float64),  # 4 radix passes
        (torch.bfloat16, torch.float32, torch.float16),  # mixed: float32 keys
        (torch.bfloat16, torch.float16, torch.float64),  # mixed with f64: float64 keys
        (torch.float8_e4m3fn, torch.float8_e4m3fn, torch.float8_e4m3fn),
        (torch.float8_e5m2, torch.bfloat16, torch.float8_e5m2),
    ],
    ids=["f64", "bf16+f32+f16", "bf16+f16+f64", "e4m3", "e5m2+bf16"],
)
def test_other_and_mixed_dtypes(
    tmp_path, dtypes, header_order, load_dir, bits, pruned_keys, expected_global
):
    g = torch.Generator().manual_seed(3)
    src = tmp_path / "in"
    src.mkdir()
    shapes = [(300, 500), (257, 1000), (64, 64)]
    for i, (dt, shp) in enumerate(zip(dtypes, shapes, strict=True)):
        w = (torch.randn(*shp, generator=g, dtype=torch.float64) * (i + 1)).to(dt)
        st_torch.save_file({f"t{i}.weight": w}, str(src / f"s{i}.safetensors"))
    for scope in ("global", "layer"):
        out = tmp_path / f"out-{scope}"
        rep = S.prune_safetensors(src, out, scope=scope, progress=False)
        ins, outs = load_dir(src), load_dir(out)
        keys = pruned_keys(ins, header_order(src))
        if scope == "global":
            cat, mask = expected_global(ins, keys, 1.0)
            summ = emp_summary(cat)
            assert (rep["N"], rep["n_eff"], rep["k"]) == (summ.N, summ.n_eff, summ.k)
            masks = torch.split(mask, [ins[f][k].numel() for f, k in keys])
        else:
            masks = [emp_mask(ins[f][k].double()).reshape(-1) for f, k in keys]
        for (f, k), m in zip(keys, masks, strict=True):
            w = ins[f][k]
            exp = torch.where(m.reshape(w.shape), w, torch.zeros((), dtype=w.dtype))
            assert torch.equal(bits(outs[f][k]), bits(exp)), (scope, f, k)


def test_include_1d_prunes_vectors_too(
    tmp_path, header_order, load_dir, pruned_keys, make_model, expected_global
):
    src = make_model(tmp_path / "in", torch.bfloat16, seed=4)
    rep = S.prune_safetensors(src, tmp_path / "out", include_1d=True, progress=False)
    ins, outs = load_dir(src), load_dir(tmp_path / "out")
    keys = pruned_keys(ins, header_order(src), include_1d=True)
    assert any(ins[f][k].ndim == 1 for f, k in keys)
    cat, mask = expected_global(ins, keys, 1.0)
    assert rep["k"] == emp_summary(cat).k
    got = torch.cat([outs[f][k].reshape(-1).double() for f, k in keys])
    assert torch.equal(got, torch.where(mask, cat, torch.zeros((), dtype=cat.dtype)))
    # the int64 tensor is never pruned, nor are norms and embeddings
    f0 = "model-00001-of-00003.safetensors"
    for k in ("step", "layers.0.norm.weight", "model.embed_tokens.weight"):
        assert torch.equal(outs[f0][k], ins[f0][k])
    rows = {r["name"]: r for r in rep["tensors"]}
    assert rows["layers.0.mlp.bias"]["pruned"] and not rows["layers.0.norm.weight"]["pruned"]


@pytest.mark.parametrize(
    ("dtype", "mode"),
    [(torch.bfloat16, "exact"), (torch.bfloat16, "core"), (torch.float32, "core")],
    ids=["bf16-exact", "bf16-core", "f32"],
)
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_parallel_passes_match_core(
    tmp_path, monkeypatch, dtype, mode, workers, make_big_model, assert_matches_core
):
    # the number of pool workers must not change a bit of the sums or of the masks
    monkeypatch.setattr(R, "n_workers", lambda: workers)
    src = make_big_model(tmp_path / "in", dtype, seed=21)
    rep = S.prune_safetensors(src, tmp_path / "out", beta=0.9, stats=mode, progress=False)
    assert rep["stats"] == mode
    assert rep["N"] > 8 * CHUNK
    assert max(p.stat().st_size for p in (tmp_path / "out").glob("*.safetensors")) > W.SINK_BLOCK
    assert_matches_core(src, tmp_path / "out", rep, 0.9)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_weights(tmp_path, bad):
    src = tmp_path / "in"
    src.mkdir()
    w = torch.randn(20, 30, dtype=torch.float32).to(torch.bfloat16)
    w[3, 4] = bad
    st_torch.save_file({"w.weight": w}, str(src / "a.safetensors"))
    with pytest.raises(ValueError, match="NaN or inf"):
        S.prune_safetensors(src, tmp_path / "out", progress=False)


def test_progress_bar_counts_all_passes(tmp_path, capsys, make_model):
    src = make_model(tmp_path / "in", torch.float32, seed=12)
    rep = S.prune_safetensors(src, tmp_path / "out", progress=True)
    err = capsys.readouterr().err
    assert "emp" in err
    assert rep["passes"] == 4  # max/histogram, statistics, one refinement, write
    assert np.isclose(
        rep["timing"]["total_s"], rep["timing"]["analysis_s"] + rep["timing"]["write_s"]
    )


@pytest.mark.parametrize(
    ("dtype", "mode"),
    [(torch.float32, "core"), (torch.bfloat16, "core"), (torch.bfloat16, "exact")],
    ids=["f32", "bf16-core", "bf16-exact"],
)
@pytest.mark.parametrize("scope", ["global", "layer"])
def test_n_eff_near_an_integer_is_decided_exactly(
    tmp_path, dtype, mode, scope, header_order, load_dir, bits, pruned_keys
):
    # equal magnitudes give l1 = l2sq = N, a ratio exactly at an integer: the float64
    # estimate cannot decide, and one exact-sums pass does, as in the core
    g = torch.Generator().manual_seed(25)
    src = tmp_path / "in"
    src.mkdir()
    signs = torch.randint(0, 2, (300, 70), generator=g).double() * 2 - 1
    st_torch.save_file({"w.weight": (0.375 * signs).to(dtype)}, str(src / "a.safetensors"))
    st_torch.save_file(
        {"v.weight": torch.full((40, 25), -2.0).to(dtype)}, str(src / "b.safetensors")
    )
    rep = S.prune_safetensors(
        src, tmp_path / "out", scope=scope, beta=0.5, stats=mode, progress=False
    )
    ins, outs = load_dir(src), load_dir(tmp_path / "out")
    keys = pruned_keys(ins, header_order(src))
    refine = 1 if dtype == torch.float32 else 0
    groups = [keys] if scope == "global" else [[k] for k in keys]
    rows = {(r["shard"], r["name"]): r for r in rep["tensors"]}
    for grp in groups:
        cat = torch.cat([ins[f][k].reshape(-1).double() for f, k in grp])
        summ = emp_summary(cat, 0.5)
        got = rep if scope == "global" else rows[grp[0]]
        assert (got["n_eff"], got["k"]) == (summ.n_eff, summ.k)
        mask = emp_mask(cat, 0.5)
        out = torch.cat([outs[f][k].reshape(-1) for f, k in grp])
        exp = torch.where(mask, cat, torch.zeros((), dtype=torch.float64)).to(dtype)
        assert torch.equal(bits(out), bits(exp))
    if scope == "layer":
        assert all(rows[k]["n_eff"] == ins[k[0]][k[1]].numel() for k in keys)
    if mode == "exact":
        # the histogram's integer sums decide at once: histogram + write, never more
        assert rep["passes"] == 2
    elif scope == "global":
        # global: magnitudes 0.375 and 2 are not equal, so no exact pass is needed
        assert rep["passes"] == 2 + refine + 1
    else:
        assert rep["passes"] == 3 + refine + 1  # max, statistics, exact sums, (refine,) write


@pytest.mark.parametrize("mode", ["exact", "core"])
def test_n_eff_goes_through_the_shared_decision(tmp_path, monkeypatch, make_model, mode):
    # the streamer's N_eff is _kernels.n_eff_from_sums of its sums, never recomputed
    from emp_theory.streaming import exact as E
    from emp_theory.streaming import passes as P

    calls = []
    real = P.n_eff_from_sums

    def spy(l1, l2sq, N, **kw):
        calls.append((l1, l2sq, N, kw.get("n_chunks", 1)))
        return real(l1, l2sq, N, **kw)

    monkeypatch.setattr(P, "n_eff_from_sums", spy)
    monkeypatch.setattr(E, "n_eff_from_sums", spy)
    src = make_model(tmp_path / "in", torch.float16, seed=26)
    rep = S.prune_safetensors(src, tmp_path / "out", stats=mode, progress=False)
    n_chunks = -(-rep["N"] // CHUNK) if mode == "core" else 1
    assert calls == [(rep["sum_a"], rep["sum_a2"], rep["N"], n_chunks)]


@pytest.mark.parametrize(
    ("dtype", "mode"), [(torch.float32, "core"), (torch.bfloat16, "exact")], ids=["f32", "bf16"]
)
def test_without_numba_the_streamer_still_matches_the_core(
    tmp_path, monkeypatch, dtype, mode, make_big_model, assert_matches_core
):
    # compiled kernels off: core and streamer use the NumPy chunks, torch.bincount, NumPy masks
    monkeypatch.setenv("EMP_THEORY_JIT", "0")
    src = make_big_model(tmp_path / "in", dtype, seed=24)
    rep = S.prune_safetensors(src, tmp_path / "out", beta=0.7, stats=mode, progress=False)
    assert_matches_core(src, tmp_path / "out", rep, 0.7)


def test_pieces_may_mix_compiled_and_fallback_kernels(
    tmp_path, monkeypatch, make_big_model, assert_matches_core
):
    # while numba loads in the background some pieces take torch.bincount and NumPy masks:
    # alternate the two piece by piece and the output must not change by a bit
    from emp_theory._kernels import jit

    if not jit.available():
        pytest.skip("numba is not installed")
    calls = iter(range(10**9))
    monkeypatch.setattr(jit, "ready", lambda: next(calls) % 2 == 0)
    src = make_big_model(tmp_path / "in", torch.bfloat16, seed=25)
    rep = S.prune_safetensors(src, tmp_path / "out", beta=0.8, progress=False)
    assert next(calls) > 10  # both kinds ran, many times
    assert_matches_core(src, tmp_path / "out", rep, 0.8)


def test_small_checkpoints_do_not_load_numba(tmp_path, monkeypatch, make_model):
    # loading numba (~0.5 s of CPU) pays only from JIT_MIN_BYTES of pruned tensors on
    from emp_theory._kernels import jit
    from emp_theory.streaming import driver

    started = []
    monkeypatch.setattr(jit, "start_loading", lambda: started.append(1))
    src = make_model(tmp_path / "in", torch.bfloat16, seed=26)
    S.prune_safetensors(src, tmp_path / "o1", progress=False)
    assert started == []
    monkeypatch.setattr(driver, "JIT_MIN_BYTES", 1)
    S.prune_safetensors(src, tmp_path / "o2", progress=False)
    assert started == [1]
