"""Tests of the shard reader (emp_theory.streaming.reader): pieces, the pool, files that change."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

from emp_theory import streaming as S  # noqa: E402
from emp_theory.streaming import driver as D  # noqa: E402
from emp_theory.streaming import reader as R  # noqa: E402
from emp_theory.streaming.folder import open_checkpoint  # noqa: E402
from emp_theory.streaming.group import Group, Seg  # noqa: E402


class _Bar:
    def update(self, n):
        pass


def _group(src):
    ck = open_checkpoint(src)
    return Group([Seg(sh, t, 0) for sh in ck.shards for t in sh.tensors])


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_pieces_come_back_in_order_with_their_bytes(tmp_path, monkeypatch, workers):
    monkeypatch.setattr(R, "n_workers", lambda: workers)
    monkeypatch.setattr(R, "PIECE", 1000)  # many pieces per tensor
    src = tmp_path / "in"
    src.mkdir()
    w = torch.arange(7000, dtype=torch.int32).to(torch.bfloat16).reshape(70, 100)
    v = -torch.arange(2500, dtype=torch.int32).to(torch.bfloat16).reshape(50, 50)
    st_torch.save_file({"a.weight": w, "b.weight": v}, str(src / "m.safetensors"))
    g = _group(src)
    reader = R.Reader(_Bar())
    try:
        ((_, segs),) = R.by_shard(g.segs)
        jobs = R.jobs_of(segs)
        assert len(jobs) == 7 + 3  # a: 7 x 1000 entries; b: 1000 + 1000 + 500
        got = R.run_pieces(lambda job, raw, sc: raw.copy(), jobs, reader)
    finally:
        reader.close()
    expect = torch.cat([t.reshape(-1).view(torch.int16) for t in (w, v)]).numpy()
    np.testing.assert_array_equal(np.concatenate(got).view(np.int16), expect)


def test_an_error_in_a_worker_is_raised_after_every_worker_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(R, "n_workers", lambda: 2)
    monkeypatch.setattr(R, "PIECE", 100)
    src = tmp_path / "in"
    src.mkdir()
    st_torch.save_file({"a.weight": torch.ones(40, 50)}, str(src / "m.safetensors"))
    g = _group(src)
    reader = R.Reader(_Bar())
    done, active = [], [0]
    lock = threading.Lock()

    def fn(job, raw, sc):
        with lock:
            active[0] += 1
        try:
            time.sleep(0.002)
            if job[1] == 500:
                raise RuntimeError("boom")
            done.append(job[1])
        finally:
            with lock:
                active[0] -= 1

    try:
        with pytest.raises(RuntimeError, match="boom"):
            R.run_pieces(fn, R.jobs_of(g.segs), reader)
        assert active[0] == 0  # no worker is left running
        n = len(done)
        time.sleep(0.05)
        assert len(done) == n < 20  # nor takes more pieces
    finally:
        reader.close()


def test_a_shard_that_shrinks_after_its_header_was_read(tmp_path, monkeypatch, make_model):
    # the header was checked against the size; a file truncated afterwards ends in the
    # one-line error of a corrupt shard, and no output is published
    src = make_model(tmp_path / "in", torch.bfloat16, seed=5)
    real = D.open_checkpoint

    def open_then_truncate(*a, **k):
        ck = real(*a, **k)
        p = ck.shards[0].path
        with open(p, "r+b") as fh:
            fh.truncate(p.stat().st_size // 2)
        return ck

    monkeypatch.setattr(D, "open_checkpoint", open_then_truncate)
    with pytest.raises(ValueError, match="ended early") as err:
        S.prune_safetensors(src, tmp_path / "out", progress=False)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "out").exists()
