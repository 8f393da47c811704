r"""Streaming EMP over sharded ``.safetensors`` checkpoints larger than memory.

Algorithm 1 of the paper needs two global quantities of a score vector
:math:`s \in \mathbb{R}^N`: the effective number (Algorithm 1, line 2, with the
weights :math:`\omega_i = |s_i| / \sum_j |s_j|` of eq. 2)

.. math::

    N_{\mathrm{eff}} = \Big\lfloor \frac{1}{\sum_i \omega_i^2} \Big\rfloor
                     = \Big\lfloor \frac{(\sum_i a_i)^2}{\sum_i a_i^2} \Big\rfloor,
    \qquad a_i = \frac{|s_i|}{\max_j |s_j|},

and the :math:`\nu`-th largest magnitude, :math:`\nu = \mathrm{clip}(\lfloor
\beta N_{\mathrm{eff}} \rfloor, 1, N)` (Algorithm 1, line 3, rounded as in
:func:`emp_theory.effective.keep_count`). For a checkpoint of tens of GB neither
the scores nor a sort of them fit in memory. :func:`prune_safetensors` computes
both exactly by streaming over memory-mapped shards with magnitude scores
:math:`s = w` (the weights themselves):

1. **max pass** -- :math:`m = \max_i |w_i|`, the scale of :math:`a` (NaN/inf rejected);
2. **statistics pass** -- :math:`\sum_i a_i` and :math:`\sum_i a_i^2` in float64,
   in the very chunks (:math:`2^{20}` entries of the concatenation), operations
   (``c = |w|/m``; ``sum(c)``; ``c *= c``; ``sum(c)``) and order that
   :func:`emp_theory.effective.n_eff` uses, so :math:`N_{\mathrm{eff}}` is
   bit-for-bit the in-memory one; then :math:`\nu`. The same pass counts the top
   16 bits of every magnitude's bit pattern into a histogram;
3. **refinement passes** (32- and 64-bit floats only) -- non-negative IEEE floats
   order like their unsigned bit patterns, so the :math:`\nu`-th largest magnitude
   is found digit by digit (16 bits a pass) from 65536-bin histograms
   (``torch.bincount``): none for bf16/fp16/fp8, one for fp32, three for fp64;
4. **write pass** -- every entry above the threshold is kept, and of the entries
   equal to it the first ones in the global order below, so exactly :math:`\nu`
   entries are kept with the ties broken as in :func:`emp_theory.effective.emp_mask`
   (lowest flat index of the concatenation first).

With ``stats="exact"`` (8- and 16-bit floats) passes 1-2 become one histogram
pass: the histogram of every magnitude bit pattern (:math:`2^{15}` for 16-bit,
:math:`2^7` for 8-bit floats) gives
:math:`N_{\mathrm{eff}} = \lfloor (\sum_k c_k V_k)^2 / \sum_k c_k V_k^2 \rfloor`
in exact integer arithmetic (:math:`c_k` counts, :math:`V_k` the magnitudes
scaled to integers), which is Algorithm 1's value without rounding; it can differ
from the float64 core by one when :math:`1/\sum\omega_i^2` lies within the core's
rounding error of an integer.

Global order (the "concatenation")
    Shards are the ``*.safetensors`` files directly inside ``IN_DIR``, sorted by
    file name; inside a shard, tensors are taken in the order of their bytes in
    the file (their ``data_offsets``); inside a tensor, row-major (flat) order.

Which tensors are pruned
    Floating tensors (F64, F32, F16, BF16, F8_E4M3, F8_E5M2) with ``ndim >= 2``
    (weight matrices, convolution kernels, embeddings). 1-D tensors (biases,
    norms) are copied unchanged unless ``include_1d=True``; scalars, empty and
    non-float tensors are always copied unchanged. With ``scope="global"`` all
    pruned tensors form one score vector; with ``scope="layer"`` each pruned tensor
    is its own score vector (EMP per tensor; an all-zero tensor is copied and
    flagged in the report, since its :math:`\omega` is undefined).

Threads
    The analysis passes cut each tensor into contiguous blocks of pieces, one per
    CPU (the core's thread pool); histograms and maxima are added, and the float64
    chunk sums are added in chunk order, so the results do not depend on the number
    of threads. The write pass masks in the calling thread while a second thread
    writes the previous 8 MiB block.

Memory and output
    One shard is memory-mapped at a time (``safetensors.safe_open`` with
    ``framework="pt"``, zero copy); the rest is ``O(bins + threads x chunk)``.
    Output shards are written in aligned 8 MiB blocks with ``O_DIRECT`` where the
    OS and file system allow it (Linux; elsewhere through the page cache), so the
    copy of a model larger than memory does not evict the shards still to be read.
    They go to hidden temporary names in ``OUT_DIR`` and are renamed
    (``os.replace``) only after every shard was written; the JSON report is written
    last, so an interrupted run leaves no partial file under a final name.

``torch`` and ``safetensors`` are imported inside the functions that need them;
importing this module needs only NumPy and tqdm.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning",
       arXiv:2509.25606, eq. (2) and Algorithm 1.
.. [2] D. E. Knuth, *The Art of Computer Programming*, vol. 3, Section 5.2.5
       (radix sorting/selection on digit histograms).
.. [3] safetensors file format, https://github.com/huggingface/safetensors
       (8-byte little-endian header length, JSON header, contiguous byte buffer).
"""

from __future__ import annotations

import errno
import json
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._kernels import CHUNK as _CHUNK
from ._kernels import beta_keep as _beta_keep
from ._kernels import floor_guarded as _floor_guarded
from ._kernels import n_workers as _n_workers
from ._kernels import pool as _pool
from ._validation import as_positive_finite

__all__ = ["REPORT_NAME", "magnitude_histogram", "prune_safetensors", "shard_tensors"]

#: Entries per processing piece; equal to ``_CHUNK`` (or a divisor of it) so that no
#: piece straddles a statistics chunk of the core.
_PIECE = _CHUNK
#: Bits per radix digit.
_DIGIT = 16
#: Bytes per block when copying unpruned tensors.
_COPY_BLOCK = 1 << 24
#: Largest header accepted (the safetensors library uses the same 100 MB limit).
_MAX_HEADER = 100_000_000
#: Default name of the JSON report in ``OUT_DIR``.
REPORT_NAME = "emp_report.json"

#: Width in bits of every dtype a safetensors header may name.
_BITS = {
    "F64": 64,
    "F32": 32,
    "F16": 16,
    "BF16": 16,
    "F8_E4M3": 8,
    "F8_E5M2": 8,
    "I64": 64,
    "I32": 32,
    "I16": 16,
    "I8": 8,
    "U64": 64,
    "U32": 32,
    "U16": 16,
    "U8": 8,
    "BOOL": 8,
}
#: Floating dtypes that can be pruned.
_FLOATS = ("F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2")
#: Smallest magnitude bit pattern that is inf or NaN, per float dtype.
_NONFINITE = {
    "F64": 0x7FF0000000000000,
    "F32": 0x7F800000,
    "F16": 0x7C00,
    "BF16": 0x7F80,
    "F8_E4M3": 0x7F,  # float8_e4m3fn: no inf, 0x7f is NaN
    "F8_E5M2": 0x7C,
}
_UINT = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}
_FLOAT_NP = {16: np.float16, 32: np.float32, 64: np.float64}


# ---------------------------------------------------------------------------
# Shard headers
# ---------------------------------------------------------------------------
@dataclass
class _Tensor:
    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


@dataclass
class _Shard:
    path: Path
    header: bytes  # the 8 length bytes and the JSON header, copied verbatim
    tensors: list[_Tensor]  # sorted by data offset

    @property
    def data_start(self) -> int:
        return len(self.header)


def _corrupt(path: Path, why: str) -> ValueError:
    return ValueError(f"`in_dir`: {path.name} is not a valid .safetensors file ({why})")


def _read_shard(path: Path) -> _Shard:
    """Parse and check a safetensors header (format: 8-byte LE length + JSON + data)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                raise _corrupt(path, "shorter than 8 bytes")
            n = int.from_bytes(head, "little")
            if n > min(size - 8, _MAX_HEADER):
                raise _corrupt(path, f"header length {n} exceeds the file")
            raw = fh.read(n)
    except OSError as exc:
        raise ValueError(f"`in_dir`: cannot read {path.name}: {exc}") from None
    try:
        hdr = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _corrupt(path, f"header is not JSON: {exc}") from None
    if not isinstance(hdr, dict):
        raise _corrupt(path, "header is not a JSON object")
    hdr.pop("__metadata__", None)  # kept verbatim in the copied header bytes
    tensors = []
    for name, d in hdr.items():
        try:
            dtype = str(d["dtype"])
            shape = tuple(int(x) for x in d["shape"])
            b, e = (int(x) for x in d["data_offsets"])
        except (TypeError, KeyError, ValueError) as exc:
            raise _corrupt(path, f"bad entry for tensor {name!r}: {exc!r}") from None
        if any(x < 0 for x in shape) or not 0 <= b <= e:
            raise _corrupt(path, f"bad shape or offsets for tensor {name!r}")
        bits = _BITS.get(dtype)
        if bits is not None and (e - b) * 8 != math.prod(shape) * bits:
            raise _corrupt(path, f"size of tensor {name!r} does not match its shape")
        tensors.append(_Tensor(name, dtype, shape, b, e))
    tensors.sort(key=lambda t: (t.begin, t.end))
    pos = 0
    for t in tensors:
        if t.begin != pos:
            raise _corrupt(path, f"tensor {t.name!r} is not contiguous with the previous one")
        pos = t.end
    if pos != size - 8 - n:
        raise _corrupt(path, f"data section holds {size - 8 - n} bytes, header describes {pos}")
    return _Shard(path=path, header=head + raw, tensors=tensors)


def _list_shards(in_dir: Path) -> list[_Shard]:
    if not in_dir.exists():
        raise ValueError(f"`in_dir` does not exist: {in_dir}")
    if not in_dir.is_dir():
        raise ValueError(f"`in_dir` is not a directory: {in_dir}")
    paths = sorted(
        (p for p in in_dir.iterdir() if p.suffix == ".safetensors" and p.is_file()),
        key=lambda p: p.name,
    )
    if not paths:
        raise ValueError(f"`in_dir` holds no .safetensors files: {in_dir}")
    return [_read_shard(p) for p in paths]


def _prunable(t: _Tensor, include_1d: bool) -> bool:
    nd = len(t.shape)
    return t.dtype in _FLOATS and t.numel > 0 and (nd >= 2 or (include_1d and nd == 1))


def shard_tensors(in_dir, *, include_1d: bool = False) -> list[dict]:
    """List the tensors of a sharded checkpoint in the global order used by EMP.

    The order is the one of the concatenation that :func:`prune_safetensors`
    treats as one score vector: shards sorted by file name, tensors by their data
    offset inside the shard, entries row-major.

    Parameters
    ----------
    in_dir : str or path-like
        Directory holding ``*.safetensors`` files.
    include_1d : bool, default False
        Count 1-D floating tensors as prunable.

    Returns
    -------
    list of dict
        One dict per tensor: ``shard``, ``name``, ``dtype``, ``shape``, ``numel``
        and ``pruned`` (whether EMP selects its entries).

    Raises
    ------
    ValueError
        If `in_dir` is missing, holds no ``.safetensors`` file, or a file is corrupt.
    """
    out = []
    for sh in _list_shards(Path(in_dir)):
        for t in sh.tensors:
            out.append(
                {
                    "shard": sh.path.name,
                    "name": t.name,
                    "dtype": t.dtype,
                    "shape": list(t.shape),
                    "numel": t.numel,
                    "pruned": _prunable(t, include_1d),
                }
            )
    return out


# ---------------------------------------------------------------------------
# Bit patterns and values
# ---------------------------------------------------------------------------
def _torch_dtype(dtype: str):
    import torch

    return {
        "F64": torch.float64,
        "F32": torch.float32,
        "F16": torch.float16,
        "BF16": torch.bfloat16,
        "F8_E4M3": torch.float8_e4m3fn,
        "F8_E5M2": torch.float8_e5m2,
    }[dtype]


def _as_float(raw: np.ndarray, dtype: str, target) -> np.ndarray:
    """Values (exactly) of the raw bit patterns ``raw`` of ``dtype``, as ``target`` floats."""
    if dtype == "F64":
        return raw.view(np.float64)
    with np.errstate(invalid="ignore"):  # signalling NaNs are rejected later, not here
        if dtype == "F32":
            return raw.view(np.float32).astype(target, copy=False)
        if dtype == "F16":
            return raw.view(np.float16).astype(target)
        if dtype == "BF16":  # bf16 is the upper half of a float32
            return (raw.astype(np.uint32) << 16).view(np.float32).astype(target, copy=False)
    import torch  # float8: let torch decode it (exact, as the core's `.float()`)

    t = torch.from_numpy(np.ascontiguousarray(raw)).view(_torch_dtype(dtype))
    return t.to(torch.float64 if target is np.float64 else torch.float32).numpy()


def _abs_mask(bits: int) -> int:
    return (1 << (bits - 1)) - 1


def _keys(raw: np.ndarray, dtype: str, key_dtype: str, scratch=None) -> np.ndarray:
    """Magnitude bit patterns of ``raw`` in the key format ``key_dtype``.

    Non-negative IEEE floats order like their bit patterns read as unsigned
    integers, so comparing keys compares magnitudes. Same-format keys are written
    into ``scratch`` (a :class:`_Scratch`) when given.
    """
    if dtype == key_dtype:
        if scratch is None:
            return raw & _abs_mask(_BITS[dtype])
        out = scratch.uint(_BITS[dtype], "key", raw.size)
        return np.bitwise_and(raw, _abs_mask(_BITS[dtype]), out=out)
    bits = _BITS[key_dtype]
    vals = _as_float(raw, dtype, _FLOAT_NP[bits])
    return vals.view(_UINT[bits]) & _abs_mask(bits)


def _key_value(key: int, key_dtype: str) -> float:
    """The magnitude whose bit pattern in ``key_dtype`` is ``key``."""
    bits = _BITS[key_dtype]
    return float(_as_float(np.array([key], dtype=_UINT[bits]), key_dtype, np.float64)[0])


def _key_dtype(dtypes: set[str]) -> str:
    """Common key format of a group: its dtype if unique, else float32 (float64 if any F64)."""
    if len(dtypes) == 1:
        return next(iter(dtypes))
    return "F64" if "F64" in dtypes else "F32"


class _Scratch:
    """Work arrays allocated once per run (fresh large arrays cost a page fault per 4 KiB)."""

    def __init__(self):
        import torch

        self.c64 = np.empty(_CHUNK, dtype=np.float64)
        self.c64_t = torch.from_numpy(self.c64)  # shares memory
        self.keep = np.empty(_PIECE, dtype=bool)
        self.eq = np.empty(_PIECE, dtype=bool)
        self._uint: dict[tuple[int, str], np.ndarray] = {}

    def uint(self, bits: int, role: str, n: int) -> np.ndarray:
        a = self._uint.get((bits, role))
        if a is None:
            a = self._uint[(bits, role)] = np.empty(_PIECE, dtype=_UINT[bits])
        return a[:n]


def _bincount(d: np.ndarray, nbins: int) -> np.ndarray:
    """Counts of the values ``0 <= d < nbins`` (``torch.bincount``, run single-threaded)."""
    import torch

    signed = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}[d.dtype.itemsize]
    if d.dtype.itemsize == 1:  # torch reads uint8 as such; int8 would go negative
        t = torch.from_numpy(d)
    else:
        t = torch.from_numpy(d.view(signed))
    return torch.bincount(t, minlength=nbins).numpy()


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------
class _Reader:
    """Keeps at most one shard open (memory-mapped by ``safetensors.safe_open``).

    Also owns the work arrays: one :class:`_Scratch` per pool worker and one for the
    calling thread (``main``).
    """

    def __init__(self, bar):
        self.bar = bar
        self.path: Path | None = None
        self._ctx = None
        self._f = None
        self.main = _Scratch()
        self._scratch: dict[int, _Scratch] = {}

    @property
    def scratch(self) -> _Scratch:
        return self.main

    def worker_scratch(self, i: int) -> _Scratch:
        s = self._scratch.get(i)
        if s is None:
            s = self._scratch[i] = _Scratch()
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
            raise _corrupt(path, str(exc)) from None
        self.path = path
        return self._f

    def raw(self, path: Path, t: _Tensor) -> np.ndarray:
        """Flat unsigned-integer view of the tensor's bytes (zero copy)."""
        return self.both(path, t)[1]

    def both(self, path: Path, t: _Tensor):
        """The flat tensor (torch, its float dtype) and the unsigned view of its bytes."""
        import torch

        f = self.open(path)
        tt = f.get_tensor(t.name).reshape(-1)
        bits = _BITS[t.dtype]
        ints = {8: torch.uint8, 16: torch.int16, 32: torch.int32, 64: torch.int64}[bits]
        return tt, tt.view(ints).numpy().view(_UINT[bits])

    def close(self):
        if self._ctx is not None:
            self._f = None
            self._ctx.__exit__(None, None, None)
            self._ctx = None
        self.path = None


def _pieces(n: int, start: int):
    """Split ``[0, n)`` at multiples of ``_PIECE`` counted from the group offset ``start``."""
    a = 0
    while a < n:
        b = min(n, a + _PIECE - (start + a) % _PIECE)
        yield a, b
        a = b


def _blocks(items: list, n: int) -> list[list]:
    """``items`` cut into at most ``n`` contiguous, non-empty, near-equal blocks."""
    k = len(items)
    n = max(1, min(n, k))
    return [items[i * k // n : (i + 1) * k // n] for i in range(n)]


def _run_blocks(fn, pieces: list, reader: _Reader) -> list:
    """``[fn(block, scratch) for block in _blocks(pieces, workers)]`` on the thread pool.

    Each block is a contiguous run of pieces with its own work arrays; the results
    come back in block order. Every block has finished before this returns or
    raises (no worker is left reading a mapping that the caller may close).
    """
    blocks = _blocks(pieces, _n_workers())
    if len(blocks) == 1:
        return [fn(blocks[0], reader.worker_scratch(0))]
    futs = [_pool().submit(fn, blk, reader.worker_scratch(i)) for i, blk in enumerate(blocks)]
    try:
        return [f.result() for f in futs]
    finally:
        wait(futs)


# ---------------------------------------------------------------------------
# One score vector (a group of tensors)
# ---------------------------------------------------------------------------
@dataclass
class _Seg:
    shard: _Shard
    tensor: _Tensor
    start: int  # offset of its first entry in the group's concatenation
    max_key: int = 0
    kept: int = 0


@dataclass
class _Group:
    segs: list[_Seg]
    key_dtype: str = ""
    N: int = 0
    hist: np.ndarray | None = None
    max_key: int = 0
    scale: float = 0.0
    l1: float = 0.0
    l2sq: float = 0.0
    n_eff: int = 0
    k: int = 0
    t_key: int = 0
    ties: int = 0  # entries equal to the threshold still to keep (write pass)
    passes: int = 0
    zero: bool = False
    stats: str = "core"

    def __post_init__(self):
        start = 0
        for s in self.segs:
            s.start = start
            start += s.tensor.numel
        self.N = start
        self.key_dtype = _key_dtype({s.tensor.dtype for s in self.segs})
        if self.bits > 16:  # exact sums need the full histogram of magnitudes
            self.stats = "core"

    @property
    def planned_passes(self) -> int:
        """Passes over the group's data before the write pass."""
        analysis = 1 if self.stats == "exact" else 2
        return analysis + -(-self.bits // _DIGIT) - 1

    @property
    def bits(self) -> int:
        return _BITS[self.key_dtype]

    @property
    def nbytes(self) -> int:
        return sum(s.tensor.end - s.tensor.begin for s in self.segs)


def _digit_shift(bits: int, level: int) -> int:
    return max(bits - _DIGIT * (level + 1), 0)


def _select(hist: np.ndarray, r: int) -> tuple[int, int]:
    """Bin holding the ``r``-th largest entry (1-based) and its rank inside that bin."""
    from_top = np.cumsum(hist[::-1])
    j = int(np.searchsorted(from_top, r))  # first position with count >= r
    b = hist.size - 1 - j
    above = int(from_top[j] - hist[b])
    return b, r - above


def _where(seg: _Seg, t: _Tensor) -> str:
    return f"tensor {t.name!r} in {seg.shard.path.name}"


def _max_hist_pass(g: _Group, reader: _Reader, nbins: int) -> None:
    """Max key per tensor (rejecting NaN/inf) and, if ``nbins``, the histogram of all keys."""
    hist = np.zeros(nbins, dtype=np.int64) if nbins else None
    for seg in g.segs:
        t = seg.tensor
        raw = reader.raw(seg.shard.path, t)

        def block(pieces, sc, raw=raw, t=t):
            mk = 0
            h = np.zeros(nbins, dtype=np.int64) if nbins else None
            for a, b in pieces:
                k = _keys(raw[a:b], t.dtype, g.key_dtype, sc)
                mk = max(mk, int(k.max()))
                if nbins:
                    h += _bincount(k, nbins)
            return mk, h

        res = _run_blocks(block, list(_pieces(raw.size, seg.start)), reader)
        del raw
        seg.max_key = max(mk for mk, _ in res)
        if nbins:
            for _, h in res:
                hist += h
        reader.bar.update(t.end - t.begin)
        if seg.max_key >= _NONFINITE[g.key_dtype]:
            raise ValueError(f"`in_dir`: {_where(seg, t)} contains NaN or inf")
    g.hist = hist
    g.max_key = max(s.max_key for s in g.segs)
    g.scale = _key_value(g.max_key, g.key_dtype)
    g.passes += 1


def _pass_max(g: _Group, reader: _Reader) -> None:
    """Pass 1: max |w| per tensor (the scale of the core's sums); rejects NaN/inf."""
    _max_hist_pass(g, reader, 0)


def _pass_hist(g: _Group, reader: _Reader) -> None:
    """Pass 1 of ``stats="exact"``: the histogram of every magnitude bit pattern (<= 16 bits)."""
    _max_hist_pass(g, reader, 1 << g.bits)


def _exact_stats(g: _Group) -> None:
    r"""N_eff in exact integer arithmetic from the histogram (``stats="exact"``).

    Every magnitude :math:`v_k` of a <= 16-bit float is a dyadic rational, so with
    :math:`L` the largest denominator :math:`V_k = L v_k` is an integer and, with
    :math:`c_k` the number of entries of magnitude :math:`v_k`,

    .. math::

        N_{\mathrm{eff}} = \Big\lfloor \frac{(\sum_k c_k V_k)^2}{\sum_k c_k V_k^2} \Big\rfloor

    exactly (Python integers); no rounding, hence no floor guard.
    """
    keys = np.flatnonzero(g.hist)
    vals = _as_float(keys.astype(_UINT[g.bits]), g.key_dtype, np.float64)
    ratios = [float(v).as_integer_ratio() for v in vals]
    L = max(q for _, q in ratios)
    V = [p * (L // q) for p, q in ratios]
    counts = [int(c) for c in g.hist[keys]]
    s1 = sum(c * v for c, v in zip(counts, V, strict=True))
    s2 = sum(c * v * v for c, v in zip(counts, V, strict=True))
    vmax = V[-1]  # keys ascend: the last is max |w|
    g.l1 = s1 / vmax  # int / int: correctly rounded
    g.l2sq = s2 / (vmax * vmax)
    g.n_eff = int(min(max(s1 * s1 // s2, 1), g.N))


def _pass_stats(g: _Group, reader: _Reader) -> None:
    """Pass 2: sum a_i, sum a_i^2 (as :func:`emp_theory.effective._stats`) and digit-0 histogram.

    The sums use the core's chunks of ``_CHUNK`` entries of the concatenation and
    its operations: ``c = |w| / m`` in float64, ``s1 = sum(c)``, ``c *= c``,
    ``s2 = sum(c)`` (NumPy's pairwise sums), then ``l1 += s1`` and ``l2sq += s2``
    in chunk order, so they are bit-for-bit equal. Chunks that lie inside one
    tensor are reduced on the thread pool; a chunk that straddles tensors (or
    shards) is assembled in the calling thread's buffer.
    """
    scale = g.scale
    bits = g.bits
    shift = _digit_shift(bits, 0)
    nbins = 1 << (bits - shift)
    hist = np.zeros(nbins, dtype=np.int64)
    sums: dict[int, tuple[float, float]] = {}  # chunk index -> (s1, s2)

    def widen(c_t, tt, a, b):
        # c = |w| / m in float64: exact widening, then IEEE division (torch, one
        # thread, vectorized; bit-identical to NumPy's `c /= m`, checked by the tests)
        c_t.copy_(tt[a:b])
        c_t.abs_()
        c_t.div_(scale)

    def digits(raw, t, sc, a, b):
        k = _keys(raw[a:b], t.dtype, g.key_dtype, sc)
        if shift:
            k = np.right_shift(k, shift, out=sc.uint(bits, "digit", b - a))
        return _bincount(k, nbins)

    def reduce(c):
        s1 = float(c.sum())
        c *= c
        return s1, float(c.sum())

    carry = reader.main.c64  # a chunk that straddles tensors
    carry_t = reader.main.c64_t
    pos = 0
    for seg in g.segs:
        t = seg.tensor
        tt, raw = reader.both(seg.shard.path, t)
        whole, part = [], []
        for a, b in _pieces(raw.size, seg.start):
            s = seg.start + a
            (whole if s % _CHUNK == 0 and b - a == min(_CHUNK, g.N - s) else part).append((a, b))

        def block(pieces, sc, tt=tt, raw=raw, t=t, start=seg.start):
            out, h = [], np.zeros(nbins, dtype=np.int64)
            for a, b in pieces:
                widen(sc.c64_t[: b - a], tt, a, b)
                out.append(((start + a) // _CHUNK, reduce(sc.c64[: b - a])))
                h += digits(raw, t, sc, a, b)
            return out, h

        for a, b in part:  # at most two: the end of a carried chunk, the start of the next
            s = seg.start + a
            n_chunk = min(_CHUNK, g.N - (s - s % _CHUNK))
            widen(carry_t[pos : pos + (b - a)], tt, a, b)
            hist += digits(raw, t, reader.main, a, b)
            pos += b - a
            if pos == n_chunk:
                sums[s // _CHUNK] = reduce(carry[:n_chunk])
                pos = 0
        if whole:
            for out, h in _run_blocks(block, whole, reader):
                sums.update(out)
                hist += h
        reader.bar.update(t.end - t.begin)
        del tt, raw  # release the shard's mapping before the next one is opened
    n_chunks = -(-g.N // _CHUNK)
    assert pos == 0 and len(sums) == n_chunks
    l1 = 0.0
    l2sq = 0.0
    for i in range(n_chunks):  # the core's order
        s1, s2 = sums[i]
        l1 += s1
        l2sq += s2
    g.l1, g.l2sq = l1, l2sq
    g.hist = hist
    inv = l1 * l1 / l2sq
    g.n_eff = int(min(max(_floor_guarded(inv, g.N), 1), g.N))
    g.passes += 1


def _pass_refine(g: _Group, reader: _Reader, prefix: int, level: int) -> np.ndarray:
    """Histogram of digit ``level`` of the keys whose higher digits equal ``prefix``."""
    bits = g.bits
    shift = _digit_shift(bits, level)
    hi = _digit_shift(bits, level - 1)
    nbins = 1 << (hi - shift)
    hist = np.zeros(nbins, dtype=np.int64)
    for seg in g.segs:
        t = seg.tensor
        raw = reader.raw(seg.shard.path, t)

        def block(pieces, sc, raw=raw, t=t):
            h = np.zeros(nbins, dtype=np.int64)
            for a, b in pieces:
                k = _keys(raw[a:b], t.dtype, g.key_dtype, sc)
                sel = k[(k >> hi) == prefix]
                if sel.size:
                    h += _bincount((sel >> shift) & (nbins - 1), nbins)
            return h

        for h in _run_blocks(block, list(_pieces(raw.size, seg.start)), reader):
            hist += h
        reader.bar.update(t.end - t.begin)
        del raw
    g.passes += 1
    return hist


def _analyse(g: _Group, reader: _Reader, beta: float) -> None:
    """Compute N_eff, nu and the exact threshold key of one group (passes 1-3)."""
    try:
        if g.stats == "exact":
            _pass_hist(g, reader)
        else:
            _pass_max(g, reader)
        if g.max_key == 0:
            g.zero = True
            return
        if g.stats == "exact":
            _exact_stats(g)
        else:
            _pass_stats(g, reader)
        _threshold(g, reader, beta)
    finally:  # keep the progress bar's byte count right when a pass is skipped
        reader.bar.update(max(g.planned_passes - g.passes, 0) * g.nbytes)


def _threshold(g: _Group, reader: _Reader, beta: float) -> None:
    """nu and the exact nu-th largest magnitude key (refinement passes for > 16 bits)."""
    g.k = _beta_keep(beta, g.n_eff, g.N)
    bits = g.bits
    b, r = _select(g.hist, g.k)
    prefix = b
    level = 0
    while _digit_shift(bits, level) > 0:
        level += 1
        hist = _pass_refine(g, reader, prefix, level)
        b, r = _select(hist, r)
        prefix = (prefix << (_digit_shift(bits, level - 1) - _digit_shift(bits, level))) | b
    g.t_key = prefix
    g.ties = r


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
#: Write the output shards with ``O_DIRECT`` where the OS and file system allow it.
_DIRECT = True
#: Alignment of direct-I/O buffers, offsets and lengths (covers 512 B and 4 KiB sectors).
_ALIGN = 4096
#: Bytes per write of the output writer, and how many such buffers rotate.
_SINK_BLOCK = 8 << 20
_SINK_BUFFERS = 3


def _aligned(n: int) -> np.ndarray:
    """``n`` bytes whose address is a multiple of ``_ALIGN``."""
    a = np.empty(n + _ALIGN, dtype=np.uint8)
    off = (-a.ctypes.data) % _ALIGN
    return a[off : off + n]


class _Sink:
    """Sequential writer of one file: fixed aligned blocks written by a background thread.

    The calling thread fills one of ``_SINK_BUFFERS`` buffers while a second thread
    writes the previous ones in order, so masking and disk writes overlap. The file
    is opened with ``O_DIRECT`` when the OS and the file system accept it: the
    blocks then go to the device without the page cache, so a pruned copy of a
    model larger than memory neither evicts the shards still to be read nor waits
    for the kernel to find page-cache memory. The last block is padded to the
    alignment and the file truncated to its length. If the file system refuses
    direct I/O (at open or at the first write) the same blocks are written through
    the page cache; the bytes written are the same either way.
    """

    def __init__(self, path: Path):
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
        direct = getattr(os, "O_DIRECT", 0)
        self.fd = None
        self.direct = False
        if _DIRECT and direct:
            try:
                self.fd = os.open(path, flags | direct, 0o666)
                self.direct = True
            except OSError:  # e.g. tmpfs: EINVAL
                self.fd = None
        if self.fd is None:
            self.fd = os.open(path, flags, 0o666)
        self.bufs = [_aligned(_SINK_BLOCK) for _ in range(_SINK_BUFFERS)]
        self.futs = [None] * _SINK_BUFFERS
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
            k = min(src.size - off, _SINK_BLOCK - self.pos)
            self.bufs[self.i][self.pos : self.pos + k] = src[off : off + k]
            off += k
            self.advance(k)

    def space(self) -> np.ndarray:
        """The free part of the current buffer; fill a prefix, then :meth:`advance`."""
        return self.bufs[self.i][self.pos :]

    def advance(self, k: int) -> None:
        self.pos += k
        self.size += k
        if self.pos == _SINK_BLOCK:
            self._submit(self.pos)

    def _submit(self, n: int) -> None:
        self.futs[self.i] = self.ex.submit(self._write_block, self.bufs[self.i][:n])
        self.i = (self.i + 1) % _SINK_BUFFERS
        self.pos = 0
        f, self.futs[self.i] = self.futs[self.i], None
        if f is not None:
            f.result()  # its buffer is free again; a write error surfaces here

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
            if self.direct and k % _ALIGN:  # a short unaligned write: go on buffered
                self._buffered()
            mv = mv[k:]

    def _buffered(self) -> None:
        import fcntl

        fl = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        fcntl.fcntl(self.fd, fcntl.F_SETFL, fl & ~os.O_DIRECT)
        self.direct = False

    def close(self) -> None:
        """Write what is left, wait for every write, truncate padding and close."""
        n = self.pos
        padded = False
        if n:
            if self.direct:
                m = -(-n // _ALIGN) * _ALIGN
                self.bufs[self.i][n:m] = 0
                padded = m != n
                n = m
            self.futs[self.i] = self.ex.submit(self._write_block, self.bufs[self.i][:n])
            self.pos = 0
        try:
            self._shutdown(raise_errors=True)
            if padded:
                os.ftruncate(self.fd, self.size)
        finally:  # the descriptor is closed even when a write failed
            os.close(self.fd)
            self.fd = None

    def _shutdown(self, raise_errors: bool) -> None:
        futs = [f for f in self.futs if f is not None]
        self.futs = [None] * _SINK_BUFFERS
        wait(futs)
        self.ex.shutdown(wait=True)
        if not raise_errors:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None
            return
        for f in futs:
            f.result()


def _write_masked(sink: _Sink, seg: _Seg, g: _Group, reader: _Reader) -> None:
    t = seg.tensor
    raw = reader.raw(seg.shard.path, t)
    kept = 0
    sc = reader.scratch
    for a, b in _pieces(raw.size, seg.start):
        r = raw[a:b]
        k = _keys(r, t.dtype, g.key_dtype, sc)
        keep = np.greater(k, g.t_key, out=sc.keep[: b - a])
        if g.ties > 0:  # entries equal to the threshold: the first g.ties of them
            eq = np.equal(k, g.t_key, out=sc.eq[: b - a])
            n_eq = int(np.count_nonzero(eq))
            if n_eq <= g.ties:
                np.logical_or(keep, eq, out=keep)
                g.ties -= n_eq
            else:
                keep[np.flatnonzero(eq)[: g.ties]] = True
                g.ties = 0
        kept += int(np.count_nonzero(keep))
        _emit_masked(sink, r, keep, sc.uint(_BITS[t.dtype], "out", b - a))
    reader.bar.update(t.end - t.begin)
    del raw
    seg.kept = kept


def _emit_masked(sink: _Sink, r: np.ndarray, keep: np.ndarray, out: np.ndarray) -> None:
    """Append ``r * keep`` (bit patterns; 0 is +0.0 where pruned) to ``sink``.

    Computed straight into the writer's buffer where the element size divides the
    free space, else through ``out`` and a copy.
    """
    item = r.itemsize
    off = 0
    while off < r.size:
        space = sink.space()
        n = min(r.size - off, space.size // item)
        if n == 0 or space.ctypes.data % item:  # a value would straddle two buffers
            sink.write(np.multiply(r[off:], keep[off:], out=out[: r.size - off]))
            return
        np.multiply(r[off : off + n], keep[off : off + n], out=space[: n * item].view(r.dtype))
        sink.advance(n * item)
        off += n


def _copy_bytes(sink: _Sink, fi, start: int, n: int, bar) -> None:
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


def _write_shard(sh: _Shard, tmp: Path, segs: dict[str, tuple[_Seg, _Group]], reader) -> None:
    with _Sink(tmp) as sink, open(sh.path, "rb", buffering=0) as fi:
        sink.write(sh.header)
        for t in sh.tensors:
            entry = segs.get(t.name)
            if entry is None or entry[1].zero:
                _copy_bytes(sink, fi, sh.data_start + t.begin, t.end - t.begin, reader.bar)
            else:
                _write_masked(sink, entry[0], entry[1], reader)


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------
def magnitude_histogram(in_dir, *, include_1d: bool = False, progress: bool = False) -> dict:
    r"""Exact histogram of the weight magnitudes of a checkpoint of 8- or 16-bit floats.

    One streamed pass (pass 1 of ``stats="exact"``): every magnitude :math:`|w_i|`
    of the tensors :func:`prune_safetensors` would prune (global scope) is counted
    by its bit pattern, so the histogram holds every distinct magnitude with its
    multiplicity. It determines Algorithm 1 completely: with :math:`c_k` entries of
    magnitude :math:`v_k`, :math:`\sum_i |w_i| = \sum_k c_k v_k`,
    :math:`\sum_i w_i^2 = \sum_k c_k v_k^2`, and the :math:`\nu`-th largest
    magnitude is the :math:`v_k` at which the count from the top reaches :math:`\nu`.

    Parameters
    ----------
    in_dir : str or path-like
        Directory with ``*.safetensors`` shards whose pruned tensors all have one
        8- or 16-bit float dtype (BF16, F16, F8_E4M3, F8_E5M2).
    include_1d : bool, default False
        Count 1-D floating tensors too.
    progress : bool, default False
        Show a tqdm progress bar.

    Returns
    -------
    dict
        ``dtype``; ``values`` (float64, ascending) and ``counts`` (int64) of the
        magnitudes present; ``N`` (entries counted, ``counts.sum()``).

    Raises
    ------
    ValueError
        If `in_dir` is missing, empty or corrupt, has no prunable tensor, mixes
        float dtypes or holds wider floats (a 32-bit histogram would have
        :math:`2^{31}` bins), or the weights contain NaN/inf.
    """
    shards = _list_shards(Path(in_dir))
    segs = [_Seg(sh, t, 0) for sh in shards for t in sh.tensors if _prunable(t, include_1d)]
    if not segs:
        raise ValueError(
            f"`in_dir` has no prunable tensor (floating, ndim >= {1 if include_1d else 2})"
        )
    dtypes = sorted({s.tensor.dtype for s in segs})
    if len(dtypes) > 1 or _BITS[dtypes[0]] > 16:
        raise ValueError(
            f"`in_dir`: the histogram needs one 8- or 16-bit float dtype, found {dtypes}"
        )
    import torch
    from tqdm.auto import tqdm

    g = _Group(segs, stats="exact")
    threads = torch.get_num_threads()
    bar = tqdm(
        total=g.nbytes, unit="B", unit_scale=True, desc="emp histogram", disable=not progress
    )
    reader = _Reader(bar)
    try:
        torch.set_num_threads(1)
        _pass_hist(g, reader)
    finally:
        torch.set_num_threads(threads)
        reader.close()
        bar.close()
    keys = np.flatnonzero(g.hist)
    values = _as_float(keys.astype(_UINT[g.bits]), g.key_dtype, np.float64)
    return {"dtype": g.key_dtype, "values": values, "counts": g.hist[keys], "N": g.N}


def _check_dirs(in_dir: Path, out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"`out_dir` exists and is not a directory: {out_dir}")
    if out_dir.resolve() == in_dir.resolve() or (
        out_dir.exists() and os.path.samefile(out_dir, in_dir)
    ):
        raise ValueError(f"`out_dir` must differ from `in_dir` (refusing to overwrite {in_dir})")


def prune_safetensors(
    in_dir,
    out_dir,
    *,
    scope: str = "global",
    beta: float = 1.0,
    criterion: str = "magnitude",
    include_1d: bool = False,
    stats: str = "core",
    overwrite: bool = False,
    progress: bool = True,
    report_name: str = REPORT_NAME,
) -> dict:
    r"""EMP-prune a sharded ``.safetensors`` checkpoint without loading it (Algorithm 1).

    Keeps, of the scores :math:`s = w` of the pruned tensors, the
    :math:`\nu = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N)` largest
    magnitudes, :math:`N_{\mathrm{eff}} = \lfloor 1/\sum_i \omega_i^2 \rfloor` with
    :math:`\omega = |s|/\|s\|_1` (eq. 2, Algorithm 1 lines 1-3), and writes the
    checkpoint with zeros elsewhere. The masks are exactly those of
    :func:`emp_theory.effective.emp_mask` on the concatenation of the pruned tensors
    in the global order of the module docstring (``scope="global"``), or on each
    pruned tensor (``scope="layer"``): same :math:`N_{\mathrm{eff}}` arithmetic, same
    rounding of :math:`\nu`, ties kept lowest flat index first.

    Parameters
    ----------
    in_dir : str or path-like
        Directory with ``*.safetensors`` shards (any float dtype, including bf16).
    out_dir : str or path-like
        Output directory (created if missing); must differ from `in_dir`. Gets the
        pruned shards under the same names, dtypes and layout, and the JSON report.
    scope : {"global", "layer"}, default "global"
        One score vector over all pruned tensors, or one per tensor.
    beta : float, default 1.0
        Coefficient :math:`\beta > 0` of Algorithm 1.
    criterion : {"magnitude"}, default "magnitude"
        Score of an entry: its weight (magnitude pruning). Activation-aware scores
        (Wanda) need calibration data and are not streamed here.
    include_1d : bool, default False
        Also prune 1-D floating tensors (biases, norms).
    overwrite : bool, default False
        Replace shards or a report already present in `out_dir`.
    progress : bool, default True
        Show a tqdm progress bar (bytes processed over all passes) on stderr.
    stats : {"core", "exact"}, default "core"
        How :math:`N_{\mathrm{eff}}` is computed: ``"core"`` reproduces the float64
        sums of :func:`emp_theory.effective.n_eff` bit for bit (two passes);
        ``"exact"`` (8/16-bit floats; wider ones fall back to ``"core"``) computes
        :math:`\lfloor(\sum|w|)^2/\sum w^2\rfloor` exactly from a histogram of
        the magnitudes in one pass (see the module docstring).
    report_name : str, default "emp_report.json"
        File name of the JSON report inside `out_dir`.

    Returns
    -------
    dict
        The report: ``N`` (pruned entries), ``n_eff``, ``k``, ``threshold`` (the
        :math:`\nu`-th largest magnitude), ``max_abs`` :math:`m = \max_i |w_i|`,
        ``sum_a`` :math:`\sum_i a_i` and ``sum_a2`` :math:`\sum_i a_i^2` with
        :math:`a = |w|/m` (these six are ``None`` with ``scope="layer"``, where
        ``n_eff``, ``k``, ``threshold`` and ``stats`` are given per tensor), ``stats``
        (the mode used), ``kept``,
        ``sparsity`` :math:`1-\nu/N` over the pruned entries, ``overall_sparsity``
        (over every tensor entry), a ``tensors`` list (shard, name, dtype, shape,
        pruned, N, kept, sparsity, and per tensor ``n_eff``/``k``/``threshold`` in
        layer scope), ``passes`` over the pruned data and ``timing`` in seconds.

    Raises
    ------
    ValueError
        If `in_dir` is missing, has no ``.safetensors`` file or a corrupt one, no
        tensor is prunable, the weights contain NaN/inf or are all zero (global scope),
        `out_dir` equals `in_dir` or already holds an output and not `overwrite`,
        `scope`/`criterion`/`stats` are unknown, or `beta` is not finite and > 0.
    TypeError
        If `beta` is not a real number.

    Notes
    -----
    Runs torch with one intra-op thread (``torch.set_num_threads(1)``, restored
    on return) and parallelizes over blocks of pieces instead (module docstring,
    "Threads"). The bytes of unpruned tensors and the header (with its
    ``__metadata__``) are copied verbatim, so the output has the input's layout.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. (2), Algorithm 1.
    """
    t0 = time.perf_counter()
    b = as_positive_finite(beta, "beta")
    if scope not in ("global", "layer"):
        raise ValueError(f"`scope` must be 'global' or 'layer', got {scope!r}")
    if criterion != "magnitude":
        raise ValueError(f"`criterion` must be 'magnitude', got {criterion!r}")
    if stats not in ("core", "exact"):
        raise ValueError(f"`stats` must be 'core' or 'exact', got {stats!r}")
    in_dir = Path(in_dir)
    out_dir = Path(out_dir)
    shards = _list_shards(in_dir)
    _check_dirs(in_dir, out_dir)
    finals = [out_dir / sh.path.name for sh in shards] + [out_dir / report_name]
    if not overwrite:
        present = [p.name for p in finals if p.exists()]
        if present:
            raise ValueError(
                f"`out_dir` already holds {', '.join(present[:3])}"
                f"{' ...' if len(present) > 3 else ''} (pass overwrite=True / --overwrite)"
            )
    segs = [_Seg(sh, t, 0) for sh in shards for t in sh.tensors if _prunable(t, include_1d)]
    if not segs:
        raise ValueError(
            f"`in_dir` has no prunable tensor (floating, ndim >= {1 if include_1d else 2})"
        )
    from tqdm.auto import tqdm

    total_bytes = sum(sh.path.stat().st_size for sh in shards)
    if scope == "global":
        planned = [_Group(segs, stats=stats)]
    else:
        planned = [_Group([s], stats=stats) for s in segs]
    bar = tqdm(
        total=sum(g.planned_passes * g.nbytes for g in planned) + total_bytes,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc="emp prune",
        disable=not progress,
    )
    import torch

    threads = torch.get_num_threads()
    reader = _Reader(bar)
    tmps: list[Path] = []
    groups: list[_Group] = []
    seg_of: dict[tuple[str, str], tuple[_Seg, _Group]] = {}
    t_analysis = 0.0
    try:
        # torch.bincount on one thread is several times faster than on two busy cores;
        # the caller's setting is restored in `finally`
        torch.set_num_threads(1)
        out_dir.mkdir(parents=True, exist_ok=True)
        if scope == "global":
            g = _Group(segs, stats=stats)
            groups.append(g)
            bar.set_description("emp analyse")
            _analyse(g, reader, b)
            if g.zero:
                raise ValueError(
                    "`in_dir`: the prunable weights are all zeros; ω = |w|/‖w‖₁ is undefined"
                )
            for s in segs:
                seg_of[(s.shard.path.name, s.tensor.name)] = (s, g)
            t_analysis = time.perf_counter() - t0
        for sh in shards:
            if scope == "layer":
                ta = time.perf_counter()
                bar.set_description(f"emp {sh.path.name}")
                for s in (s for s in segs if s.shard is sh):
                    g = _Group([s], stats=stats)
                    groups.append(g)
                    _analyse(g, reader, b)
                    seg_of[(sh.path.name, s.tensor.name)] = (s, g)
                t_analysis += time.perf_counter() - ta
            bar.set_description(f"emp write {sh.path.name}")
            tmp = out_dir / f".{sh.path.name}.emp-partial-{os.getpid()}"
            tmps.append(tmp)
            by_name = {n: v for (shn, n), v in seg_of.items() if shn == sh.path.name}
            _write_shard(sh, tmp, by_name, reader)
        reader.close()
        for g in groups:
            if not g.zero and g.ties != 0:  # pragma: no cover - internal invariant
                raise RuntimeError("internal error: tie quota not exhausted")
        t_total = time.perf_counter() - t0
        report = _report(
            in_dir, out_dir, shards, groups, seg_of, scope, b, include_1d, t_analysis, t_total
        )
        rep_tmp = out_dir / f".{report_name}.emp-partial-{os.getpid()}"
        tmps.append(rep_tmp)
        rep_tmp.write_text(json.dumps(report, indent=2) + "\n")
        for sh, tmp in zip(shards, tmps, strict=False):
            os.replace(tmp, out_dir / sh.path.name)
        os.replace(rep_tmp, out_dir / report_name)
        tmps.clear()
        return report
    finally:
        torch.set_num_threads(threads)
        bar.close()
        reader.close()
        for p in tmps:
            try:
                p.unlink()
            except FileNotFoundError:
                pass


def _report(in_dir, out_dir, shards, groups, seg_of, scope, beta, include_1d, t_an, t_tot):
    rows = []
    total_entries = 0
    total_kept = 0
    for sh in shards:
        for t in sh.tensors:
            total_entries += t.numel
            entry = seg_of.get((sh.path.name, t.name))
            row = {
                "shard": sh.path.name,
                "name": t.name,
                "dtype": t.dtype,
                "shape": list(t.shape),
                "pruned": entry is not None and not entry[1].zero,
                "N": t.numel,
            }
            if entry is None or entry[1].zero:
                row["kept"] = t.numel
                if entry is not None:
                    row["note"] = "all zeros: N_eff undefined, copied unchanged"
            else:
                seg, g = entry
                row["kept"] = seg.kept
                if scope == "layer":
                    row["n_eff"] = g.n_eff
                    row["k"] = g.k
                    row["threshold"] = _key_value(g.t_key, g.key_dtype)
                    row["stats"] = g.stats
            row["sparsity"] = 1.0 - row["kept"] / t.numel if t.numel else 0.0
            total_kept += row["kept"]
            rows.append(row)
    live = [g for g in groups if not g.zero]
    N = sum(g.N for g in live)
    kept = sum(g.k for g in live)
    one = groups[0] if scope == "global" else None
    return {
        "in_dir": str(in_dir),
        "out_dir": str(out_dir),
        "scope": scope,
        "criterion": "magnitude",
        "beta": beta,
        "include_1d": include_1d,
        "stats": one.stats if one else sorted({g.stats for g in live}),
        "order": "shards by file name; tensors by data offset; entries row-major",
        "N": N,
        "n_eff": one.n_eff if one else None,
        "k": one.k if one else None,
        "threshold": _key_value(one.t_key, one.key_dtype) if one else None,
        "max_abs": one.scale if one else None,
        "sum_a": one.l1 if one else None,
        "sum_a2": one.l2sq if one else None,
        "kept": kept,
        "sparsity": 1.0 - kept / N if N else 0.0,
        "overall_sparsity": 1.0 - total_kept / total_entries if total_entries else 0.0,
        "n_shards": len(shards),
        "passes": max(g.passes for g in groups) + 1,
        "timing": {"analysis_s": t_an, "write_s": t_tot - t_an, "total_s": t_tot},
        "tensors": rows,
    }
