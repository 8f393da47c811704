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
over the data (:mod:`~emp_theory.streaming.reader`: pieces read into per-thread
buffers).

``stats="exact"`` (the default; 8- and 16-bit floats) needs one pass:

1. **histogram pass** (:func:`pass_hist`) -- the histogram of every magnitude bit
   pattern (:math:`2^{15}` bins for 16-bit, :math:`2^7` for 8-bit floats; NaN/inf
   rejected). It gives :math:`N_{\mathrm{eff}} = \lfloor (\sum_k c_k V_k)^2 / \sum_k
   c_k V_k^2 \rfloor` in exact integer arithmetic
   (:func:`~emp_theory.streaming.exact.exact_stats`; :math:`c_k` counts, :math:`V_k`
   the magnitudes scaled to integers), Algorithm 1's value without rounding, and the
   :math:`k`-th largest magnitude by counting from the top (:func:`threshold`).

``stats="core"`` (and every group of 32- or 64-bit floats, which have too many bit
patterns for one histogram) also reproduces the core's float64 sums:

1. **max pass** (:func:`pass_max`) -- :math:`m = \max_i |w_i|`, the scale of :math:`a`
   (NaN/inf rejected);
2. **statistics pass** (:func:`pass_stats`) -- :math:`\sum_i a_i` and
   :math:`\sum_i a_i^2` in float64, in the very chunks
   (:data:`!emp_theory._kernels.CHUNK` entries of the concatenation), operations
   (``c = |w|/m``; ``sum(c)``; ``c *= c``; ``sum(c)``; for groups of <= 32-bit floats
   from :data:`!emp_theory._kernels.jit.JIT_MIN` entries on, the compiled float32 block
   sums of :func:`!emp_theory._kernels.jit.block_sums`) and order of the core's
   :func:`!emp_theory._kernels.stats`, so the sums are bit-for-bit the in-memory ones
   and :math:`N_{\mathrm{eff}}` is decided by the shared
   :func:`!emp_theory._kernels.n_eff_from_sums`; when the float64 ratio lies within
   its error bound of an integer, one more pass
   (:func:`~emp_theory.streaming.exact.exact_sums`) gives the exact
   sums that decide, as in the core. :math:`k` is
   :func:`!emp_theory._kernels.beta_keep`. The statistics pass also counts the top 16
   bits of every magnitude key (:mod:`.keys`) into a histogram;
3. **refinement passes** (:func:`pass_refine`; 32- and 64-bit floats only) -- the
   :math:`k`-th largest key is found digit by digit (16 bits a pass) from
   65536-bin histograms (``torch.bincount``) [2]_: none for bf16/fp16/fp8, one for
   fp32, three for fp64.

Either way ``Group.ties`` is then the number of entries equal to the threshold that
the write pass keeps. Both modes give the same :math:`N_{\mathrm{eff}}` (the floor of
the exact ratio: the core decides exactly near integers too), hence the same
:math:`k`, threshold and masks; ``"core"`` only adds the core's float64 sums to the
report, for one more pass.

Threads
    Each pass hands the pieces of one shard to the core's thread pool
    (:func:`~emp_theory.streaming.reader.run_pieces`), each thread taking the next
    piece when free; histograms and maxima are added (per thread, then across
    threads), and the float64 chunk sums are added in chunk order, so the results do
    not depend on the number of threads nor on which took which piece. Torch runs
    with one intra-op thread meanwhile (set by the driver).

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

from .._kernels import CHUNK, beta_keep, jit, n_eff_from_sums
from .exact import exact_stats, exact_sums
from .group import DIGIT, Group, Seg
from .headers import NONFINITE
from .keys import abs_mask, key_value, magnitude_keys, torch_view
from .reader import Reader, by_shard, jobs_of, run_pieces

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
    b, above = jit.from_top(hist, r)  # the core's radix selection counts the same way
    return b, r - above


def _where(seg: Seg) -> str:
    return f"tensor {seg.tensor.name!r} in {seg.shard.name}"


def _acc(store: dict, sc, nbins: int) -> np.ndarray:
    """The histogram of the calling thread (keyed by its scratch) in ``store``."""
    h = store.get(id(sc))
    if h is None:
        h = store[id(sc)] = np.zeros(nbins, dtype=np.int64)
    return h


def _total(store: dict, nbins: int) -> np.ndarray:
    """The sum of the threads' histograms (integer counts: the order does not matter)."""
    hist = np.zeros(nbins, dtype=np.int64)
    for h in store.values():
        hist += h
    return hist


def _finish_max(g: Group, max_key: int) -> None:
    g.max_key = max_key
    g.scale = key_value(max_key, g.key_dtype)
    g.passes += 1


def pass_max(g: Group, reader: Reader) -> None:
    """Pass 1: ``max |w|`` per tensor (the scale of the core's sums); rejects NaN/inf."""
    nonfinite = NONFINITE[g.key_dtype]

    def fn(job, raw, sc):
        return int(magnitude_keys(raw, job[0].tensor.dtype, g.key_dtype, sc).max())

    for _, segs in by_shard(g.segs):
        jobs = jobs_of(segs)
        for (seg, _, _), mk in zip(jobs, run_pieces(fn, jobs, reader), strict=True):
            seg.max_key = max(seg.max_key, mk)
        for seg in segs:
            reader.bar.update(seg.tensor.end - seg.tensor.begin)
            if seg.max_key >= nonfinite:
                raise ValueError(f"`in_dir`: {_where(seg)} contains NaN or inf")
    _finish_max(g, max((s.max_key for s in g.segs), default=0))


def pass_hist(g: Group, reader: Reader) -> None:
    """Pass 1 of ``stats="exact"``: the histogram of every magnitude bit pattern (<= 16 bits).

    NaN and inf are the keys from :data:`~emp_theory.streaming.headers.NONFINITE` up:
    a piece with a count there is rejected, naming its tensor. ``max |w|`` is the
    largest key present.
    """
    nbins = 1 << (g.bits - 1)  # the sign bit is cleared
    nonfinite = NONFINITE[g.key_dtype]
    store: dict = {}

    def fn(job, raw, sc):
        dtype = job[0].tensor.dtype
        acc = _acc(store, sc, nbins)
        if dtype == g.key_dtype and jit.ready():  # count the keys straight from the bit patterns
            before = int(acc[nonfinite:].sum())
            jit.count_keys(raw, abs_mask(g.bits), 0, acc)
            return int(acc[nonfinite:].sum()) != before
        if dtype == g.key_dtype:  # the keys in place: the piece's buffer is the thread's own
            k = np.bitwise_and(raw, abs_mask(g.bits), out=raw)
        else:
            k = magnitude_keys(raw, dtype, g.key_dtype, sc)
        h = bincount(k, nbins)
        np.add(acc, h, out=acc)
        return bool(h[nonfinite:].any())

    for _, segs in by_shard(g.segs):
        jobs = jobs_of(segs)
        bad = run_pieces(fn, jobs, reader)
        for (seg, _, _), b in zip(jobs, bad, strict=True):
            if b:
                raise ValueError(f"`in_dir`: {_where(seg)} contains NaN or inf")
        reader.bar.update(sum(s.tensor.end - s.tensor.begin for s in segs))
    g.hist = _total(store, nbins)
    nz = np.flatnonzero(g.hist)
    _finish_max(g, int(nz[-1]) if nz.size else 0)


def pass_stats(g: Group, reader: Reader) -> None:
    """Pass 2: sum a_i, sum a_i^2 (as :func:`!emp_theory._kernels.stats`) and digit-0 histogram.

    The sums use the core's chunks of ``CHUNK`` entries of the concatenation and
    its operations, so they are bit-for-bit equal: for a group of float64 data
    ``c = |w| / m`` in float64, ``s1 = sum(c)``, ``c *= c``, ``s2 = sum(c)`` (NumPy's
    pairwise sums), then ``l1 += s1`` and ``l2sq += s2`` in chunk order; for a group of
    <= 32-bit floats the same unscaled on ``|w|``, or -- from
    :data:`!emp_theory._kernels.jit.JIT_MIN` entries on, when the core uses its compiled
    kernels -- the float32 values' block sums (:func:`!emp_theory._kernels.jit.block_sums`)
    added pairwise in block order. Chunks that lie inside one tensor are reduced on the
    thread pool; a chunk that straddles tensors (or shards) is assembled in the calling
    thread's buffer. N_eff is then the shared decision
    :func:`!emp_theory._kernels.n_eff_from_sums` with the matching error bound, and
    :func:`~emp_theory.streaming.exact.exact_sums` as its exact fallback.
    """
    scale = g.scale
    bits = g.bits
    scale64 = bits == 64  # the core scales by max|w| only for float64 data
    compiled = not scale64 and jit.covers(g.N)  # as the core's `stats` decides
    shift = digit_shift(bits, 0)
    nbins = 1 << (bits - 1 - shift)  # the top digit, whose first bit (the sign) is cleared
    store: dict = {}
    sums: dict[int, tuple[float, float]] = {}  # chunk index -> (s1, s2)
    n_blocks = -(-g.N // jit.BLOCK)
    o1 = np.empty(n_blocks if compiled else 0)
    o2 = np.empty_like(o1)

    def widen(c_t, raw, dtype):
        # as the core's `stats`: groups of <= 32-bit floats use c = |w| in float64
        # (exact widening, no scale); a group holding float64 uses c = |w| / m (IEEE
        # division, bit-identical to NumPy's `c /= m`, checked by the tests)
        c_t.copy_(torch_view(raw, dtype))
        c_t.abs_()
        if scale64:
            c_t.div_(scale)

    def digits(raw, dtype, sc):
        k = magnitude_keys(raw, dtype, g.key_dtype, sc)
        h = _acc(store, sc, nbins)
        if jit.ready():
            jit.count_keys(k, (1 << bits) - 1, shift, h)
            return
        if shift:
            k = np.right_shift(k, shift, out=sc.uint(bits, "digit", raw.size))
        np.add(h, bincount(k, nbins), out=h)

    def reduce(c, start: int):
        if compiled:  # c: float32 values of the chunk starting at entry `start`
            jit.block_sums(c, o1, o2, start // jit.BLOCK)
            return 0.0, 0.0
        s1 = float(c.sum())
        c *= c
        return s1, float(c.sum())

    def buffers(sc):
        return (sc.c32_t, sc.c32) if compiled else (sc.c64_t, sc.c64)

    def load(c_t, raw, dtype):
        if compiled:  # float32 values, widened exactly from 8/16-bit floats
            c_t.copy_(torch_view(raw, dtype))
        else:
            widen(c_t, raw, dtype)

    def fn(job, raw, sc):
        seg, a, _ = job
        c_t, c = buffers(sc)
        load(c_t[: raw.size], raw, seg.tensor.dtype)
        digits(raw, seg.tensor.dtype, sc)
        s = seg.start + a
        return s // CHUNK, reduce(c[: raw.size], s)

    main = reader.main
    carry_t, carry = buffers(main)  # a chunk that straddles tensors
    pos = 0
    for sh, segs in by_shard(g.segs):
        whole, part = [], []
        for job in jobs_of(segs):
            seg, a, b = job
            s = seg.start + a
            (whole if s % CHUNK == 0 and b - a == min(CHUNK, g.N - s) else part).append(job)
        for seg, a, b in part:  # in order: the ends and starts of carried chunks
            s = seg.start + a
            n_chunk = min(CHUNK, g.N - (s - s % CHUNK))
            raw = reader.read(sh.path, sh.data_start, seg.tensor, a, b, main)
            load(carry_t[pos : pos + (b - a)], raw, seg.tensor.dtype)
            digits(raw, seg.tensor.dtype, main)
            pos += b - a
            if pos == n_chunk:
                sums[s // CHUNK] = reduce(carry[:n_chunk], s - s % CHUNK)
                pos = 0
        sums.update(run_pieces(fn, whole, reader))
        reader.bar.update(sum(s.tensor.end - s.tensor.begin for s in segs))
    n_chunks = -(-g.N // CHUNK)
    assert pos == 0 and len(sums) == n_chunks
    if compiled:  # the core's jit.stats32: block sums added pairwise in block order
        l1, l2sq = float(o1.sum()), float(o2.sum())
        err = jit.rel_error(g.N)
    else:
        l1 = 0.0
        l2sq = 0.0
        for i in range(n_chunks):  # the core's order
            s1, s2 = sums[i]
            l1 += s1
            l2sq += s2
        err = None
    g.l1, g.l2sq = l1, l2sq
    g.sum_scale = scale if scale64 else 1.0
    g.hist = _total(store, nbins)
    g.n_eff = n_eff_from_sums(
        l1, l2sq, g.N, n_chunks=n_chunks, exact=lambda: exact_sums(g, reader), rel_err=err
    )
    g.passes += 1


def pass_refine(g: Group, reader: Reader, prefix: int, level: int) -> np.ndarray:
    """Histogram of digit ``level`` of the keys whose higher digits equal ``prefix``."""
    bits = g.bits
    shift = digit_shift(bits, level)
    hi = digit_shift(bits, level - 1)
    nbins = 1 << (hi - shift)
    store: dict = {}

    def fn(job, raw, sc):
        k = magnitude_keys(raw, job[0].tensor.dtype, g.key_dtype, sc)
        if jit.ready():
            jit.count_digit(k, hi, prefix, shift, nbins, _acc(store, sc, nbins))
            return
        sel = k[(k >> hi) == prefix]
        if sel.size:
            h = _acc(store, sc, nbins)
            np.add(h, bincount((sel >> shift) & (nbins - 1), nbins), out=h)

    for _, segs in by_shard(g.segs):
        run_pieces(fn, jobs_of(segs), reader)
        reader.bar.update(sum(s.tensor.end - s.tensor.begin for s in segs))
    g.passes += 1
    return _total(store, nbins)


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
