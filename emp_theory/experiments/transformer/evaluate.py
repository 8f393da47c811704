r"""Sentence embeddings of the (pruned) encoder and the two quality metrics.

* :func:`embed`: the model's own sentence embedding, :math:`e = m/\|m\|_2` with
  :math:`m` the attention-masked mean of the last hidden states;
* :func:`mean_cosine`: mean cosine similarity of pruned and dense embeddings of the same
  sentences;
* :func:`sts_spearman`: Spearman correlation of the pairs' cosine similarities with the
  gold 0-5 scores (the standard STS evaluation).

No paper symbol is involved (the paper reports perplexity of LLaMA models instead).

References
----------
.. [1] N. Reimers, I. Gurevych, "Sentence-BERT", EMNLP 2019.
"""

from __future__ import annotations

import numpy as np

from ..._validation import as_int
from .load import bert_model

__all__ = ["embed", "mean_cosine", "sts_spearman"]


def check_sentences(sentences, name: str = "sentences") -> list[str]:
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
        From :func:`~emp_theory.experiments.transformer.load.load_model` (pruned or not).
    sentences : list of str
    batch_size : int, default 64

    Returns
    -------
    torch.Tensor
        ``(len(sentences), 384)`` float32, rows of unit norm.
    """
    import torch

    sents = check_sentences(sentences)
    bs = as_int(batch_size, "batch_size")
    if bs < 1:
        raise ValueError(f"`batch_size` must be >= 1, got {batch_size!r}")
    bert = bert_model(model)
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


def row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
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
    return float(row_cosines(a, b).mean())


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
    return float(spearmanr(row_cosines(a, b), g).statistic)
