"""Worker processes of tests/pruning/test_distributed.py (spawned by torch.multiprocessing).

A module file of its own so the spawned interpreters can import it by name (the test
puts this folder on ``sys.path``, which the children inherit). Every scenario builds the
WHOLE model deterministically in every process, computes the one-process global EMP
masks on it (:func:`one_process`), and prunes only the layers this rank holds over the
gloo group on 127.0.0.1; the rank asserts that its masks and the record equal
the one-process ones. A failed assertion fails the spawn (the parent sees it).
"""

from __future__ import annotations

import datetime
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

VALUES = torch.tensor([0.25, 0.5, 0.75, 1.0, 1.25])  # exact in fp16, bf16 and fp32


def layer(i: int, shape, dtype, kind: str) -> nn.Linear:
    g = torch.Generator().manual_seed(1000 + i)
    if kind == "ties":  # few distinct magnitudes: ties at any threshold, across ranks
        w = VALUES[torch.randint(0, 5, shape, generator=g)]
        w = w * torch.where(torch.rand(shape, generator=g) < 0.5, -1.0, 1.0)
    else:
        w = torch.randn(shape, generator=g) * 3.0 ** torch.randn(shape, generator=g)
    lin = nn.Linear(shape[1], shape[0], bias=False)
    with torch.no_grad():
        lin.weight.copy_(w)
    return lin.to(dtype)


SPECS = [
    ((16, 12), torch.float16, "ties"),
    ((9, 31), torch.float32, "random"),
    ((20, 8), torch.bfloat16, "ties"),
    ((7, 13), torch.float32, "ties"),
    ((11, 6), torch.float16, "random"),
    ((5, 40), torch.bfloat16, "random"),
]
#: Which layers each rank holds, by world size (uneven; one rank with none).
SPLITS = {
    2: [[[0, 1, 2], [3, 4, 5]], [[0, 1, 2, 3, 4, 5], []]],
    4: [[[0, 1], [], [2], [3, 4, 5]], [[5], [0, 1, 2, 3], [], [4]]],
}
BETAS = (0.37, 1.0, 1.9)


@contextmanager
def one_process():
    """The one-process global EMP inside a process group (the reference)."""
    from emp_theory.pruning import functional

    real = functional.distributed_active
    functional.distributed_active = lambda group=None: False
    try:
        yield
    finally:
        functional.distributed_active = real


def model() -> list[nn.Linear]:
    return [layer(i, *spec) for i, spec in enumerate(SPECS)]


def reference(betas, order, scores=None, **kw):
    """Masks and records of the one-process global EMP, call after call (iterative)."""
    from emp_theory.pruning.functional import global_emp_unstructured

    layers = model()
    params = [(layers[i], "weight") for i in order]
    imp = None if scores is None else {(layers[i], "weight"): scores[i] for i in order}
    out = []
    with one_process():
        for b in betas:
            rec = global_emp_unstructured(params, b, imp, **kw)
            out.append(({i: layers[i].weight_mask.clone() for i in order}, rec))
    return out


def check_record(got, want) -> None:
    assert (got.N, got.n_eff, got.k, got.beta, got.bound, got.saturated, got.all_zero) == (
        want.N,
        want.n_eff,
        want.k,
        want.beta,
        want.bound,
        want.saturated,
        want.all_zero,
    ), (got, want)
    for a, b in ((got.s_eff, want.s_eff), (got.kept_mass, want.kept_mass)):
        assert (a is None and b is None) or abs(a - b) <= 1e-12 * abs(b), (got, want)


def init(rank: int, world: int, port: int, timeout_s: float = 30.0) -> None:
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world,
        timeout=datetime.timedelta(seconds=timeout_s),
    )


def equality(rank: int, world: int) -> None:
    """Uneven splits, mixed dtypes, ties at the threshold, iterative calls, scores, score_fn."""
    from emp_theory.pruning.functional import global_emp_unstructured

    for j, split in enumerate(SPLITS[world]):
        order = [i for part in split for i in part]  # global order: rank, then parameter
        scores = {i: layer(i, *SPECS[i]).weight.detach().abs() ** 1.5 for i in order}
        variants = ({}, {"score_fn": torch.square}, {"scores": scores}) if j == 0 else ({},)
        for kw in variants:
            ref = reference(BETAS, order, **kw)
            layers = model()
            mine = [(layers[i], "weight") for i in split[rank]]
            sc = kw.get("scores")
            imp = None if sc is None else {(layers[i], "weight"): sc[i] for i in split[rank]}
            fn = kw.get("score_fn")
            for b, (masks, rec) in zip(BETAS, ref, strict=True):
                got = global_emp_unstructured(mine, b, imp, score_fn=fn)
                check_record(got, rec)
                for i in split[rank]:
                    m = layers[i].weight_mask
                    assert m.dtype == masks[i].dtype and torch.equal(m, masks[i]), (split, b, i)


def constant(rank: int, world: int) -> None:
    """All scores equal (fp16/bf16/fp32, one rank empty): N_eff = N exactly (the exact
    all-reduced integer sums decide), and k cuts through one global block of ties."""
    from emp_theory.pruning import distributed
    from emp_theory.pruning.functional import global_emp_unstructured

    shapes = [[(3, 5), (2, 2)], [], [(7, 1)], [(4, 4)]][:world] if world > 2 else [[(3, 5)], []]
    dtypes = [torch.float16, torch.bfloat16, torch.float32]

    def build(r):
        mods = []
        for j, shp in enumerate(shapes[r]):
            m = nn.Linear(shp[1], shp[0], bias=False).to(dtypes[(r + j) % 3])
            with torch.no_grad():
                m.weight.fill_(-0.5 if j % 2 else 0.5)
            mods.append(m)
        return mods

    ref = [m for r in range(world) for m in build(r)]
    with one_process():
        want = global_emp_unstructured([(m, "weight") for m in ref], 0.55)
    mine = build(rank)
    log = []
    real = distributed.emp_select

    def spy(*a, **k):
        out = real(*a, **k)
        log.extend(w for _, w, _ in out[2].log)
        return out

    distributed.emp_select = spy
    try:
        got = global_emp_unstructured([(m, "weight") for m in mine], 0.55)
    finally:
        distributed.emp_select = real
    check_record(got, want)
    assert got.n_eff == got.N and "exact sums" in log
    offset = sum(len(build(r)) for r in range(rank))
    for j, m in enumerate(mine):
        assert torch.equal(m.weight_mask, ref[offset + j].weight_mask)


def all_zero(rank: int, world: int) -> None:
    from emp_theory.pruning.functional import global_emp_unstructured

    lin = nn.Linear(3, 2, bias=False)
    with torch.no_grad():
        lin.weight.zero_()
    try:
        global_emp_unstructured([(lin, "weight")], 1.0)
    except ValueError as err:
        assert "all zero" in str(err)
    else:
        raise AssertionError("no error")
    rec = global_emp_unstructured([(lin, "weight")], 1.0, on_all_zero="keep")
    assert rec.all_zero and rec.N == 6 * world and bool(lin.weight_mask.all())


def dtensor(rank: int, world: int) -> None:
    """Row-sharded DTensor weights (uneven shards) and a plain layer on rank 0."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Shard, distribute_tensor

    from emp_theory.pruning import functional

    full = layer(0, (7, 6), torch.float32, "ties").weight.detach()
    full2 = layer(1, (5, 9), torch.float32, "random").weight.detach()
    plain = layer(2, (3, 4), torch.float16, "ties")
    mesh = init_device_mesh("cpu", (world,))
    a = nn.Linear(6, 7, bias=False)
    b = nn.Linear(9, 5, bias=False)
    a.weight = nn.Parameter(distribute_tensor(full, mesh, [Shard(0)]))
    b.weight = nn.Parameter(distribute_tensor(full2, mesh, [Shard(1)]))
    mine = [(a, "weight"), (b, "weight")] + ([(plain, "weight")] if rank == 0 else [])
    # the one-process reference on the shards in global order (rank, then parameter)
    shards_a = torch.tensor_split(full, world, dim=0)
    shards_b = torch.tensor_split(full2, world, dim=1)
    ref_mods, own = [], {}
    for r in range(world):
        for name, t in (("a", shards_a[r]), ("b", shards_b[r])):
            m = nn.Linear(t.shape[1], t.shape[0], bias=False)
            with torch.no_grad():
                m.weight = nn.Parameter(t.clone())
            ref_mods.append(m)
            if r == rank:
                own[name] = m
        if r == 0:
            ref_plain = layer(2, (3, 4), torch.float16, "ties")
            ref_mods.append(ref_plain)
    with one_process():
        want = functional.global_emp_unstructured([(m, "weight") for m in ref_mods], 0.6)
    got = functional.global_emp_unstructured(mine, 0.6)
    check_record(got, want)
    assert torch.equal(a.weight_mask.to_local(), own["a"].weight_mask)
    assert torch.equal(b.weight_mask.to_local(), own["b"].weight_mask)
    if rank == 0:
        assert torch.equal(plain.weight_mask, ref_plain.weight_mask)
    assert torch.equal(a.weight.to_local(), shards_a[rank] * own["a"].weight_mask)


def no_communication(rank: int, world: int) -> None:
    """Layer scopes (block, row, structured) call no collective."""
    from emp_theory.pruning.functional import emp_unstructured
    from emp_theory.pruning.scopes import prune_model

    calls = []
    names = (
        "all_reduce all_gather all_gather_object all_gather_into_tensor broadcast "
        "broadcast_object_list reduce reduce_scatter reduce_scatter_tensor gather scatter "
        "send recv isend irecv barrier all_to_all all_to_all_single"
    ).split()
    saved = {n: getattr(dist, n) for n in names}
    for n in names:
        setattr(dist, n, lambda *a, _n=n, **k: calls.append(_n))
    try:
        for scope in ("block", "row", "structured"):
            torch.manual_seed(rank)
            net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
            prune_model(net, scope=scope, beta=0.7)
        emp_unstructured(layer(0, (5, 5), torch.float32, "random"), "weight")
    finally:
        for n, f in saved.items():
            setattr(dist, n, f)
    assert calls == [], calls


def prepare_failure(rank: int, world: int) -> None:
    """A rank whose scores fail: every rank raises at once, nobody waits for a timeout."""
    from emp_theory.pruning.functional import global_emp_unstructured

    def bad(s):
        raise ZeroDivisionError("this rank's score_fn failed")

    lin = layer(3, (4, 4), torch.float32, "random")
    t0 = time.perf_counter()
    try:
        global_emp_unstructured([(lin, "weight")], 1.0, score_fn=bad if rank == 1 else None)
    except ZeroDivisionError:
        assert rank == 1
    except RuntimeError as err:
        assert rank != 1 and "rank(s) [1]" in str(err) and "failed while preparing" in str(err)
    else:
        raise AssertionError("no error")
    assert time.perf_counter() - t0 < 10.0
    assert not hasattr(lin, "weight_mask")  # nobody pruned anything


def prune_model_global(rank: int, world: int) -> None:
    """prune_model(scope="global") with each rank holding a part of one model."""
    from emp_theory.pruning.scopes import prune_model

    def part(r: int) -> nn.Sequential:
        return nn.Sequential(
            layer(10 + 2 * r, (6, 5), torch.float32, "random"),
            layer(11 + 2 * r, (4, 6), torch.float32, "ties"),
        )

    ref = nn.Sequential(*[part(r) for r in range(world)])  # "0.0.weight", "0.1.weight", ...
    with one_process():
        want = prune_model(ref, scope="global", beta=0.9)
    mine = part(rank)
    got = prune_model(mine, scope="global", beta=0.9)
    check_record(got.global_record, want.global_record)
    for j in range(2):
        assert torch.equal(mine[j].weight_mask, ref[rank][j].weight_mask)
    assert got.kept == sum(la.kept for la in want.layers[2 * rank : 2 * rank + 2])


def run(rank: int, world: int, port: int, scenarios: list[str]) -> None:
    init(rank, world, port)
    try:
        for name in scenarios:
            globals()[name](rank, world)
            dist.barrier()
    finally:
        dist.destroy_process_group()


def crash(rank: int, world: int, port: int, out: str) -> None:
    """Rank 1 dies between two collectives; rank 0 must raise a clear error, not hang."""
    init(rank, world, port, timeout_s=15.0)
    from emp_theory.pruning import distributed
    from emp_theory.pruning.functional import global_emp_unstructured

    if rank == 1:
        real = distributed.Comm.all_gather

        def die(self, t, what):
            if what == "float64 sums":
                os._exit(7)
            return real(self, t, what)

        distributed.Comm.all_gather = die
    lin = layer(1, (9, 31), torch.float32, "random")
    t0 = time.perf_counter()
    try:
        global_emp_unstructured([(lin, "weight")], 1.0)
        result = {"error": None}
    except RuntimeError as err:
        result = {"error": str(err)}
    result["seconds"] = time.perf_counter() - t0
    Path(out).write_text(json.dumps(result))
    os._exit(0)  # the group is broken: skip its teardown
