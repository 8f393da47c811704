"""Prune a whole model in one call: EMP in one of four scopes, with a per-layer report.

``"global"``
    All selected weights pooled into one score vector; one :math:`N_{\\mathrm{eff}}`
    and one kept count :math:`k`
    (:func:`~emp_theory.pruning.functional.global_emp_unstructured`).
``"block"``
    Each layer's weight on its own ("block" in Table 4 of the paper): one
    :math:`N_{\\mathrm{eff}}`, :math:`k` per layer
    (:func:`~emp_theory.pruning.functional.emp_unstructured`).
``"row"``
    Each output unit (row of a ``Linear`` weight, output channel of a ``Conv``, column
    of a GPT-2 ``Conv1D``) on its own (:func:`~emp_theory.pruning.functional.emp_rowwise`
    along :func:`~emp_theory.pruning.targets.output_dim`).
``"structured"``
    Whole output units: EMP over their :math:`L_2` norms, per layer
    (:func:`~emp_theory.pruning.functional.emp_structured`).

Which tensors: :func:`~emp_theory.pruning.targets.prunable_parameters` (``Linear``,
``Conv1d/2d/3d``, ``ConvTranspose1d/2d/3d``, GPT-2 ``Conv1D``; ``Embedding`` when
`include` names it; biases with ``include_bias=True``; `include` / `exclude` by fnmatch
pattern on the fully qualified name or by layer type). Everything is keyed by the
fully qualified parameter name (``"layer1.0.conv1.weight"``), so layers that share a
short name never share scores. The sparsity reported is
:math:`1 - \\sum_\\ell k_\\ell / \\sum_\\ell N_\\ell`, counted from the masks in an integer
dtype (:math:`N_\\ell` the length of tensor :math:`\\ell`, :math:`k_\\ell` its kept
entries, ``beta`` :math:`\\beta`).

:func:`~emp_theory.pruning.baseline.fixed_amount_prune` (re-exported here) is the
baseline of the paper's Table 9: the same scores pruned at a fixed amount by torch's
own methods. Which tensors, and how ``scores`` keys are read:
:mod:`emp_theory.pruning.targets`.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1, Tables 4 and 9.
"""

from __future__ import annotations

from collections.abc import Mapping

from torch import nn

from ..effective import emp_summary
from .baseline import fixed_amount_prune
from .criteria import CRITERIA, compute_scores
from .functional import emp_rowwise, emp_structured, emp_unstructured, global_emp_unstructured
from .names import SCOPES, check_scope
from .records import EMPRecord
from .report import LayerStat, PruneResult
from .targets import (
    check_slices,
    kept_count,
    output_dim,
    score_map,
    select_targets,
    tensor_of,
)

__all__ = [
    "SCOPES",
    "LayerStat",
    "PruneResult",
    "fixed_amount_prune",
    "layer_summaries",
    "prune_model",
]

_DATA_CRITERIA = ("taylor", "saliency", "obd", "wanda")


def _criterion_scores(model, targets, criterion, data, options):
    if criterion not in CRITERIA:
        raise ValueError(f"`criterion` must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    params = [tensor_of(mod, pname) for _, mod, pname in targets]
    if criterion not in _DATA_CRITERIA:
        scores = compute_scores(model, criterion, params, data)
    else:
        scores = compute_scores(model, criterion, params, data, **options)
    return {qn: s.detach() for (qn, _, _), s in zip(targets, scores, strict=True)}


def layer_summaries(scores: dict) -> dict:
    """Each layer's own EMP statistics (:func:`emp_theory.effective.emp_summary` at β = 1).

    ``{name: EMPSummary or None}`` (None when a layer's scores are all zero). Pass the
    result to :func:`prune_model` as `layer_stats` to avoid recomputing it for every β.
    """
    out = {}
    for qn, s in scores.items():
        out[qn] = emp_summary(s, 1.0) if bool((s != 0).any()) else None
    return out


def _row_stat(qn, shape, N, kept, per):
    valid = [r for r in per if r.n_eff is not None]

    def mean(attr):
        return (sum(getattr(r, attr) for r in valid) / len(valid)) if valid else None

    return LayerStat(
        name=qn,
        N=N,
        kept=kept,
        n_eff=None,
        ratio=mean("ratio"),
        s_eff=mean("s_eff"),
        bound=mean("bound"),
        k=sum(r.k for r in per),
        saturated=bool(per) and all(r.saturated for r in per),
        rows=len(per),
        min_margin=min((r.s_eff - r.bound for r in valid), default=None),
        all_zero=sum(int(r.all_zero) for r in per),
        shape=shape,
    )


def _summary_stat(qn, shape, N, kept, summ, scope):
    """A block / global / structured layer line from an EMPRecord or EMPSummary."""
    if summ is None or getattr(summ, "n_eff", None) is None:
        return LayerStat(qn, N, kept, None, None, None, None, None, False, all_zero=1, shape=shape)
    per_layer_k = scope in ("block", "structured")
    return LayerStat(
        name=qn,
        N=N,
        kept=kept,
        n_eff=int(summ.n_eff),
        ratio=summ.n_eff / summ.N,
        s_eff=float(summ.s_eff),
        bound=float(summ.bound),
        k=int(summ.k) if per_layer_k else None,
        saturated=per_layer_k and summ.k == summ.N,
        rows=int(summ.N) if scope == "structured" else None,
        min_margin=float(summ.s_eff - summ.bound),
        shape=shape,
    )


def prune_model(
    model: nn.Module,
    criterion="magnitude",
    scope: str = "global",
    beta: float = 1.0,
    data=None,
    include=None,
    exclude=None,
    *,
    scores: Mapping | None = None,
    loss_fn=None,
    calibration=None,
    n_batches: int | None = None,
    include_bias: bool = False,
    n=2,
    on_all_zero: str = "keep",
    layer_stats: dict | None = None,
    progress: bool | None = None,
    criterion_options: dict | None = None,
    process_group=None,
) -> PruneResult:
    """Prune `model` in place with EMP and return what was kept, per layer.

    Parameters
    ----------
    model : torch.nn.Module
        Any module; its selected tensors are pruned with torch's reparametrization
        (``weight_orig``, ``weight_mask``, a forward pre-hook). Call
        :func:`~emp_theory.pruning.saving.make_permanent` to bake the masks in.
    criterion : str, default "magnitude"
        A name of :data:`~emp_theory.pruning.criteria.CRITERIA`: ``"magnitude"``, or
        ``"taylor"``, ``"saliency"``, ``"obd"``, ``"wanda"``, which need `data`. (A dict
        here is taken as `scores`, the former second argument.)
    scope : {"global", "block", "row", "structured"}, default "global"
    beta : float, default 1.0
        :math:`\\beta` of Algorithm 1.
    data : DataLoader or iterable of batches, optional
        Calibration data of the data-dependent criteria: ``(inputs, targets)`` batches
        (inputs a tensor or a dict / list of tensors), or batches of any form with
        `calibration`.
    include, exclude : str, type or list of them, optional
        fnmatch patterns on the fully qualified parameter / module name, or layer types
        (:func:`~emp_theory.pruning.targets.prunable_parameters`).
    scores : dict, optional
        Precomputed scores ``{"layer1.0.conv1.weight": tensor, ...}`` (fully qualified
        names, a unique suffix of one, or ``(module, "weight")`` keys) instead of a
        criterion; entries for parameters that are not pruned are ignored.
    loss_fn : callable, optional
        ``loss_fn(model(inputs), targets)`` of the gradient criteria (default: mean
        cross-entropy).
    calibration : callable, optional
        ``calibration(model, batch) -> scalar loss``: runs the model on one batch of
        any form (Wanda ignores the value and uses the forward pass).
    n_batches : int, optional
        Batches of `data` used (default: all).
    include_bias : bool, default False
        Also prune biases (block and global scopes).
    n : int, float, inf or "fro", default 2
        Norm of the structured scope.
    on_all_zero : {"keep", "raise"}, default "keep"
        Groups whose scores are all zero are left unpruned (and counted) or raise.
    layer_stats : dict, optional
        :func:`layer_summaries` of the same scores (global scope; computed if not given).
    progress : bool or None, default None
        tqdm bar over the calibration batches (None: only on a terminal).
    criterion_options : dict, optional
        Extra options of the criterion (``n_probes``, ``seed`` of OBD).
    process_group : torch.distributed.ProcessGroup, optional
        Global scope across ranks, each holding its part of the model
        (:func:`~emp_theory.pruning.functional.global_emp_unstructured`; used by default
        when ``torch.distributed`` is initialized with several ranks). The other scopes
        are per layer and communicate nothing.

    Returns
    -------
    PruneResult
        ``print(result)`` shows the per-layer table (name, shape, N, N_eff, kept,
        sparsity, s_eff, Theorem 2 bound, margin).

    Raises
    ------
    ValueError
        Unknown `criterion` / `scope`, no tensor to prune, tied weights among the
        selected tensors, `scores` that miss a tensor or have the wrong shape, a
        data-dependent criterion without `data`.
    NotImplementedError
        On the ``meta`` device (nothing to count; the single-tensor methods work there).

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> _ = torch.manual_seed(0)
    >>> model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    >>> res = prune_model(model, scope="block")
    >>> [la.name for la in res.layers]
    ['0.weight', '2.weight']
    >>> res.kept == int(model[0].weight_mask.sum() + model[2].weight_mask.sum())
    True
    """
    if isinstance(criterion, Mapping):  # the former signature prune_model(model, scores)
        if scores is not None:
            raise TypeError("pass the scores once: as `scores=`")
        criterion, scores = "magnitude", criterion
    check_scope(scope)
    if scores is not None and criterion not in (None, "magnitude"):
        raise ValueError(f"pass `criterion` ({criterion!r}) or `scores`, not both")
    targets = select_targets(model, include_bias, include, exclude)
    if scope in ("row", "structured"):
        check_slices(targets, scope)
    if scores is not None:
        smap = score_map(model, targets, scores)
        crit_name = "scores"
    else:
        crit_name = "magnitude" if criterion is None else criterion
        options = {"n_batches": n_batches, "progress": progress, "calibration": calibration}
        if crit_name != "wanda":
            options["loss_fn"] = loss_fn
        options.update(criterion_options or {})
        smap = _criterion_scores(model, targets, crit_name, data, options)
    records: list[EMPRecord] = []
    grec = None
    if scope == "global":
        grec = global_emp_unstructured(
            [(mod, pname) for _, mod, pname in targets],
            beta=beta,
            importance_scores={(mod, pname): smap[qn] for qn, mod, pname in targets},
            process_group=process_group,
            on_all_zero=on_all_zero,
        )
        if layer_stats is None:
            layer_stats = layer_summaries(smap)
    layers = []
    for qn, mod, pname in targets:
        s = smap[qn]
        per: list[EMPRecord] = []
        if scope == "block":
            emp_unstructured(mod, pname, beta, s, report=per, on_all_zero=on_all_zero)
        elif scope == "row":
            emp_rowwise(
                mod, pname, beta, s, dim=output_dim(mod), report=per, on_all_zero=on_all_zero
            )
        elif scope == "structured":
            emp_structured(
                mod, pname, n, output_dim(mod), beta, s, report=per, on_all_zero=on_all_zero
            )
        records.extend(per)
        shape, N, kept = tuple(s.shape), int(s.numel()), kept_count(mod, pname)
        if scope == "row":
            layers.append(_row_stat(qn, shape, N, kept, per))
        elif scope == "global":
            layers.append(_summary_stat(qn, shape, N, kept, layer_stats.get(qn), scope))
        else:
            layers.append(_summary_stat(qn, shape, N, kept, per[-1] if per else None, scope))
    return PruneResult(
        scope=scope,
        beta=float(beta),
        layers=layers,
        global_record=grec,
        records=records,
        criterion=crit_name,
    )
