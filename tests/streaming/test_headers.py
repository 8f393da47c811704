"""Tests of emp_theory.streaming.headers: shard listing, the global order, corrupt files."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

from emp_theory import streaming as S  # noqa: E402
from emp_theory.streaming import headers as H  # noqa: E402
from emp_theory.streaming.rule import PruneRule  # noqa: E402


def default_pruned(name, t):
    """The documented default rule (floating *.weight with ndim >= 2, not embedding-like)."""
    dense = ("embed", "norm", "lm_head")
    return (
        t.is_floating_point()
        and t.ndim >= 2
        and name.endswith(".weight")
        and not any(d in name for d in dense)
    )


def test_order_and_layout_preserved(tmp_path, header_order, load_dir, make_model):
    src = make_model(tmp_path / "in", torch.float16, seed=5)
    listed = S.shard_tensors(src)
    assert [(r["shard"], r["name"]) for r in listed] == header_order(src)
    ins = load_dir(src)
    assert [r["pruned"] for r in listed] == [
        default_pruned(r["name"], ins[r["shard"]][r["name"]]) for r in listed
    ]
    assert all(r["reason"] for r in listed)
    S.prune_safetensors(src, tmp_path / "out", progress=False)
    for p in sorted(src.glob("*.safetensors")):
        a = p.read_bytes()
        b = (tmp_path / "out" / p.name).read_bytes()
        n = int.from_bytes(a[:8], "little")
        assert len(a) == len(b) and a[: 8 + n] == b[: 8 + n]  # header and metadata verbatim


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "short", "bad-json", "size-mismatch"],
)
def test_corrupt_files(tmp_path, damage, make_model):
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
        hdr["layers.1.conv.weight"]["shape"] = [7, 11, 4]
        h = json.dumps(hdr).encode()
        p.write_bytes(len(h).to_bytes(8, "little") + h + data[8 + n :])
    with pytest.raises(ValueError, match=r"`in_dir`: model-00002-of-00003.safetensors is not a"):
        S.prune_safetensors(src, tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def _file(path, header, data: bytes = b"") -> None:
    h = json.dumps(header).encode() if not isinstance(header, bytes) else header
    path.write_bytes(len(h).to_bytes(8, "little") + h + data)


@pytest.mark.parametrize(
    "header, data, why",
    [
        ([1, 2], b"", "not a JSON object"),
        ({"w": {"dtype": "F32", "shape": [2]}}, b"\0" * 8, "bad entry"),
        ({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, "bad shape"),
        (
            {
                "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]},
            },
            b"\0" * 12,
            "not contiguous",
        ),
        ({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 8, "data section"),
        (b"\xff\xfe{}", b"", "not JSON"),
    ],
    ids=["list", "no-offsets", "negative-shape", "gap", "trailing-bytes", "not-utf8"],
)
def test_read_shard_rejects_malformed_headers(tmp_path, header, data, why):
    p = tmp_path / "x.safetensors"
    _file(p, header, data)
    with pytest.raises(ValueError, match=f"x.safetensors is not a valid .safetensors file.*{why}"):
        H.read_shard(p)


def test_read_shard_keeps_header_bytes_and_sorts_by_offset(tmp_path):
    hdr = {
        "__metadata__": {"format": "pt"},
        "b.weight": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [4, 12]},
        "a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
        "c.weight": {"dtype": "F8_E8M0", "shape": [3, 1], "data_offsets": [12, 15]},
        "d.weight": {"dtype": "F4", "shape": [2, 3], "data_offsets": [15, 18]},  # packed
    }
    p = tmp_path / "m.safetensors"
    _file(p, hdr, bytes(range(18)))
    sh = H.read_shard(p)
    assert [t.name for t in sh.tensors] == ["a", "b.weight", "c.weight", "d.weight"]
    assert sh.header == p.read_bytes()[: sh.data_start]
    # defined but not prunable dtypes are copied; the BF16 matrix is pruned
    rule = PruneRule(include_1d=True)
    assert [rule(t) for t in sh.tensors] == [False, True, False, False]
    with pytest.raises(ValueError, match="is not a directory"):
        S.shard_tensors(p)


@pytest.mark.parametrize("dtype", ["XYZ", "f32", "", 7, None])
def test_unknown_dtype_is_rejected(tmp_path, dtype, cli_main_stream, capsys):
    # a dtype the safetensors format does not define: the file is corrupt, not copied
    src = tmp_path / "in"
    src.mkdir()
    _file(
        src / "m.safetensors",
        {
            "a.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
            "b.weight": {"dtype": dtype, "shape": [4], "data_offsets": [16, 32]},
        },
        bytes(32),
    )
    with pytest.raises(
        ValueError, match=r"m\.safetensors is not a valid \.safetensors file.*dtype"
    ):
        S.prune_safetensors(src, tmp_path / "out", progress=False)
    assert cli_main_stream([str(src), str(tmp_path / "out"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "does not define" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_non_integer_shape_is_rejected(tmp_path):
    p = tmp_path / "x.safetensors"
    _file(p, {"w": {"dtype": "U8", "shape": [2.5], "data_offsets": [0, 2]}}, b"\0\0")
    with pytest.raises(ValueError, match="bad entry"):
        H.read_shard(p)
