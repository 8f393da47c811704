r"""The KAN checkpoint cache: one file per trained model, keyed and digest-checked.

A trained model lives at ``<cache>/kan/kan-<key>.pt`` (``<cache>`` from
:func:`emp_theory.pruning.cache_dir`), with ``<key>`` = :func:`!emp_theory._cache.cache_key`
of the training configuration (width, grid, spline degree ``k``, optimizer, steps, batch,
learning rate, seed, loss), the data's fingerprint
(:func:`~emp_theory.experiments.kan.data.data_fingerprint`), the torch and pykan
versions and the layout :data:`FORMAT`. The file holds the ``state_dict``, the
configuration and the per-step training losses; it is written with
:func:`!emp_theory._cache.atomic_write` (``digest=True``) and trusted only when
:func:`!emp_theory._cache.verify_digest` confirms its bytes. No paper symbol is involved.
"""

from __future__ import annotations

import warnings
from importlib.metadata import version
from pathlib import Path

from ..._cache import CACHE_ENV, atomic_write, cache_dir, cache_key, verify_digest
from .data import data_fingerprint

__all__ = ["CACHE_ENV", "FORMAT", "checkpoint_path", "load_checkpoint", "save_checkpoint"]

#: Bumped when the checkpoint layout changes (part of the key). 2: digest sidecar.
FORMAT = 2


def checkpoint_path(config: dict, d: dict, folder=None) -> Path:
    """``<cache>/kan/kan-<key>.pt`` for the training `config` on the dataset dict `d`."""
    import torch

    payload = {
        "config": config,
        "data": data_fingerprint(d),
        "torch": torch.__version__,
        "pykan": version("pykan"),
        "format": FORMAT,
    }
    return cache_dir(folder) / "kan" / f"kan-{cache_key(payload)}.pt"


def load_checkpoint(path: Path, model):
    """Load the state saved at `path` into `model`; return the training losses, or None.

    None when there is no file; None with a warning naming the file when its digest
    does not match (or is missing) or it cannot be loaded into `model` (then the caller
    retrains and overwrites it).
    """
    import torch

    path = Path(path)
    if not path.is_file():
        return None
    if not verify_digest(path):
        warnings.warn(
            f"KAN checkpoint {path} does not match its digest file "
            f"{path.name}.sha256 (missing or different): retraining",
            stacklevel=3,
        )
        return None
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(blob["state_dict"])
        return [float(v) for v in blob["train_loss"]]
    except Exception as exc:  # unreadable or incompatible: retrain (and overwrite)
        warnings.warn(f"KAN checkpoint {path} cannot be loaded ({exc}): retraining", stacklevel=3)
        return None


def save_checkpoint(path: Path, model, config: dict, losses: list) -> Path:
    """Write `model`'s state, `config` and `losses` to `path` atomically, with its digest."""
    import torch

    blob = {"state_dict": model.state_dict(), "config": config, "train_loss": losses}
    return atomic_write(path, lambda fh: torch.save(blob, fh), digest=True)
