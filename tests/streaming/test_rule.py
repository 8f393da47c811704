"""Tests of which tensors are pruned (emp_theory.streaming.rule), in the report and the command."""

from __future__ import annotations

import json

import pytest

from emp_theory.streaming.rule import DEFAULT_EXCLUDE, PruneRule

# (name, dtype, shape, pruned by default): names of real Hugging Face checkpoints
CASES = [
    # BERT / MiniLM
    ("embeddings.word_embeddings.weight", "F32", (30522, 384), False),
    ("embeddings.position_embeddings.weight", "F32", (512, 384), False),
    ("embeddings.token_type_embeddings.weight", "F32", (2, 384), False),
    ("embeddings.LayerNorm.weight", "F32", (384,), False),
    ("embeddings.position_ids", "I64", (1, 512), False),
    ("encoder.layer.0.attention.self.query.weight", "F32", (384, 384), True),
    ("encoder.layer.0.attention.self.query.bias", "F32", (384,), False),
    ("encoder.layer.0.output.LayerNorm.weight", "F32", (384,), False),
    ("encoder.layer.3.intermediate.dense.weight", "F32", (1536, 384), True),
    ("pooler.dense.weight", "F32", (384, 384), False),
    # GPT-2 (Conv1D weights; the causal-mask buffer `attn.bias` is 4-D)
    ("wte.weight", "F32", (50257, 768), False),
    ("wpe.weight", "F32", (1024, 768), False),
    ("h.0.ln_1.weight", "F32", (768,), False),
    ("h.0.attn.c_attn.weight", "F32", (768, 2304), True),
    ("h.0.attn.bias", "F32", (1, 1, 1024, 1024), False),
    ("ln_f.weight", "F32", (768,), False),
    # LLaMA
    ("model.embed_tokens.weight", "BF16", (32000, 4096), False),
    ("model.layers.0.self_attn.q_proj.weight", "BF16", (4096, 4096), True),
    ("model.layers.0.mlp.down_proj.weight", "BF16", (4096, 11008), True),
    ("model.layers.0.input_layernorm.weight", "BF16", (4096,), False),
    ("model.norm.weight", "BF16", (4096,), False),
    ("lm_head.weight", "BF16", (32000, 4096), False),
    # T5, ViT (a conv kernel), a quantized checkpoint's scales
    ("shared.weight", "F32", (32128, 512), False),
    ("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", "F32", (32, 8), False),
    ("encoder.block.0.layer.1.DenseReluDense.wi.weight", "F32", (2048, 512), True),
    ("vit.embeddings.cls_token", "F32", (1, 1, 768), False),
    ("vit.encoder.layer.0.attention.attention.query.weight", "F32", (768, 768), True),
    ("resnet.layer1.0.conv1.weight", "F16", (64, 64, 3, 3), True),
    ("model.layers.0.mlp.up_proj.weight", "U8", (11008, 2048), False),
    ("empty.weight", "F32", (0, 4), False),
]


@pytest.mark.parametrize("name, dtype, shape, pruned", CASES, ids=[c[0] for c in CASES])
def test_default_rule(name, dtype, shape, pruned):
    got, why = PruneRule().decide(name, dtype, shape)
    assert got is pruned, why
    assert why


def test_include_1d_prunes_biases_not_norms():
    rule = PruneRule(include_1d=True)
    assert rule.decide("encoder.layer.0.attention.self.query.bias", "F32", (384,))[0]
    assert not rule.decide("encoder.layer.0.output.LayerNorm.bias", "F32", (384,))[0]
    assert not rule.decide("model.norm.weight", "BF16", (4096,))[0]


def test_patterns_exclude_then_include_then_default():
    rule = PruneRule(include=("*embed*", "*.bias"), exclude=("*position*", "h.0.*"))
    assert rule.decide("embeddings.word_embeddings.weight", "F32", (9, 4)) == (
        True,
        "--include *embed*",
    )
    assert rule.decide("embeddings.position_embeddings.weight", "F32", (9, 4)) == (
        False,
        "--exclude *position*",
    )
    assert rule.decide("h.0.attn.c_attn.weight", "F32", (4, 4)) == (False, "--exclude h.0.*")
    assert rule.decide("h.1.mlp.bias", "F32", (4,))[0]  # include: any shape
    assert not rule.decide("step.bias", "I64", (4,))[0]  # but a float only
    assert rule.decide("h.1.attn.c_attn.weight", "F32", (4, 4)) == (True, "linear/conv weight")
    # include="*" prunes every floating tensor; patterns are case-sensitive
    assert PruneRule(include=("*",)).decide("model.norm.weight", "BF16", (8,))[0]
    assert not PruneRule(include=("*NORM*",)).decide("model.norm.weight", "BF16", (8,))[0]
    assert "*embed*" in DEFAULT_EXCLUDE
    with pytest.raises(TypeError, match="`include`"):
        PruneRule(include="*embed*")


def test_report_and_table_give_every_decision(tmp_path, make_model, cli_main_stream, capsys):
    torch = pytest.importorskip("torch")
    src = make_model(tmp_path / "in", torch.bfloat16, seed=71)
    out = tmp_path / "out"
    args = ["--include", "*embed_tokens*", "--exclude", "layers.1.*", "--no-progress"]
    assert cli_main_stream([str(src), str(out), *args]) == 0
    text = capsys.readouterr().out
    head = text.splitlines()[0].split()
    assert head == ["tensor", "dtype", "shape", "pruned", "sparsity", "reason"]
    lines = {ln.split()[0]: ln for ln in text.splitlines()[1:] if ln.strip()}
    assert "--include *embed_tokens*" in lines["model.embed_tokens.weight"]
    assert "--exclude layers.1.*" in lines["layers.1.attn.weight"]
    assert "linear/conv weight" in lines["layers.0.mlp.weight"]
    assert "matches *norm*" in lines["layers.0.norm.weight"]
    assert "matches lm_head.*" in lines["lm_head.weight"]
    assert "I64 is not a prunable float" in lines["step"]
    rep = json.loads((out / "emp_report.json").read_text())
    rows = {r["name"]: r for r in rep["tensors"]}
    assert rep["include"] == ["*embed_tokens*"] and rep["exclude"] == ["layers.1.*"]
    assert sorted(n for n, r in rows.items() if r["pruned"]) == [
        "layers.0.mlp.weight",
        "layers.2.out.weight",
        "model.embed_tokens.weight",
    ]
    assert all(r["reason"] for r in rows.values())
    for n, r in rows.items():  # the table's sparsity column is the report's
        if r["pruned"]:
            assert f"{100 * r['sparsity']:.2f} %" in lines[n]


def test_nothing_prunable_says_how_to_select(tmp_path, cli_main_stream, capsys):
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    src = tmp_path / "in"
    src.mkdir()
    st_torch.save_file({"w": torch.randn(20, 20)}, str(src / "m.safetensors"))
    assert cli_main_stream([str(src), str(tmp_path / "out"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "no prunable tensor" in err and "--include" in err and err.count("\n") == 1
    assert (
        cli_main_stream([str(src), str(tmp_path / "out"), "--include", "w", "--no-progress"]) == 0
    )
