r"""Statistics of a :func:`~emp_theory.experiments.transformer.run.run_experiment` result.

* :func:`summary_rows`: sparsity, mean cosine, Spearman and :math:`\Delta` Spearman per run;
* :func:`per_kind_sparsity`: the pooled sparsity of each kind of linear map;
* :func:`spearman_bootstrap`: a paired bootstrap interval of
  :math:`\Delta\rho = \rho_\text{pruned} - \rho_\text{dense}` over the benchmark pairs.

:data:`PAPER_TABLE2` is the paper's Table 2 (from :mod:`emp_theory.paper`), the LLaMA
numbers these results are set beside. Needs only NumPy and SciPy.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 5.3, Table 2.
"""

from __future__ import annotations

import numpy as np

from ... import paper as _paper
from ..._validation import as_int, as_positive_finite
from .calibrate import LINEAR_KINDS

__all__ = ["PAPER_TABLE2", "per_kind_sparsity", "spearman_bootstrap", "summary_rows"]

#: Table 2 of the paper, from :mod:`emp_theory.paper`.
PAPER_TABLE2 = _paper.TABLE2


def summary_rows(results: dict) -> list[dict]:
    """Rows ``method, sparsity (%), mean cosine, Spearman, Δ Spearman`` of a :func:`.run_experiment` result.

    Sparsity is the share of zeroed encoder linear weights for the unstructured
    runs and the share of removed heads for the head runs; Δ Spearman is the
    difference to the dense model's.
    """
    try:
        methods = results["methods"]
        dense = next(m for m in methods if m["kind"] == "dense")
    except (KeyError, TypeError, StopIteration):
        raise ValueError("`results` must be a run_experiment() result") from None
    out = []
    for m in methods:
        unit = "heads" if m["kind"] == "heads" else "weights"
        out.append(
            {
                "method": m["name"],
                "sparsity_pct": 100.0 * m["sparsity"],
                "unit": unit,
                "mean_cosine": m["mean_cosine"],
                "spearman": m["spearman"],
                "delta_spearman": m["spearman"] - dense["spearman"],
            }
        )
    return out


def per_kind_sparsity(results: dict, method: str) -> dict:
    """Pooled sparsity :math:`1 - \\sum \\text{kept} / \\sum N` of each linear kind over the layers.

    Parameters
    ----------
    results : dict
        :func:`~emp_theory.experiments.transformer.run.run_experiment` output.
    method : str
        Name of an unstructured run (a :data:`~emp_theory.experiments.transformer.run.METHODS` name).

    Returns
    -------
    dict
        ``{kind: sparsity}`` in the order of
        :data:`~emp_theory.experiments.transformer.calibrate.LINEAR_KINDS`.
    """
    try:
        run = next(m for m in results["methods"] if m["name"] == method)
    except (KeyError, TypeError):
        raise ValueError("`results` must be a run_experiment() result") from None
    except StopIteration:
        raise ValueError(f"`method` {method!r} is not a run of `results`") from None
    if run["kind"] != "unstructured":
        raise ValueError(f"`method` {method!r} is not an unstructured run")
    out = {}
    for kind in LINEAR_KINDS:
        rows = [r for r in run["layers"] if r["kind"] == kind]
        out[kind] = 1.0 - sum(r["kept"] for r in rows) / sum(r["N"] for r in rows)
    return out


def _spearman_along(x, g, axis=-1):
    """Spearman correlation of `x` and `g` along `axis` (average ranks for ties)."""
    from scipy.stats import rankdata

    rx = rankdata(x, axis=axis)
    rg = rankdata(g, axis=axis)
    rx = rx - rx.mean(axis=axis, keepdims=True)
    rg = rg - rg.mean(axis=axis, keepdims=True)
    num = (rx * rg).sum(axis=axis)
    return num / np.sqrt((rx**2).sum(axis=axis) * (rg**2).sum(axis=axis))


def spearman_bootstrap(
    results: dict, method: str, *, n_resamples: int = 2000, level: float = 0.95, seed: int = 0
) -> dict:
    r"""Paired bootstrap of :math:`\Delta\rho = \rho_\text{pruned} - \rho_\text{dense}` over the pairs.

    :math:`\rho` is Spearman's correlation of the per-pair cosine similarities with
    the gold scores. The pairs are resampled with replacement, the same resample for
    both models (``scipy.stats.bootstrap``, ``paired=True``, percentile interval),
    so the interval reflects how much a different benchmark of the same size and
    kind could move the difference.

    Parameters
    ----------
    results : dict
        :func:`.run_experiment` output (with ``pair_cosines`` and ``gold``).
    method : str
        Name of a run.
    n_resamples : int, default 2000
    level : float, default 0.95
        Confidence level of the percentile interval, in (0, 1).
    seed : int, default 0

    Returns
    -------
    dict
        ``delta`` (on the full benchmark), ``low``, ``high``.
    """
    from scipy.stats import bootstrap

    n_res = as_int(n_resamples, "n_resamples")
    if n_res < 10:
        raise ValueError(f"`n_resamples` must be >= 10, got {n_resamples!r}")
    lv = as_positive_finite(level, "level")
    if lv >= 1:
        raise ValueError(f"`level` must be in (0, 1), got {level!r}")
    try:
        runs = {m["name"]: m for m in results["methods"]}
        dense = next(m for m in results["methods"] if m["kind"] == "dense")
        gold = np.asarray(results["gold"], dtype=np.float64)
    except (KeyError, TypeError, StopIteration):
        raise ValueError("`results` must be a run_experiment() result") from None
    if method not in runs:
        raise ValueError(f"`method` {method!r} is not a run of `results`")
    cp = np.asarray(runs[method]["pair_cosines"], dtype=np.float64)
    cd = np.asarray(dense["pair_cosines"], dtype=np.float64)

    def stat(a, b, g, axis=-1):
        return _spearman_along(a, g, axis) - _spearman_along(b, g, axis)

    delta = float(stat(cp, cd, gold))
    if np.array_equal(cp, cd):
        return {"delta": delta, "low": 0.0, "high": 0.0}
    res = bootstrap(
        (cp, cd, gold),
        stat,
        paired=True,
        vectorized=True,
        n_resamples=n_res,
        confidence_level=lv,
        method="percentile",
        rng=np.random.default_rng(as_int(seed, "seed")),
    )
    ci = res.confidence_interval
    return {"delta": delta, "low": float(ci.low), "high": float(ci.high)}
