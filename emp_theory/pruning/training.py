r"""Training the dense models, with checkpoints cached by their full configuration.

Presets
-------
MNIST / Fashion-MNIST follow the paper's Appendix B.1: Adam (PyTorch defaults
otherwise), learning rate :math:`10^{-4}`, no schedule, no warm-up, weight decay
0, batch size 128; FC2 and FC5 for 5 epochs, FC12 for 10 epochs. The small CNN is
not in the paper; it uses the FC2/FC5 setting (5 epochs). The inputs are standardized
by :func:`emp_theory.pruning.data.load_dataset` as the paper's public code does.

The bundled digits (1347 training images) need a faster recipe to train in
seconds (:data:`DIGITS_PRESET`, our choice, not the paper's): Adam with a cosine
learning-rate decay (the schedule of Appendix B.1 without warm-up,
:math:`\mathrm{lr}(t) = \mathrm{lr}_0 \cdot \tfrac12 (1 + \cos(\pi t / T))` over
the :math:`T` optimizer steps) and

=====  ======  =========================  ==========
model  epochs  :math:`\mathrm{lr}_0`      batch size
=====  ======  =========================  ==========
FC2    50      :math:`10^{-3}`            64
FC5    15      :math:`10^{-3}`            64
FC12   10      :math:`5\cdot 10^{-4}`     32
CNN    20      :math:`10^{-3}`            64
=====  ======  =========================  ==========

(the 12-layer FC12 needs a smaller rate and more steps on so few images).

The model kept is the one after the last epoch. The paper's public code instead
keeps the epoch of highest *test* accuracy (``train_models.ipynb`` saves
``*_best.pth`` whenever it improves); we do not select on the test set, and record the
test accuracy after every epoch in the info (``"epoch_test_accuracy"``) so that the
difference can be measured. Shuffling, initialisation and the loss match that code:
a fresh permutation of the training set every epoch, the last batch smaller (no
``drop_last``), PyTorch's default ``nn.Linear`` initialisation, mean cross-entropy.

Reproducibility
---------------
``torch.manual_seed(seed)`` before the model is built, a seeded
``torch.Generator`` for the shuffling, and ``torch.use_deterministic_algorithms``
switched on while training (then restored): the same configuration gives the same
weights on the same machine and PyTorch build.

Cache
-----
Checkpoints live in ``<cache>/checkpoints/<model>-<dataset>-<key>.pt`` where
``<cache>`` is, in order, the ``cache_dir`` argument (CLI ``--cache-dir``), the
environment variable ``EMP_THEORY_CACHE``, or ``~/.cache/emp_theory``
(:func:`emp_theory.pruning.cache_dir`); ``<key>`` is
:func:`!emp_theory._cache.cache_key` of the full :class:`TrainConfig`, the data's
fingerprint (a hash of all four tensors), the input shape, the PyTorch version and
a format version. A checkpoint is written with :func:`!emp_theory._cache.atomic_write`
(a temporary file in the same folder moved into place with :func:`os.replace`, so
an interrupted run never leaves a partial file) together with its SHA-256 sidecar
``<name>.pt.sha256``. A checkpoint is trusted only when the sidecar matches its
bytes (:func:`!emp_theory._cache.verify_digest`); a mismatched or unreadable
checkpoint is ignored with a warning naming the file, and retrained.
``use_cache=False`` (CLI ``--no-cache``) retrains and overwrites.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Appendix B.1.
.. [2] D. P. Kingma, J. Ba, "Adam: a method for stochastic optimization", ICLR 2015.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from .._cache import CACHE_ENV, atomic_write, cache_dir, cache_key, verify_digest
from ..paper import APPENDIX_B1_EPOCHS
from .data import Dataset
from .models import build_model
from .names import DATASETS, IDX_DATASETS, MODELS
from .progress import bar_disabled, log_line

__all__ = [
    "CACHE_ENV",
    "DIGITS_PRESET",
    "PAPER_EPOCHS",
    "TrainConfig",
    "batches",
    "cache_dir",
    "default_config",
    "evaluate",
    "load_or_train",
    "train",
]

#: Bumped when the checkpoint layout changes (2: written with a SHA-256 sidecar).
_FORMAT = 2
#: Digits preset: model -> (epochs, learning rate, batch size), cosine schedule.
DIGITS_PRESET = {
    "fc2": (50, 1e-3, 64),
    "fc5": (15, 1e-3, 64),
    "fc12": (10, 5e-4, 32),
    "cnn": (20, 1e-3, 64),
}
#: Epochs on MNIST / Fashion-MNIST: FC2, FC5, FC12 from Appendix B.1
#: (:data:`emp_theory.paper.APPENDIX_B1_EPOCHS`); the CNN is not in the paper, its
#: 5 epochs (the FC2/FC5 setting) are our choice.
PAPER_EPOCHS = {**APPENDIX_B1_EPOCHS, "cnn": 5}


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a trained model.

    Attributes
    ----------
    model : str
        ``"fc2"``, ``"fc5"``, ``"fc12"`` or ``"cnn"``.
    dataset : str
        ``"digits"``, ``"mnist"`` or ``"fashion-mnist"``.
    epochs, batch_size : int
    lr : float
        Adam learning rate.
    seed : int
        Seed of the initialisation and of the shuffling.
    weight_decay : float
    schedule : {"none", "cosine"}
        Constant learning rate, or cosine decay to 0 over all steps (no warm-up).
    """

    model: str
    dataset: str
    epochs: int
    lr: float
    batch_size: int
    seed: int = 0
    weight_decay: float = 0.0
    schedule: str = "none"

    def __post_init__(self):
        if self.model not in MODELS:
            raise ValueError(f"`model` must be one of {', '.join(MODELS)}, got {self.model!r}")
        for name in ("epochs", "batch_size"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"`{name}` must be a positive integer, got {v!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise TypeError(f"`seed` must be an integer, got {self.seed!r}")
        if not (isinstance(self.lr, int | float) and 0 < self.lr < float("inf")):
            raise ValueError(f"`lr` must be a finite number > 0, got {self.lr!r}")
        if not (isinstance(self.weight_decay, int | float) and self.weight_decay >= 0):
            raise ValueError(f"`weight_decay` must be >= 0, got {self.weight_decay!r}")
        if self.schedule not in ("none", "cosine"):
            raise ValueError(f"`schedule` must be 'none' or 'cosine', got {self.schedule!r}")

    def key(self, data: Dataset) -> str:
        """:func:`!emp_theory._cache.cache_key` (16 hex digits) of the config, the data and torch.

        The key covers the configuration, the data's fingerprint and input shape,
        the PyTorch version and the checkpoint format.
        """
        return cache_key(
            {
                "config": asdict(self),
                "data": data.fingerprint(),
                "input_shape": list(data.input_shape),
                "torch": torch.__version__,
                "format": _FORMAT,
            }
        )


def default_config(model: str, dataset: str, *, seed: int = 0) -> TrainConfig:
    """The preset of `model` on `dataset`: Appendix B.1 for MNIST/F-MNIST, the fast digits recipe."""
    if model not in MODELS:
        raise ValueError(f"`model` must be one of {', '.join(MODELS)}, got {model!r}")
    if dataset == "digits":
        epochs, lr, batch = DIGITS_PRESET[model]
        return TrainConfig(model, dataset, epochs, lr, batch, seed, schedule="cosine")
    if dataset in IDX_DATASETS:
        return TrainConfig(model, dataset, PAPER_EPOCHS[model], 1e-4, 128, seed)
    raise ValueError(f"`dataset` must be one of {', '.join(DATASETS)}, got {dataset!r}")


def batches(x, y, batch_size: int, *, shuffle: bool = False, generator=None):
    """Yield ``(x[idx], y[idx])`` mini-batches (a seeded permutation if `shuffle`)."""
    n = int(x.shape[0])
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield x[idx], y[idx]


@torch.no_grad()
def evaluate(model: nn.Module, x, y, *, batch_size: int = 1000) -> tuple[float, float]:
    """Return ``(accuracy, mean cross-entropy)`` of `model` on ``(x, y)`` (eval mode)."""
    was = model.training
    model.eval()
    correct = 0
    loss = 0.0
    dev = next(model.parameters()).device
    for xb, yb in batches(x, y, batch_size):
        xb, yb = xb.to(dev), yb.to(dev)
        out = model(xb)
        loss += float(F.cross_entropy(out, yb, reduction="sum"))
        correct += int((out.argmax(1) == yb).sum())
    model.train(was)
    n = int(x.shape[0])
    return correct / n, loss / n


@contextlib.contextmanager
def _deterministic():
    prev = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(prev)


def train(
    config: TrainConfig, data: Dataset, *, progress: bool | None = True
) -> tuple[nn.Module, dict]:
    """Build ``config.model`` for `data` and train it with Adam; return ``(model, info)``.

    ``info`` holds the dense test accuracy and loss, the final training loss, the
    test accuracy after every epoch (``"epoch_test_accuracy"``, only recorded: the
    model returned is the last epoch's, see the module docstring) and the wall time.
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"`config` must be a TrainConfig, got {type(config).__name__}")
    from tqdm.auto import tqdm

    model = build_model(config.model, data.input_shape, seed=config.seed)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    gen = torch.Generator().manual_seed(config.seed)
    n_steps = -(-int(data.x_train.shape[0]) // config.batch_size)
    total = config.epochs * n_steps
    sched = None
    if config.schedule == "cosine":
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda t: 0.5 * (1.0 + math.cos(math.pi * min(t, total) / total))
        )
    t0 = time.perf_counter()
    last = float("nan")
    history: list[float] = []
    model.train()
    with _deterministic():
        bar = tqdm(
            total=config.epochs * n_steps,
            desc=f"train {config.model}/{config.dataset}",
            disable=bar_disabled(progress),
            leave=False,
            unit="step",
        )
        log_line(
            progress,
            f"train {config.model}/{config.dataset}: {config.epochs} epochs x {n_steps} steps",
        )
        for _epoch in range(config.epochs):
            run = 0.0
            for xb, yb in batches(
                data.x_train, data.y_train, config.batch_size, shuffle=True, generator=gen
            ):
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
                run += loss.item()
                bar.update(1)
            last = run / n_steps
            history.append(evaluate(model, data.x_test, data.y_test)[0])
            bar.set_postfix(loss=f"{last:.4f}")
        bar.close()
    acc, test_loss = evaluate(model, data.x_test, data.y_test)
    log_line(
        progress,
        f"trained {config.model}/{config.dataset} in {time.perf_counter() - t0:.1f} s: "
        f"train loss {last:.4f}, test accuracy {acc:.4f}",
    )
    info = {
        "test_accuracy": acc,
        "test_loss": test_loss,
        "train_loss": last,
        "epoch_test_accuracy": history,
        "seconds": time.perf_counter() - t0,
        "config": asdict(config),
    }
    return model, info


def _checkpoint_path(config: TrainConfig, data: Dataset, root: Path) -> Path:
    return root / "checkpoints" / f"{config.model}-{config.dataset}-{config.key(data)}.pt"


def degenerate(model) -> str | None:
    """Why `model` cannot be pruned meaningfully (NaN/inf or all-zero weights), or None."""
    params = [p for n, p in model.named_parameters() if n.endswith("weight")]
    for name, p in model.named_parameters():
        if p.is_floating_point() and not bool(torch.isfinite(p).all()):
            return f"parameter {name} holds NaN or inf"
    if params and all(not bool(p.any()) for p in params):
        return "weights are all zero"
    return None


def load_or_train(
    config: TrainConfig,
    data: Dataset,
    *,
    cache: str | os.PathLike | None = None,
    use_cache: bool = True,
    progress: bool | None = True,
) -> tuple[nn.Module, dict]:
    """Return the trained model of `config` on `data`, from the cache if possible.

    Parameters
    ----------
    config : TrainConfig
    data : Dataset
    cache : path, optional
        Cache folder (default :func:`~emp_theory.pruning.cache_dir`).
    use_cache : bool, default True
        False retrains and overwrites the checkpoint (CLI ``--no-cache``).
    progress : bool or None, default True
        Show a tqdm bar while training; None: a bar on a terminal, otherwise one plain
        line when training starts and ends (:mod:`emp_theory.pruning.progress`).

    Returns
    -------
    (torch.nn.Module, dict)
        The model in eval mode and its info (``"cached"`` tells whether it was loaded,
        ``"path"`` where it is stored).
    """
    root = cache_dir(cache)
    path = _checkpoint_path(config, data, root)
    if use_cache and path.is_file() and not verify_digest(path):
        warnings.warn(
            f"ignoring checkpoint {path}: its SHA-256 does not match {path.name}.sha256 "
            "(damaged file, or no digest); retraining",
            stacklevel=2,
        )
    elif use_cache and path.is_file():
        try:
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
            model = build_model(config.model, data.input_shape, seed=config.seed)
            model.load_state_dict(ckpt["state_dict"])
            bad = degenerate(model)
            if bad:
                raise ValueError(bad)
            info = dict(ckpt["info"])
            if info.get("config") != asdict(config):
                raise ValueError("configuration mismatch")
            info.update(cached=True, path=str(path))
            model.eval()
            log_line(progress, f"loaded {config.model}/{config.dataset} from {path}")
            return model, info
        except Exception as exc:  # corrupt or foreign file: retrain
            warnings.warn(f"ignoring unreadable checkpoint {path}: {exc}", stacklevel=2)
    model, info = train(config, data, progress=progress)
    bad = degenerate(model)
    if bad:
        raise ValueError(f"training {config.model} on {config.dataset} gave a model whose {bad}")
    ckpt = {"state_dict": model.state_dict(), "info": info}
    try:
        atomic_write(path, lambda fh: torch.save(ckpt, fh), digest=True)
    except OSError as exc:
        warnings.warn(f"could not write checkpoint {path}: {exc}", stacklevel=2)
    info = dict(info, cached=False, path=str(path))
    model.eval()
    return model, info
