r"""Torch-native kernels of the theory core: EMP on the tensor's own device, no host copy.

The torch counterpart of :mod:`emp_theory._kernels` (same function names and meaning:
:func:`stats`, :func:`n_eff_from_stats`, :func:`topk_mask_flat`, :func:`topk_sum`,
:func:`restore`), used by :mod:`emp_theory.effective` for a ``torch.Tensor`` input on a
device with float64 (CPU, CUDA). It is imported only when a tensor arrives, so
``import emp_theory`` stays free of torch. Every pass is a torch op on the tensor's
device; the host reads only a few scalars: the extrema and the two sums (one sync),
then the tie count at the threshold (one sync), or the kept sum.

What is bit-identical to the NumPy path, and why:

* :math:`N_{\mathrm{eff}} = \lfloor (\sum_i |s_i|)^2 / \sum_i s_i^2 \rfloor` is decided
  EXACTLY in both paths (the core's rule :func:`emp_theory._kernels.decide_floor`): a
  float64 estimate with a rigorous error bound, and exact integer sums when the
  estimate lies within it of an integer. Two correct decisions of one exact number are
  equal, so the sums' order does not matter. torch's reduction order is unspecified,
  so the float64 sums here are block sums of :data:`BLOCK` values (any order inside a
  block: :math:`\gamma_{B-1}`) combined by a tree of such blocks, and
  :func:`ratio_rel_error` bounds the result for ANY order of each block sum. The exact
  fallback (:func:`exact_sums`) is integer arithmetic on device (``torch.frexp``,
  18-bit mantissa pieces, per-exponent sums by ``index_add_`` on int64) with the
  per-exponent totals read back to Python integers.
* ``k`` follows from :math:`N_{\mathrm{eff}}` by the one kept-count rule of
  :mod:`emp_theory.effective`.
* the mask: the threshold is the exact ``k``-th largest magnitude, found by a radix
  select on the magnitudes' bit patterns (non-negative floats order as their integer
  bit patterns; 16-bit digits, histograms by ``index_add_``, the digit chosen on
  device); ties at the threshold are kept lowest flat index first. Both paths select
  exactly, so the masks are equal bit for bit.

What may differ: ``s_eff``, the kept mass and the other float64 sums are correct to a
few ulps in both paths but summed in a different order, so they can differ in the last
bits (relative ``1e-12`` is far above the difference).

Symbols: ``N`` the length of the flattened scores, ``n_eff`` :math:`N_{\mathrm{eff}}`,
``k`` the number of kept entries (:math:`\mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}
\rfloor, 1, N)`, Algorithm 1, line 3), ``scale`` :math:`\max_i |s_i|`.

The pieces (:func:`scaled_sums`, :func:`exact_sums`, :class:`ExactTotals`,
:func:`select_kth`, :func:`n_eff_decision`) take an optional reduction so that
:mod:`emp_theory.pruning.distributed` runs the same algorithm over
``torch.distributed`` ranks. The module is private; the public API is
:mod:`emp_theory.effective`. It is kept whole (about 560 lines): it is one idea, the
torch mirror of :mod:`emp_theory._kernels`, whose sums, exact fallback and selection
share the pass structure and the key encoding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ._kernels import decide_floor

#: Values per block of the float64 sums (each block is summed by torch in any order).
BLOCK = 64
#: Digit width (bits) of the radix select.
DIGIT = 16
_U = 2.0**-53
#: frexp exponents of non-zero float64 are >= -1073: bin = exponent + _E_OFF >= 1.
_E_OFF = 1074
_NBINS = 2100
#: Entries accumulated in the int64 exponent bins before they are read back (each entry
#: adds < 2**38 to a bin, so 2**25 entries stay below 2**63).
_FLUSH = 1 << 25
#: 32-bit limbs of the exact totals (distributed reduction): s1 < 2**2215, s2 < 2**4366.
LIMBS1, LIMBS2 = 70, 137

_KEY = {
    torch.float16: torch.int16,
    torch.bfloat16: torch.int16,
    torch.float32: torch.int32,
    torch.float64: torch.int64,
}


#: Run CPU tensors on this path too (the tests set it). By default a CPU tensor takes the
#: NumPy path through ``Tensor.numpy()``, a zero-copy view with identical results, which
#: ``benchmarks/bench_mask.py`` measures 2-4x faster on CPU than torch's reductions.
FORCE_ON_CPU = False


def native(s) -> bool:
    """Whether `s` runs here: a tensor on an accelerator with float64 (not ``mps``).

    CPU tensors take the NumPy path (a zero-copy view, the same N_eff, k and mask)
    unless :data:`FORCE_ON_CPU` is set.
    """
    kind = s.device.type
    if kind == "cpu":
        return FORCE_ON_CPU
    return kind != "mps"


def _chunk(device) -> int:
    """Entries per pass step: cache-sized on the CPU, large on accelerators."""
    return 1 << 18 if device.type == "cpu" else 1 << 24


def _gathers(device) -> bool:
    """Whether the radix select gathers candidates (data-dependent shapes): on the CPU only."""
    return device.type == "cpu"


def working_dtype(dtype):
    """The dtype EMP computes in: fp16/bf16/fp32/fp64 kept, other floats fp32, integers fp64."""
    if not dtype.is_floating_point:
        return torch.float64
    return dtype if dtype in _KEY else torch.float32


def flat_scores(s, name: str = "s") -> torch.Tensor:
    """Flatten `s` on its device: fp16/bf16/fp32/fp64 kept, 8-bit floats to fp32, ints to fp64.

    The same working values as :func:`emp_theory._kernels.to_numpy` (which widens
    fp16/bf16 to fp32: a widening that changes no value and no order), the same errors.
    """
    t = s.detach()
    if t.is_complex():
        raise TypeError(f"`{name}` must be real-valued, got a complex tensor")
    if t.dtype == torch.bool:
        raise TypeError(f"`{name}` must be numeric scores, got a boolean tensor")
    return t.to(working_dtype(t.dtype)).reshape(-1)


# ---------------------------------------------------------------------------
# float64 sums in an order whose error is bounded for any torch reduction order
# ---------------------------------------------------------------------------
def _block_sums(c: torch.Tensor) -> torch.Tensor:
    nb, r = divmod(c.numel(), BLOCK)
    head = c[: nb * BLOCK].view(nb, BLOCK).sum(1)
    if not r:
        return head
    return torch.cat([head, c[nb * BLOCK :].sum().view(1)])


def tree_sum(v: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Sum of the float64 vector `v` by blocks of :data:`BLOCK`; returns ``(sum, depth)``.

    ``depth`` bounds the number of additions any term goes through, whatever order torch
    uses inside each block sum (a sum of ``b`` terms in any order has ``b - 1``).
    """
    depth = 0
    while v.numel() > BLOCK:
        v = _block_sums(v)
        depth += BLOCK - 1
    depth += max(v.numel() - 1, 0)
    return v.sum(), depth


def scaled_sums(flat: torch.Tensor, m) -> tuple[torch.Tensor, torch.Tensor, int]:
    r"""``(l1, l2sq, depth)``: :math:`\sum |s_i|/m` and :math:`\sum (s_i/m)^2` in float64.

    ``m`` is a 0-d float64 tensor on `flat`'s device; ``l1``, ``l2sq`` are 0-d tensors
    (not read), ``depth`` as :func:`tree_sum` plus the first level of blocks. Empty
    `flat` gives zeros.
    """
    n = flat.numel()
    zero = torch.zeros(1, dtype=torch.float64, device=flat.device)
    p1, p2 = [zero], [zero]
    step = _chunk(flat.device)
    buf = _buffer(flat, torch.float64)
    for i in range(0, n, step):
        c = _f64(flat[i : i + step], buf)
        c.div_(m)
        c.abs_()
        p1.append(_block_sums(c))
        c.mul_(c)
        p2.append(_block_sums(c))
    l1, d1 = tree_sum(torch.cat(p1))
    l2, _ = tree_sum(torch.cat(p2))
    return l1, l2, (BLOCK - 1) + d1


def _gamma(k: int) -> float:
    return k * _U / (1.0 - k * _U)


def ratio_rel_error(n_terms: int, depth: int) -> float:
    r"""Rigorous bound on the relative error of ``l1 * l1 / l2sq`` from :func:`scaled_sums`.

    Each :math:`a_i = \mathrm{fl}(|s_i|/m)` carries one rounding (IEEE division, as
    torch's float64 division of a tensor by a 0-d tensor is on CPU and CUDA), its square
    two; any sum of non-negative terms whose terms pass through at most ``depth``
    additions has relative error :math:`\le \gamma_{\mathrm{depth}}`, in any order. With
    :math:`g_1 = \gamma_{\mathrm{depth}+1}`, :math:`g_2 = \gamma_{\mathrm{depth}+3}` the
    bound is :math:`(1+g_1)^2(1+u)^2/(1-g_2) - 1`, plus :math:`4 N 2^{-1074}` for terms
    that underflow (``l1, l2sq >= 1``: the largest term is 1) — the core's bound
    (:func:`emp_theory._kernels.ratio_rel_error`) with this module's depth.
    """
    g1, g2 = _gamma(depth + 1), _gamma(depth + 3)
    return (1.0 + g1) ** 2 * (1.0 + _U) ** 2 / (1.0 - g2) - 1.0 + 4.0 * n_terms * 2.0**-1074


# ---------------------------------------------------------------------------
# Exact sums on device
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ExactTotals:
    r"""Exact :math:`S_1 = 2^{1127}\sum_i |x_i|` and :math:`S_2 = 2^{2254}\sum_i x_i^2` (integers).

    Every finite float64 is :math:`M 2^{b - 1127}` with an integer mantissa
    :math:`M < 2^{53}` and :math:`b = e + 1074 \ge 1` (``torch.frexp`` exponent
    :math:`e`), so both scaled sums are integers and the ratio
    :math:`(\sum|x|)^2/\sum x^2 = S_1^2 / S_2` needs no exponent bookkeeping.
    """

    s1: int
    s2: int

    def __add__(self, other: ExactTotals) -> ExactTotals:
        return ExactTotals(self.s1 + other.s1, self.s2 + other.s2)

    def ratio_at_least(self, n: int) -> bool:
        r"""Whether :math:`(\sum|x|)^2 \ge n \sum x^2`, in exact integer arithmetic."""
        if self.s2 == 0:
            raise ValueError("all values are zero: the ratio is undefined")
        return self.s1 * self.s1 >= n * self.s2

    def limbs(self) -> list[int]:
        """:data:`LIMBS1` + :data:`LIMBS2` 32-bit limbs (for an int64 all-reduce)."""
        mask = (1 << 32) - 1
        return [(self.s1 >> (32 * i)) & mask for i in range(LIMBS1)] + [
            (self.s2 >> (32 * i)) & mask for i in range(LIMBS2)
        ]

    @classmethod
    def from_limbs(cls, limbs) -> ExactTotals:
        """Inverse of :meth:`limbs`; limbs may exceed 32 bits (sums of limbs), carries are exact."""
        v = [int(x) for x in limbs]
        s1 = sum(x << (32 * i) for i, x in enumerate(v[:LIMBS1]))
        s2 = sum(x << (32 * i) for i, x in enumerate(v[LIMBS1:]))
        return cls(s1, s2)


def _flush(acc: torch.Tensor) -> ExactTotals:
    rows = acc.tolist()
    s1 = 0
    s2 = 0
    for b in range(_NBINS):
        v1 = rows[0][b] + (rows[1][b] << 18) + (rows[2][b] << 36)
        if v1:
            s1 += v1 << b
            v2 = sum(rows[3 + j][b] << (18 * j) for j in range(5))
            s2 += v2 << (2 * b)
    acc.zero_()
    return ExactTotals(s1, s2)


def exact_sums(flat: torch.Tensor) -> ExactTotals:
    """:class:`ExactTotals` of the float values `flat` (any float dtype), computed on device.

    Per step: ``|x|`` in float64 (exact), ``torch.frexp``, the 53-bit mantissa as int64
    cut into three 18-bit pieces; the pieces and the five coefficient sums of
    :math:`M^2` are added per exponent into int64 bins by ``index_add_`` (no overflow:
    each entry adds less than :math:`2^{38}`, and the bins are read back into Python
    integers every :data:`_FLUSH` entries). Runs only when the float64 ratio is within
    its error bound of an integer.
    """
    dev = flat.device
    n = flat.numel()
    step = min(_chunk(dev), 1 << 22)
    acc = torch.zeros(8, _NBINS, dtype=torch.int64, device=dev)
    total = ExactTotals(0, 0)
    mask = (1 << 18) - 1
    filled = 0
    for i in range(0, n, step):
        a = flat[i : i + step].to(torch.float64).abs()
        if filled + a.numel() > _FLUSH:
            total = total + _flush(acc)
            filled = 0
        frac, e = torch.frexp(a)
        m = (frac * 2.0**53).to(torch.int64)  # exact: a power-of-two scaling below 2**53
        b = (e.to(torch.int64) + _E_OFF).clamp_(min=0)  # zeros: frac 0, e 0, adds nothing
        p0, p1, p2 = m & mask, (m >> 18) & mask, m >> 36
        pieces = torch.stack(
            (p0, p1, p2, p0 * p0, 2 * p0 * p1, p1 * p1 + 2 * p0 * p2, 2 * p1 * p2, p2 * p2)
        )
        acc.index_add_(1, b, pieces)
        filled += a.numel()
    return total + _flush(acc)


def n_eff_decision(l1: float, l2sq: float, N: int, depth: int, exact) -> int:
    r""":math:`\mathrm{clip}(\lfloor l_1^2/l_2 \rfloor, 1, N)` decided exactly.

    The core's rule (:func:`emp_theory._kernels.decide_floor`) with this module's error
    bound (:func:`ratio_rel_error` for sums of the given ``depth``); `exact` returns the
    :class:`ExactTotals` of the same scores, called only near an integer.
    """
    ratio = l1 * l1 / l2sq
    err = ratio_rel_error(N, depth)
    holder: list = []

    def at_least(n: int) -> bool:
        if not holder:
            holder.append(exact())
        return holder[0].ratio_at_least(n)

    return int(min(max(decide_floor(ratio, err, at_least), 1), N))


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TorchStats:
    """:class:`emp_theory._kernels.Stats` on the device: the flat tensor and the read sums."""

    flat: torch.Tensor
    scale: float
    l1: float
    l2sq: float
    depth: int
    hist: None = None  # the NumPy path's top-bit counts; the torch selection makes its own

    @property
    def N(self) -> int:
        return int(self.flat.numel())


def max_abs(flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(max, min, max|x|)`` as 0-d float64 tensors on device (NaN propagates); zeros if empty."""
    if flat.numel() == 0:
        z = torch.zeros((), dtype=torch.float64, device=flat.device)
        return z, z, z
    lo, hi = torch.aminmax(flat)
    hi, lo = hi.to(torch.float64), lo.to(torch.float64)
    return hi, lo, torch.maximum(hi, -lo)


def stats(s, name: str = "s", *, with_hist: bool = False) -> TorchStats:
    """:func:`emp_theory._kernels.stats` on the tensor's device: one host read of five scalars.

    `with_hist` is accepted for the NumPy signature and unused (:func:`select_kth` counts).
    """
    flat = flat_scores(s, name)
    if flat.numel() == 0:
        raise ValueError(f"`{name}` must not be empty")
    hi, lo, m = max_abs(flat)
    l1, l2, depth = scaled_sums(flat, m)
    hi_, lo_, m_, a, b = torch.stack([hi, lo, m, l1, l2]).tolist()
    if not (math.isfinite(hi_) and math.isfinite(lo_)):
        raise ValueError(f"`{name}` must be finite (found NaN or inf)")
    if m_ == 0.0:
        raise ValueError(f"`{name}` is all zeros: the weights ω = |s|/‖s‖₁ are undefined")
    return TorchStats(flat=flat, scale=m_, l1=a, l2sq=b, depth=depth)


def n_eff_from_stats(st: TorchStats) -> int:
    """:math:`N_{\\mathrm{eff}}` of the statistics (exact near integers, like the NumPy path)."""
    return n_eff_decision(st.l1, st.l2sq, st.N, st.depth, lambda: exact_sums(st.flat))


# ---------------------------------------------------------------------------
# Selection: radix select on the magnitudes' bit patterns
# ---------------------------------------------------------------------------
def _keys(c: torch.Tensor, buf=None) -> torch.Tensor:
    """Bit patterns of ``|c|`` as signed ints (non-negative, ordered as the magnitudes).

    `buf` (from :func:`_buffer`) is reused across steps: no allocation per step.
    """
    if buf is None:
        return c.abs().view(_KEY[c.dtype])
    out = buf[: c.numel()]
    torch.abs(c, out=out)
    return out.view(_KEY[c.dtype])


def _buffer(flat: torch.Tensor, dtype=None) -> torch.Tensor:
    """One step's scratch tensor (CPU allocations of this size are not cached by torch)."""
    n = min(_chunk(flat.device), max(flat.numel(), 1))
    return torch.empty(n, dtype=flat.dtype if dtype is None else dtype, device=flat.device)


def _f64(x: torch.Tensor, buf: torch.Tensor) -> torch.Tensor:
    """`x` in float64, written into `buf`."""
    c = buf[: x.numel()]
    c.copy_(x)
    return c


def key_bits(dtype) -> int:
    return torch.empty((), dtype=dtype).element_size() * 8


@dataclass(frozen=True)
class Threshold:
    """The ``k``-th largest magnitude as a key, with ``need = k - #(|x| > t)`` and ``ties = #(|x| == t)``.

    All three are 0-d int64 tensors on the device (nothing read); with a distributed
    reduction the counts are global.
    """

    key: torch.Tensor
    need: torch.Tensor
    ties: torch.Tensor


def _count(hist: torch.Tensor, d: torch.Tensor, w=None) -> None:
    """``hist[d] += w`` (w = 1 if None) in int64, by ``index_add_`` (no host read)."""
    if d.dtype == torch.int16:
        d = d.to(torch.int32)
    if w is None:
        w = torch.ones(1, dtype=torch.int64, device=d.device).expand(d.numel())
    hist.index_add_(0, d, w)


def _choose(hist, krem, reduce):
    """The digit holding the ``krem``-th largest key, the rank left inside it, its count."""
    if reduce is not None:
        hist = reduce(hist)
    cs = hist.flip(0).cumsum(0).flip(0)  # cs[d] = #keys whose digit is >= d
    dig = (cs >= krem).sum() - 1
    return dig, krem - (cs[dig] - hist[dig]), hist[dig]


def _rounds(bits: int, digit: int) -> list[tuple[int, int]]:
    """``(shift, width)`` of each radix round, most significant first (the last may be narrower)."""
    out, hi = [], bits
    while hi > 0:
        lo = max(hi - digit, 0)
        out.append((lo, hi - lo))
        hi = lo
    return out


def select_kth(
    flat: torch.Tensor, k: int, reduce=None, dtype=None, digit: int = DIGIT
) -> Threshold:
    """The ``k``-th largest ``|flat|`` (1-based, exact) by radix select, on device.

    ``ceil(bits / digit)`` rounds (16-bit digits: 1 for fp16/bf16, 2 for fp32, 4 for
    fp64), each a histogram of the next digit among the keys that share the digits
    chosen so far, the digit chosen on device (no host read). On the CPU the keys sharing
    the first digit are gathered once and the later rounds run on them; on an
    accelerator every round is a pass over all keys in which the non-matching keys add 0
    to their own digit's bin (no data-dependent shapes, no sync, atomics spread over the
    bins). `reduce(hist) -> hist` sums the histograms of several ranks
    (:mod:`emp_theory.pruning.distributed`, which uses 8-bit digits: 2 KiB per round);
    `dtype` is then the common dtype of all ranks (`flat` may be empty on this rank).
    """
    dtype = flat.dtype if dtype is None else dtype
    itype = _KEY[dtype]
    dev = flat.device
    step = _chunk(dev)
    rounds = _rounds(key_bits(dtype), digit)
    krem = torch.full((), k, dtype=torch.int64, device=dev)
    shift, width = rounds[0]
    hist = torch.zeros(1 << width, dtype=torch.int64, device=dev)
    kbuf = _buffer(flat)
    for i in range(0, flat.numel(), step):
        _count(hist, _keys(flat[i : i + step], kbuf) >> shift)
    dig, krem, ties = _choose(hist, krem, reduce)
    prefix = dig
    cand = None
    if _gathers(dev) and len(rounds) > 1:
        top = dig.to(itype)
        parts = [torch.zeros(0, dtype=itype, device=dev)]
        for i in range(0, flat.numel(), step):
            kc = _keys(flat[i : i + step], kbuf)
            parts.append(kc[(kc >> shift) == top])
        cand = torch.cat(parts)
    for j, (shift, width) in enumerate(rounds[1:], start=2):
        nb = 1 << width
        hist = torch.zeros(nb, dtype=torch.int64, device=dev)
        if cand is not None:
            d = (cand >> shift) & (nb - 1)
            _count(hist, d)
        else:
            pk = prefix.to(itype)
            for i in range(0, flat.numel(), step):
                kc = _keys(flat[i : i + step], kbuf)
                w = ((kc >> (shift + width)) == pk).to(torch.int64)
                _count(hist, (kc >> shift) & (nb - 1), w)
        dig, krem, ties = _choose(hist, krem, reduce)
        prefix = prefix * nb + dig
        if cand is not None and j < len(rounds):
            cand = cand[d == dig.to(d.dtype)]
    return Threshold(key=prefix, need=krem, ties=ties)


def count_equal(flat: torch.Tensor, key) -> torch.Tensor:
    """``#(|x| == t)`` for the threshold key `key` (0-d int64 tensor on device, not read)."""
    total = torch.zeros((), dtype=torch.int64, device=flat.device)
    if flat.numel() == 0:
        return total
    key = torch.as_tensor(key, device=flat.device).to(_KEY[flat.dtype])
    step = _chunk(flat.device)
    kbuf = _buffer(flat)
    for i in range(0, flat.numel(), step):
        total += (_keys(flat[i : i + step], kbuf) == key).sum()
    return total


def key_value(key: int, dtype) -> float:
    """The float whose bit pattern is `key` (a non-negative magnitude of `dtype`)."""
    return float(torch.tensor([key], dtype=_KEY[dtype]).view(dtype)[0])


def mask_from_threshold(flat: torch.Tensor, key, need: int, ties: int) -> torch.Tensor:
    """Boolean mask: ``|x| > t``, and the first `need` of the `ties` entries ``|x| == t``.

    `key` is the threshold's key (0-d tensor or int); `need`, `ties` are host ints. Ties
    are kept lowest flat index first; when all of them are kept the mask is one pass
    ``|x| >= t``.
    """
    n = flat.numel()
    out = torch.empty(n, dtype=torch.bool, device=flat.device)
    step = _chunk(flat.device)
    key = torch.as_tensor(key, device=flat.device).to(_KEY[flat.dtype])
    keep_all = need >= ties
    kbuf = _buffer(flat)
    for i in range(0, n, step):
        kc = _keys(flat[i : i + step], kbuf)
        if keep_all:
            torch.ge(kc, key, out=out[i : i + step])
        else:
            torch.gt(kc, key, out=out[i : i + step])
    for i in range(0, n if not keep_all else 0, step):  # the (rarer) cut through the ties
        if need <= 0:
            break
        pos = torch.nonzero(_keys(flat[i : i + step], kbuf) == key).view(-1)[:need]
        out[i + pos] = True
        need -= pos.numel()
    return out


def topk_mask_flat(flat: torch.Tensor, k: int, hist=None) -> torch.Tensor:
    """Boolean mask of the ``k`` largest ``|flat|``, ties lowest index first (exact; one host read).

    `hist` is accepted for the NumPy signature and unused.
    """
    n = flat.numel()
    if k >= n:
        return torch.ones(n, dtype=torch.bool, device=flat.device)
    th = select_kth(flat, k)
    need, ties = torch.stack([th.need, th.ties]).tolist()
    return mask_from_threshold(flat, th.key, need, ties)


def sum_above(flat: torch.Tensor, key, scale: float) -> tuple[torch.Tensor, int]:
    """``(sum, depth)``: float64 sum of ``|x|/scale`` over ``|x| > t`` (key `key`; None: all)."""
    zero = torch.zeros(1, dtype=torch.float64, device=flat.device)
    parts = [zero]
    step = _chunk(flat.device)
    if key is not None:
        key = torch.as_tensor(key, device=flat.device).to(_KEY[flat.dtype])
    buf = _buffer(flat, torch.float64)
    kbuf = _buffer(flat)
    for i in range(0, flat.numel(), step):
        x = flat[i : i + step]
        c = _f64(x, buf)
        if scale != 1.0:
            c.div_(scale)
        c.abs_()
        if key is not None:
            c.mul_(_keys(x, kbuf) > key)  # finite values: zero where |x| <= t
        parts.append(_block_sums(c))
    total, depth = tree_sum(torch.cat(parts))
    return total, depth + BLOCK - 1


def topk_sum(flat: torch.Tensor, k: int, scale: float = 1.0, hist=None) -> float:
    """Sum (float64) of the ``k`` largest ``|flat| / scale`` (see :func:`emp_theory._kernels.topk_sum`).

    The sum over ``|x| > t`` plus ``need`` times ``t / scale`` (the ties kept), as the
    NumPy path computes it; one host read.
    """
    if k >= flat.numel():
        return float(sum_above(flat, None, scale)[0])
    th = select_kth(flat, k)
    total, _ = sum_above(flat, th.key, scale)
    t = th.key.to(_KEY[flat.dtype]).view(1).view(flat.dtype)[0].to(torch.float64)
    tot, need, tv = torch.stack([total, th.need.to(torch.float64), t]).tolist()
    return tot + int(need) * (tv / scale)


def restore(mask_flat: torch.Tensor, s) -> torch.Tensor:
    """The mask in the shape of `s`, on its device (it already is)."""
    return mask_flat.view(tuple(s.shape))
