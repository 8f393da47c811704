r"""KAN data: ``pykan``'s dataset dict from a :class:`emp_theory.pruning.data.Dataset` or a dict.

:func:`kan_dataset` gives ``float32`` inputs of shape ``(n, d)`` (images flattened) and
``int64`` labels; :func:`data_fingerprint` is the SHA-256 of its four tensors (shapes,
dtypes and bytes), the data part of the checkpoint key of
:mod:`emp_theory.experiments.kan.cache`. No paper symbol is involved.
"""

from __future__ import annotations

import hashlib

from .backend import import_kan
from .model import as_labels

__all__ = ["data_fingerprint", "kan_dataset"]

#: The four tensors of a dataset dict, in fingerprint order.
DATA_KEYS = ("train_input", "train_label", "test_input", "test_label")


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
    torch, _ = import_kan()
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
        out[f"{split}_label"] = as_labels(
            out[f"{split}_label"], x.shape[0], 1 << 30, f"data[{split}_label]"
        )
    if out["train_input"].shape[1] != out["test_input"].shape[1]:
        raise ValueError("`data` train_input and test_input have different widths")
    return out


def data_fingerprint(d: dict) -> str:
    """Hex SHA-256 of the four tensors of a :func:`kan_dataset` dict (names, shapes, dtypes, bytes)."""
    h = hashlib.sha256()
    for key in DATA_KEYS:
        t = d[key].contiguous()
        h.update(f"{key}{tuple(t.shape)}{t.dtype}".encode())
        h.update(memoryview(t.numpy()).cast("B"))
    return h.hexdigest()
