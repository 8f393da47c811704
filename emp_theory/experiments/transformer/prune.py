r"""Pruning the encoder: EMP or a fixed fraction per weight matrix or row, EMP over heads.

:func:`prune_linears` keeps, in every group (a weight matrix, or one output row of it),
the :math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)` largest scores
(Algorithm 1, eq. 2; :math:`N` = entries of the group, :math:`N_{\mathrm{eff}} =
\lfloor 1/\sum_i\omega_i^2\rfloor`, :math:`\omega = |s|/\|s\|_1`, :math:`\beta` =
``beta``) or prunes a fixed fraction ``amount`` of it. :func:`emp_head_mask` applies
Algorithm 1 to the head importances, per layer (:math:`N = 12`) or globally
(:math:`N = 72`), and :class:`HeadMask` removes heads by zeroing their context slices
(the effect of the ``head_mask`` argument of older ``transformers`` releases).

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 5.3, Algorithm 1, eq. (2).
"""

from __future__ import annotations

import math

import numpy as np

from ..._validation import as_positive_finite
from ...effective import emp_mask, n_eff, top_mass
from .calibrate import encoder_linears, linear_kind
from .load import bert_model, geometry

__all__ = ["HeadMask", "emp_head_mask", "prune_linears"]


def _rowwise_fixed_mask(scores, amount: float):
    import torch

    d = scores.shape[1]
    keep = d - round(amount * d)
    idx = torch.topk(scores, keep, dim=1).indices
    mask = torch.zeros_like(scores)
    mask.scatter_(1, idx, 1.0)
    return mask


def prune_linears(
    model, scores: dict, *, rule: str, scope: str = "matrix", beta: float = 1.0, amount: float = 0.5
) -> list[dict]:
    r"""Prune every encoder linear weight of `model` in place and report what was kept.

    ``rule="emp"`` keeps :math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)`
    entries of each group (Algorithm 1) through
    :func:`emp_theory.pruning.functional.emp_unstructured` (``scope="matrix"``) or
    :func:`~emp_theory.pruning.functional.emp_rowwise` (``scope="row"``);
    ``rule="fixed"`` prunes ``round(amount * N)`` entries of each group with the
    smallest scores (:func:`torch.nn.utils.prune.l1_unstructured` with the scores
    as ``importance_scores``, or a top-k per row). Masks are applied with
    :mod:`torch.nn.utils.prune` (``weight_orig`` and ``weight_mask``).

    Parameters
    ----------
    model : sentence_transformers.SentenceTransformer
        Pruned in place (work on a copy to keep the dense model).
    scores : dict
        ``{name: tensor}`` for every name of :func:`.encoder_linears`.
    rule : {"emp", "fixed"}
    scope : {"matrix", "row"}, default "matrix"
    beta : float, default 1.0
    amount : float, default 0.5
        Fraction pruned by ``rule="fixed"``, in (0, 1).

    Returns
    -------
    list of dict
        Per matrix: ``name``, ``layer``, ``kind``, ``N`` (entries), ``kept``
        (ones of the mask), ``sparsity`` (``1 - kept/N``), ``kept_mass``
        (:math:`\sum_{\text{kept}} |s_i| / \sum_i |s_i|`, the share of the score
        mass the mask keeps; :math:`s_{\mathrm{eff}}` for EMP on a matrix, eq. 5),
        ``top1_mass`` (the share held by the :math:`\lceil N/100 \rceil` largest
        scores, :func:`emp_theory.effective.top_mass`), ``top_column_share``
        (:math:`\max_j \sum_i s_{ij}^2 / \sum_{ij} s_{ij}^2`, the share of the
        squared scores in the heaviest input column) and ``n_eff``
        (:math:`N_{\mathrm{eff}}` of the matrix's scores, :func:`emp_theory.effective.n_eff`).
    """
    from torch.nn.utils import prune

    from ...pruning.functional import emp_rowwise, emp_unstructured

    if rule not in ("emp", "fixed"):
        raise ValueError(f"`rule` must be 'emp' or 'fixed', got {rule!r}")
    if scope not in ("matrix", "row"):
        raise ValueError(f"`scope` must be 'matrix' or 'row', got {scope!r}")
    b = as_positive_finite(beta, "beta")
    a = as_positive_finite(amount, "amount")
    if a >= 1:
        raise ValueError(f"`amount` must be in (0, 1), got {amount!r}")
    if not isinstance(scores, dict):
        raise TypeError(f"`scores` must be a dict name -> tensor, got {type(scores).__name__}")
    lins = encoder_linears(model)
    missing = [n for n, _ in lins if n not in scores]
    if missing:
        raise ValueError(f"`scores` lacks {len(missing)} layers, e.g. {missing[0]!r}")
    out = []
    for name, mod in lins:
        s = scores[name]
        if tuple(s.shape) != tuple(mod.weight.shape):
            raise ValueError(
                f"`scores` of {name!r} has shape {tuple(s.shape)}, the weight {tuple(mod.weight.shape)}"
            )
        if rule == "emp" and scope == "matrix":
            emp_unstructured(mod, "weight", beta=b, scores=s)
        elif rule == "emp":
            emp_rowwise(mod, "weight", beta=b, scores=s)
        elif scope == "matrix":
            prune.l1_unstructured(mod, "weight", amount=a, importance_scores=s)
        else:
            prune.custom_from_mask(mod, "weight", _rowwise_fixed_mask(s, a))
        mask = mod.weight_mask.detach().bool()
        n = int(mask.numel())
        kept = int(mask.sum().item())
        s_abs = s.detach().abs().double()
        layer, kind = linear_kind(name)
        out.append(
            {
                "name": name,
                "layer": layer,
                "kind": kind,
                "N": n,
                "kept": kept,
                "sparsity": 1.0 - kept / n,
                "kept_mass": float(s_abs[mask].sum() / s_abs.sum()),
                "top1_mass": top_mass(s_abs, math.ceil(n / 100)),
                "top_column_share": float((s_abs**2).sum(dim=0).max() / (s_abs**2).sum()),
                "n_eff": n_eff(s_abs),
            }
        )
    return out


def emp_head_mask(scores, scope: str = "layer", beta: float = 1.0) -> np.ndarray:
    r"""EMP over head scores: keep :math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)` heads.

    ``scope="layer"``: :func:`emp_theory.effective.emp_mask` on each row (each layer's
    :math:`N = n_{\mathrm{heads}}` scores); ``scope="global"``: on all
    :math:`N = n_{\mathrm{layers}} n_{\mathrm{heads}}` scores at once.

    Parameters
    ----------
    scores : array_like
        ``(n_layers, n_heads)`` head importances (:func:`.head_importance`).
    scope : {"layer", "global"}
    beta : float, default 1.0

    Returns
    -------
    numpy.ndarray
        Boolean ``(n_layers, n_heads)``, True = kept.

    Examples
    --------
    Row 0 has :math:`N_{\mathrm{eff}} = \lfloor 6.5^2/18.25 \rfloor = 2`; the eight scores
    together :math:`\lfloor 10.5^2/22.25 \rfloor = 4` (ties keep the lower index):

    >>> s = [[4.0, 1.0, 1.0, 0.5], [1.0, 1.0, 1.0, 1.0]]
    >>> emp_head_mask(s, "layer").astype(int)
    array([[1, 1, 0, 0],
           [1, 1, 1, 1]])
    >>> emp_head_mask(s, "global").astype(int)
    array([[1, 1, 1, 0],
           [1, 0, 0, 0]])
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2 or s.size == 0:
        raise ValueError(f"`scores` must be a non-empty 2-D array, got shape {s.shape}")
    b = as_positive_finite(beta, "beta")
    if scope == "layer":
        return np.stack([emp_mask(row, b) for row in s])
    if scope == "global":
        return emp_mask(s, b)
    raise ValueError(f"`scope` must be 'layer' or 'global', got {scope!r}")


class HeadMask:
    """Remove attention heads by zeroing their context slices (forward pre-hooks).

    For each layer a pre-hook on ``attention.output.dense`` multiplies its input
    (the concatenated head contexts, head :math:`h` at columns
    :math:`[32h, 32h + 32)`) by the head mask repeated 32 times. Use as a context
    manager or call :meth:`remove`.

    Parameters
    ----------
    model : sentence_transformers.SentenceTransformer
    mask : array_like
        ``(n_layers, n_heads)``; True / 1 keeps a head, False / 0 removes it.
    """

    def __init__(self, model, mask):
        import torch

        bert = bert_model(model)
        n_layers, n_heads, d_head = geometry(model)
        m = np.asarray(mask)
        if m.shape != (n_layers, n_heads):
            raise ValueError(f"`mask` must have shape {(n_layers, n_heads)}, got {m.shape}")
        if m.dtype != bool:
            if not np.isin(m, (0, 1)).all():
                raise ValueError("`mask` must hold booleans or 0/1")
            m = m.astype(bool)
        self.mask = m
        self._handles = []
        for i, layer in enumerate(bert.encoder.layer):
            dense = layer.attention.output.dense
            cols = torch.from_numpy(np.repeat(m[i], d_head)).to(dense.weight.dtype)

            def hook(mod, inputs, cols=cols):
                return (inputs[0] * cols.to(inputs[0].device), *inputs[1:])

            self._handles.append(dense.register_forward_pre_hook(hook))

    def remove(self) -> None:
        """Remove the hooks (the model is dense again)."""
        for h in self._handles:
            h.remove()
        self._handles = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
