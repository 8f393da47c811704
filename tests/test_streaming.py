"""Tests of emp_theory.streaming: streamed EMP over sharded .safetensors files.

Reference values come from a second algorithm: the in-memory core
(:func:`emp_theory.effective.emp_mask`, selection by ``np.partition``) applied to
the concatenation of the pruned tensors, which the tests assemble themselves from
an independent reading of the safetensors headers (8-byte little-endian length,
JSON; order: shards by file name, tensors by data offset, entries row-major).
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

from emp_theory import cli  # noqa: E402
from emp_theory import streaming as S  # noqa: E402
from emp_theory._kernels import CHUNK as _CHUNK  # noqa: E402
from emp_theory._kernels import stats as _stats  # noqa: E402
from emp_theory.effective import (  # noqa: E402
    emp_mask,
    emp_summary,
    topk_mask,
)

INT_VIEW = {
    torch.float64: torch.int64,
    torch.float32: torch.int32,
    torch.float16: torch.int16,
    torch.bfloat16: torch.int16,
    torch.float8_e4m3fn: torch.uint8,
    torch.float8_e5m2: torch.uint8,
}


# ---------------------------------------------------------------------------
# Helpers (independent of the module under test)
# ---------------------------------------------------------------------------
def header_order(d: Path) -> list[tuple[str, str]]:
    """(shard, tensor) in the documented global order, read from the raw headers."""
    out = []
    for p in sorted(d.glob("*.safetensors"), key=lambda p: p.name):
        with open(p, "rb") as fh:
            n = int.from_bytes(fh.read(8), "little")
            hdr = json.loads(fh.read(n))
        hdr.pop("__metadata__", None)
        names = sorted(hdr, key=lambda k: hdr[k]["data_offsets"][0])
        out += [(p.name, k) for k in names]
    return out


def load_dir(d: Path) -> dict[str, dict[str, torch.Tensor]]:
    return {p.name: st_torch.load_file(str(p)) for p in sorted(d.glob("*.safetensors"))}


def bits(t: torch.Tensor) -> torch.Tensor:
    """Bit patterns, so that +0.0 and -0.0 differ."""
    return t.contiguous().view(INT_VIEW[t.dtype])


def pruned_keys(tensors, order, include_1d=False):
    return [
        (f, k)
        for f, k in order
        if tensors[f][k].is_floating_point()
        and tensors[f][k].numel() > 0
        and (tensors[f][k].ndim >= 2 or (include_1d and tensors[f][k].ndim == 1))
    ]


def make_model(d: Path, dtype, seed: int = 0, quantized: bool = False) -> Path:
    """Three shards, several tensors, > 2 statistics chunks of pruned entries in total.

    Tensor sizes are chosen so that tensors straddle the core's 2**20-entry chunks.
    """
    g = torch.Generator().manual_seed(seed)

    def w(*shape, s=1.0):
        if quantized:  # few distinct magnitudes: heavy ties at the threshold
            x = torch.randint(-4, 5, shape, generator=g).double() * 0.25 * s
        else:
            x = torch.randn(*shape, generator=g, dtype=torch.float64) * s
        return x.to(dtype)

    d.mkdir(parents=True, exist_ok=True)
    st_torch.save_file(
        {
            "layers.0.w": w(700, 901),
            "layers.0.b": w(901),
            "layers.0.norm": w(901, s=0.1) + 1,
            "step": torch.tensor([7, 8, 9], dtype=torch.int64),
        },
        str(d / "model-00001-of-00003.safetensors"),
        metadata={"format": "pt"},
    )
    st_torch.save_file(
        {"layers.1.w": w(1000, 1033, s=3.0), "layers.1.small": w(7, 11, 3, s=0.01)},
        str(d / "model-00002-of-00003.safetensors"),
    )
    st_torch.save_file(
        {"head.w": w(400, 1500, s=0.5), "head.b": w(400)},
        str(d / "model-00003-of-00003.safetensors"),
    )
    return d


def expected_global(tensors, keys, beta):
    cat = torch.cat([tensors[f][k].reshape(-1).double() for f, k in keys])
    mask = emp_mask(cat, beta)
    return cat, mask


# ---------------------------------------------------------------------------
# Exact agreement with the in-memory core
# ---------------------------------------------------------------------------
DTYPES = [torch.float32, torch.float16, torch.bfloat16]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("quantized", [False, True], ids=["gauss", "ties"])
@pytest.mark.parametrize("beta", [1.0, 0.7])
def test_global_matches_core(tmp_path, dtype, quantized, beta):
    src = make_model(tmp_path / "in", dtype, seed=1, quantized=quantized)
    rep = S.prune_safetensors(src, tmp_path / "out", beta=beta, progress=False)
    order = header_order(src)
    ins, outs = load_dir(src), load_dir(tmp_path / "out")
    keys = pruned_keys(ins, order)
    cat, mask = expected_global(ins, keys, beta)
    assert cat.numel() > 2 * _CHUNK
    summ = emp_summary(cat, beta)
    assert (rep["N"], rep["n_eff"], rep["k"]) == (summ.N, summ.n_eff, summ.k)
    assert rep["kept"] == summ.k == int(mask.sum())
    st = _stats(cat)
    assert (rep["max_abs"], rep["sum_a"], rep["sum_a2"]) == (st.scale, st.l1, st.l2sq)
    # threshold = nu-th largest magnitude, from a full sort
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
def test_layer_matches_core(tmp_path, dtype, quantized):
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
def test_other_and_mixed_dtypes(tmp_path, dtypes):
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


def test_include_1d_prunes_vectors_too(tmp_path):
    src = make_model(tmp_path / "in", torch.bfloat16, seed=4)
    rep = S.prune_safetensors(src, tmp_path / "out", include_1d=True, progress=False)
    ins, outs = load_dir(src), load_dir(tmp_path / "out")
    keys = pruned_keys(ins, header_order(src), include_1d=True)
    assert any(ins[f][k].ndim == 1 for f, k in keys)
    cat, mask = expected_global(ins, keys, 1.0)
    assert rep["k"] == emp_summary(cat).k
    got = torch.cat([outs[f][k].reshape(-1).double() for f, k in keys])
    assert torch.equal(got, torch.where(mask, cat, torch.zeros((), dtype=cat.dtype)))
    # the int64 tensor is never pruned
    f0 = "model-00001-of-00003.safetensors"
    assert torch.equal(outs[f0]["step"], ins[f0]["step"])


def test_order_and_layout_preserved(tmp_path):
    src = make_model(tmp_path / "in", torch.float16, seed=5)
    listed = S.shard_tensors(src)
    assert [(r["shard"], r["name"]) for r in listed] == header_order(src)
    assert [r["pruned"] for r in listed] == [
        r["dtype"] == "F16" and len(r["shape"]) >= 2 for r in listed
    ]
    S.prune_safetensors(src, tmp_path / "out", progress=False)
    for p in sorted(src.glob("*.safetensors")):
        a = p.read_bytes()
        b = (tmp_path / "out" / p.name).read_bytes()
        n = int.from_bytes(a[:8], "little")
        assert len(a) == len(b) and a[: 8 + n] == b[: 8 + n]  # header and metadata verbatim


def test_zero_tensor_in_layer_scope_is_copied(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    w = torch.randn(50, 40, dtype=torch.float32)
    st_torch.save_file({"a": torch.zeros(30, 30), "b": w}, str(src / "m.safetensors"))
    rep = S.prune_safetensors(src, tmp_path / "out", scope="layer", progress=False)
    rows = {r["name"]: r for r in rep["tensors"]}
    assert rows["a"]["pruned"] is False and "all zeros" in rows["a"]["note"]
    out = load_dir(tmp_path / "out")["m.safetensors"]
    assert torch.equal(out["a"], torch.zeros(30, 30))
    assert torch.equal(out["b"], torch.where(emp_mask(w), w, torch.zeros(())))
    with pytest.raises(ValueError, match="all zeros"):
        st_torch.save_file({"a": torch.zeros(30, 30)}, str(src / "m.safetensors"))
        S.prune_safetensors(src, tmp_path / "out2", progress=False)


def test_importing_needs_no_torch():
    code = (
        "import sys, emp_theory.streaming; "
        "assert 'torch' not in sys.modules and 'safetensors' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------
# Interrupted runs leave no partial output
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_interrupted_write_leaves_nothing(tmp_path, monkeypatch, exc):
    src = make_model(tmp_path / "in", torch.bfloat16, seed=6)
    out = tmp_path / "out"
    real = S._write_masked
    calls = []

    def boom(*a, **k):
        calls.append(1)
        if len(calls) == 3:  # second shard, after the first shard was fully written
            raise exc("simulated interruption")
        return real(*a, **k)

    monkeypatch.setattr(S, "_write_masked", boom)
    with pytest.raises(exc, match="simulated"):
        S.prune_safetensors(src, out, progress=False)
    assert sorted(p.name for p in out.iterdir()) == []


def test_interrupted_overwrite_keeps_previous_outputs(tmp_path, monkeypatch):
    src = make_model(tmp_path / "in", torch.float32, seed=7)
    out = tmp_path / "out"
    S.prune_safetensors(src, out, progress=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(S, "_write_masked", lambda *a, **k: (_ for _ in ()).throw(OSError("x")))
    with pytest.raises(OSError):
        S.prune_safetensors(src, out, beta=0.5, overwrite=True, progress=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# ---------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------
def test_bad_inputs(tmp_path):
    src = make_model(tmp_path / "in", torch.float16, seed=8)
    with pytest.raises(ValueError, match="`in_dir` does not exist"):
        S.prune_safetensors(tmp_path / "nope", tmp_path / "o", progress=False)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "x.bin").write_bytes(b"123")
    with pytest.raises(ValueError, match=r"no \.safetensors"):
        S.prune_safetensors(tmp_path / "empty", tmp_path / "o", progress=False)
    with pytest.raises(ValueError, match="`out_dir` must differ"):
        S.prune_safetensors(src, src, progress=False)
    with pytest.raises(ValueError, match="`beta`"):
        S.prune_safetensors(src, tmp_path / "o", beta=0.0, progress=False)
    with pytest.raises(TypeError, match="`beta`"):
        S.prune_safetensors(src, tmp_path / "o", beta="1", progress=False)
    with pytest.raises(ValueError, match="`scope`"):
        S.prune_safetensors(src, tmp_path / "o", scope="row", progress=False)
    with pytest.raises(ValueError, match="`criterion`"):
        S.prune_safetensors(src, tmp_path / "o", criterion="wanda", progress=False)
    S.prune_safetensors(src, tmp_path / "o", progress=False)
    with pytest.raises(ValueError, match="`out_dir` already holds"):
        S.prune_safetensors(src, tmp_path / "o", progress=False)
    only1d = tmp_path / "only1d"
    only1d.mkdir()
    st_torch.save_file({"b": torch.ones(5)}, str(only1d / "a.safetensors"))
    with pytest.raises(ValueError, match="no prunable tensor"):
        S.prune_safetensors(only1d, tmp_path / "o2", progress=False)


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "short", "bad-json", "size-mismatch"],
)
def test_corrupt_files(tmp_path, damage):
    src = make_model(tmp_path / "in", torch.bfloat16, seed=9)
    p = src / "model-00002-of-00003.safetensors"
    data = p.read_bytes()
    n = int.from_bytes(data[:8], "little")
    if damage == "garbage":
        p.write_bytes(b"\xff" * 64)
    elif damage == "truncated":
        p.write_bytes(data[:-100])
    elif damage == "short":
        p.write_bytes(data[:5])
    elif damage == "bad-json":
        p.write_bytes(data[:8] + b"{" * n + data[8 + n :])
    else:
        hdr = json.loads(data[8 : 8 + n])
        hdr["layers.1.small"]["shape"] = [7, 11, 4]
        h = json.dumps(hdr).encode()
        p.write_bytes(len(h).to_bytes(8, "little") + h + data[8 + n :])
    with pytest.raises(ValueError, match=r"`in_dir`: model-00002-of-00003.safetensors is not a"):
        S.prune_safetensors(src, tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_weights(tmp_path, bad):
    src = tmp_path / "in"
    src.mkdir()
    w = torch.randn(20, 30, dtype=torch.float32).to(torch.bfloat16)
    w[3, 4] = bad
    st_torch.save_file({"w": w}, str(src / "a.safetensors"))
    with pytest.raises(ValueError, match="NaN or inf"):
        S.prune_safetensors(src, tmp_path / "out", progress=False)


# ---------------------------------------------------------------------------
# Command line (through emp_theory.cli.main with the extension registered)
# ---------------------------------------------------------------------------
@pytest.fixture
def cli_main():
    return cli.main


def test_cli_runs_and_reports(tmp_path, cli_main, capsys):
    src = make_model(tmp_path / "in", torch.bfloat16, seed=10)
    out = tmp_path / "out"
    argv = ["prune-safetensors", str(src), str(out), "--scope", "global", "--beta", "1"]
    assert cli_main([*argv, "--criterion", "magnitude", "--no-progress", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    on_disk = json.loads((out / S.REPORT_NAME).read_text())
    assert rep["k"] == on_disk["k"]
    ins = load_dir(src)
    cat, _ = expected_global(ins, pruned_keys(ins, header_order(src)), 1.0)
    assert rep["n_eff"] == emp_summary(cat).n_eff


@pytest.mark.parametrize(
    "args, needle",
    [
        (["{tmp}/missing", "{tmp}/out"], "`in_dir` does not exist"),
        (["{tmp}/in", "{tmp}/in"], "`out_dir` must differ"),
        (["{tmp}/plain", "{tmp}/out"], "no .safetensors"),
        (["{tmp}/bad", "{tmp}/out"], "is not a valid .safetensors file"),
    ],
)
def test_cli_errors_are_one_line_exit_2(tmp_path, cli_main, capsys, args, needle):
    make_model(tmp_path / "in", torch.float16, seed=11)
    (tmp_path / "plain").mkdir()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{{{{")
    argv = ["prune-safetensors", *(a.format(tmp=tmp_path) for a in args), "--no-progress"]
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_rejects_bad_beta(cli_main, capsys):
    with pytest.raises(SystemExit) as ei:
        cli_main(["prune-safetensors", "a", "b", "--beta", "-1"])
    assert ei.value.code == 2
    assert "finite number > 0" in capsys.readouterr().err


def test_progress_bar_counts_all_passes(tmp_path, capsys):
    src = make_model(tmp_path / "in", torch.float32, seed=12)
    rep = S.prune_safetensors(src, tmp_path / "out", progress=True)
    err = capsys.readouterr().err
    assert "emp" in err
    assert rep["passes"] == 4  # max/histogram, statistics, one refinement, write
    assert np.isclose(
        rep["timing"]["total_s"], rep["timing"]["analysis_s"] + rep["timing"]["write_s"]
    )


# ---------------------------------------------------------------------------
# stats="exact": N_eff in exact integer arithmetic from the magnitude histogram
# ---------------------------------------------------------------------------
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
def test_exact_stats_is_exact(tmp_path, dtype, scope):
    g = torch.Generator().manual_seed(13)
    src = tmp_path / "in"
    src.mkdir()
    st_torch.save_file(
        {"a.w": (torch.randn(40, 50, generator=g) * 3).to(dtype), "a.b": torch.ones(50)},
        str(src / "m1.safetensors"),
    )
    st_torch.save_file(
        {"b.w": (torch.randn(30, 70, generator=g) * 0.2).to(dtype)}, str(src / "m2.safetensors")
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
        nu = min(max(math.floor(beta * n), 1), cat.numel())
        mask = topk_mask(cat, nu)  # the core's selection, ties lowest index first
        if scope == "global":
            m = Fraction(float(cat.abs().max()))
            assert (rep["n_eff"], rep["k"], rep["stats"]) == (n, nu, "exact")
            assert rep["sum_a"] == float(s1 / m) and rep["sum_a2"] == float(s2 / (m * m))
            assert rep["passes"] == 2  # histogram + write
        else:
            r = rows[grp[0]]
            assert (r["n_eff"], r["k"], r["stats"]) == (n, nu, "exact")
        got = torch.cat([outs[f][k].reshape(-1).double() for f, k in grp])
        assert torch.equal(got, torch.where(mask, cat, torch.zeros((), dtype=cat.dtype)))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=str)
def test_exact_stats_agrees_with_core_on_larger_model(tmp_path, dtype):
    src = make_model(tmp_path / "in", dtype, seed=14)
    rep = S.prune_safetensors(src, tmp_path / "out", stats="exact", progress=False)
    ins, outs = load_dir(src), load_dir(tmp_path / "out")
    keys = pruned_keys(ins, header_order(src))
    cat, mask = expected_global(ins, keys, 1.0)
    summ = emp_summary(cat)
    assert (rep["N"], rep["n_eff"], rep["k"]) == (summ.N, summ.n_eff, summ.k)
    got = torch.cat([outs[f][k].reshape(-1).double() for f, k in keys])
    assert torch.equal(got, torch.where(mask, cat, torch.zeros((), dtype=cat.dtype)))


def test_exact_stats_falls_back_to_core_for_wide_floats(tmp_path):
    src = make_model(tmp_path / "in", torch.float32, seed=15)
    rep = S.prune_safetensors(src, tmp_path / "out", stats="exact", progress=False)
    ins = load_dir(src)
    cat, _ = expected_global(ins, pruned_keys(ins, header_order(src)), 1.0)
    st = _stats(cat)
    assert rep["stats"] == "core" and rep["passes"] == 4
    assert (rep["sum_a"], rep["sum_a2"]) == (st.l1, st.l2sq)
    with pytest.raises(ValueError, match="`stats`"):
        S.prune_safetensors(src, tmp_path / "o2", stats="fast", progress=False)


# ---------------------------------------------------------------------------
# Parallel passes and the output writer
# ---------------------------------------------------------------------------
def make_big_model(d: Path, dtype, seed: int = 0) -> Path:
    """Two shards, ~8.4e6 pruned entries: several whole 2**20-entry chunks per tensor
    (reduced on the thread pool), chunks straddling tensors and the shard boundary,
    and output shards larger than one 8 MiB writer block."""
    g = torch.Generator().manual_seed(seed)

    def w(*shape, s=1.0):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * s).to(dtype)

    d.mkdir(parents=True, exist_ok=True)
    st_torch.save_file(
        {"a.w": w(1500, 2100), "a.b": w(2100), "b.w": w(1000, 1001, s=2.0)},
        str(d / "m-1.safetensors"),
    )
    st_torch.save_file({"c.w": w(2500, 1700, s=0.3)}, str(d / "m-2.safetensors"))
    return d


def assert_matches_core(src: Path, out: Path, rep: dict, beta: float) -> None:
    ins, outs = load_dir(src), load_dir(out)
    keys = pruned_keys(ins, header_order(src))
    cat, mask = expected_global(ins, keys, beta)
    st = _stats(cat)
    assert (rep["max_abs"], rep["sum_a"], rep["sum_a2"]) == (st.scale, st.l1, st.l2sq)
    assert rep["kept"] == int(mask.sum())
    got = torch.cat([bits(outs[f][k]).reshape(-1) for f, k in keys])
    exp = torch.cat(
        [
            bits(torch.where(m, ins[f][k].reshape(-1), torch.zeros((), dtype=ins[f][k].dtype)))
            for (f, k), m in zip(
                keys, torch.split(mask, [ins[f][k].numel() for f, k in keys]), strict=True
            )
        ]
    )
    assert torch.equal(got, exp)
    for p in src.glob("*.safetensors"):  # same layout and length, header verbatim
        a, b = p.read_bytes(), (out / p.name).read_bytes()
        n = 8 + int.from_bytes(a[:8], "little")
        assert len(a) == len(b) and a[:n] == b[:n]


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32], ids=str)
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_parallel_passes_match_core(tmp_path, monkeypatch, dtype, workers):
    # the number of pool blocks must not change a bit of the sums or of the masks
    monkeypatch.setattr(S, "_n_workers", lambda: workers)
    src = make_big_model(tmp_path / "in", dtype, seed=21)
    rep = S.prune_safetensors(src, tmp_path / "out", beta=0.9, progress=False)
    assert rep["N"] > 8 * _CHUNK
    assert max(p.stat().st_size for p in (tmp_path / "out").glob("*.safetensors")) > S._SINK_BLOCK
    assert_matches_core(src, tmp_path / "out", rep, 0.9)


def test_buffered_writer_gives_the_same_bytes(tmp_path, monkeypatch):
    src = make_big_model(tmp_path / "in", torch.bfloat16, seed=22)
    S.prune_safetensors(src, tmp_path / "direct", progress=False)
    monkeypatch.setattr(S, "_DIRECT", False)
    S.prune_safetensors(src, tmp_path / "buffered", progress=False)
    for p in (tmp_path / "direct").glob("*.safetensors"):
        assert p.read_bytes() == (tmp_path / "buffered" / p.name).read_bytes()


def test_writer_falls_back_when_direct_io_is_refused(tmp_path, monkeypatch):
    # a file system that accepts O_DIRECT at open() but refuses the first write (EINVAL)
    if not hasattr(S.os, "O_DIRECT"):
        pytest.skip("no O_DIRECT on this OS: the writer is always buffered")
    src = make_big_model(tmp_path / "in", torch.float16, seed=23)
    real = S.os.write
    refused = []

    def write(fd, data):
        import fcntl

        if fcntl.fcntl(fd, fcntl.F_GETFL) & S.os.O_DIRECT:
            refused.append(fd)
            raise OSError(S.errno.EINVAL, "Invalid argument")
        return real(fd, data)

    monkeypatch.setattr(S.os, "write", write)
    rep = S.prune_safetensors(src, tmp_path / "out", progress=False)
    assert refused  # the direct path was tried, then left
    assert_matches_core(src, tmp_path / "out", rep, 1.0)


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 3 * (8 << 20) + 5, 4 * (8 << 20)])
def test_sink_writes_exact_bytes(tmp_path, size):
    # block boundaries, the rotation of the buffers and the padded, truncated tail
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8)
    p = tmp_path / "f.bin"
    with S._Sink(p) as sink:
        cut = [0, size // 3, min(size // 3 + 7, size), size]
        for a, b in itertools.pairwise(cut):
            sink.write(data[a:b])
    assert p.read_bytes() == data.tobytes()


def test_sink_raises_write_errors(tmp_path, monkeypatch):
    def fail(fd, data):
        raise OSError(S.errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(S.os, "write", fail)
    with pytest.raises(OSError, match="No space"):
        with S._Sink(tmp_path / "f.bin") as sink:
            sink.write(np.zeros(3 * S._SINK_BLOCK, dtype=np.uint8))
            sink.close()
    assert sink.fd is None  # closed on the error path
    late = S._Sink(tmp_path / "g.bin")  # the error surfaces only at close()
    late.write(np.zeros(10, dtype=np.uint8))
    with pytest.raises(OSError, match="No space"):
        late.close()
    assert late.fd is None


def test_unaligned_header_is_written_correctly(tmp_path):
    # a valid file whose data section starts at an odd offset: values are then
    # masked through the scratch array instead of in the writer's buffer
    src = tmp_path / "in"
    src.mkdir()
    w = torch.randn(300, 70, generator=torch.Generator().manual_seed(24)).to(torch.float32)
    hdr = json.dumps(
        {"w": {"dtype": "F32", "shape": [300, 70], "data_offsets": [0, w.numel() * 4]}}
    ).encode()
    hdr += b" " * (1 + len(hdr) % 2)  # odd length
    assert len(hdr) % 2 == 1
    (src / "odd.safetensors").write_bytes(
        len(hdr).to_bytes(8, "little") + hdr + w.numpy().tobytes()
    )
    rep = S.prune_safetensors(src, tmp_path / "out", progress=False)
    got = np.frombuffer((tmp_path / "out" / "odd.safetensors").read_bytes()[8 + len(hdr) :], "<f4")
    mask = emp_mask(w.reshape(-1).double(), 1.0).numpy()
    assert rep["kept"] == int(mask.sum())
    assert np.array_equal(got, np.where(mask, w.reshape(-1).numpy(), np.float32(0)))


# ---------------------------------------------------------------------------
# magnitude_histogram
# ---------------------------------------------------------------------------
class TestMagnitudeHistogram:
    @pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16, torch.float8_e4m3fn], ids=str)
    def test_equals_unique_counts(self, tmp_path, dtype):
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

    def test_rejects_wide_or_mixed_floats(self, tmp_path):
        src = make_model(tmp_path / "in", torch.float32, seed=32)
        with pytest.raises(ValueError, match="8- or 16-bit"):
            S.magnitude_histogram(src)
        with pytest.raises(ValueError, match="`in_dir`"):
            S.magnitude_histogram(tmp_path / "missing")


# ---------------------------------------------------------------------------
# Figures (emp_theory.viz.stream_figs)
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("figs")
    src = make_model(d / "in", torch.bfloat16, seed=41)
    hist = S.magnitude_histogram(src)
    rep_g = S.prune_safetensors(src, d / "g", progress=False)
    rep_l = S.prune_safetensors(src, d / "l", scope="layer", progress=False)
    ins = load_dir(src)
    cat = torch.cat(
        [ins[f][k].reshape(-1).double() for f, k in pruned_keys(ins, header_order(src))]
    )
    return hist, rep_g, rep_l, cat


class TestStreamFigures:
    def test_kept_fraction_curves(self, run):
        pytest.importorskip("plotly")
        from emp_theory.viz.stream_figs import kept_fraction_figure

        hist, rep, _, cat = run
        fig = kept_fraction_figure(hist, rep)
        k, m, cut = fig.data
        a = cat.abs()
        for i in (0, len(k.x) // 3, len(k.x) - 1):  # straight from the weights
            t = k.x[i]
            assert np.isclose(k.y[i], 100.0 * float((a >= t).double().mean()), rtol=1e-12)
            assert np.isclose(
                m.y[i], 100.0 * float(a[a >= t].sum() / a.sum()), rtol=1e-9, atol=1e-12
            )
        assert cut.x[0] == rep["threshold"] and np.isclose(cut.y[0], 100 * rep["k"] / rep["N"])
        # the cut lies on the K(t) curve up to the ties kept at the threshold
        j = int(np.flatnonzero(np.asarray(k.x) == rep["threshold"])[0])
        assert k.y[j] >= cut.y[0] and (j + 1 == len(k.x) or k.y[j + 1] < cut.y[0])

    def test_tensor_sparsity_bars(self, run):
        pytest.importorskip("plotly")
        from emp_theory.viz.stream_figs import tensor_sparsity_figure

        _, rep_g, rep_l, _ = run
        fig = tensor_sparsity_figure({"global": rep_g, "layer": rep_l})
        for bar, rep in zip(fig.data, (rep_g, rep_l), strict=True):
            rows = [r for r in rep["tensors"] if r["pruned"]]
            assert list(bar.x) == [r["name"] for r in rows]
            assert np.allclose(bar.y, [100 * (1 - r["kept"] / r["N"]) for r in rows])

    def test_bad_inputs(self, run):
        pytest.importorskip("plotly")
        from emp_theory.viz.stream_figs import kept_fraction_figure, tensor_sparsity_figure

        hist, rep_g, rep_l, _ = run
        with pytest.raises(ValueError, match="`hist`"):
            kept_fraction_figure({"values": [1.0]}, rep_g)
        with pytest.raises(ValueError, match="`report`"):
            kept_fraction_figure(hist, rep_l)
        with pytest.raises(ValueError, match="`report`"):
            kept_fraction_figure(hist, {**rep_g, "N": rep_g["N"] + 1})
        with pytest.raises(ValueError, match="`reports`"):
            tensor_sparsity_figure({})
