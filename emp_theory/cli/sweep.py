"""``emp-theory sweep``: the β-sweep from the command line.

``register(subparsers)`` adds the ``sweep`` sub-command to the ``emp-theory``
parser; torch is imported only when the command runs, so ``emp-theory --help``
stays fast. :func:`main` runs the same command stand-alone::

    emp-theory sweep --model fc5 --dataset digits --betas 0.5,0.75,1,1.25,1.5,2 \\
        --scope global,block --criterion magnitude,taylor --json out.json --plot fig3.png
    emp-theory sweep --model fc2,fc5,fc12 --dataset fashion-mnist \\
        --data-dir /usr/share/datasets/fashion-mnist --betas 1

Output: the Table 4-style table of the EMP rows, the fixed-amount baselines
(Table 9), and with ``--layers`` the per-layer statistics at β = 1. ``--csv``
prints CSV instead of the tables (or writes it to a file); ``--json`` writes
everything to a file (``-`` for stdout). User mistakes print one line on stderr
and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from .._cache import atomic_write
from ..pruning.names import CRITERIA as _CRITERIA
from ..pruning.names import DATASETS as _DATASETS
from ..pruning.names import DEBIAN_FASHION_MNIST as _DEBIAN_FMNIST
from ..pruning.names import MODELS as _MODELS
from ..pruning.names import SCOPES as _SCOPES
from ._args import Parser, UsageError, choose, dispatch, float_list

__all__ = ["main", "register"]


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        default="fc2",
        help="fc2, fc5, fc12, cnn, a comma-separated list, or 'all' (default fc2)",
    )
    p.add_argument(
        "--dataset",
        default="digits",
        help="digits (bundled, default), mnist or fashion-mnist (need --data-dir)",
    )
    p.add_argument(
        "--data-dir",
        help="folder with the four IDX files of MNIST / Fashion-MNIST (gzipped or not); "
        f"Debian's dataset-fashion-mnist installs them in {_DEBIAN_FMNIST}",
    )
    p.add_argument(
        "--betas", default="0.5,0.75,1,1.25,1.5,2", help="comma-separated β > 0 (Figure 3's six)"
    )
    p.add_argument("--scope", default="global,block", help="global, block, row, or 'all'")
    p.add_argument(
        "--criterion",
        default="magnitude",
        help="magnitude, taylor, saliency, obd, wanda, comma-separated, or 'all'",
    )
    p.add_argument(
        "--fixed-sparsity",
        default="",
        help="extra fixed fractions pruned by torch (Table 9's 'Original'), e.g. 0.5,0.7,0.9",
    )
    p.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the torch baseline at the amount EMP chose at β = 1",
    )
    p.add_argument("--layers", action="store_true", help="also print the per-layer table (β=1)")
    p.add_argument("--json", metavar="PATH", help="write all results as JSON ('-' = stdout)")
    p.add_argument(
        "--csv",
        nargs="?",
        const="-",
        metavar="PATH",
        help="CSV instead of the tables (to PATH, or stdout without PATH)",
    )
    p.add_argument("--plot", metavar="PATH", help="write a Figure 3-like plot (e.g. fig3.png)")
    p.add_argument("--cache-dir", help="checkpoint cache (default $EMP_THEORY_CACHE or ~/.cache)")
    p.add_argument("--no-cache", action="store_true", help="retrain even if a checkpoint exists")
    p.add_argument("--seed", type=int, default=0, help="training and calibration seed (0)")
    p.add_argument("--n-batches", type=int, default=4, help="calibration batches of 128 images (4)")
    p.add_argument(
        "--threads",
        type=int,
        help="torch threads (default 1 for digits, where small models run fastest "
        "single-threaded, else torch's default)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``sweep`` sub-command to an ``argparse`` sub-parsers object."""
    p = subparsers.add_parser(
        "sweep",
        help="β-sweep of EMP on FC2/FC5/FC12/CNN (Figure 3, Tables 4 and 9)",
        description="Train (or load from the cache) a model, prune it with EMP for each "
        "criterion, scope and β, and print a Table 4-style table.",
    )
    _add_arguments(p)
    p.set_defaults(func=_cmd_sweep)
    return p


def _cmd_sweep(args) -> int:
    models = choose(args.model, _MODELS, "model")
    dataset = args.dataset.strip().lower()
    if dataset not in _DATASETS:
        raise UsageError(f"unknown dataset {args.dataset!r} (choose from {', '.join(_DATASETS)})")
    if dataset != "digits" and not args.data_dir:
        hint = f" (Debian: apt-get install dataset-fashion-mnist; {_DEBIAN_FMNIST})"
        raise UsageError(
            f"--dataset {dataset} needs --data-dir with its IDX files; nothing is downloaded"
            + (hint if dataset == "fashion-mnist" else "")
        )
    betas = float_list(args.betas, "betas", low=0.0, high=math.inf, open_low=True)
    scopes = choose(args.scope, _SCOPES, "scope")
    criteria = choose(args.criterion, _CRITERIA, "criterion")
    fixed = (
        float_list(args.fixed_sparsity, "fixed-sparsity", low=0.0, high=1.0, open_low=False)
        if args.fixed_sparsity.strip()
        else []
    )
    if args.n_batches < 1:
        raise UsageError("--n-batches must be >= 1")
    if args.threads is not None and args.threads < 1:
        raise UsageError("--threads must be >= 1")

    import torch  # heavy: only now

    from ..pruning.data import load_dataset
    from ..pruning.sweep import run_sweep
    from ..pruning.sweep_tables import format_layers, format_table, to_csv

    threads = args.threads if args.threads is not None else (1 if dataset == "digits" else None)
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        data = load_dataset(dataset, args.data_dir)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    progress = None if not args.quiet else False
    results = []
    for model in models:
        try:
            results.append(
                run_sweep(
                    model,
                    data,
                    betas=betas,
                    scopes=scopes,
                    criteria=criteria,
                    cache=args.cache_dir,
                    use_cache=not args.no_cache,
                    seed=args.seed,
                    n_batches=args.n_batches,
                    fixed_sparsities=fixed,
                    baseline=not args.no_baseline,
                    progress=progress,
                )
            )
        except (ValueError, TypeError) as exc:
            raise UsageError(str(exc)) from None

    if args.csv is not None:
        text = to_csv(results)
        if args.csv == "-":
            sys.stdout.write(text)
        else:
            _write(args.csv, text)
    else:
        print(f"EMP β-sweep on {dataset} ({data.source}); accuracies on the test set")
        print(format_table(results))
        if any(r.fixed_rows() for r in results):
            print()
            print("Fixed-amount baselines (same criterion and scores, torch.nn.utils.prune):")
            print(format_table(results, kind="fixed"))
        if args.layers and 1.0 in betas:
            print()
            print(format_layers(results, beta=1.0))
        sat = [
            f"{r.model}/{r.criterion}/{r.scope} at β={r.beta:g}"
            for res in results
            for r in res.emp_rows()
            if r.no_pruning
        ]
        if sat:
            print()
            print("k saturates at N (β·N_eff >= N, nothing pruned) for: " + ", ".join(sat))
    if args.json:
        blob = json.dumps({"version": 1, "results": [r.as_dict() for r in results]}, indent=1)
        if args.json == "-":
            print(blob)
        else:
            _write(args.json, blob + "\n")
    if args.plot:
        from ..viz.sweep_figs import figure3_matplotlib

        try:
            figure3_matplotlib(results, args.plot)
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot write --plot {args.plot}: {exc}") from None
    return 0


def _write(path: str, text: str) -> None:
    try:
        atomic_write(path, text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    """Run ``sweep`` stand-alone (``python -m emp_theory.cli.sweep ...``): exit status 0 or 2."""
    parser = Parser(prog="emp-theory sweep", description="EMP β-sweep")
    _add_arguments(parser)
    parser.set_defaults(func=_cmd_sweep, command="sweep")
    return dispatch(parser.parse_args(argv), "emp-theory sweep")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
