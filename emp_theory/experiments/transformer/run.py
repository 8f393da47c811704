r"""The transformer experiment, cached: every run of :data:`METHODS` on all-MiniLM-L6-v2.

:func:`run_experiment` loads the model and the data, computes the scores once, runs
every :class:`MethodSpec` (dense; magnitude and Wanda at a fixed ``amount`` and with
EMP's :math:`\beta`; equal-sparsity controls; EMP over heads) and measures each with
:mod:`~emp_theory.experiments.transformer.evaluate`. The result is a JSON file under
``<cache>/transformer/`` keyed by :func:`!emp_theory._cache.cache_key` of the
configuration (:func:`cache_entry`), written with :func:`!emp_theory._cache.atomic_write`
and a ``.sha256`` digest, and trusted only when :func:`!emp_theory._cache.verify_digest`
confirms it; a cache hit needs neither torch nor the model.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 5.3, Table 2.
"""

from __future__ import annotations

import copy
import json
import time
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..._cache import atomic_write, cache_key, file_digest, verify_digest
from ..._cache import cache_dir as cache_root
from ..._validation import as_int, as_positive_finite
from .calibrate import head_importance, magnitude_scores, wanda_scores
from .data import CALIBRATION_FILE, STS_FILE, load_calibration, load_sts
from .evaluate import embed, mean_cosine, row_cosines, sts_spearman
from .load import MODEL_DIST, MODEL_NAME, geometry, load_model
from .prune import HeadMask, emp_head_mask, prune_linears

__all__ = ["METHODS", "RESULTS_VERSION", "MethodSpec", "cache_entry", "run_experiment"]

#: Bump when the computation or the results' layout changes (part of the cache key).
RESULTS_VERSION = 2


@dataclass(frozen=True)
class MethodSpec:
    r"""One pruning run of :func:`run_experiment`.

    Attributes
    ----------
    name : str
        Label in the tables.
    kind : {"dense", "unstructured", "heads"}
    criterion : {"magnitude", "wanda"} or None
        Score of the unstructured runs.
    rule : {"emp", "fixed"} or None
        EMP's kept count :math:`k` or a fixed fraction ``amount`` pruned.
    scope : {"matrix", "row", "layer", "global"} or None
        Selection group: each weight matrix, each output row, each layer's 12
        heads, or all 72 heads.
    match : str or None
        For ``rule="fixed"``: prune, in every matrix, the overall fraction
        pruned by the run of this name (an equal-sparsity control) instead of
        ``amount``.
    """

    name: str
    kind: str
    criterion: str | None = None
    rule: str | None = None
    scope: str | None = None
    match: str | None = None


#: The runs of :func:`run_experiment`, in table order.
METHODS = (
    MethodSpec("Dense", "dense"),
    MethodSpec("Magnitude 50%", "unstructured", "magnitude", "fixed", "matrix"),
    MethodSpec("Wanda 50%", "unstructured", "wanda", "fixed", "matrix"),
    MethodSpec("Wanda 50% (per output row)", "unstructured", "wanda", "fixed", "row"),
    MethodSpec("EMP-magnitude", "unstructured", "magnitude", "emp", "matrix"),
    MethodSpec("EMP-Wanda", "unstructured", "wanda", "emp", "matrix"),
    MethodSpec("EMP-Wanda (per output row)", "unstructured", "wanda", "emp", "row"),
    MethodSpec(
        "Magnitude, uniform at EMP-magnitude's sparsity",
        "unstructured",
        "magnitude",
        "fixed",
        "matrix",
        match="EMP-magnitude",
    ),
    MethodSpec(
        "Wanda, uniform at EMP-Wanda's sparsity",
        "unstructured",
        "wanda",
        "fixed",
        "matrix",
        match="EMP-Wanda",
    ),
    MethodSpec("EMP heads (per layer)", "heads", None, "emp", "layer"),
    MethodSpec("EMP heads (global)", "heads", None, "emp", "global"),
)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _config(beta: float, amount: float) -> dict:
    return {
        "results_version": RESULTS_VERSION,
        "model": MODEL_NAME,
        "model_package": _version(MODEL_DIST),
        "beta": beta,
        "amount": amount,
        "methods": [m.name for m in METHODS],
        "calibration_sha256": file_digest(CALIBRATION_FILE),
        "sts_sha256": file_digest(STS_FILE),
        "versions": {d: _version(d) for d in ("torch", "transformers", "sentence-transformers")},
    }


def cache_entry(beta: float, amount: float, cache_dir=None) -> tuple[dict, str, Path]:
    """``(config, key, path)`` of the cached result of ``run_experiment(beta, amount=amount)``."""
    config = _config(beta, amount)
    key = cache_key(config)
    return config, key, cache_root(cache_dir) / "transformer" / f"minilm-{key}.json"


def _overall(layers: list[dict]) -> float:
    return 1.0 - sum(r["kept"] for r in layers) / sum(r["N"] for r in layers)


def _compute(beta: float, amount: float, threads: int | None) -> dict:
    import torch

    t0 = time.perf_counter()
    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        model = load_model()
        calib = load_calibration()
        sts = load_sts()
        eval_sents = sts.sentences()
        index = {s: i for i, s in enumerate(eval_sents)}
        i1 = [index[s] for s in sts.sentence1]
        i2 = [index[s] for s in sts.sentence2]
        n_layers, n_heads, _ = geometry(model)

        def metrics(emb, dense):
            e = emb.double().numpy()
            return {
                "mean_cosine": mean_cosine(dense, e),
                "spearman": sts_spearman(e[i1], e[i2], sts.scores),
                "pair_cosines": row_cosines(e[i1], e[i2]).tolist(),
            }

        dense = embed(model, eval_sents).double().numpy()
        crit = {"magnitude": magnitude_scores(model), "wanda": wanda_scores(model, calib)}
        heads = head_importance(model, calib)
        head_masks = {sc: emp_head_mask(heads, sc, beta) for sc in ("layer", "global")}
        rows = []
        for spec in METHODS:
            row = {
                "name": spec.name,
                "kind": spec.kind,
                "criterion": spec.criterion,
                "rule": spec.rule,
                "scope": spec.scope,
                "match": spec.match,
            }
            if spec.kind == "dense":
                row.update(sparsity=0.0, layers=None, **metrics(torch.from_numpy(dense), dense))
            elif spec.kind == "unstructured":
                amt = amount
                if spec.match is not None:
                    amt = next(r["sparsity"] for r in rows if r["name"] == spec.match)
                pruned = copy.deepcopy(model)
                layers = prune_linears(
                    pruned,
                    crit[spec.criterion],
                    rule=spec.rule,
                    scope=spec.scope,
                    beta=beta,
                    amount=amt,
                )
                row.update(sparsity=_overall(layers), layers=layers)
                row.update(metrics(embed(pruned, eval_sents), dense))
                del pruned
            else:
                mask = head_masks[spec.scope]
                with HeadMask(model, mask):
                    emb = embed(model, eval_sents)
                row.update(
                    sparsity=1.0 - float(mask.mean()),
                    layers=[
                        {"layer": i, "N": n_heads, "kept": int(mask[i].sum())}
                        for i in range(n_layers)
                    ],
                    **metrics(emb, dense),
                )
            rows.append(row)
    finally:
        torch.set_num_threads(old_threads)
    return {
        "methods": rows,
        "heads": {
            "importance": heads.tolist(),
            "masks": {k: v.astype(int).tolist() for k, v in head_masks.items()},
        },
        "gold": sts.scores.tolist(),
        "data": {
            "n_calibration": len(calib),
            "n_pairs": len(sts),
            "n_eval_sentences": len(eval_sents),
        },
        "model": {"name": MODEL_NAME, "n_layers": n_layers, "n_heads": n_heads},
        "seconds": time.perf_counter() - t0,
    }


def run_experiment(
    beta: float = 1.0,
    *,
    amount: float = 0.5,
    cache: bool = True,
    cache_dir=None,
    threads: int | None = 1,
) -> dict:
    r"""All runs of :data:`METHODS`: sparsity, mean cosine to dense and Spearman vs gold.

    The result is cached as JSON in ``<cache>/transformer/minilm-<key>.json``
    (``<cache>`` = `cache_dir`, else ``$EMP_THEORY_CACHE``, else
    ``~/.cache/emp_theory``), where ``<key>`` is :func:`!emp_theory._cache.cache_key`
    of the configuration (:func:`cache_entry`): `beta`, `amount`,
    ``RESULTS_VERSION``, the method list, the SHA-256 of both data files and the
    versions of the model package, torch, transformers and sentence-transformers.
    The file is written atomically with a ``.sha256`` digest beside it; a file whose
    digest does not match (or is missing), that cannot be read or that holds another
    key is reported with a warning and the result recomputed. A cache hit needs
    neither torch nor the model.

    Parameters
    ----------
    beta : float, default 1.0
        :math:`\beta` of every EMP run.
    amount : float, default 0.5
        Fraction pruned by the fixed baselines.
    cache : bool, default True
        False recomputes and overwrites.
    cache_dir : path, optional
    threads : int or None, default 1
        ``torch.set_num_threads`` during the computation (restored afterwards;
        None leaves torch's setting). One thread is the default: the matrices are
        small (one calibration sentence per forward pass), and on a machine shared
        with other jobs a second OpenMP thread made every operator wait on the
        other (2-10x slower in our runs).

    Returns
    -------
    dict
        ``config``, ``key``, ``cached`` (bool), ``methods`` (one dict per
        :class:`MethodSpec`: ``sparsity``, ``mean_cosine``, ``spearman``,
        ``pair_cosines`` (cosine of each benchmark pair's embeddings) and
        per-matrix / per-layer ``layers``), ``gold`` (the benchmark's scores),
        ``heads`` (importance and masks), ``data``, ``model``, ``seconds``.
    """
    b = as_positive_finite(beta, "beta")
    a = as_positive_finite(amount, "amount")
    if a >= 1:
        raise ValueError(f"`amount` must be in (0, 1), got {amount!r}")
    if threads is not None:
        threads = as_int(threads, "threads")
        if threads < 1:
            raise ValueError(f"`threads` must be >= 1, got {threads!r}")
    config, key, path = cache_entry(b, a, cache_dir)
    if cache and path.is_file():
        res = _read_cached(path, key)
        if res is not None:
            res["cached"] = True
            return res
    res = {"config": config, "key": key, **_compute(b, a, threads)}
    atomic_write(path, json.dumps(res, indent=1), digest=True)
    res["cached"] = False
    return res


def _read_cached(path: Path, key: str) -> dict | None:
    """The cached result at `path` if its digest matches and it holds `key`; else None, warned."""
    if not verify_digest(path):
        warnings.warn(
            f"cached transformer result {path} does not match its digest file "
            f"{path.name}.sha256 (missing or different): recomputing",
            stacklevel=3,
        )
        return None
    try:
        res = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        warnings.warn(
            f"cached transformer result {path} is unreadable ({exc}): recomputing", stacklevel=3
        )
        return None
    if not isinstance(res, dict) or res.get("key") != key:
        warnings.warn(
            f"cached transformer result {path} holds another key: recomputing", stacklevel=3
        )
        return None
    return res
