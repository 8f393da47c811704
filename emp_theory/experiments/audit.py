r"""Helpers for the claims audit ("What the paper says, checked").

Beyond the paper. Each function measures one thing a claim of the paper can be
checked against:

==============================  =====================================================
:func:`quantile_rule_mask`      a *reconstruction* (not EMP) of the rule that would give
                                Table 9's rising sparsity for Taylor and saliency scores
:func:`criterion_sparsity`      sparsity and accuracy of Algorithm 1 and of that rule on a
                                trained model, per criterion and :math:`\beta`
:func:`layer_weight_stats`      per weight matrix: :math:`N_{\mathrm{eff}}/N`, the sample
                                moment ratio :math:`(\overline{|w|})^2/\overline{w^2}`,
                                :math:`2/\pi` and the excess kurtosis
:func:`beta_profile`            accuracy and sparsity across :math:`\beta` from a sweep
==============================  =====================================================

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Algorithm 1, Figure 3, Tables 2 and 9.
"""

from __future__ import annotations

import math

import numpy as np

from .._kernels import stats
from .._validation import as_int, as_positive_finite
from ..effective import emp_mask, keep_count, n_eff, topk_mask

__all__ = [
    "GAUSSIAN_RATIO",
    "beta_profile",
    "criterion_sparsity",
    "layer_weight_stats",
    "quantile_rule_mask",
]

#: :math:`(\mathbb E|X|)^2/\mathbb E[X^2] = 2/\pi` for a centred Gaussian :math:`X`.
GAUSSIAN_RATIO = 2.0 / math.pi


def quantile_rule_mask(scores, beta: float = 1.0) -> np.ndarray:
    r"""Keep the scores above the :math:`k/N` quantile: a reconstruction, NOT Algorithm 1.

    With :math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)`
    (:func:`emp_theory.effective.keep_count`), this rule keeps the :math:`N - k`
    largest :math:`|s_i|` (those above the :math:`k/N` quantile of :math:`|s|`) and
    prunes the :math:`k` smallest, so its sparsity is :math:`k/N`, which *rises*
    with :math:`\beta`. Algorithm 1 keeps the :math:`k` largest, sparsity
    :math:`1 - k/N`, which falls with :math:`\beta`. The rule is offered only to show
    which rule reproduces the direction of the sparsities reported for the Taylor and
    saliency criteria in Table 9 of the paper; the paper does not state it.

    Parameters
    ----------
    scores : array_like or torch.Tensor
        Finite, not all zero; flattened.
    beta : float, default 1.0
        :math:`\beta > 0`.

    Returns
    -------
    numpy.ndarray
        Flat boolean mask with exactly :math:`N - k` true entries (all false when
        :math:`k = N`); ties broken by lowest index, as in
        :func:`emp_theory.effective.topk_mask`.

    Raises
    ------
    ValueError
        If `scores` is empty, non-finite or all zero, or `beta` is not finite and > 0.

    Examples
    --------
    :math:`N_{\mathrm{eff}}` of ``[4, 3, 2, 1]`` is :math:`\lfloor 100/30 \rfloor = 3`, so
    :math:`k = 3` and the rule keeps the :math:`N - k = 1` largest (Algorithm 1 keeps 3):

    >>> quantile_rule_mask([4, 3, 2, 1])
    array([ True, False, False, False])

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Table 9.
    """
    b = as_positive_finite(beta, "beta")
    flat = np.asarray(stats(scores, "scores").flat)
    k = keep_count(flat, b)
    n_above = flat.size - k
    if n_above == 0:
        return np.zeros(flat.size, dtype=bool)
    return np.asarray(topk_mask(flat, n_above))


def layer_weight_stats(model) -> list[dict]:
    r"""Per prunable weight matrix: :math:`N_{\mathrm{eff}}/N` against the sample moments.

    For the entries :math:`w_1,\dots,w_N` of one matrix,

    .. math::

        \frac{N_{\mathrm{eff}}}{N} = \frac1N\Big\lfloor\frac{(\sum_i|w_i|)^2}{\sum_i w_i^2}\Big\rfloor,
        \qquad
        r = \frac{\big(\frac1N\sum_i|w_i|\big)^2}{\frac1N\sum_i w_i^2}
          = \frac1N\,\frac{(\sum_i|w_i|)^2}{\sum_i w_i^2},

    so :math:`0 \le r - N_{\mathrm{eff}}/N < 1/N` by definition (the floor): the
    large-:math:`N` limit :math:`(\mathbb E|w|)^2/\mathbb E[w^2]` of
    :mod:`emp_theory.limits` is the sample moment ratio of the matrix itself. For
    Gaussian weights it is :math:`2/\pi \approx 0.6366` (EMP sparsity
    :math:`1-2/\pi \approx 36.3\%`). How Gaussian a matrix is, is measured by its
    excess kurtosis (Fisher's, :func:`scipy.stats.kurtosis`; 0 for a Gaussian,
    :math:`-1.2` for a uniform, 3 for a Laplace distribution).

    Parameters
    ----------
    model : torch.nn.Module
        Its ``nn.Linear`` / ``nn.Conv2d`` weights
        (:func:`emp_theory.pruning.targets.prunable_parameters`) are read.

    Returns
    -------
    list of dict
        Keys ``name``, ``N``, ``n_eff``, ``ratio`` (:math:`N_{\mathrm{eff}}/N`),
        ``moment_ratio`` (:math:`r`), ``emp_sparsity`` (:math:`1-N_{\mathrm{eff}}/N`),
        ``gap_to_gaussian`` (:math:`r - 2/\pi`), ``excess_kurtosis``.
    """
    import torch
    from scipy.stats import kurtosis

    from ..pruning.models import prunable_parameters

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    targets = prunable_parameters(model)
    if not targets:
        raise ValueError("`model` has no prunable weights")
    out = []
    for name, mod, pname in targets:
        w = getattr(mod, pname).detach().double().reshape(-1).numpy()
        N = w.size
        ne = n_eff(w)
        r = float(np.mean(np.abs(w)) ** 2 / np.mean(w * w))
        out.append(
            {
                "name": name,
                "N": N,
                "n_eff": ne,
                "ratio": ne / N,
                "moment_ratio": r,
                "emp_sparsity": 1.0 - ne / N,
                "gap_to_gaussian": r - GAUSSIAN_RATIO,
                "excess_kurtosis": float(kurtosis(w, fisher=True)),
            }
        )
    return out


def _calibration(data, n_batches: int, seed: int, batch_size: int = 128):
    import torch

    from ..pruning.training import batches

    gen = torch.Generator().manual_seed(seed)
    out = []
    for b in batches(data.x_train, data.y_train, batch_size, shuffle=True, generator=gen):
        out.append(b)
        if len(out) == n_batches:
            break
    return out


def _masked_accuracy(model, params, masks, data) -> float:
    import copy

    import torch

    from ..pruning.models import prunable_parameters
    from ..pruning.training import evaluate

    pruned = copy.deepcopy(model)
    idx = {id(p): i for i, p in enumerate(params)}
    with torch.no_grad():
        for (_, m0, pn), (_, m1, _) in zip(
            prunable_parameters(model), prunable_parameters(pruned), strict=True
        ):
            i = idx[id(getattr(m0, pn))]
            w = getattr(m1, pn)
            w.mul_(torch.as_tensor(masks[i], dtype=w.dtype).reshape(w.shape))
    acc, _ = evaluate(pruned, data.x_test, data.y_test)
    return acc


def criterion_sparsity(
    model,
    data,
    criteria=("taylor", "saliency"),
    betas=(0.8, 1.0, 1.2),
    *,
    n_batches: int = 4,
    seed: int = 0,
) -> list[dict]:
    r"""Algorithm 1 against :func:`quantile_rule_mask` on one trained model (global scope).

    For each criterion the scores of all prunable weights are computed once
    (:func:`emp_theory.pruning.criteria.compute_scores`, gradients over `n_batches`
    seeded batches of 128 training images), pooled into one vector, and for each
    :math:`\beta`

    * Algorithm 1 (:func:`emp_theory.effective.emp_mask`) keeps the :math:`k` largest:
      sparsity :math:`1-k/N`;
    * the quantile rule keeps the :math:`N-k` largest: sparsity :math:`k/N`;

    and both masks are applied to a copy of the model to measure the test accuracy.

    Returns
    -------
    list of dict
        Keys ``criterion``, ``beta``, ``N``, ``n_eff``, ``k``, ``emp_sparsity``,
        ``emp_acc``, ``quantile_sparsity``, ``quantile_acc`` (sparsities counted from
        the masks), ``dense_acc``.
    """
    import torch

    from ..pruning.criteria import CRITERIA, compute_scores
    from ..pruning.models import prunable_parameters
    from ..pruning.training import evaluate

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    crits = list(criteria)
    if not crits or any(c not in CRITERIA for c in crits):
        raise ValueError(f"`criteria` must be a non-empty list of {', '.join(CRITERIA)}")
    bs = [as_positive_finite(b, "betas") for b in betas]
    if not bs:
        raise ValueError("`betas` must not be empty")
    nb = as_int(n_batches, "n_batches")
    if nb < 1:
        raise ValueError(f"`n_batches` must be >= 1, got {n_batches!r}")
    params = [getattr(m, n) for _, m, n in prunable_parameters(model)]
    sizes = [p.numel() for p in params]
    calib = _calibration(data, nb, seed)
    dense_acc, _ = evaluate(model, data.x_test, data.y_test)
    rows = []
    for crit in crits:
        scores = compute_scores(model, crit, params, calib)
        flat = torch.cat([s.detach().reshape(-1) for s in scores]).double().numpy()
        N = flat.size
        ne = n_eff(flat)
        for b in bs:
            m_emp = np.asarray(emp_mask(flat, b))
            m_q = quantile_rule_mask(flat, b)
            split = np.cumsum(sizes)[:-1]
            rows.append(
                {
                    "criterion": crit,
                    "beta": b,
                    "N": N,
                    "n_eff": ne,
                    "k": keep_count(flat, b),
                    "emp_sparsity": 1.0 - m_emp.sum() / N,
                    "emp_acc": _masked_accuracy(model, params, np.split(m_emp, split), data),
                    "quantile_sparsity": 1.0 - m_q.sum() / N,
                    "quantile_acc": _masked_accuracy(model, params, np.split(m_q, split), data),
                    "dense_acc": dense_acc,
                }
            )
    return rows


def beta_profile(result, criterion: str = "magnitude", scope: str = "global") -> list[dict]:
    r"""Accuracy and sparsity across :math:`\beta` from a sweep (Figure 3), sorted by :math:`\beta`.

    Parameters
    ----------
    result : emp_theory.pruning.sweep.SweepResult
    criterion, scope : str
        Which rows to read.

    Returns
    -------
    list of dict
        Keys ``beta``, ``acc``, ``dense_acc``, ``delta`` (``acc - dense_acc``),
        ``sparsity``, ``no_pruning`` (:math:`k` clipped at :math:`N`).

    Raises
    ------
    ValueError
        If the sweep has no EMP rows for `criterion` and `scope`.
    """
    if not hasattr(result, "emp_rows"):
        raise TypeError("`result` must be a SweepResult")
    rows = [r for r in result.emp_rows() if r.criterion == criterion and r.scope == scope]
    if not rows:
        raise ValueError(f"`result` has no EMP rows for criterion {criterion!r}, scope {scope!r}")
    return [
        {
            "beta": r.beta,
            "acc": r.acc,
            "dense_acc": r.dense_acc,
            "delta": r.acc - r.dense_acc,
            "sparsity": r.sparsity,
            "no_pruning": r.no_pruning,
        }
        for r in sorted(rows, key=lambda r: r.beta)
    ]
