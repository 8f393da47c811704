"""Record how far a search that does not know Proposition 1 gets, and at what cost.

For each N and a sample of shells nu, runs :func:`emp_theory.search.search_infimum`
with each method (told only N, nu and the shell's definition), and only afterwards
compares the value found with eq. (14), ``emp_theory.prop1_infimum``: the gap
``found - eq. 14`` (>= 0 up to rounding if Proposition 1 holds; <= 1e-6 if the search
confirms it is tight), the verdict of :func:`emp_theory.search.check_claim`, the number
of candidates / evaluations and the wall time. Writes a Markdown table (the book's
lower-bound chapter includes ``book/results/tightness_search.md``).

Run: ``.venv/bin/python scripts/tightness_search.py --out book/results/tightness_search.md``
(about 1.5 minutes on 2 busy CPU cores; the descent method dominates).
"""

from __future__ import annotations

import argparse
import os
import time


def shells(N: int) -> list[int]:
    return sorted({1, 2, 3, N // 10, N // 4, N // 2, N - 2, N - 1, N})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N", default="50,100,200", help="comma-separated lengths")
    ap.add_argument("--methods", default="faces,edges,descent,uniform")
    ap.add_argument("--descent-max-N", type=int, default=200, help="skip descent above this N")
    ap.add_argument("--starts", type=int, default=3, help="descent: uniform starting points")
    ap.add_argument("--samples", type=int, default=200_000, help="uniform: samples")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="Markdown file to write (default: print only)")
    args = ap.parse_args()

    from emp_theory import prop1_infimum
    from emp_theory._cache import atomic_write
    from emp_theory.search import check_claim, search_infimum

    sizes = [int(x) for x in args.N.split(",")]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    t_all = time.perf_counter()
    rows, summary = [], {}
    for N in sizes:
        for method in methods:
            if method == "descent" and N > args.descent_max_N:
                continue
            for nu in shells(N):
                r = search_infimum(
                    nu, N, method=method, seed=args.seed, starts=args.starts, samples=args.samples
                )
                claimed = prop1_infimum(nu, N)  # compared only after the search
                v = check_claim(r, claimed)
                rows.append((N, nu, method, r, v))
                s = summary.setdefault((N, method), {"n": 0, "conf": 0, "gaps": [], "sec": 0.0})
                s["n"] += 1
                s["conf"] += v.confirmed
                s["gaps"].append(v.gap)
                s["sec"] += r.seconds
                print(f"N={N} nu={nu} {method}: gap {v.gap:.2e} {v.status} ({r.seconds:.2f} s)")

    lines = [
        "| N | method | shells | confirmed (gap in [-1e-12, 1e-6]) | largest gap | "
        "smallest gap | total s |",
        "|---|---|---|---|---|---|---|",
    ]
    for (N, method), s in summary.items():
        finite = [g for g in s["gaps"] if g != float("inf")]
        hi = f"{max(finite):.1e}" if finite else "-"
        lo = f"{min(finite):.1e}" if finite else "-"
        missed = len(s["gaps"]) - len(finite)
        note = f" ({missed} with no sample in the shell)" if missed else ""
        lines.append(
            f"| {N} | {method} | {s['n']} | {s['conf']}{note} | {hi} | {lo} | {s['sec']:.2f} |"
        )
    lines += [
        "",
        "| N | nu | method | found min phi_nu | found - eq. 14 | verdict | evaluations | s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for N, nu, method, r, v in rows:
        found = f"{r.value:.12f}" if r.point is not None else "no sample in A_nu"
        gap = f"{v.gap:.1e}" if r.point is not None else "-"
        lines.append(
            f"| {N} | {nu} | {method} | {found} | {gap} | {v.status} | {r.evaluations} | "
            f"{r.seconds:.3f} |"
        )
    minutes = (time.perf_counter() - t_all) / 60
    lines += [
        "",
        f"Written by `scripts/tightness_search.py` (descent: {args.starts} uniform starts, "
        f"N <= {args.descent_max_N}; uniform: {args.samples} samples; seed {args.seed}) "
        f"on {os.cpu_count()} CPUs in {minutes:.1f} min. The search is told only (N, nu) and "
        "the shell's definition; eq. (14) is compared afterwards.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        atomic_write(args.out, text)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
