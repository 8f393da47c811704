"""Tests of the driver (emp_theory.streaming.driver): arguments, zero tensors, interrupted runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

from emp_theory import streaming as S  # noqa: E402
from emp_theory.effective import emp_mask  # noqa: E402
from emp_theory.streaming import writer as W  # noqa: E402


def test_zero_tensor_in_layer_scope_is_copied(tmp_path, load_dir):
    src = tmp_path / "in"
    src.mkdir()
    w = torch.randn(50, 40, dtype=torch.float32)
    st_torch.save_file({"a.weight": torch.zeros(30, 30), "b.weight": w}, str(src / "m.safetensors"))
    rep = S.prune_safetensors(src, tmp_path / "out", scope="layer", progress=False)
    rows = {r["name"]: r for r in rep["tensors"]}
    assert rows["a.weight"]["pruned"] is False and "all zeros" in rows["a.weight"]["note"]
    out = load_dir(tmp_path / "out")["m.safetensors"]
    assert torch.equal(out["a.weight"], torch.zeros(30, 30))
    assert torch.equal(out["b.weight"], torch.where(emp_mask(w), w, torch.zeros(())))
    with pytest.raises(ValueError, match="all zeros"):
        st_torch.save_file({"a.weight": torch.zeros(30, 30)}, str(src / "m.safetensors"))
        S.prune_safetensors(src, tmp_path / "out2", progress=False)


def test_importing_needs_no_torch():
    code = (
        "import sys, emp_theory.streaming; "
        "assert 'torch' not in sys.modules and 'safetensors' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_interrupted_write_leaves_nothing(tmp_path, monkeypatch, exc, make_model):
    src = make_model(tmp_path / "in", torch.bfloat16, seed=6)
    out = tmp_path / "out"
    real = W.write_masked
    calls = []

    def boom(*a, **k):
        calls.append(1)
        if len(calls) == 3:  # second shard, after the first shard was fully written
            raise exc("simulated interruption")
        return real(*a, **k)

    monkeypatch.setattr(W, "write_masked", boom)
    with pytest.raises(exc, match="simulated"):
        S.prune_safetensors(src, out, progress=False)
    assert not out.exists()  # nothing under the final name, no partial folder, no lock
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_interrupted_overwrite_keeps_previous_outputs(tmp_path, monkeypatch, make_model):
    src = make_model(tmp_path / "in", torch.float32, seed=7)
    out = tmp_path / "out"
    S.prune_safetensors(src, out, progress=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(W, "write_masked", lambda *a, **k: (_ for _ in ()).throw(OSError("x")))
    with pytest.raises(OSError):
        S.prune_safetensors(src, out, beta=0.5, overwrite=True, progress=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


def test_bad_inputs(tmp_path, make_model):
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
    for bad in ("", "a/b.json", "model-00001-of-00003.safetensors"):
        with pytest.raises(ValueError, match="`report_name`"):
            S.prune_safetensors(src, tmp_path / "o", report_name=bad, progress=False)
    with pytest.raises(TypeError, match="`include`"):
        S.prune_safetensors(src, tmp_path / "o", include="*", progress=False)
    with pytest.raises(ValueError, match="`criterion`"):
        S.prune_safetensors(src, tmp_path / "o", criterion="wanda", progress=False)
    S.prune_safetensors(src, tmp_path / "o", progress=False)
    with pytest.raises(ValueError, match="`out_dir` already holds"):
        S.prune_safetensors(src, tmp_path / "o", progress=False)
    only1d = tmp_path / "only1d"
    only1d.mkdir()
    st_torch.save_file({"b.weight": torch.ones(5)}, str(only1d / "a.safetensors"))
    with pytest.raises(ValueError, match="no prunable tensor"):
        S.prune_safetensors(only1d, tmp_path / "o2", progress=False)


def test_outputs_and_report_under_final_names_only(tmp_path, make_model):
    # the folder is published whole; an overwrite swaps it whole (no file of the old run)
    src = make_model(tmp_path / "in", torch.bfloat16, seed=27)
    (src / "config.json").write_text('{"a": 1}')
    out = tmp_path / "out"
    rep = S.prune_safetensors(src, out, progress=False, report_name="r.json")
    shards = sorted(p.name for p in src.glob("*.safetensors"))
    assert sorted(p.name for p in out.iterdir()) == sorted([*shards, "config.json", "r.json"])
    assert json.loads((out / "r.json").read_text()) == json.loads(json.dumps(rep))
    (out / "extra.txt").write_text("from the old run")
    rep2 = S.prune_safetensors(
        src, out, beta=0.5, overwrite=True, progress=False, report_name="r.json"
    )
    assert sorted(p.name for p in out.iterdir()) == sorted([*shards, "config.json", "r.json"])
    assert json.loads((out / "r.json").read_text())["k"] == rep2["k"] < rep["k"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    # a folder that holds no report is no output of ours: never replaced
    with pytest.raises(ValueError, match=r"holds no emp_report\.json"):
        S.prune_safetensors(src, out, overwrite=True, progress=False)
    assert (out / "r.json").is_file()
