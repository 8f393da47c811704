r"""EMP as a :mod:`torch.nn.utils.prune` method.

:class:`EMPUnstructured` implements Algorithm 1 of the paper inside PyTorch's
pruning API: for the scores :math:`s` of the entries that are still unpruned
(``default_mask == 1``) it keeps the

.. math::

    \nu = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N), \qquad
    N_{\mathrm{eff}} = \Big\lfloor 1 \Big/ \sum_i \omega_i^2 \Big\rfloor, \quad
    \omega = |s| / \|s\|_1,

largest :math:`|s_i|` and zeros the rest (Algorithm 1; eq. 2). Everything EMP
computes is delegated to :mod:`emp_theory.effective` (:func:`~emp_theory.effective.emp_summary`
for :math:`N, N_{\mathrm{eff}}, \nu, s_{\mathrm{eff}}` and the Theorem 2 bound,
:func:`~emp_theory.effective.topk_mask` for the selection); this module only
wires it into torch.

Three scopes are provided:

* one tensor — :class:`EMPUnstructured` / :func:`emp_unstructured`
  (``"block"`` in Table 4 of the paper when applied to each layer's weight);
* several tensors pooled — :func:`global_emp_unstructured`, which runs
  :class:`EMPUnstructured` through :func:`torch.nn.utils.prune.global_unstructured`
  (``compute_mask`` then sees the concatenated surviving scores);
* each output row of a tensor on its own — :class:`EMPRowwise` / :func:`emp_rowwise`
  (rows along dimension 0: output neurons of a ``Linear``, output channels of a
  ``Conv2d``).

``compute_mask`` only ever zeros more of ``default_mask``: entries already pruned
are excluded from the candidates (:math:`N` counts the surviving entries), so
calling a method twice prunes iteratively with torch's
:class:`~torch.nn.utils.prune.PruningContainer` semantics, and the result composes
with torch's other methods and :func:`torch.nn.utils.prune.remove`.

Every ``compute_mask`` call appends an :class:`EMPRecord` (``N``, ``N_eff``,
``nu``, ``s_eff``, kept mass, Theorem 2 bound) to the method's ``records``, to
an optional ``report`` list passed as a keyword, and to a registry read back with
:func:`emp_records` ``(module, name)``.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1, eqs. (2), (5),
       Theorem 2 (eq. 15), Table 4.
.. [2] PyTorch, ``torch.nn.utils.prune`` (pruning tutorial:
       https://pytorch.org/tutorials/intermediate/pruning_tutorial.html).
"""

from __future__ import annotations

import weakref
from dataclasses import asdict, dataclass, replace

import torch
from torch.nn.utils import prune

from .._validation import as_positive_finite
from ..effective import emp_summary, topk_mask

__all__ = [
    "EMPRecord",
    "EMPRowwise",
    "EMPUnstructured",
    "clear_emp_records",
    "emp_records",
    "emp_rowwise",
    "emp_unstructured",
    "global_emp_unstructured",
]

_ON_ALL_ZERO = ("raise", "keep")


@dataclass(frozen=True)
class EMPRecord:
    """What one EMP ``compute_mask`` call decided for one score vector.

    Attributes
    ----------
    tensor : str
        Parameter name (``"weight"``), ``"global"`` for a pooled call, or
        ``"weight[r]"`` for row ``r`` of a row-wise call.
    scope : str
        ``"tensor"``, ``"global"`` or ``"row"``.
    N : int
        Number of candidate (still unpruned) entries.
    n_eff : int or None
        :math:`N_{\\mathrm{eff}}` of the candidates' scores (None if they were all zero).
    beta : float
    k : int
        Entries kept, :math:`\\mathrm{clip}(\\lfloor\\beta N_{\\mathrm{eff}}\\rfloor, 1, N)`.
    s_eff : float or None
        Effective mass of the candidates (eq. 5).
    kept_mass : float or None
        :math:`\\sum` of the :math:`\\nu` largest :math:`\\omega_i` (the mass actually kept).
    bound : float or None
        Theorem 2 lower bound on :math:`s_{\\mathrm{eff}}` (``theorem2_bound(n_eff, N)``;
        1 when ``N == 1``).
    saturated : bool
        ``nu == N`` because :math:`\\beta N_{\\mathrm{eff}} \\ge N` was clipped at ``N``:
        nothing pruned (False for an all-zero record).
    all_zero : bool
        The candidates' scores were all zero and ``on_all_zero="keep"`` left them unpruned.
    """

    tensor: str
    scope: str
    N: int
    n_eff: int | None
    beta: float
    k: int
    s_eff: float | None
    kept_mass: float | None
    bound: float | None
    saturated: bool
    all_zero: bool = False

    @property
    def ratio(self) -> float | None:
        """:math:`N_{\\mathrm{eff}}/N` (None for an all-zero record)."""
        return None if self.n_eff is None else self.n_eff / self.N

    @property
    def pruned(self) -> int:
        """Entries this call zeroed: ``N - nu``."""
        return self.N - self.k

    def as_dict(self) -> dict:
        d = asdict(self)
        d["ratio"] = self.ratio
        return d


# (module -> {parameter name -> [records]}), weak so pruned models can be freed
_REGISTRY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _register(module, name: str, records) -> None:
    per_module = _REGISTRY.setdefault(module, {})
    per_module.setdefault(name, []).extend(records)


def emp_records(module, name: str) -> list[EMPRecord]:
    """All :class:`EMPRecord` s of EMP calls on ``module.<name>``, oldest first.

    A :func:`global_emp_unstructured` call registers its (single, pooled) record
    under every parameter it pruned; a row-wise call registers one record per row.
    """
    return list(_REGISTRY.get(module, {}).get(name, []))


def clear_emp_records(module=None) -> None:
    """Forget the recorded EMP calls of `module` (of every module if None)."""
    if module is None:
        _REGISTRY.clear()
    else:
        _REGISTRY.pop(module, None)


def _check_on_all_zero(value) -> str:
    if value not in _ON_ALL_ZERO:
        raise ValueError(f"`on_all_zero` must be one of {_ON_ALL_ZERO}, got {value!r}")
    return value


def _emp_on_candidates(scores, keep, beta, on_all_zero, label, scope):
    """EMP on ``scores[keep]`` (all of them if `keep` is None); returns (selection, record)."""
    cand = scores.reshape(-1) if keep is None else scores[keep]
    n = int(cand.numel())
    if n == 0:
        return None, None
    if not bool(torch.isfinite(cand).all()):
        raise ValueError(f"`importance_scores` of {label!r} must be finite (found NaN or inf)")
    if not bool((cand != 0).any()):
        if on_all_zero == "raise":
            raise ValueError(
                f"`importance_scores` of {label!r} are all zero on the {n} unpruned entries: "
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
        #: :class:`EMPRecord` s of this instance's ``compute_mask`` calls.
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
    ):
        """Prune ``module.<name>`` in place (torch's reparametrization) and record the call(s)."""
        return _apply(cls, module, name, beta, score_fn, report, on_all_zero, importance_scores)


class EMPUnstructured(_EMPBase):
    r"""Prune a tensor with EMP: keep its :math:`\nu` largest scores (Algorithm 1).

    :math:`\nu = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)` with
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
        :math:`|s|`, eq. 2).
    report : list, optional
        Every :class:`EMPRecord` is also appended here (use this to read the
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
    >>> _ = emp_unstructured(lin, "weight", beta=1.0)
    >>> lin.weight_mask.tolist()
    [[0.0, 1.0, 1.0, 0.0]]
    """

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        scores = self._scores(t)
        if default_mask.shape != scores.shape:
            raise ValueError(
                f"`default_mask` shape {tuple(default_mask.shape)} differs from the scores' "
                f"{tuple(scores.shape)}"
            )
        mask = default_mask.clone(memory_format=torch.contiguous_format)
        keep = mask != 0
        if bool(keep.all()):  # nothing pruned yet: skip the boolean gathers
            keep = None
        sel, rec = _emp_on_candidates(
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
    r"""EMP on every row (dimension 0) of a tensor separately: per output neuron / channel.

    Row :math:`r` keeps
    :math:`\nu_r = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}(s_{r,:})\rfloor, 1, N_r)` of its
    :math:`N_r` surviving entries (Algorithm 1 applied to each row's
    scores, flattened over the remaining dimensions).

    ``PRUNING_TYPE = "global"`` is torch's type for methods that receive the
    whole tensor and mask inside a :class:`~torch.nn.utils.prune.PruningContainer`
    (the row structure would be lost by the ``"unstructured"`` raveling); the
    method itself still only zeros entries with ``default_mask == 1``. It cannot
    be passed to :func:`torch.nn.utils.prune.global_unstructured`.

    Parameters are those of :class:`EMPUnstructured`. Rows whose surviving
    entries are all pruned already are skipped.
    """

    PRUNING_TYPE = "global"

    def compute_mask(self, t, default_mask):
        scores = self._scores(t)
        if scores.dim() < 2:
            raise ValueError(
                f"`t` must have at least 2 dimensions for row-wise EMP, got shape {tuple(t.shape)}"
            )
        if default_mask.shape != scores.shape:
            raise ValueError(
                f"`default_mask` shape {tuple(default_mask.shape)} differs from the scores' "
                f"{tuple(scores.shape)}"
            )
        mask = default_mask.clone(memory_format=torch.contiguous_format)
        rows_s = scores.reshape(scores.shape[0], -1)
        rows_m = mask.view(mask.shape[0], -1)
        for r in range(rows_s.shape[0]):
            keep = rows_m[r] != 0
            label = f"{self._label}[{r}]"
            sel, rec = _emp_on_candidates(
                rows_s[r], keep, self.beta, self.on_all_zero, label, "row"
            )
            if rec is None:
                continue
            sub = rows_m[r][keep]
            sub[~sel] = 0
            rows_m[r][keep] = sub
            self._log(rec)
        return mask


def _check_target(module, name):
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"`module` must be a torch.nn.Module, got {type(module).__name__}")
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a str, got {type(name).__name__}")
    if not isinstance(getattr(module, name, None), torch.Tensor):
        raise ValueError(f"`name` {name!r} is not a tensor of {type(module).__name__}")


def _apply(cls, module, name, beta, score_fn, report, on_all_zero, importance_scores):
    _check_target(module, name)
    method = prune.BasePruningMethod.apply.__func__(
        cls,
        module,
        name,
        beta=beta,
        score_fn=score_fn,
        report=report,
        on_all_zero=on_all_zero,
        importance_scores=importance_scores,
    )
    inst = method[-1] if isinstance(method, prune.PruningContainer) else method
    _register(module, name, inst.records)
    return method


def emp_unstructured(
    module,
    name: str,
    beta: float = 1.0,
    scores=None,
    *,
    score_fn=None,
    report=None,
    on_all_zero: str = "raise",
):
    """Prune ``module.<name>`` with EMP (functional form of :class:`EMPUnstructured`).

    Parameters
    ----------
    module : torch.nn.Module
    name : str
        Parameter to prune, e.g. ``"weight"``.
    beta : float, default 1.0
        Coefficient :math:`\\beta > 0` of Algorithm 1.
    scores : torch.Tensor, optional
        Importance scores of the parameter's shape (default: the parameter, i.e.
        magnitude pruning).
    score_fn, report, on_all_zero
        See :class:`EMPUnstructured`.

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
        importance_scores=scores,
    )
    return module


def emp_rowwise(
    module,
    name: str,
    beta: float = 1.0,
    scores=None,
    *,
    score_fn=None,
    report=None,
    on_all_zero: str = "raise",
):
    """Prune every row (output neuron/channel) of ``module.<name>`` with EMP separately.

    Functional form of :class:`EMPRowwise`; arguments as :func:`emp_unstructured`.
    One :class:`EMPRecord` per row is registered under ``(module, name)``.
    """
    EMPRowwise.apply(
        module,
        name,
        beta=beta,
        score_fn=score_fn,
        report=report,
        on_all_zero=on_all_zero,
        importance_scores=scores,
    )
    return module


def global_emp_unstructured(
    parameters,
    beta: float = 1.0,
    importance_scores=None,
    *,
    score_fn=None,
    report=None,
    on_all_zero: str = "raise",
) -> EMPRecord:
    """Prune several tensors with one EMP over their pooled scores (the "global" scope).

    Runs :class:`EMPUnstructured` through :func:`torch.nn.utils.prune.global_unstructured`:
    the scores of all ``(module, name)`` pairs are concatenated, EMP keeps the
    :math:`\\nu` largest of the surviving ones, and each tensor gets its slice of
    the mask.

    Parameters
    ----------
    parameters : iterable of (torch.nn.Module, str)
    beta : float, default 1.0
    importance_scores : dict, optional
        ``{(module, name): tensor}`` as for ``global_unstructured`` (default: the
        parameters themselves).
    score_fn, report, on_all_zero
        See :class:`EMPUnstructured`.

    Returns
    -------
    EMPRecord
        The pooled call's record (``scope="global"``), also registered under every
        ``(module, name)``.
    """
    params = list(parameters)
    if not params:
        raise ValueError("`parameters` must not be empty")
    for module, name in params:
        _check_target(module, name)
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
        _register(module, name, [rec])
    if report is not None:
        report.append(rec)
    return rec
