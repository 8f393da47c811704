"""Tests of the beta-sweep (emp_theory.pruning.sweep), its stored results, its CLI and its figures.

References: Algorithm 1's kept count k via emp_theory.keep_count on the trained
weights, the sparsity 1 - sum(k)/sum(N) counted from the masks, torch's own
global_unstructured at the same amount. The sweep trains FC2 on the bundled digits
once (a few seconds) into the session's temporary cache (``emp_cache``,
tests/conftest.py); the CLI tests load it from there.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import warnings

import numpy as np
import pytest

from emp_theory import keep_count
from emp_theory._cache import verify_digest
from emp_theory.cli.sweep import main, register
from emp_theory.pruning.models import prunable_parameters
from emp_theory.pruning.sweep import cached_sweep, run_sweep
from emp_theory.pruning.sweep_tables import format_layers, format_table, to_csv
from emp_theory.pruning.training import default_config, load_or_train


@pytest.fixture(scope="module")
def sweep(digits, emp_cache):
    return run_sweep(
        "fc2",
        digits,
        betas=(1.0, 10.0),
        scopes=("global", "block"),
        criteria=("magnitude",),
        cache=emp_cache,
        progress=False,
    )


# ---------------------------------------------------------------------------
# the sweep
# ---------------------------------------------------------------------------
class TestSweep:
    def _dense_weights(self, digits, emp_cache):
        model, _ = load_or_train(default_config("fc2", "digits"), digits, cache=emp_cache)
        return [getattr(m, p).detach().numpy().copy() for _, m, p in prunable_parameters(model)]

    def test_beta1_small_drop_and_sparsity(self, sweep, digits, emp_cache):
        ws = self._dense_weights(digits, emp_cache)
        Ns = [w.size for w in ws]
        rows = {(r.scope, r.beta): r for r in sweep.emp_rows()}
        g = rows[("global", 1.0)]
        k = keep_count(np.concatenate([w.ravel() for w in ws]), 1.0)
        assert g.kept == k and g.sparsity == pytest.approx(1 - k / sum(Ns), abs=1e-15)
        b = rows[("block", 1.0)]
        ks = [keep_count(w, 1.0) for w in ws]
        assert [la["kept"] for la in b.layers] == ks
        assert b.sparsity == pytest.approx(1 - sum(ks) / sum(Ns), abs=1e-15)
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
        assert "net.fc1.weight" in layers and "net.fc2.weight" in layers
        rows = list(csv.DictReader(io.StringIO(to_csv(sweep))))
        assert len(rows) == len(sweep.rows) == 2 * 2 + 2
        blob = json.loads(sweep.to_json())
        assert blob["model"] == "fc2" and len(blob["rows"]) == len(sweep.rows)

    def test_plain_progress_lines_off_a_terminal(self, sweep, digits, emp_cache, capsys):
        # progress=None (the CLI's default): tqdm hides its bars when stderr is not a
        # terminal (here: captured), so one plain line per model and setting is printed
        kw = {"betas": (1.0, 2.0), "scopes": ("global",), "baseline": False, "cache": emp_cache}
        run_sweep("fc2", digits, progress=None, **kw)
        out, err = capsys.readouterr()
        lines = err.splitlines()
        assert out == ""
        assert any(ln.startswith("loaded fc2/digits from ") for ln in lines)
        steps = [ln for ln in lines if ln.startswith("sweep fc2/digits [")]
        assert len(steps) == 2 and steps[0].startswith("sweep fc2/digits [1/2] magnitude global")
        assert "sparsity" in steps[1] and "accuracy" in steps[1] and "\r" not in err
        run_sweep("fc2", digits, progress=False, **kw)
        assert capsys.readouterr() == ("", "")

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
# stored sweep results (cached_sweep)
# ---------------------------------------------------------------------------
class TestCachedSweep:
    @pytest.fixture
    def sweep_cache(self, sweep, emp_cache, tmp_path):
        # a fresh cache holding the checkpoint the `sweep` fixture trained (no retraining)
        shutil.copytree(emp_cache / "checkpoints", tmp_path / "checkpoints")
        return tmp_path

    def _run(self, digits, cache):
        return cached_sweep(
            "fc2", digits, cache=cache, betas=(1.0,), scopes=("global",), baseline=False
        )

    def test_stored_then_reused(self, digits, sweep_cache):
        first = self._run(digits, sweep_cache)
        (path,) = (sweep_cache / "sweeps").glob("fc2-digits-*.json")
        assert verify_digest(path)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            again = self._run(digits, sweep_cache)
        assert again.as_dict() == first.as_dict()  # read back, timings included

    def test_flipped_byte_is_recomputed(self, digits, sweep_cache):
        first = self._run(digits, sweep_cache)
        (path,) = (sweep_cache / "sweeps").glob("fc2-digits-*.json")
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] ^= 0x01
        path.write_bytes(bytes(raw))
        with pytest.warns(UserWarning, match="does not match") as rec:
            again = self._run(digits, sweep_cache)
        assert any(str(path) in str(w.message) for w in rec)  # the warning names the file
        assert [r.as_dict() for r in again.rows] == [r.as_dict() for r in first.rows]
        assert verify_digest(path)  # rewritten with a fresh sidecar
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert self._run(digits, sweep_cache).as_dict() == again.as_dict()


# ---------------------------------------------------------------------------
# the CLI
# ---------------------------------------------------------------------------
class TestCLI:
    def test_table_and_saturation(self, emp_cache, capsys):
        rc = main(["--model", "fc2", "--betas", "1,10", "--quiet", "--cache-dir", str(emp_cache)])
        out = capsys.readouterr().out
        assert rc == 0
        assert "dense%" in out and "Fixed-amount baselines" in out
        assert "k saturates at N" in out and "fc2/magnitude/global at β=10" in out

    def test_register_on_fresh_parser(self, emp_cache, capsys, tmp_path):
        parser = argparse.ArgumentParser(prog="emp-theory")
        sub = parser.add_subparsers(dest="command", required=True)
        register(sub)
        args = parser.parse_args(
            ["sweep", "--betas", "1", "--scope", "global", "--quiet", "--cache-dir", str(emp_cache),
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

    def test_through_emp_theory_cli(self, emp_cache, capsys):
        import emp_theory.cli as top

        argv = [
            "sweep",
            "--betas",
            "1",
            "--scope",
            "block",
            "--quiet",
            "--cache-dir",
            str(emp_cache),
        ]
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
