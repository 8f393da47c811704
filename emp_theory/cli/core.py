r"""``emp-theory neff``, ``bounds`` and ``verify``: the theory core on the command line.

::

    emp-theory neff FILE [--beta B] [--json]     N, N_eff, s_eff, k, sparsity of a score file
    emp-theory bounds --N 1000 [--nu ...] [--beta B] [--certify] [--full] [--json]
    emp-theory verify [--samples S] [--json]     SymPy checks + a short Monte Carlo

``bounds`` serves every ``2 <= N <= 2**53``: eq. 14, eq. 15 and eq. 13 are closed
forms, :math:`p_\nu` is printed as its distinct values and their counts (``--full``:
the vector, for ``N <= 10**5``), and the exact certificate
(:func:`emp_theory.certificate.exact_infimum_point`, a few thousand candidate
evaluations per shell) runs by default for ``N <= 10**6`` and beyond only with
``--certify``; ``--beta`` needs the certificate. Larger ``N`` is a one-line error
naming ``--N``.
"""

from __future__ import annotations

import json
import math

import numpy as np

from ._args import UsageError, int_list, positive_float, positive_int
from .inputs import load_scores

__all__ = ["load_scores", "register"]


def _emit(obj, as_json: bool, lines: list[str]) -> None:
    if as_json:
        print(dumps_strict(obj))
    else:
        print("\n".join(lines))


def dumps_strict(obj) -> str:
    """Strict JSON (RFC 8259): ``json.dumps(..., allow_nan=False)``; never prints NaN/Infinity.

    A non-finite number is a :class:`.UsageError` naming where it sits (e.g. ``s_eff``),
    and nothing is printed.
    """
    try:
        return json.dumps(obj, indent=2, default=_json_default, allow_nan=False)
    except ValueError:
        where = _non_finite_path(json.loads(json.dumps(obj, default=_json_default)))
        raise UsageError(
            f"refusing to print non-finite JSON: `{where}` is NaN or infinite"
        ) from None


def _non_finite_path(obj, path: str = "") -> str:
    """Where the first NaN/inf of a parsed JSON value sits (``s_eff``, ``[2].gap``), or ``""``."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return path or "<value>"
    if isinstance(obj, dict):
        items = [(f"{path}.{k}" if path else str(k), v) for k, v in obj.items()]
    elif isinstance(obj, list):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(obj)]
    else:
        items = []
    for where, v in items:
        found = _non_finite_path(v, where)
        if found:
            return found
    return ""


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


#: ``bounds`` runs the exact certificate by default up to this N; beyond it only with --certify.
CERTIFY_DEFAULT_MAX = 10**6
#: ``bounds --full`` prints the whole p_nu vector (N numbers per shell) up to this N.
FULL_MAX = 10**5
#: At most this many shell indices in one ``bounds --nu`` list.
MAX_NUS = 1000


def _bounds_sizes(args) -> tuple[int, list[int], bool]:
    """Validate ``--N``, ``--nu``, ``--full``, ``--certify``, ``--beta``; return ``(N, nus, certify)``."""
    from ..certificate import MAX_N

    N = args.N
    if not 2 <= N <= MAX_N:
        raise UsageError(f"--N must be an integer in [2, 2**53 = {MAX_N}], got {N}")
    if args.full and N > FULL_MAX:
        raise UsageError(
            f"--N {N} is too large for --full (it prints N numbers per shell; at most {FULL_MAX})"
        )
    nus = int_list(args.nu, "nu")
    if nus is None:
        nus = sorted({1, max(1, N // 10), max(1, N // 4), max(1, N // 2), max(1, N - 1), N})
    if not nus:
        raise UsageError("--nu is empty")
    if len(nus) > MAX_NUS:
        raise UsageError(f"--nu lists {len(nus)} shell indices; at most {MAX_NUS}")
    for nu in nus:
        if not 1 <= nu <= N:
            raise UsageError(f"--nu: {nu} is outside [1, N] = [1, {N}]")
    certify = args.certify or N <= CERTIFY_DEFAULT_MAX
    if args.beta is not None and not certify:
        raise UsageError(
            f"--beta at --N {N} needs the exact certificate, which runs by default only for "
            f"N <= {CERTIFY_DEFAULT_MAX}: add --certify"
        )
    return N, nus, certify


def _cmd_bounds(args) -> int:
    from ..bounds import p_nu, p_nu_runs, prop1_infimum, theorem2_approx, trivial_bound
    from ..certificate import beta_bound, exact_infimum_point
    from ..effective import keep_count

    N, nus, certify = _bounds_sizes(args)
    rows = []
    try:
        for nu in nus:
            inf = prop1_infimum(nu, N)
            row = {"N": N, "nu": nu, "prop1_infimum": inf, "certified": certify}
            if certify:
                cert = exact_infimum_point(nu, N)
                row["exact_infimum"] = cert.value
                row["agree"] = abs(cert.value - inf) <= 1e-12
                row["certificate"] = {
                    "edge": list(cert.edge),
                    "sphere": cert.sphere,
                    "evaluations": cert.evaluations,
                }
            else:
                row["exact_infimum"] = None
                row["agree"] = None
            row["theorem2_approx"] = theorem2_approx(nu, N)
            row["trivial_bound"] = trivial_bound(nu, N)
            if args.full:
                row["p_nu"] = p_nu(nu, N)
            else:
                runs = p_nu_runs(nu, N)
                row["p_nu"] = {"values": [v for v, _ in runs], "counts": [c for _, c in runs]}
            if args.beta is not None:
                row["beta"] = args.beta
                row["k"] = keep_count(beta=args.beta, n_eff=nu, N=N)
                row["beta_bound"] = beta_bound(args.beta, nu, N)
            rows.append(row)
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        out = rows[0] if len(rows) == 1 else rows
        print(dumps_strict(out))
        return 0
    w = max(8, len(str(N)))
    head = f"{'nu':>{w}} {'Prop.1':>12} {'exact':>12} {'approx':>12} {'nu/N':>10}"
    if args.beta is not None:
        head += f" {'k':>{w}} {'beta bound':>12}"
    print(f"N = {N}")
    print(head)
    for r in rows:
        exact = "-" if r["exact_infimum"] is None else f"{r['exact_infimum']:.8f}"
        line = (
            f"{r['nu']:>{w}} {r['prop1_infimum']:>12.8f} {exact:>12} "
            f"{r['theorem2_approx']:>12.8f} {r['trivial_bound']:>10.6f}"
        )
        if args.beta is not None:
            line += f" {r['k']:>{w}} {r['beta_bound']:>12.8f}"
        print(line)
    if not certify:
        print(f"(exact certificate not run for N > {CERTIFY_DEFAULT_MAX}; add --certify)")
    return 0


def _cmd_verify(args) -> int:
    from ..montecarlo import run as mc_run
    from ..symbolic import prop1_proof, run_all

    checks = run_all()
    proof = prop1_proof(checks)  # checks 11-18 of run_all, assembled into the statement
    mc = []
    for N in (3, 10, 50):
        mc.extend(mc_run(N, n_samples=args.samples, method="both", seed=0))
    mc_ok = all(r.min_kept_mass >= r.infimum - 1e-12 for r in mc if r.n_in_shell)
    if args.json:
        print(
            dumps_strict(
                {
                    "symbolic": [c.as_dict() for c in checks],
                    "proposition1": proof.as_dict(),
                    "montecarlo": [r.as_dict() for r in mc],
                    "passed": all(c.passed for c in checks) and mc_ok,
                }
            )
        )
    else:
        print(f"{'check':<48} result")
        for c in checks:
            print(f"{c.name:<48} {'PASS' if c.passed else 'FAIL'}")
        print()
        print("\n".join(proof.lines()))
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
    p.add_argument("--N", type=positive_int, required=True, help="dimension, 2 <= N <= 2**53")
    p.add_argument(
        "--nu", help=f"comma-separated shell indices (default: a few; at most {MAX_NUS})"
    )
    p.add_argument("--beta", type=positive_float, help="also give the generalized beta bound")
    p.add_argument(
        "--certify",
        action="store_true",
        help=f"run the exact certificate also for N > {CERTIFY_DEFAULT_MAX} (default: up to it)",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help=f"print the whole p_nu vector (N <= {FULL_MAX}); default: its values and counts",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_bounds)

    p = sub.add_parser("verify", help="run the SymPy proofs and a short Monte Carlo")
    p.add_argument("--samples", type=positive_int, default=200_000, help="samples per N")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_verify)
