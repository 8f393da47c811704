"""Tests of the models, the training cache, the beta-sweep, its CLI and its figures.

References: Table 3 widths (parameter counts recomputed as sum(in*out + out)),
Appendix B.1 training settings, Algorithm 1's nu via emp_theory.keep_count on the
trained weights, and the sparsity 1 - sum(nu)/sum(N) counted from the masks.
The sweep tests train FC2 on the bundled digits once (a few seconds) into a
temporary cache shared by the module.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import warnings

import numpy as np
import pytest
import torch

from emp_theory import keep_count
from emp_theory.cli.sweep import main, register
from emp_theory.pruning.data import load_digits_split
from emp_theory.pruning.models import FC_WIDTHS, build_model, prunable_parameters
from emp_theory.pruning.sweep import format_layers, format_table, run_sweep, to_csv
from emp_theory.pruning.training import (
    CACHE_ENV,
    TrainConfig,
    cache_dir,
    default_config,
    load_or_train,
    train,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)


@pytest.fixture(scope="module")
def digits():
    return load_digits_split()


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("emp_cache")


@pytest.fixture(scope="module")
def sweep(digits, cache):
    return run_sweep(
        "fc2",
        digits,
        betas=(1.0, 10.0),
        scopes=("global", "block"),
        criteria=("magnitude",),
        cache=cache,
        progress=False,
    )


# ---------------------------------------------------------------------------
# models (Table 3)
# ---------------------------------------------------------------------------
class TestModels:
    @pytest.mark.parametrize("name", ["fc2", "fc5", "fc12"])
    @pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28)])
    def test_table3_widths_and_counts(self, name, shape):
        widths = {
            "fc2": [100, 10],
            "fc5": [1000, 600, 300, 100, 10],
            "fc12": [1000, 900, 800, 750, 700, 650, 600, 500, 400, 200, 100, 10],
        }[name]
        assert list(FC_WIDTHS[name]) == widths
        m = build_model(name, shape)
        dims = [shape[0] * shape[1] * shape[2], *widths]
        expected = sum(a * b + b for a, b in itertools.pairwise(dims))
        assert sum(p.numel() for p in m.parameters()) == expected
        lin = [mod for _, mod, _ in prunable_parameters(m)]
        assert [mod.out_features for mod in lin] == widths
        assert m(torch.zeros(2, *shape)).shape == (2, 10)

    def test_documented_784_counts(self):
        # the module docstring states these numbers
        counts = {
            n: sum(p.numel() for p in build_model(n, (1, 28, 28)).parameters()) for n in FC_WIDTHS
        }
        assert counts == {"fc2": 79_510, "fc5": 1_597_010, "fc12": 4_981_610}

    def test_cnn(self):
        m = build_model("cnn", (1, 8, 8))
        names = [qn for qn, _, _ in prunable_parameters(m)]
        assert names == ["conv1.weight", "conv2.weight", "fc1.weight", "fc2.weight"]
        assert m(torch.zeros(3, 1, 8, 8)).shape == (3, 10)
        assert build_model("cnn", (1, 28, 28))(torch.zeros(1, 1, 28, 28)).shape == (1, 10)

    def test_seeded_and_errors(self):
        a, b = build_model("fc2", (1, 8, 8), seed=3), build_model("fc2", (1, 8, 8), seed=3)
        assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters(), strict=True))
        with pytest.raises(ValueError, match="`name`"):
            build_model("fc3", (1, 8, 8))
        with pytest.raises(ValueError, match="`input_shape`"):
            build_model("fc2", (8, 8))


# ---------------------------------------------------------------------------
# training and the cache
# ---------------------------------------------------------------------------
TINY = TrainConfig("fc2", "digits", epochs=1, lr=1e-3, batch_size=256, seed=0)


class TestTraining:
    def test_paper_presets(self):
        # Appendix B.1: Adam, lr 1e-4, batch 128; FC2/FC5 5 epochs, FC12 10 epochs
        for ds in ("mnist", "fashion-mnist"):
            for name, ep in (("fc2", 5), ("fc5", 5), ("fc12", 10)):
                c = default_config(name, ds)
                assert (c.epochs, c.lr, c.batch_size, c.weight_decay, c.schedule) == (
                    ep, 1e-4, 128, 0.0, "none",
                )  # fmt: skip
        assert default_config("fc2", "digits").schedule == "cosine"

    def test_config_validation(self):
        with pytest.raises(ValueError, match="`epochs`"):
            TrainConfig("fc2", "digits", 0, 1e-3, 64)
        with pytest.raises(ValueError, match="`lr`"):
            TrainConfig("fc2", "digits", 1, -1.0, 64)
        with pytest.raises(ValueError, match="`model`"):
            TrainConfig("vgg", "digits", 1, 1e-3, 64)
        with pytest.raises(ValueError, match="`schedule`"):
            TrainConfig("fc2", "digits", 1, 1e-3, 64, schedule="step")
        with pytest.raises(ValueError, match="`dataset`"):
            default_config("fc2", "cifar")

    def test_reproducible(self, digits):
        a, _ = train(TINY, digits, progress=False)
        b, _ = train(TINY, digits, progress=False)
        for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
            assert ka == kb and torch.equal(va, vb)

    def test_cache_round_trip(self, digits, tmp_path):
        m1, i1 = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        m2, i2 = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        assert (i1["cached"], i2["cached"]) == (False, True)
        assert i1["path"] == i2["path"] and i2["test_accuracy"] == i1["test_accuracy"]
        for va, vb in zip(m1.state_dict().values(), m2.state_dict().values(), strict=True):
            assert torch.equal(va, vb)
        files = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
        assert len(files) == 1 and files[0].endswith(".pt") and files[0].startswith("fc2-digits-")
        _, i3 = load_or_train(TINY, digits, cache=tmp_path, use_cache=False, progress=False)
        assert i3["cached"] is False

    def test_key_depends_on_config_and_data(self, digits):
        other = TrainConfig("fc2", "digits", epochs=2, lr=1e-3, batch_size=256)
        assert TINY.key(digits) != other.key(digits)
        assert TINY.key(digits) != TINY.key(load_digits_split(seed=1))
        assert TINY.key(digits) == TrainConfig(**TINY.__dict__).key(digits)

    def test_corrupt_checkpoint_is_retrained(self, digits, tmp_path):
        _, info = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        with open(info["path"], "wb") as fh:
            fh.write(b"not a checkpoint")
        with pytest.warns(UserWarning, match="ignoring unreadable checkpoint"):
            _, again = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        assert again["cached"] is False
        _, third = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        assert third["cached"] is True

    def test_interrupted_write_leaves_nothing(self, digits, tmp_path, monkeypatch):
        real_save = torch.save

        def broken_save(obj, fh, *a, **k):
            fh.write(b"partial")
            raise KeyboardInterrupt

        monkeypatch.setattr(torch, "save", broken_save)
        with pytest.raises(KeyboardInterrupt):
            load_or_train(TINY, digits, cache=tmp_path, progress=False)
        monkeypatch.setattr(torch, "save", real_save)
        assert list((tmp_path / "checkpoints").iterdir()) == []

    def test_cache_dir_resolution(self, tmp_path, monkeypatch):
        monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env"))
        assert cache_dir() == tmp_path / "env"
        assert cache_dir(tmp_path / "arg") == tmp_path / "arg"
        monkeypatch.delenv(CACHE_ENV)
        assert cache_dir().parts[-2:] == (".cache", "emp_theory")


# ---------------------------------------------------------------------------
# the sweep
# ---------------------------------------------------------------------------
class TestSweep:
    def _dense_weights(self, digits, cache):
        model, _ = load_or_train(default_config("fc2", "digits"), digits, cache=cache)
        return [getattr(m, p).detach().numpy().copy() for _, m, p in prunable_parameters(model)]

    def test_beta1_small_drop_and_sparsity(self, sweep, digits, cache):
        ws = self._dense_weights(digits, cache)
        Ns = [w.size for w in ws]
        rows = {(r.scope, r.beta): r for r in sweep.emp_rows()}
        g = rows[("global", 1.0)]
        nu = keep_count(np.concatenate([w.ravel() for w in ws]), 1.0)
        assert g.kept == nu and g.sparsity == pytest.approx(1 - nu / sum(Ns), abs=1e-15)
        b = rows[("block", 1.0)]
        nus = [keep_count(w, 1.0) for w in ws]
        assert [la["kept"] for la in b.layers] == nus
        assert b.sparsity == pytest.approx(1 - sum(nus) / sum(Ns), abs=1e-15)
        for r in (g, b):
            assert sweep.dense_acc > 0.85  # the dense model learned the task
            assert r.delta >= -0.02  # small accuracy drop at beta = 1 (<= 2 points)
            assert 0.1 < r.sparsity < 0.9 and not r.no_pruning and r.bound_holds
        assert g.global_stats["s_eff"] >= g.global_stats["bound"]

    def test_large_beta_saturates(self, sweep):
        for r in sweep.emp_rows():
            if r.beta == 10.0:
                assert r.no_pruning and r.sparsity == 0.0 and r.acc == r.dense_acc
                assert "no pruning" in r.note
        assert "no pruning" in format_table(sweep)

    def test_baseline_same_amount(self, sweep):
        fixed = {r.scope: r for r in sweep.fixed_rows()}
        emp = {(r.scope, r.beta): r for r in sweep.emp_rows()}
        # global: torch's global_unstructured at the same count picks the same weights
        assert fixed["global"].mask_diff == 0
        assert fixed["global"].kept == emp[("global", 1.0)].kept
        assert fixed["global"].acc == emp[("global", 1.0)].acc
        # block: the same overall fraction, spread uniformly over the layers
        for la in fixed["block"].layers:
            assert la["kept"] == la["N"] - round(emp[("block", 1.0)].sparsity * la["N"])

    def test_outputs(self, sweep):
        text = format_table(sweep)
        assert "s_eff vs Thm 2" in text and "fc2" in text
        layers = format_layers(sweep)
        assert "fc1.weight" in layers and "fc2.weight" in layers
        rows = list(csv.DictReader(io.StringIO(to_csv(sweep))))
        assert len(rows) == len(sweep.rows) == 2 * 2 + 2
        blob = json.loads(sweep.to_json())
        assert blob["model"] == "fc2" and len(blob["rows"]) == len(sweep.rows)

    def test_argument_errors(self, digits):
        with pytest.raises(ValueError, match="`model`"):
            run_sweep("fc3", digits)
        with pytest.raises(ValueError, match="`betas`"):
            run_sweep("fc2", digits, betas=(0.0,))
        with pytest.raises(ValueError, match="`scopes`"):
            run_sweep("fc2", digits, scopes=("layer",))
        with pytest.raises(ValueError, match="`criteria`"):
            run_sweep("fc2", digits, criteria=("random",))


# ---------------------------------------------------------------------------
# the CLI
# ---------------------------------------------------------------------------
class TestCLI:
    def test_table_and_saturation(self, cache, capsys):
        rc = main(["--model", "fc2", "--betas", "1,10", "--quiet", "--cache-dir", str(cache)])
        out = capsys.readouterr().out
        assert rc == 0
        assert "dense%" in out and "Fixed-amount baselines" in out
        assert "ν saturates at N" in out and "fc2/magnitude/global at β=10" in out

    def test_register_on_fresh_parser(self, cache, capsys, tmp_path):
        parser = argparse.ArgumentParser(prog="emp-theory")
        sub = parser.add_subparsers(dest="command", required=True)
        register(sub)
        args = parser.parse_args(
            ["sweep", "--betas", "1", "--scope", "global", "--quiet", "--cache-dir", str(cache),
             "--json", str(tmp_path / "o.json"), "--plot", str(tmp_path / "f.png"), "--csv"]
        )  # fmt: skip
        assert args.func(args) == 0
        out = capsys.readouterr().out
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [r["kind"] for r in rows] == ["emp", "fixed"]
        blob = json.loads((tmp_path / "o.json").read_text())
        assert blob["results"][0]["rows"][0]["scope"] == "global"
        assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    @pytest.mark.parametrize(
        ("argv", "msg"),
        [
            (["--model", "fc9"], "unknown model"),
            (["--dataset", "mnist"], "needs --data-dir"),
            (["--dataset", "fashion-mnist"], "dataset-fashion-mnist"),
            (["--dataset", "mnist", "--data-dir", "/no/such/dir"], "does not exist"),
            (["--dataset", "svhn"], "unknown dataset"),
            (["--betas", "1,-1"], "--betas"),
            (["--scope", "layer"], "unknown scope"),
            (["--criterion", "random"], "unknown criterion"),
            (["--fixed-sparsity", "1.5"], "--fixed-sparsity"),
        ],
    )
    def test_usage_errors(self, argv, msg, capsys):
        assert main([*argv, "--quiet"]) == 2
        err = capsys.readouterr().err
        assert msg in err and len(err.strip().splitlines()) == 1
        assert err.startswith("emp-theory sweep: error:")

    def test_bad_idx_folder(self, tmp_path, capsys):
        (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03junk")
        assert main(["--dataset", "mnist", "--data-dir", str(tmp_path), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "four IDX files" in err and len(err.strip().splitlines()) == 1

    def test_through_emp_theory_cli(self, cache, capsys):
        import emp_theory.cli as top

        argv = ["sweep", "--betas", "1", "--scope", "block", "--quiet", "--cache-dir", str(cache)]
        assert top.main(argv) == 0
        assert "block" in capsys.readouterr().out
        assert top.main(["sweep", "--model", "fc9"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("emp-theory sweep: error: unknown model")

    def test_no_torch_at_import(self):
        import subprocess
        import sys

        code = (
            "import sys; import emp_theory.cli as c; "
            "c.build_parser(); "
            "print('torch' in sys.modules)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------
class TestFigures:
    def test_figure3(self, sweep):
        from emp_theory.viz import show
        from emp_theory.viz.sweep_figs import figure3, sweep_lines

        fig = figure3(sweep)
        lines = sweep_lines(sweep)
        assert len(fig.data) == len(lines) == 2
        emp = {(r.scope, r.beta): r for r in sweep.emp_rows()}
        for tr, ln in zip(fig.data, lines, strict=True):
            assert list(tr.x) == [1.0, 10.0]
            assert list(tr.y) == [100 * emp[(ln["scope"], b)].acc for b in (1.0, 10.0)]
        crit_menu, metric_menu = fig.layout.updatemenus
        assert [b.label for b in crit_menu.buttons] == ["magnitude"]
        sparsity = metric_menu.buttons[2].args[0]["y"]
        assert sparsity[0] == [100 * emp[(lines[0]["scope"], b)].sparsity for b in (1.0, 10.0)]
        html = show(fig)._repr_html_()
        assert "cdn.plot.ly" not in html and "<script" in html

    def test_layer_ratio_and_matplotlib(self, sweep, tmp_path):
        from emp_theory.viz.sweep_figs import figure3_matplotlib, layer_ratio_figure

        fig = layer_ratio_figure([sweep.as_dict()])
        row = sweep.emp_rows()[0]
        assert list(fig.data[0].y) == [la["ratio"] for la in row.layers]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            figure3_matplotlib({"results": [sweep.as_dict()]}, tmp_path / "f3.png")
        assert (tmp_path / "f3.png").stat().st_size > 1000
        with pytest.raises(TypeError, match="`results`"):
            layer_ratio_figure([{"no": "rows"}])
