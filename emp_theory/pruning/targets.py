r"""Which tensors of a model are pruned: prunable layer types, names, include / exclude.

A *target* is a ``(name, module, param_name)`` triple: ``name`` is the parameter's fully
qualified name, the path :meth:`torch.nn.Module.named_parameters` gives it
(``"0.fc.weight"``, ``"layer1.0.conv1.weight"``), so that layers sharing a short name
(every ResNet block, every BERT layer) never collide. Scores, records and reports are
keyed by that name.

Prunable layers (their ``weight``; their ``bias`` with ``include_bias=True``):

=================================================  ==============================  ===========
type                                               weight shape                    output dim
=================================================  ==============================  ===========
``nn.Linear``                                      ``(out, in)``                   0
``nn.Conv1d`` / ``Conv2d`` / ``Conv3d``            ``(out, in/groups, *kernel)``   0
``nn.ConvTranspose1d`` / ``2d`` / ``3d``           ``(in, out/groups, *kernel)``   1
Hugging Face ``Conv1D`` (GPT-2; duck-typed)        ``(in, out)`` (transposed)      1
``nn.Embedding`` (opt-in: name it in `include`)    ``(num_embeddings, dim)``       0
=================================================  ==============================  ===========

The *output dim* is the dimension whose slices are the layer's output units (a
neuron, an output channel, a token's vector): the ``"row"`` scope runs EMP within
each such slice. A ``Conv1D`` is recognised without importing ``transformers``: a
module whose class is named ``Conv1D`` with integer ``nf`` (outputs) and ``nx``
(inputs) and a ``weight`` of shape ``(nx, nf)``, as
``transformers.pytorch_utils.Conv1D``.

`include` and `exclude` are lists whose items are fnmatch patterns (matched against
the parameter's name *and* its module's name, so ``"classifier"`` and
``"classifier.weight"`` both select ``classifier.weight``) or layer types (matched
with ``isinstance``). With `include` a target must match one of its items (an
``nn.Embedding`` is a candidate only when an `include` item matches it); with
`exclude` it must match none.

:func:`!score_map` reads a ``scores`` dict keyed by those names (a unique suffix of a
name, or ``(module, "weight")``, is accepted; a short name shared by two layers is an
error, never a guess), and :func:`kept_count` counts a mask's ones in int64 (exact in
float16 / bfloat16 masks too). No paper symbol is involved here.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping

import torch
from torch import nn

__all__ = [
    "DEFAULT_TYPES",
    "OPT_IN_TYPES",
    "check_slices",
    "is_hf_conv1d",
    "is_prunable",
    "kept_count",
    "output_dim",
    "prunable_parameters",
    "score_map",
    "select_targets",
    "tensor_of",
]

#: Layer types pruned by default.
DEFAULT_TYPES = (
    nn.Linear,
    nn.Conv1d,
    nn.Conv2d,
    nn.Conv3d,
    nn.ConvTranspose1d,
    nn.ConvTranspose2d,
    nn.ConvTranspose3d,
)
#: Layer types pruned only when an `include` item names them.
OPT_IN_TYPES = (nn.Embedding,)


def is_hf_conv1d(module) -> bool:
    """True for a Hugging Face GPT-2-style ``Conv1D`` (weight ``(nx, nf)``: inputs × outputs)."""
    if type(module).__name__ != "Conv1D":
        return False
    nf, nx = getattr(module, "nf", None), getattr(module, "nx", None)
    w = getattr(module, "weight", None)
    return (
        isinstance(nf, int) and isinstance(nx, int) and w is not None and tuple(w.shape) == (nx, nf)
    )


def is_prunable(module, *, opt_in: bool = False) -> bool:
    """Whether `module` is a prunable layer type (``nn.Embedding`` only with `opt_in`)."""
    if isinstance(module, DEFAULT_TYPES) or is_hf_conv1d(module):
        return True
    return opt_in and isinstance(module, OPT_IN_TYPES)


def output_dim(module) -> int:
    """The weight dimension of `module`'s output units (see the module docstring's table)."""
    if isinstance(module, nn.modules.conv._ConvTransposeNd) or is_hf_conv1d(module):
        return 1
    return 0


def _check_filter(items, name: str) -> list:
    if items is None:
        return []
    if isinstance(items, str | type):
        items = [items]
    try:
        out = list(items)
    except TypeError:
        raise TypeError(
            f"`{name}` must be a pattern, a layer type or a list of them, got {type(items).__name__}"
        ) from None
    for it in out:
        if isinstance(it, type):
            if not issubclass(it, nn.Module):
                raise TypeError(f"`{name}` types must be nn.Module subclasses, got {it.__name__}")
        elif not isinstance(it, str):
            raise TypeError(
                f"`{name}` items must be fnmatch patterns (str) or layer types, "
                f"got {type(it).__name__}"
            )
    return out


def _matches(items, qualname: str, module_name: str, module) -> bool:
    for it in items:
        if isinstance(it, type):
            if isinstance(module, it):
                return True
        elif fnmatch.fnmatchcase(qualname, it) or fnmatch.fnmatchcase(module_name, it):
            return True
    return False


def _owners(model):
    """``{id(tensor): [(module, qualified name), ...]}`` over every distinct module."""
    owners: dict[int, list] = {}
    for mod_name, mod in model.named_modules():
        for pname, p in mod._parameters.items():
            if p is not None:
                qn = f"{mod_name}.{pname}" if mod_name else pname
                owners.setdefault(id(p), []).append((mod, qn))
    return owners


def prunable_parameters(
    model: nn.Module, *, include_bias: bool = False, include=None, exclude=None
) -> list[tuple[str, nn.Module, str]]:
    """``[(name, module, param_name), ...]`` of the tensors to prune, in module order.

    Parameters
    ----------
    model : torch.nn.Module
    include_bias : bool, default False
        Also the ``bias`` of every selected layer that has one.
    include, exclude : str, type or list of them, optional
        fnmatch patterns on the parameter's / module's fully qualified name, or layer
        types (see the module docstring).

    Returns
    -------
    list of (str, torch.nn.Module, str)
        ``name`` is the fully qualified parameter name (``"net.fc1.weight"``). A module
        reachable under two names (shared) is listed once, under its first name.

    Raises
    ------
    ValueError
        If a selected tensor is also a parameter of another module (tied weights, e.g.
        a language model's output layer and its input embedding): pruning it would
        untie them; exclude it.

    Examples
    --------
    >>> from torch import nn
    >>> class B(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc = nn.Linear(4, 4)
    >>> [n for n, _, _ in prunable_parameters(nn.Sequential(B(), B()))]
    ['0.fc.weight', '1.fc.weight']
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    inc = _check_filter(include, "include")
    exc = _check_filter(exclude, "exclude")
    owners = _owners(model)
    out = []
    for mod_name, module in model.named_modules():
        if not is_prunable(module, opt_in=bool(inc)):
            continue
        names = ["weight"]
        if include_bias and getattr(module, "bias", None) is not None:
            names.append("bias")
        for pname in names:
            qn = f"{mod_name}.{pname}" if mod_name else pname
            if inc and not _matches(inc, qn, mod_name, module):
                continue
            if _matches(exc, qn, mod_name, module):
                continue
            t = getattr(module, pname + "_orig", None)
            if t is None:
                t = getattr(module, pname)
            others = [n for m, n in owners.get(id(t), []) if m is not module]
            if others:
                raise ValueError(
                    f"`model`: {qn!r} is the same tensor as {others[0]!r} (tied weights); "
                    "pruning it would untie them (a saved state dict would reload one masked "
                    "copy into both): exclude it, e.g. exclude=" + repr(mod_name or pname)
                )
            out.append((qn, module, pname))
    return out


def tensor_of(mod, pname):
    """The tensor the scores describe: the parameter (``<name>_orig`` once pruned)."""
    t = getattr(mod, pname + "_orig", None)
    return getattr(mod, pname) if t is None else t


def select_targets(model, include_bias, include, exclude):
    targets = prunable_parameters(
        model, include_bias=include_bias, include=include, exclude=exclude
    )
    if not targets:
        raise ValueError(
            "`model` has no tensors to prune (Linear, Conv1d/2d/3d, ConvTranspose1d/2d/3d, "
            "GPT-2 Conv1D weights; Embedding when `include` names it) after `include`/`exclude`"
        )
    if any(tensor_of(m, p).is_meta for _, m, p in targets):
        raise NotImplementedError(
            "`model` has tensors on the meta device: the report counts what EMP keeps, which "
            "needs values (emp_unstructured / EMPUnstructured set up the reparametrization on "
            "meta, as torch's l1_unstructured does)"
        )
    return targets


def check_slices(targets, scope):
    for qn, mod, pname in targets:
        if getattr(mod, pname).dim() < 2:
            raise ValueError(
                f"the {scope!r} scope prunes slices of 2-D or larger weights; {qn!r} is 1-D "
                "(a bias): use include_bias=False or the block/global scope"
            )


def kept_count(mod, pname) -> int:
    """Ones of ``<pname>_mask`` counted in int64 (exact in any mask dtype: fp16, bf16, ...)."""
    m = getattr(mod, pname + "_mask", None)
    if m is None:
        return int(getattr(mod, pname).numel())
    return int(torch.count_nonzero(m))


def _key_name(key, targets, param_names):
    """The target name a `scores` key means (None: a parameter that is not pruned)."""
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], nn.Module):
        for qn, mod, pname in targets:
            if mod is key[0] and pname == key[1]:
                return qn
        raise ValueError(f"`scores` key ({type(key[0]).__name__}, {key[1]!r}) is not pruned")
    if not isinstance(key, str):
        raise TypeError(
            f"`scores` keys must be parameter names or (module, name), got {type(key).__name__}"
        )
    names = [qn for qn, _, _ in targets]
    if key in names:
        return key
    if key in param_names:
        return None
    # a unique suffix ("fc1.weight" for "net.fc1.weight"), unique among ALL parameters
    hits = sorted(n for n in param_names if n.endswith("." + key))
    if len(hits) > 1:
        raise ValueError(
            f"`scores` key {key!r} is ambiguous: it ends {len(hits)} parameter names "
            f"({', '.join(hits[:3])}{', ...' if len(hits) > 3 else ''}); use the full name"
        )
    if hits:
        return hits[0] if hits[0] in names else None
    raise ValueError(f"`scores` key {key!r} names no parameter of `model` (names: {names[:4]}...)")


def score_map(model, targets, scores):
    if scores is None:
        return {qn: tensor_of(mod, pname).detach() for qn, mod, pname in targets}
    if not isinstance(scores, Mapping):
        raise TypeError(f"`scores` must be a dict name -> tensor, got {type(scores).__name__}")
    param_names = {n for n, _ in model.named_parameters()}
    param_names |= {n[: -len("_orig")] for n in param_names if n.endswith("_orig")}
    out: dict[str, torch.Tensor] = {}
    for key, s in scores.items():
        qn = _key_name(key, targets, param_names)
        if qn is None:
            continue
        if qn in out:
            raise ValueError(f"`scores` gives {qn!r} twice (under two keys)")
        out[qn] = s
    for qn, mod, pname in targets:
        if qn not in out:
            raise ValueError(f"`scores` has no entry for {qn!r} (keys: {list(scores)[:4]}...)")
        s, ref = out[qn], getattr(mod, pname)
        if not isinstance(s, torch.Tensor) or s.shape != ref.shape:
            raise ValueError(
                f"`scores` entry {qn!r} must be a tensor of shape {tuple(ref.shape)}, "
                f"got {getattr(s, 'shape', type(s).__name__)}"
            )
        out[qn] = s.detach()
    return {qn: out[qn] for qn, _, _ in targets}
