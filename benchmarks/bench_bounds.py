"""Time the Theorem 2 curve for every nu at N = 10^6 (target: under a second).

Compares, in one run, the vectorized ``theorem2_bound`` / ``theorem2_approx`` /
``prop1_infimum`` with a plain Python loop over ``math`` evaluating eq. (15) (timed on a
subsample and scaled), and checks both give the same numbers.

Run: ``.venv/bin/python benchmarks/bench_bounds.py [--N 1000000]``
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from emp_theory import prop1_infimum, theorem2_approx, theorem2_bound


def loop_bound(n: int, N: int) -> float:
    return 1 - (N - n) / N * (1 - math.sqrt((N - n - 1) / ((n + 1) * (N - 1))))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--N", type=int, default=1_000_000)
    N = ap.parse_args().N
    n = np.arange(1, N + 1)
    t0 = time.perf_counter()
    b = theorem2_bound(n, N)
    t_bound = time.perf_counter() - t0
    t0 = time.perf_counter()
    theorem2_approx(n, N)
    t_approx = time.perf_counter() - t0
    t0 = time.perf_counter()
    prop1_infimum(n, N)
    t_prop = time.perf_counter() - t0
    sub = n[1 : N - 1 : max(1, N // 20000)]
    t0 = time.perf_counter()
    ref = [loop_bound(int(k), N) for k in sub]
    t_loop = (time.perf_counter() - t0) * (N / sub.size)
    err = float(np.max(np.abs(b[sub - 1] - np.array(ref))))
    print(
        f"N = {N}: theorem2_bound for all nu {t_bound:.3f}s, approx {t_approx:.3f}s, "
        f"prop1_infimum {t_prop:.3f}s"
    )
    print(
        f"python loop (extrapolated) {t_loop:.3f}s -> vectorized is {t_loop / t_bound:.1f}x faster; "
        f"max |difference| {err:.1e}"
    )
    print("target: all nu at N = 1e6 in under 1 s:", "met" if t_bound < 1 else "NOT met")


if __name__ == "__main__":
    main()
