r"""Shared numerical kernels of the theory core and the streamer (torch-free).

One home for the machinery that :mod:`emp_theory.effective`, :mod:`emp_theory.simplex`,
:mod:`emp_theory.images`, :mod:`emp_theory.streaming` and :mod:`emp_theory.experiments`
must share bit for bit:

* the chunked float64 statistics of ``|s|`` (:func:`stats`), computed per chunk of
  :data:`CHUNK` entries on a thread pool (:func:`pool`) and added in chunk order, so
  the result does not depend on the number of threads;
* the one decision :math:`N_{\mathrm{eff}} = \lfloor (\sum_i a_i)^2 / \sum_i a_i^2 \rfloor`
  (:func:`n_eff_from_sums`) and the kept-count rule
  :math:`k = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N)` (:func:`beta_keep`);
* exact top-``k`` selection without a sort (:func:`kth_largest`, :func:`topk_mask_flat`,
  :func:`topk_sum`), ties broken lowest flat index first;
* for float32 vectors of at least :data:`jit.JIT_MIN` entries, compiled (numba) kernels
  of the statistics and of a radix selection (:mod:`.jit`), with the same decisions;
* the conversion of any real array or torch tensor to a flat NumPy array (:func:`to_numpy`).

Paper symbols: ``n`` / ``n_eff`` is :math:`N_{\mathrm{eff}}` (Algorithm 1, line 2), ``N`` the
length of the score vector, ``beta`` is :math:`\beta`, ``k`` the number of kept entries
(Algorithm 1, line 3). The module is private: the public API is in :mod:`emp_theory`.
"""

from __future__ import annotations

from . import jit
from .chunked import (
    CHUNK,
    PARALLEL_MIN_CHUNKS,
    SAMPLE,
    SMALL,
    Stats,
    beta_keep,
    floor_guarded,
    is_torch,
    map_chunks,
    n_workers,
    pool,
    stats,
    to_numpy,
)
from .decision import (
    ExactSums,
    decide_floor,
    n_eff_from_stats,
    n_eff_from_sums,
    n_eff_rows,
    pairwise_depth,
    ratio_rel_error,
)
from .selection import chunks, kth_largest, restore, topk_mask_flat, topk_sum

__all__ = [
    "CHUNK",
    "PARALLEL_MIN_CHUNKS",
    "SAMPLE",
    "SMALL",
    "ExactSums",
    "Stats",
    "beta_keep",
    "chunks",
    "decide_floor",
    "floor_guarded",
    "is_torch",
    "jit",
    "kth_largest",
    "map_chunks",
    "n_eff_from_stats",
    "n_eff_from_sums",
    "n_eff_rows",
    "n_workers",
    "pairwise_depth",
    "pool",
    "ratio_rel_error",
    "restore",
    "stats",
    "to_numpy",
    "topk_mask_flat",
    "topk_sum",
]
