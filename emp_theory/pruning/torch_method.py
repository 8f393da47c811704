r"""EMP as :mod:`torch.nn.utils.prune` methods: :class:`EMPUnstructured`, :class:`EMPRowwise`, :class:`EMPStructured`.

:class:`EMPUnstructured` implements Algorithm 1 of the paper inside PyTorch's
pruning API: for the scores :math:`s` of the entries that are still unpruned
(``default_mask == 1``) it keeps the

.. math::

    k = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N), \qquad
    N_{\mathrm{eff}} = \Big\lfloor 1 \Big/ \sum_i \omega_i^2 \Big\rfloor, \quad
    \omega = |s| / \|s\|_1,

largest :math:`|s_i|` and zeros the rest (Algorithm 1, line 3; eq. 2). Symbols:
``N`` the number of candidates (entries, or slices for the structured method),
``n_eff`` :math:`N_{\mathrm{eff}}`, ``beta`` :math:`\beta`, ``k`` the number of KEPT
candidates (the paper's :math:`k` in eq. 17). Everything EMP computes is delegated
to :mod:`emp_theory.effective` (:func:`~emp_theory.effective.emp_summary` for
:math:`N, N_{\mathrm{eff}}, k, s_{\mathrm{eff}}` and the Theorem 2 bound,
:func:`~emp_theory.effective.topk_mask` for the selection, ties lowest flat index
first) from ONE place, :func:`emp_on_candidates`: every method and scope turns
scores into a selection there.

* :class:`EMPUnstructured` prunes one tensor (``"block"`` in Table 4 of the paper
  when applied to each layer's weight); run through
  :func:`torch.nn.utils.prune.global_unstructured` it sees the concatenated
  surviving scores of several tensors (the ``"global"`` scope);
* :class:`EMPRowwise` prunes each slice along ``dim`` (default 0: output neurons of
  a ``Linear``, output channels of a ``Conv2d``) on its own;
* :class:`EMPStructured` (torch's ``LnStructured`` style) keeps whole slices along
  ``dim``: EMP over the :math:`L_n` norms of the slices' surviving scores.

``compute_mask`` only ever zeros more of ``default_mask``: entries already pruned
are excluded from the candidates, so calling a method twice prunes iteratively with
torch's :class:`~torch.nn.utils.prune.PruningContainer` semantics, and the result
composes with torch's other methods and :func:`torch.nn.utils.prune.remove`. On the
``meta`` device (no values) the methods set up torch's reparametrization with a meta
mask and record nothing, as :func:`~torch.nn.utils.prune.l1_unstructured` does.
``score_fn`` and ``report`` are used while the mask is computed and are not kept on
the forward pre-hook, so a pruned model pickles (``torch.save(model)``).

Every ``compute_mask`` call appends an :class:`~emp_theory.pruning.records.EMPRecord`
to the method's ``records``, to an optional ``report`` list, and (through ``apply``)
to the registry read back with :func:`~emp_theory.pruning.records.emp_records`. The
functional forms are in :mod:`emp_theory.pruning.functional`. The module is kept
whole (about 500 lines, half of them docstrings): the three methods are one idea, EMP
as a torch pruning method, and share the candidate selection, the validation and
``apply``.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1, eqs. (2), (5),
       Theorem 2 (eq. 15), Table 4.
.. [2] PyTorch, ``torch.nn.utils.prune`` (pruning tutorial:
       https://pytorch.org/tutorials/intermediate/pruning_tutorial.html).
"""

from __future__ import annotations

import math

import torch
from torch.nn.utils import prune

from .._validation import as_positive_finite
from ..effective import emp_summary, topk_mask
from .records import EMPRecord, register_records

__all__ = ["EMPRowwise", "EMPStructured", "EMPUnstructured", "check_target", "emp_on_candidates"]

_ON_ALL_ZERO = ("raise", "keep")


def _check_on_all_zero(value) -> str:
    if value not in _ON_ALL_ZERO:
        raise ValueError(f"`on_all_zero` must be one of {_ON_ALL_ZERO}, got {value!r}")
    return value


def emp_on_candidates(scores, keep, beta, on_all_zero, label, scope):
    """Algorithm 1 on ``scores[keep]`` (all of them if `keep` is None): the one scores→selection step.

    Returns ``(selection, record)``: a boolean tensor over the candidates (exactly
    ``k`` true, ties lowest index first) and its :class:`.EMPRecord`; ``(None, None)``
    when there is no candidate.
    """
    cand = scores.reshape(-1) if keep is None else scores[keep]
    n = int(cand.numel())
    if n == 0:
        return None, None
    if not bool(torch.isfinite(cand).all()):
        raise ValueError(f"`importance_scores` of {label!r} must be finite (found NaN or inf)")
    if not bool((cand != 0).any()):
        if on_all_zero == "raise":
            raise ValueError(
                f"`importance_scores` of {label!r} are all zero on the {n} unpruned candidates: "
                "EMP's weights ω = |s|/‖s‖₁ are undefined (pass on_all_zero='keep' to leave "
                "such tensors unpruned)"
            )
        rec = EMPRecord(label, scope, n, None, beta, n, None, None, None, False, True)
        return torch.ones(n, dtype=torch.bool, device=cand.device), rec
    summ = emp_summary(cand, beta)
    sel = topk_mask(cand, summ.k)
    rec = EMPRecord(
        tensor=label,
        scope=scope,
        N=summ.N,
        n_eff=summ.n_eff,
        beta=summ.beta,
        k=summ.k,
        s_eff=summ.s_eff,
        kept_mass=summ.kept_mass,
        bound=summ.bound,
        saturated=summ.k == summ.N,
    )
    return sel, rec


def _check_dim(t, dim: int) -> int:
    """torch's conventions: at least 2 dimensions (ValueError), a valid `dim` (IndexError)."""
    if t.dim() < 2:
        raise ValueError(
            "Structured pruning can only be applied to multidimensional tensors: `t` has "
            f"shape {tuple(t.shape)} ({t.dim()} dims)"
        )
    if not -t.dim() <= dim < t.dim():
        raise IndexError(f"Invalid index {dim} for tensor of size {tuple(t.shape)}")
    return dim % t.dim()


def _check_int_dim(dim) -> int:
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"`dim` must be an int, got {type(dim).__name__}")
    return dim


class _EMPBase(prune.BasePruningMethod):
    def __init__(self, beta: float = 1.0, score_fn=None, report=None, on_all_zero="raise"):
        self.beta = as_positive_finite(beta, "beta")
        if score_fn is not None and not callable(score_fn):
            raise TypeError(f"`score_fn` must be callable or None, got {type(score_fn).__name__}")
        if report is not None and not hasattr(report, "append"):
            raise TypeError(
                f"`report` must be a list (or have .append), got {type(report).__name__}"
            )
        self.score_fn = score_fn
        self.report = report
        self.on_all_zero = _check_on_all_zero(on_all_zero)
        #: :class:`.EMPRecord` s of this instance's ``compute_mask`` calls.
        self.records: list[EMPRecord] = []

    def _scores(self, t):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"`t` must be a torch.Tensor, got {type(t).__name__}")
        s = t.detach()
        if self.score_fn is not None:
            s = self.score_fn(s)
            if not isinstance(s, torch.Tensor) or s.shape != t.shape:
                raise ValueError(
                    "`score_fn` must return a tensor of the input's shape "
                    f"{tuple(t.shape)}, got {getattr(s, 'shape', type(s).__name__)}"
                )
            s = s.detach()
        if s.is_complex():
            raise TypeError("`importance_scores` must be real-valued")
        return s

    @staticmethod
    def _check_mask(default_mask, scores):
        if default_mask.shape != scores.shape:
            raise ValueError(
                f"`default_mask` shape {tuple(default_mask.shape)} differs from the scores' "
                f"{tuple(scores.shape)}"
            )

    def _log(self, rec):
        self.records.append(rec)
        if self.report is not None:
            self.report.append(rec)

    @property
    def _label(self) -> str:
        return getattr(self, "_tensor_name", None) or "tensor"

    @classmethod
    def apply(  # type: ignore[override]
        cls,
        module,
        name,
        beta: float = 1.0,
        score_fn=None,
        report=None,
        on_all_zero: str = "raise",
        importance_scores=None,
        **kwargs,
    ):
        """Prune ``module.<name>`` in place (torch's reparametrization) and record the call(s).

        Extra keyword arguments (``dim`` of :class:`EMPRowwise`, ``n`` and ``dim`` of
        :class:`EMPStructured`) go to the constructor.
        """
        return _apply(
            cls,
            module,
            name,
            importance_scores,
            beta=beta,
            score_fn=score_fn,
            report=report,
            on_all_zero=on_all_zero,
            **kwargs,
        )


class EMPUnstructured(_EMPBase):
    r"""Prune a tensor with EMP: keep its :math:`k` largest scores (Algorithm 1).

    :math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)` with
    :math:`N` the number of surviving entries and :math:`N_{\mathrm{eff}}` that of
    their scores.

    ``PRUNING_TYPE = "unstructured"``: inside a
    :class:`~torch.nn.utils.prune.PruningContainer` (iterative pruning,
    :func:`torch.nn.utils.prune.global_unstructured`) ``compute_mask`` receives
    the raveled surviving entries only.

    Parameters
    ----------
    beta : float, default 1.0
        Scaling coefficient :math:`\beta > 0` of Algorithm 1.
    score_fn : callable, optional
        Elementwise, shape-preserving map applied to the importance scores before
        EMP (e.g. ``torch.square``); default: the scores themselves (EMP takes
        :math:`|s|`, eq. 2). Used while the mask is computed, not kept on the hook.
    report : list, optional
        Every :class:`.EMPRecord` is also appended here (use this to read the
        records of a :func:`torch.nn.utils.prune.global_unstructured` call, whose
        method instance torch does not return).
    on_all_zero : {"raise", "keep"}, default "raise"
        What to do when all surviving scores are zero (:math:`\omega` undefined):
        raise ``ValueError`` or leave the entries unpruned (recorded with
        ``all_zero=True``).

    Notes
    -----
    ``compute_mask(t, default_mask)`` returns a copy of ``default_mask`` in which
    only entries with ``default_mask == 1`` can become 0: EMP runs on the scores
    of those entries alone, so :math:`N` is the number of surviving entries.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> lin = nn.Linear(4, 1, bias=False)
    >>> with torch.no_grad():
    ...     _ = lin.weight.copy_(torch.tensor([[0.1, 5.0, -4.0, 0.2]]))
    >>> _ = EMPUnstructured.apply(lin, "weight", beta=1.0)
    >>> lin.weight_mask.tolist()
    [[0.0, 1.0, 1.0, 0.0]]
    """

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        scores = self._scores(t)
        self._check_mask(default_mask, scores)
        mask = default_mask.clone(memory_format=torch.contiguous_format)
        if scores.is_meta or mask.is_meta:
            return mask
        keep = mask != 0
        if bool(keep.all()):  # nothing pruned yet: skip the boolean gathers
            keep = None
        sel, rec = emp_on_candidates(
            scores, keep, self.beta, self.on_all_zero, self._label, "tensor"
        )
        if rec is None:
            return mask
        if keep is None:
            mask.view(-1).mul_(sel.view(-1).to(mask.dtype))
        else:
            sub = mask[keep]
            sub[~sel] = 0
            mask[keep] = sub
        self._log(rec)
        return mask


class EMPRowwise(_EMPBase):
    r"""EMP on every slice along ``dim`` of a tensor separately: per output neuron / channel.

    Slice :math:`r` keeps
    :math:`k_r = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}(s_r)\rfloor, 1, N_r)` of its
    :math:`N_r` surviving entries (Algorithm 1 applied to each slice's
    scores, flattened over the remaining dimensions).

    ``PRUNING_TYPE = "global"`` is torch's type for methods that receive the
    whole tensor and mask inside a :class:`~torch.nn.utils.prune.PruningContainer`
    (the row structure would be lost by the ``"unstructured"`` raveling); the
    method itself still only zeros entries with ``default_mask == 1``. It cannot
    be passed to :func:`torch.nn.utils.prune.global_unstructured`.

    Parameters
    ----------
    beta, score_fn, report, on_all_zero
        As :class:`EMPUnstructured`.
    dim : int, default 0
        The dimension whose slices are pruned separately: 0 for ``Linear``/``Conv``
        weights (output units), 1 for ``ConvTranspose`` and GPT-2 ``Conv1D`` weights
        (:func:`emp_theory.pruning.targets.output_dim`).

    Slices whose entries are all pruned already are skipped.
    """

    PRUNING_TYPE = "global"

    def __init__(self, beta=1.0, score_fn=None, report=None, on_all_zero="raise", dim: int = 0):
        super().__init__(beta, score_fn, report, on_all_zero)
        self.dim = _check_int_dim(dim)

    def compute_mask(self, t, default_mask):
        scores = self._scores(t)
        if scores.dim() < 2:
            raise ValueError(
                f"`t` must have at least 2 dimensions for row-wise EMP, got shape {tuple(t.shape)}"
            )
        dim = _check_dim(scores, self.dim)
        self._check_mask(default_mask, scores)
        mask = default_mask.clone(memory_format=torch.contiguous_format)
        if scores.is_meta or mask.is_meta:
            return mask
        rows_s = scores.movedim(dim, 0)
        rows_m = mask.movedim(dim, 0)  # a view: writing a row writes `mask`
        for r in range(rows_s.shape[0]):
            row_m = rows_m[r].reshape(-1)
            keep = row_m != 0
            label = f"{self._label}[{r}]" if dim == 0 else f"{self._label}[dim {dim}: {r}]"
            sel, rec = emp_on_candidates(
                rows_s[r].reshape(-1), keep, self.beta, self.on_all_zero, label, "row"
            )
            if rec is None:
                continue
            sub = row_m[keep]
            sub[~sel] = 0
            row_m[keep] = sub
            rows_m[r].copy_(row_m.view(rows_m[r].shape))
            self._log(rec)
        return mask


def _check_norm(n):
    if n == "fro":
        return 2.0
    if isinstance(n, bool) or not isinstance(n, int | float):
        raise TypeError(f"`n` must be a number > 0, inf or 'fro', got {type(n).__name__}")
    if math.isnan(n) or n <= 0:
        raise ValueError(
            f"`n` must be > 0 (a norm of the surviving entries, in which pruned entries "
            f"count as 0), inf or 'fro', got {n!r}"
        )
    return float(n)


class EMPStructured(_EMPBase):
    r"""Keep whole slices along ``dim``: EMP over their :math:`L_n` norms (torch's ``LnStructured`` style).

    Slice :math:`c` (``t.select(dim, c)``, a neuron, channel or head) gets the
    importance :math:`v_c = \|s_c \odot m_c\|_n` of its surviving scores
    (:math:`m` = ``default_mask``; pruned entries count as 0); the
    :math:`N` slices with a surviving entry are the candidates, and the
    :math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}(v)\rfloor, 1, N)` with the
    largest :math:`v_c` are kept whole (Algorithm 1 on :math:`v`), the others zeroed.

    ``PRUNING_TYPE = "structured"`` with the attribute ``dim``, as torch's
    :class:`~torch.nn.utils.prune.PruningContainer` requires: it composes with
    :class:`EMPUnstructured` and torch's methods in either order.

    Parameters
    ----------
    n : int, float, inf or "fro", default 2
        The norm's order (``"fro"`` is 2). Unlike torch, ``n <= 0`` and ``"nuc"`` are
        rejected: they are not norms of the surviving entries.
    dim : int, default 0
        Dimension along which slices are defined (torch's ``LnStructured``
        defaults to -1; 0 is the output units of a ``Linear``/``Conv`` weight).
    beta, score_fn, report, on_all_zero
        As :class:`EMPUnstructured`.

    Raises
    ------
    ValueError
        ``t`` has fewer than 2 dimensions (as torch's structured methods).
    IndexError
        ``dim`` is not a dimension of ``t`` (as torch).

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> lin = nn.Linear(2, 3, bias=False)
    >>> with torch.no_grad():
    ...     _ = lin.weight.copy_(torch.tensor([[3.0, 4.0], [0.1, 0.1], [4.0, 3.0]]))
    >>> _ = EMPStructured.apply(lin, "weight", n=2, dim=0)
    >>> lin.weight_mask.tolist()
    [[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]
    """

    PRUNING_TYPE = "structured"

    def __init__(
        self, n=2, dim: int = 0, beta=1.0, score_fn=None, report=None, on_all_zero="raise"
    ):
        super().__init__(beta, score_fn, report, on_all_zero)
        self.n = _check_norm(n)
        self.dim = _check_int_dim(dim)

    @classmethod
    def apply(  # type: ignore[override]
        cls,
        module,
        name,
        n=2,
        dim: int = 0,
        beta: float = 1.0,
        score_fn=None,
        report=None,
        on_all_zero: str = "raise",
        importance_scores=None,
    ):
        """Prune whole slices of ``module.<name>`` in place (torch's reparametrization)."""
        return _apply(
            cls,
            module,
            name,
            importance_scores,
            n=n,
            dim=dim,
            beta=beta,
            score_fn=score_fn,
            report=report,
            on_all_zero=on_all_zero,
        )

    def compute_mask(self, t, default_mask):
        scores = self._scores(t)
        dim = _check_dim(scores, self.dim)
        self._check_mask(default_mask, scores)
        mask = default_mask.clone(memory_format=torch.contiguous_format)
        if scores.is_meta or mask.is_meta:
            return mask
        others = [d for d in range(scores.dim()) if d != dim]
        alive_entries = mask != 0
        alive = alive_entries.movedim(dim, 0).reshape(scores.shape[dim], -1).any(dim=1)
        v = torch.linalg.vector_norm(
            scores.double() * alive_entries.double(), ord=self.n, dim=others
        )
        keep = None if bool(alive.all()) else alive
        label = f"{self._label}[dim {dim}]"
        sel, rec = emp_on_candidates(v, keep, self.beta, self.on_all_zero, label, "structured")
        if rec is None:
            return mask
        kept = alive.clone()
        kept[alive] = sel
        shape = [1] * scores.dim()
        shape[dim] = -1
        mask.mul_(kept.view(shape).to(mask.dtype))
        self._log(rec)
        return mask


def check_target(module, name) -> None:
    """Raise unless ``module.<name>`` is a tensor of a ``torch.nn.Module``.

    A missing attribute is an ``AttributeError``, as in :mod:`torch.nn.utils.prune`.
    """
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"`module` must be a torch.nn.Module, got {type(module).__name__}")
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a str, got {type(name).__name__}")
    value = getattr(module, name)  # AttributeError like torch's prune methods
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"`name` {name!r} of {type(module).__name__} is a {type(value).__name__}, not a tensor"
        )


def _apply(cls, module, name, importance_scores, **kwargs):
    check_target(module, name)
    method = prune.BasePruningMethod.apply.__func__(
        cls, module, name, importance_scores=importance_scores, **kwargs
    )
    inst = method[-1] if isinstance(method, prune.PruningContainer) else method
    # score_fn (possibly a lambda) and the caller's report list are not kept on the
    # hook: torch.save / pickle of the pruned model must work
    inst.score_fn = None
    inst.report = None
    register_records(module, name, inst.records)
    return method
