"""Tests of emp_theory.pruning.torch_method / functional / records / scopes: EMP in torch.nn.utils.prune.

Reference values are computed here independently of the code under test:

* N_eff = floor(1 / sum(w^2)) with w = |s| / sum|s| and k = clip(floor(beta N_eff), 1, N)
  (Algorithm 1) written out with NumPy, and also emp_theory.keep_count on the same scores;
* the kept set is compared with a stable NumPy argsort of -|s| (scores are continuous,
  so there are no ties unless a test makes them on purpose);
* s_eff = sum of the N_eff largest w (eq. 5), the Theorem 2 bound from eq. 15 written out;
* torch's own L1Unstructured / global_unstructured at the same amount must give the
  same mask (a second, independent selection algorithm).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils import prune

from emp_theory import keep_count
from emp_theory.pruning.functional import emp_rowwise, emp_unstructured, global_emp_unstructured
from emp_theory.pruning.models import build_model, prunable_parameters
from emp_theory.pruning.records import clear_emp_records, emp_records
from emp_theory.pruning.scopes import fixed_amount_prune, prune_model
from emp_theory.pruning.torch_method import EMPRowwise, EMPUnstructured

BETAS = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0]


# ---------------------------------------------------------------------------
# independent reference (Algorithm 1, eq. 5, eq. 15)
# ---------------------------------------------------------------------------
def ref_neff(s):
    a = np.abs(np.asarray(s, dtype=np.float64)).ravel()
    w = a / a.sum()
    return math.floor(1.0 / np.sum(w * w) + 1e-9)


def ref_k(s, beta):
    N = np.asarray(s).size
    return min(max(math.floor(beta * ref_neff(s) + 1e-9), 1), N)


def ref_seff(s):
    a = np.sort(np.abs(np.asarray(s, dtype=np.float64)).ravel())[::-1]
    return a[: ref_neff(s)].sum() / a.sum()


def ref_thm2(n, N):
    if n == N:
        return 1.0
    return 1.0 - (N - n) / N * (1.0 - math.sqrt((N - n - 1) / ((n + 1) * (N - 1))))


def ref_topk_set(s, k):
    a = np.abs(np.asarray(s, dtype=np.float64)).ravel()
    return set(np.argsort(-a, kind="stable")[:k].tolist())


def linear(in_f=40, out_f=25, seed=0):
    torch.manual_seed(seed)
    return nn.Linear(in_f, out_f)


# ---------------------------------------------------------------------------
# EMPUnstructured on one tensor
# ---------------------------------------------------------------------------
class TestEMPUnstructured:
    @pytest.mark.parametrize("beta", BETAS)
    def test_keeps_exactly_k_largest(self, beta):
        m = linear()
        w = m.weight.detach().clone().numpy()
        emp_unstructured(m, "weight", beta=beta)
        mask = m.weight_mask.numpy()
        k = ref_k(w, beta)
        assert k == keep_count(w, beta)
        assert int(mask.sum()) == k
        assert set(np.flatnonzero(mask.ravel()).tolist()) == ref_topk_set(w, k)
        # the forward pre-hook applies it
        assert torch.equal(m.weight, m.weight_orig * m.weight_mask)

    def test_importance_scores_and_record(self):
        m = linear()
        torch.manual_seed(1)
        scores = torch.rand_like(m.weight) ** 3
        s = scores.numpy().copy()
        emp_unstructured(m, "weight", beta=1.0, scores=scores)
        rec = emp_records(m, "weight")[-1]
        N = s.size
        n = ref_neff(s)
        assert (rec.N, rec.n_eff, rec.k) == (N, n, ref_k(s, 1.0))
        assert rec.s_eff == pytest.approx(ref_seff(s), rel=1e-12)
        assert rec.kept_mass == pytest.approx(ref_seff(s), rel=1e-12)  # k = N_eff at beta = 1
        assert rec.bound == pytest.approx(ref_thm2(n, N), rel=1e-12)
        assert rec.s_eff >= rec.bound  # Theorem 2
        assert rec.scope == "tensor" and not rec.saturated
        assert set(np.flatnonzero(m.weight_mask.numpy().ravel())) == ref_topk_set(s, rec.k)

    def test_kept_mass_beta(self):
        m = linear()
        w = m.weight.detach().numpy().copy()
        emp_unstructured(m, "weight", beta=0.5)
        rec = emp_records(m, "weight")[-1]
        a = np.sort(np.abs(w).ravel())[::-1]
        assert rec.kept_mass == pytest.approx(a[: rec.k].sum() / a.sum(), rel=1e-12)

    def test_large_beta_saturates(self):
        m = linear()
        emp_unstructured(m, "weight", beta=50.0)
        rec = emp_records(m, "weight")[-1]
        assert rec.saturated and rec.k == rec.N == m.weight.numel()
        assert bool(m.weight_mask.all())

    def test_iterative_pruning_uses_survivors(self):
        m = linear()
        w = m.weight.detach().numpy().copy()
        emp_unstructured(m, "weight", beta=1.0)
        first = m.weight_mask.clone()
        emp_unstructured(m, "weight", beta=1.0)
        second = m.weight_mask
        assert isinstance(
            m._forward_pre_hooks[next(iter(m._forward_pre_hooks))], prune.PruningContainer
        )
        surv = w[first.numpy().astype(bool)]
        k2 = ref_k(surv, 1.0)
        assert int(second.sum()) == k2 == keep_count(surv, 1.0)
        assert bool((second <= first).all())  # only zeros more
        recs = emp_records(m, "weight")
        assert [r.N for r in recs] == [w.size, int(first.sum())]

    def test_composes_with_torch_methods_and_remove(self):
        m = linear()
        prune.random_unstructured(m, "weight", amount=0.3)
        before = m.weight_mask.clone()
        emp_unstructured(m, "weight", beta=1.0)
        after_emp = m.weight_mask.clone()
        surv = m.weight_orig.detach().numpy()[before.numpy().astype(bool)]
        assert int(after_emp.sum()) == keep_count(surv, 1.0)
        assert bool((after_emp <= before).all())
        prune.l1_unstructured(m, "weight", amount=0.2)
        after_l1 = m.weight_mask.clone()
        n_surv = int(after_emp.sum())
        assert int(after_l1.sum()) == n_surv - round(0.2 * n_surv)
        assert bool((after_l1 <= after_emp).all())
        prune.remove(m, "weight")
        assert not hasattr(m, "weight_orig") and not hasattr(m, "weight_mask")
        assert isinstance(m.weight, nn.Parameter)
        assert int((m.weight != 0).sum()) == int(after_l1.sum())

    def test_deterministic(self):
        masks = []
        for _ in range(3):
            m = linear(seed=5)
            emp_unstructured(m, "weight", beta=0.75)
            masks.append(m.weight_mask.clone())
        assert all(torch.equal(masks[0], x) for x in masks[1:])

    def test_ties_lowest_index_first(self):
        m = nn.Linear(8, 1, bias=False)
        with torch.no_grad():
            m.weight.fill_(1.0)
        emp_unstructured(m, "weight", beta=0.5)  # N_eff = 8, k = 4
        assert m.weight_mask.tolist() == [[1.0] * 4 + [0.0] * 4]

    def test_score_fn(self):
        m = linear()
        w = m.weight.detach().numpy().copy()
        emp_unstructured(m, "weight", beta=1.0, score_fn=torch.square)
        assert int(m.weight_mask.sum()) == ref_k(w**2, 1.0)

    def test_score_fn_wrong_shape(self):
        m = linear()
        with pytest.raises(ValueError, match="`score_fn`"):
            emp_unstructured(m, "weight", score_fn=lambda t: t.sum())
        assert isinstance(m.weight, nn.Parameter)  # torch rolled back

    @pytest.mark.parametrize("beta", [0.0, -1.0, float("nan"), float("inf")])
    def test_bad_beta(self, beta):
        with pytest.raises(ValueError, match="`beta`"):
            emp_unstructured(linear(), "weight", beta=beta)

    def test_bad_beta_type(self):
        with pytest.raises(TypeError, match="`beta`"):
            EMPUnstructured(beta="1")

    def test_nan_scores(self):
        m = linear()
        s = torch.ones_like(m.weight)
        s[0, 0] = float("nan")
        with pytest.raises(ValueError, match=r"`importance_scores`.*finite"):
            emp_unstructured(m, "weight", scores=s)

    def test_all_zero_scores(self):
        m = linear()
        with pytest.raises(ValueError, match="all zero"):
            emp_unstructured(m, "weight", scores=torch.zeros_like(m.weight))
        emp_unstructured(m, "weight", scores=torch.zeros_like(m.weight), on_all_zero="keep")
        rec = emp_records(m, "weight")[-1]
        assert rec.all_zero and rec.n_eff is None and bool(m.weight_mask.all())

    def test_bad_on_all_zero_and_name(self):
        with pytest.raises(ValueError, match="`on_all_zero`"):
            EMPUnstructured(on_all_zero="drop")
        with pytest.raises(AttributeError, match="nope"):  # as torch's prune methods
            emp_unstructured(linear(), "nope")
        with pytest.raises(AttributeError, match="nope"):
            prune.l1_unstructured(linear(), "nope", amount=0.5)
        with pytest.raises(TypeError, match="`module`"):
            emp_unstructured("not a module", "weight")

    def test_records_registry_clear(self):
        m = linear()
        emp_unstructured(m, "weight")
        assert len(emp_records(m, "weight")) == 1
        clear_emp_records(m)
        assert emp_records(m, "weight") == []


# ---------------------------------------------------------------------------
# global and row scopes
# ---------------------------------------------------------------------------
class TestGlobal:
    def _layers(self):
        torch.manual_seed(3)
        return [nn.Linear(30, 20), nn.Linear(20, 12), nn.Linear(12, 5)]

    @pytest.mark.parametrize("beta", [0.5, 1.0, 1.5])
    def test_global_keeps_core_k(self, beta):
        layers = self._layers()
        pooled = np.concatenate([m.weight.detach().numpy().ravel() for m in layers])
        rec = global_emp_unstructured([(m, "weight") for m in layers], beta=beta)
        kept = sum(int(m.weight_mask.sum()) for m in layers)
        assert kept == rec.k == keep_count(pooled, beta) == ref_k(pooled, beta)
        got = np.concatenate([m.weight_mask.numpy().ravel() for m in layers])
        assert set(np.flatnonzero(got).tolist()) == ref_topk_set(pooled, rec.k)
        assert rec.scope == "global" and rec.N == pooled.size
        for m in layers:
            assert emp_records(m, "weight")[-1] == rec

    def test_through_torch_global_unstructured(self):
        layers = self._layers()
        report = []
        prune.global_unstructured(
            [(m, "weight") for m in layers], pruning_method=EMPUnstructured, beta=1.0, report=report
        )
        pooled = np.concatenate([m.weight_orig.detach().numpy().ravel() for m in layers])
        assert len(report) == 1 and report[0].k == keep_count(pooled, 1.0)
        assert sum(int(m.weight_mask.sum()) for m in layers) == report[0].k

    def test_global_after_existing_masks(self):
        layers = self._layers()
        prune.l1_unstructured(layers[0], "weight", amount=0.5)
        old = layers[0].weight_mask.clone()
        rec = global_emp_unstructured([(m, "weight") for m in layers], beta=1.0)
        # candidates: the surviving entries (torch passes only those to compute_mask)
        surv = np.concatenate(
            [layers[0].weight_orig.detach().numpy()[old.numpy().astype(bool)]]
            + [m.weight_orig.detach().numpy().ravel() for m in layers[1:]]
        )
        assert rec.N == surv.size and rec.k == keep_count(surv, 1.0)
        assert bool((layers[0].weight_mask <= old).all())

    def test_same_as_torch_at_same_amount(self):
        a, b = self._layers(), self._layers()
        rec = global_emp_unstructured([(m, "weight") for m in a], beta=1.0)
        prune.global_unstructured(
            [(m, "weight") for m in b], pruning_method=prune.L1Unstructured, amount=rec.N - rec.k
        )
        for x, y in zip(a, b, strict=True):
            assert torch.equal(x.weight_mask, y.weight_mask)

    def test_empty_parameters(self):
        with pytest.raises(ValueError, match="`parameters`"):
            global_emp_unstructured([])


class TestRowwise:
    def test_each_row_keeps_its_k(self):
        m = linear(50, 7)
        w = m.weight.detach().numpy().copy()
        emp_rowwise(m, "weight", beta=1.0)
        for r in range(7):
            row_mask = m.weight_mask[r].numpy()
            k = keep_count(w[r], 1.0)
            assert int(row_mask.sum()) == k == ref_k(w[r], 1.0)
            assert set(np.flatnonzero(row_mask).tolist()) == ref_topk_set(w[r], k)
        recs = emp_records(m, "weight")
        assert len(recs) == 7 and all(r.scope == "row" for r in recs)

    def test_conv_rows_are_output_channels(self):
        torch.manual_seed(0)
        conv = nn.Conv2d(3, 4, 3)
        w = conv.weight.detach().numpy().copy()
        emp_rowwise(conv, "weight", beta=1.0)
        for c in range(4):
            assert int(conv.weight_mask[c].sum()) == keep_count(w[c], 1.0)

    def test_rowwise_after_l1(self):
        m = linear(50, 6)
        prune.l1_unstructured(m, "weight", amount=0.4)
        old = m.weight_mask.clone()
        emp_rowwise(m, "weight", beta=1.0)
        w = m.weight_orig.detach().numpy()
        for r in range(6):
            surv = w[r][old[r].numpy().astype(bool)]
            assert int(m.weight_mask[r].sum()) == keep_count(surv, 1.0)
        assert bool((m.weight_mask <= old).all())

    def test_rejects_1d(self):
        m = linear()
        with pytest.raises(ValueError, match="at least 2 dimensions"):
            EMPRowwise.apply(m, "bias")


# ---------------------------------------------------------------------------
# model-level scopes
# ---------------------------------------------------------------------------
class TestPruneModel:
    def _model(self):
        return build_model("fc5", (1, 4, 4), seed=2)

    def test_block_k_per_layer(self):
        model = self._model()
        ws = {qn: getattr(m, p).detach().numpy().copy() for qn, m, p in prunable_parameters(model)}
        res = prune_model(model, scope="block", beta=1.0)
        for layer in res.layers:
            assert layer.kept == keep_count(ws[layer.name], 1.0) == layer.k
            assert layer.n_eff == ref_neff(ws[layer.name])
        ks = [keep_count(w, 1.0) for w in ws.values()]
        Ns = [w.size for w in ws.values()]
        assert res.sparsity == pytest.approx(1 - sum(ks) / sum(Ns), abs=0)
        assert res.bound_holds()

    def test_global_k_and_biases_untouched(self):
        model = self._model()
        ws = [getattr(m, p).detach().numpy().ravel() for _, m, p in prunable_parameters(model)]
        res = prune_model(model, scope="global", beta=1.0)
        assert res.kept == keep_count(np.concatenate(ws), 1.0)
        for mod in model.modules():
            if isinstance(mod, nn.Linear):
                assert not hasattr(mod, "bias_mask")
                assert isinstance(mod.bias, nn.Parameter)

    def test_include_bias(self):
        model = self._model()
        res = prune_model(model, scope="block", beta=1.0, include_bias=True)
        assert any(layer.name.endswith("bias") for layer in res.layers)
        assert all(hasattr(m, "bias_mask") for m in model.modules() if isinstance(m, nn.Linear))

    def test_row_scope(self):
        model = build_model("fc2", (1, 4, 4), seed=2)
        res = prune_model(model, scope="row", beta=1.0)
        assert res.n_groups == sum(
            m.out_features for m in model.modules() if isinstance(m, nn.Linear)
        )
        assert res.bound_holds()

    def test_large_beta_no_pruning(self):
        res = prune_model(self._model(), scope="global", beta=10.0)
        assert res.no_pruning and res.sparsity == 0.0 and res.n_saturated == 1

    def test_scores_dict_validation(self):
        model = self._model()
        with pytest.raises(ValueError, match="`scores`"):
            prune_model(model, {"fc1.weight": torch.ones(3)}, scope="block")
        with pytest.raises(ValueError, match="`scope`"):
            prune_model(self._model(), scope="layer")

    def test_fixed_amount(self):
        model = self._model()
        res = fixed_amount_prune(model, scope="block", amount=0.5)
        for layer in res.layers:
            assert layer.kept == layer.N - round(0.5 * layer.N)
        res = fixed_amount_prune(self._model(), scope="row", amount=0.25)
        assert res.sparsity == pytest.approx(0.25, abs=0.02)
        with pytest.raises(ValueError, match="`amount`"):
            fixed_amount_prune(self._model(), scope="block", amount=1.5)


def test_package_exports_resolve():
    import emp_theory.pruning as P

    for name in P.__all__:
        assert getattr(P, name) is not None
    assert P.EMPUnstructured is EMPUnstructured
    with pytest.raises(AttributeError):
        P.not_a_name  # noqa: B018
    # the modules that were split still offer the names that moved out of them
    from emp_theory.pruning import method, names, sweep

    for name in method.__all__:
        assert getattr(method, name) is getattr(P, name)
    for name in ("SweepResult", "format_layers", "format_table", "to_csv"):
        assert getattr(sweep, name) is getattr(P, name)
    # one list of each kind of name
    assert P.MODELS is names.MODELS and P.SCOPES is names.SCOPES
    assert tuple(P.CRITERIA) == names.CRITERIA
