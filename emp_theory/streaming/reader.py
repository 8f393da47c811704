r"""Reading shards: positioned reads of pieces into per-thread buffers, on the thread pool.

A pass over a group (:class:`~emp_theory.streaming.group.Group`) reads every pruned
tensor piece by piece. A tensor of the concatenation is cut into *pieces*
(:func:`pieces`) that never straddle a statistics chunk of the core
(:data:`!emp_theory._kernels.CHUNK` entries of the concatenation counted from the
group's first entry). :func:`run_pieces` hands the pieces of one shard to the core's
thread pool, each worker taking the next piece as soon as it is free: it reads the
piece's bytes with one positioned read (``os.preadv``) into its own buffer
(:class:`Scratch`, allocated once, so nothing is allocated per piece) and processes
it; the results come back in piece order, so what the passes add up does not depend
on the number of threads nor on which thread took which piece.

Why reads and not a memory map
    A read copies the bytes once from the page cache (or the disk) into a buffer that
    stays in the CPU caches, while the next piece's read proceeds in another thread.
    A memory map avoids that copy but counts every touched page of the shard in the
    resident set until it is unmapped, so peak memory would be a whole shard on top
    of the interpreter; with reads it is the interpreter plus a few MB of buffers,
    whatever the shard size, and no slower (4 GiB of cached bf16 shards read and keyed
    on two threads: 0.17 s, against 0.21 s through a map, on the book's machine). The
    shard's header was checked against its size
    (:func:`~emp_theory.streaming.headers.read_shard`); a file that shrinks while it
    is read ends in the same one-line error as a truncated one.

Arguments: ``n`` is a number of entries of one tensor, ``start`` the offset of the
tensor's first entry in the group's concatenation (of length :math:`N`); a job is
``(seg, a, b)``: entries ``[a, b)`` of segment ``seg``'s tensor.

``torch`` is imported only when a :class:`Scratch` is made.

Examples
--------
>>> list(pieces(5, PIECE - 2))  # the piece boundary of the group is kept
[(0, 2), (2, 5)]
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import wait
from pathlib import Path

import numpy as np

from .._kernels import CHUNK, n_workers, pool
from .headers import BITS, TensorEntry, corrupt
from .keys import UINT

__all__ = [
    "ALIGN",
    "PIECE",
    "Reader",
    "Scratch",
    "aligned",
    "by_shard",
    "jobs_of",
    "pieces",
    "run_pieces",
]

#: Entries per processing piece; equal to ``CHUNK`` (or a divisor of it) so that no
#: piece straddles a statistics chunk of the core.
PIECE = CHUNK
assert CHUNK % PIECE == 0
#: Alignment of I/O buffers (covers 512 B and 4 KiB sectors, as ``O_DIRECT`` needs).
ALIGN = 4096


def aligned(n: int) -> np.ndarray:
    """``n`` bytes whose address is a multiple of ``ALIGN``."""
    a = np.empty(n + ALIGN, dtype=np.uint8)
    off = (-a.ctypes.data) % ALIGN
    return a[off : off + n]


class Scratch:
    """Work arrays of one thread, allocated once per run (fresh ones cost a page fault per 4 KiB)."""

    def __init__(self):
        import torch

        self.c64 = np.empty(CHUNK, dtype=np.float64)
        self.c64_t = torch.from_numpy(self.c64)  # shares memory
        self.c32 = self.c64.view(np.float32)[:CHUNK]  # the same memory, as float32
        self.c32_t = torch.from_numpy(self.c32)
        self.keep = np.empty(PIECE, dtype=bool)
        self.eq = np.empty(PIECE, dtype=bool)
        self._uint: dict[tuple[int, str], np.ndarray] = {}
        self._in = aligned(0)

    def uint(self, bits: int, role: str, n: int) -> np.ndarray:
        """The first ``n`` entries of the unsigned ``bits``-wide work array named ``role``."""
        a = self._uint.get((bits, role))
        if a is None:
            a = self._uint[(bits, role)] = np.empty(PIECE, dtype=UINT[bits])
        return a[:n]

    def inbuf(self, nbytes: int) -> np.ndarray:
        """An aligned input buffer of ``nbytes`` bytes (grown, never shrunk)."""
        if self._in.size < nbytes:
            self._in = aligned(nbytes)
        return self._in[:nbytes]


def _pread_into(fd: int, buf: np.ndarray, offset: int) -> int:
    """Read ``buf.size`` bytes at ``offset`` (fewer only at the end of the file)."""
    mv = memoryview(buf)
    got = 0
    while got < len(mv):
        if hasattr(os, "preadv"):
            k = os.preadv(fd, [mv[got:]], offset + got)
        else:  # pragma: no cover - platforms without preadv (Windows)
            data = os.pread(fd, len(mv) - got, offset + got)
            k = len(data)
            mv[got : got + k] = data
        if k == 0:
            break
        got += k
    return got


class Reader:
    """Keeps at most one shard open and reads pieces of its tensors.

    Also owns the work arrays: one :class:`Scratch` per pool worker and one for the
    calling thread (``main``), and the progress bar ``bar`` that every pass updates.
    """

    def __init__(self, bar):
        self.bar = bar
        self.path: Path | None = None
        self._fd: int | None = None
        self.main = Scratch()
        self._scratch: dict[int, Scratch] = {}

    @property
    def scratch(self) -> Scratch:
        return self.main

    def worker_scratch(self, i: int) -> Scratch:
        s = self._scratch.get(i)
        if s is None:
            s = self._scratch[i] = Scratch()
        return s

    def open(self, path: Path) -> int:
        """The descriptor of shard ``path`` (the previous shard is closed)."""
        if path == self.path:
            return self._fd
        self.close()
        try:
            self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise ValueError(f"`in_dir`: cannot read {path.name}: {exc}") from None
        if hasattr(os, "posix_fadvise"):  # larger read-ahead for the sequential scan
            os.posix_fadvise(self._fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        self.path = path
        return self._fd

    def read(self, path: Path, data_start: int, t: TensorEntry, a: int, b: int, sc: Scratch):
        """Entries ``[a, b)`` of tensor ``t`` as a flat unsigned-integer array in ``sc``'s buffer.

        ``data_start`` is the offset of the shard's data section. The shard must have
        been opened (:meth:`open`) by the calling thread before workers read from it.
        """
        bits = BITS[t.dtype]
        out = sc.inbuf((b - a) * (bits // 8)).view(UINT[bits])
        self.read_into(path, data_start, t, a, out)
        return out

    def read_into(self, path: Path, data_start: int, t: TensorEntry, a: int, out: np.ndarray):
        """Fill ``out`` (C-contiguous) with the bytes of entries ``a, a + 1, ...`` of ``t``."""
        buf = out.view(np.uint8)
        got = _pread_into(self.open(path), buf, data_start + t.begin + a * out.itemsize)
        if got != buf.size:
            raise corrupt(path, "the file ended early: it changed while being read")

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self.path = None


def pieces(n: int, start: int):
    """Split ``[0, n)`` at multiples of ``PIECE`` counted from the group offset ``start``."""
    a = 0
    while a < n:
        b = min(n, a + PIECE - (start + a) % PIECE)
        yield a, b
        a = b


def by_shard(segs):
    """The segments of a group in order, grouped by shard: ``[(shard, [seg, ...]), ...]``."""
    out = []
    for s in segs:
        if out and out[-1][0] is s.shard:
            out[-1][1].append(s)
        else:
            out.append((s.shard, [s]))
    return out


def jobs_of(segs) -> list[tuple]:
    """Every piece ``(seg, a, b)`` of the segments ``segs``, in the group's order."""
    return [(s, a, b) for s in segs for a, b in pieces(s.tensor.numel, s.start)]


def run_pieces(fn, jobs: list[tuple], reader: Reader) -> list:
    """``[fn(job, raw, scratch) for job in jobs]`` on the thread pool, in job order.

    Every job is a piece ``(seg, a, b)`` of one shard; ``raw`` is its bytes as
    unsigned integers (:meth:`Reader.read`) in the thread's ``scratch`` buffer, valid
    only during the call. Workers take the next job as soon as they are free. Every
    worker has finished before this returns or raises (the first error is raised).
    """
    if not jobs:
        return []
    sh = jobs[0][0].shard
    reader.open(sh.path)
    out = [None] * len(jobs)

    def do(i: int, sc: Scratch) -> None:
        seg, a, b = jobs[i]
        raw = reader.read(sh.path, sh.data_start, seg.tensor, a, b, sc)
        out[i] = fn(jobs[i], raw, sc)

    n = min(n_workers(), len(jobs))
    if n == 1:
        for i in range(len(jobs)):
            do(i, reader.worker_scratch(0))
        return out
    lock = threading.Lock()
    nxt = iter(range(len(jobs)))
    failed = threading.Event()

    def worker(sc: Scratch) -> None:
        while not failed.is_set():
            with lock:
                i = next(nxt, None)
            if i is None:
                return
            try:
                do(i, sc)
            except BaseException:
                failed.set()
                raise

    futs = [pool().submit(worker, reader.worker_scratch(w)) for w in range(n)]
    try:
        wait(futs)
    except BaseException:  # Ctrl-C in the calling thread: stop the workers, then leave
        failed.set()
        wait(futs)
        raise
    for f in futs:
        f.result()
    return out
