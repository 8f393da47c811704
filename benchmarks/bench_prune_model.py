"""Benchmark: EMP on a whole FC12 (global scope, magnitude) vs torch's L1 pruning at the same amount.

Builds FC12 for 784 inputs (Table 3 of the paper; 4,975,000 weights in 12
``nn.Linear`` layers, seeded, untrained: pruning time does not depend on training),
then times, on fresh deep copies and alternating the two methods:

* ``emp``   -- :func:`emp_theory.pruning.functional.global_emp_unstructured` (EMP through
  ``torch.nn.utils.prune.global_unstructured``; N_eff, the kept count k, the record, the mask);
* ``torch`` -- ``torch.nn.utils.prune.global_unstructured(..., L1Unstructured,
  amount=N - k)``, the same number of weights, chosen by ``torch.topk``.

The masks are checked to be identical (both keep the k largest magnitudes). Prints
the median wall time of each and the ratio emp / torch. Threads: 1 by default
(``--threads``), as on the shared 2-core test machines.

Then the EMP-pruned weights are exported to ``torch.sparse`` CSR
(:func:`emp_theory.pruning.saving.sparse_csr_weights`): the measured storage of the
three CSR arrays against the dense float32 weights, and the median time of one
forward matmul per layer (``W @ X`` for a batch of 128 inputs) dense against
``torch.sparse.mm`` on the CSR weights. At the global sparsity EMP reaches on these
weights (about a third pruned) CSR needs more bytes (int64 indices) and more time than
the dense tensors; the benchmark prints what it measures.

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
from emp_theory.pruning.saving import csr_nbytes, pruned_state_dict, sparse_csr_weights


def _params(model):
    return [(mod, pname) for _, mod, pname in prunable_parameters(model)]


def _csr(pruned, repeats: int) -> dict:
    """CSR export of the pruned weights: bytes and one matmul per layer, dense vs sparse."""
    dense = {k: v for k, v in pruned_state_dict(pruned).items() if v.dim() == 2}
    sparse = sparse_csr_weights(pruned)
    gen = torch.Generator().manual_seed(0)
    xs = {k: torch.randn(w.shape[1], 128, generator=gen) for k, w in dense.items()}
    for k in dense:  # same products (up to float32 rounding)
        assert torch.allclose(torch.sparse.mm(sparse[k], xs[k]), dense[k] @ xs[k], atol=1e-4)
    t_dense, t_sparse = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for k, w in dense.items():
            w @ xs[k]
        t_dense.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for k, w in sparse.items():
            torch.sparse.mm(w, xs[k])
        t_sparse.append(time.perf_counter() - t0)
    return {
        "dense_bytes": sum(w.numel() * w.element_size() for w in dense.values()),
        "csr_bytes": sum(csr_nbytes(w) for w in sparse.values()),
        "nnz": sum(w.values().numel() for w in sparse.values()),
        "dense_mm_s": statistics.median(t_dense),
        "csr_mm_s": statistics.median(t_sparse),
    }


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
    csr = _csr(warm, repeats)
    return {
        **csr,
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
    print(f"EMP beta=1: N_eff = {r['n_eff']:,}, k = {r['k']:,}, pruned {r['pruned']:,}")
    print(f"masks identical to torch's at the same amount: {r['masks_identical']}")
    print(f"{'method':<52} {'median s':>10}")
    print(f"{'EMP (global_emp_unstructured)':<52} {r['emp_s']:>10.4f}")
    print(f"{'torch global_unstructured(L1Unstructured, same amount)':<52} {r['torch_s']:>10.4f}")
    print(
        f"ratio EMP / torch L1 = {r['ratio']:.2f}  ({r['repeats']} repeats, {r['threads']} thread)"
    )
    print(f"CSR export of the EMP-pruned weights: {r['nnz']:,} stored values")
    print(
        f"storage: dense float32 {r['dense_bytes'] / 2**20:.2f} MiB, "
        f"CSR {r['csr_bytes'] / 2**20:.2f} MiB (ratio {r['csr_bytes'] / r['dense_bytes']:.2f})"
    )
    print(
        f"matmul per layer, batch 128: dense {r['dense_mm_s']:.4f} s, "
        f"CSR torch.sparse.mm {r['csr_mm_s']:.4f} s (ratio {r['csr_mm_s'] / r['dense_mm_s']:.2f})"
    )


if __name__ == "__main__":
    main()
