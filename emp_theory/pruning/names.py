"""The names the pruning path accepts, in one torch-free place.

:mod:`emp_theory.pruning.models`, :mod:`~emp_theory.pruning.data`,
:mod:`~emp_theory.pruning.scopes` and :mod:`~emp_theory.pruning.criteria` define what
each name does; the command line (:mod:`emp_theory.cli.sweep`) reads the lists from
here without importing torch.
"""

from __future__ import annotations

__all__ = ["CRITERIA", "DATASETS", "DEBIAN_FASHION_MNIST", "MODELS", "SCOPES"]

#: Models of the paper's Table 3 and a small CNN.
MODELS = ("fc2", "fc5", "fc12", "cnn")
#: Datasets: scikit-learn's bundled digits, MNIST and Fashion-MNIST from IDX files.
DATASETS = ("digits", "mnist", "fashion-mnist")
#: Where Debian's ``dataset-fashion-mnist`` package installs the IDX files.
DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
#: Pruning scopes: one EMP over all weights, per weight matrix, per output row.
SCOPES = ("global", "block", "row")
#: Score criteria (Section 5 and Appendix B.3).
CRITERIA = ("magnitude", "taylor", "saliency", "obd", "wanda")
