"""Finishing a pruned model: make_permanent, save_pruned (.pt, .safetensors), save_pretrained.

The reference is the pruned model itself: whatever is saved must reload into the
UNPRUNED architecture (strict state-dict loading, or sentence-transformers' own loader)
and give the pruned model's outputs bit for bit (torch.equal), with the pruned
entries exactly zero.
"""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from emp_theory.pruning.saving import (
    make_permanent,
    pruned_state_dict,
    pruned_tensors,
    save_pretrained,
    save_pruned,
)
from emp_theory.pruning.scopes import prune_model


def images(n=4, seed=0):
    return torch.randn(n, 3, 8, 8, generator=torch.Generator().manual_seed(seed))


def test_make_permanent(make_resnet):
    model = make_resnet()
    prune_model(model, scope="global")
    prune_model(model, scope="block", include="layer2.*")  # a PruningContainer on some
    x = images()
    before = model(x)
    masks = {qn: getattr(m, n + "_mask").clone() for qn, m, n in pruned_tensors(model)}
    done = make_permanent(model)
    assert done == list(masks) and pruned_tensors(model) == []
    assert not any(k.endswith(("_orig", "_mask")) for k in model.state_dict())
    assert torch.equal(model(x), before)
    for qn, mask in masks.items():
        w = model.get_parameter(qn)
        assert isinstance(w, nn.Parameter) and not w[mask == 0].any()
    assert make_permanent(model) == []  # nothing left


def test_pruned_state_dict_leaves_model_alone(make_resnet):
    model = make_resnet()
    prune_model(model, scope="row")
    keys = list(model.state_dict())
    sd = pruned_state_dict(model)
    assert list(model.state_dict()) == keys and pruned_tensors(model)
    plain = list(make_resnet().state_dict())
    assert sorted(sd) == sorted(plain)  # the unpruned architecture's keys


@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_save_pruned_reloads_bit_exact(make_resnet, tmp_path, suffix):
    model = make_resnet()
    prune_model(model, scope="block")
    x = images()
    expect = model(x)
    path = save_pruned(model, tmp_path / f"pruned{suffix}")
    assert path.is_file() and not list(tmp_path.glob(".*tmp"))
    if suffix == ".pt":
        sd = torch.load(path, weights_only=True)
    else:
        from safetensors.torch import load_file

        sd = load_file(path)
    fresh = make_resnet(seed=123)  # other weights: everything must come from the file
    fresh.load_state_dict(sd, strict=True)
    assert torch.equal(fresh(x), expect)
    assert pruned_tensors(model)  # the model itself is still under pruning


def test_save_pruned_tied_weights_safetensors(tmp_path):
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(7, 4)
            self.mid = nn.Linear(4, 4)
            self.head = nn.Linear(4, 7, bias=False)
            self.head.weight = self.emb.weight

        def forward(self, ids):
            return self.head(torch.relu(self.mid(self.emb(ids))))

    torch.manual_seed(0)
    model = Tied()
    prune_model(model, scope="block", exclude="head")
    ids = torch.tensor([[1, 2, 3], [4, 5, 6]])
    from safetensors.torch import load_file

    fresh = Tied()
    fresh.load_state_dict(load_file(save_pruned(model, tmp_path / "t.safetensors")))
    assert torch.equal(fresh(ids), model(ids))


def test_save_pretrained_needs_the_method(tmp_path):
    with pytest.raises(TypeError, match="save_pretrained"):
        save_pretrained(nn.Linear(2, 2), tmp_path / "x")


def test_minilm_save_pretrained_reloads_bit_exact(minilm, tmp_path):
    from emp_theory.experiments.transformer.load import load_model

    model = copy.deepcopy(minilm)
    sentences = ["a man is playing a guitar", "the weather is nice today"]
    res = prune_model(model, scope="block")
    assert res.sparsity > 0.1
    pruned_emb = model.encode(sentences, convert_to_tensor=True)
    save_pretrained(model, tmp_path / "minilm-pruned")
    assert pruned_tensors(model) == []  # made permanent
    assert torch.equal(model.encode(sentences, convert_to_tensor=True), pruned_emb)
    back = load_model(tmp_path / "minilm-pruned")
    assert not any(k.endswith(("_orig", "_mask")) for k in back.state_dict())
    assert torch.equal(back.encode(sentences, convert_to_tensor=True), pruned_emb)
    zeros = sum(int((back.get_parameter(la.name) == 0).sum()) for la in res.layers)
    assert zeros >= res.N - res.kept


def test_sparse_csr_export(make_stack):
    from emp_theory.pruning.saving import csr_nbytes, sparse_csr_weights

    model = make_stack()
    res = prune_model(model, scope="global")
    csr = sparse_csr_weights(model)
    assert list(csr) == [la.name for la in res.layers]
    for la in res.layers:
        t = csr[la.name]
        assert t.layout == torch.sparse_csr and t.values().numel() == la.kept
        assert torch.equal(t.to_dense(), model.get_submodule(la.name[:-7]).weight)
        rows, n = la.shape[0], la.kept
        assert csr_nbytes(t) == 8 * (rows + 1) + 8 * n + 4 * n  # int64 indices, float32 values
    x = torch.randn(12, 5)
    w = model.blocks[0].fc1.weight
    assert torch.allclose(torch.sparse.mm(csr["blocks.0.fc1.weight"], x), w @ x, atol=1e-6)
