"""Tests of emp_theory.experiments.kan: EMP node pruning of a KAN (paper Section 5.2).

Reference values are computed independently of the code under test:

* every edge function phi_{l,j,i} is re-evaluated from the layer's parameters with
  SciPy's B-spline basis elements (Cox-de Boor on the same knots) plus the SiLU
  residual, chaining the layers by hand; the L1 sizes, the incoming/outgoing scores
  I = max_k ||phi_{l-1,i,k}||_1, O = max_j ||phi_{l,j,i}||_1 and s = min(I, O) are then
  formed with explicit loops;
* the attribution variant is recomputed with loops from pykan's per-edge
  ``edge_scores`` of a separate copy of the model;
* the number kept is compared with ``emp_theory.keep_count`` and with the closed form
  floor(beta * floor((sum s)^2 / sum s^2)); the kept set with a stable argsort;
* the pruned network's output is compared with the dense network's output restricted
  to the kept hidden nodes (sum over the kept outgoing edges, evaluated with SciPy).

The module is skipped only when pykan is not installed.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the KAN path needs torch")
pytest.importorskip("kan", reason="pykan (pip install pykan==0.2.8) is not installed")

from scipy.interpolate import BSpline  # noqa: E402

from emp_theory import keep_count  # noqa: E402
from emp_theory._cache import atomic_write, verify_digest  # noqa: E402
from emp_theory.experiments import kan as K  # noqa: E402
from emp_theory.experiments.kan import model as kan_model  # noqa: E402
from emp_theory.experiments.kan import train as kan_train  # noqa: E402
from emp_theory.experiments.kan.backend import clone  # noqa: E402
from emp_theory.experiments.kan.cache import checkpoint_path  # noqa: E402


# ---------------------------------------------------------------------------
# Data, fixtures and the independent reference
# ---------------------------------------------------------------------------
def _synthetic(n=160, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (n, 4)).astype(np.float32)
    w = np.array([[1.0, -1.0, 0.5, 0.0], [0.0, 1.0, -1.0, 1.0], [-1.0, 0.0, 0.3, -0.7]])
    y = np.argmax(x @ w.T, axis=1).astype(np.int64)
    m = n * 3 // 4
    return {"train_input": x[:m], "train_label": y[:m], "test_input": x[m:], "test_label": y[m:]}


@pytest.fixture(scope="module")
def run():
    """A tiny KAN [4, 6, 3] trained for a few steps on a synthetic 3-class problem."""
    return K.train_kan(_synthetic(), 6, steps=30, batch=64, lr=0.05, seed=0)


@pytest.fixture(scope="module")
def x_train(run):
    return run.data["train_input"]


def _phi_reference(layer, x):
    """phi_{j,i}(x_i) of one pykan KANLayer, evaluated with SciPy; shape (n, out, in).

    phi = mask * (scale_base * silu(x) + scale_sp * sum_m coef_m B_m(x)), where B_m is the
    degree-k B-spline on knots grid[i, m : m + k + 2] (zero outside its support).
    """
    grid = layer.grid.detach().double().numpy()
    coef = layer.coef.detach().double().numpy()
    sb = layer.scale_base.detach().double().numpy()
    sp = layer.scale_sp.detach().double().numpy()
    mask = layer.mask.detach().double().numpy()
    k = layer.k
    n, din = x.shape
    dout = coef.shape[1]
    out = np.zeros((n, dout, din))
    for i in range(din):
        t = grid[i]
        nb = len(t) - k - 1
        basis = np.zeros((n, nb))
        for m in range(nb):
            b = BSpline.basis_element(t[m : m + k + 2], extrapolate=False)(x[:, i])
            basis[:, m] = np.nan_to_num(b, nan=0.0)
        silu = x[:, i] / (1.0 + np.exp(-x[:, i]))
        for j in range(dout):
            out[:, j, i] = mask[i, j] * (sb[i, j] * silu + sp[i, j] * (basis @ coef[i, j]))
    return out


def _reference_forward(model, x):
    """Chain the layers by hand; return the per-layer phi arrays and the output."""
    h = np.asarray(x, dtype=np.float64)
    phis = []
    for l, layer in enumerate(model.act_fun):
        phi = _phi_reference(layer, h)
        phis.append(phi)
        z = phi.sum(axis=2)
        z = z * model.subnode_scale[l].detach().double().numpy()
        z = z + model.subnode_bias[l].detach().double().numpy()
        h = z * model.node_scale[l].detach().double().numpy()
        h = h + model.node_bias[l].detach().double().numpy()
    return phis, h


def _state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


# ---------------------------------------------------------------------------
# The per-edge quantities and the node scores s = min(I, O)
# ---------------------------------------------------------------------------
class TestEdgeNorms:
    def test_pykan_postacts_are_the_edge_functions(self, run, x_train):
        # The quantity kan_edge_norms reads (spline_postacts) is phi_{l,j,i}(x^{(s)}).
        model = clone(run.model)
        model.get_act(x_train)
        phis, _ = _reference_forward(model, x_train.numpy())
        for l, phi in enumerate(phis):
            got = model.spline_postacts[l].double().numpy()
            np.testing.assert_allclose(got, phi, rtol=1e-4, atol=1e-6)

    def test_l1_norm_is_mean_absolute_phi(self, run, x_train):
        phis, _ = _reference_forward(run.model, x_train.numpy())
        got = K.kan_edge_norms(run.model, x_train)
        assert [g.shape for g in got] == [(6, 4), (3, 6)]
        for g, phi in zip(got, phis, strict=True):
            np.testing.assert_allclose(g, np.abs(phi).mean(axis=0), rtol=1e-4, atol=1e-7)

    def test_chunking_does_not_change_the_mean(self, run, x_train, monkeypatch):
        whole = K.kan_edge_norms(run.model, x_train)
        monkeypatch.setattr(kan_model, "CHUNK_ELEMENTS", 24 * 7)  # 7 rows per chunk
        assert kan_model.chunk_rows(run.model) == 7
        chunked = K.kan_edge_norms(run.model, x_train)
        for a, b in zip(whole, chunked, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


class TestNodeScores:
    def test_l1_scores_are_min_of_incoming_and_outgoing(self, run, x_train):
        phis, _ = _reference_forward(run.model, x_train.numpy())
        e0 = np.abs(phis[0]).mean(axis=0)  # (6, 4): edge (0, k) -> (1, i) at [i, k]
        e1 = np.abs(phis[1]).mean(axis=0)  # (3, 6): edge (1, i) -> (2, j) at [j, i]
        inc = [max(e0[i, k] for k in range(4)) for i in range(6)]
        out = [max(e1[j, i] for j in range(3)) for i in range(6)]
        s = [min(a, b) for a, b in zip(inc, out, strict=True)]
        ns = K.kan_node_scores(run.model, x_train)
        assert ns.layers == [1] and ns.score == "l1"
        np.testing.assert_allclose(ns.incoming[0], inc, rtol=1e-4)
        np.testing.assert_allclose(ns.outgoing[0], out, rtol=1e-4)
        np.testing.assert_allclose(ns.scores[0], s, rtol=1e-4)

    def test_attribution_scores_from_pykan_edge_scores(self, run, x_train):
        other = clone(run.model)
        with torch.no_grad():
            other.get_act(x_train)
            other.attribute()
        e0 = other.edge_scores[0].double().numpy()
        e1 = other.edge_scores[1].double().numpy()
        s = [
            min(max(e0[i, k] for k in range(4)), max(e1[j, i] for j in range(3))) for i in range(6)
        ]
        ns = K.kan_node_scores(run.model, x_train, score="attribution")
        np.testing.assert_allclose(ns.scores[0], s, rtol=1e-6)

    def test_deeper_kan_has_one_score_vector_per_hidden_layer(self):
        model = K.make_kan([3, 5, 4, 2], seed=1)
        x = torch.linspace(-1, 1, 30).reshape(10, 3)
        phis, _ = _reference_forward(model, x.numpy())
        ns = K.kan_node_scores(model, x)
        assert ns.layers == [1, 2]
        for idx, l in enumerate(ns.layers):
            e_in = np.abs(phis[l - 1]).mean(axis=0)
            e_out = np.abs(phis[l]).mean(axis=0)
            want = np.minimum(e_in.max(axis=1), e_out.max(axis=0))
            np.testing.assert_allclose(ns.scores[idx], want, rtol=1e-4, atol=1e-8)


# ---------------------------------------------------------------------------
# EMP pruning
# ---------------------------------------------------------------------------
class TestEMPPrune:
    @pytest.mark.parametrize("beta", [0.5, 1.0, 1.5, 3.0])
    def test_kept_count_is_keep_count(self, run, x_train, beta):
        s = K.kan_node_scores(run.model, x_train).scores[0]
        pruned, rep = K.emp_prune_kan(run.model, x_train, beta)
        k = keep_count(s, beta)
        # closed form of Algorithm 1 (no float ties near integers here)
        closed = min(max(math.floor(beta * math.floor(s.sum() ** 2 / (s**2).sum())), 1), 6)
        assert rep.k == [k] == [closed]
        assert len(rep.kept[0]) == k
        assert rep.width_before == [4, 6, 3]
        assert rep.width_after == [4, k, 3] == K.kan_widths(pruned)
        assert rep.kept[0] == sorted(np.argsort(-s, kind="stable")[:k].tolist())
        out = pruned(x_train)
        assert out.shape == (x_train.shape[0], 3)
        assert bool(torch.isfinite(out).all())

    def test_pruned_output_is_the_sum_over_kept_nodes(self, run, x_train):
        pruned, rep = K.emp_prune_kan(run.model, x_train, 1.0)
        assert len(rep.kept[0]) < 6  # something was actually removed
        phis, _ = _reference_forward(run.model, x_train.numpy())
        want = phis[1][:, :, rep.kept[0]].sum(axis=2)
        with torch.no_grad():
            got = pruned(x_train).double().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)

    def test_attribution_variant(self, run, x_train):
        s = K.kan_node_scores(run.model, x_train, score="attribution").scores[0]
        pruned, rep = K.emp_prune_kan(run.model, x_train, score="attribution")
        assert rep.width_after == [4, keep_count(s), 3] == K.kan_widths(pruned)

    def test_dense_model_and_global_rngs_unchanged(self, run, x_train):
        before = _state(run.model)
        random.seed(7)
        np.random.seed(7)  # noqa: NPY002 - the legacy global state is what pykan reseeds
        torch.manual_seed(7)
        py, npy, tor = random.getstate(), np.random.get_state(), torch.get_rng_state()  # noqa: NPY002
        K.emp_prune_kan(run.model, x_train)
        K.threshold_prune_kan(run.model, x_train, rule="pykan")
        K.make_kan([2, 2, 2], seed=3)
        assert not torch.are_deterministic_algorithms_enabled()
        assert random.getstate() == py
        after_np = np.random.get_state()  # noqa: NPY002
        assert after_np[0] == npy[0] and np.array_equal(after_np[1], npy[1])
        assert torch.equal(torch.get_rng_state(), tor)
        after = _state(run.model)
        assert before.keys() == after.keys()
        assert all(torch.equal(before[k], after[k]) for k in before)

    def test_report_as_dict(self, run, x_train):
        _, rep = K.emp_prune_kan(run.model, x_train)
        d = rep.as_dict()
        assert d["method"] == "emp" and d["beta"] == 1.0 and d["threshold"] is None
        assert d["width_after"][1] == len(d["kept"][0]) == d["k"][0]


class TestThresholdPrune:
    def test_pykan_rule_keeps_attribution_above_threshold(self, run, x_train):
        other = clone(run.model)
        with torch.no_grad():
            other.get_act(x_train)
            other.attribute()
        scores = other.node_scores[1].double().numpy()
        theta = float(np.median(scores))
        pruned, rep = K.threshold_prune_kan(run.model, x_train, theta, rule="pykan")
        want = [i for i in range(6) if scores[i] > theta]
        assert rep.kept == [want]
        assert K.kan_widths(pruned) == [4, len(want), 3]

    def test_io_rule_keeps_min_io_above_threshold(self, run, x_train):
        s = K.kan_node_scores(run.model, x_train).scores[0]
        theta = float(np.median(s))
        pruned, rep = K.threshold_prune_kan(run.model, x_train, theta, rule="io")
        assert rep.kept == [[i for i in range(6) if s[i] > theta]]
        assert K.kan_widths(pruned)[1] == len(rep.kept[0])

    def test_threshold_removing_a_whole_layer_raises(self, run, x_train):
        with pytest.raises(ValueError, match="`threshold`"):
            K.threshold_prune_kan(run.model, x_train, 1e6, rule="io")
        with pytest.raises(ValueError, match="`threshold`"):
            K.threshold_prune_kan(run.model, x_train, 1e6, rule="pykan")


# ---------------------------------------------------------------------------
# Training, evaluation, the comparison table
# ---------------------------------------------------------------------------
class TestTraining:
    def test_same_seed_same_model_other_seed_other_model(self):
        def train(seed):
            return _state(K.train_kan(_synthetic(40), 3, steps=5, batch=16, seed=seed).model)

        a, b, c = train(0), train(0), train(1)
        assert all(torch.equal(a[k], b[k]) for k in a)
        assert not all(torch.equal(a[k], c[k]) for k in a)

    def test_training_learns_the_task(self, run):
        # 3 linearly separable classes: far above chance (1/3) after 30 steps
        res = K.evaluate_kan(run.model, run.data["test_input"], run.data["test_label"])
        assert res["accuracy"] > 0.8
        assert run.config["width"] == [4, 6, 3]
        assert run.config["loss"] == "cross-entropy"

    def test_evaluate_matches_direct_computation(self, run):
        x, y = run.data["test_input"], run.data["test_label"].numpy()
        with torch.no_grad():
            z = run.model(x).double().numpy()
        logp = z - z.max(axis=1, keepdims=True)
        logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))
        res = K.evaluate_kan(run.model, x, y)
        assert res["accuracy"] == pytest.approx(np.mean(z.argmax(axis=1) == y))
        assert res["loss"] == pytest.approx(-np.mean(logp[np.arange(len(y)), y]), rel=1e-9)

    def test_compare_rows(self, run):
        rows = K.compare_kan_pruning(run)
        assert [r["method"] for r in rows] == ["dense", "emp", "emp-attribution", "pykan", "io"]
        assert rows[0]["width"] == [4, 6, 3] and rows[0]["report"] is None
        dense = K.evaluate_kan(run.model, run.data["test_input"], run.data["test_label"])
        assert rows[0]["test_accuracy"] == dense["accuracy"]
        for r in rows[1:]:
            assert r["width"] == r["report"].width_after
            assert 0.0 <= r["test_accuracy"] <= 1.0 and r["test_loss"] > 0

    def test_nothing_written_to_the_working_directory(self, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        r = K.train_kan(_synthetic(40), 3, steps=2, batch=16, seed=0)
        K.emp_prune_kan(r.model, r.data["train_input"])
        K.threshold_prune_kan(r.model, r.data["train_input"], 0.0)
        assert list(tmp_path.iterdir()) == []

    def test_cache_round_trip_and_corrupt_file(self, tmp_path):
        kw = {"steps": 3, "batch": 16, "seed": 0, "cache_dir": tmp_path}
        first = K.train_kan(_synthetic(40), 3, **kw)
        files = list((tmp_path / "kan").glob("kan-*.pt"))
        assert first.config["cached"] is False and len(files) == 1
        # the file is the keyed path, written with its digest
        cfg = {key: v for key, v in first.config.items() if key != "cached"}
        assert files[0] == checkpoint_path(cfg, first.data, tmp_path)
        assert files[0].with_name(files[0].name + ".sha256").is_file()
        assert verify_digest(files[0])
        second = K.train_kan(_synthetic(40), 3, **kw)
        assert second.config["cached"] is True
        a, b = _state(first.model), _state(second.model)
        assert all(torch.equal(a[k], b[k]) for k in a)
        assert second.train_loss == first.train_loss
        x, y = first.data["test_input"], first.data["test_label"]
        assert K.evaluate_kan(first.model, x, y) == K.evaluate_kan(second.model, x, y)
        # another configuration, or other data, gets another file
        K.train_kan(_synthetic(40), 3, **{**kw, "seed": 1})
        assert len(list((tmp_path / "kan").glob("kan-*.pt"))) == 2
        K.train_kan(_synthetic(40, seed=1), 3, **kw)
        assert len(list((tmp_path / "kan").glob("kan-*.pt"))) == 3
        # a corrupt file fails its digest: warned, ignored and rewritten
        files[0].write_bytes(b"not a checkpoint")
        with pytest.warns(UserWarning, match=files[0].name):
            third = K.train_kan(_synthetic(40), 3, **kw)
        assert third.config["cached"] is False
        c = _state(third.model)
        assert all(torch.equal(a[k], c[k]) for k in a)
        assert K.train_kan(_synthetic(40), 3, **kw).config["cached"] is True
        assert not list((tmp_path / "kan").glob("*.tmp"))

    def test_cache_without_digest_or_unloadable_is_retrained(self, tmp_path):
        kw = {"steps": 3, "batch": 16, "seed": 0, "cache_dir": tmp_path}
        first = K.train_kan(_synthetic(40), 3, **kw)
        (path,) = (tmp_path / "kan").glob("kan-*.pt")
        side = path.with_name(path.name + ".sha256")
        side.unlink()
        with pytest.warns(UserWarning, match="digest"):
            again = K.train_kan(_synthetic(40), 3, **kw)
        assert again.config["cached"] is False and verify_digest(path)
        # a file with a valid digest whose state does not fit the model: warned, retrained
        # from a fresh model (the same weights as a first training)
        state = _state(first.model)
        bad = {key: v[..., :1] if v.ndim else v for key, v in state.items()}
        blob = {"state_dict": bad, "config": {}, "train_loss": [0.0]}
        atomic_write(path, lambda fh: torch.save(blob, fh), digest=True)
        with pytest.warns(UserWarning, match="cannot be loaded"):
            third = K.train_kan(_synthetic(40), 3, **kw)
        assert third.config["cached"] is False
        c = _state(third.model)
        assert all(torch.equal(state[k], c[k]) for k in state)

    def test_kan_dataset_from_digits(self):
        from emp_theory.pruning.data import load_digits_split

        d = K.kan_dataset(load_digits_split())
        assert tuple(d["train_input"].shape) == (1347, 64)
        assert tuple(d["test_input"].shape) == (450, 64)
        assert d["train_label"].dtype == torch.int64

    def test_mnist_path_reads_idx_files(self, tmp_path):
        from emp_theory.pruning.idx import write_idx

        rng = np.random.default_rng(0)
        for stem, n in (("train", 30), ("t10k", 10)):
            write_idx(
                tmp_path / f"{stem}-images-idx3-ubyte",
                rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
            )
            write_idx(tmp_path / f"{stem}-labels-idx1-ubyte", (np.arange(n) % 10).astype(np.uint8))
        r = K.train_kan_mnist(tmp_path, "small", hidden=3, steps=2, batch=8, progress=False)
        assert r.config["width"] == [784, 3, 10]
        assert r.config["steps"] == 2 and r.config["dataset"] == "mnist"
        rows = K.compare_kan_pruning(r, n_score=20, threshold=0.0)
        assert all(row["width"][0] == 784 for row in rows)

    def test_paper_preset_counts_epochs_in_steps(self, tmp_path, monkeypatch):
        seen = {}

        def fake_train(ds, hidden, **kw):
            seen.update(kw, hidden=hidden)
            return K.KANRun(None, {}, {})

        monkeypatch.setattr(kan_train, "train_kan", fake_train)
        K.train_kan_digits("paper")
        # 10 epochs of ceil(1347 / 128) = 11 steps each
        assert seen["steps"] == 110 and seen["batch"] == 128 and seen["hidden"] == 64


# ---------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------
class TestValidation:
    @pytest.mark.parametrize("beta", [0, -1.0, float("nan"), float("inf")])
    def test_bad_beta(self, run, x_train, beta):
        with pytest.raises(ValueError, match="`beta`"):
            K.emp_prune_kan(run.model, x_train, beta)

    def test_beta_type(self, run, x_train):
        with pytest.raises(TypeError, match="`beta`"):
            K.emp_prune_kan(run.model, x_train, True)

    @pytest.mark.parametrize(
        "x",
        [
            np.zeros((5, 3), np.float32),
            np.zeros(4, np.float32),
            np.zeros((0, 4), np.float32),
            np.full((2, 4), np.nan, np.float32),
        ],
    )
    def test_bad_x(self, run, x):
        with pytest.raises(ValueError, match="`x`"):
            K.kan_node_scores(run.model, x)

    def test_x_type(self, run):
        with pytest.raises(TypeError, match="`x`"):
            K.kan_node_scores(run.model, np.array([["a"] * 4]))

    def test_model_type(self, x_train):
        with pytest.raises(TypeError, match="`model`"):
            K.emp_prune_kan(torch.nn.Linear(4, 3), x_train)

    def test_no_hidden_layer(self):
        with pytest.raises(ValueError, match="`model`"):
            K.kan_node_scores(K.make_kan([4, 3]), np.zeros((2, 4), np.float32))

    def test_multiplication_nodes(self):
        from kan.MultKAN import MultKAN

        state = np.random.get_state()  # noqa: NPY002
        m = MultKAN(width=[2, [1, 1], 1], auto_save=False, symbolic_enabled=False)
        np.random.set_state(state)  # noqa: NPY002
        with pytest.raises(ValueError, match="multiplication"):
            K.kan_node_scores(m, np.zeros((3, 2), np.float32))

    def test_all_zero_scores(self, run, x_train):
        dead = clone(run.model)
        dead.act_fun[0].mask.data.zero_()
        with pytest.raises(ValueError, match="all-zero"):
            K.emp_prune_kan(dead, x_train)

    def test_bad_score_and_rule_and_threshold(self, run, x_train):
        with pytest.raises(ValueError, match="`score`"):
            K.kan_node_scores(run.model, x_train, score="l2")
        with pytest.raises(ValueError, match="`rule`"):
            K.threshold_prune_kan(run.model, x_train, rule="other")
        with pytest.raises(ValueError, match="`threshold`"):
            K.threshold_prune_kan(run.model, x_train, -1.0)
        with pytest.raises(TypeError, match="`threshold`"):
            K.threshold_prune_kan(run.model, x_train, "0.1")

    @pytest.mark.parametrize(
        ("kwargs", "name"),
        [
            ({"steps": 0}, "`steps`"),
            ({"batch": 0}, "`batch`"),
            ({"lr": 0.0}, "`lr`"),
            ({"opt": "SGD"}, "`opt`"),
        ],
    )
    def test_bad_training_options(self, kwargs, name):
        with pytest.raises(ValueError, match=name):
            K.train_kan(_synthetic(40), 3, **kwargs)

    def test_bad_width_and_preset(self):
        with pytest.raises(ValueError, match="`width`"):
            K.make_kan([4])
        with pytest.raises(ValueError, match="`width`"):
            K.make_kan([4, 0, 3])
        with pytest.raises(ValueError, match="`preset`"):
            K.train_kan_digits("huge")
        with pytest.raises(TypeError, match="unexpected"):
            K.train_kan_digits(hiden=3)

    def test_bad_labels_and_data(self, run):
        with pytest.raises(ValueError, match="`y`"):
            K.evaluate_kan(run.model, run.data["test_input"], np.full(40, 7))
        with pytest.raises(TypeError, match="`y`"):
            K.evaluate_kan(run.model, run.data["test_input"], np.zeros(40))
        with pytest.raises(ValueError, match="`data`"):
            K.kan_dataset({"train_input": np.zeros((2, 2))})
        with pytest.raises(TypeError, match="`run`"):
            K.compare_kan_pruning(run.model)

    def test_missing_mnist_folder(self, tmp_path):
        with pytest.raises(ValueError, match="`data_dir`"):
            K.train_kan_mnist(tmp_path / "nowhere")


# ---------------------------------------------------------------------------
# The digits experiment (the book's table): slow
# ---------------------------------------------------------------------------
@pytest.mark.slow
def test_digits_small_preset():
    r = K.train_kan_digits()
    assert r.config["width"] == [64, 64, 10]
    rows = {row["method"]: row for row in K.compare_kan_pruning(r)}
    assert rows["dense"]["test_accuracy"] > 0.9
    s = rows["emp"]["report"].scores.scores[0]
    assert rows["emp"]["width"] == [64, keep_count(s), 10]
