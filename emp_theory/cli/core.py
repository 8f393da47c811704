"""``emp-theory neff``, ``bounds`` and ``verify``: the theory core on the command line.

::

    emp-theory neff FILE [--beta B] [--json]     N, N_eff, s_eff, k, sparsity of a score file
    emp-theory bounds --N 1000 [--nu ...] [--beta B] [--json]
    emp-theory verify [--samples S] [--json]     SymPy checks + a short Monte Carlo
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from ._args import UsageError, int_list, positive_float, positive_int

__all__ = ["load_scores", "register"]


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
    from ..effective import emp_summary

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
        f"k (kept)     {d['k']}",
        f"kept mass    {d['kept_mass']:.6f}",
        f"sparsity     {d['sparsity']:.4%}",
        f"Theorem 2    s_eff >= {d['bound']:.6f}",
        f"trivial      s_eff >= {d['trivial_bound']:.6f}",
    ]
    _emit(d, args.json, lines)
    return 0


def _cmd_bounds(args) -> int:
    from ..bounds import p_nu, prop1_infimum, theorem2_approx, trivial_bound
    from ..certificate import beta_bound, exact_infimum_point
    from ..effective import keep_count

    N = args.N
    nus = int_list(args.nu, "nu")
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
                row["k"] = keep_count(beta=args.beta, n_eff=nu, N=N)
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
    from ..montecarlo import run as mc_run
    from ..symbolic import run_all

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


def register(sub) -> None:
    """Add ``neff``, ``bounds`` and ``verify`` to the ``emp-theory`` sub-command parser."""
    p = sub.add_parser("neff", help="N_eff, s_eff, k (kept) and sparsity of a score vector")
    p.add_argument("file", help=".npy, .csv/.txt file of scores, or - for stdin")
    p.add_argument("--beta", type=positive_float, default=1.0, help="EMP coefficient (default 1)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_neff)

    p = sub.add_parser("bounds", help="Proposition 1 / Theorem 2 and the exact certificate")
    p.add_argument("--N", type=positive_int, required=True, help="dimension N >= 2")
    p.add_argument("--nu", help="comma-separated shell indices (default: a few)")
    p.add_argument("--beta", type=positive_float, help="also give the generalized beta bound")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_bounds)

    p = sub.add_parser("verify", help="run the SymPy proofs and a short Monte Carlo")
    p.add_argument("--samples", type=positive_int, default=200_000, help="samples per N")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_verify)
