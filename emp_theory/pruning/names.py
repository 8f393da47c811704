"""The names the pruning path accepts, in one torch-free place.

:mod:`emp_theory.pruning.models`, :mod:`~emp_theory.pruning.data`,
:mod:`~emp_theory.pruning.scopes` and :mod:`~emp_theory.pruning.criteria` define what
each name does; the command line (:mod:`emp_theory.cli.sweep`) reads the lists from
here without importing torch.
"""

from __future__ import annotations

__all__ = [
    "CRITERIA",
    "DATASETS",
    "DEBIAN_FASHION_MNIST",
    "IDX_DATASETS",
    "MODELS",
    "PRUNE_SCOPES",
    "SCOPES",
    "check_scope",
]

#: Models of the paper's Table 3 and a small CNN.
MODELS = ("fc2", "fc5", "fc12", "cnn")
#: Datasets read from the four standard IDX files of a folder (``--data-dir``).
IDX_DATASETS = ("mnist", "fashion-mnist")
#: Datasets: scikit-learn's bundled digits, then the IDX datasets.
DATASETS = ("digits", *IDX_DATASETS)
#: Where Debian's ``dataset-fashion-mnist`` package installs the IDX files.
DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
#: Pruning scopes: one EMP over all weights, per weight matrix, per output row.
SCOPES = ("global", "block", "row")
#: Score criteria (Section 5 and Appendix B.3).
CRITERIA = ("magnitude", "taylor", "saliency", "obd", "wanda")
#: Scopes of :func:`emp_theory.pruning.scopes.prune_model`: the sweep's, and whole slices
#: (EMP over the slice norms, :class:`emp_theory.pruning.torch_method.EMPStructured`).
PRUNE_SCOPES = (*SCOPES, "structured")


def check_scope(scope) -> str:
    """`scope` if it is one of :data:`PRUNE_SCOPES`, else ``ValueError``."""
    if scope not in PRUNE_SCOPES:
        raise ValueError(f"`scope` must be one of {', '.join(PRUNE_SCOPES)}, got {scope!r}")
    return scope
