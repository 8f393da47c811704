r"""EMP node pruning of Kolmogorov-Arnold Networks (KAN) with ``pykan`` (Section 5.2).

A KAN (Liu et al., 2025) puts a learnable univariate function :math:`\phi_{l,j,i}` on
every edge from node :math:`(l, i)` to node :math:`(l+1, j)`; a node sums its incoming
edges. Following Liu et al. (2025, Section 2.5.1), the size of an edge function is its
mean absolute value over the :math:`n` inputs,

.. math::

    \|\phi_{l,j,i}\|_1 = \frac{1}{n} \sum_{s=1}^{n} \big|\phi_{l,j,i}(x^{(s)}_{l,i})\big| ,

and the paper (Wang et al., 2026, Section 5.2) scores hidden node :math:`(l, i)` by

.. math::

    I_{l,i} = \max_k \|\phi_{l-1,i,k}\|_1, \qquad
    O_{l,i} = \max_j \|\phi_{l,j,i}\|_1, \qquad
    s_{l,i} = \min\{I_{l,i}, O_{l,i}\}

(the paper writes the outgoing edges as :math:`\phi_{l+1,j,i}`; they are the edges
*leaving* node :math:`(l, i)`, which are :math:`\phi_{l,j,i}` in the indexing above).
Liu et al. drop a node when both scores fall below a threshold :math:`\theta`
(:math:`10^{-2}`); EMP instead keeps, in every hidden layer, the
:math:`\nu = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}}(s_l) \rfloor, 1, N_l)` nodes of
largest :math:`s_{l,i}` (Algorithm 1 through :func:`emp_theory.effective.emp_mask`; the input and
output layers are never pruned).

Which ``pykan`` 0.2.8 quantities are used
-----------------------------------------
``score="l1"`` (default, the paper's definition)
    After a forward pass with ``save_act=True`` (``MultKAN.get_act``),
    ``model.spline_postacts[l]`` holds :math:`\phi_{l,j,i}(x^{(s)})` as an array of shape
    ``(n, width[l+1], width[l])`` (the masked residual-plus-spline value
    ``mask * (scale_base * b(x) + scale_sp * spline(x))``, plus the symbolic branch when
    it is enabled). :math:`\|\phi_{l,j,i}\|_1` is the mean of its absolute value over the
    ``n`` rows.
``score="attribution"``
    ``MultKAN.attribute()`` back-propagates an importance from the outputs and stores
    per-edge scores ``model.edge_scores[l]`` of shape ``(width[l+1], width[l])``
    (Liu et al., "KAN 2.0", 2024). With this option :math:`\|\phi_{l,j,i}\|_1` above is
    replaced by ``edge_scores[l][j, i]``; :math:`I`, :math:`O` and :math:`s` are formed
    the same way.

``pykan``'s own threshold pruning, ``MultKAN.prune_node(threshold=1e-2)``, is a third
rule: it keeps node :math:`(l, i)` when its attribution ``model.node_scores[l][i]`` (the
sum of the attribution of its outgoing edges) exceeds the threshold.
:func:`threshold_prune_kan` runs it (``rule="pykan"``) or the rule of Liu et al. (2025,
Section 2.5.1), :math:`\min\{I, O\} > \theta` (``rule="io"``).

Side effects of ``pykan`` that this module avoids
-------------------------------------------------
Every model is built with ``auto_save=False`` (``pykan``'s default writes a checkpoint
folder ``./model``), pruned models get ``auto_save=False`` back (``prune_node`` builds
them with ``auto_save=True``), ``MultKAN.copy()`` (which writes ``copy_temp*`` files into
the working directory) is never called, and ``prune_node`` runs on a deep copy because it
zeroes the masks of the model it is called on. ``pykan`` reseeds Python's, NumPy's and
torch's global random generators whenever it builds a model; the functions here restore
the caller's generators (and torch's deterministic-algorithms flag, switched on while
``pykan`` runs) afterwards. Nothing is downloaded: digits ship with scikit-learn and
MNIST is read from a folder the user gives. Files are written only when asked for, by
the checkpoint cache of :func:`train_kan` (``cache=True``), outside the repository.

``torch`` and ``pykan`` are optional (``pip install pykan==0.2.8``); they are imported
only inside the functions.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 5.2 and Algorithm 1.
.. [2] Z. Liu, Y. Wang, S. Vaidya, F. Ruehle, J. Halverson, M. Soljačić, T. Y. Hou,
       M. Tegmark, "KAN: Kolmogorov-Arnold Networks", ICLR 2025, arXiv:2404.19756,
       Section 2.5.1.
.. [3] Z. Liu, P. Ma, Y. Wang, W. Matusik, M. Tegmark, "KAN 2.0: Kolmogorov-Arnold
       Networks meet science", arXiv:2408.10205 (2024) (attribution scores).
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import math
import numbers
import random
from dataclasses import dataclass, field

import numpy as np

from ._validation import as_int, as_positive_finite
from .effective import emp_mask, keep_count, n_eff

__all__ = [
    "CACHE_ENV",
    "KAN_PRESETS",
    "KANNodeScores",
    "KANPruneReport",
    "KANRun",
    "compare_kan_pruning",
    "emp_prune_kan",
    "evaluate_kan",
    "kan_dataset",
    "kan_edge_norms",
    "kan_node_scores",
    "kan_widths",
    "make_kan",
    "threshold_prune_kan",
    "train_kan",
    "train_kan_digits",
    "train_kan_mnist",
]

#: Training presets. ``"small"``: width [64, 64, 10] on the bundled digits, 200 Adam
#: steps (our choice). ``"paper"``: width [784, 64, 10] on MNIST for 10 epochs
#: (the paper's Section 5.2 setting; its optimizer, grid and learning rate are not given
#: in the paper and are our choice). ``epochs`` is turned into
#: ``steps = epochs * ceil(n_train / batch)`` mini-batch steps of ``MultKAN.fit``.
KAN_PRESETS: dict[str, dict] = {
    "small": {
        "hidden": 64,
        "grid": 3,
        "k": 3,
        "steps": 200,
        "batch": 128,
        "lr": 1e-2,
        "opt": "Adam",
    },
    "paper": {
        "hidden": 64,
        "grid": 3,
        "k": 3,
        "epochs": 10,
        "batch": 128,
        "lr": 1e-2,
        "opt": "Adam",
    },
}

_SCORES = ("l1", "attribution")
_RULES = ("pykan", "io")


# ---------------------------------------------------------------------------
# Optional dependencies and pykan's side effects
# ---------------------------------------------------------------------------
def _import_kan():
    """Import ``torch`` and ``pykan``'s ``MultKAN`` or raise a helpful ImportError."""
    try:
        import torch
        from kan.MultKAN import MultKAN
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "emp_theory.kan needs torch and pykan: pip install 'pykan==0.2.8' 'torch==2.13.0' "
            f"pandas pyyaml ({exc})"
        ) from exc
    return torch, MultKAN


@contextlib.contextmanager
def _quiet_and_seeded(progress: bool = False):
    """Run pykan reproducibly and quietly, leaving no global state behind.

    Restores the global RNGs that ``pykan`` reseeds, switches on
    ``torch.use_deterministic_algorithms`` (without it two identical ``fit`` runs differ
    in the last bits, which grow to ~1e-4 in 30 steps) and silences ``fit``'s tqdm bar
    and ``torch.std``'s warning on single-row batches; all restored on exit.
    """
    import sys
    import warnings
    from functools import partial
    from unittest import mock

    import torch

    py_state = random.getstate()
    np_state = np.random.get_state()  # noqa: NPY002 - pykan uses the legacy global RNG
    det = torch.are_deterministic_algorithms_enabled()
    det_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    mod = sys.modules["kan.MultKAN"]
    patch = (
        contextlib.nullcontext()
        if progress
        else mock.patch.object(mod, "tqdm", partial(mod.tqdm, disable=True))
    )
    try:
        with torch.random.fork_rng(devices=[]), patch, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"std\(\): degrees of freedom")
            torch.use_deterministic_algorithms(True)
            yield
    finally:
        torch.use_deterministic_algorithms(det, warn_only=det_warn)
        random.setstate(py_state)
        np.random.set_state(np_state)  # noqa: NPY002


#: Activation caches pykan keeps on a model after a forward pass or ``attribute()``.
_CACHES = (
    "acts",
    "acts_premult",
    "spline_preacts",
    "spline_postsplines",
    "spline_postacts",
    "acts_scale",
    "acts_scale_spline",
    "subnode_actscale",
    "edge_actscale",
    "cache_data",
    "node_scores",
    "edge_scores",
    "subnode_scores",
    "node_scores_all",
    "edge_scores_all",
    "subnode_scores_all",
)


def _clone(model):
    """Deep copy of a pykan model without its activation caches.

    After ``fit`` the caches hold non-leaf tensors (``acts_scale_spline``), which
    ``copy.deepcopy`` refuses; the copy gets ``None`` in their place (a forward pass
    with ``get_act`` fills them again) and the original keeps its caches.
    """
    saved = {name: model.__dict__[name] for name in _CACHES if name in model.__dict__}
    try:
        for name in saved:
            model.__dict__[name] = None
        return copy.deepcopy(model)
    finally:
        model.__dict__.update(saved)


def _check_model(model):
    """Validate a pykan model with sum nodes only and at least one hidden layer."""
    _, MultKAN = _import_kan()
    if not isinstance(model, MultKAN):
        raise TypeError(f"`model` must be a pykan MultKAN (KAN), got {type(model).__name__}")
    if any(int(w[1]) != 0 for w in model.width):
        raise ValueError("`model` has multiplication nodes; only sum-node KANs are supported")
    if model.depth < 2:
        raise ValueError(
            f"`model` must have at least one hidden layer, got width {kan_widths(model)}"
        )


def _as_inputs(x, model, name: str = "x"):
    """Validate ``x`` as a finite float tensor of shape ``(n, width[0])`` with ``n >= 1``."""
    torch, _ = _import_kan()
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


def _as_labels(y, n: int, n_classes: int, name: str = "y"):
    torch, _ = _import_kan()
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


# ---------------------------------------------------------------------------
# Models and training
# ---------------------------------------------------------------------------
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
    _, MultKAN = _import_kan()
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
    with _quiet_and_seeded():
        return MultKAN(
            width=list(w),
            grid=g,
            k=kk,
            seed=s,
            auto_save=False,
            symbolic_enabled=False,
            device="cpu",
        )


def kan_dataset(data) -> dict:
    """``pykan``'s dataset dict from an ``emp_theory.pruning.data.Dataset`` or a dict.

    Parameters
    ----------
    data : Dataset or dict
        A ``Dataset`` (images are flattened to ``(n, C*H*W)``) or a dict with
        ``train_input``, ``train_label``, ``test_input``, ``test_label``.

    Returns
    -------
    dict
        ``float32`` inputs of shape ``(n, d)`` and ``int64`` labels of shape ``(n,)``.
    """
    torch, _ = _import_kan()
    if isinstance(data, dict):
        keys = ("train_input", "train_label", "test_input", "test_label")
        missing = [key for key in keys if key not in data]
        if missing:
            raise ValueError(f"`data` is missing {', '.join(missing)}")
        out = {key: torch.as_tensor(data[key]) for key in keys}
    elif all(hasattr(data, a) for a in ("x_train", "y_train", "x_test", "y_test")):
        out = {
            "train_input": data.x_train.reshape(data.x_train.shape[0], -1),
            "train_label": data.y_train,
            "test_input": data.x_test.reshape(data.x_test.shape[0], -1),
            "test_label": data.y_test,
        }
    else:
        raise TypeError(f"`data` must be a Dataset or a dict, got {type(data).__name__}")
    for split in ("train", "test"):
        x = out[f"{split}_input"]
        if x.ndim != 2 or x.shape[0] == 0:
            raise ValueError(f"`data` {split}_input must be a non-empty 2-D array")
        if not bool(torch.isfinite(x.float()).all()):
            raise ValueError(f"`data` {split}_input must be finite")
        out[f"{split}_input"] = x.to(torch.float32).contiguous()
        out[f"{split}_label"] = _as_labels(
            out[f"{split}_label"], x.shape[0], 1 << 30, f"data[{split}_label]"
        )
    if out["train_input"].shape[1] != out["test_input"].shape[1]:
        raise ValueError("`data` train_input and test_input have different widths")
    return out


@dataclass
class KANRun:
    """A trained KAN with its data and training configuration.

    Attributes
    ----------
    model : kan.MultKAN
        The trained dense model.
    data : dict
        ``pykan``'s dataset dict (see :func:`kan_dataset`).
    config : dict
        Width, grid, degree, optimizer, steps, batch, learning rate, seed, dataset.
    train_loss : list of float
        ``MultKAN.fit``'s per-step ``train_loss`` (the square root of the mean
        cross-entropy of the step's batch).
    """

    model: object
    data: dict
    config: dict
    train_loss: list = field(default_factory=list)


def train_kan(
    data,
    hidden,
    *,
    grid: int = 3,
    k: int = 3,
    steps: int = 200,
    batch: int = 128,
    lr: float = 1e-2,
    opt: str = "Adam",
    seed: int = 0,
    progress: bool = False,
    cache: bool = False,
    cache_dir=None,
) -> KANRun:
    """Train a classification KAN ``[d, *hidden, n_classes]`` with ``pykan``'s ``fit``.

    The loss is the cross-entropy (``torch.nn.CrossEntropyLoss``) of the raw outputs;
    ``fit`` draws a random mini-batch of `batch` rows at each of its `steps`, with
    grid updates from the samples during its first 50 steps (``pykan``'s defaults);
    the test split is never passed to ``fit``. Seeding: the model is built with
    ``seed`` and ``fit`` draws its batches from NumPy's global generator, reseeded here with the same ``seed``; torch runs with
    ``use_deterministic_algorithms(True)``. The same arguments give bit-identical models
    on the same machine and torch build (the caller's generators and torch's
    deterministic flag are restored).

    Parameters
    ----------
    data : Dataset or dict
        See :func:`kan_dataset`; the number of classes is ``max(train_label) + 1``.
    hidden : int or sequence of int
        Hidden widths, e.g. ``64`` for ``[d, 64, n_classes]``.
    grid, k : int
        Spline grid intervals and degree.
    steps, batch : int
        Optimizer steps and mini-batch size (``batch`` is capped at the data size).
    lr : float
        Learning rate.
    opt : {"Adam", "LBFGS"}
        ``pykan``'s optimizer.
    seed : int
        Seed of the initialization and of the batch draws.
    progress : bool
        Show ``fit``'s tqdm bar.
    cache : bool, default False
        Reuse a trained model from the cache folder, or save it there after training.
        The file is ``<cache>/kan/kan-<key>.pt`` where ``<cache>`` is `cache_dir`, else
        ``$EMP_THEORY_CACHE``, else ``~/.cache/emp_theory`` (the pruning path's
        convention) and ``<key>`` a SHA-256 of the configuration, the data (all four
        tensors), and the torch and pykan versions. It is written to a temporary file
        and renamed; an unreadable file is ignored and the model retrained.
    cache_dir : str or os.PathLike, optional
        Cache folder (implies ``cache=True``).

    Returns
    -------
    KANRun
        ``run.config["cached"]`` tells whether the model came from the cache.

    Raises
    ------
    ValueError
        On an invalid width, step count, batch size, learning rate or optimizer.

    References
    ----------
    .. [1] Liu et al., "KAN: Kolmogorov-Arnold Networks", arXiv:2404.19756.
    .. [2] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.2.
    """
    torch, _ = _import_kan()
    d = kan_dataset(data)
    hid = [hidden] if isinstance(hidden, numbers.Integral) else list(hidden)
    if not hid:
        raise ValueError("`hidden` must give at least one hidden layer")
    st = as_int(steps, "steps")
    if st < 1:
        raise ValueError(f"`steps` must be >= 1, got {steps!r}")
    b = as_int(batch, "batch")
    if b < 1:
        raise ValueError(f"`batch` must be >= 1, got {batch!r}")
    rate = as_positive_finite(lr, "lr")
    if opt not in ("Adam", "LBFGS"):
        raise ValueError(f"`opt` must be 'Adam' or 'LBFGS', got {opt!r}")
    n_classes = int(d["train_label"].max()) + 1
    if int(d["test_label"].max()) >= n_classes:
        raise ValueError("`data` test labels include a class absent from the training labels")
    width = [int(d["train_input"].shape[1]), *hid, n_classes]
    n_train = int(d["train_input"].shape[0])
    config = {
        "width": width,
        "grid": as_int(grid, "grid"),
        "k": as_int(k, "k"),
        "opt": opt,
        "steps": st,
        "batch": min(b, n_train),
        "lr": rate,
        "seed": as_int(seed, "seed"),
        "loss": "cross-entropy",
    }
    model = make_kan(width, grid=grid, k=k, seed=seed)
    path = None
    if cache or cache_dir is not None:
        path = _cache_root(cache_dir) / "kan" / f"kan-{_cache_key(config, d)}.pt"
        saved = _load_checkpoint(path, model)
        if saved is not None:
            return KANRun(model, d, {**config, "cached": True}, saved)
    # fit evaluates a random "test" batch of the same size at every step, for its log
    # only; give it the training split there, so it never sees the test split and the
    # batch size is bounded by the training set alone.
    fit_data = {
        "train_input": d["train_input"],
        "train_label": d["train_label"],
        "test_input": d["train_input"],
        "test_label": d["train_label"],
    }
    with _quiet_and_seeded(progress):
        np.random.seed(config["seed"])  # noqa: NPY002 - fit draws batches from it
        torch.manual_seed(config["seed"])
        res = model.fit(
            fit_data,
            opt=opt,
            steps=st,
            lr=rate,
            batch=-1 if b >= n_train else b,
            loss_fn=torch.nn.CrossEntropyLoss(),
            log=1 if progress else st + 1,
        )
    # the last fit step leaves graph-attached tensors in the caches: detach them
    model.acts_scale_spline = [t.detach() for t in model.acts_scale_spline]
    losses = [float(v) for v in res["train_loss"]]
    if path is not None:
        _save_checkpoint(path, model, config, losses)
    return KANRun(model, d, {**config, "cached": False}, losses)


# ---------------------------------------------------------------------------
# Checkpoint cache
# ---------------------------------------------------------------------------
#: Environment variable naming the cache folder (shared with the pruning path).
from ._cache import CACHE_ENV  # noqa: E402  (shared with the pruning path)

#: Bumped when the checkpoint layout changes.
_FORMAT = 1


def _cache_root(path=None):
    from ._cache import cache_dir

    return cache_dir(path)


def _cache_key(config: dict, d: dict) -> str:
    import hashlib
    import json
    from importlib.metadata import version

    import torch

    h = hashlib.sha256()
    for key in ("train_input", "train_label", "test_input", "test_label"):
        t = d[key].contiguous()
        h.update(f"{key}{tuple(t.shape)}{t.dtype}".encode())
        h.update(memoryview(t.numpy()).cast("B"))
    payload = {
        "config": config,
        "data": h.hexdigest(),
        "torch": torch.__version__,
        "pykan": version("pykan"),
        "format": _FORMAT,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _load_checkpoint(path, model):
    """Load the state saved at `path` into `model`; return the losses, or None."""
    import torch

    if not path.is_file():
        return None
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(blob["state_dict"])
        return [float(v) for v in blob["train_loss"]]
    except Exception:  # unreadable or incompatible: retrain (and overwrite)
        return None


def _save_checkpoint(path, model, config: dict, losses: list) -> None:
    import os
    import tempfile

    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    blob = {"state_dict": model.state_dict(), "config": config, "train_loss": losses}
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(blob, fh)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _preset(preset: str) -> dict:
    if preset not in KAN_PRESETS:
        raise ValueError(f"`preset` must be one of {', '.join(KAN_PRESETS)}, got {preset!r}")
    return dict(KAN_PRESETS[preset])


def _train_preset(ds, preset: str, overrides: dict, seed: int, progress: bool) -> KANRun:
    cfg = _preset(preset)
    unknown = sorted(
        set(overrides)
        - {"hidden", "grid", "k", "steps", "epochs", "batch", "lr", "opt", "cache", "cache_dir"}
    )
    if unknown:
        raise TypeError(f"unexpected training option(s): {', '.join(unknown)}")
    if "steps" in overrides:
        cfg.pop("epochs", None)
    elif "epochs" in overrides:
        cfg.pop("steps", None)
    cfg.update(overrides)
    epochs = cfg.pop("epochs", None)
    if epochs is not None:
        e = as_int(epochs, "epochs")
        if e < 1:
            raise ValueError(f"`epochs` must be >= 1, got {epochs!r}")
        b = as_int(cfg["batch"], "batch")
        if b < 1:
            raise ValueError(f"`batch` must be >= 1, got {cfg['batch']!r}")
        cfg["steps"] = e * math.ceil(int(ds.x_train.shape[0]) / b)
    hidden = cfg.pop("hidden")
    run = train_kan(ds, hidden, seed=seed, progress=progress, **cfg)
    run.config.update(dataset=ds.name, source=ds.source, preset=preset, epochs=epochs)
    return run


def train_kan_digits(preset: str = "small", *, seed: int = 0, progress: bool = False, **overrides):
    """Train KAN [64, 64, 10] on scikit-learn's bundled digits (fixed seeded split).

    The data come from ``emp_theory.pruning.data.load_digits_split`` (8×8 images
    scaled to [0, 1], flattened to 64 inputs; stratified split ``test_size=0.25``,
    ``random_state=0``: 1347 training and 450 test images).

    Parameters
    ----------
    preset : {"small", "paper"}, default "small"
        Training recipe from :data:`KAN_PRESETS`.
    seed : int, default 0
        Model and batch seed.
    progress : bool
        Show ``fit``'s progress bar.
    **overrides
        Any of ``hidden``, ``grid``, ``k``, ``steps``, ``epochs``, ``batch``, ``lr``,
        ``opt`` replacing the preset's value, and ``cache``/``cache_dir`` (see
        :func:`train_kan`).

    Returns
    -------
    KANRun

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.2.
    """
    from .pruning.data import load_digits_split

    _preset(preset)
    return _train_preset(load_digits_split(), preset, overrides, seed, progress)


def train_kan_mnist(
    data_dir,
    preset: str = "paper",
    *,
    name: str = "mnist",
    seed: int = 0,
    progress: bool = True,
    **overrides,
):
    """Train KAN [784, 64, 10] on MNIST read from `data_dir` (the paper's Section 5.2).

    The four IDX files are read by ``emp_theory.pruning.data.load_idx_dataset``
    (gzipped or not; nothing is downloaded; images scaled to [0, 1] and flattened to
    784 inputs). ``name="fashion-mnist"`` reads Fashion-MNIST in the same format
    instead (e.g. Debian's ``/usr/share/datasets/fashion-mnist``). The ``"paper"``
    preset trains 10 epochs (``10 * ceil(60000 / 128) = 4690`` Adam steps with batch
    128): 6.6 minutes on Fashion-MNIST on a 2-core CPU (``scripts/kan_784.py``). Score
    with ``compare_kan_pruning(run, n_score=...)`` on a few thousand rows.

    Parameters
    ----------
    data_dir : str or os.PathLike
        Folder with ``train-images-idx3-ubyte[.gz]`` and the three other MNIST files.
    preset : {"paper", "small"}, default "paper"
    name : {"mnist", "fashion-mnist"}, default "mnist"
    seed : int, default 0
    progress : bool, default True
    **overrides
        As in :func:`train_kan_digits`.

    Returns
    -------
    KANRun

    Raises
    ------
    ValueError
        (``IDXError``) if `data_dir` or its files are missing or malformed.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.2:
           [784, 64, 10] -> [784, 47, 10], validation accuracy 97.15% -> 94.36%.
    """
    from .pruning.data import load_idx_dataset

    _preset(preset)
    return _train_preset(load_idx_dataset(data_dir, name), preset, overrides, seed, progress)


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
    torch, _ = _import_kan()
    _check_model(model)
    xt = _as_inputs(x, model)
    yt = _as_labels(y, xt.shape[0], kan_widths(model)[-1])
    save_act = model.save_act
    step = _chunk_rows(model)
    try:
        model.save_act = False
        with _quiet_and_seeded(), torch.no_grad():
            out = torch.cat([model(xt[i : i + step]) for i in range(0, xt.shape[0], step)])
    finally:
        model.save_act = save_act
    return {
        "accuracy": float((out.argmax(dim=1) == yt).double().mean()),
        "loss": float(torch.nn.functional.cross_entropy(out.double(), yt)),
    }


# ---------------------------------------------------------------------------
# Node scores
# ---------------------------------------------------------------------------
#: Elements of one (rows, width[l+1], width[l]) activation array per chunk (64 MiB float32).
_CHUNK_ELEMENTS = 1 << 24


def _chunk_rows(model) -> int:
    """Rows per forward chunk so that pykan's per-edge arrays stay near 64 MiB each."""
    widths = kan_widths(model)
    edges = max(a * b for a, b in itertools.pairwise(widths))
    return max(1, _CHUNK_ELEMENTS // edges)


def _forward_with_acts(model, xt):
    torch, _ = _import_kan()
    with _quiet_and_seeded(), torch.no_grad():
        model.get_act(xt)


def kan_edge_norms(model, x) -> list[np.ndarray]:
    r"""Edge sizes :math:`\|\phi_{l,j,i}\|_1 = \frac1n \sum_s |\phi_{l,j,i}(x^{(s)})|` (Liu et al., 2025, Sec. 2.5.1).

    Runs forward passes on `x` with ``save_act=True`` (``MultKAN.get_act``; ``pykan``
    caches the activations of the last chunk on the model, its parameters are not
    changed) and averages the absolute values of ``model.spline_postacts[l]`` over all
    rows, accumulating in float64 over chunks of rows so that memory stays bounded
    (the mean is the same as in one pass).

    Parameters
    ----------
    model : kan.MultKAN
        A sum-node KAN.
    x : array_like or torch.Tensor, shape (n, width[0])
        The inputs over which the norms are averaged (e.g. the training images).

    Returns
    -------
    list of numpy.ndarray
        One float64 array per layer of edges ``l = 0 .. L-1``, of shape
        ``(width[l+1], width[l])``; entry ``[j, i]`` is :math:`\|\phi_{l,j,i}\|_1`.

    References
    ----------
    .. [1] Liu et al., "KAN: Kolmogorov-Arnold Networks", arXiv:2404.19756, Sec. 2.5.1.
    """
    _check_model(model)
    xt = _as_inputs(x, model)
    step = _chunk_rows(model)
    sums = None
    for i in range(0, xt.shape[0], step):
        _forward_with_acts(model, xt[i : i + step])
        part = [p.detach().abs().double().sum(dim=0) for p in model.spline_postacts]
        sums = part if sums is None else [a + b for a, b in zip(sums, part, strict=True)]
    return [(t / xt.shape[0]).cpu().numpy() for t in sums]


def _edge_attributions(model, x) -> list[np.ndarray]:
    torch, _ = _import_kan()
    xt = _as_inputs(x, model)
    _forward_with_acts(model, xt)
    with _quiet_and_seeded(), torch.no_grad():
        model.attribute()
    return [e.detach().double().cpu().numpy() for e in model.edge_scores]


@dataclass(frozen=True)
class KANNodeScores:
    r"""Incoming, outgoing and EMP scores of the hidden nodes of a KAN.

    Attributes
    ----------
    layers : list of int
        Hidden layer indices ``l = 1 .. L-1``.
    incoming, outgoing, scores : list of numpy.ndarray
        Per hidden layer: :math:`I_{l,i}`, :math:`O_{l,i}` and
        :math:`s_{l,i} = \min\{I_{l,i}, O_{l,i}\}`, one entry per node.
    edges : list of numpy.ndarray
        The per-edge quantities they were formed from, per layer of edges, shape
        ``(width[l+1], width[l])``.
    score : str
        ``"l1"`` or ``"attribution"``.
    """

    layers: list
    incoming: list
    outgoing: list
    scores: list
    edges: list
    score: str


def kan_node_scores(model, x, *, score: str = "l1") -> KANNodeScores:
    r"""Node scores :math:`s_{l,i} = \min\{I_{l,i}, O_{l,i}\}` of every hidden layer (Section 5.2).

    With :math:`E_l[j, i]` the size of edge :math:`(l, i) \to (l+1, j)`,

    .. math::

        I_{l,i} = \max_k E_{l-1}[i, k], \qquad O_{l,i} = \max_j E_l[j, i], \qquad
        s_{l,i} = \min\{I_{l,i}, O_{l,i}\},

    where :math:`E_l[j, i] = \|\phi_{l,j,i}\|_1` (``score="l1"``, the paper's definition,
    :func:`kan_edge_norms`) or ``pykan``'s ``model.edge_scores[l][j, i]`` after
    ``MultKAN.attribute()`` (``score="attribution"``).

    Parameters
    ----------
    model : kan.MultKAN
        A sum-node KAN with at least one hidden layer.
    x : array_like or torch.Tensor, shape (n, width[0])
        Inputs for the forward pass (e.g. the training set).
    score : {"l1", "attribution"}, default "l1"

    Returns
    -------
    KANNodeScores

    Raises
    ------
    ValueError
        If `score` is unknown, `x` is empty, non-finite or of the wrong width, or the
        model has no hidden layer or has multiplication nodes.
    TypeError
        If `model` is not a ``pykan`` model or `x` is not numeric.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.2.
    .. [2] Liu et al., "KAN: Kolmogorov-Arnold Networks", arXiv:2404.19756, Sec. 2.5.1.
    """
    if score not in _SCORES:
        raise ValueError(f"`score` must be one of {', '.join(_SCORES)}, got {score!r}")
    _check_model(model)
    edges = kan_edge_norms(model, x) if score == "l1" else _edge_attributions(model, x)
    layers = list(range(1, model.depth))
    incoming = [edges[l - 1].max(axis=1) for l in layers]
    outgoing = [edges[l].max(axis=0) for l in layers]
    scores = [np.minimum(a, b) for a, b in zip(incoming, outgoing, strict=True)]
    return KANNodeScores(layers, incoming, outgoing, scores, edges, score)


# ---------------------------------------------------------------------------
# Pruning
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class KANPruneReport:
    """What a node pruning of a KAN did.

    Attributes
    ----------
    method : str
        ``"emp"``, ``"pykan"`` or ``"io"``.
    width_before, width_after : list of int
        Nodes per layer before and after.
    kept : list of list of int
        Kept node indices of each hidden layer (ascending).
    n_eff, k : list of int
        Per hidden layer, :math:`N_{\\mathrm{eff}}` of the scores and the number kept
        :math:`\\nu` (EMP only; empty otherwise).
    beta, threshold : float or None
        The EMP coefficient or the threshold used.
    scores : KANNodeScores or None
        The scores used by ``"emp"``/``"io"``.
    """

    method: str
    width_before: list
    width_after: list
    kept: list
    n_eff: list
    k: list
    beta: float | None
    threshold: float | None
    scores: KANNodeScores | None

    def as_dict(self) -> dict:
        """JSON-friendly summary (without the score arrays)."""
        return {
            "method": self.method,
            "width_before": list(self.width_before),
            "width_after": list(self.width_after),
            "kept": [list(k) for k in self.kept],
            "n_eff": list(self.n_eff),
            "k": list(self.k),
            "beta": self.beta,
            "threshold": self.threshold,
        }


def _check_nonempty(kept, threshold) -> None:
    for l, k in enumerate(kept, start=1):
        if len(k) == 0:
            raise ValueError(
                f"`threshold` = {threshold!r} removes every node of hidden layer {l}; "
                "the pruned network would be constant"
            )


def _prune_copy(model, xt, kept=None, threshold=None):
    """Prune a deep copy of `model` with ``prune_node``: manual (`kept`) or auto (`threshold`).

    ``prune_node`` zeroes the masks of the model it runs on and needs activations saved
    by a forward pass (it loops over ``acts_scale``), so it runs on a copy after
    ``get_act(xt)``. In auto mode the kept nodes are those whose attribution
    ``node_scores[l]`` (from ``attribute()`` on `xt`) exceeds `threshold`, exactly as
    ``prune_node`` decides. Returns the pruned model and the kept indices.
    """
    torch, _ = _import_kan()
    work = _clone(model)
    work.auto_save = False
    with _quiet_and_seeded(), torch.no_grad():
        if kept is not None:
            # manual mode only needs saved activations to exist: a few rows suffice
            work.get_act(xt[:256])
            pruned = work.prune_node(
                mode="manual",
                active_neurons_id=[torch.as_tensor(k, dtype=torch.long) for k in kept],
                log_history=False,
            )
        else:
            work.get_act(xt)
            work.attribute()
            kept = [
                np.flatnonzero(work.node_scores[l].detach().cpu().numpy() > threshold).tolist()
                for l in range(1, work.depth)
            ]
            _check_nonempty(kept, threshold)
            pruned = work.prune_node(threshold=threshold, mode="auto", log_history=False)
    _restore_flags(pruned, model)
    return pruned, kept


def _restore_flags(pruned, model):
    """Undo what ``prune_node`` resets when it rebuilds the model."""
    pruned.auto_save = False
    pruned.symbolic_enabled = model.symbolic_enabled
    pruned.save_act = model.save_act
    pruned.ckpt_path = model.ckpt_path
    pruned.grid_eps = model.grid_eps
    pruned.grid_range = model.grid_range
    pruned.affine_trainable = model.affine_trainable
    pruned.sp_trainable = model.sp_trainable
    pruned.sb_trainable = model.sb_trainable


def emp_prune_kan(model, x, beta: float = 1.0, *, score: str = "l1"):
    r"""Prune the hidden nodes of a KAN with EMP on :math:`s = \min\{I, O\}` (Section 5.2).

    In every hidden layer :math:`l` the :math:`\nu_l = \mathrm{clip}(\lfloor \beta
    N_{\mathrm{eff}}(s_l) \rfloor, 1, N_l)` nodes of largest :math:`s_{l,i}` are kept
    (:func:`emp_theory.effective.emp_mask`; ties keep the lower index) and the others removed with
    ``pykan``'s ``MultKAN.prune_node(mode="manual", active_neurons_id=...)``, which drops
    their incoming and outgoing edge functions. The model is not retrained.

    Parameters
    ----------
    model : kan.MultKAN
        The dense model; it is not modified (``prune_node`` runs on a deep copy).
    x : array_like or torch.Tensor, shape (n, width[0])
        Inputs over which the edge sizes are measured (e.g. the training set).
    beta : float, default 1.0
        EMP coefficient :math:`\beta > 0` of Algorithm 1.
    score : {"l1", "attribution"}, default "l1"
        Edge size used in :math:`I` and :math:`O` (see :func:`kan_node_scores`).

    Returns
    -------
    pruned : kan.MultKAN
        A smaller model of width ``[width[0], nu_1, ..., nu_{L-1}, width[L]]``.
    report : KANPruneReport

    Raises
    ------
    ValueError
        If `beta` is not finite and > 0, `x` is invalid, or a hidden layer has all
        scores zero (EMP's weights :math:`\omega = |s|/\|s\|_1` are then undefined).
    TypeError
        If `model` is not a ``pykan`` model.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.2 and
           Algorithm 1.
    .. [2] Liu et al., "KAN: Kolmogorov-Arnold Networks", arXiv:2404.19756, Sec. 2.5.1.
    """
    b = as_positive_finite(beta, "beta")
    ns = kan_node_scores(model, x, score=score)
    kept, neffs, nus = [], [], []
    for l, s in zip(ns.layers, ns.scores, strict=True):
        if not np.all(np.isfinite(s)):
            raise ValueError(f"`model` hidden layer {l} has non-finite node scores")
        if not np.any(s):
            raise ValueError(f"`model` hidden layer {l} has all-zero node scores")
        mask = np.asarray(emp_mask(s, b))
        kept.append(np.flatnonzero(mask).tolist())
        neffs.append(n_eff(s))
        nus.append(keep_count(s, b))
    before = kan_widths(model)
    pruned, _ = _prune_copy(model, _as_inputs(x, model), kept=kept)
    report = KANPruneReport(
        method="emp",
        width_before=before,
        width_after=kan_widths(pruned),
        kept=kept,
        n_eff=neffs,
        k=nus,
        beta=b,
        threshold=None,
        scores=ns,
    )
    return pruned, report


def threshold_prune_kan(model, x, threshold: float = 1e-2, *, rule: str = "pykan"):
    r"""Threshold node pruning: ``pykan``'s own rule or Liu et al.'s :math:`\min\{I, O\} > \theta`.

    ``rule="pykan"`` calls ``MultKAN.prune_node(threshold)`` of ``pykan`` 0.2.8, which
    keeps hidden node :math:`(l, i)` when its attribution ``model.node_scores[l][i]`` (after
    ``MultKAN.attribute()`` on `x`) exceeds `threshold`. ``rule="io"`` keeps it when
    :math:`s_{l,i} = \min\{I_{l,i}, O_{l,i}\} > \theta` with the L1 edge sizes of
    :func:`kan_node_scores` (Liu et al., 2025, Section 2.5.1: a node is important when
    both its incoming and outgoing scores exceed :math:`\theta`).

    Parameters
    ----------
    model : kan.MultKAN
        The dense model (not modified).
    x : array_like or torch.Tensor, shape (n, width[0])
    threshold : float, default 1e-2
        :math:`\theta \ge 0`.
    rule : {"pykan", "io"}

    Returns
    -------
    pruned : kan.MultKAN
    report : KANPruneReport

    Raises
    ------
    ValueError
        If `threshold` is negative or not finite, `rule` is unknown, `x` is invalid, or
        the rule would remove every node of a hidden layer.
    TypeError
        If `threshold` is not a real number or `model` is not a ``pykan`` model.

    References
    ----------
    .. [1] Liu et al., "KAN: Kolmogorov-Arnold Networks", arXiv:2404.19756, Sec. 2.5.1.
    .. [2] Liu et al., "KAN 2.0", arXiv:2408.10205 (attribution scores).
    """
    if isinstance(threshold, bool | np.bool_) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"`threshold` must be a real number, got {type(threshold).__name__}")
    th = float(threshold)
    if not math.isfinite(th) or th < 0:
        raise ValueError(f"`threshold` must be finite and >= 0, got {threshold!r}")
    if rule not in _RULES:
        raise ValueError(f"`rule` must be one of {', '.join(_RULES)}, got {rule!r}")
    _check_model(model)
    xt = _as_inputs(x, model)
    if rule == "io":
        ns = kan_node_scores(model, xt, score="l1")
        kept = [np.flatnonzero(s > th).tolist() for s in ns.scores]
        _check_nonempty(kept, threshold)
        pruned, _ = _prune_copy(model, xt, kept=kept)
    else:
        ns = None
        pruned, kept = _prune_copy(model, xt, threshold=th)
    report = KANPruneReport(
        method=rule,
        width_before=kan_widths(model),
        width_after=kan_widths(pruned),
        kept=kept,
        n_eff=[],
        k=[],
        beta=None,
        threshold=th,
        scores=ns,
    )
    return pruned, report


def compare_kan_pruning(
    run: KANRun, *, beta: float = 1.0, threshold: float = 1e-2, n_score: int | None = None
) -> list:
    r"""Dense vs EMP vs threshold pruning of a trained KAN: width, accuracy and loss.

    The node scores are measured on the training inputs (the first `n_score` of them);
    accuracy and cross-entropy on the test split, and the training accuracy on the same
    `n_score` rows. No pruned model is retrained.

    Parameters
    ----------
    run : KANRun
        From :func:`train_kan`, :func:`train_kan_digits` or :func:`train_kan_mnist`.
    beta : float, default 1.0
        EMP coefficient.
    threshold : float, default 1e-2
        :math:`\theta` of both threshold rules (``pykan``'s default).
    n_score : int, optional
        Number of training rows the scores are measured on (default: all). ``pykan``'s
        attribution keeps about four ``(n, width[l+1], width[l])`` float32 arrays, so on
        MNIST ([784, 64, 10]) use a few thousand rows at most.

    Returns
    -------
    list of dict
        Rows ``dense``, ``emp`` (:math:`s = \min\{I, O\}`, L1 edge sizes),
        ``emp-attribution`` (the same with ``pykan``'s edge attributions), ``pykan``
        (``prune_node(threshold)``) and ``io`` (:math:`\min\{I, O\} > \theta`), each with
        ``method``, ``width``, ``test_accuracy``, ``test_loss``, ``train_accuracy`` and
        ``report`` (a :class:`KANPruneReport`, ``None`` for the dense model).

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.2.
    """
    if not isinstance(run, KANRun):
        raise TypeError(f"`run` must be a KANRun, got {type(run).__name__}")
    d = run.data
    xtr = d["train_input"]
    if n_score is not None:
        ns = as_int(n_score, "n_score")
        if ns < 1:
            raise ValueError(f"`n_score` must be >= 1, got {n_score!r}")
        xs = xtr[:ns]
    else:
        xs = xtr
    candidates = [
        ("dense", run.model, None),
        ("emp", *emp_prune_kan(run.model, xs, beta)),
        ("emp-attribution", *emp_prune_kan(run.model, xs, beta, score="attribution")),
        ("pykan", *threshold_prune_kan(run.model, xs, threshold, rule="pykan")),
        ("io", *threshold_prune_kan(run.model, xs, threshold, rule="io")),
    ]
    rows = []
    for name, m, rep in candidates:
        te = evaluate_kan(m, d["test_input"], d["test_label"])
        tr = evaluate_kan(m, xs, d["train_label"][: xs.shape[0]])
        rows.append(
            {
                "method": name,
                "width": kan_widths(m),
                "test_accuracy": te["accuracy"],
                "test_loss": te["loss"],
                "train_accuracy": tr["accuracy"],
                "report": rep,
            }
        )
    return rows
