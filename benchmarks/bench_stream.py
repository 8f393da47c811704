"""Benchmark: streaming EMP (``emp-theory prune-safetensors``) against a plain read.

Generates ``--gb`` GiB (default 4) of bf16 ``.safetensors`` shards in a temporary
directory (deleted afterwards), then runs, each in its own child process so that
its peak resident set size (``ru_maxrss``, which counts the memory-mapped file
pages a process touches) is measured alone:

* ``touch`` -- one byte per 4 KiB page of every tensor through ``safe_open``
  (brings the files into the page cache; the warm runs start after it);
* ``raw``   -- the I/O floor: every byte of every file read (``readinto`` a reused
  16 MiB buffer), no decoding;
* ``read1`` -- the plain read: every tensor once through ``safe_open(framework="pt")``,
  ``.float().abs().sum()`` in row blocks, torch on one thread;
* ``read``  -- the same with torch on all CPUs (``--threads``, default all): the
  baseline of the goal, since the prune also uses every CPU;
* ``copy-buf`` -- read every tensor through the same API and write the shards
  unchanged with Python's buffered ``write`` (through the page cache);
* ``copy``  -- the same, written through the prune's own writer
  (``emp_theory.streaming.writer.Sink``: 8 MiB aligned blocks, ``O_DIRECT``, a writer
  thread): the floor of any tool that writes a pruned copy this way;
* ``prune`` -- :func:`emp_theory.streaming.prune_safetensors`, global scope, beta 1,
  ``stats="core"`` (N_eff bit-identical to the in-memory core: max, statistics and
  write passes);
* ``prune-x`` -- the same with ``stats="exact"`` (exact N_eff from the magnitude
  histogram: histogram and write passes).

With a warm page cache and/or (``--cache``) after evicting the files from it with
``posix_fadvise(DONTNEED)`` (only these files are evicted). Prints wall and CPU
seconds, GB/s (bytes of shards / wall s, in 1e9 B/s), peak RSS (and the RSS of the
idle child after its imports), the ratios to the fastest plain read (of ``raw``,
``read1``, ``read``) and peak RSS / largest shard; the goals of issue 7 are a ratio <= 3 and peak RSS <= 2 x the largest shard.
Old outputs are deleted before each phase, outside its timing. The machine load is
printed before and after each phase: on a shared machine, wall times vary with it.

Run: ``.venv/bin/python benchmarks/bench_stream.py [--gb 4] [--shard-gb 0.5]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GiB = 1 << 30
THREADS = os.cpu_count() or 1
#: The plain reads; a ratio "to the plain read" is taken to the fastest of them.
READS = ("raw", "read1", "read")
PHASES = ("touch", "raw", "read1", "read", "copy-buf", "copy", "prune", "prune-x")


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _rss_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _shards(d: Path) -> list[Path]:
    return sorted(d.glob("*.safetensors"))


# ---------------------------------------------------------------------------
# Child-process phases
# ---------------------------------------------------------------------------
def phase_generate(d: Path, gb: float, shard_gb: float, seed: int) -> dict:
    """LLaMA-like bf16 shards: 4096 x 4096 matrices of varied scale plus 1-D norms."""
    import torch
    from safetensors.torch import save_file

    g = torch.Generator().manual_seed(seed)
    rows, cols = 4096, 4096
    per = rows * cols * 2
    n_mat = max(1, round(gb * GiB / per))
    per_shard = max(1, round(shard_gb * GiB / per))
    i = 0
    shard = 0
    n_shards = -(-n_mat // per_shard)
    while i < n_mat:
        tensors = {}
        for _ in range(min(per_shard, n_mat - i)):
            scale = 0.5 + 1.5 * torch.rand((), generator=g).item()
            w = torch.empty(rows, cols, dtype=torch.bfloat16)
            for r in range(0, rows, 512):  # bounded float32 temporaries
                w[r : r + 512] = torch.randn(512, cols, generator=g).mul_(scale)
            tensors[f"layers.{i}.weight"] = w
            tensors[f"layers.{i}.norm"] = torch.ones(cols, dtype=torch.bfloat16)
            i += 1
        name = f"model-{shard + 1:05d}-of-{n_shards:05d}.safetensors"
        save_file(tensors, str(d / name), metadata={"format": "pt"})
        del tensors
        shard += 1
    return {"n_shards": shard, "n_matrices": n_mat}


def phase_touch(d: Path) -> dict:
    import torch
    from safetensors import safe_open

    acc = 0
    for p in _shards(d):
        with safe_open(str(p), framework="pt") as f:
            for k in f.keys():
                t = f.get_tensor(k).reshape(-1).view(torch.uint8)
                acc += int(t[::4096].sum())
                del t
    return {"checksum": acc}


def phase_raw(d: Path) -> dict:
    """Every byte of every file, read into one reused buffer."""
    buf = bytearray(1 << 24)
    n = 0
    for p in _shards(d):
        with open(p, "rb", buffering=0) as fh:
            while k := fh.readinto(buf):
                n += k
    return {"bytes": n}


def phase_read(d: Path) -> dict:
    from safetensors import safe_open

    acc = 0.0
    for p in _shards(d):
        with safe_open(str(p), framework="pt") as f:
            for k in f.keys():
                t = f.get_tensor(k)
                if t.ndim >= 2:
                    for r in range(0, t.shape[0], 512):
                        acc += float(t[r : r + 512].float().abs().sum())
                else:
                    acc += float(t.float().abs().sum())
                del t
    return {"checksum": acc}


def phase_copy(d: Path, out: Path, sink: bool) -> dict:
    """Read every tensor through the same mmap API and write the shard unchanged."""
    import torch
    from safetensors import safe_open

    from emp_theory.streaming.writer import Sink

    out.mkdir(parents=True, exist_ok=True)
    for p in _shards(d):
        with open(p, "rb") as fh:
            n = int.from_bytes(fh.read(8), "little")
            header = fh.read(n)
        hdr = json.loads(header)
        hdr.pop("__metadata__", None)
        names = sorted(hdr, key=lambda k: hdr[k]["data_offsets"][0])
        opener = Sink if sink else (lambda q: open(q, "wb"))
        with safe_open(str(p), framework="pt") as f, opener(out / p.name) as fo:
            fo.write(n.to_bytes(8, "little") + header)
            for k in names:
                t = f.get_tensor(k).reshape(-1).view(torch.uint8).numpy()
                for a in range(0, t.size, 1 << 21):
                    fo.write(t[a : a + (1 << 21)])
                del t
    return {}


def phase_prune(d: Path, out: Path, stats: str) -> dict:
    from emp_theory.streaming import prune_safetensors

    rep = prune_safetensors(d, out, overwrite=True, progress=False, stats=stats)
    keys = ("N", "n_eff", "k", "threshold", "sparsity", "passes", "timing")
    return {k: rep[k] for k in keys}


def _child(args) -> None:
    import safetensors.torch  # noqa: F401 - imports are not part of the timed work
    import torch

    import emp_theory.streaming  # noqa: F401

    torch.set_num_threads(1 if args.phase == "read1" else args.threads)
    d = Path(args.dir)
    base = _rss_bytes()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = ru.ru_utime + ru.ru_stime
    t0 = time.perf_counter()
    if args.phase == "generate":
        res = phase_generate(d, args.gb, args.shard_gb, args.seed)
    elif args.phase == "touch":
        res = phase_touch(d)
    elif args.phase == "raw":
        res = phase_raw(d)
    elif args.phase in ("read", "read1"):
        res = phase_read(d)
    elif args.phase in ("copy", "copy-buf"):
        res = phase_copy(d, Path(args.out), sink=args.phase == "copy")
    elif args.phase == "prune":
        res = phase_prune(d, Path(args.out), "core")
    else:
        res = phase_prune(d, Path(args.out), "exact")
    res["seconds"] = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    res["cpu_seconds"] = ru.ru_utime + ru.ru_stime - cpu0
    res["peak_rss"] = _peak_rss_bytes()
    res["base_rss"] = base
    print(json.dumps(res))


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------
def _run(phase: str, d: Path, **kw) -> dict:
    cmd = [sys.executable, __file__, "--phase", phase, "--dir", str(d), "--threads", str(THREADS)]
    for k, v in kw.items():
        cmd += [f"--{k.replace('_', '-')}", str(v)]
    load0 = os.getloadavg()[0]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{proc.stderr}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["load"] = (load0, os.getloadavg()[0])
    return res


def _evict(paths) -> None:
    """Drop these files (only) from the page cache, writing back dirty pages first."""
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gb", type=float, default=4.0, help="GiB of bf16 shards (default 4)")
    ap.add_argument("--shard-gb", type=float, default=0.5, help="GiB per shard (default 0.5)")
    ap.add_argument("--cache", choices=("warm", "cold", "both"), default="both")
    ap.add_argument("--tmp", default=tempfile.gettempdir(), help="parent of the temp dir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1, help="runs per phase; the fastest is kept")
    ap.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="torch threads of the `read` phase (default: all CPUs)",
    )
    ap.add_argument(
        "--markdown",
        help="also write the results as a Markdown table to this file "
        "(benchmarks/results/bench_stream_4gib.md is the one the book includes)",
    )
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        _child(args)
        return 0
    global THREADS
    THREADS = args.threads

    need = int(2 * args.gb * GiB)  # input shards + pruned copies
    free = shutil.disk_usage(args.tmp).free
    if free < 3 * need:
        print(
            f"refusing: {free / GiB:.1f} GiB free under {args.tmp}, need 3 x {need / GiB:.1f} GiB",
            file=sys.stderr,
        )
        return 2
    base = Path(tempfile.mkdtemp(prefix="emp-bench-stream-", dir=args.tmp))
    src, out = base / "in", base / "out"
    src.mkdir()
    try:
        print(
            f"cores: {os.cpu_count()}, torch threads in the `read` phase: {THREADS}, "
            f"load average at start: {tuple(round(x, 2) for x in os.getloadavg())}"
        )
        gen = _run("generate", src, gb=args.gb, shard_gb=args.shard_gb, seed=args.seed)
        files = _shards(src)
        total = sum(p.stat().st_size for p in files)
        largest = max(p.stat().st_size for p in files)
        print(
            f"generated {len(files)} bf16 shards, {total / GiB:.2f} GiB "
            f"(largest {largest / GiB:.2f} GiB) in {gen['seconds']:.1f} s"
        )
        caches = ["warm", "cold"] if args.cache == "both" else [args.cache]
        rows = []
        for cache in caches:
            res = {}
            for phase in PHASES:
                kw = {"out": out} if phase.startswith(("copy", "prune")) else {}
                runs = []
                for _ in range(args.repeat):
                    # old outputs are deleted outside the timing (their unlink is not the prune's)
                    shutil.rmtree(out, ignore_errors=True)
                    if cache == "warm":
                        _run("touch", src)  # bring the inputs into the page cache
                    else:
                        _evict(files)
                    runs.append(_run(phase, src, **kw))
                res[phase] = min(runs, key=lambda r: r["seconds"])
            rows.append((cache, res))

        print()
        print(
            f"{'cache':<6} {'phase':<8} {'wall s':>7} {'GB/s':>7} {'vs read':>8} {'CPU s':>7} "
            f"{'vs read':>8} {'peak RSS':>9} {'(base)':>7} {'RSS/shard':>9} {'load':>11}"
        )
        for cache, res in rows:
            rd = res["read"]
            for phase, r in res.items():
                gbs = total / r["seconds"] / 1e9
                print(
                    f"{cache:<6} {phase:<8} {r['seconds']:>7.2f} {gbs:>7.3f} "
                    f"{r['seconds'] / rd['seconds']:>7.2f}x {r['cpu_seconds']:>7.2f} "
                    f"{r['cpu_seconds'] / rd['cpu_seconds']:>7.2f}x "
                    f"{r['peak_rss'] / 2**20:>7.0f}MB {r['base_rss'] / 2**20:>5.0f}MB "
                    f"{r['peak_rss'] / largest:>9.2f} "
                    f"{r['load'][0]:>5.2f}-{r['load'][1]:<5.2f}"
                )
            for name in ("prune", "prune-x"):
                p = res[name]
                print(
                    f"       {name}: N = {p['N']}, N_eff = {p['n_eff']}, k = {p['k']}, "
                    f"sparsity {p['sparsity']:.4f}, {p['passes']} passes, analysis "
                    f"{p['timing']['analysis_s']:.1f} s + write {p['timing']['write_s']:.1f} s"
                )
        print()
        for cache, res in rows:
            for name in ("prune", "prune-x"):
                fastest = min(res[p]["seconds"] for p in READS)
                ratio = res[name]["seconds"] / fastest
                vs_read = res[name]["seconds"] / res["read"]["seconds"]
                vs_copy = res[name]["seconds"] / res["copy"]["seconds"]
                floor = res["copy"]["seconds"] / fastest
                rss = res[name]["peak_rss"] / largest
                print(
                    f"{cache} {name}: / fastest plain read = {ratio:.2f} wall "
                    f"(goal <= 3: {'met' if ratio <= 3 else 'NOT met'}); / read = {vs_read:.2f}, "
                    f"/ copy = {vs_copy:.2f} (copy alone = {floor:.2f} x the fastest read); "
                    f"peak RSS / largest shard = {rss:.2f} "
                    f"(goal <= 2: {'met' if rss <= 2 else 'NOT met'})"
                )
        if args.markdown:
            Path(args.markdown).write_text(_markdown(rows, total, largest, args))
            print(f"wrote {args.markdown}")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


def _markdown(rows, total: int, largest: int, args) -> str:
    """The results as a Markdown table (wall-time ratios to the plain read)."""
    lines = [
        "| cache | phase | wall s | GB/s | / fastest plain read | / read | "
        "peak RSS / largest shard |",
        "|---|---|---|---|---|---|---|",
    ]
    for cache, res in rows:
        fastest = min(res[p]["seconds"] for p in READS)
        for phase, r in res.items():
            if phase == "touch":
                continue
            lines.append(
                f"| {cache} | {phase} | {r['seconds']:.2f} | {total / r['seconds'] / 1e9:.2f} "
                f"| {r['seconds'] / fastest:.2f}x "
                f"| {r['seconds'] / res['read']['seconds']:.2f}x "
                f"| {r['peak_rss'] / largest:.2f} |"
            )
    load = [r["load"][0] for _, res in rows for r in res.values()]
    lines += [
        "",
        f"{total / GiB:.2f} GiB of bf16 shards (largest {largest / GiB:.2f} GiB), "
        f"{os.cpu_count()} CPUs, fastest of {args.repeat} run(s) per phase, "
        f"load average {min(load):.2f}-{max(load):.2f}. `read`: safetensors, float32 "
        f"decode, abs, sum on {THREADS} torch thread(s); `read1`: the same on one; `raw`: the "
        "bytes only; `copy-buf`/`copy`: read and write unchanged through the page cache / "
        'the prune\'s writer; `prune`: `stats="core"`; `prune-x`: `stats="exact"`. '
        "The fastest plain read is the fastest of `raw`, `read1` and `read` in the same "
        "cache state.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
