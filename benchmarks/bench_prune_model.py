"""Benchmark: EMP on a whole FC12 (global scope, magnitude) vs torch's L1 pruning at the same amount.

Builds FC12 for 784 inputs (Table 3 of the paper; 4,975,000 weights in 12
``nn.Linear`` layers, seeded, untrained: pruning time does not depend on training),
then times, on fresh deep copies and alternating the two methods:

* ``emp``   -- :func:`emp_theory.pruning.functional.global_emp_unstructured` (EMP through
  ``torch.nn.utils.prune.global_unstructured``; N_eff, nu, the record, the mask);
* ``torch`` -- ``torch.nn.utils.prune.global_unstructured(..., L1Unstructured,
  amount=N - nu)``, the same number of weights, chosen by ``torch.topk``.

The masks are checked to be identical (both keep the nu largest magnitudes). Prints
the median wall time of each and the ratio emp / torch. Threads: 1 by default
(``--threads``), as on the shared 2-core test machines.

Run: ``.venv/bin/python benchmarks/bench_prune_model.py [--repeats 7] [--threads 1]``
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch
from torch.nn.utils import prune

from emp_theory.pruning.functional import global_emp_unstructured
from emp_theory.pruning.models import build_model, prunable_parameters


def _params(model):
    return [(mod, pname) for _, mod, pname in prunable_parameters(model)]


def run(repeats: int = 7, threads: int = 1) -> dict:
    torch.set_num_threads(threads)
    base = build_model("fc12", (1, 28, 28), seed=0)
    n_weights = sum(getattr(m, p).numel() for m, p in _params(base))
    # warm-up (first-call overheads of both paths) and the amount
    warm = copy.deepcopy(base)
    rec = global_emp_unstructured(_params(warm), beta=1.0)
    amount = rec.N - rec.k
    ref = copy.deepcopy(base)
    prune.global_unstructured(_params(ref), pruning_method=prune.L1Unstructured, amount=amount)
    same = all(
        torch.equal(getattr(a, p + "_mask"), getattr(b, p + "_mask"))
        for (a, p), (b, _) in zip(_params(warm), _params(ref), strict=True)
    )
    t_emp, t_torch = [], []
    for _ in range(repeats):
        m = copy.deepcopy(base)
        t0 = time.perf_counter()
        global_emp_unstructured(_params(m), beta=1.0)
        t_emp.append(time.perf_counter() - t0)
        m = copy.deepcopy(base)
        t0 = time.perf_counter()
        prune.global_unstructured(_params(m), pruning_method=prune.L1Unstructured, amount=amount)
        t_torch.append(time.perf_counter() - t0)
    e, t = statistics.median(t_emp), statistics.median(t_torch)
    return {
        "weights": n_weights,
        "n_eff": rec.n_eff,
        "k": rec.k,
        "pruned": amount,
        "masks_identical": same,
        "emp_s": e,
        "torch_s": t,
        "ratio": e / t,
        "threads": threads,
        "repeats": repeats,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    r = run(a.repeats, a.threads)
    print(f"FC12 (784 inputs): {r['weights']:,} weights, global magnitude pruning")
    print(f"EMP beta=1: N_eff = {r['n_eff']:,}, nu = {r['k']:,}, pruned {r['pruned']:,}")
    print(f"masks identical to torch's at the same amount: {r['masks_identical']}")
    print(f"{'method':<52} {'median s':>10}")
    print(f"{'EMP (global_emp_unstructured)':<52} {r['emp_s']:>10.4f}")
    print(f"{'torch global_unstructured(L1Unstructured, same amount)':<52} {r['torch_s']:>10.4f}")
    print(
        f"ratio EMP / torch L1 = {r['ratio']:.2f}  ({r['repeats']} repeats, {r['threads']} thread)"
    )


if __name__ == "__main__":
    main()
