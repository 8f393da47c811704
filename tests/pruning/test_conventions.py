"""EMP against torch.nn.utils.prune's conventions, in the patterns of PyTorch's test/nn/test_pruning.py.

References are independent of the code under test: torch's own methods (l1_unstructured,
ln_structured, global_unstructured) on the same module, NumPy norms, and
``emp_theory.emp_mask`` on the slice norms or entries written out here.
"""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils import prune

from emp_theory import emp_mask
from emp_theory.pruning.functional import (
    emp_rowwise,
    emp_structured,
    emp_unstructured,
    global_emp_unstructured,
)
from emp_theory.pruning.records import emp_records
from emp_theory.pruning.scopes import prune_model
from emp_theory.pruning.targets import prunable_parameters
from emp_theory.pruning.torch_method import EMPRowwise, EMPStructured, EMPUnstructured


def lin(i=6, o=5, seed=0):
    torch.manual_seed(seed)
    return nn.Linear(i, o)


def norms(w, dim, mask=None):
    a = w.detach().double().numpy()
    if mask is not None:
        a = a * mask.numpy()
    a = np.moveaxis(a, dim, 0).reshape(a.shape[dim], -1)
    return np.sqrt((a * a).sum(axis=1))


def slice_mask(keep, shape, dim):
    m = np.zeros(shape, bool)
    idx = [slice(None)] * len(shape)
    idx[dim] = np.flatnonzero(keep)
    m[tuple(idx)] = True
    return m


# ---------------------------------------------------------------------------
# argument names and errors as torch
# ---------------------------------------------------------------------------
class TestArguments:
    def test_importance_scores_keyword_and_alias(self):
        s = torch.rand(5, 6, generator=torch.Generator().manual_seed(1))
        a, b, c = lin(), lin(), lin()
        emp_unstructured(a, "weight", importance_scores=s)
        emp_unstructured(b, "weight", scores=s)
        emp_unstructured(c, "weight", 1.0, s)  # positional, as l1_unstructured's
        assert torch.equal(a.weight_mask, b.weight_mask)
        assert torch.equal(a.weight_mask, c.weight_mask)
        assert np.array_equal(a.weight_mask.numpy().astype(bool), np.asarray(emp_mask(s.numpy())))
        with pytest.raises(TypeError, match="not both"):
            emp_unstructured(lin(), "weight", importance_scores=s, scores=s)
        for fn in (emp_rowwise, emp_structured):
            m = lin()
            fn(m, "weight", importance_scores=s)
            assert hasattr(m, "weight_mask")

    @pytest.mark.parametrize(
        "call",
        [
            lambda m: prune.l1_unstructured(m, "nope", amount=0.5),
            lambda m: emp_unstructured(m, "nope"),
            lambda m: emp_rowwise(m, "nope"),
            lambda m: emp_structured(m, "nope"),
            lambda m: EMPUnstructured.apply(m, "nope"),
            lambda m: global_emp_unstructured([(m, "nope")]),
        ],
    )
    def test_missing_name_is_attribute_error(self, call):
        with pytest.raises(AttributeError, match="nope"):
            call(lin())

    def test_wrong_shape_scores_as_torch(self):
        for call in (
            lambda m: prune.l1_unstructured(m, "weight", 0.5, importance_scores=torch.ones(3)),
            lambda m: emp_unstructured(m, "weight", importance_scores=torch.ones(3)),
        ):
            m = lin()
            with pytest.raises(AssertionError, match="same shape"):
                call(m)
            assert isinstance(m.weight, nn.Parameter)  # rolled back

    def test_rollback_on_error(self):
        # test_pruning_rollback: an error in compute_mask leaves the module unpruned
        m = lin()
        w = m.weight
        s = torch.ones(5, 6)
        s[0, 0] = float("nan")
        with pytest.raises(ValueError, match="finite"):
            emp_unstructured(m, "weight", importance_scores=s)
        assert m.weight is w and not hasattr(m, "weight_orig") and not prune.is_pruned(m)

    def test_pruning_id_consistency(self):
        # test_pruning_id_consistency: weight_orig is the original parameter object
        m = lin()
        w = m.weight
        emp_unstructured(m, "weight")
        assert m.weight_orig is w and prune.is_pruned(m)


# ---------------------------------------------------------------------------
# the meta device
# ---------------------------------------------------------------------------
class TestMeta:
    @pytest.mark.parametrize(
        "call",
        [
            lambda m: prune.l1_unstructured(m, "weight", amount=0.5),
            lambda m: emp_unstructured(m, "weight"),
            lambda m: emp_rowwise(m, "weight"),
            lambda m: emp_structured(m, "weight"),
        ],
    )
    def test_single_tensor_methods_work_like_l1(self, call):
        m = nn.Linear(6, 5, device="meta")
        call(m)
        assert m.weight_orig.is_meta and m.weight_mask.is_meta
        assert m.weight_mask.shape == (5, 6)
        assert m(torch.empty(2, 6, device="meta")).shape == (2, 5)

    def test_pooled_pruning_fails_as_torch(self):
        mods = [nn.Linear(4, 3, device="meta"), nn.Linear(3, 2, device="meta")]
        with pytest.raises(NotImplementedError):
            prune.global_unstructured(
                [(m, "weight") for m in mods], pruning_method=prune.L1Unstructured, amount=0.5
            )
        mods = [nn.Linear(4, 3, device="meta"), nn.Linear(3, 2, device="meta")]
        with pytest.raises(NotImplementedError, match="meta"):
            global_emp_unstructured([(m, "weight") for m in mods])
        with pytest.raises(NotImplementedError, match="meta"):
            prune_model(nn.Sequential(*mods), scope="block")

    def test_state_dict_of_meta_pruned_model_loads(self):
        # the use of pruning on meta: build the reparametrization, then load a pruned checkpoint
        real = lin()
        emp_unstructured(real, "weight")
        meta = nn.Linear(6, 5, device="meta")
        emp_unstructured(meta, "weight")
        meta.load_state_dict(real.state_dict(), assign=True)
        x = torch.randn(3, 6)
        assert torch.equal(meta(x), real(x))


# ---------------------------------------------------------------------------
# serialization
# ---------------------------------------------------------------------------
class TestSerialization:
    def test_lambda_score_fn_not_kept_whole_model_pickles(self):
        m = nn.Sequential(lin(), nn.ReLU(), lin(5, 3))
        emp_unstructured(m[0], "weight", score_fn=lambda t: t * t)
        emp_rowwise(m[2], "weight", score_fn=lambda t: t.abs() ** 3, report=[])
        emp_unstructured(m[2], "weight", score_fn=lambda t: t)  # a container
        x = torch.randn(4, 6)
        buf = io.BytesIO()
        torch.save(m, buf)
        buf.seek(0)
        back = torch.load(buf, weights_only=False)
        assert torch.equal(back(x), m(x))
        again = pickle.loads(pickle.dumps(m))
        assert torch.equal(again(x), m(x))
        for mod in (back[0], back[2]):
            for h in mod._forward_pre_hooks.values():
                for meth in getattr(h, "_pruning_methods", (h,)):
                    assert getattr(meth, "score_fn", None) is None
                    assert getattr(meth, "report", None) is None
        # the lambda still decided the mask: |w|^2 ranks as |w|
        ref = lin()
        emp_unstructured(ref, "weight", score_fn=lambda t: t * t)
        assert torch.equal(m[0].weight_mask, ref.weight_mask)

    def test_state_dict_round_trip_into_pruned_model(self):
        # test_pruning_serialization_state_dict: load into a model pruned the same way
        a, b = lin(seed=0), lin(seed=1)
        emp_structured(a, "weight")
        emp_structured(b, "weight")
        b.load_state_dict(a.state_dict())
        x = torch.randn(2, 6)
        assert torch.equal(a(x), b(x))


# ---------------------------------------------------------------------------
# prunable types, include / exclude
# ---------------------------------------------------------------------------
class Conv1D(nn.Module):  # transformers.pytorch_utils.Conv1D, weight (nx, nf)
    def __init__(self, nf, nx):
        super().__init__()
        self.nf, self.nx = nf, nx
        self.weight = nn.Parameter(torch.randn(nx, nf) * 0.02)
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        return torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)


class Zoo(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.emb = nn.Embedding(11, 4)
        self.c1 = nn.Conv1d(2, 3, 3)
        self.c2 = nn.Conv2d(2, 3, 3)
        self.c3 = nn.Conv3d(2, 3, 3)
        self.t1 = nn.ConvTranspose1d(2, 3, 3)
        self.t2 = nn.ConvTranspose2d(2, 3, 3)
        self.t3 = nn.ConvTranspose3d(2, 3, 3)
        self.gpt = Conv1D(5, 4)
        self.fc = nn.Linear(4, 2)
        self.norm = nn.LayerNorm(4)


TYPES_DEFAULT = ["c1", "c2", "c3", "t1", "t2", "t3", "gpt", "fc"]


class TestTypes:
    def test_default_types_and_embedding_opt_in(self):
        z = Zoo()
        assert [n for n, _, _ in prunable_parameters(z)] == [f"{m}.weight" for m in TYPES_DEFAULT]
        names = [n for n, _, _ in prunable_parameters(z, include=[nn.Embedding])]
        assert names == ["emb.weight"]
        names = [n for n, _, _ in prunable_parameters(z, include="*")]
        assert names == ["emb.weight", *[f"{m}.weight" for m in TYPES_DEFAULT]]

    def test_include_exclude_by_pattern_and_type(self):
        z = Zoo()

        def names(**kw):
            return [n for n, _, _ in prunable_parameters(z, **kw)]

        assert names(include="t?") == ["t1.weight", "t2.weight", "t3.weight"]
        assert names(include="t?.weight") == ["t1.weight", "t2.weight", "t3.weight"]
        assert names(exclude=["c*", nn.Linear]) == [
            "t1.weight",
            "t2.weight",
            "t3.weight",
            "gpt.weight",
        ]
        assert names(include=nn.modules.conv._ConvNd, exclude="t*") == [
            "c1.weight", "c2.weight", "c3.weight"
        ]  # fmt: skip
        assert names(include="fc", include_bias=True) == ["fc.weight", "fc.bias"]
        assert names(include="norm") == []  # LayerNorm is not a prunable type
        with pytest.raises(TypeError, match="`include`"):
            prunable_parameters(z, include=[3])

    def test_every_type_every_scope(self):
        for scope in ("global", "block", "row", "structured"):
            z = Zoo()
            w = {n: getattr(m, p).detach().clone() for n, m, p in prunable_parameters(z)}
            res = prune_model(z, scope=scope)
            assert [la.name for la in res.layers] == list(w)
            for la in res.layers:
                mod = z.get_submodule(la.name.rsplit(".", 1)[0])
                assert la.kept == int(mod.weight_mask.sum())
                if scope == "block":
                    assert np.array_equal(
                        mod.weight_mask.numpy().astype(bool), np.asarray(emp_mask(w[la.name]))
                    )

    def test_output_dims(self):
        # row scope: ConvTranspose and Conv1D have their outputs along dim 1
        z = Zoo()
        w = {n: getattr(m, p).detach().clone() for n, m, p in prunable_parameters(z)}
        prune_model(z, scope="row")
        for name, d in [("t2.weight", 1), ("gpt.weight", 1), ("c2.weight", 0), ("fc.weight", 0)]:
            mask = z.get_submodule(name.split(".")[0]).weight_mask
            for j in range(w[name].shape[d]):
                got = mask.select(d, j).numpy().astype(bool)
                assert np.array_equal(got, np.asarray(emp_mask(w[name].select(d, j))))

    def test_tied_weights_refused(self):
        class LM(nn.Module):
            def __init__(self):
                super().__init__()
                self.wte = nn.Embedding(10, 4)
                self.lm_head = nn.Linear(4, 10, bias=False)
                self.lm_head.weight = self.wte.weight

        with pytest.raises(ValueError, match="tied"):
            prune_model(LM())
        with pytest.raises(ValueError, match="no tensors to prune"):
            prune_model(LM(), exclude="lm_head")
        shared = nn.Linear(3, 3)  # one module reachable twice is pruned once, still shared
        model = nn.Sequential(shared, nn.ReLU(), shared)
        res = prune_model(model, scope="block")
        assert [la.name for la in res.layers] == ["0.weight"] and model[2] is model[0]


# ---------------------------------------------------------------------------
# EMPStructured (the patterns of torch's ln_structured tests)
# ---------------------------------------------------------------------------
class TestStructured:
    @pytest.mark.parametrize("dim", [0, 1, -1])
    def test_keeps_slices_by_emp_over_norms(self, dim):
        torch.manual_seed(0)
        conv = nn.Conv2d(4, 7, 3)
        w = conv.weight.detach().clone()
        emp_structured(conv, "weight", n=2, dim=dim)
        d = dim % 4
        keep = np.asarray(emp_mask(norms(w, d)))
        assert np.array_equal(
            conv.weight_mask.numpy().astype(bool), slice_mask(keep, tuple(w.shape), d)
        )
        rec = emp_records(conv, "weight")[-1]
        assert rec.scope == "structured" and rec.N == w.shape[d] and rec.k == keep.sum()

    @pytest.mark.parametrize("n", [1, 2, 3.5, float("inf"), "fro"])
    def test_norm_orders(self, n):
        m = lin(8, 9)
        w = m.weight.detach().double().numpy()
        p = 2.0 if n == "fro" else float(n)
        v = np.abs(w).max(axis=1) if p == np.inf else (np.abs(w) ** p).sum(axis=1) ** (1 / p)
        emp_structured(m, "weight", n=n, dim=0)
        keep = np.asarray(emp_mask(v))
        assert np.array_equal(m.weight_mask.numpy().astype(bool), slice_mask(keep, w.shape, 0))

    def test_importance_scores_decide(self):
        m = lin(4, 6)
        s = torch.ones(6, 4)
        s[2] = 10.0  # one heavy row: N_eff of the norms is small
        emp_structured(m, "weight", importance_scores=s)
        keep = np.asarray(emp_mask(norms(s, 0)))
        assert np.array_equal(m.weight_mask.numpy().astype(bool), slice_mask(keep, (6, 4), 0))

    def test_validation_as_torch(self):
        with pytest.raises(ValueError, match="multidimensional"):
            emp_structured(lin(), "bias")
        with pytest.raises(ValueError, match="multidimensional"):
            prune.ln_structured(lin(), "bias", amount=0.5, n=2, dim=0)
        with pytest.raises(IndexError):
            emp_structured(lin(), "weight", dim=2)
        with pytest.raises(IndexError):
            prune.ln_structured(lin(), "weight", amount=0.5, n=2, dim=2)
        for bad in (0, -1, float("nan"), "nuc"):
            with pytest.raises((ValueError, TypeError), match="`n`"):
                EMPStructured(n=bad)
        with pytest.raises(TypeError, match=r"Only .unstructured."):
            prune.global_unstructured([(lin(), "weight")], pruning_method=EMPStructured)
        assert EMPStructured.PRUNING_TYPE == "structured" and EMPStructured(dim=1).dim == 1

    def test_container_structured_then_unstructured(self):
        m = lin(10, 8)
        w = m.weight.detach().clone()
        emp_structured(m, "weight", dim=0)
        first = m.weight_mask.clone()
        emp_unstructured(m, "weight")
        hook = next(iter(m._forward_pre_hooks.values()))
        assert isinstance(hook, prune.PruningContainer) and len(hook) == 2
        surv = w.numpy()[first.numpy().astype(bool)]
        expect = first.numpy().astype(bool).copy()
        expect[expect] = np.asarray(emp_mask(surv))  # EMP over the survivors, in flat order
        assert np.array_equal(m.weight_mask.numpy().astype(bool), expect)

    def test_container_unstructured_then_structured(self):
        m = lin(10, 8)
        w = m.weight.detach().clone()
        emp_unstructured(m, "weight")
        first = m.weight_mask.clone()
        emp_structured(m, "weight", dim=1)
        # candidates: columns with a surviving entry; importance: norm of the survivors
        alive = first.numpy().any(axis=0)
        v = norms(w, 1, first)[alive]
        keep = alive.copy()
        keep[alive] = np.asarray(emp_mask(v))
        expect = first.numpy().astype(bool) & slice_mask(keep, (8, 10), 1)
        assert np.array_equal(m.weight_mask.numpy().astype(bool), expect)

    def test_with_torch_methods_and_remove(self):
        m = lin(12, 9)
        prune.ln_structured(m, "weight", amount=0.3, n=2, dim=0)
        first = m.weight_mask.clone()
        emp_structured(m, "weight", dim=0)
        second = m.weight_mask.clone()
        assert bool((second <= first).all())
        rows = second.numpy().any(axis=1)
        alive = first.numpy().any(axis=1)
        keep = alive.copy()
        keep[alive] = np.asarray(emp_mask(norms(m.weight_orig, 0)[alive]))
        assert np.array_equal(rows, keep)
        prune.l1_unstructured(m, "weight", amount=0.1)
        assert bool((m.weight_mask <= second).all())
        prune.remove(m, "weight")
        assert isinstance(m.weight, nn.Parameter) and not prune.is_pruned(m)
        dead = ~second.numpy().any(axis=1)
        assert not m.weight.detach().numpy()[dead].any()

    def test_rowwise_dim_one(self):
        m = lin(7, 4)
        w = m.weight.detach().clone()
        EMPRowwise.apply(m, "weight", dim=1)
        for j in range(7):
            got = m.weight_mask[:, j].numpy().astype(bool)
            assert np.array_equal(got, np.asarray(emp_mask(w[:, j])))
