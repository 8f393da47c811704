r"""Reading shards: one memory-mapped shard at a time, pieces, and blocks on the thread pool.

One shard is memory-mapped at a time (``safetensors.safe_open`` with
``framework="pt"``, zero copy; :class:`Reader`). A tensor of the concatenation is cut
into *pieces* (:func:`pieces`) that never straddle a statistics chunk of the core
(:data:`~emp_theory._kernels.CHUNK` entries of the concatenation counted from the
group's first entry), and the analysis passes hand contiguous *blocks* of pieces to
the core's thread pool, one block per CPU (:func:`run_blocks`); each block has its own
work arrays (:class:`Scratch`), so nothing is allocated per piece. Results come back
in block order, so what the passes add up does not depend on the number of threads.

Arguments: ``n`` is a number of entries of one tensor, ``start`` the offset of the
tensor's first entry in the group's concatenation (of length :math:`N`).

``torch`` and ``safetensors`` are imported only when a :class:`Reader` is made.

Examples
--------
>>> list(pieces(5, PIECE - 2))  # the piece boundary of the group is kept
[(0, 2), (2, 5)]
>>> blocks(list(range(5)), 2)
[[0, 1], [2, 3, 4]]
"""

from __future__ import annotations

from concurrent.futures import wait
from pathlib import Path

import numpy as np

from .._kernels import CHUNK, n_workers, pool
from .headers import BITS, TensorEntry, corrupt
from .keys import UINT

__all__ = ["PIECE", "Reader", "Scratch", "blocks", "pieces", "run_blocks"]

#: Entries per processing piece; equal to ``CHUNK`` (or a divisor of it) so that no
#: piece straddles a statistics chunk of the core.
PIECE = CHUNK
assert CHUNK % PIECE == 0


class Scratch:
    """Work arrays allocated once per run (fresh large arrays cost a page fault per 4 KiB)."""

    def __init__(self):
        import torch

        self.c64 = np.empty(CHUNK, dtype=np.float64)
        self.c64_t = torch.from_numpy(self.c64)  # shares memory
        self.keep = np.empty(PIECE, dtype=bool)
        self.eq = np.empty(PIECE, dtype=bool)
        self._uint: dict[tuple[int, str], np.ndarray] = {}

    def uint(self, bits: int, role: str, n: int) -> np.ndarray:
        """The first ``n`` entries of the unsigned ``bits``-wide work array named ``role``."""
        a = self._uint.get((bits, role))
        if a is None:
            a = self._uint[(bits, role)] = np.empty(PIECE, dtype=UINT[bits])
        return a[:n]


class Reader:
    """Keeps at most one shard open (memory-mapped by ``safetensors.safe_open``).

    Also owns the work arrays: one :class:`Scratch` per pool worker and one for the
    calling thread (``main``), and the progress bar ``bar`` that every pass updates.
    """

    def __init__(self, bar):
        self.bar = bar
        self.path: Path | None = None
        self._ctx = None
        self._f = None
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

    def open(self, path: Path):
        if path == self.path:
            return self._f
        self.close()
        from safetensors import SafetensorError, safe_open

        try:
            self._ctx = safe_open(str(path), framework="pt")
            self._f = self._ctx.__enter__()
        except (SafetensorError, OSError) as exc:
            raise corrupt(path, str(exc)) from None
        self.path = path
        return self._f

    def raw(self, path: Path, t: TensorEntry) -> np.ndarray:
        """Flat unsigned-integer view of the tensor's bytes (zero copy)."""
        return self.both(path, t)[1]

    def both(self, path: Path, t: TensorEntry):
        """The flat tensor (torch, its float dtype) and the unsigned view of its bytes."""
        import torch

        f = self.open(path)
        tt = f.get_tensor(t.name).reshape(-1)
        bits = BITS[t.dtype]
        ints = {8: torch.uint8, 16: torch.int16, 32: torch.int32, 64: torch.int64}[bits]
        return tt, tt.view(ints).numpy().view(UINT[bits])

    def close(self):
        if self._ctx is not None:
            self._f = None
            self._ctx.__exit__(None, None, None)
            self._ctx = None
        self.path = None


def pieces(n: int, start: int):
    """Split ``[0, n)`` at multiples of ``PIECE`` counted from the group offset ``start``."""
    a = 0
    while a < n:
        b = min(n, a + PIECE - (start + a) % PIECE)
        yield a, b
        a = b


def blocks(items: list, n: int) -> list[list]:
    """``items`` cut into at most ``n`` contiguous, non-empty, near-equal blocks."""
    k = len(items)
    n = max(1, min(n, k))
    return [items[i * k // n : (i + 1) * k // n] for i in range(n)]


def run_blocks(fn, items: list, reader: Reader) -> list:
    """``[fn(block, scratch) for block in blocks(items, n_workers())]`` on the thread pool.

    Each block is a contiguous run of pieces with its own work arrays; the results
    come back in block order. Every block has finished before this returns or
    raises (no worker is left reading a mapping that the caller may close).
    """
    blks = blocks(items, n_workers())
    if len(blks) == 1:
        return [fn(blks[0], reader.worker_scratch(0))]
    futs = [pool().submit(fn, blk, reader.worker_scratch(i)) for i, blk in enumerate(blks)]
    try:
        return [f.result() for f in futs]
    finally:
        wait(futs)
