r"""Row-wise selections: one row is the score vector of one unit (a patch of one channel).

The engine (:mod:`emp_theory.images.prune`) flattens every block of a region into a row
and selects in all rows at once:

* :func:`emp_rows` — Algorithm 1 per row. :math:`N_{\mathrm{eff}}` of each row is decided
  by the core, :func:`!emp_theory._kernels.n_eff_from_stats` (the one decision
  :math:`N_{\mathrm{eff}} = \mathrm{clip}(\lfloor(\sum a)^2/\sum a^2\rfloor, 1, N)`,
  round-off guard included); only the sums are vectorised here, computed with the float64
  operations of the core's :func:`!emp_theory._kernels.stats` (:math:`a = |s|/\max|s|`,
  pairwise sums along the row), so they are the core's sums bit for bit (tested). The
  kept count :math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)` is
  the core's :func:`~emp_theory.effective.keep_count`; the :math:`k` largest
  :math:`|s_i|` are kept, ties lowest index first, like
  :func:`~emp_theory.effective.topk_mask`. Rows longer than :data:`BATCH_MAX` go to
  :func:`~emp_theory.effective.emp_mask` one by one.
* :func:`topk_rows`, :func:`random_rows` — the equal-sparsity baselines, with the
  per-row counts of :func:`apportion`.

Symbols: a row has ``P`` entries (the length :math:`N` of its score vector), ``beta`` is
:math:`\beta`, ``k`` is the number of KEPT entries (Algorithm 1, line 3), ``n_eff`` is
:math:`N_{\mathrm{eff}}`.

Examples
--------
>>> import numpy as np
>>> rows = np.array([[8.0, -1, -1, -1, -1, -1, -1, -1, -1], [1.0, 1, 0, 0, 0, 0, 0, 0, 0]])
>>> n_eff_rows(rows).tolist()
[3, 2]
>>> emp_rows(rows, 1.0).astype(int).tolist()
[[1, 1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0, 0, 0]]
>>> apportion(10, np.array([16, 16, 16, 4])).tolist()
[3, 3, 3, 1]
"""

from __future__ import annotations

import functools

import numpy as np

from .._kernels import Stats, n_eff_from_stats
from ..effective import emp_mask, keep_count, topk_mask

__all__ = [
    "BATCH_MAX",
    "apportion",
    "emp_rows",
    "n_eff_rows",
    "random_rows",
    "ranks_desc",
    "row_sums",
    "topk_rows",
]

#: Rows longer than this go through the core one by one (global mode, large patches).
BATCH_MAX = 4096


@functools.lru_cache(maxsize=256)
def _k_table(beta: float, P: int) -> np.ndarray:
    """``k[n]`` for ``n_eff = n = 1..P`` from the core's :func:`~emp_theory.effective.keep_count` (index 0 unused)."""
    table = np.zeros(P + 1, dtype=np.int64)
    table[1:] = [keep_count(beta=beta, n_eff=n, N=P) for n in range(1, P + 1)]
    return table


def ranks_desc(a: np.ndarray) -> np.ndarray:
    """Per-row rank of each entry in decreasing order, ties by lowest index (0-based)."""
    order = np.argsort(-a, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(a.shape[1]), a.shape), axis=1)
    return ranks


def row_sums(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""``(scale, l1, l2sq)`` per row: :math:`m = \max|s|`, :math:`\sum a`, :math:`\sum a^2`, :math:`a = |s|/m`.

    The float64 operations of :func:`!emp_theory._kernels.stats` on one chunk (``|s|/m``,
    then pairwise sums of ``a`` and of ``a*a`` along the contiguous row), so each row's
    numbers equal the core's :class:`!emp_theory._kernels.Stats` of that row. Rows are real
    (taken in float64), finite and not all zero.
    """
    a = np.abs(rows, dtype=np.float64)
    m = a.max(axis=1)
    a /= m[:, None]
    l1 = a.sum(axis=1)
    a *= a
    return m, l1, a.sum(axis=1)


def n_eff_rows(rows: np.ndarray) -> np.ndarray:
    r""":math:`N_{\mathrm{eff}}` of each row of ``(n, P)`` (finite, no all-zero row), decided by the core.

    Each row's :class:`!emp_theory._kernels.Stats` (the sums of :func:`row_sums`) goes to
    :func:`!emp_theory._kernels.n_eff_from_stats`, the one :math:`N_{\mathrm{eff}}` decision
    that :func:`emp_theory.effective.n_eff` makes; so the result equals ``[n_eff(row) for row in rows]``.
    """
    m, l1, l2sq = row_sums(rows)
    return np.fromiter(
        (
            n_eff_from_stats(Stats(flat=row, scale=s, l1=a, l2sq=b))
            for row, s, a, b in zip(rows, m.tolist(), l1.tolist(), l2sq.tolist(), strict=True)
        ),
        dtype=np.int64,
        count=rows.shape[0],
    )


def emp_rows(rows: np.ndarray, beta: float) -> np.ndarray:
    """EMP mask (Algorithm 1) of each row of ``rows`` (n, P); all-zero rows kept whole."""
    n, P = rows.shape
    mask = np.ones((n, P), dtype=bool)
    nz = np.flatnonzero(np.any(rows != 0, axis=1))
    if nz.size == 0:
        return mask
    if P > BATCH_MAX:
        for i in nz:
            mask[i] = emp_mask(rows[i], beta)
        return mask
    sub = rows[nz]
    k = _k_table(beta, P)[n_eff_rows(sub)]
    mask[nz] = ranks_desc(np.abs(sub)) < k[:, None]
    return mask


def topk_rows(rows: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Keep the ``k[i]`` largest ``|rows[i]|`` (ties: lowest index first), like ``topk_mask``."""
    n, P = rows.shape
    if P > BATCH_MAX:
        mask = np.zeros((n, P), dtype=bool)
        for i in range(n):
            if k[i] == 0:
                continue
            if np.any(rows[i] != 0):
                mask[i] = topk_mask(rows[i], int(k[i]))
            else:  # all ties: the lowest indices, as topk_mask breaks ties
                mask[i, : k[i]] = True
        return mask
    return ranks_desc(np.abs(rows)) < k[:, None]


def random_rows(shape: tuple[int, int], k: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Keep ``k[i]`` entries of row ``i`` chosen uniformly at random without replacement."""
    keys = rng.random(shape)
    return ranks_desc(keys) < k[:, None]


def apportion(total: int, sizes: np.ndarray) -> np.ndarray:
    """Split ``total`` over blocks in proportion to ``sizes`` (largest remainder, exact ints).

    Block ``i`` gets ``floor(total * n_i / N)`` plus one for the ``total - sum(floors)``
    largest remainders (ties: lowest index first), so the counts sum to ``total``
    and each differs from its quota ``total * n_i / N`` by less than 1.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    N = int(sizes.sum())
    prod = total * sizes
    base = prod // N
    rem = prod % N
    extra = total - int(base.sum())
    if extra:
        base[np.argsort(-rem, kind="stable")[:extra]] += 1
    return base
