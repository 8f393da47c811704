r"""The :math:`\beta`-sweep: EMP at several :math:`\beta` for each criterion and scope (Figure 3, Tables 4 and 9).

For one trained model and dataset, :func:`run_sweep`

1. trains the dense model (or loads it from the cache, :func:`~emp_theory.pruning.training.load_or_train`)
   and measures its test accuracy;
2. for each criterion computes the scores once on the dense model, using the
   first ``n_batches`` batches of 128 training images in a seeded order;
3. for each scope and :math:`\beta` prunes a copy with EMP
   (:func:`~emp_theory.pruning.scopes.prune_model`) and measures the pruned test
   accuracy, the sparsity :math:`1 - \sum\nu/\sum N`, the per-layer
   :math:`N_{\mathrm{eff}}/N`, and the measured :math:`s_{\mathrm{eff}}` against the
   Theorem 2 bound (eq. 15);
4. as the paper's Table 9 does, prunes a copy with the same criterion at a fixed
   amount using torch's own methods
   (:func:`~emp_theory.pruning.scopes.fixed_amount_prune`): the amount EMP chose at
   :math:`\beta = 1` (``"same amount"``) and any extra fixed sparsities.

When :math:`\beta N_{\mathrm{eff}} \ge N` the count :math:`\nu` is clipped at
:math:`N` (Algorithm 1, line 3) and nothing is pruned; the rows say so.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.1, Figure 3,
       Tables 4 and 9, Appendix B.1.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import hashlib
import io
import json
import math
import os
import tempfile
import time
from dataclasses import dataclass, field

import torch

from .criteria import CRITERIA, DEFAULT_N_BATCHES, compute_scores
from .data import Dataset, load_dataset
from .models import MODELS, prunable_parameters
from .scopes import SCOPES, fixed_amount_prune, layer_summaries, prune_model
from .training import batches, cache_dir, default_config, evaluate, load_or_train

__all__ = [
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


@dataclass
class SweepRow:
    """One pruned model: EMP at one (criterion, scope, beta), or a fixed-amount baseline."""

    model: str
    dataset: str
    criterion: str
    scope: str
    kind: str  # "emp" or "fixed"
    beta: float | None
    scheme: str
    dense_acc: float
    acc: float
    loss: float
    sparsity: float
    N: int
    kept: int
    no_pruning: bool
    n_groups: int
    n_saturated: int
    bound_holds: bool | None
    global_stats: dict | None
    layers: list[dict]
    note: str = ""
    mask_diff: int | None = None

    @property
    def delta(self) -> float:
        return self.acc - self.dense_acc

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["delta"] = self.delta
        return d


@dataclass
class SweepResult:
    """All rows of one sweep, plus the dense model's numbers and the settings."""

    model: str
    dataset: str
    dense_acc: float
    dense_loss: float
    train_info: dict
    settings: dict
    rows: list[SweepRow] = field(default_factory=list)

    def emp_rows(self):
        return [r for r in self.rows if r.kind == "emp"]

    def fixed_rows(self):
        return [r for r in self.rows if r.kind == "fixed"]

    def as_dict(self) -> dict:
        return {
            "model": self.model,
            "dataset": self.dataset,
            "dense_acc": self.dense_acc,
            "dense_loss": self.dense_loss,
            "train_info": self.train_info,
            "settings": self.settings,
            "rows": [r.as_dict() for r in self.rows],
        }

    def to_json(self, **kw) -> str:
        return json.dumps(self.as_dict(), **kw)

    @classmethod
    def from_dict(cls, d: dict) -> SweepResult:
        """Rebuild a result from :meth:`as_dict` (e.g. read back from JSON)."""
        fields = set(SweepRow.__dataclass_fields__)
        rows = [SweepRow(**{k: v for k, v in r.items() if k in fields}) for r in d["rows"]]
        return cls(
            model=d["model"],
            dataset=d["dataset"],
            dense_acc=d["dense_acc"],
            dense_loss=d["dense_loss"],
            train_info=d["train_info"],
            settings=d["settings"],
            rows=rows,
        )


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
        notes.append("nu clipped at N (beta*N_eff >= N): no pruning")
    elif res.n_saturated:
        notes.append(f"nu clipped at N in {res.n_saturated}/{res.n_groups} {unit}")
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
        tqdm bars for training and the sweep.
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
        disable=None if progress is None else not progress,
        leave=False,
    )
    for crit in criteria:
        scores = compute_scores(dense, crit, params, calib, **options.get(crit, {}))
        smap = dict(zip(names, scores, strict=True))
        lstats = layer_summaries(smap)
        for scope in scopes:
            ref = ref_masks = None
            for beta in bs:
                pruned = copy.deepcopy(dense)
                res = prune_model(pruned, smap, scope=scope, beta=beta, layer_stats=lstats)
                if beta == 1.0:
                    ref, ref_masks = res, _masks(pruned)
                acc, loss = evaluate(pruned, data.x_test, data.y_test)
                row = _row(
                    model, data, crit, scope, res, dense_acc, acc, loss, "emp", beta,
                    f"EMP (beta={beta:g})",
                )  # fmt: skip
                result.rows.append(row)
                bar.update(1)
            amounts = []
            if baseline:
                if ref is None:
                    pruned = copy.deepcopy(dense)
                    ref = prune_model(pruned, smap, scope=scope, beta=1.0, layer_stats=lstats)
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

    The file name is a SHA-256 of every setting (`kwargs` with :func:`run_sweep`'s
    defaults filled in), the training configuration's key (which covers the data
    and the PyTorch version) and a format version; the JSON is written atomically.
    ``use_cache=False`` recomputes everything (and retrains). Used by the book.
    """
    import inspect

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
    blob = json.dumps(
        {"model": model, "train": train_key, "settings": settings, "format": 1},
        sort_keys=True,
        default=list,
    )
    key = hashlib.sha256(blob.encode()).hexdigest()[:16]
    path = cache_dir(cache) / "sweeps" / f"{model}-{data.name}-{key}.json"
    if use_cache and path.is_file():
        try:
            return SweepResult.from_dict(json.loads(path.read_text()))
        except (ValueError, KeyError, TypeError):
            pass  # unreadable: recompute
    res = run_sweep(model, data, cache=cache, use_cache=use_cache, progress=progress, **kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(res.to_json())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return res


_TORCH_NAME = {
    "global": "global_unstructured(L1Unstructured)",
    "block": "l1_unstructured per layer",
    "row": "topk per row",
}


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------
def _ratios(row: SweepRow) -> str:
    vals = [layer["ratio"] for layer in row.layers]
    txt = "/".join("-" if v is None else f"{v:.2f}" for v in vals)
    return txt


def _bound_txt(row: SweepRow) -> str:
    if row.kind != "emp":
        return ""
    if row.scope == "global" and row.global_stats is not None:
        g = row.global_stats
        ok = "ok" if g["s_eff"] >= g["bound"] - 1e-12 else "VIOLATED"
        return f"{g['s_eff']:.4f} >= {g['bound']:.4f} {ok}"
    margins = [layer["min_margin"] for layer in row.layers if layer["min_margin"] is not None]
    if not margins:
        return ""
    ok = "ok" if row.bound_holds else "VIOLATED"
    unit = "rows" if row.scope == "row" else "layers"
    return f"all {unit} {ok}, min margin {min(margins):+.4f}"


def format_table(results, *, kind: str = "emp") -> str:
    """Table 4-style text table of the EMP rows (``kind="emp"``) or the baselines (``"fixed"``).

    Columns: dataset, model, criterion, scope, beta (or scheme), dense accuracy,
    pruned accuracy, Δ accuracy (percentage points), sparsity (%), the global
    :math:`N_{\\mathrm{eff}}/N` (global scope) and the layers' own
    :math:`N_{\\mathrm{eff}}/N`, and the measured :math:`s_{\\mathrm{eff}}` against the
    Theorem 2 bound (global: the pooled vector; block/row: the smallest margin over
    layers/rows), then a note when :math:`\\nu` was clipped at :math:`N`.
    """
    if isinstance(results, SweepResult):
        results = [results]
    lines = []
    rw = max([24] + [len(_ratios(r)) for res in results for r in res.rows if r.kind == kind])
    if kind == "emp":
        head = (
            f"{'dataset':<13} {'model':<5} {'criterion':<9} {'scope':<6} {'beta':>5} "
            f"{'dense%':>7} {'pruned%':>7} {'Δacc':>6} {'sparse%':>7} {'Neff/N':>6}  "
            f"{'layers Neff/N':<{rw}} {'s_eff vs Thm 2':<34} note"
        )
    else:
        head = (
            f"{'dataset':<13} {'model':<5} {'criterion':<9} {'scope':<6} "
            f"{'dense%':>7} {'acc%':>7} {'Δacc':>6} {'sparse%':>7}  scheme"
        )
    lines.append(head)
    lines.append("-" * len(head))
    for res in results:
        for r in res.rows:
            if r.kind != kind:
                continue
            if kind == "emp":
                gr = "" if r.global_stats is None else f"{r.global_stats['ratio']:.3f}"
                lines.append(
                    f"{r.dataset:<13} {r.model:<5} {r.criterion:<9} {r.scope:<6} {r.beta:>5.2f} "
                    f"{100 * r.dense_acc:>7.2f} {100 * r.acc:>7.2f} {100 * r.delta:>+6.2f} "
                    f"{100 * r.sparsity:>7.2f} {gr:>6}  {_ratios(r):<{rw}} "
                    f"{_bound_txt(r):<34} {r.note}".rstrip()
                )
            else:
                lines.append(
                    f"{r.dataset:<13} {r.model:<5} {r.criterion:<9} {r.scope:<6} "
                    f"{100 * r.dense_acc:>7.2f} {100 * r.acc:>7.2f} {100 * r.delta:>+6.2f} "
                    f"{100 * r.sparsity:>7.2f}  {r.scheme}" + (f" [{r.note}]" if r.note else "")
                )
    return "\n".join(lines)


def format_layers(results, *, beta: float = 1.0) -> str:
    """Per-layer table at `beta`: N, the layer's N_eff and N_eff/N, s_eff, Theorem 2 bound, kept."""
    if isinstance(results, SweepResult):
        results = [results]
    head = (
        f"{'model':<5} {'criterion':<9} {'scope':<6} {'layer':<11} {'N':>9} {'N_eff':>9} "
        f"{'Neff/N':>7} {'s_eff':>7} {'Thm2':>7} {'kept':>9} {'kept%':>7}"
    )
    lines = [f"Per-layer statistics at beta = {beta:g} (N_eff, s_eff: the layer's own scores)"]
    lines += [head, "-" * len(head)]
    for res in results:
        for r in res.rows:
            if r.kind != "emp" or r.beta != beta:
                continue
            for layer in r.layers:

                def f(v, fmt):
                    return "-" if v is None else format(v, fmt)

                neff = layer["n_eff"] if r.scope != "row" else None
                lines.append(
                    f"{r.model:<5} {r.criterion:<9} {r.scope:<6} {layer['name']:<11} "
                    f"{layer['N']:>9} {f(neff, 'd'):>9} {f(layer['ratio'], '.3f'):>7} "
                    f"{f(layer['s_eff'], '.4f'):>7} {f(layer['bound'], '.4f'):>7} "
                    f"{layer['kept']:>9} {100 * layer['kept_fraction']:>7.2f}"
                )
    return "\n".join(lines)


_CSV_FIELDS = [
    "dataset", "model", "criterion", "scope", "kind", "beta", "scheme", "dense_acc", "acc",
    "delta", "loss", "sparsity", "N", "kept", "no_pruning", "n_groups", "n_saturated",
    "global_n_eff", "global_ratio", "global_s_eff", "global_bound", "layer_ratios",
    "bound_holds", "mask_diff", "note",
]  # fmt: skip


def to_csv(results) -> str:
    """All rows as CSV (one line per pruned model; per-layer ratios joined by '/')."""
    if isinstance(results, SweepResult):
        results = [results]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=_CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for res in results:
        for r in res.rows:
            g = r.global_stats or {}
            w.writerow(
                {
                    "dataset": r.dataset,
                    "model": r.model,
                    "criterion": r.criterion,
                    "scope": r.scope,
                    "kind": r.kind,
                    "beta": "" if r.beta is None else r.beta,
                    "scheme": r.scheme,
                    "dense_acc": r.dense_acc,
                    "acc": r.acc,
                    "delta": r.delta,
                    "loss": r.loss,
                    "sparsity": r.sparsity,
                    "N": r.N,
                    "kept": r.kept,
                    "no_pruning": r.no_pruning,
                    "n_groups": r.n_groups,
                    "n_saturated": r.n_saturated,
                    "global_n_eff": g.get("n_eff", ""),
                    "global_ratio": g.get("ratio", ""),
                    "global_s_eff": g.get("s_eff", ""),
                    "global_bound": g.get("bound", ""),
                    "layer_ratios": _ratios(r),
                    "bound_holds": "" if r.bound_holds is None else r.bound_holds,
                    "mask_diff": "" if r.mask_diff is None else r.mask_diff,
                    "note": r.note,
                }
            )
    return buf.getvalue()
