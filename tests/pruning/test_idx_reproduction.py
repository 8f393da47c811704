"""The MNIST / Fashion-MNIST path end to end on tiny IDX folders written here, and the stored Table 4.

* ``load_dataset`` standardizes the IDX datasets as the paper's public code does
  (``IDX_STANDARDIZATION``), ``standardize=False`` keeps ``[0, 1]``, the digits are untouched;
  on Debian's Fashion-MNIST the constants are the training pixels' mean and std;
* ``emp-theory sweep --dataset mnist --data-dir DIR`` trains with the Appendix B.1 preset,
  prunes, writes JSON, caches the checkpoint with its SHA-256 sidecar and reuses it;
* ``scripts/reproduce_table4.py`` runs over seeds on such a folder and writes the JSON, CSV,
  Markdown and PNG files the book reads;
* the stored ``book/results/table4_fashion_mnist.json`` is consistent with itself and with
  ``emp_theory.paper.TABLE4``.

The tiny folders hold random 8x8 images whose label is a function of the image (the class
of the brightest of ten pixel blocks), so a trained FC2 is far above chance.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from emp_theory._cache import verify_digest
from emp_theory.cli.sweep import main as sweep_main
from emp_theory.paper import TABLE4
from emp_theory.pruning.data import (
    DEBIAN_FASHION_MNIST_DIR,
    IDX_STANDARDIZATION,
    load_dataset,
    load_idx_dataset,
    standardized,
)
from emp_theory.pruning.idx import write_idx

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "reproduce_table4.py"
STORED = ROOT / "book" / "results" / "table4_fashion_mnist.json"


def tiny_idx(root: Path, n_train=2048, n_test=256, seed=0) -> Path:
    """Four IDX files (gzipped) of learnable 8x8 uint8 images; returns the folder."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)

    def split(n):
        x = rng.integers(0, 50, (n, 8, 8), dtype=np.uint8)
        y = rng.integers(0, 10, n).astype(np.uint8)
        flat = x.reshape(n, -1)
        for i, c in enumerate(y):  # brighten the block of six pixels of class c
            flat[i, 6 * c : 6 * c + 6] += 200
        return x, y

    for prefix, n in (("train", n_train), ("t10k", n_test)):
        x, y = split(n)
        write_idx(root / f"{prefix}-images-idx3-ubyte.gz", x)
        write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", y)
    return root


class TestStandardization:
    def test_mnist_standardized_by_default(self, tmp_path):
        d = tiny_idx(tmp_path / "m")
        raw = load_idx_dataset(d, "mnist")
        std = load_dataset("mnist", d)
        mu, sigma = IDX_STANDARDIZATION["mnist"]
        assert (mu, sigma) == (0.1307, 0.3081)
        torch.testing.assert_close(std.x_train, (raw.x_train - mu) / sigma)
        torch.testing.assert_close(std.x_test, (raw.x_test - mu) / sigma)
        assert torch.equal(std.y_train, raw.y_train) and std.source == raw.source
        assert std.transform == "(x - 0.1307) / 0.3081" and raw.transform == ""
        assert std.fingerprint() != raw.fingerprint()  # separate checkpoints
        plain = load_dataset("mnist", d, standardize=False)
        assert plain.transform == "" and torch.equal(plain.x_train, raw.x_train)

    def test_fashion_constants_and_digits(self, tmp_path):
        d = tiny_idx(tmp_path / "f")
        ds = load_dataset("fashion-mnist", d)
        assert ds.transform == "(x - 0.286) / 0.353"
        assert IDX_STANDARDIZATION["fashion-mnist"] == (0.2860, 0.3530)
        digits = load_dataset("digits")
        assert digits.transform == "" and float(digits.x_train.max()) == 1.0

    def test_standardized_errors(self, tmp_path):
        ds = load_dataset("mnist", tiny_idx(tmp_path / "e"))
        with pytest.raises(ValueError, match="already transformed"):
            standardized(ds, 0.0, 1.0)
        raw = load_idx_dataset(tmp_path / "e", "mnist")
        for bad in (0.0, -1.0, float("nan"), float("inf")):
            with pytest.raises(ValueError, match="`std`"):
                standardized(raw, 0.5, bad)
        with pytest.raises(ValueError, match="`mean`"):
            standardized(raw, float("nan"), 1.0)

    @pytest.mark.skipif(
        not Path(DEBIAN_FASHION_MNIST_DIR).is_dir(),
        reason="Debian's dataset-fashion-mnist package is not installed",
    )
    def test_constants_are_the_training_statistics(self):
        raw = load_idx_dataset(DEBIAN_FASHION_MNIST_DIR, "fashion-mnist")
        mu, sigma = IDX_STANDARDIZATION["fashion-mnist"]
        x = raw.x_train.double()
        assert abs(float(x.mean()) - mu) < 5e-4 and abs(float(x.std()) - sigma) < 5e-4


class TestSweepOnTinyIDX:
    def test_cli_end_to_end_and_checkpoint_reuse(self, tmp_path, capsys):
        d = tiny_idx(tmp_path / "mnist")
        cache, out = tmp_path / "cache", tmp_path / "out.json"
        argv = ["--model", "fc2", "--dataset", "mnist", "--data-dir", str(d), "--betas", "0.5,1",
                "--cache-dir", str(cache), "--json", str(out), "--quiet", "--no-baseline"]  # fmt: skip
        assert sweep_main(argv) == 0
        text = capsys.readouterr().out
        assert "EMP β-sweep on mnist" in text and str(d) in text
        (res,) = json.loads(out.read_text())["results"]
        assert res["dataset"] == "mnist" and res["settings"]["n_train"] == 2048
        cfg = res["train_info"]["config"]
        assert (cfg["epochs"], cfg["lr"], cfg["batch_size"]) == (5, 1e-4, 128)  # Appendix B.1
        assert len(res["train_info"]["epoch_test_accuracy"]) == 5
        assert res["train_info"]["epoch_test_accuracy"][-1] == pytest.approx(res["dense_acc"])
        assert res["dense_acc"] > 0.5  # learnable: far above the 0.1 of chance
        rows = {(r["scope"], r["beta"]): r for r in res["rows"]}
        assert set(rows) == {(s, b) for s in ("global", "block") for b in (0.5, 1.0)}
        for r in rows.values():
            assert 0.0 < r["sparsity"] < 1.0 and r["N"] == 64 * 100 + 100 * 10
        assert rows["global", 0.5]["sparsity"] > rows["global", 1.0]["sparsity"]
        (ckpt,) = (cache / "checkpoints").glob("fc2-mnist-*.pt")
        assert verify_digest(ckpt) and ckpt.with_name(ckpt.name + ".sha256").is_file()
        assert res["train_info"]["cached"] is False
        assert sweep_main(argv) == 0  # second run: the verified checkpoint is reused
        (again,) = json.loads(out.read_text())["results"]
        assert again["train_info"]["cached"] is True and again["dense_acc"] == res["dense_acc"]
        assert [r["acc"] for r in again["rows"]] == [r["acc"] for r in res["rows"]]

    def test_reproduce_script_over_seeds(self, tmp_path):
        d = tiny_idx(tmp_path / "mnist")
        out, png = tmp_path / "res", tmp_path / "fig3.png"
        cmd = [sys.executable, str(SCRIPT), "--dataset", "mnist", "--data-dir", str(d),
               "--models", "fc2", "--seeds", "0,1", "--betas", "0.5,1,2", "--out", str(out),
               "--cache-dir", str(tmp_path / "cache"), "--plot", str(png)]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
        blob = json.loads((out / "table4_mnist.json").read_text())
        assert blob["dataset"] == "mnist" and blob["seeds"] == [0, 1]
        assert blob["data"]["transform"] == "(x - 0.1307) / 0.3081"
        assert len(blob["runs"]) == 2 and {r["seed"] for r in blob["runs"]} == {0, 1}
        one = blob["runs"][0]["block_one_layer"]  # each weight matrix pruned on its own
        assert [x["name"] for x in one] == ["net.fc1.weight", "net.fc2.weight"]
        assert all(0.0 < x["sparsity"] < 1.0 and -1.0 <= x["delta"] <= 1.0 for x in one)
        (b1,) = [r for r in blob["runs"][0]["rows"] if (r["scope"], r["beta"]) == ("block", 1.0)]
        assert [la["name"] for la in b1["layers"]] == ["net.fc1.weight", "net.fc2.weight"]
        s = blob["summary"]["fc2"]
        assert s["n_seeds"] == 2 and set(s["scopes"]) == {"block", "global", "row"}
        accs = [r["dense_acc"] for r in blob["runs"]]
        assert s["dense_acc"][0] == pytest.approx(np.mean(accs))
        assert s["dense_acc"][1] == pytest.approx(np.std(accs, ddof=1))
        assert blob["paper_table4"]["fc2/block"] == list(TABLE4["mnist", "fc2", "block"])
        md = (out / "table4_mnist.md").read_text()
        assert f"| {TABLE4['mnist', 'fc2', 'global'][2]:.2f} |" in md and "± " in md
        lines = (out / "table4_mnist.csv").read_text().splitlines()
        assert len(lines) == 1 + 2 * 3 * 3  # header + seeds x scopes x betas
        assert (out / "figure3_mnist.csv").is_file() and png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.skipif(not STORED.is_file(), reason="no stored Fashion-MNIST results")
class TestStoredResults:
    def test_summary_matches_runs_and_paper(self):
        blob = json.loads(STORED.read_text())
        assert blob["dataset"] == "fashion-mnist" and len(blob["seeds"]) >= 3
        for model, s in blob["summary"].items():
            runs = [r for r in blob["runs"] if r["model"] == model]
            assert s["n_seeds"] == len(runs) >= 3
            assert s["dense_acc"][0] == pytest.approx(np.mean([r["dense_acc"] for r in runs]))
            for scope in ("block", "global"):
                cell = s["scopes"][scope]["1.0"]
                got = [row["sparsity"] for r in runs for row in r["rows"]
                       if (row["scope"], row["beta"]) == (scope, 1.0)]  # fmt: skip
                assert cell["sparsity"][0] == pytest.approx(np.mean(got))
                assert blob["paper_table4"][f"{model}/{scope}"] == list(
                    TABLE4["fashion-mnist", model, scope]
                )
