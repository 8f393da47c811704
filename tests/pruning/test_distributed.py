"""Global EMP across torch.distributed ranks (emp_theory.pruning.distributed), gloo on 127.0.0.1.

The workers live in ``_dist_worker.py`` beside this file (spawned interpreters import it
by name). Each spawn runs several scenarios in one process group to keep the suite
short: the masks and records of every rank equal the one-process global EMP on the
concatenated scores, for 2 and 4 processes with uneven splits (a rank without
parameters), ties at the threshold, mixed fp16/bf16/fp32, iterative calls,
``importance_scores`` and ``score_fn``; DTensor shards; ``prune_model(scope="global")``;
no collective at all in the layer scopes; a failing rank makes every rank raise.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")
if not dist.is_available() or not dist.is_gloo_available():
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)
import torch.multiprocessing as mp  # noqa: E402

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def worker(monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    import _dist_worker

    return _dist_worker


def spawn(fn, world: int, *args) -> None:
    mp.spawn(fn, args=(world, free_port(), *args), nprocs=world, join=True)


def test_two_ranks(worker):
    scenarios = [
        "equality",
        "constant",
        "all_zero",
        "dtensor",
        "no_communication",
        "prepare_failure",
        "prune_model_global",
    ]
    spawn(worker.run, 2, scenarios)


def test_four_ranks(worker):
    spawn(worker.run, 4, ["equality", "constant", "prune_model_global"])


def test_rank_dying_midway_does_not_hang(worker, tmp_path):
    out = tmp_path / "rank0.json"
    ctx = mp.start_processes(
        worker.crash, args=(2, free_port(), str(out)), nprocs=2, join=False, start_method="spawn"
    )
    deadline = time.monotonic() + 90
    for p in ctx.processes:
        p.join(timeout=max(1.0, deadline - time.monotonic()))
    alive = [p for p in ctx.processes if p.is_alive()]
    for p in alive:
        p.kill()
    assert not alive, "a rank hung"
    assert [p.exitcode for p in ctx.processes] == [0, 7]
    result = json.loads(out.read_text())
    assert result["error"] is not None and "global EMP over 2 ranks" in result["error"]
    assert "collective" in result["error"]
    assert result["seconds"] < 60


def test_not_active_without_group():
    from emp_theory.pruning.distributed import distributed_active

    assert not dist.is_initialized()
    assert not distributed_active()
    assert distributed_active(object())  # a group given: distributed
