r"""Training a classification KAN with ``pykan``'s ``fit``: presets, digits, MNIST.

:func:`train_kan` trains ``[d, *hidden, n_classes]`` on the cross-entropy of the raw
outputs; :func:`train_kan_digits` and :func:`train_kan_mnist` apply a preset of
:data:`KAN_PRESETS` to scikit-learn's bundled digits or to MNIST-format IDX files.
``grid`` is the number of spline intervals, ``k`` the spline degree (``pykan``'s names;
not EMP's kept count), ``steps``/``batch``/``lr``/``opt`` the optimizer's settings and
``seed`` the seed of the initialization and of the batch draws. With ``cache=True`` a
trained model is reused from the checkpoint cache (:mod:`emp_theory.experiments.kan.cache`).

References
----------
.. [1] Z. Liu et al., "KAN: Kolmogorov-Arnold Networks", arXiv:2404.19756.
.. [2] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606, Section 5.2.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from ..._validation import as_int, as_positive_finite
from .backend import import_kan, quiet_and_seeded
from .cache import checkpoint_path, load_checkpoint, save_checkpoint
from .data import kan_dataset
from .model import make_kan

__all__ = ["KAN_PRESETS", "KANRun", "train_kan", "train_kan_digits", "train_kan_mnist"]

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


@dataclass
class KANRun:
    """A trained KAN with its data and training configuration.

    Attributes
    ----------
    model : kan.MultKAN
        The trained dense model.
    data : dict
        ``pykan``'s dataset dict (see :func:`~emp_theory.experiments.kan.data.kan_dataset`).
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
    ``seed`` and ``fit`` draws its batches from NumPy's global generator, reseeded here
    with the same ``seed``; torch runs with ``use_deterministic_algorithms(True)``. The same arguments give bit-identical models
    on the same machine and torch build (the caller's generators and torch's
    deterministic flag are restored).

    Parameters
    ----------
    data : Dataset or dict
        See :func:`.kan_dataset`; the number of classes is ``max(train_label) + 1``.
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
        convention) and ``<key>`` is :func:`!emp_theory._cache.cache_key` of the
        configuration, the data's fingerprint (all four tensors) and the torch and pykan
        versions (:func:`~emp_theory.experiments.kan.cache.checkpoint_path`). It is
        written atomically with a ``.sha256`` digest beside it; a file whose digest does
        not match, or that cannot be read, is reported with a warning and the model is
        retrained (and the file rewritten).
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
    torch, _ = import_kan()
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
        path = checkpoint_path(config, d, cache_dir)
        saved = load_checkpoint(path, model)
        if saved is not None:
            return KANRun(model, d, {**config, "cached": True}, saved)
        if path.is_file():  # a failed load may have copied part of the state: start afresh
            model = make_kan(width, grid=grid, k=k, seed=seed)
    # fit evaluates a random "test" batch of the same size at every step, for its log
    # only; give it the training split there, so it never sees the test split and the
    # batch size is bounded by the training set alone.
    fit_data = {
        "train_input": d["train_input"],
        "train_label": d["train_label"],
        "test_input": d["train_input"],
        "test_label": d["train_label"],
    }
    with quiet_and_seeded(progress):
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
        save_checkpoint(path, model, config, losses)
    return KANRun(model, d, {**config, "cached": False}, losses)


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
    from ...pruning.data import load_digits_split

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
    from ...pruning.data import load_idx_dataset

    _preset(preset)
    return _train_preset(load_idx_dataset(data_dir, name), preset, overrides, seed, progress)
