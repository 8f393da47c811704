r"""KAN node pruning: EMP on :math:`s = \min\{I, O\}` and the two threshold rules.

* :func:`emp_prune_kan` (the paper, Section 5.2): in every hidden layer :math:`l` keep the
  :math:`k_l = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}(s_l)\rfloor, 1, N_l)` nodes of
  largest :math:`s_{l,i}` (Algorithm 1 through :func:`emp_theory.effective.emp_mask`;
  :math:`N_l` = nodes of the layer, :math:`\beta` = ``beta``; the input and output
  layers are never pruned).
* :func:`threshold_prune_kan` with ``rule="pykan"``: ``MultKAN.prune_node(threshold)``,
  which keeps node :math:`(l, i)` when its attribution ``model.node_scores[l][i]`` exceeds
  :math:`\theta` = ``threshold``; with ``rule="io"``: Liu et al.'s (2025, Section 2.5.1)
  :math:`\min\{I_{l,i}, O_{l,i}\} > \theta`.

Every rule runs ``prune_node`` on a deep copy (it zeroes the masks of the model it runs
on) and gives the pruned model ``auto_save=False`` back (``prune_node`` rebuilds it with
``auto_save=True``, which would write a ``./model`` folder). No model is retrained.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 5.2 and Algorithm 1.
.. [2] Z. Liu et al., "KAN: Kolmogorov-Arnold Networks", arXiv:2404.19756, Section 2.5.1.
.. [3] Z. Liu et al., "KAN 2.0", arXiv:2408.10205 (attribution scores).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ..._validation import as_positive_finite
from ...effective import emp_mask, keep_count, n_eff
from .backend import clone, import_kan, quiet_and_seeded
from .model import as_inputs, check_model, kan_widths
from .scores import KANNodeScores, kan_node_scores

__all__ = ["KANPruneReport", "emp_prune_kan", "threshold_prune_kan"]

RULES = ("pykan", "io")


@dataclass(frozen=True)
class KANPruneReport:
    """What a node pruning of a KAN did.

    Attributes
    ----------
    method : str
        ``"emp"``, ``"pykan"`` or ``"io"``.
    width_before, width_after : list of int
        Nodes per layer before and after.
    kept : list of list of int
        Kept node indices of each hidden layer (ascending).
    n_eff, k : list of int
        Per hidden layer, :math:`N_{\\mathrm{eff}}` of the scores and the number kept
        :math:`k_l` (EMP only; empty otherwise).
    beta, threshold : float or None
        The EMP coefficient or the threshold used.
    scores : KANNodeScores or None
        The scores used by ``"emp"``/``"io"``.
    """

    method: str
    width_before: list
    width_after: list
    kept: list
    n_eff: list
    k: list
    beta: float | None
    threshold: float | None
    scores: KANNodeScores | None

    def as_dict(self) -> dict:
        """JSON-friendly summary (without the score arrays)."""
        return {
            "method": self.method,
            "width_before": list(self.width_before),
            "width_after": list(self.width_after),
            "kept": [list(k) for k in self.kept],
            "n_eff": list(self.n_eff),
            "k": list(self.k),
            "beta": self.beta,
            "threshold": self.threshold,
        }


def _check_nonempty(kept, threshold) -> None:
    for l, k in enumerate(kept, start=1):
        if len(k) == 0:
            raise ValueError(
                f"`threshold` = {threshold!r} removes every node of hidden layer {l}; "
                "the pruned network would be constant"
            )


def _prune_copy(model, xt, kept=None, threshold=None):
    """Prune a deep copy of `model` with ``prune_node``: manual (`kept`) or auto (`threshold`).

    ``prune_node`` zeroes the masks of the model it runs on and needs activations saved
    by a forward pass (it loops over ``acts_scale``), so it runs on a copy after
    ``get_act(xt)``. In auto mode the kept nodes are those whose attribution
    ``node_scores[l]`` (from ``attribute()`` on `xt`) exceeds `threshold`, exactly as
    ``prune_node`` decides. Returns the pruned model and the kept indices.
    """
    torch, _ = import_kan()
    work = clone(model)
    work.auto_save = False
    with quiet_and_seeded(), torch.no_grad():
        if kept is not None:
            # manual mode only needs saved activations to exist: a few rows suffice
            work.get_act(xt[:256])
            pruned = work.prune_node(
                mode="manual",
                active_neurons_id=[torch.as_tensor(k, dtype=torch.long) for k in kept],
                log_history=False,
            )
        else:
            work.get_act(xt)
            work.attribute()
            kept = [
                np.flatnonzero(work.node_scores[l].detach().cpu().numpy() > threshold).tolist()
                for l in range(1, work.depth)
            ]
            _check_nonempty(kept, threshold)
            pruned = work.prune_node(threshold=threshold, mode="auto", log_history=False)
    _restore_flags(pruned, model)
    return pruned, kept


def _restore_flags(pruned, model):
    """Undo what ``prune_node`` resets when it rebuilds the model."""
    pruned.auto_save = False
    pruned.symbolic_enabled = model.symbolic_enabled
    pruned.save_act = model.save_act
    pruned.ckpt_path = model.ckpt_path
    pruned.grid_eps = model.grid_eps
    pruned.grid_range = model.grid_range
    pruned.affine_trainable = model.affine_trainable
    pruned.sp_trainable = model.sp_trainable
    pruned.sb_trainable = model.sb_trainable


def emp_prune_kan(model, x, beta: float = 1.0, *, score: str = "l1"):
    r"""Prune the hidden nodes of a KAN with EMP on :math:`s = \min\{I, O\}` (Section 5.2).

    In every hidden layer :math:`l` the :math:`k_l = \mathrm{clip}(\lfloor \beta
    N_{\mathrm{eff}}(s_l) \rfloor, 1, N_l)` nodes of largest :math:`s_{l,i}` are kept
    (:func:`emp_theory.effective.emp_mask`; ties keep the lower index) and the others removed with
    ``pykan``'s ``MultKAN.prune_node(mode="manual", active_neurons_id=...)``, which drops
    their incoming and outgoing edge functions. The model is not retrained.

    Parameters
    ----------
    model : kan.MultKAN
        The dense model; it is not modified (``prune_node`` runs on a deep copy).
    x : array_like or torch.Tensor, shape (n, width[0])
        Inputs over which the edge sizes are measured (e.g. the training set).
    beta : float, default 1.0
        EMP coefficient :math:`\beta > 0` of Algorithm 1.
    score : {"l1", "attribution"}, default "l1"
        Edge size used in :math:`I` and :math:`O` (see :func:`.kan_node_scores`).

    Returns
    -------
    pruned : kan.MultKAN
        A smaller model of width ``[width[0], k_1, ..., k_{L-1}, width[L]]``.
    report : KANPruneReport

    Raises
    ------
    ValueError
        If `beta` is not finite and > 0, `x` is invalid, or a hidden layer has all
        scores zero (EMP's weights :math:`\omega = |s|/\|s\|_1` are then undefined).
    TypeError
        If `model` is not a ``pykan`` model.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.2 and
           Algorithm 1.
    .. [2] Liu et al., "KAN: Kolmogorov-Arnold Networks", arXiv:2404.19756, Sec. 2.5.1.
    """
    b = as_positive_finite(beta, "beta")
    ns = kan_node_scores(model, x, score=score)
    kept, neffs, ks = [], [], []
    for l, s in zip(ns.layers, ns.scores, strict=True):
        if not np.all(np.isfinite(s)):
            raise ValueError(f"`model` hidden layer {l} has non-finite node scores")
        if not np.any(s):
            raise ValueError(f"`model` hidden layer {l} has all-zero node scores")
        mask = np.asarray(emp_mask(s, b))
        kept.append(np.flatnonzero(mask).tolist())
        neffs.append(n_eff(s))
        ks.append(keep_count(s, b))
    before = kan_widths(model)
    pruned, _ = _prune_copy(model, as_inputs(x, model), kept=kept)
    report = KANPruneReport(
        method="emp",
        width_before=before,
        width_after=kan_widths(pruned),
        kept=kept,
        n_eff=neffs,
        k=ks,
        beta=b,
        threshold=None,
        scores=ns,
    )
    return pruned, report


def threshold_prune_kan(model, x, threshold: float = 1e-2, *, rule: str = "pykan"):
    r"""Threshold node pruning: ``pykan``'s own rule or Liu et al.'s :math:`\min\{I, O\} > \theta`.

    ``rule="pykan"`` calls ``MultKAN.prune_node(threshold)`` of ``pykan`` 0.2.8, which
    keeps hidden node :math:`(l, i)` when its attribution ``model.node_scores[l][i]`` (after
    ``MultKAN.attribute()`` on `x`) exceeds `threshold`. ``rule="io"`` keeps it when
    :math:`s_{l,i} = \min\{I_{l,i}, O_{l,i}\} > \theta` with the L1 edge sizes of
    :func:`.kan_node_scores` (Liu et al., 2025, Section 2.5.1: a node is important when
    both its incoming and outgoing scores exceed :math:`\theta`).

    Parameters
    ----------
    model : kan.MultKAN
        The dense model (not modified).
    x : array_like or torch.Tensor, shape (n, width[0])
    threshold : float, default 1e-2
        :math:`\theta \ge 0`.
    rule : {"pykan", "io"}

    Returns
    -------
    pruned : kan.MultKAN
    report : KANPruneReport

    Raises
    ------
    ValueError
        If `threshold` is negative or not finite, `rule` is unknown, `x` is invalid, or
        the rule would remove every node of a hidden layer.
    TypeError
        If `threshold` is not a real number or `model` is not a ``pykan`` model.

    References
    ----------
    .. [1] Liu et al., "KAN: Kolmogorov-Arnold Networks", arXiv:2404.19756, Sec. 2.5.1.
    .. [2] Liu et al., "KAN 2.0", arXiv:2408.10205 (attribution scores).
    """
    if isinstance(threshold, bool | np.bool_) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"`threshold` must be a real number, got {type(threshold).__name__}")
    th = float(threshold)
    if not math.isfinite(th) or th < 0:
        raise ValueError(f"`threshold` must be finite and >= 0, got {threshold!r}")
    if rule not in RULES:
        raise ValueError(f"`rule` must be one of {', '.join(RULES)}, got {rule!r}")
    check_model(model)
    xt = as_inputs(x, model)
    if rule == "io":
        ns = kan_node_scores(model, xt, score="l1")
        kept = [np.flatnonzero(s > th).tolist() for s in ns.scores]
        _check_nonempty(kept, threshold)
        pruned, _ = _prune_copy(model, xt, kept=kept)
    else:
        ns = None
        pruned, kept = _prune_copy(model, xt, threshold=th)
    report = KANPruneReport(
        method=rule,
        width_before=kan_widths(model),
        width_after=kan_widths(pruned),
        kept=kept,
        n_eff=[],
        k=[],
        beta=None,
        threshold=th,
        scores=ns,
    )
    return pruned, report
