r"""The functional forms of EMP pruning, in the style of :func:`torch.nn.utils.prune.l1_unstructured`.

* :func:`emp_unstructured` — one tensor (:class:`~emp_theory.pruning.torch_method.EMPUnstructured`);
* :func:`emp_rowwise` — each slice along ``dim`` of a tensor
  (:class:`~emp_theory.pruning.torch_method.EMPRowwise`);
* :func:`emp_structured` — whole slices along ``dim`` by EMP over their :math:`L_n` norms
  (:class:`~emp_theory.pruning.torch_method.EMPStructured`, torch's ``ln_structured`` style);
* :func:`global_emp_unstructured` — several tensors pooled into one score vector, one
  :math:`N_{\mathrm{eff}}` and one kept count ``k`` (the "global" scope, through
  :func:`torch.nn.utils.prune.global_unstructured`).

Arguments: ``beta`` is :math:`\beta` of Algorithm 1; each call keeps
``k = clip(floor(beta * N_eff), 1, N)`` of the ``N`` surviving candidates (Algorithm 1,
line 3), ``N_eff`` being that of the candidates' scores (eq. 2). The scores are passed
as ``importance_scores`` (torch's name; ``scores`` is an alias). Every call's
:class:`~emp_theory.pruning.records.EMPRecord` s are registered under
``(module, name)`` and read back with :func:`~emp_theory.pruning.records.emp_records`.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1, Table 4.

Examples
--------
>>> import torch
>>> from torch import nn
>>> from emp_theory.pruning.records import emp_records
>>> lin = nn.Linear(4, 1, bias=False)
>>> with torch.no_grad():
...     _ = lin.weight.copy_(torch.tensor([[0.1, 5.0, -4.0, 0.2]]))
>>> _ = emp_unstructured(lin, "weight", beta=1.0)
>>> lin.weight_mask.tolist()
[[0.0, 1.0, 1.0, 0.0]]
>>> rec = emp_records(lin, "weight")[-1]
>>> (rec.N, rec.n_eff, rec.k)
(4, 2, 2)
"""

from __future__ import annotations

from dataclasses import replace

from torch.nn.utils import prune

from .distributed import distributed_active, global_emp_distributed
from .records import EMPRecord, register_records
from .torch_method import EMPRowwise, EMPStructured, EMPUnstructured, check_target

__all__ = ["emp_rowwise", "emp_structured", "emp_unstructured", "global_emp_unstructured"]


def _one_of(importance_scores, scores):
    if scores is not None and importance_scores is not None:
        raise TypeError("pass `importance_scores` or its alias `scores`, not both")
    return importance_scores if importance_scores is not None else scores


def emp_unstructured(
    module,
    name: str,
    beta: float = 1.0,
    importance_scores=None,
    *,
    scores=None,
    score_fn=None,
    report=None,
    on_all_zero: str = "raise",
):
    """Prune ``module.<name>`` with EMP (functional form of :class:`.EMPUnstructured`).

    Parameters
    ----------
    module : torch.nn.Module
    name : str
        Parameter to prune, e.g. ``"weight"`` (missing: ``AttributeError``, as torch).
    beta : float, default 1.0
        Coefficient :math:`\\beta > 0` of Algorithm 1.
    importance_scores : torch.Tensor, optional
        Scores of the parameter's shape (default: the parameter, i.e. magnitude
        pruning). ``scores`` is an alias.
    score_fn, report, on_all_zero
        See :class:`~emp_theory.pruning.torch_method.EMPUnstructured`.

    Returns
    -------
    torch.nn.Module
        `module`, with ``<name>_orig``, ``<name>_mask`` and the forward pre-hook
        (torch's reparametrization). The call's record: ``emp_records(module, name)[-1]``.
    """
    EMPUnstructured.apply(
        module,
        name,
        beta=beta,
        score_fn=score_fn,
        report=report,
        on_all_zero=on_all_zero,
        importance_scores=_one_of(importance_scores, scores),
    )
    return module


def emp_rowwise(
    module,
    name: str,
    beta: float = 1.0,
    importance_scores=None,
    *,
    scores=None,
    dim: int = 0,
    score_fn=None,
    report=None,
    on_all_zero: str = "raise",
):
    """Prune every slice along `dim` (output neuron/channel) of ``module.<name>`` with EMP separately.

    Functional form of :class:`.EMPRowwise`; arguments as :func:`emp_unstructured`, and
    `dim` (0: rows of a ``Linear``/``Conv`` weight; 1 for ``ConvTranspose`` and GPT-2
    ``Conv1D``, :func:`emp_theory.pruning.targets.output_dim`). One
    :class:`~emp_theory.pruning.records.EMPRecord` per slice is registered under ``(module, name)``.
    """
    EMPRowwise.apply(
        module,
        name,
        beta=beta,
        score_fn=score_fn,
        report=report,
        on_all_zero=on_all_zero,
        importance_scores=_one_of(importance_scores, scores),
        dim=dim,
    )
    return module


def emp_structured(
    module,
    name: str,
    n=2,
    dim: int = 0,
    beta: float = 1.0,
    importance_scores=None,
    *,
    scores=None,
    score_fn=None,
    report=None,
    on_all_zero: str = "raise",
):
    """Prune whole slices along `dim` of ``module.<name>``: EMP over their L_n norms.

    Functional form of :class:`.EMPStructured`, in the argument order of
    :func:`torch.nn.utils.prune.ln_structured` (``amount`` replaced by ``beta``).

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> conv = nn.Conv2d(3, 8, 3)
    >>> _ = emp_structured(conv, "weight", n=2, dim=0)
    >>> kept = conv.weight_mask.sum(dim=(1, 2, 3))
    >>> bool(((kept == 0) | (kept == 27)).all())  # output channels kept or removed whole
    True
    """
    EMPStructured.apply(
        module,
        name,
        n=n,
        dim=dim,
        beta=beta,
        score_fn=score_fn,
        report=report,
        on_all_zero=on_all_zero,
        importance_scores=_one_of(importance_scores, scores),
    )
    return module


def global_emp_unstructured(
    parameters,
    beta: float = 1.0,
    importance_scores=None,
    process_group=None,
    *,
    score_fn=None,
    report=None,
    on_all_zero: str = "raise",
) -> EMPRecord:
    """Prune several tensors with one EMP over their pooled scores (the "global" scope).

    Runs :class:`.EMPUnstructured` through :func:`torch.nn.utils.prune.global_unstructured`:
    the scores of all ``(module, name)`` pairs are concatenated, EMP keeps the
    ``k`` largest of the surviving ones, and each tensor gets its slice of
    the mask.

    Parameters
    ----------
    parameters : iterable of (torch.nn.Module, str)
    beta : float, default 1.0
    importance_scores : dict, optional
        ``{(module, name): tensor}`` as for ``global_unstructured`` (default: the
        parameters themselves).
    process_group : torch.distributed.ProcessGroup, optional
        With a group, or when ``torch.distributed`` is initialized with more than one
        rank, every rank passes the parameters (or ``DTensor`` shards) it holds and gets
        its part of the one global mask, computed from exact all-reduced statistics and
        a distributed selection without gathering scores
        (:mod:`emp_theory.pruning.distributed`). Replicas of the same weights (plain
        data parallelism) would each count as separate weights there: prune a
        replicated model before ``torch.distributed`` is initialized.
    score_fn, report, on_all_zero
        See :class:`~emp_theory.pruning.torch_method.EMPUnstructured`.

    Returns
    -------
    EMPRecord
        The pooled call's record (``scope="global"``), also registered under every
        ``(module, name)``.

    Raises
    ------
    NotImplementedError
        On the ``meta`` device, like torch's ``global_unstructured``.
    """
    if distributed_active(process_group):
        return global_emp_distributed(
            parameters,
            beta,
            importance_scores,
            process_group=process_group,
            score_fn=score_fn,
            report=report,
            on_all_zero=on_all_zero,
        )
    params = list(parameters)
    if not params:
        raise ValueError("`parameters` must not be empty")
    for module, name in params:
        check_target(module, name)
    if any(getattr(m, n).is_meta for m, n in params):
        raise NotImplementedError(
            "`parameters` are on the meta device: pooled pruning indexes the scores by a "
            "boolean mask, which torch cannot do on meta tensors (torch's global_unstructured "
            "raises NotImplementedError there too)"
        )
    local: list[EMPRecord] = []
    prune.global_unstructured(
        params,
        pruning_method=EMPUnstructured,
        importance_scores=importance_scores,
        beta=beta,
        score_fn=score_fn,
        report=local,
        on_all_zero=on_all_zero,
    )
    if not local:  # nothing left to prune: every entry was already masked
        total = sum(int(getattr(m, n).numel()) for m, n in params)
        raise ValueError(f"`parameters` have no unpruned entries left (of {total})")
    rec = replace(local[-1], tensor="global", scope="global")
    for module, name in params:
        register_records(module, name, [rec])
    if report is not None:
        report.append(rec)
    return rec
