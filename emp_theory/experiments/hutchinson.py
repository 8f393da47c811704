r"""Hutchinson's estimator of the trace of the loss Hessian, :math:`\mathrm{Tr}(H)`.

Beyond the paper's code; the paper's eqs. (17)-(18) need :math:`\mathrm{Tr}(H)` of the
loss at the trained weights :math:`\theta^*` (:mod:`emp_theory.experiments.lossbound`).
:math:`H` is the Hessian of the mean cross-entropy (or any ``loss_fn``) with respect to
the prunable weights (:func:`prunable_weights`: the ``nn.Linear`` / ``nn.Conv2d`` weights,
no biases; :math:`N` their count), estimated by

.. math::

    \mathrm{Tr}(H) \approx \frac1P\sum_{p=1}^{P} z_p^\top H z_p,
    \qquad z_p \in \{-1, +1\}^N \text{ (Rademacher)},

with :math:`P` = ``n_probes`` probes and :math:`Hz` a Hessian-vector product by
double back-propagation.

torch is imported inside the functions, so importing this module does not import it.

References
----------
.. [1] M. F. Hutchinson, "A stochastic estimator of the trace of the influence matrix for
       Laplacian smoothing splines", Comm. Stat. Simul. Comput. 19 (1990) 433-450.
.. [2] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       eqs. (17)-(18).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validation import as_int

__all__ = ["TraceEstimate", "hutchinson_trace", "prunable_weights"]


@dataclass(frozen=True)
class TraceEstimate:
    r"""A Hutchinson estimate of :math:`\mathrm{Tr}(H)`.

    Attributes
    ----------
    estimate : float
        :math:`\frac1P\sum_p z_p^\top H z_p`.
    stderr : float
        Standard error of the mean, :math:`\mathrm{sd}(z_p^\top H z_p)/\sqrt P`
        (``nan`` for one probe).
    n_probes : int
        :math:`P`.
    samples : tuple of float
        The :math:`P` values :math:`z_p^\top H z_p`.

    Examples
    --------
    >>> TraceEstimate(2.0, 0.1, 2, (1.9, 2.1)).estimate
    2.0
    """

    estimate: float
    stderr: float
    n_probes: int
    samples: tuple


def check_model(model) -> None:
    """Raise TypeError unless `model` is a ``torch.nn.Module``."""
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")


def check_xy(data):
    """Validate ``data = (x, y)``: two tensors with the same positive number of rows."""
    import torch

    if not (isinstance(data, tuple | list) and len(data) == 2):
        raise TypeError("`data` must be an (x, y) pair of tensors")
    x, y = data
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise TypeError("`data` must be an (x, y) pair of tensors")
    if x.shape[0] == 0 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"`data` must hold the same positive number of inputs and labels, "
            f"got {tuple(x.shape)} and {tuple(y.shape)}"
        )
    return x, y


def prunable_weights(model):
    """The prunable weight tensors of `model` (every ``nn.Linear`` / ``nn.Conv2d`` weight), in order."""
    from ..pruning.models import prunable_parameters

    check_model(model)
    return [getattr(mod, pname) for _, mod, pname in prunable_parameters(model)]


def hutchinson_trace(
    model, data, params=None, *, n_probes: int = 32, seed: int = 0, loss_fn=None, probes=None
) -> TraceEstimate:
    r"""Hutchinson estimate of the trace of the loss Hessian with respect to `params`.

    .. math::

        \mathrm{Tr}(H) \approx \frac1P\sum_{p=1}^{P} z_p^\top H z_p,
        \qquad \mathbb E[z z^\top] = I,

    with :math:`z_p` Rademacher vectors (entries :math:`\pm1`, probability 1/2) over
    all of `params` jointly, so :math:`\mathbb E[z^\top H z] = \mathrm{Tr}(H)` exactly
    and :math:`\mathrm{Var}(z^\top H z) = 2\sum_{i\ne j}H_{ij}^2`. :math:`Hz` is a
    Hessian-vector product by double back-propagation (``torch.autograd.grad`` of the
    gradient, built with ``create_graph=True``). :math:`H` is the Hessian of
    ``loss_fn(model(x), y)`` on the whole of ``data = (x, y)`` (one batch), with the
    parameters not in `params` held fixed. The model is evaluated in ``eval()`` mode.

    Parameters
    ----------
    model : torch.nn.Module
    data : (torch.Tensor, torch.Tensor)
        Inputs and labels.
    params : list of torch.Tensor, optional
        Parameters of `model` (default: :func:`prunable_weights`).
    n_probes : int, default 32
        Number :math:`P \ge 1` of probes (ignored when `probes` is given).
    seed : int, default 0
        Seed of the ``torch.Generator`` drawing the probes.
    loss_fn : callable, optional
        ``loss_fn(logits, y)``; default mean cross-entropy.
    probes : array_like, optional
        Explicit probe vectors, shape ``(P, N)`` with ``N`` the total size of
        `params` (e.g. all :math:`2^N` sign vectors of a tiny model, whose average
        is the exact trace).

    Returns
    -------
    TraceEstimate

    Raises
    ------
    TypeError, ValueError
        If `model` is not a module, `data` not an (x, y) pair, `params` empty or not
        parameters of `model`, `n_probes` not a positive integer, `probes` of the wrong
        shape or non-finite.

    References
    ----------
    .. [1] M. F. Hutchinson, Comm. Stat. Simul. Comput. 19 (1990) 433-450.
    """
    import torch
    from torch.nn import functional as F

    check_model(model)
    x, y = check_xy(data)
    ps = prunable_weights(model) if params is None else list(params)
    if not ps:
        raise ValueError("`params` must not be empty")
    own = {id(p) for p in model.parameters()}
    if any(not isinstance(p, torch.Tensor) or id(p) not in own for p in ps):
        raise ValueError("`params` must be parameters of `model`")
    sizes = [p.numel() for p in ps]
    n_total = int(sum(sizes))
    if probes is None:
        P = as_int(n_probes, "n_probes")
        if P < 1:
            raise ValueError(f"`n_probes` must be a positive integer, got {n_probes!r}")
        gen = torch.Generator().manual_seed(as_int(seed, "seed"))
        Z = None
    else:
        Z = torch.as_tensor(np.asarray(probes, dtype=np.float64))
        if Z.ndim != 2 or Z.shape[1] != n_total or Z.shape[0] < 1:
            raise ValueError(f"`probes` must have shape (P, {n_total}), got {tuple(Z.shape)}")
        if not bool(torch.isfinite(Z).all()):
            raise ValueError("`probes` must be finite")
        P = int(Z.shape[0])
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    was = model.training
    model.eval()
    try:
        loss = loss_fn(model(x), y)
        grads = torch.autograd.grad(loss, ps, create_graph=True)
        vals = []
        for p_i in range(P):
            if Z is None:
                zs = [(torch.randint(0, 2, p.shape, generator=gen) * 2 - 1).to(p.dtype) for p in ps]
            else:
                zs = [
                    c.reshape(p.shape).to(p.dtype)
                    for c, p in zip(Z[p_i].split(sizes), ps, strict=True)
                ]
            hz = torch.autograd.grad(grads, ps, grad_outputs=zs, retain_graph=True)
            vals.append(
                float(sum((z * h).sum(dtype=torch.float64) for z, h in zip(zs, hz, strict=True)))
            )
    finally:
        model.train(was)
    arr = np.asarray(vals)
    se = float(arr.std(ddof=1) / math.sqrt(P)) if P > 1 else float("nan")
    return TraceEstimate(float(arr.mean()), se, P, tuple(vals))
