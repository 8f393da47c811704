r"""Running the :math:`\beta`-sweep: EMP at several :math:`\beta` for each criterion and scope (Figure 3, Tables 4 and 9).

For one trained model and dataset, :func:`run_sweep`

1. trains the dense model (or loads it from the cache, :func:`~emp_theory.pruning.training.load_or_train`)
   and measures its test accuracy;
2. for each criterion computes the scores once on the dense model, using the
   first ``n_batches`` batches of 128 training images in a seeded order;
3. for each scope and :math:`\beta` prunes a copy with EMP
   (:func:`~emp_theory.pruning.scopes.prune_model`) and measures the pruned test
   accuracy, the sparsity :math:`1 - \sum k/\sum N` (``N`` the length of each
   pruned tensor or group, ``k`` its kept entries
   :math:`\mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)`), the per-layer
   :math:`N_{\mathrm{eff}}/N`, and the measured :math:`s_{\mathrm{eff}}` against the
   Theorem 2 bound (eq. 15);
4. as the paper's Table 9 does, prunes a copy with the same criterion at a fixed
   amount using torch's own methods
   (:func:`~emp_theory.pruning.baseline.fixed_amount_prune`): the amount EMP chose at
   :math:`\beta = 1` (``"same amount"``) and any extra fixed sparsities.

When :math:`\beta N_{\mathrm{eff}} \ge N` the kept count :math:`k` is clipped at
:math:`N` (Algorithm 1, line 3) and nothing is pruned; the rows say so.

:func:`cached_sweep` stores a sweep's result under ``<cache>/sweeps/`` (used by the
book). The rows are :class:`~emp_theory.pruning.sweep_result.SweepRow` s of a
:class:`~emp_theory.pruning.sweep_result.SweepResult`; the tables and CSV are made by
:mod:`emp_theory.pruning.sweep_tables`. Both are re-exported here.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.1, Figure 3,
       Tables 4 and 9, Appendix B.1.
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import time
import warnings

import torch

from .._cache import atomic_write, cache_dir, cache_key, verify_digest
from .criteria import CRITERIA, DEFAULT_N_BATCHES, compute_scores
from .data import Dataset, load_dataset
from .models import prunable_parameters
from .names import MODELS, SCOPES
from .progress import bar_disabled, log_line
from .scopes import fixed_amount_prune, layer_summaries, prune_model
from .sweep_result import SweepResult, SweepRow
from .sweep_tables import format_layers, format_table, to_csv
from .training import batches, default_config, evaluate, load_or_train

# SweepResult, SweepRow (sweep_result) and format_layers, format_table, to_csv
# (sweep_tables) are re-exported.
__all__ = [
    "CALIBRATION_BATCH",
    "DEFAULT_BETAS",
    "SweepResult",
    "SweepRow",
    "cached_sweep",
    "format_layers",
    "format_table",
    "run_sweep",
    "to_csv",
]

#: The six values of Figure 3.
DEFAULT_BETAS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
#: Calibration batch size for the data-dependent criteria.
CALIBRATION_BATCH = 128
#: Bumped when the stored sweep layout changes (2: written with a SHA-256 sidecar;
#: 3: layers named by their fully qualified parameter names, with their shapes).
_FORMAT = 3
#: How each scope's fixed-amount baseline is pruned by torch (the rows' ``scheme``).
_TORCH_NAME = {
    "global": "global_unstructured(L1Unstructured)",
    "block": "l1_unstructured per layer",
    "row": "topk per row",
}


def _calibration(data: Dataset, n_batches: int, seed: int):
    gen = torch.Generator().manual_seed(seed)
    out = []
    for b in batches(data.x_train, data.y_train, CALIBRATION_BATCH, shuffle=True, generator=gen):
        out.append(b)
        if len(out) == n_batches:
            break
    return out


def _note(res) -> str:
    unit = {"block": "layers", "row": "rows"}.get(res.scope, "groups")
    notes = []
    if res.no_pruning and res.n_saturated:
        notes.append("k clipped at N (beta*N_eff >= N): no pruning")
    elif res.n_saturated:
        notes.append(f"k clipped at N in {res.n_saturated}/{res.n_groups} {unit}")
    if res.n_all_zero:
        notes.append(f"{res.n_all_zero}/{res.n_groups} {unit} with all-zero scores kept")
    return "; ".join(notes)


def _row(model_name, data, criterion, scope, res, dense_acc, acc, loss, kind, beta, scheme):
    g = res.global_record
    return SweepRow(
        model=model_name,
        dataset=data.name,
        criterion=criterion,
        scope=scope,
        kind=kind,
        beta=beta,
        scheme=scheme,
        dense_acc=dense_acc,
        acc=acc,
        loss=loss,
        sparsity=res.sparsity,
        N=res.N,
        kept=res.kept,
        no_pruning=res.no_pruning,
        n_groups=res.n_groups,
        n_saturated=res.n_saturated if kind == "emp" else 0,
        bound_holds=res.bound_holds() if kind == "emp" else None,
        global_stats=None if g is None else g.as_dict(),
        layers=[layer.as_dict() for layer in res.layers],
        note=_note(res) if kind == "emp" else "",
    )


def _log(progress, done, total, model, dataset, row):
    log_line(
        progress,
        f"sweep {model}/{dataset} [{done}/{total}] {row.criterion} {row.scope} {row.scheme}: "
        f"sparsity {100 * row.sparsity:.2f}%, accuracy {row.acc:.4f} (dense {row.dense_acc:.4f})",
    )


def _masks(model):
    return [
        getattr(mod, pname + "_mask").detach().clone()
        for _, mod, pname in prunable_parameters(model)
    ]


def _check_list(values, allowed, name):
    vals = list(values)
    if not vals:
        raise ValueError(f"`{name}` must not be empty")
    for v in vals:
        if v not in allowed:
            raise ValueError(f"`{name}` entries must be in {', '.join(allowed)}, got {v!r}")
    return vals


def run_sweep(
    model: str = "fc2",
    dataset: str | Dataset = "digits",
    *,
    betas=DEFAULT_BETAS,
    scopes=("global", "block"),
    criteria=("magnitude",),
    data_dir=None,
    cache=None,
    use_cache: bool = True,
    seed: int = 0,
    n_batches: int = DEFAULT_N_BATCHES,
    fixed_sparsities=(),
    baseline: bool = True,
    progress: bool | None = True,
    criterion_options: dict | None = None,
) -> SweepResult:
    """Run the beta-sweep of one model on one dataset.

    Parameters
    ----------
    model : {"fc2", "fc5", "fc12", "cnn"}
    dataset : {"digits", "mnist", "fashion-mnist"} or Dataset
        A name (loaded with :func:`~emp_theory.pruning.data.load_dataset`, using
        `data_dir` for the IDX datasets) or an already loaded :class:`~emp_theory.pruning.data.Dataset`.
    betas : sequence of float
        Default: the six values of Figure 3.
    scopes : sequence of {"global", "block", "row"}
    criteria : sequence of names in :data:`~emp_theory.pruning.criteria.CRITERIA`
    data_dir : path, optional
        Folder of the IDX files (MNIST / Fashion-MNIST).
    cache : path, optional
        Cache folder (default ``$EMP_THEORY_CACHE`` or ``~/.cache/emp_theory``).
    use_cache : bool, default True
        False retrains the dense model.
    seed : int, default 0
        Seed of the training and of the calibration batches.
    n_batches : int, default 4
        Calibration batches (of 128 images) for the data-dependent criteria.
    fixed_sparsities : sequence of float
        Extra fixed fractions pruned by torch's methods (Table 9's "Original (x%)").
    baseline : bool, default True
        Also prune the same amount as EMP at beta = 1 with torch's methods.
    progress : bool or None, default True
        tqdm bars for training and the sweep; None: bars on a terminal, otherwise one
        plain line per trained model and per pruned setting on stderr
        (:mod:`emp_theory.pruning.progress`); False: nothing.
    criterion_options : dict, optional
        ``{criterion: {option: value}}`` passed to the criterion (e.g. ``n_probes``).

    Returns
    -------
    SweepResult
    """
    from tqdm.auto import tqdm

    if model not in MODELS:
        raise ValueError(f"`model` must be one of {', '.join(MODELS)}, got {model!r}")
    bs = []
    for b in betas:
        if isinstance(b, bool) or not isinstance(b, int | float) or not math.isfinite(b) or b <= 0:
            raise ValueError(f"`betas` must be finite numbers > 0, got {b!r}")
        bs.append(float(b))
    if not bs:
        raise ValueError("`betas` must not be empty")
    scopes = _check_list(scopes, SCOPES, "scopes")
    criteria = _check_list(criteria, tuple(CRITERIA), "criteria")
    fixed = []
    for f in fixed_sparsities:
        if isinstance(f, bool) or not isinstance(f, int | float) or not 0.0 <= f <= 1.0:
            raise ValueError(f"`fixed_sparsities` must be fractions in [0, 1], got {f!r}")
        fixed.append(float(f))
    options = dict(criterion_options or {})

    data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset, data_dir)
    config = default_config(model, data.name, seed=seed)
    t0 = time.perf_counter()
    dense, info = load_or_train(config, data, cache=cache, use_cache=use_cache, progress=progress)
    dense_acc, dense_loss = evaluate(dense, data.x_test, data.y_test)
    calib = _calibration(data, n_batches, seed)
    targets = prunable_parameters(dense)
    names = [qn for qn, _, _ in targets]
    params = [getattr(mod, pname) for _, mod, pname in targets]
    result = SweepResult(
        model=model,
        dataset=data.name,
        dense_acc=dense_acc,
        dense_loss=dense_loss,
        train_info={k: v for k, v in info.items() if k != "path"},
        settings={
            "betas": bs,
            "scopes": list(scopes),
            "criteria": list(criteria),
            "seed": seed,
            "n_batches": n_batches,
            "calibration_batch": CALIBRATION_BATCH,
            "fixed_sparsities": fixed,
            "data_source": data.source,
            "n_train": int(data.x_train.shape[0]),
            "n_test": int(data.x_test.shape[0]),
        },
    )
    n_jobs = len(criteria) * len(scopes) * (len(bs) + int(baseline) + len(fixed))
    bar = tqdm(
        total=n_jobs,
        desc=f"sweep {model}/{data.name}",
        disable=bar_disabled(progress),
        leave=False,
    )
    done = 0
    for crit in criteria:
        scores = compute_scores(dense, crit, params, calib, **options.get(crit, {}))
        smap = dict(zip(names, scores, strict=True))
        lstats = layer_summaries(smap)
        for scope in scopes:
            ref = ref_masks = None
            for beta in bs:
                pruned = copy.deepcopy(dense)
                res = prune_model(pruned, scores=smap, scope=scope, beta=beta, layer_stats=lstats)
                if beta == 1.0:
                    ref, ref_masks = res, _masks(pruned)
                acc, loss = evaluate(pruned, data.x_test, data.y_test)
                row = _row(
                    model, data, crit, scope, res, dense_acc, acc, loss, "emp", beta,
                    f"EMP (beta={beta:g})",
                )  # fmt: skip
                result.rows.append(row)
                bar.update(1)
                done += 1
                _log(progress, done, n_jobs, model, data.name, row)
            amounts = []
            if baseline:
                if ref is None:
                    pruned = copy.deepcopy(dense)
                    ref = prune_model(
                        pruned, scores=smap, scope=scope, beta=1.0, layer_stats=lstats
                    )
                    ref_masks = _masks(pruned)
                amount = (ref.N - ref.kept) if scope == "global" else ref.sparsity
                amounts.append((amount, "same amount as EMP (beta=1)"))
            amounts += [(f, f"fixed {100 * f:g}%") for f in fixed]
            for i, (amount, label) in enumerate(amounts):
                pruned = copy.deepcopy(dense)
                res = fixed_amount_prune(pruned, smap, scope=scope, amount=amount)
                acc, loss = evaluate(pruned, data.x_test, data.y_test)
                scheme = f"torch {_TORCH_NAME[scope]}, {label}"
                row = _row(
                    model, data, crit, scope, res, dense_acc, acc, loss, "fixed", None, scheme
                )
                if baseline and i == 0:
                    row.mask_diff = sum(
                        int((a != b).sum()) for a, b in zip(_masks(pruned), ref_masks, strict=True)
                    )
                    row.note = (
                        "mask identical to EMP's"
                        if row.mask_diff == 0
                        else f"mask differs from EMP's in {row.mask_diff} entries"
                    )
                result.rows.append(row)
                bar.update(1)
                done += 1
                _log(progress, done, n_jobs, model, data.name, row)
    bar.close()
    result.settings["seconds"] = time.perf_counter() - t0
    return result


def cached_sweep(
    model: str = "fc2",
    dataset: str | Dataset = "digits",
    *,
    data_dir=None,
    cache=None,
    use_cache: bool = True,
    progress: bool | None = False,
    **kwargs,
) -> SweepResult:
    """:func:`run_sweep`, with its result stored as JSON under ``<cache>/sweeps/``.

    The file name holds :func:`!emp_theory._cache.cache_key` of every setting
    (`kwargs` with :func:`run_sweep`'s defaults filled in), the training
    configuration's key (which covers the data and the PyTorch version) and a format
    version. The JSON is written with :func:`!emp_theory._cache.atomic_write` and a
    SHA-256 sidecar; a stored result is used only when the sidecar matches
    (:func:`!emp_theory._cache.verify_digest`) and it parses, otherwise a warning
    names the file and the sweep is recomputed. ``use_cache=False`` recomputes
    everything (and retrains). Used by the book.
    """
    data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset, data_dir)
    sig = inspect.signature(run_sweep)
    settings = {k: p.default for k, p in sig.parameters.items() if p.kind is p.KEYWORD_ONLY}
    for k in ("data_dir", "cache", "use_cache", "progress"):
        settings.pop(k)
    unknown = set(kwargs) - set(settings)
    if unknown:
        raise TypeError(f"unknown run_sweep arguments: {sorted(unknown)}")
    settings.update(kwargs)
    seed = settings["seed"]
    train_key = default_config(model, data.name, seed=seed).key(data)
    key = cache_key({"model": model, "train": train_key, "settings": settings, "format": _FORMAT})
    path = cache_dir(cache) / "sweeps" / f"{model}-{data.name}-{key}.json"
    if use_cache and path.is_file():
        if not verify_digest(path):
            warnings.warn(
                f"ignoring stored sweep {path}: its SHA-256 does not match {path.name}.sha256 "
                "(damaged file, or no digest); recomputing",
                stacklevel=2,
            )
        else:
            try:
                return SweepResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, KeyError, TypeError) as exc:
                warnings.warn(f"ignoring unreadable sweep {path}: {exc}", stacklevel=2)
    res = run_sweep(model, data, cache=cache, use_cache=use_cache, progress=progress, **kwargs)
    atomic_write(path, res.to_json(), digest=True)
    return res
