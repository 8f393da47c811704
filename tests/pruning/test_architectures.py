"""prune_model on real architectures: the right mask for every layer, scope and criterion.

The expected masks come from an independent reference, not from the code under test:
``emp_theory.emp_mask`` (Algorithm 1 with ties kept lowest flat index first) applied to

* each layer's own scores (block scope);
* the concatenation of all layers' scores, in ``named_modules`` order (global scope);
* each output unit's scores: row ``i`` of a Linear/Conv weight, column ``j`` of a GPT-2
  ``Conv1D`` weight (row scope);
* the L2 norms of the output units' scores, computed here in NumPy (structured scope).

The scores themselves are computed by the criterion functions on a deep copy of the
dense model, keyed by the names of ``named_parameters()``; so a mix-up of layers (the
former short-name keys) or of the output dimension shows as a wrong mask. Models:
a ResNet-like network (identical block names), a ModuleList of identical blocks (and
of different shapes under the same names), a GPT-2-style Conv1D model, and the bundled
MiniLM (sentence-transformers).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from emp_theory import emp_mask
from emp_theory.pruning.criteria import CRITERIA, compute_scores
from emp_theory.pruning.names import PRUNE_SCOPES
from emp_theory.pruning.scopes import fixed_amount_prune, prune_model

CRIT_OPTIONS = {"obd": {"n_probes": 2}}


# ---------------------------------------------------------------------------
# the independent reference
# ---------------------------------------------------------------------------
def np_scores(t):
    return t.detach().double().cpu().numpy()


def out_dim_of(mod):
    """Output-unit dimension, written out here: 1 for ConvTranspose / GPT-2 Conv1D."""
    if type(mod).__name__ == "Conv1D" or isinstance(mod, nn.ConvTranspose1d | nn.ConvTranspose2d):
        return 1
    return 0


def emp_or_keep(v):
    """emp_mask, and the documented on_all_zero="keep" rule: all-zero scores keep everything."""
    v = np.asarray(v)
    return np.ones(v.shape, bool) if not v.any() else np.asarray(emp_mask(v, 1.0))


def ref_masks(named_scores, mods, scope):
    """{name: bool ndarray}: the masks EMP must produce (emp_mask on the right vectors)."""
    out = {}
    if scope == "global":
        flat = np.concatenate([s.ravel() for s in named_scores.values()])
        m = emp_or_keep(flat)
        i = 0
        for n, s in named_scores.items():
            out[n] = m[i : i + s.size].reshape(s.shape)
            i += s.size
        return out
    for n, s in named_scores.items():
        if scope == "block":
            out[n] = emp_or_keep(s)
            continue
        d = out_dim_of(mods[n])
        units = np.moveaxis(s, d, 0).reshape(s.shape[d], -1)
        if scope == "row":
            m = np.stack([emp_or_keep(u) for u in units])
        else:  # structured: whole units by EMP over their L2 norms
            keep = emp_or_keep(np.sqrt((units * units).sum(axis=1)))
            m = np.repeat(keep[:, None], units.shape[1], axis=1)
        out[n] = np.moveaxis(m.reshape(np.moveaxis(s, d, 0).shape), 0, d)
    return out


def weight_names(model, types=(nn.Linear, nn.Conv2d)):
    """Names (named_parameters paths) and modules of the pruned weights, found here."""
    names, mods = [], {}
    for mn, mod in model.named_modules():
        if isinstance(mod, types) or type(mod).__name__ == "Conv1D":
            names.append(f"{mn}.weight")
            mods[f"{mn}.weight"] = mod
    return names, mods


def reference_scores(dense, crit, data, names, **kw):
    model = copy.deepcopy(dense)
    params = dict(model.named_parameters())
    opts = dict(CRIT_OPTIONS.get(crit, {}), **kw)
    if crit != "magnitude":
        opts["n_batches"] = None
    scores = compute_scores(model, crit, [params[n] for n in names], data, **opts)
    return {n: np_scores(s) for n, s in zip(names, scores, strict=True)}


def check_model(dense, data, scopes=PRUNE_SCOPES, criteria=tuple(CRITERIA), kw=None, **pkw):
    kw = kw or {}
    names, _ = weight_names(dense)
    for crit in criteria:
        sc = reference_scores(dense, crit, data, names, **kw)
        for scope in scopes:
            model = copy.deepcopy(dense)
            _, mods = weight_names(model)
            res = prune_model(
                model,
                crit,
                scope,
                data=None if crit == "magnitude" else data,
                criterion_options=CRIT_OPTIONS.get(crit),
                **kw,
                **pkw,
            )
            assert [la.name for la in res.layers] == names
            sel = {n: sc[n] for n in names}
            expect = ref_masks(sel, {n: mods[n] for n in names}, scope)
            for la in res.layers:
                got = mods[la.name].weight_mask.detach().numpy().astype(bool)
                assert np.array_equal(got, expect[la.name]), (crit, scope, la.name)
                assert la.kept == int(expect[la.name].sum())
                assert la.shape == tuple(expect[la.name].shape)
            assert res.bound_holds()


def image_batches(n_batches=2, n=6, seed=0, shape=(3, 8, 8), classes=5):
    g = torch.Generator().manual_seed(seed)
    return [
        (torch.randn(n, *shape, generator=g), torch.randint(0, classes, (n,), generator=g))
        for _ in range(n_batches)
    ]


# ---------------------------------------------------------------------------
# the reproducer of the issue: same-named layers
# ---------------------------------------------------------------------------
class B(nn.Module):
    def __init__(self, d_in=16, d_out=16):
        super().__init__()
        self.fc = nn.Linear(d_in, d_out)

    def forward(self, x):
        return self.fc(x)


def test_same_named_layers_get_their_own_masks():
    torch.manual_seed(0)
    model = nn.Sequential(B(), B())
    w = [np_scores(model[i].fc.weight) for i in range(2)]
    res = prune_model(model, scope="block")
    assert [la.name for la in res.layers] == ["0.fc.weight", "1.fc.weight"]
    for i in range(2):
        got = model[i].fc.weight_mask.numpy().astype(bool)
        assert np.array_equal(got, np.asarray(emp_mask(w[i])))
    # the two layers' own masks differ: a mix-up would have shown
    assert not np.array_equal(np.asarray(emp_mask(w[0])), np.asarray(emp_mask(w[1])))


@pytest.mark.parametrize("scope", PRUNE_SCOPES)
def test_same_names_different_shapes(scope):
    torch.manual_seed(1)
    dense = nn.Sequential(B(6, 10), B(10, 4))
    check_model(dense, None, scopes=(scope,), criteria=("magnitude",))


def test_scores_by_qualified_name():
    torch.manual_seed(2)
    model = nn.Sequential(B(), B())
    g = torch.Generator().manual_seed(3)
    s = {f"{i}.fc.weight": torch.rand(16, 16, generator=g) for i in range(2)}
    prune_model(model, scores=s, scope="block")
    for i in range(2):
        got = model[i].fc.weight_mask.numpy().astype(bool)
        assert np.array_equal(got, np.asarray(emp_mask(s[f"{i}.fc.weight"].numpy())))
    # a short name shared by two layers cannot be told apart: an error, not a guess
    with pytest.raises(ValueError, match="ambiguous"):
        prune_model(nn.Sequential(B(), B()), scores={"fc.weight": s["0.fc.weight"]})
    with pytest.raises(ValueError, match="ambiguous"):  # even with one of them excluded
        prune_model(nn.Sequential(B(), B()), scores={"fc.weight": s["0.fc.weight"]}, exclude="1*")
    # (module, name) keys, as torch's importance_scores
    m2 = nn.Sequential(B(), B())
    prune_model(m2, scores={(m2[i].fc, "weight"): s[f"{i}.fc.weight"] for i in range(2)})
    assert np.array_equal(
        np.concatenate([m2[i].fc.weight_mask.numpy().ravel() for i in range(2)]).astype(bool),
        np.asarray(emp_mask(np.concatenate([s[f"{i}.fc.weight"].numpy().ravel() for i in (0, 1)]))),
    )


# ---------------------------------------------------------------------------
# ResNet-like, stacked identical blocks, GPT-2-style Conv1D: every scope, every criterion
# ---------------------------------------------------------------------------
def test_resnet_every_scope_and_criterion(make_resnet):
    dense = make_resnet()
    names, _ = weight_names(dense)
    assert "layer1.0.conv1.weight" in names and "layer1.1.conv1.weight" in names
    assert "layer2.0.downsample.0.weight" in names
    check_model(dense, image_batches())


def test_module_list_of_identical_blocks(make_stack):
    dense = make_stack()
    g = torch.Generator().manual_seed(5)
    data = [(torch.randn(8, 12, generator=g), torch.randint(0, 3, (8,), generator=g))]
    check_model(dense, data)


def test_module_list_blocks_of_different_shapes(make_stack):
    dense = make_stack(widths=(10, 6, 14))
    g = torch.Generator().manual_seed(6)
    data = [(torch.randn(8, 10, generator=g), torch.randint(0, 3, (8,), generator=g))]
    check_model(dense, data)


def gpt_data(n_batches=2, d=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [
        (torch.randn(3, 5, d, generator=g), torch.randint(0, 4, (3,), generator=g))
        for _ in range(n_batches)
    ]


def test_gpt2_conv1d_every_scope_and_criterion(make_gpt):
    dense = make_gpt()
    _, mods = weight_names(dense)
    assert type(mods["h.0.c_attn.weight"]).__name__ == "Conv1D"
    check_model(dense, gpt_data())


def test_real_transformers_conv1d(make_gpt):
    Conv1D = pytest.importorskip("transformers.pytorch_utils").Conv1D
    dense = make_gpt(conv1d=Conv1D)
    assert isinstance(dense.h[0].c_attn, Conv1D)
    check_model(dense, gpt_data(), criteria=("magnitude", "wanda"))


def test_conv1d_is_a_transposed_linear(make_gpt, conv1d_class):
    """Wanda and the row scope on a Conv1D are those of the equivalent nn.Linear, transposed."""
    torch.manual_seed(0)
    c = conv1d_class(5, 7)  # 7 inputs, 5 outputs: weight (7, 5)
    lin = nn.Linear(7, 5)
    with torch.no_grad():
        lin.weight.copy_(c.weight.T)
        lin.bias.copy_(c.bias)
    x = torch.randn(4, 3, 7)
    assert torch.allclose(c(x), lin(x), atol=1e-6)
    data = [(x, torch.zeros(4))]
    wc = CRITERIA["wanda"](c, "weight", data)
    wl = CRITERIA["wanda"](lin, "weight", data)
    assert torch.allclose(wc, wl.T, rtol=1e-6)
    prune_model(c, "wanda", "row", data=data)
    prune_model(lin, "wanda", "row", data=data)
    assert torch.equal(c.weight_mask, lin.weight_mask.T)


# ---------------------------------------------------------------------------
# MiniLM (sentence-transformers), every scope and every criterion
# ---------------------------------------------------------------------------
SENTENCES = ["a man is playing a guitar", "the cat sleeps on the mat", "stocks fell today"]


def minilm_data(model):
    feats = dict(model.tokenize(SENTENCES))
    y = torch.randn(len(SENTENCES), 384, generator=torch.Generator().manual_seed(0))
    return [(feats, y)]


def minilm_loss(out, y):
    return F.mse_loss(out["sentence_embedding"], y)


@pytest.mark.parametrize("crit", list(CRITERIA))
def test_minilm_every_scope(minilm, crit):
    dense = minilm
    data = minilm_data(dense)
    kw = {} if crit in ("magnitude", "wanda") else {"loss_fn": minilm_loss}
    names, _ = weight_names(dense)
    assert len(names) == 37  # 36 encoder linears and the pooler
    # global, block and structured over every linear; the row scope (one EMP per output
    # unit, 20,736 of them in all) on two layers: an encoder layer's and the pooler
    check_model(dense, data, scopes=("global", "block", "structured"), criteria=(crit,), kw=kw)
    last = copy.deepcopy(dense)
    inc = ["*encoder.layer.5.attention.output.dense", "*pooler*"]
    sub = [n for n in names if "layer.5.attention.output.dense" in n or "pooler" in n]
    assert len(sub) == 2
    # (OBD's Hutchinson probes span the requested parameters: score the subset itself)
    sc = reference_scores(dense, crit, data, sub, **kw)
    mods = {n: last.get_submodule(n.rsplit(".", 1)[0]) for n in sub}
    res = prune_model(
        last, crit, "row", data=data, include=inc, criterion_options=CRIT_OPTIONS.get(crit), **kw
    )
    assert [la.name for la in res.layers] == sub
    expect = ref_masks(sc, mods, "row")
    for n in sub:
        assert np.array_equal(mods[n].weight_mask.numpy().astype(bool), expect[n]), n


def test_minilm_pooler_gets_no_gradient(minilm):
    """The pooler is unused by the sentence embedding: its gradient scores are all zero,
    and the default on_all_zero="keep" leaves it whole (and says so)."""
    model = copy.deepcopy(minilm)
    res = prune_model(
        model, "taylor", "block", data=minilm_data(model), loss_fn=minilm_loss, include="*pooler*"
    )
    assert res.layers[0].all_zero == 1 and res.layers[0].kept == res.layers[0].N
    assert res.n_all_zero == 1


# ---------------------------------------------------------------------------
# integer kept counts in every dtype
# ---------------------------------------------------------------------------
DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scope", PRUNE_SCOPES)
def test_kept_counts_in_every_dtype(dtype, scope):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(512, 512)).to(dtype)
    w = model[0].weight.detach().clone()
    res = prune_model(model, scope=scope)
    mask = model[0].weight_mask
    assert mask.dtype == dtype
    true = int(torch.count_nonzero(mask))
    expect = ref_masks({"0.weight": w.float().numpy()}, {"0.weight": model[0]}, scope)["0.weight"]
    assert res.kept == res.layers[0].kept == true == int(expect.sum())
    assert np.array_equal(mask.float().numpy().astype(bool), expect)
    if scope == "block":
        assert res.layers[0].k == true


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scope", ["global", "block", "row"])
def test_fixed_amount_counts_in_every_dtype(dtype, scope):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(512, 512)).to(dtype)
    res = fixed_amount_prune(model, scope=scope, amount=0.3)
    true = int(torch.count_nonzero(model[0].weight_mask))
    if scope == "row":
        expect = 512 * (512 - round(0.3 * 512))
    else:
        expect = 512 * 512 - round(0.3 * 512 * 512)
    assert res.kept == res.layers[0].kept == true == expect
