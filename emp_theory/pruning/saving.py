r"""Finishing a pruned model: permanent masks, plain state dicts, safetensors, ``save_pretrained``.

torch's pruning keeps every pruned tensor as ``<name>_orig`` (a parameter) times
``<name>_mask`` (a buffer), recomputed by a forward pre-hook. A state dict saved that
way has ``*_orig``/``*_mask`` keys that an unpruned architecture does not know: a
loader that tolerates unknown keys (sentence-transformers) silently re-initialises
those weights. This module gives the pruned model back in its plain form:

* :func:`pruned_tensors` — ``[(qualified name, module, name)]`` of the tensors under
  pruning (a :class:`~torch.nn.utils.prune.BasePruningMethod` hook);
* :func:`make_permanent` — :func:`torch.nn.utils.prune.remove` on every one of them, in
  place: the weights become ordinary parameters holding ``orig * mask``;
* :func:`pruned_state_dict` — the state dict the permanent model would have, without
  changing the model (``<name>`` = ``orig * mask``, no ``*_orig``/``*_mask``);
* :func:`save_pruned` — that state dict to ``.pt`` (``torch.save``) or
  ``.safetensors``, written atomically through :func:`!emp_theory._cache.atomic_write`;
* :func:`save_pretrained` — :func:`make_permanent`, then the model's own
  ``save_pretrained`` (Hugging Face ``PreTrainedModel``, sentence-transformers);
* :func:`!sparse_csr_weights` — the pruned 2-D weights as ``torch.sparse_csr_tensor`` s,
  with their storage size (``benchmarks/bench_prune_model.py`` measures it and a matmul
  against the dense weights: at the sparsities EMP reaches on dense-trained weights CSR
  is usually larger and slower than the dense tensor).

The saved weights are exactly the pruned model's (``orig * mask`` with a 0/1 mask is
exact in every dtype), so a reloaded model computes the same outputs bit for bit on
the same device. No paper symbol is involved.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils import prune

from .._cache import atomic_write

__all__ = [
    "make_permanent",
    "pruned_state_dict",
    "pruned_tensors",
    "save_pretrained",
    "save_pruned",
]


def pruned_tensors(model: nn.Module) -> list[tuple[str, nn.Module, str]]:
    """``[(qualified name, module, name), ...]`` of every tensor under torch pruning, in module order."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    out = []
    for mod_name, mod in model.named_modules():
        for hook in mod._forward_pre_hooks.values():
            if isinstance(hook, prune.BasePruningMethod):
                name = hook._tensor_name
                out.append((f"{mod_name}.{name}" if mod_name else name, mod, name))
    return out


def make_permanent(model: nn.Module) -> list[str]:
    """Make every pruning mask of `model` permanent (``prune.remove``), in place.

    Returns
    -------
    list of str
        The qualified names of the tensors made permanent. Afterwards ``model`` has
        no ``*_orig``/``*_mask`` entries and no pruning hooks; the pruned entries are
        zeros of ordinary parameters (later training can make them non-zero again).

    Examples
    --------
    >>> from torch import nn
    >>> from emp_theory.pruning.functional import emp_unstructured
    >>> model = nn.Sequential(nn.Linear(4, 3))
    >>> _ = emp_unstructured(model[0], "weight")
    >>> make_permanent(model)
    ['0.weight']
    >>> sorted(model.state_dict())
    ['0.bias', '0.weight']
    """
    done = []
    for qn, mod, name in pruned_tensors(model):
        prune.remove(mod, name)
        done.append(qn)
    return done


def pruned_state_dict(model: nn.Module) -> OrderedDict:
    """`model`'s state dict with every pruned tensor as ``orig * mask`` under its own name.

    The model is not changed. The keys are those of the unpruned architecture, so
    ``load_state_dict(strict=True)`` into a fresh model works (a pruned tensor's key
    comes after its module's other entries, where torch's reparametrization moved it).
    """
    sd = model.state_dict()
    pruned = {}
    for qn, mod, name in pruned_tensors(model):
        orig = getattr(mod, name + "_orig").detach()
        mask = getattr(mod, name + "_mask").detach()
        pruned[qn] = orig * mask.to(orig.dtype)
    out = OrderedDict()
    for key, value in sd.items():
        if key.endswith("_orig") and key[: -len("_orig")] in pruned:
            out[key[: -len("_orig")]] = pruned[key[: -len("_orig")]]
        elif key.endswith("_mask") and key[: -len("_mask")] in pruned:
            continue
        else:
            out[key] = value
    return out


def _safetensors_bytes(sd) -> bytes:
    from safetensors.torch import save

    tensors, seen = {}, set()
    for key, value in sd.items():
        t = value.detach().contiguous()
        if t.device.type != "cpu":
            t = t.cpu()
        ptr = t.untyped_storage().data_ptr() if t.numel() else None
        if ptr is not None and ptr in seen:  # tied weights: safetensors stores no aliases
            t = t.clone()
        elif ptr is not None:
            seen.add(ptr)
        tensors[key] = t
    return save(tensors, metadata={"format": "pt"})


def save_pruned(model: nn.Module, path) -> Path:
    """Write the pruned model's plain state dict (:func:`pruned_state_dict`) to `path`.

    Parameters
    ----------
    model : torch.nn.Module
        Pruned or not; it is not changed.
    path : str or os.PathLike
        ``*.safetensors`` (safetensors format; tied tensors are stored once each) or
        any other name (``torch.save``, e.g. ``*.pt``). Written atomically.

    Returns
    -------
    pathlib.Path

    Notes
    -----
    Load with ``model.load_state_dict(torch.load(path, weights_only=True))`` or
    ``safetensors.torch.load_file(path)`` into the unpruned architecture.
    """
    path = Path(path)
    sd = pruned_state_dict(model)
    if path.suffix == ".safetensors":
        return atomic_write(path, _safetensors_bytes(sd))
    return atomic_write(path, lambda fh: torch.save(sd, fh))


def save_pretrained(model, path, **kwargs) -> Path:
    """:func:`make_permanent` on `model` (in place), then ``model.save_pretrained(path, **kwargs)``.

    For Hugging Face ``transformers`` models and sentence-transformers models: what
    is saved has the architecture's own keys, so ``from_pretrained`` /
    ``SentenceTransformer(path)`` reloads the pruned weights instead of re-initialising
    the ones stored as ``*_orig``/``*_mask``. `model` keeps working (its masks are now
    part of its weights).

    Raises
    ------
    TypeError
        If `model` has no ``save_pretrained`` method (use :func:`save_pruned`).
    """
    saver = getattr(model, "save_pretrained", None)
    if not callable(saver):
        raise TypeError(
            f"`model` ({type(model).__name__}) has no save_pretrained method: use save_pruned"
        )
    make_permanent(model)
    saver(str(path), **kwargs)
    return Path(path)


def sparse_csr_weights(model: nn.Module) -> dict:
    """``{qualified name: CSR tensor}`` of every pruned 2-D tensor (``orig * mask``), model unchanged.

    Only the mask's zeros are dropped (a kept weight that is exactly 0 stays stored), so
    ``nnz`` equals the kept count and ``to_dense()`` gives the pruned weight back exactly.
    """
    out = {}
    for qn, mod, name in pruned_tensors(model):
        orig = getattr(mod, name + "_orig").detach()
        if orig.dim() != 2:
            continue
        mask = getattr(mod, name + "_mask").detach() != 0
        rows = mask.sum(dim=1)
        crow = torch.zeros(orig.shape[0] + 1, dtype=torch.int64, device=orig.device)
        crow[1:] = torch.cumsum(rows, 0)
        cols = mask.nonzero()[:, 1]
        values = orig[mask]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
            out[qn] = torch.sparse_csr_tensor(
                crow, cols, values, size=tuple(orig.shape), check_invariants=True
            )
    return out


def csr_nbytes(t) -> int:
    """Bytes of a CSR tensor's three arrays (row pointers, column indices, values)."""
    return sum(
        a.numel() * a.element_size() for a in (t.crow_indices(), t.col_indices(), t.values())
    )
