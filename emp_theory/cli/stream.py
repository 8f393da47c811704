"""``emp-theory prune-safetensors``: streaming EMP over sharded ``.safetensors`` checkpoints.

The command parses its arguments here and calls
:func:`emp_theory.streaming.prune_safetensors`; torch and safetensors are imported only
when it runs.
"""

from __future__ import annotations

import json

from ._args import UsageError, positive_float

__all__ = ["register"]


def _cmd_prune(args) -> int:
    from ..streaming import REPORT_NAME, prune_safetensors

    try:
        rep = prune_safetensors(
            args.in_dir,
            args.out_dir,
            scope=args.scope,
            beta=args.beta,
            criterion=args.criterion,
            include_1d=args.include_1d,
            stats=args.stats,
            overwrite=args.overwrite,
            progress=not args.no_progress,
        )
    except ImportError as exc:
        raise UsageError(f"needs the safetensors and torch packages ({exc})") from None
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(rep, indent=2))
        return 0
    print(f"pruned entries N = {rep['N']}, kept {rep['kept']} (sparsity {rep['sparsity']:.4f})")
    if rep["scope"] == "global":
        print(f"N_eff = {rep['n_eff']}, k = {rep['k']}, threshold |w| = {rep['threshold']:.6g}")
    print(f"overall sparsity {rep['overall_sparsity']:.4f}, {rep['timing']['total_s']:.1f} s")
    print(f"wrote {rep['n_shards']} shard(s) and {REPORT_NAME} to {rep['out_dir']}")
    return 0


def register(subparsers) -> None:
    """Add ``prune-safetensors`` to the ``emp-theory`` sub-command parser."""
    p = subparsers.add_parser(
        "prune-safetensors",
        help="EMP-prune sharded .safetensors checkpoints by streaming (bounded memory)",
        description=(
            "EMP magnitude pruning of a sharded .safetensors checkpoint, streamed one "
            "memory-mapped shard at a time. Floating tensors with ndim >= 2 are pruned "
            "(1-D ones too with --include-1d); everything else is copied unchanged."
        ),
    )
    p.add_argument("in_dir", help="directory with *.safetensors shards")
    p.add_argument("out_dir", help="output directory (must differ from in_dir)")
    p.add_argument("--scope", choices=("global", "layer"), default="global")
    p.add_argument("--beta", type=positive_float, default=1.0, help="EMP coefficient (default 1)")
    p.add_argument("--criterion", choices=("magnitude",), default="magnitude")
    p.add_argument("--include-1d", action="store_true", help="also prune 1-D tensors")
    p.add_argument(
        "--stats",
        choices=("core", "exact"),
        default="core",
        help="N_eff as the in-memory core computes it (float64, default) or in exact "
        "integer arithmetic from the magnitude histogram (8/16-bit floats; one pass fewer)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=_cmd_prune)
