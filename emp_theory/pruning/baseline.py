"""The fixed-amount baseline of the paper's Table 9: the same scores, pruned by torch's own methods.

:func:`fixed_amount_prune` prunes a fraction ``amount`` (or, globally, a count) of the
selected tensors (:func:`~emp_theory.pruning.targets.select_targets`) with
:func:`torch.nn.utils.prune.global_unstructured` and
:class:`~torch.nn.utils.prune.L1Unstructured` (global), ``l1_unstructured`` with the
same fraction in every layer (block), a per-output-unit ``torch.topk`` mask applied with
``custom_from_mask`` (row), or ``ln_structured`` (structured). Kept counts are read from
the masks in int64. No EMP quantity is computed here (``N`` is a tensor's length).

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Table 9.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils import prune

from .names import check_scope
from .report import LayerStat, PruneResult
from .targets import check_slices, kept_count, output_dim, score_map, select_targets

__all__ = ["fixed_amount_prune"]


def _rowwise_topk_mask(s, dim, amount):
    rows = s.abs().movedim(dim, 0)
    moved_shape = rows.shape
    rows = rows.reshape(rows.shape[0], -1)
    k = round(float(amount) * rows.shape[1])
    mask = torch.ones_like(rows)
    if k > 0:
        idx = torch.topk(rows, k, dim=1, largest=False).indices
        mask.scatter_(1, idx, 0.0)
    return mask.reshape(moved_shape).movedim(0, dim)


def fixed_amount_prune(
    model: nn.Module,
    scores: dict | None = None,
    *,
    scope: str = "global",
    amount: float | int = 0.5,
    include_bias: bool = False,
    include=None,
    exclude=None,
) -> PruneResult:
    """Baseline: prune a fixed `amount` of the same scores with torch's own methods (Table 9).

    Parameters
    ----------
    scores : dict, optional
        As :func:`~emp_theory.pruning.scopes.prune_model`'s (default: magnitude).
    amount : float or int
        A fraction in ``[0, 1]`` (all scopes), or, for the global scope only, an
        absolute number of weights to prune.
    scope : {"global", "block", "row", "structured"}
        ``global``: ``prune.global_unstructured(..., L1Unstructured, amount)``;
        ``block``: ``prune.l1_unstructured(module, name, amount)`` in every layer
        (the same fraction everywhere); ``row``: the ``round(amount * N_r)``
        lowest scores of every output unit by ``torch.topk``, applied with
        ``prune.custom_from_mask``; ``structured``: ``prune.ln_structured`` (L2, the
        fraction `amount` of every layer's output units).
    include_bias, include, exclude
        As :func:`~emp_theory.pruning.scopes.prune_model`.

    Returns
    -------
    PruneResult
        With ``method="fixed"``, ``beta=None``; the layer statistics carry no EMP numbers.
    """
    check_scope(scope)
    targets = select_targets(model, include_bias, include, exclude)
    smap = score_map(model, targets, scores)
    total = sum(int(s.numel()) for s in smap.values())
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise TypeError(f"`amount` must be a number, got {type(amount).__name__}")
    if isinstance(amount, int):
        if scope != "global":
            raise ValueError("`amount` as a count is only supported for the global scope")
        if not 0 <= amount <= total:
            raise ValueError(f"`amount` must be in [0, {total}], got {amount}")
    elif not (math.isfinite(amount) and 0.0 <= amount <= 1.0):
        raise ValueError(f"`amount` must be a fraction in [0, 1], got {amount!r}")
    if scope in ("row", "structured"):
        check_slices(targets, scope)
    if scope == "global":
        prune.global_unstructured(
            [(mod, pname) for _, mod, pname in targets],
            pruning_method=prune.L1Unstructured,
            importance_scores={(mod, pname): smap[qn] for qn, mod, pname in targets},
            amount=amount,
        )
    for qn, mod, pname in targets:
        s = smap[qn]
        if scope == "block":
            prune.l1_unstructured(mod, pname, amount=float(amount), importance_scores=s)
        elif scope == "row":
            prune.custom_from_mask(mod, pname, _rowwise_topk_mask(s, output_dim(mod), amount))
        elif scope == "structured":
            prune.ln_structured(
                mod, pname, amount=float(amount), n=2, dim=output_dim(mod), importance_scores=s
            )
    layers = []
    for qn, mod, pname in targets:
        s = smap[qn]
        kept = kept_count(mod, pname)
        layers.append(
            LayerStat(
                qn, int(s.numel()), kept, None, None, None, None, None, False, shape=tuple(s.shape)
            )
        )
    return PruneResult(scope=scope, beta=None, layers=layers, method="fixed", amount=amount)
