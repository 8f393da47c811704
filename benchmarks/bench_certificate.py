"""Time and peak memory of the exact certificate against N, and of ``emp-theory bounds``.

Three measurements, printed as markdown tables:

1. ``emp_theory.certificate.exact_infimum_point(nu, N)`` (branch and bound over the
   edges [zeta_1, zeta_j]) for N = 10^3 ... 10^6 (and, with ``--huge``, 10^9, 10^12,
   2^53), summed over the shells ``emp-theory bounds`` shows by default
   (nu = 1, N/10, N/4, N/2, N-1, N): seconds, Python-heap peak (``tracemalloc``, which
   sees NumPy's buffers) and the largest number of candidate evaluations for one nu.
2. The reference algorithm the certificate replaced: every pair i <= m <= j on both
   spheres, O(nu (N - nu)) candidates per nu, in blocks of 2^21 pairs (the same code as
   ``reference_infimum`` in ``tests/core/test_certificate.py``). Run only while
   sum nu (N - nu) stays under ``--old-pairs`` (default 2e8); both values are compared.
3. ``emp-theory bounds --N N --json`` as a subprocess (``--cli``): wall seconds, peak
   resident memory of that process (its ``VmHWM``, Linux) and bytes printed.

Run: ``.venv/bin/python benchmarks/bench_certificate.py [--huge] [--cli] [--old-pairs 2e8]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

from emp_theory.certificate import exact_infimum_point

BLOCK = 1 << 21  # candidate pairs per block in the reference algorithm


def reference_infimum(nu: int, N: int, k: int) -> float:
    """min phi_k over the vertices in the closed shell and every edge/sphere crossing, O(nu (N-nu))."""
    if nu == N:
        return k / N
    best = min(min(k, j) / j for j in (nu, nu + 1))
    for m in (nu, nu + 1):
        j = np.arange(m, N + 1, dtype=float)[None, :]
        rows = max(1, BLOCK // j.size)
        for start in range(1, m + 1, rows):
            i = np.arange(start, min(m, start + rows - 1) + 1, dtype=float)[:, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                u = (1.0 / m - 1.0 / j) / (1.0 / i - 1.0 / j)
            a = np.sqrt(np.clip(np.where(j > i, u, 0.0), 0.0, 1.0))
            val = a * np.minimum(k, i) / i + (1.0 - a) * np.minimum(k, j) / j
            best = min(best, float(np.where(j > i, val, np.inf).min()))
    return best


def shells(N: int) -> list[int]:
    """The shells ``emp-theory bounds`` prints by default."""
    return sorted({1, max(1, N // 10), max(1, N // 4), max(1, N // 2), max(1, N - 1), N})


def measure(fn, repeat: int = 1):
    """``(result, seconds, peak_bytes)``: best wall time of `repeat` plain runs, then one run
    under tracemalloc for the peak (timing and tracing separately: tracing slows NumPy)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, best, peak


def bench_certificate(sizes, old_pairs: float) -> None:
    print(
        "| N | new: s (6 shells) | new: peak MiB | max evaluations / shell | old: s | "
        "old: peak MiB | max diff |"
    )
    print("|---|---|---|---|---|---|---|")
    exact_infimum_point(2, 100)  # warm-up (first-call imports)
    for N in sizes:
        nus = shells(N)
        certs, t_new, m_new = measure(lambda: [exact_infimum_point(v, N) for v in nus], 3)  # noqa: B023
        evals = max(c.evaluations for c in certs)
        pairs = sum(v * (N - v) for v in nus)
        if pairs <= old_pairs:
            ref, t_old, m_old = measure(lambda: [reference_infimum(v, N, v) for v in nus])  # noqa: B023
            diff = max(abs(c.value - r) for c, r in zip(certs, ref, strict=True))
            old = f"{t_old:.3f} | {m_old / 2**20:.1f} | {diff:.1e}"
        else:
            old = f"not run ({2 * pairs:.1e} pairs) | - | -"
        print(f"| {N:.0e} | {t_new:.4f} | {m_new / 2**20:.2f} | {evals} | {old} |")


#: The child reports its own peak resident memory (VmHWM, per address space, so not
#: inherited from this process the way ``ru_maxrss`` is across fork + exec).
_CHILD = (
    "import sys\n"
    "from emp_theory.cli import main\n"
    "rc = main(sys.argv[1:])\n"
    "sys.stdout.flush()\n"
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
    "print(hwm[0].split()[1] if hwm else -1, file=sys.stderr)\n"
    "sys.exit(rc)\n"
)


def bench_cli(sizes) -> None:
    print("| N | wall s | peak RSS MiB | stdout bytes | exit |")
    print("|---|---|---|---|---|")
    for N in sizes:
        with tempfile.TemporaryFile() as out:
            t0 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD, "bounds", "--N", str(N), "--json"],
                stdout=out,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
            dt = time.perf_counter() - t0
            size = out.seek(0, os.SEEK_END)
        kib = int(proc.stderr.strip().splitlines()[-1])
        rss = f"{kib / 1024:.0f}" if kib >= 0 else "n/a"
        print(f"| {N:.0e} | {dt:.2f} | {rss} | {size} | {proc.returncode} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--huge", action="store_true", help="also N = 1e9, 1e12, 2**53")
    ap.add_argument("--cli", action="store_true", help="also time `emp-theory bounds --json`")
    ap.add_argument("--old-pairs", type=float, default=2e8, help="budget of the old algorithm")
    args = ap.parse_args()
    sizes = [10**3, 10**4, 10**5, 10**6] + ([10**9, 10**12, 2**53] if args.huge else [])
    bench_certificate(sizes, args.old_pairs)
    if args.cli:
        print()
        bench_cli([10**4, 10**5, 10**6])


if __name__ == "__main__":
    main()
