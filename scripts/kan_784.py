"""Record KAN [784, 64, 10] node pruning on MNIST-format data (the paper's Section 5.2).

Trains (or loads from the emp_theory cache) the ``"paper"`` preset of
:func:`emp_theory.experiments.kan.train_kan_mnist` -- width [784, 64, 10], 10 epochs of Adam with
batch 128 -- on the four IDX files in ``--data-dir``, compares dense, EMP and threshold
pruning with :func:`emp_theory.experiments.kan.compare_kan_pruning`, and writes the results as a
Markdown table (the book's KAN chapter includes ``book/results/kan_fashion_mnist.md``).

MNIST itself is not in any package registry; Debian's ``dataset-fashion-mnist``
package ships Fashion-MNIST in the same format at ``/usr/share/datasets/fashion-mnist``.

Run: ``.venv/bin/python scripts/kan_784.py --name fashion-mnist
--data-dir /usr/share/datasets/fashion-mnist --out book/results/kan_fashion_mnist.md``
(about 10 minutes on 2 CPU cores the first time).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", required=True, help="folder with the four IDX files")
    ap.add_argument("--name", choices=("mnist", "fashion-mnist"), default="mnist")
    ap.add_argument("--n-score", type=int, default=2000, help="training rows scored")
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="Markdown file to write (default: print only)")
    args = ap.parse_args()

    from emp_theory._cache import atomic_write
    from emp_theory.experiments import kan as K

    t0 = time.perf_counter()
    run = K.train_kan_mnist(
        args.data_dir, "paper", name=args.name, seed=args.seed, progress=False, cache=True
    )
    t_train = time.perf_counter() - t0
    rows = K.compare_kan_pruning(run, beta=args.beta, n_score=args.n_score)
    t_all = time.perf_counter() - t0
    c = run.config
    lines = [
        "| method | width | test accuracy | test loss | train accuracy (scored rows) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['width']} | {r['test_accuracy']:.2%} | "
            f"{r['test_loss']:.4f} | {r['train_accuracy']:.2%} |"
        )
    n_train = int(run.data["train_input"].shape[0])
    n_test = int(run.data["test_input"].shape[0])
    lines += [
        "",
        f"{args.name}, {n_train} training / {n_test} test images; preset `paper`: width "
        f"{c.get('width')}, {c.get('epochs')} epochs = {c.get('steps')} {c.get('opt')} "
        f"steps, batch {c.get('batch')}, lr {c.get('lr')}, grid {c.get('grid')}, "
        f"k {c.get('k')}, seed {args.seed}; beta {args.beta}; node scores on the first "
        f"{args.n_score} training images; threshold rules at 1e-2. Written by "
        f"`scripts/kan_784.py` on {os.cpu_count()} CPUs in {t_all / 60:.1f} min ("
        + (
            "the trained model loaded from the emp_theory cache)."
            if c.get("cached")
            else f"training {t_train / 60:.1f} min)."
        ),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        atomic_write(Path(args.out), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
