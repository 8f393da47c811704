"""The ``emp-theory`` command.

Sub-commands::

    emp-theory neff FILE [--beta B] [--json]     N, N_eff, s_eff, nu, sparsity of a score file
    emp-theory bounds --N 1000 [--nu ...] [--beta B] [--json]
    emp-theory verify [--samples S] [--json]     SymPy checks + a short Monte Carlo

Further sub-commands (``sweep``, ...) are registered by the modules listed in
``_EXTENSIONS``; they import their heavy dependencies only when run.

User mistakes (a missing or malformed file, a bad argument) print one line to
stderr and exit with status 2; they never show a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

import numpy as np

__all__ = ["load_scores", "main"]

#: Modules that add sub-commands through a ``register(subparsers)`` function.
_EXTENSIONS: list[str] = ["emp_theory.pruning.cli", "emp_theory.streaming"]


class UsageError(Exception):
    """A user mistake: reported as one line on stderr, exit status 2."""


def load_scores(path: str) -> np.ndarray:
    """Read a score vector from ``.npy``, ``.csv``/``.txt`` (any whitespace/comma layout) or ``-`` (stdin).

    Raises
    ------
    UsageError
        If the file is missing, unreadable, empty or not numeric.
    """
    if path == "-":
        text = sys.stdin.read()
        return _parse_text(text, "<stdin>")
    p = Path(path)
    if not p.exists():
        raise UsageError(f"no such file: {path}")
    if p.is_dir():
        raise UsageError(f"expected a file, got a directory: {path}")
    if p.suffix == ".npy":
        try:
            arr = np.load(p, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise UsageError(f"cannot read {path} as .npy: {exc}") from None
        return np.asarray(arr)
    try:
        text = p.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    return _parse_text(text, path)


def _parse_text(text: str, where: str) -> np.ndarray:
    """Numbers separated by whitespace, commas or semicolons; ``#`` starts a comment."""
    tokens = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        tokens.extend(line.replace(",", " ").replace(";", " ").split())
    if not tokens:
        raise UsageError(f"{where} holds no numbers")
    try:
        return np.array([float(t) for t in tokens], dtype=np.float64)
    except ValueError as exc:
        raise UsageError(f"{where} is not a list of numbers: {exc}") from None


def _emit(obj, as_json: bool, lines: list[str]) -> None:
    if as_json:
        print(json.dumps(obj, indent=2, default=_json_default))
    else:
        print("\n".join(lines))


def _json_default(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(type(o).__name__)


def _cmd_neff(args) -> int:
    from .effective import emp_summary

    scores = load_scores(args.file)
    try:
        summary = emp_summary(scores, beta=args.beta)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    d = summary.as_dict()
    lines = [
        f"N            {d['N']}",
        f"N_eff        {d['n_eff']}",
        f"s_eff        {d['s_eff']:.6f}",
        f"beta         {d['beta']:g}",
        f"nu (kept)    {d['nu']}",
        f"kept mass    {d['kept_mass']:.6f}",
        f"sparsity     {d['sparsity']:.4%}",
        f"Theorem 2    s_eff >= {d['bound']:.6f}",
        f"trivial      s_eff >= {d['trivial_bound']:.6f}",
    ]
    _emit(d, args.json, lines)
    return 0


def _parse_int_list(text: str | None, name: str) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(x) for x in text.replace(",", " ").split()]
    except ValueError:
        raise UsageError(
            f"--{name} must be a comma-separated list of integers, got {text!r}"
        ) from None


def _cmd_bounds(args) -> int:
    from .bounds import p_nu, prop1_infimum, theorem2_approx, trivial_bound
    from .certificate import beta_bound, exact_infimum_point
    from .effective import nu_from_n_eff

    N = args.N
    nus = _parse_int_list(args.nu, "nu")
    if nus is None:
        nus = sorted({1, max(1, N // 10), max(1, N // 4), max(1, N // 2), max(1, N - 1), N})
    rows = []
    try:
        for nu in nus:
            cert = exact_infimum_point(nu, N)
            row = {
                "N": N,
                "nu": nu,
                "prop1_infimum": prop1_infimum(nu, N),
                "exact_infimum": cert.value,
                "agree": abs(cert.value - prop1_infimum(nu, N)) <= 1e-12,
                "theorem2_approx": theorem2_approx(nu, N),
                "trivial_bound": trivial_bound(nu, N),
                "p_nu": p_nu(nu, N),
            }
            if args.beta is not None:
                row["beta"] = args.beta
                row["k"] = nu_from_n_eff(nu, N, args.beta)
                row["beta_bound"] = beta_bound(args.beta, nu, N)
            rows.append(row)
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        out = rows[0] if len(rows) == 1 else rows
        print(json.dumps(out, indent=2, default=_json_default))
        return 0
    head = f"{'nu':>8} {'Prop.1':>12} {'exact':>12} {'approx':>12} {'nu/N':>10}"
    if args.beta is not None:
        head += f" {'k':>8} {'beta bound':>12}"
    print(f"N = {N}")
    print(head)
    for r in rows:
        line = (
            f"{r['nu']:>8} {r['prop1_infimum']:>12.8f} {r['exact_infimum']:>12.8f} "
            f"{r['theorem2_approx']:>12.8f} {r['trivial_bound']:>10.6f}"
        )
        if args.beta is not None:
            line += f" {r['k']:>8} {r['beta_bound']:>12.8f}"
        print(line)
    return 0


def _cmd_verify(args) -> int:
    from .montecarlo import run as mc_run
    from .symbolic import run_all

    checks = run_all()
    mc = []
    for N in (3, 10, 50):
        mc.extend(mc_run(N, n_samples=args.samples, method="both", seed=0))
    mc_ok = all(r.min_kept_mass >= r.infimum - 1e-12 for r in mc if r.n_in_shell)
    if args.json:
        print(
            json.dumps(
                {
                    "symbolic": [c.as_dict() for c in checks],
                    "montecarlo": [r.as_dict() for r in mc],
                    "passed": all(c.passed for c in checks) and mc_ok,
                },
                indent=2,
                default=_json_default,
            )
        )
    else:
        print(f"{'check':<48} result")
        for c in checks:
            print(f"{c.name:<48} {'PASS' if c.passed else 'FAIL'}")
        print()
        print(f"{'N':>5} {'nu':>5} {'in shell':>9} {'min kept':>12} {'infimum':>12} {'gap':>10}")
        for r in mc:
            if r.n_in_shell:
                print(
                    f"{r.N:>5} {r.nu:>5} {r.n_in_shell:>9} {r.min_kept_mass:>12.8f} "
                    f"{r.infimum:>12.8f} {r.gap:>10.2e}"
                )
        print()
        print("Monte Carlo: no sample below the bound" if mc_ok else "Monte Carlo: BOUND VIOLATED")
    return 0 if all(c.passed for c in checks) and mc_ok else 1


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not np.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return v


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit status 2 (argparse's own convention)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="emp-theory", description="Effective Model Pruning: theory and tools.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("neff", help="N_eff, s_eff, nu and sparsity of a score vector")
    p.add_argument("file", help=".npy, .csv/.txt file of scores, or - for stdin")
    p.add_argument("--beta", type=_positive_float, default=1.0, help="EMP coefficient (default 1)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_neff)

    p = sub.add_parser("bounds", help="Proposition 1 / Theorem 2 and the exact certificate")
    p.add_argument("--N", type=_positive_int, required=True, help="dimension N >= 2")
    p.add_argument("--nu", help="comma-separated shell indices (default: a few)")
    p.add_argument("--beta", type=_positive_float, help="also give the generalized beta bound")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_bounds)

    p = sub.add_parser("verify", help="run the SymPy proofs and a short Monte Carlo")
    p.add_argument("--samples", type=_positive_int, default=200_000, help="samples per N")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_verify)

    for name in _EXTENSIONS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"emp-theory {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
