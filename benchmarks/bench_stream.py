"""Benchmark: streaming EMP (``emp-theory prune-safetensors``) against its two-pass limit.

An exact global EMP over shards on disk needs two passes: one read for the
statistics (N_eff and the k-th largest magnitude), one read-and-write for the masks.
Its limit is therefore one plain read of the bytes plus one plain copy of the shards,
both measured in the same run; the goal (issue 14) is a prune within 1.25 x that
limit, warm and cold, at a peak resident set of at most 1.5 x the largest shard.

Generates ``--gb`` GiB (default 4) of bf16 ``.safetensors`` shards in a temporary
directory (deleted afterwards), then runs, each in its own child process so that
its peak resident set size (``ru_maxrss``, which counts the memory-mapped file
pages a process touches) is measured alone:

* ``touch`` -- one byte per 4 KiB page of every tensor through ``safe_open``
  (brings the files into the page cache; the warm runs start after it);
* ``raw``   -- the I/O floor: every byte of every file read (``readinto`` a reused
  16 MiB buffer), no decoding;
* ``read1`` -- every tensor once through ``safe_open(framework="pt")``,
  ``.float().abs().sum()`` in row blocks, torch on one thread;
* ``read``  -- the same with torch on all CPUs (``--threads``, default all);
* ``copy-buf`` -- read every tensor through the same API and write the shards
  unchanged with Python's buffered ``write`` (through the page cache);
* ``copy``  -- the same, written through the prune's own writer
  (``emp_theory.streaming.writer.Sink``: 8 MiB aligned blocks, ``O_DIRECT``, a writer
  thread);
* ``copy-rd`` -- the bytes read (``readinto``) straight into that writer's buffers,
  no decoding (the prune's copy of unpruned tensors);
* ``prune`` -- :func:`emp_theory.streaming.prune_safetensors`, global scope, beta 1,
  the default ``stats="exact"`` (histogram pass, write pass);
* ``prune-core`` -- the same with ``stats="core"`` (also the core's float64 sums bit
  for bit: max, statistics and write passes).

With a warm page cache and/or (``--cache``) after evicting the files from it with
``posix_fadvise(DONTNEED)`` (only these files are evicted). Prints wall and CPU
seconds, GB/s (bytes of shards / wall s, in 1e9 B/s), peak RSS (and the RSS of the
idle child after its imports), the ratio to the fastest plain read (of ``raw``,
``read1``, ``read``), the ratio to the two-pass limit (fastest plain read + fastest
copy of ``copy-buf``, ``copy``, ``copy-rd``) and peak RSS / largest shard.
Every phase runs ``--repeat`` times (default 3); the fastest run is kept. Old
outputs are deleted before each run, outside its timing. The machine load is
printed before and after each phase: on a shared machine, wall times vary with it.

``--profile`` adds, in one more child (warm cache), the prune's phases one by one:
``read`` (every pruned piece read into the buffers of the pool's threads),
``decode`` (+ magnitude keys), ``statistics`` (+ the histogram: pass 1 whole),
``selection`` (exact N_eff, k and the threshold from the histogram), ``write``
(pass 2: read, mask, write, given the threshold), each with its CPU seconds, so
that what bounds it (the CPUs, or the disk and memory) can be read off.

Run: ``.venv/bin/python benchmarks/bench_stream.py [--gb 4] [--shard-gb 0.5] [--profile]``
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
#: A writing step is disk-bound when its filling thread waits this share of the time.
WAIT_BOUND = 0.25
#: The plain copies; the two-pass limit is the fastest read plus the fastest of them.
COPIES = ("copy-buf", "copy", "copy-rd")
PRUNES = ("prune", "prune-core")
PHASES = ("touch", *READS, *COPIES, *PRUNES)
#: Steps of the profile that run on the pool (also timed on one thread).
PARALLEL_STEPS = ("read", "decode", "statistics")
#: Goals of issue 14: prune / (read + copy) and peak RSS / largest shard.
GOAL_RATIO = 1.25
GOAL_RSS = 1.5


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

    from emp_theory.streaming.writer import Flusher, Sink

    out.mkdir(parents=True, exist_ok=True)
    with Flusher() as flusher:  # as the prune: each file's fsync overlaps the next file
        for p in _shards(d):
            with open(p, "rb") as fh:
                n = int.from_bytes(fh.read(8), "little")
                header = fh.read(n)
            hdr = json.loads(header)
            hdr.pop("__metadata__", None)
            names = sorted(hdr, key=lambda k: hdr[k]["data_offsets"][0])
            opener = (lambda q: Sink(q, flusher)) if sink else (lambda q: open(q, "wb"))
            with safe_open(str(p), framework="pt") as f, opener(out / p.name) as fo:
                fo.write(n.to_bytes(8, "little") + header)
                for k in names:
                    t = f.get_tensor(k).reshape(-1).view(torch.uint8).numpy()
                    for a in range(0, t.size, 1 << 21):
                        fo.write(t[a : a + (1 << 21)])
                    del t
    return {}


def phase_copy_rd(d: Path, out: Path) -> dict:
    """The bytes of every shard read straight into the prune's writer's buffers."""
    from emp_theory.streaming.writer import Flusher, Sink, copy_bytes

    class _NoBar:
        def update(self, n):
            pass

    out.mkdir(parents=True, exist_ok=True)
    with Flusher() as flusher:  # as the prune: each file's fsync overlaps the next file
        for p in _shards(d):
            with Sink(out / p.name, flusher) as sink, open(p, "rb", buffering=0) as fi:
                copy_bytes(sink, fi, 0, p.stat().st_size, _NoBar())
    return {}


def phase_profile(d: Path, out: Path, repeat: int) -> dict:
    """The prune's phases one by one, in this process (warm cache), fastest of ``repeat``."""
    import torch

    from emp_theory._kernels import n_workers
    from emp_theory.streaming import passes
    from emp_theory.streaming import reader as reader_mod
    from emp_theory.streaming.exact import exact_stats
    from emp_theory.streaming.folder import open_checkpoint
    from emp_theory.streaming.group import Group, Seg
    from emp_theory.streaming.keys import magnitude_keys
    from emp_theory.streaming.reader import Reader, by_shard, jobs_of, run_pieces
    from emp_theory.streaming.rule import PruneRule
    from emp_theory.streaming.writer import Flusher, Sink, write_shard

    class _NoBar:
        total = 0

        def update(self, n):
            pass

        def refresh(self):
            pass

    torch.set_num_threads(1)  # as the prune
    ck = open_checkpoint(d)
    rule = PruneRule()  # the default: the linear/conv weights
    segs = [Seg(sh, t, 0) for sh in ck.shards for t in sh.tensors if rule(t)]
    reader = Reader(_NoBar())

    def over(fn):
        for _, ss in by_shard(Group(list(segs)).segs):
            run_pieces(fn, jobs_of(ss), reader)

    state = {}

    def statistics():
        g = Group(list(segs))
        passes.pass_hist(g, reader)
        state["g"] = g

    def selection():
        g = state["g"]
        exact_stats(g)
        passes.threshold(g, reader, 1.0)
        state["ties"] = g.ties

    def write():
        g = state["g"]
        g.ties = state["ties"]
        out.mkdir(parents=True, exist_ok=True)
        with Flusher() as flusher:
            for sh in ck.shards:
                mine = {s.tensor.name: (s, g) for s in g.segs if s.shard is sh}
                write_shard(sh, out / sh.name, mine, reader, flusher)

    def copy():
        phase_copy_rd(d, out)

    steps = {
        "read": lambda: over(lambda job, raw, sc: None),
        "decode": lambda: over(
            lambda job, raw, sc: magnitude_keys(raw, job[0].tensor.dtype, "BF16", sc)
        ),
        "statistics": statistics,
        "selection": selection,
        "write": write,
        "copy-rd": copy,
    }

    waited = [0.0]  # seconds the filling thread waited for the writer to free a buffer
    real_await = Sink._await

    def _await(self, f):
        t = time.perf_counter()
        real_await(self, f)
        waited[0] += time.perf_counter() - t

    Sink._await = _await

    def timed(fn):
        best = None
        for _ in range(repeat):
            shutil.rmtree(out, ignore_errors=True)
            ru = resource.getrusage(resource.RUSAGE_SELF)
            c0 = ru.ru_utime + ru.ru_stime
            waited[0] = 0.0
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            ru = resource.getrusage(resource.RUSAGE_SELF)
            if best is None or dt < best[0]:
                best = (dt, ru.ru_utime + ru.ru_stime - c0, waited[0])
        return {"seconds": best[0], "cpu_seconds": best[1], "waited_seconds": best[2]}

    res = {}
    workers = n_workers()
    for name, fn in steps.items():
        res[name] = timed(fn)
        if name in PARALLEL_STEPS:  # the same on one pool thread: does it scale with CPUs?
            real = reader_mod.n_workers
            reader_mod.n_workers = lambda: 1
            try:
                res[name]["one_thread"] = timed(fn)["seconds"]
            finally:
                reader_mod.n_workers = real
    reader.close()
    shutil.rmtree(out, ignore_errors=True)
    return {"steps": res, "workers": workers}


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
    elif args.phase == "copy-rd":
        res = phase_copy_rd(d, Path(args.out))
    elif args.phase == "prune":
        res = phase_prune(d, Path(args.out), "exact")
    elif args.phase == "prune-core":
        res = phase_prune(d, Path(args.out), "core")
    elif args.phase == "profile":
        res = phase_profile(d, Path(args.out), args.repeat)
    else:
        raise SystemExit(f"unknown phase {args.phase!r}")
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
    ap.add_argument(
        "--repeat", type=int, default=3, help="runs per phase; the fastest is kept (default 3)"
    )
    ap.add_argument(
        "--profile", action="store_true", help="also time the prune's phases one by one (warm)"
    )
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
    ap.add_argument("--json", help="also write the raw results as JSON to this file")
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
        prof = None
        if args.profile:
            shutil.rmtree(out, ignore_errors=True)
            _run("touch", src)
            prof = _run("profile", src, out=out, repeat=args.repeat)

        print()
        print(
            f"{'cache':<6} {'phase':<10} {'wall s':>7} {'GB/s':>7} {'/ read':>7} {'/ limit':>8} "
            f"{'CPU s':>7} {'peak RSS':>9} {'(base)':>7} {'RSS/shard':>9} {'load':>11}"
        )
        for cache, res in rows:
            fastest, limit = _limit(res)
            for phase, r in res.items():
                gbs = total / r["seconds"] / 1e9
                print(
                    f"{cache:<6} {phase:<10} {r['seconds']:>7.2f} {gbs:>7.3f} "
                    f"{r['seconds'] / fastest[1]:>6.2f}x {r['seconds'] / limit:>7.2f}x "
                    f"{r['cpu_seconds']:>7.2f} "
                    f"{r['peak_rss'] / 2**20:>7.0f}MB {r['base_rss'] / 2**20:>5.0f}MB "
                    f"{r['peak_rss'] / largest:>9.2f} "
                    f"{r['load'][0]:>5.2f}-{r['load'][1]:<5.2f}"
                )
            for name in PRUNES:
                p = res[name]
                print(
                    f"       {name}: N = {p['N']}, N_eff = {p['n_eff']}, k = {p['k']}, "
                    f"sparsity {p['sparsity']:.4f}, {p['passes']} passes, analysis "
                    f"{p['timing']['analysis_s']:.2f} s + write {p['timing']['write_s']:.2f} s"
                )
        print()
        for line in _verdicts(rows, largest):
            print(line)
        if prof is not None:
            print()
            for line in _profile_lines(prof, total):
                print(line)
        if args.markdown:
            Path(args.markdown).write_text(_markdown(rows, prof, total, largest, args))
            print(f"wrote {args.markdown}")
        if args.json:
            raw = {"rows": rows, "profile": prof, "total": total, "largest": largest}
            raw |= {"repeat": args.repeat, "threads": THREADS, "cpus": os.cpu_count()}
            Path(args.json).write_text(json.dumps(raw, indent=1) + "\n")
            print(f"wrote {args.json}")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


def _limit(res: dict) -> tuple[tuple[str, float], float]:
    """The fastest plain read (name, s) and the two-pass limit: that read + the fastest copy."""
    read = min(((p, res[p]["seconds"]) for p in READS), key=lambda x: x[1])
    copy = min(res[p]["seconds"] for p in COPIES)
    return read, read[1] + copy


def _verdicts(rows, largest: int) -> list[str]:
    """One line per cache state and prune: the ratios and whether the goals are met."""
    out = []
    for cache, res in rows:
        (rname, rsec), limit = _limit(res)
        cname = min(COPIES, key=lambda p: res[p]["seconds"])
        out.append(
            f"{cache}: two-pass limit = {rname} {rsec:.2f} s + {cname} "
            f"{res[cname]['seconds']:.2f} s = {limit:.2f} s"
        )
        for name in PRUNES:
            ratio = res[name]["seconds"] / limit
            rss = res[name]["peak_rss"] / largest
            out.append(
                f"  {name}: {res[name]['seconds']:.2f} s = {ratio:.2f} x the limit "
                f"(goal <= {GOAL_RATIO}: {'met' if ratio <= GOAL_RATIO else 'NOT met'}); "
                f"peak RSS / largest shard = {rss:.2f} "
                f"(goal <= {GOAL_RSS}: {'met' if rss <= GOAL_RSS else 'NOT met'})"
            )
    return out


def _bound(name: str, steps: dict, workers: int) -> str:
    """What bounds a step of the profile, read off the measurements.

    A pool step is bound by its arithmetic (the CPUs) when it costs more CPU time on
    top of the plain read of the same pieces than that read itself, else by the
    memory copies of the read; its speed-up from one thread to ``workers`` is shown
    too (on a machine shared with other work it is below ``workers`` even for
    arithmetic). A writing step (``write``, ``copy-rd``) is bound by the disk's writes
    when the thread that fills the writer's buffers spends at least ``WAIT_BOUND`` of
    its time waiting for the writer thread to free one (else by that thread's own work:
    reading and masking).
    """
    st = steps[name]
    if name in PARALLEL_STEPS:
        scale = f"{st['one_thread'] / st['seconds']:.2f}x faster on {workers} threads than on 1"
        base = steps["read"]["cpu_seconds"]
        if name == "read":
            return f"memory copies from the page cache ({scale})"
        extra = st["cpu_seconds"] - base
        what = "the CPUs" if extra >= base else "memory copies"
        return f"{what}: {extra:.2f} CPU s on top of the read's {base:.2f} ({scale})"
    if name in ("write", "copy-rd"):
        share = st["waited_seconds"] / st["seconds"]
        what = "the disk's writes" if share >= WAIT_BOUND else "the filling thread"
        what += f" (the filling thread waited {share:.0%} of the time for a free buffer)"
        if name == "copy-rd":
            return f"{what}; reference"
        r = st["seconds"] / steps["copy-rd"]["seconds"]
        return f"{what}; {r:.2f}x the plain copy through the same writer"
    if name == "selection":
        return "negligible: a scan of the 2^15-bin histogram"
    return ""


def _profile_lines(prof: dict, total: int) -> list[str]:
    w = prof["workers"]
    steps = prof["steps"]
    lines = [f"prune phases (warm, in one process, {w} pool thread(s), fastest of the runs):"]
    for name, st in steps.items():
        lines.append(
            f"  {name:<10} {st['seconds']:>7.3f} s  CPU {st['cpu_seconds']:>7.3f} s  "
            f"{total / st['seconds'] / 1e9:>7.2f} GB/s  {_bound(name, steps, w)}"
        )
    return lines


def _markdown(rows, prof, total: int, largest: int, args) -> str:
    """The results as Markdown tables (wall-time ratios to the fastest read and the limit)."""
    load = [r["load"][k] for _, res in rows for r in res.values() for k in (0, 1)]
    lines = [
        f"Recorded {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPUs shared with other "
        f"work (load average {min(load):.2f}-{max(load):.2f} during the runs); every "
        f"phase is the fastest of {args.repeat} run(s), each in a fresh process.",
        "",
        "| cache | phase | wall s | GB/s | / fastest plain read | / two-pass limit | "
        "peak RSS / largest shard |",
        "|---|---|---|---|---|---|---|",
    ]
    for cache, res in rows:
        (_, rsec), limit = _limit(res)
        for phase, r in res.items():
            if phase == "touch":
                continue
            lines.append(
                f"| {cache} | {phase} | {r['seconds']:.2f} | {total / r['seconds'] / 1e9:.2f} "
                f"| {r['seconds'] / rsec:.2f}x | {r['seconds'] / limit:.2f}x "
                f"| {r['peak_rss'] / largest:.2f} |"
            )
    lines += [
        "",
        f"{total / GiB:.2f} GiB of bf16 shards (largest {largest / GiB:.2f} GiB). "
        f"`raw`: the bytes only; `read`: safetensors, float32 decode, abs, sum on {THREADS} torch "
        "thread(s); `read1`: the same on one; `copy-buf`/`copy`: read through safetensors "
        "and written unchanged through the page cache / the prune's writer; `copy-rd`: "
        "the bytes read straight into the prune's writer; `prune`: the default "
        '`stats="exact"`; `prune-core`: `stats="core"`. The two-pass limit is the '
        "fastest plain read plus the fastest copy in the same cache state:",
        "",
    ]
    lines += [
        f"- {v.strip()}" if v[0] != " " else f"  - {v.strip()}" for v in _verdicts(rows, largest)
    ]
    if prof is not None:
        lines += [
            "",
            f"The prune's phases one by one (warm, in one process, {prof['workers']} pool "
            "threads; `read`: the pruned tensors' pieces into the threads' buffers; "
            "`decode`: + magnitude keys; `statistics`: + the histogram, i.e. pass 1; "
            "`selection`: exact N_eff, k and the threshold from the histogram; `write`: "
            "pass 2; `copy-rd`: the plain copy through the same writer, for reference):",
            "",
            "| prune phase (warm) | wall s | CPU s | GB/s | bound |",
            "|---|---|---|---|---|",
        ]
        for name, st in prof["steps"].items():
            lines.append(
                f"| {name} | {st['seconds']:.3f} | {st['cpu_seconds']:.3f} "
                f"| {total / st['seconds'] / 1e9:.2f} "
                f"| {_bound(name, prof['steps'], prof['workers'])} |"
            )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
