"""Tests of the write pass and the output writer (emp_theory.streaming.writer)."""

from __future__ import annotations

import errno
import itertools
import json
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

from emp_theory import streaming as S  # noqa: E402
from emp_theory.effective import emp_mask  # noqa: E402
from emp_theory.streaming import writer as W  # noqa: E402


def test_buffered_writer_gives_the_same_bytes(tmp_path, monkeypatch, make_big_model):
    src = make_big_model(tmp_path / "in", torch.bfloat16, seed=22)
    S.prune_safetensors(src, tmp_path / "direct", progress=False)
    monkeypatch.setattr(W, "DIRECT_IO", False)
    S.prune_safetensors(src, tmp_path / "buffered", progress=False)
    for p in (tmp_path / "direct").glob("*.safetensors"):
        assert p.read_bytes() == (tmp_path / "buffered" / p.name).read_bytes()


def test_writer_falls_back_when_direct_io_is_refused(
    tmp_path, monkeypatch, make_big_model, assert_matches_core
):
    # a file system that accepts O_DIRECT at open() but refuses the first write (EINVAL)
    if not hasattr(os, "O_DIRECT"):
        pytest.skip("no O_DIRECT on this OS: the writer is always buffered")
    src = make_big_model(tmp_path / "in", torch.float16, seed=23)
    real = os.write
    refused = []

    def write(fd, data):
        import fcntl

        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT:
            refused.append(fd)
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(fd, data)

    monkeypatch.setattr(W.os, "write", write)
    rep = S.prune_safetensors(src, tmp_path / "out", progress=False)
    assert refused  # the direct path was tried, then left
    assert_matches_core(src, tmp_path / "out", rep, 1.0)


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 3 * (8 << 20) + 5, 4 * (8 << 20)])
def test_sink_writes_exact_bytes(tmp_path, size):
    # block boundaries, the rotation of the buffers and the padded, truncated tail
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8)
    p = tmp_path / "f.bin"
    with W.Sink(p) as sink:
        cut = [0, size // 3, min(size // 3 + 7, size), size]
        for a, b in itertools.pairwise(cut):
            sink.write(data[a:b])
    assert p.read_bytes() == data.tobytes()


def test_sink_raises_write_errors(tmp_path, monkeypatch):
    def fail(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(W.os, "write", fail)
    with pytest.raises(OSError, match="No space"):
        with W.Sink(tmp_path / "f.bin") as sink:
            sink.write(np.zeros(3 * W.SINK_BLOCK, dtype=np.uint8))
            sink.close()
    assert sink.fd is None  # closed on the error path
    late = W.Sink(tmp_path / "g.bin")  # the error surfaces only at close()
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
        {"w.weight": {"dtype": "F32", "shape": [300, 70], "data_offsets": [0, w.numel() * 4]}}
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
