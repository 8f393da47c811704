"""Experiments that train or load a model, prune it with EMP and measure the result.

Beyond the theory core: every submodule needs the optional torch extras (and some
``pykan`` or ``sentence-transformers``), which they import inside their functions, so
importing this package or any submodule imports neither torch nor the model libraries.
Nothing is imported here; use the submodules.

:mod:`~emp_theory.experiments.hutchinson`
    Hutchinson's estimator of :math:`\\mathrm{Tr}(H)`, the trace of the loss Hessian.
:mod:`~emp_theory.experiments.lossbound`
    Eq. (17) and eq. (18) against the measured loss change :math:`\\epsilon` (Table 1).
:mod:`~emp_theory.experiments.audit`
    Measurements for the claims audit (Table 9's sparsity direction, Figure 3, the
    Gaussian :math:`2/\\pi` limit per weight matrix).
:mod:`~emp_theory.experiments.kan`
    EMP node pruning of Kolmogorov-Arnold Networks with ``pykan`` (Section 5.2):
    ``backend`` (pykan's side effects), ``model``, ``data``, ``train``, ``cache``,
    ``scores``, ``prune``, ``compare``.
:mod:`~emp_theory.experiments.transformer`
    EMP on the pretrained all-MiniLM-L6-v2 encoder, offline (Section 5.3, Table 2):
    ``load``, ``data``, ``metrics``, ``calibrate``, ``prune``, ``run``, ``stats``.
"""
