r"""One score vector of Algorithm 1: a group of tensors (:class:`Group`) and its segments.

A *group* is one score vector :math:`s = w` of length :math:`N` (``Group.N``): the
concatenation of the pruned tensors in the global order
(:mod:`emp_theory.streaming.headers`) with ``scope="global"``, or one tensor with
``scope="layer"``. Each tensor in it is a *segment* (:class:`Seg`) that starts at
entry ``Seg.start`` of the concatenation. The passes
(:mod:`emp_theory.streaming.passes`) fill in the group's findings: ``scale`` =
:math:`m = \max_i |w_i|`, ``l1`` = :math:`\sum_i a_i`, ``l2sq`` = :math:`\sum_i a_i^2`
(:math:`a = |w|/m`), ``n_eff`` = :math:`N_{\mathrm{eff}}`, ``k`` = the kept count
:math:`k = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N)` and
``t_key``, the magnitude key (:mod:`emp_theory.streaming.keys`) of the :math:`k`-th
largest :math:`|w_i|`.

Examples
--------
>>> from pathlib import Path
>>> from emp_theory.streaming.headers import Shard, TensorEntry
>>> sh = Shard(Path("m.safetensors"), b"", [])
>>> g = Group([Seg(sh, TensorEntry("a", "BF16", (2, 3), 0, 12), 0),
...            Seg(sh, TensorEntry("b", "F32", (4, 5), 12, 92), 0)])
>>> g.N, [s.start for s in g.segs], g.key_dtype, g.planned_passes
(26, [0, 6], 'F32', 3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .headers import BITS, Shard, TensorEntry
from .keys import common_key_dtype

__all__ = ["DIGIT", "Group", "Seg"]

#: Bits per radix digit.
DIGIT = 16


@dataclass
class Seg:
    """One tensor of a group."""

    shard: Shard
    tensor: TensorEntry
    start: int  # offset of its first entry in the group's concatenation
    max_key: int = 0
    kept: int = 0


@dataclass
class Group:
    """One score vector (a group of tensors) and what the passes found about it."""

    segs: list[Seg]
    key_dtype: str = ""
    N: int = 0
    hist: np.ndarray | None = None
    max_key: int = 0
    scale: float = 0.0
    sum_scale: float = 1.0  # the divisor of the sums: m for float64 groups, else 1
    l1: float = 0.0
    l2sq: float = 0.0
    n_eff: int = 0
    k: int = 0
    t_key: int = 0
    ties: int = 0  # entries equal to the threshold still to keep (write pass)
    passes: int = 0
    extra_passes: int = 0  # exact-sum passes asked for by the N_eff decision
    zero: bool = False
    stats: str = "exact"  # "core" for groups wider than 16 bits (set below)

    def __post_init__(self):
        start = 0
        for s in self.segs:
            s.start = start
            start += s.tensor.numel
        self.N = start
        self.key_dtype = common_key_dtype({s.tensor.dtype for s in self.segs})
        if self.bits > 16:  # exact sums need the full histogram of magnitudes
            self.stats = "core"

    @property
    def planned_passes(self) -> int:
        """Passes over the group's data before the write pass."""
        analysis = 1 if self.stats == "exact" else 2
        return analysis + -(-self.bits // DIGIT) - 1 + self.extra_passes

    @property
    def bits(self) -> int:
        return BITS[self.key_dtype]

    @property
    def nbytes(self) -> int:
        return sum(s.tensor.end - s.tensor.begin for s in self.segs)
