"""EMP as a :mod:`torch.nn.utils.prune` method — split into three modules by idea.

* :mod:`emp_theory.pruning.torch_method` — the method classes
  :class:`~emp_theory.pruning.torch_method.EMPUnstructured`,
  :class:`~emp_theory.pruning.torch_method.EMPRowwise` and
  :class:`~emp_theory.pruning.torch_method.EMPStructured` (Algorithm 1 in ``compute_mask``);
* :mod:`emp_theory.pruning.functional` — :func:`~emp_theory.pruning.functional.emp_unstructured`,
  :func:`~emp_theory.pruning.functional.emp_rowwise`,
  :func:`~emp_theory.pruning.functional.emp_structured`,
  :func:`~emp_theory.pruning.functional.global_emp_unstructured`;
* :mod:`emp_theory.pruning.records` — :class:`~emp_theory.pruning.records.EMPRecord` and the
  registry (:func:`~emp_theory.pruning.records.emp_records`,
  :func:`~emp_theory.pruning.records.clear_emp_records`).

This module re-exports those names so that ``from emp_theory.pruning.method import ...``
keeps working.
"""

from __future__ import annotations

from .functional import emp_rowwise, emp_structured, emp_unstructured, global_emp_unstructured
from .records import EMPRecord, clear_emp_records, emp_records
from .torch_method import EMPRowwise, EMPStructured, EMPUnstructured

__all__ = [
    "EMPRecord",
    "EMPRowwise",
    "EMPStructured",
    "EMPUnstructured",
    "clear_emp_records",
    "emp_records",
    "emp_rowwise",
    "emp_structured",
    "emp_unstructured",
    "global_emp_unstructured",
]
