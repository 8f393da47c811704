r"""KAN models: building one, validating models and inputs, widths, evaluation.

A ``pykan`` ``MultKAN`` of width ``[n_0, n_1, ..., n_L]`` (nodes per layer, inputs
first) has :math:`L` layers of edges; layers ``1 .. L-1`` are the hidden layers whose
nodes EMP prunes. ``grid`` is the number :math:`G` of spline intervals and ``k`` the
spline *degree* (``pykan``'s name; not EMP's kept count). :func:`evaluate_kan` reports
accuracy and mean cross-entropy, running the model in row chunks (:func:`!chunk_rows`)
so that ``pykan``'s per-edge ``(rows, n_{l+1}, n_l)`` arrays stay near 64 MiB.

References
----------
.. [1] Z. Liu et al., "KAN: Kolmogorov-Arnold Networks", ICLR 2025, arXiv:2404.19756,
       Section 2.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..._validation import as_int
from .backend import import_kan, quiet_and_seeded

__all__ = ["evaluate_kan", "kan_widths", "make_kan"]


def check_model(model):
    """Validate a pykan model with sum nodes only and at least one hidden layer."""
    _, MultKAN = import_kan()
    if not isinstance(model, MultKAN):
        raise TypeError(f"`model` must be a pykan MultKAN (KAN), got {type(model).__name__}")
    if any(int(w[1]) != 0 for w in model.width):
        raise ValueError("`model` has multiplication nodes; only sum-node KANs are supported")
    if model.depth < 2:
        raise ValueError(
            f"`model` must have at least one hidden layer, got width {kan_widths(model)}"
        )


def as_inputs(x, model, name: str = "x"):
    """Validate ``x`` as a finite float tensor of shape ``(n, width[0])`` with ``n >= 1``."""
    torch, _ = import_kan()
    if isinstance(x, torch.Tensor):
        t = x.detach()
    else:
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"`{name}` must be a 2-D array of real numbers: {exc}") from None
        if arr.dtype == bool or arr.dtype.kind not in "iuf":
            raise TypeError(f"`{name}` must be a 2-D array of real numbers, got dtype {arr.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.dtype == torch.bool or t.is_complex():
        raise TypeError(f"`{name}` must be real-valued, got {t.dtype}")
    t = t.to(dtype=torch.float32)
    if t.ndim != 2:
        raise ValueError(f"`{name}` must be 2-D (n, in_features), got shape {tuple(t.shape)}")
    if t.shape[0] == 0:
        raise ValueError(f"`{name}` must not be empty")
    d = int(model.width_in[0])
    if t.shape[1] != d:
        raise ValueError(f"`{name}` must have {d} columns (the model's inputs), got {t.shape[1]}")
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"`{name}` must be finite (found NaN or inf)")
    return t


def as_labels(y, n: int, n_classes: int, name: str = "y"):
    torch, _ = import_kan()
    if isinstance(y, torch.Tensor):
        t = y.detach()
    else:
        arr = np.asarray(y)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"`{name}` must hold integer class labels, got dtype {arr.dtype}")
        t = torch.from_numpy(arr.astype(np.int64))
    if t.dtype == torch.bool or t.is_floating_point() or t.is_complex():
        raise TypeError(f"`{name}` must hold integer class labels, got {t.dtype}")
    t = t.to(torch.int64)
    if t.ndim != 1 or t.shape[0] != n:
        raise ValueError(f"`{name}` must have shape ({n},), got {tuple(t.shape)}")
    if n and (int(t.min()) < 0 or int(t.max()) >= n_classes):
        raise ValueError(f"`{name}` must lie in 0..{n_classes - 1}")
    return t


def kan_widths(model) -> list[int]:
    """Node counts per layer of a ``pykan`` model, e.g. ``[64, 64, 10]``.

    Parameters
    ----------
    model : kan.MultKAN
        A ``pykan`` model (``model.width`` holds ``[n_sum, n_mult]`` pairs).

    Returns
    -------
    list of int
        ``n_sum + n_mult`` of every layer, inputs first.
    """
    return [int(w[0]) + int(w[1]) for w in model.width]


def make_kan(width, *, grid: int = 3, k: int = 3, seed: int = 0):
    """Build a ``pykan`` ``MultKAN`` that never writes checkpoints.

    Parameters
    ----------
    width : sequence of int
        Nodes per layer, inputs first, e.g. ``[64, 64, 10]``; at least two layers.
    grid : int, default 3
        Number of spline grid intervals :math:`G`.
    k : int, default 3
        Spline degree.
    seed : int, default 0
        ``pykan``'s ``seed`` (initial coefficients); the caller's global RNGs are restored.

    Returns
    -------
    kan.MultKAN
        Built with ``auto_save=False`` and ``symbolic_enabled=False`` (no symbolic branch:
        the numerical splines only, which is also what ``fit`` trains).

    Raises
    ------
    ValueError
        If `width` has fewer than two layers or a layer below 1, or `grid`/`k` < 1.

    References
    ----------
    .. [1] Liu et al., "KAN: Kolmogorov-Arnold Networks", arXiv:2404.19756, Section 2.
    """
    _, MultKAN = import_kan()
    if isinstance(width, str | bytes) or not hasattr(width, "__len__"):
        raise TypeError(f"`width` must be a sequence of integers, got {type(width).__name__}")
    w = [as_int(v, "width") for v in width]
    if len(w) < 2 or min(w) < 1:
        raise ValueError(f"`width` must list at least two layers of >= 1 node, got {list(width)}")
    g = as_int(grid, "grid")
    kk = as_int(k, "k")
    if g < 1:
        raise ValueError(f"`grid` must be >= 1, got {grid!r}")
    if kk < 1:
        raise ValueError(f"`k` must be >= 1, got {k!r}")
    s = as_int(seed, "seed")
    with quiet_and_seeded():
        return MultKAN(
            width=list(w),
            grid=g,
            k=kk,
            seed=s,
            auto_save=False,
            symbolic_enabled=False,
            device="cpu",
        )


#: Elements of one (rows, width[l+1], width[l]) activation array per chunk (64 MiB float32).
CHUNK_ELEMENTS = 1 << 24


def chunk_rows(model) -> int:
    """Rows per forward chunk so that pykan's per-edge arrays stay near 64 MiB each."""
    widths = kan_widths(model)
    edges = max(a * b for a, b in itertools.pairwise(widths))
    return max(1, CHUNK_ELEMENTS // edges)


def evaluate_kan(model, x, y) -> dict:
    """Accuracy and mean cross-entropy of a classification KAN on ``(x, y)``.

    Parameters
    ----------
    model : kan.MultKAN
    x : array_like or torch.Tensor, shape (n, width[0])
    y : array_like or torch.Tensor of int, shape (n,)

    Returns
    -------
    dict
        ``accuracy`` (fraction of ``argmax`` hits) and ``loss`` (mean cross-entropy).
    """
    torch, _ = import_kan()
    check_model(model)
    xt = as_inputs(x, model)
    yt = as_labels(y, xt.shape[0], kan_widths(model)[-1])
    save_act = model.save_act
    step = chunk_rows(model)
    try:
        model.save_act = False
        with quiet_and_seeded(), torch.no_grad():
            out = torch.cat([model(xt[i : i + step]) for i in range(0, xt.shape[0], step)])
    finally:
        model.save_act = save_act
    return {
        "accuracy": float((out.argmax(dim=1) == yt).double().mean()),
        "loss": float(torch.nn.functional.cross_entropy(out.double(), yt)),
    }
