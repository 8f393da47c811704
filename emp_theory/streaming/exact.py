r"""Exact :math:`N_{\mathrm{eff}}` arithmetic of the streamer.

Two exact routes to :math:`N_{\mathrm{eff}} = \lfloor (\sum_i |w_i|)^2 / \sum_i
w_i^2 \rfloor` (Algorithm 1, line 2), both decided by the shared
:func:`!emp_theory._kernels.n_eff_from_sums`:

* ``stats="exact"`` (8- and 16-bit floats; :func:`exact_stats`): the histogram of
  every magnitude bit pattern gives the sums in Python integers (:class:`IntSums`);
* the fallback of ``stats="core"`` (:func:`exact_sums`): when the float64 ratio lies
  within its rigorous error bound of an integer, one more pass over the group
  accumulates :class:`!emp_theory._kernels.ExactSums`, as the in-memory core does.

Examples
--------
>>> IntSums(s1=6, s2=12).ratio_at_least(3), IntSums(s1=6, s2=12).ratio_at_least(4)
(True, False)
"""

from __future__ import annotations

import numpy as np

from .._kernels import ExactSums, n_eff_from_sums
from .group import Group
from .keys import UINT, as_float
from .reader import Reader, pieces

__all__ = ["IntSums", "exact_stats", "exact_sums"]


def exact_stats(g: Group) -> None:
    r"""N_eff in exact integer arithmetic from the histogram (``stats="exact"``).

    Every magnitude :math:`v_k` of a <= 16-bit float is a dyadic rational, so with
    :math:`L` the largest denominator :math:`V_k = L v_k` is an integer and, with
    :math:`c_k` the number of entries of magnitude :math:`v_k`,

    .. math::

        N_{\mathrm{eff}} = \Big\lfloor \frac{(\sum_k c_k V_k)^2}{\sum_k c_k V_k^2} \Big\rfloor

    exactly (Python integers). The decision still goes through the shared
    :func:`!emp_theory._kernels.n_eff_from_sums`, with these integers as its exact sums.
    """
    keys = np.flatnonzero(g.hist)
    vals = as_float(keys.astype(UINT[g.bits]), g.key_dtype, np.float64)
    ratios = [float(v).as_integer_ratio() for v in vals]
    L = max(q for _, q in ratios)
    V = [p * (L // q) for p, q in ratios]
    counts = [int(c) for c in g.hist[keys]]
    s1 = sum(c * v for c, v in zip(counts, V, strict=True))
    s2 = sum(c * v * v for c, v in zip(counts, V, strict=True))
    vmax = V[-1]  # keys ascend: the last is max |w|
    g.sum_scale = float(vals[-1])  # max |w|
    g.l1 = s1 / vmax  # int / int: correctly rounded
    g.l2sq = s2 / (vmax * vmax)
    g.n_eff = n_eff_from_sums(g.l1, g.l2sq, g.N, exact=lambda: IntSums(s1, s2))


class IntSums:
    """Exact sums ``s1`` = sum V_k c_k and ``s2`` = sum V_k^2 c_k (integers, common scale).

    The exact test of :func:`!emp_theory._kernels.n_eff_from_sums`, like
    :class:`!emp_theory._kernels.ExactSums`.
    """

    def __init__(self, s1: int, s2: int):
        self.s1, self.s2 = s1, s2

    def ratio_at_least(self, n: int) -> bool:
        """Whether ``s1**2 / s2 >= n``, in integer arithmetic."""
        return self.s1 * self.s1 >= n * self.s2


def exact_sums(g: Group, reader: Reader) -> ExactSums:
    """Exact sum ``|w|`` and sum ``w^2`` of the group: one more pass, run only when needed.

    :func:`!emp_theory._kernels.n_eff_from_sums` asks for it when the float64 ratio of
    :func:`~emp_theory.streaming.passes.pass_stats` lies within its rigorous error
    bound of an integer (a tensor of equal magnitudes, for one). The pass runs in the
    calling thread (the sums are exact, so their order does not matter) and is added
    to the progress bar's total.
    """
    ex = ExactSums()
    g.extra_passes += 1
    reader.bar.total += g.nbytes
    reader.bar.refresh()
    for seg in g.segs:
        t, sh = seg.tensor, seg.shard
        for a, b in pieces(t.numel, seg.start):
            raw = reader.read(sh.path, sh.data_start, t, a, b, reader.main)
            ex.add(as_float(raw, t.dtype, np.float64))
        reader.bar.update(t.end - t.begin)
    g.passes += 1
    return ex
