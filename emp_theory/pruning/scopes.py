"""Apply EMP (or a fixed amount) to a whole model in one of three scopes.

``"global"``
    All prunable weights pooled into one score vector; one :math:`N_{\\mathrm{eff}}`
    and one :math:`\\nu` (:func:`~emp_theory.pruning.method.global_emp_unstructured`).
``"block"``
    Each layer's weight on its own ("block" in Table 4 of the paper): one
    :math:`N_{\\mathrm{eff}}`, :math:`\\nu` per layer
    (:func:`~emp_theory.pruning.method.emp_unstructured`).
``"row"``
    Each output neuron (row of a ``Linear`` weight, output channel of a ``Conv2d``)
    on its own (:func:`~emp_theory.pruning.method.emp_rowwise`).

Prunable weights are the ``weight`` of every ``nn.Linear`` and ``nn.Conv2d``
(:func:`~emp_theory.pruning.models.prunable_parameters`); biases only with
``include_bias=True``. The sparsity reported is
:math:`1 - \\sum_\\ell \\nu_\\ell / \\sum_\\ell N_\\ell`, counted from the masks.

:func:`fixed_amount_prune` is the baseline of the paper's Table 9: the same
scores thresholded at a fixed amount by torch's own methods —
:func:`torch.nn.utils.prune.global_unstructured` with
:class:`~torch.nn.utils.prune.L1Unstructured` (global), ``l1_unstructured`` with the
same fraction in every layer (block), and a per-row ``torch.topk`` mask applied
with ``custom_from_mask`` (row).

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1, Tables 4 and 9.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.nn.utils import prune

from ..effective import emp_summary
from .method import EMPRecord, emp_rowwise, emp_unstructured, global_emp_unstructured
from .models import prunable_parameters

__all__ = [
    "SCOPES",
    "LayerStat",
    "PruneResult",
    "fixed_amount_prune",
    "layer_summaries",
    "prune_model",
]

#: Scopes accepted by :func:`prune_model`.
from .names import SCOPES


@dataclass
class LayerStat:
    """One pruned tensor after pruning.

    ``n_eff``/``ratio``/``s_eff``/``bound`` are those of the layer's own scores
    (what block-scope EMP sees, whatever the scope used); ``kept`` is counted from
    the mask; ``nu`` is the layer's EMP count in the block scope (None otherwise).
    For the row scope ``rows`` holds the number of rows, ``ratio``, ``s_eff`` and
    ``bound`` the means over the rows of :math:`N_{\\mathrm{eff}}/N`,
    :math:`s_{\\mathrm{eff}}` and the Theorem 2 bound, ``n_eff`` is None, ``nu`` the
    layer's total kept count, and ``min_margin`` the smallest
    :math:`s_{\\mathrm{eff}} - \\text{bound}` over rows.
    """

    name: str
    N: int
    kept: int
    n_eff: int | None
    ratio: float | None
    s_eff: float | None
    bound: float | None
    k: int | None
    saturated: bool
    rows: int | None = None
    min_margin: float | None = None
    all_zero: int = 0

    @property
    def kept_fraction(self) -> float:
        return self.kept / self.N

    def as_dict(self) -> dict:
        d = asdict(self)
        d["kept_fraction"] = self.kept_fraction
        return d


@dataclass
class PruneResult:
    """What pruning a model did: per-layer statistics and totals."""

    scope: str
    beta: float | None
    layers: list[LayerStat]
    global_record: EMPRecord | None = None
    method: str = "emp"
    amount: float | None = None
    records: list[EMPRecord] = field(default_factory=list, repr=False)

    @property
    def N(self) -> int:
        return sum(layer.N for layer in self.layers)

    @property
    def kept(self) -> int:
        return sum(layer.kept for layer in self.layers)

    @property
    def sparsity(self) -> float:
        """:math:`1 - \\sum\\nu/\\sum N` over the pruned tensors (from the masks)."""
        return 1.0 - self.kept / self.N

    @property
    def no_pruning(self) -> bool:
        """True when nothing was pruned (``nu`` clipped at ``N`` everywhere)."""
        return self.kept == self.N

    @property
    def n_saturated(self) -> int:
        """Number of EMP groups (the pooled vector, layers or rows) whose ``nu`` hit ``N``."""
        if self.scope == "global" and self.global_record is not None:
            return int(self.global_record.saturated)
        return sum(int(r.saturated) for r in self.records)

    @property
    def n_all_zero(self) -> int:
        """Number of EMP groups left unpruned because all their scores were zero."""
        recs = [self.global_record] if self.scope == "global" else self.records
        return sum(int(r.all_zero) for r in recs if r is not None)

    @property
    def n_groups(self) -> int:
        """Number of EMP groups (1 for global, layers for block, rows for row)."""
        if self.scope == "global":
            return 1
        return len(self.records)

    def bound_holds(self) -> bool:
        """Theorem 2 (:math:`s_{\\mathrm{eff}} \\ge` bound) for every EMP group."""
        recs = [self.global_record] if self.scope == "global" else self.records
        return all(
            r.s_eff >= r.bound - 1e-12 for r in recs if r is not None and r.s_eff is not None
        )

    def as_dict(self) -> dict:
        return {
            "scope": self.scope,
            "beta": self.beta,
            "method": self.method,
            "amount": self.amount,
            "N": self.N,
            "kept": self.kept,
            "sparsity": self.sparsity,
            "no_pruning": self.no_pruning,
            "n_groups": self.n_groups,
            "n_saturated": self.n_saturated,
            "n_all_zero": self.n_all_zero,
            "bound_holds": self.bound_holds(),
            "global": None if self.global_record is None else self.global_record.as_dict(),
            "layers": [layer.as_dict() for layer in self.layers],
        }


def _targets(model, include_bias):
    targets = prunable_parameters(model, include_bias=include_bias)
    if not targets:
        raise ValueError("`model` has no nn.Linear or nn.Conv2d weights to prune")
    return targets


def _score_map(model, targets, scores):
    out = {}
    for qn, mod, pname in targets:
        if scores is None:
            s = getattr(mod, pname).detach()
        else:
            if qn not in scores:
                raise ValueError(f"`scores` has no entry for {qn!r} (keys: {sorted(scores)})")
            s = scores[qn]
            ref = getattr(mod, pname)
            if not isinstance(s, torch.Tensor) or s.shape != ref.shape:
                raise ValueError(
                    f"`scores` entry {qn!r} must be a tensor of shape {tuple(ref.shape)}, "
                    f"got {getattr(s, 'shape', type(s).__name__)}"
                )
        out[qn] = s.detach()
    return out


def layer_summaries(scores: dict) -> dict:
    """Each layer's own EMP statistics (:func:`emp_theory.effective.emp_summary` at β = 1).

    ``{name: EMPSummary or None}`` (None when a layer's scores are all zero). Pass the
    result to :func:`prune_model` as `layer_stats` to avoid recomputing it for every β.
    """
    out = {}
    for qn, s in scores.items():
        out[qn] = emp_summary(s, 1.0) if bool((s != 0).any()) else None
    return out


def _mask_of(mod, pname):
    m = getattr(mod, pname + "_mask", None)
    return None if m is None else m


def prune_model(
    model: nn.Module,
    scores: dict | None = None,
    *,
    scope: str = "global",
    beta: float = 1.0,
    include_bias: bool = False,
    on_all_zero: str = "keep",
    layer_stats: dict | None = None,
) -> PruneResult:
    """Prune `model` in place with EMP in `scope` and return the per-layer statistics.

    Parameters
    ----------
    model : torch.nn.Module
        Its ``nn.Linear``/``nn.Conv2d`` weights are pruned (torch's reparametrization:
        ``weight_orig``, ``weight_mask``).
    scores : dict, optional
        ``{"fc1.weight": tensor, ...}`` (names as in
        :func:`~emp_theory.pruning.models.prunable_parameters`); default: the weights
        themselves (magnitude).
    scope : {"global", "block", "row"}
    beta : float, default 1.0
    include_bias : bool, default False
    on_all_zero : {"keep", "raise"}, default "keep"
        Groups whose scores are all zero are left unpruned (and counted) or raise.
    layer_stats : dict, optional
        :func:`layer_summaries` of the same scores (global scope only; computed if
        not given).

    Returns
    -------
    PruneResult
    """
    if scope not in SCOPES:
        raise ValueError(f"`scope` must be one of {', '.join(SCOPES)}, got {scope!r}")
    targets = _targets(model, include_bias)
    smap = _score_map(model, targets, scores)
    records: list[EMPRecord] = []
    grec = None
    if scope == "global":
        grec = global_emp_unstructured(
            [(mod, pname) for _, mod, pname in targets],
            beta=beta,
            importance_scores={(mod, pname): smap[qn] for qn, mod, pname in targets},
            on_all_zero=on_all_zero,
        )
    layers = []
    for qn, mod, pname in targets:
        s = smap[qn]
        per: list[EMPRecord] = []
        if scope == "block":
            emp_unstructured(mod, pname, beta, s, report=per, on_all_zero=on_all_zero)
        elif scope == "row":
            emp_rowwise(mod, pname, beta, s, report=per, on_all_zero=on_all_zero)
        records.extend(per)
        mask = _mask_of(mod, pname)
        kept = int(mask.sum()) if mask is not None else int(s.numel())
        if scope == "row":
            valid = [r for r in per if r.n_eff is not None]
            layers.append(
                LayerStat(
                    name=qn,
                    N=int(s.numel()),
                    kept=kept,
                    n_eff=None,
                    ratio=(sum(r.ratio for r in valid) / len(valid)) if valid else None,
                    s_eff=(sum(r.s_eff for r in valid) / len(valid)) if valid else None,
                    bound=(sum(r.bound for r in valid) / len(valid)) if valid else None,
                    k=sum(r.k for r in per),
                    saturated=bool(per) and all(r.saturated for r in per),
                    rows=len(per),
                    min_margin=min((r.s_eff - r.bound for r in valid), default=None),
                    all_zero=sum(int(r.all_zero) for r in per),
                )
            )
            continue
        if scope == "block":
            summ = per[-1]
        else:
            if layer_stats is None:
                layer_stats = layer_summaries(smap)
            summ = layer_stats.get(qn)
        if summ is None or getattr(summ, "n_eff", None) is None:
            layers.append(
                LayerStat(qn, int(s.numel()), kept, None, None, None, None, None, False, all_zero=1)
            )
            continue
        layers.append(
            LayerStat(
                name=qn,
                N=int(summ.N),
                kept=kept,
                n_eff=int(summ.n_eff),
                ratio=summ.n_eff / summ.N,
                s_eff=float(summ.s_eff),
                bound=float(summ.bound),
                k=int(summ.k) if scope == "block" else None,
                saturated=scope == "block" and summ.k == summ.N,
                min_margin=float(summ.s_eff - summ.bound),
            )
        )
    return PruneResult(
        scope=scope, beta=float(beta), layers=layers, global_record=grec, records=records
    )


def fixed_amount_prune(
    model: nn.Module,
    scores: dict | None = None,
    *,
    scope: str = "global",
    amount: float | int = 0.5,
    include_bias: bool = False,
) -> PruneResult:
    """Baseline: prune a fixed `amount` of the same scores with torch's own methods (Table 9).

    Parameters
    ----------
    amount : float or int
        A fraction in ``[0, 1]`` of the pooled weights (all scopes), or, for the
        global scope only, an absolute number of weights to prune.
    scope : {"global", "block", "row"}
        ``global``: ``prune.global_unstructured(..., L1Unstructured, amount)``;
        ``block``: ``prune.l1_unstructured(module, name, amount)`` in every layer
        (the same fraction everywhere); ``row``: the ``round(amount * N_r)``
        lowest scores of every row by ``torch.topk``, applied with
        ``prune.custom_from_mask``.

    Returns
    -------
    PruneResult
        With ``method="fixed"``, ``beta=None``; the layer statistics carry no EMP numbers.
    """
    if scope not in SCOPES:
        raise ValueError(f"`scope` must be one of {', '.join(SCOPES)}, got {scope!r}")
    targets = _targets(model, include_bias)
    smap = _score_map(model, targets, scores)
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
            rows = s.abs().reshape(s.shape[0], -1)
            k = round(float(amount) * rows.shape[1])
            mask = torch.ones_like(rows)
            if k > 0:
                idx = torch.topk(rows, k, dim=1, largest=False).indices
                mask.scatter_(1, idx, 0.0)
            prune.custom_from_mask(mod, pname, mask.view_as(s))
    layers = []
    for qn, mod, pname in targets:
        s = smap[qn]
        kept = int(_mask_of(mod, pname).sum())
        layers.append(LayerStat(qn, int(s.numel()), kept, None, None, None, None, None, False))
    return PruneResult(scope=scope, beta=None, layers=layers, method="fixed", amount=amount)
