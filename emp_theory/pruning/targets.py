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
`exclude` it must match none. No paper symbol is involved here.
"""

from __future__ import annotations

import fnmatch

from torch import nn

__all__ = [
    "DEFAULT_TYPES",
    "OPT_IN_TYPES",
    "is_hf_conv1d",
    "is_prunable",
    "output_dim",
    "prunable_parameters",
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
