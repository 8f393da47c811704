"""The PyTorch pruning path of :mod:`emp_theory`: EMP as a ``torch.nn.utils.prune`` method.

This sub-package is the only place where ``torch`` is imported. Its modules:

================  ======================================================================
``names``         the accepted model, dataset, scope and criterion names (torch-free)
``torch_method``  :class:`.EMPUnstructured`, :class:`.EMPRowwise`, :class:`.EMPStructured`
                  (Algorithm 1 in ``compute_mask``)
``functional``    :func:`.emp_unstructured`, :func:`.emp_rowwise`, :func:`.emp_structured`,
                  :func:`.global_emp_unstructured`
``records``       :class:`.EMPRecord`, :func:`.emp_records`, :func:`.clear_emp_records`
``method``        re-exports the three above (the former single module)
``targets``       which tensors are pruned: layer types, fully qualified names, include/exclude
``criteria``      magnitude, Taylor, gradient saliency, OBD (Hutchinson), Wanda scores
``calibration``   the criteria's batches, loss / calibration function, devices
``scopes``        :func:`.prune_model` (global / block / row / structured)
``baseline``      :func:`.fixed_amount_prune` (torch's methods at a fixed amount, Table 9)
``report``        :class:`.PruneResult` (per-layer table, Markdown, dict, pandas),
                  :class:`.LayerStat`
``saving``        :func:`.make_permanent`, :func:`.save_pruned`, :func:`.save_pretrained`
``progress``      tqdm bars on a terminal, plain lines in logs
``models``        FC2, FC5, FC12 (Table 3) and a small CNN
``data``          scikit-learn digits (bundled) and MNIST / Fashion-MNIST IDX folders
``idx``           the IDX file format: :func:`.read_idx`, :func:`.write_idx` (torch-free)
``training``      Appendix B.1 training, a fast digits preset, a cache of checkpoints
``sweep``         the beta-sweep behind ``emp-theory sweep`` (Figure 3, Tables 4 and 9)
``sweep_result``  :class:`.SweepResult` and its rows (JSON round trip)
``sweep_tables``  :func:`~emp_theory.pruning.sweep_tables.format_table`, :func:`.format_layers`,
                  :func:`.to_csv`
================  ======================================================================

Symbols: ``N`` is the length of a score vector, ``n_eff`` its :math:`N_{\\mathrm{eff}}`,
``beta`` the paper's :math:`\\beta`, ``k`` the number of KEPT entries
:math:`\\mathrm{clip}(\\lfloor\\beta N_{\\mathrm{eff}}\\rfloor, 1, N)` (Algorithm 1, line 3).
The command line lives in :mod:`emp_theory.cli.sweep`. Names are imported lazily,
so ``import emp_theory.pruning`` (and ``emp_theory.pruning.names``) does not import torch.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "EMPRecord": "records",
    "clear_emp_records": "records",
    "emp_records": "records",
    "EMPRowwise": "torch_method",
    "EMPStructured": "torch_method",
    "EMPUnstructured": "torch_method",
    "emp_rowwise": "functional",
    "emp_structured": "functional",
    "emp_unstructured": "functional",
    "global_emp_unstructured": "functional",
    "CRITERIA": "criteria",
    "compute_scores": "criteria",
    "hutchinson_diag_hessian": "criteria",
    "magnitude": "criteria",
    "obd": "criteria",
    "saliency": "criteria",
    "taylor": "criteria",
    "wanda": "criteria",
    "SCOPES": "names",
    "PRUNE_SCOPES": "names",
    "LayerStat": "report",
    "PruneResult": "report",
    "fixed_amount_prune": "baseline",
    "prune_model": "scopes",
    "MODELS": "names",
    "FCNet": "models",
    "SmallCNN": "models",
    "build_model": "models",
    "prunable_parameters": "targets",
    "make_permanent": "saving",
    "pruned_state_dict": "saving",
    "pruned_tensors": "saving",
    "save_pretrained": "saving",
    "save_pruned": "saving",
    "DEBIAN_FASHION_MNIST_DIR": "data",
    "Dataset": "data",
    "IDXError": "idx",
    "load_dataset": "data",
    "load_digits_split": "data",
    "load_idx_dataset": "data",
    "read_idx": "idx",
    "write_idx": "idx",
    "TrainConfig": "training",
    "cache_dir": "training",
    "default_config": "training",
    "evaluate": "training",
    "load_or_train": "training",
    "train": "training",
    "DEFAULT_BETAS": "sweep",
    "SweepResult": "sweep_result",
    "format_layers": "sweep_tables",
    "format_table": "sweep_tables",
    "run_sweep": "sweep",
    "to_csv": "sweep_tables",
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
