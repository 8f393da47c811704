"""``emp-theory prune-safetensors``: streaming EMP over sharded ``.safetensors`` checkpoints.

The command parses its arguments here and calls
:func:`emp_theory.streaming.driver.prune_safetensors`; torch and safetensors are imported only
when it runs.
"""

from __future__ import annotations

import json

from ._args import UsageError, positive_float

__all__ = ["register"]


def _cmd_prune(args) -> int:
    from ..streaming import REPORT_NAME, prune_safetensors
    from ..streaming.report import format_table

    try:
        rep = prune_safetensors(
            args.in_dir,
            args.out_dir,
            scope=args.scope,
            beta=args.beta,
            criterion=args.criterion,
            include_1d=args.include_1d,
            include=args.include,
            exclude=args.exclude,
            stats=args.stats,
            overwrite=args.overwrite,
            progress=not args.no_progress,
        )
    except ImportError as exc:
        raise UsageError(f"needs the safetensors and torch packages ({exc})") from None
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:  # e.g. no permission to write beside the output
        raise UsageError(f"{exc.strerror or exc}: {exc.filename or args.out_dir}") from None
    if args.json:
        print(json.dumps(rep, indent=2))
        return 0
    print(format_table(rep["tensors"]))
    print()
    for note in rep["cleaned"]:
        print(f"leftover of a killed run: {note}")
    for f in rep["ignored"]:
        print(f"ignored {f['path']}: {f['why']}")
    print(f"pruned entries N = {rep['N']}, kept {rep['kept']} (sparsity {rep['sparsity']:.4f})")
    if rep["scope"] == "global":
        print(f"N_eff = {rep['n_eff']}, k = {rep['k']}, threshold |w| = {rep['threshold']:.6g}")
    print(f"overall sparsity {rep['overall_sparsity']:.4f}, {rep['timing']['total_s']:.1f} s")
    index = f", {rep['index']}" if rep["index"] else ""
    print(
        f"wrote {rep['n_shards']} shard(s){index}, {len(rep['copied']) - bool(rep['index'])} "
        f"other file(s) and {REPORT_NAME} to {rep['out_dir']}"
    )
    return 0


def register(subparsers) -> None:
    """Add ``prune-safetensors`` to the ``emp-theory`` sub-command parser."""
    p = subparsers.add_parser(
        "prune-safetensors",
        help="EMP-prune a sharded .safetensors checkpoint folder by streaming (bounded memory)",
        description=(
            "EMP magnitude pruning of a (sharded) .safetensors checkpoint folder, streamed "
            "piece by piece in two passes (bf16/fp16). The shards are those of "
            "model.safetensors.index.json when there is one. By default the linear and "
            "convolution weights are pruned (floating, ndim >= 2, named *.weight, not "
            "embeddings, norms, pooler or lm_head); --include/--exclude adjust that. The "
            "output folder is a complete checkpoint (shards, index, config and tokenizer "
            "files), published whole by one rename; a table says what was pruned and why."
        ),
    )
    p.add_argument("in_dir", help="checkpoint folder with *.safetensors shards")
    p.add_argument(
        "out_dir", help="output folder: new, empty, or a previous output with --overwrite"
    )
    p.add_argument("--scope", choices=("global", "layer"), default="global")
    p.add_argument("--beta", type=positive_float, default=1.0, help="EMP coefficient (default 1)")
    p.add_argument("--criterion", choices=("magnitude",), default="magnitude")
    p.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="GLOB",
        help="also prune tensors whose name matches GLOB (fnmatch; repeatable; wins over "
        "the default rule)",
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="never prune tensors whose name matches GLOB (fnmatch; repeatable; wins over "
        "--include)",
    )
    p.add_argument(
        "--include-1d", action="store_true", help="also prune the biases of the pruned layers"
    )
    p.add_argument(
        "--stats",
        choices=("exact", "core"),
        default="exact",
        help="N_eff in exact integer arithmetic from the magnitude histogram (8/16-bit "
        "floats, default; wider ones use core) or also reproducing the in-memory core's "
        "float64 sums (one pass more); both give the same N_eff, k and masks",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace a previous output (swapped whole)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=_cmd_prune)
