"""Helpers of the emp_theory.streaming tests, exposed as fixtures.

Reference values come from a second algorithm: the in-memory core
(:func:`emp_theory.effective.emp_mask`, selection by ``np.partition``) applied to
the concatenation of the pruned tensors, which the helpers assemble themselves from
an independent reading of the safetensors headers (8-byte little-endian length,
JSON; order: shards by file name, tensors by data offset, entries row-major).

pytest runs with ``--import-mode=importlib``, so test modules cannot import this
file; every helper is a session fixture returning the function (``make_model``,
``make_indexed_model``, ``write_index``, ``make_big_model``, ``header_order``,
``load_dir``, ``bits``, ``pruned_keys``, ``default_pruned``, ``expected_global``,
``assert_sums``, ``assert_matches_core``), and ``cli_main_stream`` runs the command. torch and safetensors are imported
inside the helpers only; the test modules skip themselves without them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def _torch():
    import torch

    return torch


def _st_torch():
    import safetensors.torch

    return safetensors.torch


def header_order(d: Path) -> list[tuple[str, str]]:
    """(shard, tensor) in the documented global order, read from the raw headers."""
    out = []
    for p in sorted(d.glob("*.safetensors"), key=lambda p: p.name):
        with open(p, "rb") as fh:
            n = int.from_bytes(fh.read(8), "little")
            hdr = json.loads(fh.read(n))
        hdr.pop("__metadata__", None)
        names = sorted(hdr, key=lambda k: hdr[k]["data_offsets"][0])
        out += [(p.name, k) for k in names]
    return out


def load_dir(d: Path) -> dict:
    """{shard name: {tensor name: tensor}} of every shard in `d`."""
    st_torch = _st_torch()
    return {p.name: st_torch.load_file(str(p)) for p in sorted(d.glob("*.safetensors"))}


def bits(t):
    """Bit patterns, so that +0.0 and -0.0 differ."""
    torch = _torch()
    int_view = {
        torch.float64: torch.int64,
        torch.float32: torch.int32,
        torch.float16: torch.int16,
        torch.bfloat16: torch.int16,
        torch.float8_e4m3fn: torch.uint8,
        torch.float8_e5m2: torch.uint8,
    }
    return t.contiguous().view(int_view[t.dtype])


#: Name parts of the tensors the documented default rule keeps dense (embeddings,
#: norms, pooler, LM head), written out here independently of emp_theory.streaming.rule.
DENSE_PARTS = (
    "embed", "wte", "wpe", "position", "token_type", "norm", "ln_", "pooler", "lm_head",
)  # fmt: skip


def default_pruned(name: str, t, include_1d: bool = False) -> bool:
    """The documented default rule: floating linear/conv weights (and biases with include_1d)."""
    if not (t.is_floating_point() and t.numel() > 0):
        return False
    if any(part in name.lower() for part in DENSE_PARTS):
        return False
    last = name.split(".")[-1]
    if t.ndim >= 2:
        return last == "weight"
    return include_1d and t.ndim == 1 and last in ("weight", "bias")


def pruned_keys(tensors, order, include_1d=False):
    return [(f, k) for f, k in order if default_pruned(k, tensors[f][k], include_1d)]


def make_model(d: Path, dtype, seed: int = 0, quantized: bool = False) -> Path:
    """Three shards, several tensors, > 2 statistics chunks of pruned entries in total.

    Tensor sizes are chosen so that tensors straddle the core's 2**20-entry chunks.
    Names follow PyTorch's: linear/conv ``*.weight`` matrices and a 3-D kernel (pruned
    by default), biases, a norm vector, an embedding table and an LM head (not), and
    an integer buffer (never).
    """
    torch, st_torch = _torch(), _st_torch()
    g = torch.Generator().manual_seed(seed)

    def w(*shape, s=1.0):
        if quantized:  # few distinct magnitudes: heavy ties at the threshold
            x = torch.randint(-4, 5, shape, generator=g).double() * 0.25 * s
        else:
            x = torch.randn(*shape, generator=g, dtype=torch.float64) * s
        return x.to(dtype)

    d.mkdir(parents=True, exist_ok=True)
    st_torch.save_file(
        {
            "model.embed_tokens.weight": w(64, 33),
            "layers.0.mlp.weight": w(700, 901),
            "layers.0.mlp.bias": w(901),
            "layers.0.norm.weight": w(901, s=0.1) + 1,
            "step": torch.tensor([7, 8, 9], dtype=torch.int64),
        },
        str(d / "model-00001-of-00003.safetensors"),
        metadata={"format": "pt"},
    )
    st_torch.save_file(
        {"layers.1.attn.weight": w(1000, 1033, s=3.0), "layers.1.conv.weight": w(7, 11, 3, s=0.01)},
        str(d / "model-00002-of-00003.safetensors"),
    )
    st_torch.save_file(
        {
            "layers.2.out.weight": w(400, 1500, s=0.5),
            "layers.2.out.bias": w(400),
            "lm_head.weight": w(30, 64),
        },
        str(d / "model-00003-of-00003.safetensors"),
    )
    return d


def write_index(
    d: Path, weight_map: dict | None = None, name: str = "model.safetensors.index.json"
):
    """A Hugging Face index of the shards in `d` (or of `weight_map`), with total_size."""
    if weight_map is None:
        weight_map = {k: f for f, k in header_order(d)}
    total = 0
    for f in sorted(d.glob("*.safetensors")):
        with open(f, "rb") as fh:
            n = int.from_bytes(fh.read(8), "little")
            hdr = json.loads(fh.read(n))
        hdr.pop("__metadata__", None)
        total += sum(v["data_offsets"][1] - v["data_offsets"][0] for v in hdr.values())
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (d / name).write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    return d / name


def make_indexed_model(d: Path, dtype, seed: int = 0) -> Path:
    """:func:`make_model` as a Hugging Face folder: index, config, tokenizer, a sub-folder."""
    make_model(d, dtype, seed)
    write_index(d)
    (d / "config.json").write_text('{"model_type": "toy", "hidden_size": 64}\n')
    (d / "tokenizer.json").write_bytes(bytes(range(256)) * 3)
    (d / "1_Pooling").mkdir()
    (d / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    return d


def make_big_model(d: Path, dtype, seed: int = 0) -> Path:
    """Two shards, ~8.4e6 pruned entries: several whole 2**20-entry chunks per tensor
    (reduced on the thread pool), chunks straddling tensors and the shard boundary,
    and output shards larger than one 8 MiB writer block."""
    torch, st_torch = _torch(), _st_torch()
    g = torch.Generator().manual_seed(seed)

    def w(*shape, s=1.0):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * s).to(dtype)

    d.mkdir(parents=True, exist_ok=True)
    st_torch.save_file(
        {"a.weight": w(1500, 2100), "a.bias": w(2100), "b.weight": w(1000, 1001, s=2.0)},
        str(d / "m-1.safetensors"),
    )
    st_torch.save_file({"c.weight": w(2500, 1700, s=0.3)}, str(d / "m-2.safetensors"))
    return d


def expected_global(tensors, keys, beta):
    """The concatenation of the pruned tensors and the core's EMP mask of it.

    In the group's working precision, as the streamer reads it: float64 when a tensor
    is float64, else float32 (every narrower float widens to float32 exactly).
    """
    from emp_theory.effective import emp_mask

    torch = _torch()
    wide = any(tensors[f][k].dtype == torch.float64 for f, k in keys)
    work = torch.float64 if wide else torch.float32
    cat = torch.cat([tensors[f][k].reshape(-1).to(work) for f, k in keys])
    mask = emp_mask(cat, beta)
    return cat, mask


def assert_sums(rep: dict, cat) -> None:
    """The report's sums of `cat` (the concatenation, in the group's working precision).

    ``stats="core"``: bit for bit the float64 sums of the core's
    :func:`emp_theory._kernels.stats`. ``stats="exact"``: the exact sums
    ``sum(|w|) / m`` and ``sum(w**2) / m**2`` (``m = max |w|``), correctly rounded,
    computed here with Fractions over the distinct magnitudes and their counts.
    """
    from fractions import Fraction

    from emp_theory._kernels import stats

    torch = _torch()
    assert rep["max_abs"] == float(cat.abs().max())
    if rep["stats"] == "core":
        st = stats(cat)
        assert (rep["sum_a"], rep["sum_a2"]) == (st.l1, st.l2sq)
        return
    assert rep["stats"] == "exact" and rep["sum_scale"] == rep["max_abs"]
    vals, counts = torch.unique(cat.abs().double(), return_counts=True)
    fr = [(Fraction(v), c) for v, c in zip(vals.tolist(), counts.tolist(), strict=True)]
    s1 = sum((v * c for v, c in fr), Fraction(0))
    s2 = sum((v * v * c for v, c in fr), Fraction(0))
    m = Fraction(rep["max_abs"])
    assert (rep["sum_a"], rep["sum_a2"]) == (float(s1 / m), float(s2 / (m * m)))


def assert_matches_core(src: Path, out: Path, rep: dict, beta: float) -> None:
    """`out` and `rep` are exactly the core's global EMP of `src`, layout unchanged.

    Same N, N_eff, k and mask as :func:`emp_theory.effective.emp_mask` on the
    concatenation, and the sums of the mode used (:func:`assert_sums`).
    """
    from emp_theory.effective import emp_summary

    torch = _torch()
    ins, outs = load_dir(src), load_dir(out)
    keys = pruned_keys(ins, header_order(src))
    cat, mask = expected_global(ins, keys, beta)
    summ = emp_summary(cat, beta)
    assert (rep["N"], rep["n_eff"], rep["k"]) == (summ.N, summ.n_eff, summ.k)
    assert_sums(rep, cat)
    assert rep["kept"] == int(mask.sum())
    got = torch.cat([bits(outs[f][k]).reshape(-1) for f, k in keys])
    exp = torch.cat(
        [
            bits(torch.where(m, ins[f][k].reshape(-1), torch.zeros((), dtype=ins[f][k].dtype)))
            for (f, k), m in zip(
                keys, torch.split(mask, [ins[f][k].numel() for f, k in keys]), strict=True
            )
        ]
    )
    assert torch.equal(got, exp)
    for p in src.glob("*.safetensors"):  # same layout and length, header verbatim
        a, b = p.read_bytes(), (out / p.name).read_bytes()
        n = 8 + int.from_bytes(a[:8], "little")
        assert len(a) == len(b) and a[:n] == b[:n]


# ---------------------------------------------------------------------------
# The helpers as fixtures
# ---------------------------------------------------------------------------
@pytest.fixture(scope="session", name="header_order")
def _header_order_fixture():
    return header_order


@pytest.fixture(scope="session", name="load_dir")
def _load_dir_fixture():
    return load_dir


@pytest.fixture(scope="session", name="bits")
def _bits_fixture():
    return bits


@pytest.fixture(scope="session", name="pruned_keys")
def _pruned_keys_fixture():
    return pruned_keys


@pytest.fixture(scope="session", name="make_model")
def _make_model_fixture():
    return make_model


@pytest.fixture(scope="session", name="write_index")
def _write_index_fixture():
    return write_index


@pytest.fixture(scope="session", name="make_indexed_model")
def _make_indexed_model_fixture():
    return make_indexed_model


@pytest.fixture(scope="session", name="make_big_model")
def _make_big_model_fixture():
    return make_big_model


@pytest.fixture(scope="session", name="expected_global")
def _expected_global_fixture():
    return expected_global


@pytest.fixture(scope="session", name="assert_sums")
def _assert_sums_fixture():
    return assert_sums


@pytest.fixture(scope="session", name="assert_matches_core")
def _assert_matches_core_fixture():
    return assert_matches_core


@pytest.fixture(scope="session", name="default_pruned")
def _default_pruned_fixture():
    return default_pruned


@pytest.fixture
def cli_main_stream():
    """``emp-theory prune-safetensors ARGS`` through :func:`emp_theory.cli.main`: its status."""
    from emp_theory import cli

    return lambda args: cli.main(["prune-safetensors", *args])
