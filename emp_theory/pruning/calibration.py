r"""The plumbing of the data-dependent criteria: parameters by name, calibration batches, the loss.

* :func:`resolve_params` — ``param`` arguments (fully qualified names, unique name
  suffixes, the tensors themselves) to ``(name, parameter)`` pairs; the name of a
  pruned tensor (``"fc.weight"``, stored by torch as ``fc.weight_orig``) resolves to
  its ``_orig`` parameter;
* :func:`iter_batches` — the first ``n_batches`` batches of ``data`` (one ``(x, y)``
  batch, a list, a :class:`torch.utils.data.DataLoader`, any iterable; ``None`` = all),
  lazily, behind a tqdm bar;
* :func:`batch_loss` — the scalar loss of one batch: ``loss_fn(model(x), y)`` for an
  ``(x, y)`` batch (``x`` may be a tensor, or a dict / list of tensors for models that
  take such input), or ``calibration(model, batch)`` for any batch when a
  calibration function is given;
* :class:`EvalMode` — ``model.eval()`` with every submodule's own flag restored.

Batches are ``B`` (:math:`B` in :math:`\bar g = \frac1B\sum_b \nabla L_b`) of the criteria;
no other paper symbol is involved.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "EvalMode",
    "batch_loss",
    "forward",
    "iter_batches",
    "model_device",
    "resolve_params",
    "to_device",
]


def resolve_params(model: nn.Module, param):
    """Return ``([(qualified name, Parameter)], single?)`` for a name, a tensor or a list of them."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    single = not isinstance(param, list | tuple)
    items = [param] if single else list(param)
    if not items:
        raise ValueError("`param` must not be an empty list")
    named = list(model.named_parameters())
    out = []
    for p in items:
        if isinstance(p, str):
            hits = [(n, t) for n, t in named if n == p]
            if not hits:
                hits = [(n, t) for n, t in named if n.endswith("." + p)]
            if not hits:  # a pruned tensor: torch keeps the parameter as <name>_orig
                hits = [(n, t) for n, t in named if n == p + "_orig"]
                hits = hits or [(n, t) for n, t in named if n.endswith("." + p + "_orig")]
            if len(hits) != 1:
                what = "no" if not hits else f"{len(hits)}"
                raise ValueError(f"`param` {p!r} matches {what} parameters of the model")
            out.append(hits[0])
        elif isinstance(p, torch.Tensor):
            hits = [(n, t) for n, t in named if t is p]
            if not hits:
                raise ValueError("`param` is a tensor that is not a parameter of `model`")
            out.append(hits[0])
        else:
            raise TypeError(f"`param` must be a name or a parameter, got {type(p).__name__}")
    return out, single


def _is_pair(b) -> bool:
    return isinstance(b, tuple | list) and len(b) == 2 and isinstance(b[1], torch.Tensor)


def iter_batches(data, n_batches, criterion: str, *, generic: bool = False, progress=False):
    """Yield the first `n_batches` batches of `data` (all of them if None), with a tqdm bar.

    Without `generic` every batch must be an ``(inputs, targets)`` pair (a list/tuple
    whose first two items are used); with it (a calibration function is given) any
    object is a batch. One pair of tensors is one batch.
    """
    if data is None:
        raise ValueError(f"`data` is required by the {criterion!r} criterion")
    if n_batches is not None and (
        not isinstance(n_batches, int) or isinstance(n_batches, bool) or n_batches < 1
    ):
        raise ValueError(f"`n_batches` must be a positive integer or None, got {n_batches!r}")
    if _is_pair(data) and isinstance(data[0], torch.Tensor | Mapping):
        source = [tuple(data)]
    else:
        try:
            source = iter(data)
        except TypeError:
            raise TypeError(
                "`data` must be an (x, y) batch or an iterable of batches "
                f"(a list, a DataLoader), got {type(data).__name__}"
            ) from None
        if n_batches is not None:
            source = itertools.islice(source, n_batches)
    total = n_batches
    if hasattr(data, "__len__"):
        try:
            total = len(data) if n_batches is None else min(n_batches, len(data))
        except TypeError:
            pass
    if isinstance(source, list):
        total = 1
    from tqdm.auto import tqdm

    bar = tqdm(
        source,
        total=total,
        desc=f"{criterion} batches",
        unit="batch",
        leave=False,
        disable=None if progress is None else not progress,
    )
    count = 0
    try:
        for b in bar:
            if not generic:
                if not (isinstance(b, tuple | list) and len(b) >= 2):
                    raise TypeError(
                        "`data` must be an (x, y) batch or an iterable of (x, y) batches "
                        "(give a `calibration` function for batches of another form)"
                    )
                b = (b[0], b[1])
            count += 1
            yield b
    finally:
        bar.close()
    if count == 0:
        raise ValueError("`data` holds no batches")


def to_device(x, device):
    """`x` (a tensor, or a dict / list / tuple of them) moved to `device`."""
    if isinstance(x, torch.Tensor):
        return x.to(device)
    if isinstance(x, Mapping):
        return {k: to_device(v, device) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return type(x)(to_device(v, device) for v in x)
    return x


def model_device(model):
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def batch_loss(model, batch, loss_fn: Callable | None, calibration: Callable | None):
    """The scalar loss of one batch (``calibration(model, batch)`` or ``loss_fn(model(x), y)``)."""
    if calibration is not None:
        loss = calibration(model, batch)
    else:
        dev = model_device(model)
        x, y = batch
        fn = F.cross_entropy if loss_fn is None else loss_fn
        loss = fn(model(to_device(x, dev)), to_device(y, dev))
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise TypeError(
            "the loss of a batch must be a scalar tensor, got "
            f"{getattr(loss, 'shape', type(loss).__name__)}"
        )
    return loss.reshape(())


def forward(model, batch, calibration: Callable | None) -> None:
    """Run `model` on one batch for its activations (Wanda): no loss is needed."""
    if calibration is not None:
        calibration(model, batch)
    else:
        model(to_device(batch[0], model_device(model)))


class EvalMode:
    """Put ``model`` in eval mode; restore every submodule's own ``training`` flag on exit."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        self.flags = [(m, m.training) for m in self.model.modules()]
        self.model.eval()

    def __exit__(self, *exc):
        for m, flag in self.flags:
            m.training = flag
