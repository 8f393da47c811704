r"""The analysis passes: :math:`N_{\mathrm{eff}}`, :math:`k` and the exact threshold of a group.

A *group* (:class:`~emp_theory.streaming.group.Group`) is one score vector :math:`s = w` of length :math:`N`: the
concatenation of the pruned tensors (``scope="global"``) or one tensor
(``scope="layer"``); each tensor in it is a *segment*
(:class:`~emp_theory.streaming.group.Seg`). With
:math:`a_i = |s_i| / \max_j |s_j|`, :func:`analyse` computes (Algorithm 1, lines 2-3)

.. math::

    N_{\mathrm{eff}} = \Big\lfloor \frac{(\sum_i a_i)^2}{\sum_i a_i^2} \Big\rfloor,
    \qquad k = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N),

and the :math:`k`-th largest magnitude, the threshold of the write pass, in passes
over the memory-mapped data:

1. **max pass** (:func:`pass_max`) -- :math:`m = \max_i |w_i|`, the scale of :math:`a`
   (NaN/inf rejected);
2. **statistics pass** (:func:`pass_stats`) -- :math:`\sum_i a_i` and
   :math:`\sum_i a_i^2` in float64, in the very chunks
   (:data:`~emp_theory._kernels.CHUNK` entries of the concatenation), operations
   (``c = |w|/m``; ``sum(c)``; ``c *= c``; ``sum(c)``) and order of the core's
   :func:`emp_theory._kernels.stats`, so the sums are bit-for-bit the in-memory ones
   and :math:`N_{\mathrm{eff}}` is decided by the shared
   :func:`emp_theory._kernels.n_eff_from_sums`; when the float64 ratio lies within
   its error bound of an integer, one more pass
   (:func:`~emp_theory.streaming.exact.exact_sums`) gives the exact
   sums that decide, as in the core. :math:`k` is
   :func:`emp_theory._kernels.beta_keep`. The statistics pass also counts the top 16
   bits of every magnitude key (:mod:`.keys`) into a histogram;
3. **refinement passes** (:func:`pass_refine`; 32- and 64-bit floats only) -- the
   :math:`k`-th largest key is found digit by digit (16 bits a pass) from
   65536-bin histograms (``torch.bincount``) [2]_: none for bf16/fp16/fp8, one for
   fp32, three for fp64. ``Group.ties`` is then the number of entries equal to
   the threshold that the write pass keeps.

With ``stats="exact"`` (8- and 16-bit floats) passes 1-2 become one histogram pass
(:func:`pass_hist`): the histogram of every magnitude bit pattern (:math:`2^{15}`
bins for 16-bit, :math:`2^7` for 8-bit floats) gives
:math:`N_{\mathrm{eff}} = \lfloor (\sum_k c_k V_k)^2 / \sum_k c_k V_k^2 \rfloor` in
exact integer arithmetic (:func:`~emp_theory.streaming.exact.exact_stats`; :math:`c_k` counts, :math:`V_k` the
magnitudes scaled to integers), which is Algorithm 1's value without rounding (the
same value as the core's, which decides exactly too), in one pass fewer.

Threads
    Each pass cuts each tensor into contiguous blocks of pieces, one per CPU
    (:func:`~emp_theory.streaming.reader.run_blocks`); histograms and maxima are
    added, and the float64 chunk sums are added in chunk order, so the results do
    not depend on the number of threads. Torch runs with one intra-op thread
    meanwhile (set by the driver).

Paper symbols: ``N`` = :math:`N`, ``n_eff`` = :math:`N_{\mathrm{eff}}`, ``k`` = the
kept count :math:`k`, ``beta`` = :math:`\beta`; ``l1``, ``l2sq`` are
:math:`\sum_i a_i`, :math:`\sum_i a_i^2` and ``scale`` is :math:`m`.

Examples
--------
>>> import numpy as np
>>> select(np.array([5, 0, 3, 2]), 4)  # 4th largest: in bin 2, the 2nd largest there
(2, 2)

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning",
       arXiv:2509.25606, eq. (2) and Algorithm 1.
.. [2] D. E. Knuth, *The Art of Computer Programming*, vol. 3, Section 5.2.5
       (radix sorting/selection on digit histograms).
"""

from __future__ import annotations

import numpy as np

from .._kernels import CHUNK, beta_keep, n_eff_from_sums
from .exact import exact_stats, exact_sums
from .group import DIGIT, Group, Seg
from .headers import NONFINITE
from .keys import key_value, magnitude_keys
from .reader import Reader, pieces, run_blocks

__all__ = [
    "analyse",
    "bincount",
    "digit_shift",
    "pass_hist",
    "pass_max",
    "pass_refine",
    "pass_stats",
    "select",
    "threshold",
]


def bincount(d: np.ndarray, nbins: int) -> np.ndarray:
    """Counts of the values ``0 <= d < nbins`` (``torch.bincount``, run single-threaded)."""
    import torch

    signed = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}[d.dtype.itemsize]
    if d.dtype.itemsize == 1:  # torch reads uint8 as such; int8 would go negative
        t = torch.from_numpy(d)
    else:
        t = torch.from_numpy(d.view(signed))
    return torch.bincount(t, minlength=nbins).numpy()


def digit_shift(bits: int, level: int) -> int:
    """Right shift that leaves the keys' digits ``0..level`` (digit 0 = the top 16 bits)."""
    return max(bits - DIGIT * (level + 1), 0)


def select(hist: np.ndarray, r: int) -> tuple[int, int]:
    """Bin holding the ``r``-th largest entry (1-based) and its rank inside that bin."""
    from_top = np.cumsum(hist[::-1])
    j = int(np.searchsorted(from_top, r))  # first position with count >= r
    b = hist.size - 1 - j
    above = int(from_top[j] - hist[b])
    return b, r - above


def _where(seg: Seg) -> str:
    return f"tensor {seg.tensor.name!r} in {seg.shard.name}"


def _max_hist_pass(g: Group, reader: Reader, nbins: int) -> None:
    """Max key per tensor (rejecting NaN/inf) and, if ``nbins``, the histogram of all keys."""
    hist = np.zeros(nbins, dtype=np.int64) if nbins else None
    for seg in g.segs:
        t = seg.tensor
        raw = reader.raw(seg.shard.path, t)

        def block(items, sc, raw=raw, t=t):
            mk = 0
            h = np.zeros(nbins, dtype=np.int64) if nbins else None
            for a, b in items:
                k = magnitude_keys(raw[a:b], t.dtype, g.key_dtype, sc)
                mk = max(mk, int(k.max()))
                if nbins:
                    h += bincount(k, nbins)
            return mk, h

        res = run_blocks(block, list(pieces(raw.size, seg.start)), reader)
        del raw
        seg.max_key = max(mk for mk, _ in res)
        if nbins:
            for _, h in res:
                hist += h
        reader.bar.update(t.end - t.begin)
        if seg.max_key >= NONFINITE[g.key_dtype]:
            raise ValueError(f"`in_dir`: {_where(seg)} contains NaN or inf")
    g.hist = hist
    g.max_key = max(s.max_key for s in g.segs)
    g.scale = key_value(g.max_key, g.key_dtype)
    g.passes += 1


def pass_max(g: Group, reader: Reader) -> None:
    """Pass 1: max |w| per tensor (the scale of the core's sums); rejects NaN/inf."""
    _max_hist_pass(g, reader, 0)


def pass_hist(g: Group, reader: Reader) -> None:
    """Pass 1 of ``stats="exact"``: the histogram of every magnitude bit pattern (<= 16 bits)."""
    _max_hist_pass(g, reader, 1 << g.bits)


def pass_stats(g: Group, reader: Reader) -> None:
    """Pass 2: sum a_i, sum a_i^2 (as :func:`emp_theory._kernels.stats`) and digit-0 histogram.

    The sums use the core's chunks of ``CHUNK`` entries of the concatenation and
    its operations: ``c = |w| / m`` in float64, ``s1 = sum(c)``, ``c *= c``,
    ``s2 = sum(c)`` (NumPy's pairwise sums), then ``l1 += s1`` and ``l2sq += s2``
    in chunk order, so they are bit-for-bit equal. Chunks that lie inside one
    tensor are reduced on the thread pool; a chunk that straddles tensors (or
    shards) is assembled in the calling thread's buffer. N_eff is then the shared
    decision :func:`emp_theory._kernels.n_eff_from_sums` over ``ceil(N / CHUNK)``
    chunks, with :func:`exact_sums` as its exact fallback.
    """
    scale = g.scale
    bits = g.bits
    scale64 = bits == 64  # the core scales by max|w| only for float64 data
    shift = digit_shift(bits, 0)
    nbins = 1 << (bits - shift)
    hist = np.zeros(nbins, dtype=np.int64)
    sums: dict[int, tuple[float, float]] = {}  # chunk index -> (s1, s2)

    def widen(c_t, tt, a, b):
        # as the core's `stats`: groups of <= 32-bit floats use c = |w| in float64
        # (exact widening, no scale); a group holding float64 uses c = |w| / m (IEEE
        # division, bit-identical to NumPy's `c /= m`, checked by the tests)
        c_t.copy_(tt[a:b])
        c_t.abs_()
        if scale64:
            c_t.div_(scale)

    def digits(raw, t, sc, a, b):
        k = magnitude_keys(raw[a:b], t.dtype, g.key_dtype, sc)
        if shift:
            k = np.right_shift(k, shift, out=sc.uint(bits, "digit", b - a))
        return bincount(k, nbins)

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
        for a, b in pieces(raw.size, seg.start):
            s = seg.start + a
            (whole if s % CHUNK == 0 and b - a == min(CHUNK, g.N - s) else part).append((a, b))

        def block(items, sc, tt=tt, raw=raw, t=t, start=seg.start):
            out, h = [], np.zeros(nbins, dtype=np.int64)
            for a, b in items:
                widen(sc.c64_t[: b - a], tt, a, b)
                out.append(((start + a) // CHUNK, reduce(sc.c64[: b - a])))
                h += digits(raw, t, sc, a, b)
            return out, h

        for a, b in part:  # at most two: the end of a carried chunk, the start of the next
            s = seg.start + a
            n_chunk = min(CHUNK, g.N - (s - s % CHUNK))
            widen(carry_t[pos : pos + (b - a)], tt, a, b)
            hist += digits(raw, t, reader.main, a, b)
            pos += b - a
            if pos == n_chunk:
                sums[s // CHUNK] = reduce(carry[:n_chunk])
                pos = 0
        if whole:
            for out, h in run_blocks(block, whole, reader):
                sums.update(out)
                hist += h
        reader.bar.update(t.end - t.begin)
        del tt, raw  # release the shard's mapping before the next one is opened
    n_chunks = -(-g.N // CHUNK)
    assert pos == 0 and len(sums) == n_chunks
    l1 = 0.0
    l2sq = 0.0
    for i in range(n_chunks):  # the core's order
        s1, s2 = sums[i]
        l1 += s1
        l2sq += s2
    g.l1, g.l2sq = l1, l2sq
    g.sum_scale = scale if scale64 else 1.0
    g.hist = hist
    g.n_eff = n_eff_from_sums(l1, l2sq, g.N, n_chunks=n_chunks, exact=lambda: exact_sums(g, reader))
    g.passes += 1


def pass_refine(g: Group, reader: Reader, prefix: int, level: int) -> np.ndarray:
    """Histogram of digit ``level`` of the keys whose higher digits equal ``prefix``."""
    bits = g.bits
    shift = digit_shift(bits, level)
    hi = digit_shift(bits, level - 1)
    nbins = 1 << (hi - shift)
    hist = np.zeros(nbins, dtype=np.int64)
    for seg in g.segs:
        t = seg.tensor
        raw = reader.raw(seg.shard.path, t)

        def block(items, sc, raw=raw, t=t):
            h = np.zeros(nbins, dtype=np.int64)
            for a, b in items:
                k = magnitude_keys(raw[a:b], t.dtype, g.key_dtype, sc)
                sel = k[(k >> hi) == prefix]
                if sel.size:
                    h += bincount((sel >> shift) & (nbins - 1), nbins)
            return h

        for h in run_blocks(block, list(pieces(raw.size, seg.start)), reader):
            hist += h
        reader.bar.update(t.end - t.begin)
        del raw
    g.passes += 1
    return hist


def analyse(g: Group, reader: Reader, beta: float) -> None:
    r"""Compute N_eff, the kept count k and the exact threshold key of one group (passes 1-3).

    An all-zero group is only flagged (``g.zero``): its weights :math:`\omega` are undefined.
    """
    try:
        if g.stats == "exact":
            pass_hist(g, reader)
        else:
            pass_max(g, reader)
        if g.max_key == 0:
            g.zero = True
            return
        if g.stats == "exact":
            exact_stats(g)
        else:
            pass_stats(g, reader)
        threshold(g, reader, beta)
    finally:  # keep the progress bar's byte count right when a pass is skipped
        reader.bar.update(max(g.planned_passes - g.passes, 0) * g.nbytes)


def threshold(g: Group, reader: Reader, beta: float) -> None:
    """k and the exact k-th largest magnitude key (refinement passes for > 16 bits)."""
    g.k = beta_keep(beta, g.n_eff, g.N)
    bits = g.bits
    b, r = select(g.hist, g.k)
    prefix = b
    level = 0
    while digit_shift(bits, level) > 0:
        level += 1
        hist = pass_refine(g, reader, prefix, level)
        b, r = select(hist, r)
        prefix = (prefix << (digit_shift(bits, level - 1) - digit_shift(bits, level))) | b
    g.t_key = prefix
    g.ties = r
