r"""Text tables and CSV of :math:`\beta`-sweep results (Table 4 and Table 9 of the paper).

* :func:`format_table` — one line per pruned model: EMP rows (``kind="emp"``) with
  the sparsity, the global and per-layer :math:`N_{\mathrm{eff}}/N` and the measured
  :math:`s_{\mathrm{eff}}` against the Theorem 2 bound (eq. 15), or the fixed-amount
  baselines (``kind="fixed"``);
* :func:`format_layers` — per-layer :math:`N`, :math:`N_{\mathrm{eff}}`,
  :math:`s_{\mathrm{eff}}`, bound and kept count at one ``beta`` = :math:`\beta`;
* :func:`to_csv` — every row as CSV.

Each takes a :class:`~emp_theory.pruning.sweep_result.SweepResult` or a list of them.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Theorem 2, Tables 4 and 9.
"""

from __future__ import annotations

import csv
import io

from .sweep_result import SweepResult, SweepRow

__all__ = ["format_layers", "format_table", "to_csv"]


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
    layers/rows), then a note when the kept count :math:`k` was clipped at :math:`N`.
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
    lw = max([11] + [len(la["name"]) for res in results for r in res.rows for la in r.layers])
    head = (
        f"{'model':<5} {'criterion':<9} {'scope':<6} {'layer':<{lw}} {'N':>9} {'N_eff':>9} "
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
                    f"{r.model:<5} {r.criterion:<9} {r.scope:<6} {layer['name']:<{lw}} "
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
