r"""The JSON report of a streamed prune, and its per-tensor table for people.

:func:`build_report` gathers what a run did: Algorithm 1's numbers (``N`` =
:math:`N`, ``n_eff`` = :math:`N_{\mathrm{eff}}`, ``k`` = the kept count :math:`k =
\mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N)`, ``threshold`` = the
:math:`k`-th largest magnitude, ``beta`` = :math:`\beta`), one row per tensor (pruned
or not, and why: :mod:`emp_theory.streaming.rule`), the files of the checkpoint folder
(copied, ignored and why: :mod:`emp_theory.streaming.folder`) and the leftovers of
killed runs that were cleaned up (:mod:`emp_theory.streaming.publish`).
:func:`format_table` prints the rows.

Examples
--------
>>> rows = [{"name": "l.weight", "dtype": "F32", "shape": [4, 4], "pruned": True,
...          "sparsity": 0.25, "reason": "linear/conv weight"}]
>>> print(format_table(rows))
tensor    dtype  shape  pruned  sparsity  reason
l.weight  F32    4x4    yes     25.00 %   linear/conv weight
"""

from __future__ import annotations

from .keys import key_value

__all__ = ["build_report", "format_table"]


def build_report(run: dict, ck, groups, seg_of, rule, cleaned, t_an: float, t_tot: float) -> dict:
    """The JSON-ready report of a run (keys listed in :func:`~emp_theory.streaming.driver.prune_safetensors`).

    ``run`` holds the arguments (``in_dir``, ``out_dir``, ``scope``, ``beta``), ``ck``
    is the :class:`~emp_theory.streaming.folder.Checkpoint`, ``groups`` the analysed
    groups (one with ``scope="global"``), ``seg_of`` maps ``(shard name, tensor
    name)`` of every pruned tensor to its segment and group, ``rule`` is the
    :class:`~emp_theory.streaming.rule.PruneRule`, ``cleaned`` the leftovers handled,
    ``t_an`` / ``t_tot`` the analysis and total times in seconds.
    """
    scope = run["scope"]
    rows = []
    total_entries = 0
    total_kept = 0
    for sh in ck.shards:
        for t in sh.tensors:
            total_entries += t.numel
            entry = seg_of.get((sh.name, t.name))
            _, why = rule.decide(t.name, t.dtype, t.shape)
            row = {
                "shard": sh.name,
                "name": t.name,
                "dtype": t.dtype,
                "shape": list(t.shape),
                "pruned": entry is not None and not entry[1].zero,
                "reason": why,
                "N": t.numel,
            }
            if entry is None or entry[1].zero:
                row["kept"] = t.numel
                if entry is not None:
                    row["note"] = "all zeros: N_eff undefined, copied unchanged"
                    row["reason"] = "all zeros (N_eff undefined)"
            else:
                seg, g = entry
                row["kept"] = seg.kept
                if scope == "layer":
                    row["n_eff"] = g.n_eff
                    row["k"] = g.k
                    row["threshold"] = key_value(g.t_key, g.key_dtype)
                    row["stats"] = g.stats
            row["sparsity"] = 1.0 - row["kept"] / t.numel if t.numel else 0.0
            total_kept += row["kept"]
            rows.append(row)
    live = [g for g in groups if not g.zero]
    N = sum(g.N for g in live)
    kept = sum(g.k for g in live)
    one = groups[0] if scope == "global" else None
    return {
        "in_dir": str(run["in_dir"]),
        "out_dir": str(run["out_dir"]),
        "scope": scope,
        "criterion": "magnitude",
        "beta": run["beta"],
        "include_1d": rule.include_1d,
        "include": list(rule.include),
        "exclude": list(rule.exclude),
        "stats": one.stats if one else sorted({g.stats for g in live}),
        "order": "shards by name; tensors by data offset; entries row-major",
        "N": N,
        "n_eff": one.n_eff if one else None,
        "k": one.k if one else None,
        "threshold": key_value(one.t_key, one.key_dtype) if one else None,
        "max_abs": one.scale if one else None,
        "sum_a": one.l1 if one else None,
        "sum_a2": one.l2sq if one else None,
        "sum_scale": one.sum_scale if one else None,
        "kept": kept,
        "sparsity": 1.0 - kept / N if N else 0.0,
        "overall_sparsity": 1.0 - total_kept / total_entries if total_entries else 0.0,
        "n_shards": len(ck.shards),
        "index": ck.index,
        "copied": list(ck.files),
        "ignored": list(ck.ignored),
        "cleaned": list(cleaned),
        "passes": max(g.passes for g in groups) + 1,
        "timing": {"analysis_s": t_an, "write_s": t_tot - t_an, "total_s": t_tot},
        "tensors": rows,
    }


def format_table(rows: list[dict]) -> str:
    """The per-tensor rows of a report as an aligned text table (no trailing spaces)."""
    head = ["tensor", "dtype", "shape", "pruned", "sparsity", "reason"]
    body = [
        [
            r["name"],
            r["dtype"],
            "x".join(str(x) for x in r["shape"]) or "()",
            "yes" if r["pruned"] else "no",
            f"{100 * r['sparsity']:.2f} %" if r["pruned"] else "-",
            r.get("reason", ""),
        ]
        for r in rows
    ]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
        for line in [head, *body]
    )
