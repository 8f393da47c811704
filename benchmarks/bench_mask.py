"""Speed and memory of the EMP mask against the alternatives, in one run.

For float32 score vectors of length N (default 5e7 and a few smaller N), times:

* one ``|s|.sum()`` pass (numpy) — the unit every other time is divided by;
* ``emp_theory.n_eff`` and ``emp_theory.emp_mask`` on a NumPy array (the NumPy path);
* the same two on a ``torch.Tensor`` (the torch-native path, ``emp_theory._torch_kernels``:
  no host copy, everything on the tensor's device);
* a ``torch.sort``-based mask, a ``torch.topk``-based mask and a ``torch.kthvalue``
  threshold keeping the same k, and ``torch.nn.utils.prune.l1_unstructured`` at the same
  amount, on the same device as the torch path;

and measures the peak extra memory of the NumPy ``emp_mask`` (tracemalloc, which sees
numpy's allocations) in units of the input's size. The torch rows run on the CPU, and
again on CUDA when ``torch.cuda.is_available()`` (timed with ``torch.cuda.synchronize``).

Targets (issue 3): emp_mask >= 20x faster than the sort path, >= 10x faster than
topk, within 5x of one abs-sum pass, at most 2 extra copies of the input. Issue 12,
section 7: emp_mask <= 2.5 abs-sum passes at N = 5e7 (memory <= 0.5 extra copies),
<= 3 at 5e6, >= 10x faster than topk from 5e5 up. Float32 vectors of at least
``emp_theory._kernels.jit.JIT_MIN`` entries take the compiled kernels; ``--no-jit``
times the NumPy kernels instead (the path without numba).

Run: ``.venv/bin/python benchmarks/bench_mask.py [--sizes 50000000,5000000,500000] [--repeat 3]
[--threads N]``
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc

import numpy as np
import torch
from torch.nn.utils import prune

from emp_theory import emp_mask, keep_count, n_eff


def best_time(fn, repeat: int, device: str = "cpu") -> float:
    best = float("inf")
    for _ in range(repeat):
        if device != "cpu":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if device != "cpu":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return best


def sort_mask(t: torch.Tensor, k: int) -> torch.Tensor:
    order = torch.sort(t.abs(), descending=True, stable=True).indices
    m = torch.zeros_like(t, dtype=torch.bool)
    m[order[:k]] = True
    return m


def topk_mask(t: torch.Tensor, k: int) -> torch.Tensor:
    idx = torch.topk(t.abs(), k, sorted=False).indices
    m = torch.zeros_like(t, dtype=torch.bool)
    m[idx] = True
    return m


def kthvalue_mask(t: torch.Tensor, k: int) -> torch.Tensor:
    a = t.abs()
    return a >= torch.kthvalue(a, a.numel() - k + 1).values  # ties not cut


def torch_prune(t: torch.Tensor, k: int) -> None:
    lin = torch.nn.Module()
    lin.weight = torch.nn.Parameter(t.clone(), requires_grad=False)
    prune.l1_unstructured(lin, "weight", amount=t.numel() - k)


def peak_extra_copies(s: np.ndarray) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    emp_mask(s)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / s.nbytes


def numpy_rows(sizes, repeat):
    print("\nNumPy path: times as ratios to one |s|.sum() pass; speed-ups of emp_mask; memory")
    print(
        f"{'N':>11} {'abs-sum s':>10} {'n_eff':>7} {'emp_mask':>9} {'sort':>8} {'topk':>8} "
        f"{'l1_unstr':>9} {'sort/emp':>9} {'topk/emp':>9} {'copies':>7}"
    )
    for N in sizes:
        s = np.random.default_rng(0).standard_normal(N, dtype=np.float32)
        t = torch.from_numpy(s)
        k = keep_count(s)
        slow = 1 if N >= 10_000_000 else repeat
        base = best_time(lambda s=s: np.abs(s).sum(), repeat)
        t_neff = best_time(lambda s=s: n_eff(s), repeat)
        t_emp = best_time(lambda s=s: emp_mask(s), repeat)
        t_sort = best_time(lambda t=t, k=k: sort_mask(t, k), slow)
        t_topk = best_time(lambda t=t, k=k: topk_mask(t, k), slow)
        t_l1 = best_time(lambda t=t, k=k: torch_prune(t, k), slow)
        assert int(emp_mask(s).sum()) == k == int(topk_mask(t, k).sum())
        copies = peak_extra_copies(s)
        print(
            f"{N:>11} {base:>9.4f}s {t_neff / base:>7.2f} {t_emp / base:>9.2f} "
            f"{t_sort / base:>8.1f} {t_topk / base:>8.1f} {t_l1 / base:>9.1f} "
            f"{t_sort / t_emp:>8.1f}x {t_topk / t_emp:>8.1f}x {copies:>7.2f}"
        )
    print("targets: sort/emp >= 20x, topk/emp >= 10x, emp_mask <= 5 abs-sum passes, copies <= 2")
    print(
        "issue 12 s7: emp_mask <= 2.5 passes and copies <= 0.5 at 5e7, <= 3 passes at 5e6, "
        "topk/emp >= 10x from 5e5 up"
    )


def fallback_rows(sizes, repeat):
    """The N_eff decision's worst case: a ratio within rounding of an integer (exact sums run)."""
    from emp_theory._kernels import ExactSums, stats

    print(
        "\nN_eff decision, worst case (ratio within its rounding bound of an integer, so the "
        "exact sums run): times as ratios to one |s|.sum() pass"
    )
    print(
        f"{'N':>11} {'random':>8} {'constant':>9} {'k+1 near':>9} {'emp const':>10} {'ExactSums':>10}"
    )
    for N in sizes:
        rnd = np.random.default_rng(0).standard_normal(N, dtype=np.float32)
        const = np.full(N, 0.3, dtype=np.float32)  # ratio exactly N
        near = np.ones(N, dtype=np.float32)
        near[-1] = np.float32(1.0 - 2.0**-24)  # ratio N - 2**-48 or so: just below N
        assert n_eff(const) == N and n_eff(near) == N - 1
        base = best_time(lambda s=rnd: np.abs(s).sum(), repeat)
        t_r = best_time(lambda s=rnd: n_eff(s), repeat)
        t_c = best_time(lambda s=const: n_eff(s), repeat)
        t_n = best_time(lambda s=near: n_eff(s), repeat)
        t_e = best_time(lambda s=const: emp_mask(s), repeat)
        t_x = best_time(lambda s=const: ExactSums().add(stats(s).flat), 1)  # the NumPy fallback
        print(
            f"{N:>11} {t_r / base:>8.2f} {t_c / base:>9.2f} {t_n / base:>9.2f} "
            f"{t_e / base:>10.2f} {t_x / base:>10.1f}"
        )


_FIRST_CALL = """
import time, numpy as np, emp_theory
s = np.random.default_rng(0).standard_normal({N}, dtype=np.float32)
t0 = time.perf_counter(); emp_theory.emp_mask(s); t1 = time.perf_counter(); emp_theory.emp_mask(s)
print(t1 - t0, time.perf_counter() - t1)
"""


def first_call_rows(N: int) -> None:
    """The one-time cost of the compiled kernels: emp_mask's first call in a fresh process."""
    import subprocess
    import sys

    print(f"\nFirst call in a fresh process (N = {N}; numba's import and cached code), seconds")
    print(f"{'kernels':>9} {'first call':>11} {'second call':>12}")
    for label, env in (("compiled", "1"), ("NumPy", "0")):
        out = subprocess.run(
            [sys.executable, "-c", _FIRST_CALL.format(N=N)],
            env={**os.environ, "EMP_THEORY_JIT": env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        print(f"{label:>9} {float(out[0]):>10.3f}s {float(out[1]):>11.3f}s")


def torch_rows(sizes, repeat, device: str):
    from emp_theory import _torch_kernels

    _torch_kernels.FORCE_ON_CPU = True  # time the torch path itself, also on the CPU
    print(
        f"\ntorch path on {device}: seconds; ratios: NumPy path / torch path (>1: torch faster), "
        "baselines / torch emp_mask"
    )
    print(
        f"{'N':>11} {'n_eff':>9} {'emp_mask':>9} {'np/t n_eff':>10} {'np/t mask':>10} "
        f"{'sort/t':>7} {'topk/t':>7} {'kthv/t':>7} {'l1/t':>7}"
    )
    for N in sizes:
        s = np.random.default_rng(0).standard_normal(N, dtype=np.float32)
        t = torch.from_numpy(s).to(device)
        k = keep_count(s)
        slow = 1 if N >= 10_000_000 else repeat
        assert torch.equal(emp_mask(t).cpu(), torch.from_numpy(emp_mask(s)))
        np_neff = best_time(lambda s=s: n_eff(s), repeat)
        np_emp = best_time(lambda s=s: emp_mask(s), repeat)
        t_neff = best_time(lambda t=t: n_eff(t), repeat, device)
        t_emp = best_time(lambda t=t: emp_mask(t), repeat, device)
        t_sort = best_time(lambda t=t, k=k: sort_mask(t, k), slow, device)
        t_topk = best_time(lambda t=t, k=k: topk_mask(t, k), slow, device)
        t_kth = best_time(lambda t=t, k=k: kthvalue_mask(t, k), slow, device)
        t_l1 = best_time(lambda t=t, k=k: torch_prune(t, k), slow, device)
        print(
            f"{N:>11} {t_neff:>8.4f}s {t_emp:>8.4f}s {np_neff / t_neff:>9.2f}x "
            f"{np_emp / t_emp:>9.2f}x {t_sort / t_emp:>6.1f}x {t_topk / t_emp:>6.1f}x "
            f"{t_kth / t_emp:>6.1f}x {t_l1 / t_emp:>6.1f}x"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="50000000,5000000,500000,50000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--no-jit", action="store_true", help="time the NumPy kernels (no numba)")
    args = ap.parse_args()
    if args.no_jit:
        os.environ["EMP_THEORY_JIT"] = "0"
    if args.threads:
        torch.set_num_threads(args.threads)
    sizes = [int(x) for x in args.sizes.split(",")]
    from emp_theory._kernels import jit, n_workers

    print(
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, numpy {np.__version__}, "
        f"emp_theory pool {n_workers()} threads, compiled kernels: {jit.available()}"
    )
    numpy_rows(sizes, args.repeat)
    fallback_rows(sizes, args.repeat)
    if not args.no_jit:
        first_call_rows(max(sizes))
    torch_rows(sizes, args.repeat, "cpu")
    if torch.cuda.is_available():
        print(f"CUDA device: {torch.cuda.get_device_name()}")
        torch_rows(sizes, args.repeat, "cuda")
    else:
        print("\n(no CUDA device: the torch path was timed on the CPU only)")


if __name__ == "__main__":
    main()
