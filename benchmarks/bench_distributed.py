"""Global EMP across torch.distributed ranks against gathering every score on rank 0.

For 2 and 4 gloo processes on 127.0.0.1 and a model of ``N`` float32 scores split
unevenly over the ranks (rank r holds a share proportional to r + 1), times and counts
the bytes of:

* ``distributed``: :func:`emp_theory.pruning.distributed.emp_select` — exact all-reduced
  statistics and a radix select over all-reduced 256-bin histograms; no score leaves
  its rank;
* ``gather``: every rank sends its scores to rank 0 (``dist.gather``), rank 0 runs
  :func:`emp_theory.emp_mask` on the concatenation and sends each rank its part of
  the mask back (``dist.scatter``, one byte per entry).

Both give every rank its local boolean mask; the script checks they are equal. Bytes
are counted two ways, summed over ranks: ``payload`` — the tensors each rank hands to
the collectives; ``wire`` — what crosses the network with the usual algorithms (ring
all-reduce ``2 (R-1)/R`` of the payload per rank, ring all-gather ``R-1`` times it,
gather/scatter the non-root parts once). Time: wall seconds of rank 0 between two
barriers, fastest of ``--repeat``.

With NCCL the same code runs on GPUs (``--backend nccl``, one GPU per rank; not run
here: the machine of these results has no GPU).

Run: ``.venv/bin/python benchmarks/bench_distributed.py [--sizes 1000000,8000000]
[--ranks 2,4] [--repeat 3] [--out book/results/distributed.md]``
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import socket
import tempfile
import time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from emp_theory import emp_mask
from emp_theory._cache import atomic_write


def shares(N: int, world: int) -> list[int]:
    w = [r + 1 for r in range(world)]
    out = [N * x // sum(w) for x in w]
    out[-1] += N - sum(out)
    return out


def local_scores(N: int, world: int, rank: int, device) -> list[torch.Tensor]:
    """This rank's layers: its share of N in a few tensors of different sizes."""
    n = shares(N, world)[rank]
    g = torch.Generator().manual_seed(rank)
    cuts = [n // 2, n // 3, n - n // 2 - n // 3]
    return [torch.randn(c, generator=g).to(device) for c in cuts if c]


def wire_bytes(op: str, payload: int, world: int) -> float:
    if op == "all_reduce":
        return 2 * (world - 1) / world * payload
    return (world - 1) * payload  # all_gather: each block reaches the R - 1 others


def run_distributed(cands, beta, world):
    from emp_theory.pruning.distributed import emp_select

    sels, rec, comm = emp_select(cands, beta)
    payload = sum(b for _, _, b in comm.log)
    wire = sum(wire_bytes(op, b, world) for op, _, b in comm.log)
    mine = torch.cat(sels) if sels else torch.zeros(0, dtype=torch.bool)
    return mine, rec.k, payload, wire, len(comm.log)


def run_gather(cands, beta, world, rank, device):
    """Scores to rank 0 (padded for ``dist.gather``), ``emp_mask`` there, masks back.

    Bytes are counted without the padding: ``4 n_r`` of scores from every rank r > 0,
    ``n_r`` bytes of mask back, and the counts (8 bytes a rank).
    """
    x = torch.cat(cands) if cands else torch.zeros(0, device=device)
    n = torch.tensor([x.numel()], dtype=torch.int64, device=device)
    counts = [torch.zeros_like(n) for _ in range(world)]
    dist.all_gather(counts, n)
    counts = [int(c) for c in counts]
    big = max(counts)
    pad = torch.zeros(big, dtype=x.dtype, device=device)
    pad[: x.numel()] = x
    bufs = [torch.empty_like(pad) for _ in range(world)] if rank == 0 else None
    dist.gather(pad, bufs, dst=0)
    out = torch.empty(big, dtype=torch.uint8, device=device)
    if rank == 0:
        full = torch.cat([b[:c] for b, c in zip(bufs, counts, strict=True)])
        mask = emp_mask(full, beta).to(torch.uint8)
        parts = list(torch.split(mask, counts))
        parts = [torch.cat([p, torch.zeros(big - p.numel(), dtype=torch.uint8)]) for p in parts]
        dist.scatter(out, parts, src=0)
        payload = 8 + sum(counts[1:])  # the masks of the other ranks
    else:
        dist.scatter(out, None, src=0)
        payload = 8 + 4 * x.numel()  # its scores
    wire = payload - 8 + 8 * (world - 1)
    return out[: x.numel()].bool(), payload, wire


def worker(rank, world, port, sizes, beta, repeat, backend, outdir):
    torch.set_num_threads(1)
    if backend == "nccl":
        torch.cuda.set_device(rank)
    device = torch.device("cuda", rank) if backend == "nccl" else torch.device("cpu")
    dist.init_process_group(
        backend,
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world,
        timeout=datetime.timedelta(seconds=300),
    )
    rows = []
    for N in sizes:
        cands = local_scores(N, world, rank, device)
        best = {"distributed": float("inf"), "gather": float("inf")}
        for _ in range(repeat):
            for name in ("distributed", "gather"):
                dist.barrier()
                t0 = time.perf_counter()
                if name == "distributed":
                    mine_d, k, pay_d, wire_d, n_coll = run_distributed(cands, beta, world)
                else:
                    mine_g, pay_g, wire_g = run_gather(cands, beta, world, rank, device)
                if backend == "nccl":
                    torch.cuda.synchronize()
                dist.barrier()
                best[name] = min(best[name], time.perf_counter() - t0)
        assert torch.equal(mine_d.cpu(), mine_g.cpu()), "the two masks differ"
        rows.append(
            {
                "N": N,
                "k": k,
                "t_dist": best["distributed"],
                "t_gather": best["gather"],
                "pay_d": pay_d,
                "wire_d": wire_d,
                "pay_g": pay_g,
                "wire_g": wire_g,
                "collectives": n_coll,
            }
        )
    Path(outdir, f"{world}-{rank}.json").write_text(json.dumps(rows))
    dist.destroy_process_group()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fmt_bytes(b: float) -> str:
    for unit, size in (("MiB", 2**20), ("KiB", 2**10)):
        if b >= size:
            return f"{b / size:.1f} {unit}"
    return f"{b:.0f} B"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000000,8000000")
    ap.add_argument("--ranks", default="2,4")
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--backend", default="gloo", choices=("gloo", "nccl"))
    ap.add_argument("--out", default=None, help="write the markdown table here")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    lines = [
        "| ranks | N | k | distributed s | gather s | gather / distributed | collectives "
        "| payload distributed | payload gather | wire distributed | wire gather "
        "| wire gather / distributed |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    t_start = time.time()
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for world in (int(x) for x in args.ranks.split(",")):
            mp.spawn(
                worker,
                args=(world, free_port(), sizes, args.beta, args.repeat, args.backend, tmp),
                nprocs=world,
            )
            per_rank = [
                json.loads(Path(tmp, f"{world}-{r}.json").read_text()) for r in range(world)
            ]
            for i, N in enumerate(sizes):
                rs = [pr[i] for pr in per_rank]
                r0 = rs[0]
                pay_d = sum(r["pay_d"] for r in rs)
                pay_g = sum(r["pay_g"] for r in rs)
                wire_d = sum(r["wire_d"] for r in rs)
                wire_g = sum(r["wire_g"] for r in rs)
                lines.append(
                    f"| {world} | {N:,} | {r0['k']:,} | {r0['t_dist']:.3f} | {r0['t_gather']:.3f} "
                    f"| {r0['t_gather'] / r0['t_dist']:.1f}x | {r0['collectives']} "
                    f"| {fmt_bytes(pay_d)} | {fmt_bytes(pay_g)} | {fmt_bytes(wire_d)} "
                    f"| {fmt_bytes(wire_g)} | {wire_g / wire_d:,.0f}x |"
                )
    load1 = os.getloadavg()[0]
    note = (
        f"\nfloat32 scores, beta {args.beta}, rank r holding a share (r + 1) / sum of N in three "
        f"tensors; {args.backend} on 127.0.0.1, {os.cpu_count()} CPUs "
        f"({platform.processor() or platform.machine()}), torch {torch.__version__}, one torch "
        f"thread per rank; fastest of {args.repeat}; load average {load0:.1f}-{load1:.1f}; "
        f"{(time.time() - t_start) / 60:.1f} min. Both methods give every rank the same local "
        "masks (checked). Written by `benchmarks/bench_distributed.py`."
    )
    table = "\n".join(lines) + "\n" + note + "\n"
    print(table)
    if args.out:
        atomic_write(Path(args.out), table)


if __name__ == "__main__":
    main()
