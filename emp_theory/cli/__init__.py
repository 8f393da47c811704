"""The ``emp-theory`` command: one parser, one module per command group.

=====================  ======================================================
module                 commands
=====================  ======================================================
:mod:`.core`           ``neff``, ``bounds``, ``verify`` (the theory core)
:mod:`.sweep`          ``sweep`` (the β-sweep of the pruning path)
:mod:`.stream`         ``prune-safetensors`` (streaming over checkpoints)
``_args``              the parser class, :class:`UsageError`, argument types
=====================  ======================================================

Every command module imports only the standard library and NumPy at the top; torch,
SymPy and safetensors are imported when a command runs, so ``emp-theory --help`` is fast.
User mistakes (a missing or malformed file, a bad argument) print one line to
stderr and exit with status 2; they never show a traceback.
"""

from __future__ import annotations

from . import core, stream, sweep
from ._args import Parser, UsageError, dispatch
from .core import load_scores

__all__ = ["UsageError", "build_parser", "load_scores", "main"]


def build_parser() -> Parser:
    """The ``emp-theory`` parser with every sub-command registered."""
    parser = Parser(prog="emp-theory", description="Effective Model Pruning: theory and tools.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    core.register(sub)
    sweep.register(sub)
    stream.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``emp-theory`` with `argv`; return the exit status (0, 1 for a failed check, 2).

    Ctrl-C (``KeyboardInterrupt``) in any command prints one line and returns 130
    (128 + SIGINT, the shell's convention); the commands leave no partial file under
    a final name (atomic writes, the streamer's partial folder).
    """
    args = build_parser().parse_args(argv)
    return dispatch(args, f"emp-theory {args.command}")
