"""The PyTorch pruning path of :mod:`emp_theory`: EMP as a ``torch.nn.utils.prune`` method.

This sub-package is the only place where ``torch`` is imported. Its modules:

``method``    :class:`EMPUnstructured`, :class:`EMPRowwise`, :func:`emp_unstructured`,
              :func:`emp_rowwise`, :func:`global_emp_unstructured`, :func:`emp_records`
``criteria``  magnitude, Taylor, gradient saliency, OBD (Hutchinson), Wanda scores
``scopes``    :func:`prune_model` (global / block / row), :func:`fixed_amount_prune`
``models``    FC2, FC5, FC12 (Table 3) and a small CNN
``data``      scikit-learn digits (bundled) and MNIST / Fashion-MNIST IDX files
``training``  Appendix B.1 training, a fast digits preset, a cache of checkpoints
``sweep``     the beta-sweep behind ``emp-theory sweep`` (Figure 3, Tables 4 and 9)
``cli``       ``register(subparsers)`` for the ``emp-theory`` command

Names are imported lazily, so ``import emp_theory.pruning.cli`` (used by
``emp-theory --help``) does not import torch.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "EMPRecord": "method",
    "EMPRowwise": "method",
    "EMPUnstructured": "method",
    "clear_emp_records": "method",
    "emp_records": "method",
    "emp_rowwise": "method",
    "emp_unstructured": "method",
    "global_emp_unstructured": "method",
    "CRITERIA": "criteria",
    "compute_scores": "criteria",
    "hutchinson_diag_hessian": "criteria",
    "magnitude": "criteria",
    "obd": "criteria",
    "saliency": "criteria",
    "taylor": "criteria",
    "wanda": "criteria",
    "SCOPES": "scopes",
    "PruneResult": "scopes",
    "fixed_amount_prune": "scopes",
    "prune_model": "scopes",
    "MODELS": "models",
    "FCNet": "models",
    "SmallCNN": "models",
    "build_model": "models",
    "prunable_parameters": "models",
    "DEBIAN_FASHION_MNIST_DIR": "data",
    "Dataset": "data",
    "IDXError": "data",
    "load_dataset": "data",
    "load_digits_split": "data",
    "load_idx_dataset": "data",
    "read_idx": "data",
    "write_idx": "data",
    "TrainConfig": "training",
    "cache_dir": "training",
    "default_config": "training",
    "evaluate": "training",
    "load_or_train": "training",
    "train": "training",
    "DEFAULT_BETAS": "sweep",
    "SweepResult": "sweep",
    "format_layers": "sweep",
    "format_table": "sweep",
    "run_sweep": "sweep",
    "to_csv": "sweep",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'emp_theory.pruning' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{mod}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
