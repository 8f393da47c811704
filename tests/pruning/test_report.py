"""The one-call prune_model (criteria, data forms, calibration, progress) and its report.

References: emp_theory.emp_mask on scores computed here by hand (the gradient of the
loss written with torch.autograd on a copy of the model), the mask counts of the
pruned modules, and the table's numbers re-read from the LayerStat objects.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from emp_theory import emp_mask
from emp_theory.pruning.models import build_model
from emp_theory.pruning.scopes import prune_model


def mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))


def dataset(n=24, seed=1):
    g = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.randn(n, 6, generator=g), torch.randint(0, 3, (n,), generator=g))


def masks(model):
    return [m.weight_mask.clone() for m in model.modules() if hasattr(m, "weight_mask")]


def hand_taylor(model, batches):
    """|theta * mean_b grad L_b| written out with torch.autograd (block scope reference)."""
    model = copy.deepcopy(model).eval()
    ws = [model[0].weight, model[2].weight]
    acc = [torch.zeros_like(w) for w in ws]
    for x, y in batches:
        g = torch.autograd.grad(F.cross_entropy(model(x), y), ws)
        acc = [a + gi for a, gi in zip(acc, g, strict=True)]
    return [(w.detach() * a / len(batches)).abs() for w, a in zip(ws, acc, strict=True)]


class TestOneCall:
    def test_signature_positional(self):
        m = mlp()
        w = [m[0].weight.detach().clone(), m[2].weight.detach().clone()]
        res = prune_model(m, "magnitude", "block", 1.0)
        assert res.criterion == "magnitude" and res.scope == "block"
        for got, wi in zip(masks(m), w, strict=True):
            assert np.array_equal(got.numpy().astype(bool), np.asarray(emp_mask(wi)))

    def test_dataloader_list_and_n_batches(self):
        ds = dataset()
        loader = DataLoader(ds, batch_size=8, shuffle=False)
        batches = list(loader)
        ref = hand_taylor(mlp(), batches)
        a, b = mlp(), mlp()
        prune_model(a, "taylor", "block", data=loader)
        prune_model(b, "taylor", "block", data=batches)
        for ma, mb, s in zip(masks(a), masks(b), ref, strict=True):
            assert torch.equal(ma, mb)
            assert np.array_equal(ma.numpy().astype(bool), np.asarray(emp_mask(s.numpy())))
        c = mlp()
        prune_model(c, "taylor", "block", data=loader, n_batches=1)
        ref1 = hand_taylor(mlp(), batches[:1])
        for mc, s in zip(masks(c), ref1, strict=True):
            assert np.array_equal(mc.numpy().astype(bool), np.asarray(emp_mask(s.numpy())))

    def test_calibration_function_for_any_batch_form(self):
        ds = dataset()
        dict_batches = [{"features": ds.tensors[0][i : i + 8], "label": ds.tensors[1][i : i + 8]}
                        for i in range(0, 24, 8)]  # fmt: skip

        def calibration(model, batch):
            return F.cross_entropy(model(batch["features"]), batch["label"])

        for crit in ("taylor", "saliency", "obd", "wanda"):
            a, b = mlp(), mlp()
            plain = [(d["features"], d["label"]) for d in dict_batches]
            opts = {"n_probes": 3} if crit == "obd" else None
            prune_model(a, crit, "global", data=plain, criterion_options=opts)
            prune_model(
                b, crit, "global", data=dict_batches, calibration=calibration,
                criterion_options=opts,
            )  # fmt: skip
            for ma, mb in zip(masks(a), masks(b), strict=True):
                assert torch.equal(ma, mb), crit

    def test_custom_loss(self):
        data = [(torch.randn(5, 6), torch.randn(5, 3))]
        a = mlp()
        prune_model(a, "saliency", "block", data=data, loss_fn=F.mse_loss)
        model = mlp().eval()
        g = torch.autograd.grad(F.mse_loss(model(data[0][0]), data[0][1]), model[0].weight)[0]
        assert np.array_equal(
            a[0].weight_mask.numpy().astype(bool), np.asarray(emp_mask(g.abs().numpy()))
        )

    def test_errors(self):
        with pytest.raises(ValueError, match="`data` is required"):
            prune_model(mlp(), "taylor")
        with pytest.raises(ValueError, match="`criterion`"):
            prune_model(mlp(), "random")
        with pytest.raises(ValueError, match="not both"):
            prune_model(mlp(), "taylor", scores={"0.weight": torch.ones(8, 6)})
        with pytest.raises(ValueError, match="`scope`"):
            prune_model(mlp(), scope="layer")
        with pytest.raises(TypeError, match="calibration"):
            prune_model(mlp(), "taylor", data=[{"x": torch.ones(2, 6)}])
        with pytest.raises(ValueError, match="bias"):
            prune_model(mlp(), scope="row", include_bias=True)

    def test_former_signature_and_short_names(self):
        # prune_model(model, scores) and the former short names ("fc1.weight") still work
        model = build_model("fc2", (1, 4, 4), seed=0)
        g = torch.Generator().manual_seed(0)
        s = {"fc1.weight": torch.rand(100, 16, generator=g), "fc2.weight": torch.rand(10, 100)}
        res = prune_model(model, s, scope="block")
        assert [la.name for la in res.layers] == ["net.fc1.weight", "net.fc2.weight"]
        got = model.net.fc1.weight_mask.numpy().astype(bool)
        assert np.array_equal(got, np.asarray(emp_mask(s["fc1.weight"].numpy())))
        res2 = prune_model(build_model("fc2", (1, 4, 4), seed=0), scores=s, scope="block")
        assert res2.kept == res.kept and res.criterion == "scores"
        with pytest.raises(ValueError, match="names no parameter"):
            prune_model(build_model("fc2", (1, 4, 4)), scores={**s, "fc9.weight": s["fc1.weight"]})

    def test_progress_bar_over_batches(self, capsys):
        prune_model(
            mlp(), "saliency", data=list(DataLoader(dataset(), batch_size=8)), progress=True
        )
        err = capsys.readouterr().err
        assert "saliency batches" in err and "0/3" in err
        prune_model(mlp(), "saliency", data=list(DataLoader(dataset(), batch_size=8)))
        assert capsys.readouterr().err == ""  # default: bars only on a terminal


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------
class Named(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.add_module("a|b", nn.Linear(5, 4))
        self.out = nn.Linear(4, 2)


class TestReport:
    @pytest.mark.parametrize("scope", ["global", "block", "row", "structured"])
    def test_table(self, scope):
        model = build_model("cnn", (1, 8, 8), seed=1)
        res = prune_model(model, scope=scope, beta=0.75)
        text = str(res)
        lines = text.splitlines()
        assert lines[0].startswith(f"EMP, scope={scope}, beta=0.75, criterion=magnitude")
        for col in ("name", "shape", "N", "N_eff", "kept", "sparsity", "s_eff", "Thm 2 bound",
                    "margin"):  # fmt: skip
            assert col in lines[1]
        for la in res.layers:
            line = next(ln for ln in lines if ln.startswith(la.name + " "))
            assert f"{la.kept:,}" in line and f"{100 * la.sparsity:.2f}%" in line
            assert "×".join(map(str, la.shape)) in line
            if la.margin is not None:
                assert f"{la.margin:.4f}" in line and la.margin >= -1e-12
        total = next(ln for ln in lines if ln.startswith("total"))
        assert f"{res.kept:,}" in total and f"{100 * res.sparsity:.2f}%" in total
        if scope == "global":
            g = res.global_record
            assert f"{g.n_eff:,}" in total and f"{g.s_eff - g.bound:.4f}" in total
        assert res.kept == sum(int(m.weight_mask.sum()) for m in model.modules()
                               if hasattr(m, "weight_mask"))  # fmt: skip

    def test_markdown_escapes(self):
        res = prune_model(Named(), scope="block")
        md = res.to_markdown()
        assert "| `a\\|b.weight` |" in md
        rows = [ln for ln in md.splitlines() if ln.startswith("|")]
        assert len(rows) == 2 + 2 + 1  # header, rule, two layers, total
        assert all(ln.count("|") - ln.count("\\|") == 10 for ln in rows)

    def test_to_dict_json_and_pandas(self):
        res = prune_model(build_model("cnn", (1, 8, 8), seed=0), scope="block")
        d = res.to_dict()
        back = json.loads(json.dumps(d))
        assert back["layers"][0]["shape"] == list(res.layers[0].shape)
        assert back["kept"] == res.kept and back["criterion"] == "magnitude"
        pd = pytest.importorskip("pandas")
        df = res.to_pandas()
        assert isinstance(df, pd.DataFrame) and list(df["name"]) == [la.name for la in res.layers]
        assert list(df["kept"]) == [la.kept for la in res.layers]
        assert df["margin"].tolist() == pytest.approx([la.margin for la in res.layers])
