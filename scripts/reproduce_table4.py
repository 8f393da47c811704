"""Reproduce the paper's Table 4 and Figure 3 (FC2/FC5/FC12, EMP-magnitude) over seeds; store them.

For each model and seed, :func:`emp_theory.pruning.sweep.run_sweep` trains the dense model with
the Appendix B.1 recipe (or loads it from the digest-verified checkpoint cache,
:func:`emp_theory.pruning.training.load_or_train`), prunes copies with EMP-magnitude in the
``block``, ``global`` and ``row`` scopes at each beta (the paper's beta), and measures test
accuracy and sparsity (1 - sum k / sum N, k the kept count clip(floor(beta N_eff), 1, N) of
Algorithm 1). The inputs are standardized as the paper's public code does
(:func:`emp_theory.pruning.data.load_dataset`). Written to ``--out`` (default ``book/results``),
``<ds>`` being ``fashion_mnist`` or ``mnist``:

``table4_<ds>.json``   every run (per seed: dense accuracy, accuracy after each epoch, training
                       time, every (scope, beta) row), the summary over seeds (mean and sample
                       standard deviation), the paper's Table 4 and the public notebook's
                       printed outputs for comparison, the command, versions and timings;
``table4_<ds>.csv``    one line per (model, seed, scope, beta);
``table4_<ds>.md``     Table 4 at beta = 1, ours (mean +- sd over seeds) next to the paper's;
``figure3_<ds>.csv``   the summary over seeds for every beta (Figure 3's curves);
``--plot PATH``        Figure 3 with seed bands (PNG; matplotlib).

The book (``book/pruning_small_models.md``) reads these files; it never trains on
Fashion-MNIST. (One idea, the reproduction from the runs to the stored files, kept in one
file of about 460 lines so that what is stored can be read next to how it is made.) Checkpoints live in the emp_theory cache (``--cache-dir``, else
``$EMP_THEORY_CACHE`` or ``~/.cache/emp_theory``), so a re-run only prunes and evaluates.

Run (Debian/Ubuntu: ``apt-get install dataset-fashion-mnist``)::

    .venv/bin/python scripts/reproduce_table4.py --data-dir /usr/share/datasets/fashion-mnist \\
        --seeds 0,1,2 --plot book/results/figure3_fashion_mnist.png

and for MNIST, with its four IDX files in a folder of your own (nothing is downloaded)::

    .venv/bin/python scripts/reproduce_table4.py --dataset mnist --data-dir /path/to/mnist
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BETAS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)  # Figure 3's six values (Section 5.1)
SCOPES = ("block", "global", "row")
#: What the paper's public notebook printed (github.com/noMushroomw/Effective-model-pruning,
#: experiments.ipynb, section "swap beta"): one trained model per (dataset, model), global
#: scope only; dense accuracy % and, per beta, (accuracy %, sparsity %). Not Table 4: these
#: are another run of the same recipe, so their distance to Table 4 is the paper's own spread.
PUBLIC_NOTEBOOK = {
    "mnist": {
        "fc2": (93.80, {0.5: (93.57, 68.48), 0.75: (93.81, 52.73), 1.0: (93.78, 36.97),
                        1.25: (93.81, 21.21), 1.5: (93.80, 5.45), 2.0: (93.80, 0.00)}),
        "fc5": (97.18, {0.5: (96.47, 64.81), 0.75: (96.94, 47.22), 1.0: (97.20, 29.62),
                        1.25: (97.20, 12.03), 1.5: (97.18, 0.00), 2.0: (97.18, 0.00)}),
        "fc12": (97.05, {0.5: (93.15, 64.16), 0.75: (96.36, 46.24), 1.0: (96.94, 28.32),
                         1.25: (97.09, 10.40), 1.5: (97.05, 0.00), 2.0: (97.05, 0.00)}),
    },
    "fashion-mnist": {
        "fc2": (84.48, {0.5: (83.71, 68.06), 0.75: (84.31, 52.09), 1.0: (84.36, 36.12),
                        1.25: (84.36, 20.16), 1.5: (84.50, 4.19), 2.0: (84.48, 0.00)}),
        "fc5": (86.96, {0.5: (86.44, 64.61), 0.75: (86.84, 46.92), 1.0: (86.86, 29.22),
                        1.25: (86.96, 11.53), 1.5: (86.96, 0.00), 2.0: (86.96, 0.00)}),
        "fc12": (87.85, {0.5: (78.62, 64.05), 0.75: (87.50, 46.07), 1.0: (87.69, 28.09),
                         1.25: (87.88, 10.12), 1.5: (87.85, 0.00), 2.0: (87.85, 0.00)}),
    },
}  # fmt: skip


def _ints(text):
    return [int(t) for t in text.split(",") if t.strip()]


def _floats(text):
    return [float(t) for t in text.split(",") if t.strip()]


def mean_sd(values):
    """Mean and sample standard deviation (ddof = 1; 0 for one value) of `values`."""
    v = [float(x) for x in values]
    m = sum(v) / len(v)
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else 0.0
    return m, sd


def _versions():
    import numpy
    import torch

    import emp_theory
    from emp_theory._cache import file_digest

    def git(*cmd):
        try:  # read-only: --no-optional-locks keeps git from refreshing the index
            return subprocess.run(["git", "--no-optional-locks", *cmd], cwd=ROOT,
                                  capture_output=True, text=True, check=False)  # fmt: skip
        except OSError:
            return None

    head = git("rev-parse", "HEAD")
    dirty = git("diff", "--quiet", "HEAD", "--", "emp_theory", "scripts")
    return {
        "emp_theory": getattr(emp_theory, "__version__", None),
        "git_commit": head.stdout.strip() if head is not None and head.returncode == 0 else None,
        # True: emp_theory/ or scripts/ differed from that commit when the results were made
        "git_dirty": None if dirty is None or dirty.returncode > 1 else dirty.returncode == 1,
        # the files that define the recipe, so a result can be matched to its code
        "recipe_sha256": {
            f: file_digest(ROOT / f)
            for f in (
                "emp_theory/pruning/data.py",
                "emp_theory/pruning/training.py",
                "emp_theory/pruning/models.py",
                "emp_theory/pruning/sweep.py",
                "emp_theory/pruning/scopes.py",
                "scripts/reproduce_table4.py",
            )
            if (ROOT / f).is_file()
        },
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "torch_threads": torch.get_num_threads(),
    }


def _run_record(res, seed):
    info = res.train_info
    rows = [
        {
            "scope": r.scope,
            "beta": r.beta,
            "acc": r.acc,
            "loss": r.loss,
            "sparsity": r.sparsity,
            "N": r.N,
            "kept": r.kept,
            "no_pruning": r.no_pruning,
            "n_saturated": r.n_saturated,
            "layers": None
            if r.beta != 1.0
            else [
                {k: la[k] for k in ("name", "N", "n_eff", "ratio", "kept_fraction")}
                for la in r.layers
            ],
        }
        for r in res.emp_rows()
    ]
    return {
        "model": res.model,
        "seed": seed,
        "dense_acc": res.dense_acc,
        "dense_loss": res.dense_loss,
        "epoch_test_accuracy": info.get("epoch_test_accuracy"),
        "train_seconds": info.get("seconds"),
        "cached": info.get("cached"),
        "train_config": info.get("config"),
        "sweep_seconds": res.settings.get("seconds"),
        "rows": rows,
    }


def one_layer_deltas(model_name, data, seed, cache):
    """Accuracy change when only one weight matrix is pruned (EMP-magnitude, beta = 1), per layer.

    Says where the block scope's accuracy loss comes from; the dense model is loaded from
    the checkpoint cache that :func:`run_sweep` just filled.
    """
    import copy

    from emp_theory.pruning.scopes import prune_model
    from emp_theory.pruning.targets import prunable_parameters
    from emp_theory.pruning.training import default_config, evaluate, load_or_train

    dense, _ = load_or_train(
        default_config(model_name, data.name, seed=seed), data, cache=cache, progress=False
    )
    base = evaluate(dense, data.x_test, data.y_test)[0]
    out = []
    for qn, _, _ in prunable_parameters(dense):
        pruned = copy.deepcopy(dense)
        res = prune_model(pruned, scope="block", beta=1.0, include=qn)
        out.append(
            {
                "name": qn,
                "sparsity": res.sparsity,
                "delta": evaluate(pruned, data.x_test, data.y_test)[0] - base,
            }
        )
    return out


def summarize(runs):
    """``{model: {scope: {beta: {...}}}}``: mean and sd over the seeds of each cell."""
    out: dict = {}
    for model in dict.fromkeys(r["model"] for r in runs):
        mine = [r for r in runs if r["model"] == model]
        dense = mean_sd([r["dense_acc"] for r in mine])
        out[model] = {"n_seeds": len(mine), "dense_acc": dense, "scopes": {}}
        keys = dict.fromkeys((row["scope"], row["beta"]) for r in mine for row in r["rows"])
        for scope, beta in keys:
            cell = [
                row
                for r in mine
                for row in r["rows"]
                if (row["scope"], row["beta"]) == (scope, beta)
            ]
            out[model]["scopes"].setdefault(scope, {})[repr(beta)] = {
                "n": len(cell),
                "acc": mean_sd([c["acc"] for c in cell]),
                "sparsity": mean_sd([c["sparsity"] for c in cell]),
                "delta": mean_sd(
                    [row["acc"] - r["dense_acc"] for r in mine for row in r["rows"]
                     if (row["scope"], row["beta"]) == (scope, beta)]
                ),
            }  # fmt: skip
    return out


def _dur(seconds) -> str:
    return f"{seconds:.0f} s" if seconds < 60 else f"{seconds / 60:.1f} min"


def _pm(ms, scale=100.0):
    return f"{scale * ms[0]:.2f} ± {scale * ms[1]:.2f}"


def markdown_table4(blob) -> str:
    """Table 4 at beta = 1: ours (mean ± sd over the seeds) next to the paper's."""
    from emp_theory.paper import TABLE4

    ds = blob["dataset"]
    lines = [
        "| model | scope | dense acc. (%) | paper | acc. (%) | paper | sparsity (%) | paper |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for model, s in blob["summary"].items():
        for scope in ("block", "global", "row"):
            cell = s["scopes"].get(scope, {}).get(repr(1.0))
            if cell is None:
                continue
            paper = TABLE4.get((ds, model, "block" if scope == "row" else scope))
            pd = (
                ["—"] * 3
                if paper is None
                else [f"{paper[0]:.2f}", f"{paper[1]:.2f}", f"{paper[2]:.2f}"]
            )
            label = scope if scope != "row" else "row (vs paper's block)"
            lines.append(
                f"| {model.upper()} | {label} | {_pm(s['dense_acc'])} | {pd[0]} | "
                f"{_pm(cell['acc'])} | {pd[1]} | {_pm(cell['sparsity'])} | {pd[2]} |"
            )  # fmt: skip
    n = sorted({s["n_seeds"] for s in blob["summary"].values()})
    v = blob["versions"]
    per_model = (
        ", ".join(
            f"{m.upper()} {_dur(mean_sd([r['train_seconds'] for r in blob['runs'] if r['model'] == m])[0])}"
            for m in blob["summary"]
        )
        + " each on average"
    )
    n_loaded = sum(bool(r["cached"]) for r in blob["runs"])
    lines += [
        "",
        f"{ds}, {blob['data']['n_train']} training / {blob['data']['n_test']} test images "
        f"({blob['data']['transform'] or 'pixels in [0, 1]'}); EMP-magnitude at β = 1; "
        f"mean ± sample sd over {'/'.join(map(str, n))} seeds ({', '.join(map(str, blob['seeds']))}). "
        f"Training took {_dur(blob['train_seconds'])} over the {len(blob['runs'])} models "
        f"({per_model}; one torch thread each, as recorded in the checkpoints); "
        f"`{blob['command']}` then ran in {blob['seconds'] / 60:.1f} min "
        f"({n_loaded} of {len(blob['runs'])} models loaded from the cache) on {v['platform']}, "
        f"torch {v['torch']}, Python {v['python']}, commit {str(v['git_commit'])[:12]}"
        + (" with local changes" if v.get("git_dirty") else "")
        + ".",
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def csv_runs(blob) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        ["dataset", "model", "seed", "scope", "beta", "dense_acc", "acc", "sparsity", "N", "kept"]
    )
    for r in blob["runs"]:
        for row in r["rows"]:
            w.writerow(
                [blob["dataset"], r["model"], r["seed"], row["scope"], row["beta"],
                 f"{r['dense_acc']:.6f}", f"{row['acc']:.6f}", f"{row['sparsity']:.8f}",
                 row["N"], row["kept"]]
            )  # fmt: skip
    return buf.getvalue()


def csv_figure3(blob) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["dataset", "model", "scope", "beta", "n_seeds", "acc_mean", "acc_sd",
                "sparsity_mean", "sparsity_sd", "dense_acc_mean", "dense_acc_sd"])  # fmt: skip
    for model, s in blob["summary"].items():
        for scope, cells in s["scopes"].items():
            for beta, c in cells.items():
                w.writerow(
                    [blob["dataset"], model, scope, beta, c["n"], f"{c['acc'][0]:.6f}",
                     f"{c['acc'][1]:.6f}", f"{c['sparsity'][0]:.8f}", f"{c['sparsity'][1]:.8f}",
                     f"{s['dense_acc'][0]:.6f}", f"{s['dense_acc'][1]:.6f}"]
                )  # fmt: skip
    return buf.getvalue()


def plot_figure3(blob, path) -> None:
    """Accuracy against beta, one panel per scope (block, global), a line and a ±1 sd band per model."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    scopes = [
        s for s in ("block", "global") if any(s in m["scopes"] for m in blob["summary"].values())
    ]
    fig, axes = plt.subplots(
        1, len(scopes), figsize=(5.2 * len(scopes), 3.8), squeeze=False, sharey=True
    )
    nb = PUBLIC_NOTEBOOK.get(blob["dataset"], {})
    for ax, scope in zip(axes[0], scopes, strict=True):
        for i, (model, s) in enumerate(blob["summary"].items()):
            cells = s["scopes"][scope]
            b = [float(k) for k in cells]
            m = [100 * cells[k]["acc"][0] for k in cells]
            sd = [100 * cells[k]["acc"][1] for k in cells]
            color = f"C{i}"
            ax.plot(b, m, "o-", color=color, label=f"{model.upper()} (n = {s['n_seeds']})")
            ax.fill_between(b, [x - e for x, e in zip(m, sd, strict=True)],
                            [x + e for x, e in zip(m, sd, strict=True)], color=color, alpha=0.2)  # fmt: skip
            if scope == "global" and model in nb:
                nbb = sorted(nb[model][1])
                ax.plot(nbb, [nb[model][1][x][0] for x in nbb], "x--", color=color, alpha=0.7,
                        label=f"{model.upper()}, public notebook")  # fmt: skip
        ax.set_xlabel("β")
        ax.set_title(f"{blob['dataset']}, EMP-magnitude, {scope} scope")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("test accuracy (%)")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    from emp_theory._cache import atomic_write

    atomic_write(
        Path(path), lambda fh: fig.savefig(fh, format=Path(path).suffix[1:] or "png", dpi=120)
    )
    plt.close(fig)


def main(argv=None) -> int:
    from emp_theory.pruning.names import DEBIAN_FASHION_MNIST

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=("fashion-mnist", "mnist"), default="fashion-mnist")
    ap.add_argument(
        "--data-dir", help=f"the four IDX files (default for fashion-mnist: {DEBIAN_FASHION_MNIST})"
    )
    ap.add_argument("--models", default="fc2,fc5,fc12")
    ap.add_argument("--seeds", default="0,1,2", help="training seeds (comma-separated)")
    ap.add_argument("--betas", default=",".join(map(str, BETAS)))
    ap.add_argument("--scopes", default=",".join(SCOPES))
    ap.add_argument(
        "--cache-dir", help="checkpoint cache (default $EMP_THEORY_CACHE or ~/.cache/emp_theory)"
    )
    ap.add_argument("--out", default=str(ROOT / "book" / "results"), help="folder for the results")
    ap.add_argument("--plot", help="write Figure 3 with seed bands here (e.g. a .png)")
    ap.add_argument(
        "--threads", type=int, default=1, help="torch threads (1: fastest on a busy machine)"
    )
    args = ap.parse_args(argv)  # fmt: skip
    data_dir = args.data_dir or (DEBIAN_FASHION_MNIST if args.dataset == "fashion-mnist" else None)
    if data_dir is None:
        ap.error("--dataset mnist needs --data-dir (nothing is downloaded)")

    import torch

    from emp_theory._cache import atomic_write, file_digest
    from emp_theory.paper import TABLE4
    from emp_theory.pruning.data import load_dataset
    from emp_theory.pruning.sweep import run_sweep

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    try:
        data = load_dataset(args.dataset, data_dir)
    except ValueError as exc:
        print(f"reproduce_table4: error: {exc}", file=sys.stderr)
        return 2
    models, seeds = args.models.split(","), _ints(args.seeds)
    betas, scopes = _floats(args.betas), args.scopes.split(",")
    runs = []
    for model in models:
        for seed in seeds:
            res = run_sweep(
                model, data, betas=betas, scopes=scopes, criteria=("magnitude",), seed=seed,
                baseline=False, cache=args.cache_dir, progress=False,
            )  # fmt: skip
            runs.append(_run_record(res, seed))
            if "block" in scopes:
                runs[-1]["block_one_layer"] = one_layer_deltas(model, data, seed, args.cache_dir)
            r1 = {row["scope"]: row for row in runs[-1]["rows"] if row["beta"] == 1.0}
            print(
                f"{model} seed {seed}: dense {100 * res.dense_acc:.2f}%"
                + "".join(
                    f", {s} {100 * r['acc']:.2f}% at {100 * r['sparsity']:.2f}% sparsity"
                    for s, r in r1.items()
                )
                + (" (loaded)" if res.train_info.get("cached") else f" (trained in {res.train_info['seconds']:.0f} s)"),
                flush=True,
            )  # fmt: skip
    src = Path(data.source)
    files = sorted(p for p in src.iterdir() if "idx" in p.name)
    ds_key = args.dataset.replace("-", "_")
    command = "python scripts/reproduce_table4.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)
    )
    blob = {
        "version": 1,
        "dataset": args.dataset,
        "command": command.strip(),
        "seeds": seeds,
        "betas": betas,
        "scopes": scopes,
        "criterion": "magnitude",
        "data": {
            "source": data.source,
            "transform": data.transform,
            "n_train": int(data.x_train.shape[0]),
            "n_test": int(data.x_test.shape[0]),
            "files_sha256": {p.name: file_digest(p) for p in files},
        },
        "versions": _versions(),
        "runs": runs,
        "summary": summarize(runs),
        "paper_table4": {
            f"{m}/{s}": list(v) for (d, m, s), v in TABLE4.items() if d == args.dataset
        },
        "public_notebook": {
            m: {"dense_acc": v[0], "global": {repr(b): list(c) for b, c in v[1].items()}}
            for m, v in PUBLIC_NOTEBOOK.get(args.dataset, {}).items()
        },
        "train_seconds": sum(r["train_seconds"] or 0.0 for r in runs),
        "seconds": time.perf_counter() - t0,
    }
    out = Path(args.out)
    atomic_write(out / f"table4_{ds_key}.json", json.dumps(blob, indent=1) + "\n")
    atomic_write(out / f"table4_{ds_key}.csv", csv_runs(blob))
    atomic_write(out / f"table4_{ds_key}.md", markdown_table4(blob))
    atomic_write(out / f"figure3_{ds_key}.csv", csv_figure3(blob))
    if args.plot:
        plot_figure3(blob, args.plot)
    print(markdown_table4(blob))
    return 0


if __name__ == "__main__":
    sys.exit(main())
