r"""The write pass: masked tensors and verbatim bytes into one output shard per input shard.

Every entry whose magnitude key is above the group's threshold is kept, and of the
entries equal to it the first :attr:`~emp_theory.streaming.group.Group.ties` in the
global order, so exactly :math:`k = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}}
\rfloor, 1, N)` entries of the group are kept, ties broken as in
:func:`emp_theory.effective.emp_mask` (lowest flat index of the concatenation first);
pruned entries become ``+0.0`` (:func:`write_masked`). The header (with its
``__metadata__``) and the unpruned tensors are copied byte for byte
(:func:`copy_bytes`), so the output has the input's layout (:func:`write_shard`); the
other files of the checkpoint folder are copied whole (:func:`copy_file`).

Output
    :class:`Sink` writes a file in aligned 8 MiB blocks (:data:`SINK_BLOCK`) from a
    background thread while the calling thread masks the next block, with
    ``O_DIRECT`` where the OS and file system allow it (Linux; elsewhere, or with
    :data:`DIRECT_IO` false, through the page cache), so the copy of a model larger
    than memory does not evict the shards still to be read. A finished file is
    ``fsync``-ed and closed by a :class:`Flusher` on another thread, so one shard's
    flush to the disk overlaps the reads, masks and writes of the next; the driver
    waits for every flush (:meth:`Flusher.wait`, which raises the first error) before
    it publishes.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> tmp = tempfile.TemporaryDirectory()
>>> path = os.path.join(tmp.name, "f.bin")
>>> with Sink(path) as sink:
...     sink.write(b"header")
...     sink.write(np.arange(3, dtype=np.uint8))
>>> with open(path, "rb") as fh:
...     fh.read()
b'header\x00\x01\x02'
>>> tmp.cleanup()
"""

from __future__ import annotations

import errno
import os
import shutil
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np

from .._kernels import jit
from .group import Group, Seg
from .headers import BITS, Shard
from .keys import UINT, abs_mask, magnitude_keys
from .reader import ALIGN, Reader, aligned, pieces

__all__ = [
    "ALIGN",
    "DIRECT_IO",
    "SINK_BLOCK",
    "SINK_BUFFERS",
    "Flusher",
    "Sink",
    "aligned",
    "copy_bytes",
    "copy_file",
    "mask_inplace",
    "write_masked",
    "write_shard",
]

#: Write the output shards with ``O_DIRECT`` where the OS and file system allow it.
DIRECT_IO = True
#: Bytes per write of the output writer, and how many such buffers rotate.
SINK_BLOCK = 8 << 20
SINK_BUFFERS = 3


def _fsync_close(fd: int) -> None:
    try:
        os.fsync(fd)  # on disk before the folder is published
    finally:
        os.close(fd)


class Flusher:
    """``fsync`` and close finished output files on one background thread.

    :meth:`submit` hands over an open descriptor whose writes are done;
    :meth:`wait` returns once every file handed over is on the disk and closed, and
    raises the first error (``EIO``, ``ENOSPC`` of a delayed allocation, ...). As a
    context manager it waits on exit; after an exception in the block it still
    closes every descriptor, without raising a second error.
    """

    def __init__(self):
        self.ex = ThreadPoolExecutor(1, thread_name_prefix="emp_theory_flush")
        self.futs: list = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.wait()
        finally:  # after an error too: every descriptor closed, the thread ended
            wait(self.futs)
            self.ex.shutdown(wait=True)

    def submit(self, fd: int) -> None:
        """``fsync`` and close ``fd`` in the background (this object owns it from now on)."""
        self.futs.append(self.ex.submit(_fsync_close, fd))

    def wait(self) -> None:
        """Wait for every flush handed over; raise the first error."""
        futs, self.futs = self.futs, []
        wait(futs)
        for f in futs:
            f.result()


class Sink:
    """Sequential writer of one file: fixed aligned blocks written by a background thread.

    The calling thread fills one of ``SINK_BUFFERS`` buffers while a second thread
    writes the previous ones in order, so masking and disk writes overlap. The file
    is opened with ``O_DIRECT`` when the OS and the file system accept it: the
    blocks then go to the device without the page cache, so a pruned copy of a
    model larger than memory neither evicts the shards still to be read nor waits
    for the kernel to find page-cache memory. The last block is padded to the
    alignment and the file truncated to its length. If the file system refuses
    direct I/O (at open or at the first write) the same blocks are written through
    the page cache; the bytes written are the same either way. With a ``flusher``
    (:class:`Flusher`), :meth:`close` hands the descriptor to it for the ``fsync``
    instead of waiting for the disk.
    """

    def __init__(self, path: Path, flusher: Flusher | None = None):
        self.flusher = flusher
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
        direct = getattr(os, "O_DIRECT", 0)
        self.fd = None
        self.direct = False
        if DIRECT_IO and direct:
            try:
                self.fd = os.open(path, flags | direct, 0o666)
                self.direct = True
            except OSError:  # e.g. tmpfs: EINVAL
                self.fd = None
        if self.fd is None:
            self.fd = os.open(path, flags, 0o666)
        self.bufs = [aligned(SINK_BLOCK) for _ in range(SINK_BUFFERS)]
        self.futs = [None] * SINK_BUFFERS
        self.i = 0  # buffer being filled
        self.pos = 0  # bytes in it
        self.size = 0  # bytes accepted in all
        self.ex = ThreadPoolExecutor(1, thread_name_prefix="emp_theory_sink")

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self._shutdown(raise_errors=False)

    def write(self, data) -> None:
        """Append the bytes of ``data`` (a C-contiguous array or bytes-like object)."""
        src = np.frombuffer(memoryview(data).cast("B"), dtype=np.uint8)
        off = 0
        while off < src.size:
            k = min(src.size - off, SINK_BLOCK - self.pos)
            self.bufs[self.i][self.pos : self.pos + k] = src[off : off + k]
            off += k
            self.advance(k)

    def space(self) -> np.ndarray:
        """The free part of the current buffer; fill a prefix, then :meth:`advance`."""
        return self.bufs[self.i][self.pos :]

    def advance(self, k: int) -> None:
        self.pos += k
        self.size += k
        if self.pos == SINK_BLOCK:
            self._submit(self.pos)

    def _submit(self, n: int) -> None:
        self.futs[self.i] = self.ex.submit(self._write_block, self.bufs[self.i][:n])
        self.i = (self.i + 1) % SINK_BUFFERS
        self.pos = 0
        f, self.futs[self.i] = self.futs[self.i], None
        if f is not None:
            self._await(f)

    def _await(self, f) -> None:
        """Wait until the write of a buffer is done (it is free again); its error surfaces here."""
        f.result()

    def _write_block(self, buf: np.ndarray) -> None:
        mv = memoryview(buf)
        while len(mv):
            try:
                k = os.write(self.fd, mv)
            except OSError as exc:
                if self.direct and exc.errno == errno.EINVAL:
                    self._buffered()  # the file system refuses direct I/O after all
                    continue
                raise
            if self.direct and k % ALIGN:  # a short unaligned write: go on buffered
                self._buffered()
            mv = mv[k:]

    def _buffered(self) -> None:
        import fcntl

        fl = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        fcntl.fcntl(self.fd, fcntl.F_SETFL, fl & ~os.O_DIRECT)
        self.direct = False

    def close(self) -> None:
        """Write what is left, wait for every write, truncate padding, ``fsync`` and close.

        With a flusher the ``fsync`` and close run on its thread (:meth:`Flusher.wait`).
        """
        n = self.pos
        padded = False
        if n:
            if self.direct:
                m = -(-n // ALIGN) * ALIGN
                self.bufs[self.i][n:m] = 0
                padded = m != n
                n = m
            self.futs[self.i] = self.ex.submit(self._write_block, self.bufs[self.i][:n])
            self.pos = 0
        try:
            self._shutdown(raise_errors=True)
            if padded:
                os.ftruncate(self.fd, self.size)
        except BaseException:  # the descriptor is closed even when a write failed
            os.close(self.fd)
            self.fd = None
            raise
        fd, self.fd = self.fd, None
        if self.flusher is None:
            _fsync_close(fd)
        else:
            self.flusher.submit(fd)

    def _shutdown(self, raise_errors: bool) -> None:
        futs = [f for f in self.futs if f is not None]
        self.futs = [None] * SINK_BUFFERS
        wait(futs)
        self.ex.shutdown(wait=True)
        if not raise_errors:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None
            return
        for f in futs:
            f.result()


def write_masked(sink: Sink, seg: Seg, g: Group, reader: Reader) -> None:
    """Append tensor ``seg`` with the entries below ``g``'s threshold set to ``+0.0``.

    Each piece is read straight into the writer's free buffer space and masked there
    (:func:`mask_inplace`), so its bytes are copied once, from the file to the buffer
    that goes to the disk. Where a value would straddle two buffers (a header whose
    length is not a multiple of the element size) the piece goes through the scratch
    buffer and a copy.
    """
    t, sh = seg.tensor, seg.shard
    bits = BITS[t.dtype]
    item = bits // 8
    kept = 0
    sc = reader.scratch
    for a, b in pieces(t.numel, seg.start):
        off = a
        while off < b:
            space = sink.space()
            n = min(b - off, space.size // item)
            if n == 0 or space.ctypes.data % item:
                r = reader.read(sh.path, sh.data_start, t, off, b, sc)
                kept += mask_inplace(r, t.dtype, g, sc)
                sink.write(r)
                break
            r = space[: n * item].view(UINT[bits])
            reader.read_into(sh.path, sh.data_start, t, off, r)
            kept += mask_inplace(r, t.dtype, g, sc)
            sink.advance(n * item)
            off += n
    reader.bar.update(t.end - t.begin)
    seg.kept = kept


def mask_inplace(r: np.ndarray, dtype: str, g: Group, sc) -> int:
    """Set the entries of ``r`` (bit patterns of ``dtype``) below ``g``'s threshold to ``+0.0``.

    Of the entries equal to the threshold the first ``g.ties`` are kept (the count is
    used up in the global order, as the calls come). Returns the number kept.
    """
    n = r.size
    if dtype == g.key_dtype and jit.ready():  # the keys are the bit patterns, sign cleared
        kept, g.ties = jit.zero_below(r, abs_mask(BITS[dtype]), g.t_key, g.ties)
        return kept
    k = magnitude_keys(r, dtype, g.key_dtype, sc)
    keep = np.greater(k, g.t_key, out=sc.keep[:n])
    if g.ties > 0:  # entries equal to the threshold: the first g.ties of them
        eq = np.equal(k, g.t_key, out=sc.eq[:n])
        n_eq = int(np.count_nonzero(eq))
        if n_eq <= g.ties:
            np.logical_or(keep, eq, out=keep)
            g.ties -= n_eq
        else:
            keep[np.flatnonzero(eq)[: g.ties]] = True
            g.ties = 0
    np.multiply(r, keep, out=r)  # bit patterns: 0 is +0.0
    return int(np.count_nonzero(keep))


def copy_bytes(sink: Sink, fi, start: int, n: int, bar) -> None:
    """Copy ``n`` bytes of ``fi`` from ``start`` straight into the writer's buffers."""
    fi.seek(start)
    while n > 0:
        view = sink.space()
        k = fi.readinto(memoryview(view)[: min(n, view.size)])
        if not k:
            raise OSError("unexpected end of file")
        sink.advance(k)
        n -= k
        bar.update(k)


def write_shard(
    sh: Shard,
    tmp: Path,
    segs: dict[str, tuple[Seg, Group]],
    reader: Reader,
    flusher: Flusher | None = None,
) -> None:
    """Write shard ``sh`` to ``tmp``: header verbatim, pruned tensors masked, others copied.

    ``segs`` maps the names of the pruned tensors of ``sh`` to their segment and group;
    with a ``flusher`` the file's ``fsync`` is left to it (:class:`Sink`).
    """
    with Sink(tmp, flusher) as sink, open(sh.path, "rb", buffering=0) as fi:
        sink.write(sh.header)
        for t in sh.tensors:
            entry = segs.get(t.name)
            if entry is None or entry[1].zero:
                copy_bytes(sink, fi, sh.data_start + t.begin, t.end - t.begin, reader.bar)
            else:
                write_masked(sink, entry[0], entry[1], reader)


def copy_file(src: Path, dst: Path, flusher: Flusher | None = None) -> None:
    """Copy file `src` to `dst` byte for byte (``shutil.copyfile``) and ``fsync`` it.

    With a ``flusher`` the ``fsync`` runs on its thread (:class:`Flusher`).
    """
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    fd = os.open(dst, os.O_RDONLY)
    if flusher is None:
        _fsync_close(fd)
    else:
        flusher.submit(fd)
