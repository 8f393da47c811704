"""Tests of the checkpoint folder (emp_theory.streaming.folder): the index defines the shards,
untrusted names are refused, and the output is a complete checkpoint folder."""

from __future__ import annotations

import json
import os
import shutil

import pytest

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")
safetensors = pytest.importorskip("safetensors")

from emp_theory import streaming as S  # noqa: E402

INDEX = "model.safetensors.index.json"


def _one_line_error(cli_main_stream, capsys, src, out, needle):
    assert cli_main_stream([str(src), str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert needle in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_output_is_a_complete_checkpoint_folder(
    tmp_path, make_indexed_model, assert_matches_core, load_dir, header_order
):
    src = make_indexed_model(tmp_path / "in", torch.bfloat16, seed=51)
    out = tmp_path / "out"
    rep = S.prune_safetensors(src, out, progress=False)
    assert_matches_core(src, out, rep, 1.0)
    # the index and every other file byte for byte, sub-folders too
    others = [INDEX, "config.json", "tokenizer.json", "1_Pooling/config.json"]
    for f in others:
        assert (out / f).read_bytes() == (src / f).read_bytes(), f
    assert rep["index"] == INDEX and sorted(rep["copied"]) == sorted(others)
    assert rep["ignored"] == [] and rep["cleaned"] == []
    produced = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    shards = sorted(p.name for p in src.glob("*.safetensors"))
    assert produced == sorted([*shards, *others, S.REPORT_NAME])
    # loadable as a sharded checkpoint: every tensor of the index from its shard
    index = json.loads((out / INDEX).read_text())
    want = {k: v for d in load_dir(out).values() for k, v in d.items()}
    for name, shard in index["weight_map"].items():
        with safetensors.safe_open(str(out / shard), framework="pt") as f:
            assert torch.equal(f.get_tensor(name), want[name])
    listed = S.shard_tensors(src)
    assert [(r["shard"], r["name"]) for r in listed] == header_order(src)
    assert {r["name"] for r in listed} == set(index["weight_map"])
    assert index["metadata"]["total_size"] == sum(
        t.numel() * t.element_size() for t in want.values()
    )


def test_stray_files_are_ignored_and_reported(
    tmp_path, make_indexed_model, assert_matches_core, write_index
):
    src = make_indexed_model(tmp_path / "in", torch.float16, seed=52)
    clean = tmp_path / "clean"
    shutil.copytree(src, clean)
    # a stray shard with large weights would change the global N_eff if it joined
    g = torch.Generator().manual_seed(1)
    st_torch.save_file(
        {"stray.weight": torch.randn(300, 300, generator=g).half() * 50},
        str(src / "consolidated.safetensors"),
    )
    (src / "pytorch_model.bin").write_bytes(b"dense weights in another format")
    (src / "onnx").mkdir()
    (src / "onnx" / "model.onnx").write_bytes(b"onnx")
    (src / ".git" / "lfs").mkdir(parents=True)
    (src / ".git" / "lfs" / "blob").write_bytes(b"x")
    os.mkfifo(src / "pipe")  # never opened: reading it would block
    rep = S.prune_safetensors(src, tmp_path / "out", progress=False)
    ref = S.prune_safetensors(clean, tmp_path / "ref", progress=False)
    assert (rep["N"], rep["n_eff"], rep["k"]) == (ref["N"], ref["n_eff"], ref["k"])
    for p in clean.glob("*.safetensors"):
        assert (tmp_path / "out" / p.name).read_bytes() == (tmp_path / "ref" / p.name).read_bytes()
    assert "stray.weight" not in {r["name"] for r in S.shard_tensors(src)}
    assert "stray.weight" not in {r["name"] for r in rep["tensors"]}
    ignored = {f["path"]: f["why"] for f in rep["ignored"]}
    assert ignored["consolidated.safetensors"] == f"not listed in {INDEX}"
    assert "another format" in ignored["pytorch_model.bin"]
    assert "another format" in ignored["onnx/model.onnx"]
    assert ignored[".git/"] == "hidden folder" and ignored["pipe"] == "not a regular file"
    for f in ignored:
        assert not (tmp_path / "out" / f.rstrip("/")).exists(), f


def test_no_index_prunes_every_top_level_shard(tmp_path, make_model, assert_matches_core):
    src = make_model(tmp_path / "in", torch.float32, seed=53)
    (src / "sub").mkdir()
    shutil.copy(src / "model-00002-of-00003.safetensors", src / "sub" / "x.safetensors")
    rep = S.prune_safetensors(src, tmp_path / "out", progress=False)
    assert rep["index"] is None and rep["n_shards"] == 3
    assert rep["ignored"] == [{"path": "sub/x.safetensors", "why": "not a shard (in a sub-folder)"}]
    assert_matches_core(src, tmp_path / "out", rep, 1.0)


def _edit_index(src, fn):
    index = json.loads((src / INDEX).read_text())
    fn(index["weight_map"])
    (src / INDEX).write_text(json.dumps(index))


def test_missing_shard(tmp_path, make_indexed_model, cli_main_stream, capsys):
    src = make_indexed_model(tmp_path / "in", torch.bfloat16, seed=54)
    (src / "model-00002-of-00003.safetensors").unlink()
    with pytest.raises(ValueError, match=r"shard model-00002-of-00003\.safetensors listed in"):
        S.prune_safetensors(src, tmp_path / "out", progress=False)
    _one_line_error(cli_main_stream, capsys, src, tmp_path / "out", "is missing")


@pytest.mark.parametrize(
    "edit, needle",
    [
        (
            lambda wm: wm.update({"ghost.weight": "model-00001-of-00003.safetensors"}),
            "'ghost.weight' listed in",
        ),
        (
            lambda wm: wm.pop("layers.1.conv.weight"),
            "which model.safetensors.index.json does not list",
        ),
        (lambda wm: wm.clear(), "no non-empty 'weight_map'"),
    ],
    ids=["missing-tensor", "unlisted-tensor", "empty"],
)
def test_index_and_shards_must_agree(
    tmp_path, make_indexed_model, cli_main_stream, capsys, edit, needle
):
    src = make_indexed_model(tmp_path / "in", torch.bfloat16, seed=55)
    _edit_index(src, edit)
    _one_line_error(cli_main_stream, capsys, src, tmp_path / "out", needle)


def test_tensor_in_two_shards(tmp_path, make_indexed_model, write_index, cli_main_stream, capsys):
    src = make_indexed_model(tmp_path / "in", torch.bfloat16, seed=56)
    t = st_torch.load_file(str(src / "model-00003-of-00003.safetensors"))
    t["layers.1.conv.weight"] = torch.ones(7, 11, 3, dtype=torch.bfloat16)
    st_torch.save_file(t, str(src / "model-00003-of-00003.safetensors"))
    _one_line_error(
        cli_main_stream, capsys, src, tmp_path / "out",
        "tensor 'layers.1.conv.weight' is in both model-00002-of-00003.safetensors and "
        "model-00003-of-00003.safetensors",
    )  # fmt: skip


@pytest.mark.parametrize(
    "name",
    ["../outside.safetensors", "{abs}", "./model-00001-of-00003.safetensors", "a//b.safetensors",
     "sub/../../outside.safetensors", "model.bin", ""],
    ids=["dotdot", "absolute", "dot", "double-slash", "sub-dotdot", "not-safetensors", "empty"],
)  # fmt: skip
def test_index_names_that_leave_the_folder_are_refused(
    tmp_path, make_indexed_model, cli_main_stream, capsys, name
):
    src = make_indexed_model(tmp_path / "in", torch.bfloat16, seed=57)
    outside = tmp_path / "outside.safetensors"  # a valid file, so only the name is wrong
    shutil.copy(src / "model-00002-of-00003.safetensors", outside)
    name = name.format(abs=outside)

    def point(wm):
        for k, v in wm.items():
            if v == "model-00002-of-00003.safetensors":
                wm[k] = name

    _edit_index(src, point)
    _one_line_error(cli_main_stream, capsys, src, tmp_path / "out", "refused")


@pytest.mark.parametrize("indexed", [True, False], ids=["index", "no-index"])
def test_symlink_out_of_the_folder_is_refused(
    tmp_path, make_indexed_model, cli_main_stream, capsys, indexed
):
    src = make_indexed_model(tmp_path / "in", torch.bfloat16, seed=58)
    if not indexed:
        (src / INDEX).unlink()
    shard = src / "model-00002-of-00003.safetensors"
    outside = tmp_path / "elsewhere.safetensors"
    shard.rename(outside)
    shard.symlink_to(outside)
    _one_line_error(
        cli_main_stream, capsys, src, tmp_path / "out", "symbolic link out of the folder"
    )


def test_other_file_symlinked_out_is_refused(tmp_path, make_indexed_model, cli_main_stream, capsys):
    # copying it would put a file from elsewhere (a key, a password file) into the output
    src = make_indexed_model(tmp_path / "in", torch.bfloat16, seed=59)
    secret = tmp_path / "secret.txt"
    secret.write_text("not part of the model")
    (src / "tokenizer_config.json").symlink_to(secret)
    _one_line_error(
        cli_main_stream,
        capsys,
        src,
        tmp_path / "out",
        "tokenizer_config.json is a symbolic link out",
    )


def test_symlinks_inside_and_the_hf_cache_layout_are_followed(tmp_path, make_indexed_model):
    # <repo>/snapshots/<rev>/ holds links into <repo>/blobs/, as huggingface_hub writes them
    src = make_indexed_model(tmp_path / "build", torch.bfloat16, seed=60)
    repo = tmp_path / "models--org--toy"
    blobs, snap = repo / "blobs", repo / "snapshots" / "0123abc"
    blobs.mkdir(parents=True)
    snap.mkdir(parents=True)
    for p in sorted(src.rglob("*")):
        rel = p.relative_to(src)
        if p.is_dir():
            (snap / rel).mkdir()
            continue
        blob = blobs / f"blob{len(list(blobs.iterdir()))}"
        shutil.copy(p, blob)
        (snap / rel).symlink_to(os.path.relpath(blob, (snap / rel).parent))
    (snap / "config-alias.json").symlink_to("config.json")  # a link inside the folder
    rep = S.prune_safetensors(snap, tmp_path / "out", progress=False)
    ref = S.prune_safetensors(src, tmp_path / "ref", progress=False)
    assert rep["k"] == ref["k"] and rep["ignored"] == []
    for p in (tmp_path / "ref").rglob("*"):
        q = tmp_path / "out" / p.relative_to(tmp_path / "ref")
        if p.is_file() and p.name != S.REPORT_NAME:
            assert not q.is_symlink() and q.read_bytes() == p.read_bytes()
    assert (tmp_path / "out" / "config-alias.json").read_bytes() == (
        src / "config.json"
    ).read_bytes()


def test_bad_or_several_index_files(tmp_path, make_indexed_model, cli_main_stream, capsys):
    src = make_indexed_model(tmp_path / "in", torch.bfloat16, seed=61)
    fp16 = src / "model.fp16.safetensors.index.json"
    shutil.copy(src / INDEX, fp16)
    rep = S.prune_safetensors(
        src, tmp_path / "out", progress=False
    )  # model.safetensors.index.json wins
    assert rep["ignored"] == [
        {"path": fp16.name, "why": "another index (its shards are not pruned)"}
    ]
    (src / INDEX).unlink()
    fp16.rename(src / "a.safetensors.index.json")
    shutil.copy(src / "a.safetensors.index.json", src / "b.safetensors.index.json")
    _one_line_error(cli_main_stream, capsys, src, tmp_path / "o1", "several index files")
    (src / "b.safetensors.index.json").unlink()
    (src / "a.safetensors.index.json").write_text("{not json")
    _one_line_error(
        cli_main_stream, capsys, src, tmp_path / "o2", "cannot read a.safetensors.index.json"
    )


def test_out_dir_inside_or_around_in_dir_is_refused(tmp_path, make_model):
    src = make_model(tmp_path / "in", torch.bfloat16, seed=62)
    with pytest.raises(ValueError, match="must not lie inside"):
        S.prune_safetensors(src, src / "pruned", progress=False)
    with pytest.raises(ValueError, match="must not contain"):
        S.prune_safetensors(src, tmp_path, overwrite=True, progress=False)
    assert not (src / "pruned").exists()
