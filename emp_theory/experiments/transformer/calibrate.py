r"""Scores from the dense model: magnitude and Wanda per weight, importance per head.

* :func:`magnitude_scores`: :math:`s_{ij} = |W_{ij}|` of every encoder linear weight
  (per layer: query, key, value, attention output, FFN in, FFN out; 36 matrices);
* :func:`wanda_scores`: :math:`s_{ij} = |W_{ij}|\,\|X_j\|_2`, with :math:`\|X_j\|_2` the
  norm of input feature :math:`j` of the layer over every token of the calibration
  sentences (Sun et al., 2024);
* :func:`head_importance`: :math:`I_{l,h} = (\sum_t \|c_{l,h}(t)\|_2^2)^{1/2}`, the norm of
  head :math:`h`'s context vector :math:`c_{l,h}(t) \in \mathbb R^{32}` (its slice of the
  input of layer :math:`l`'s attention output projection) over the calibration tokens.

These are the scores :math:`s` of Algorithm 1 (:mod:`~emp_theory.experiments.transformer.prune`).

References
----------
.. [1] M. Sun, Z. Liu, A. Bair, J. Z. Kolter, "A simple and effective pruning approach
       for large language models" (Wanda), arXiv:2306.11695 (2023); ICLR 2024.
.. [2] P. Michel, O. Levy, G. Neubig, "Are sixteen heads really better than one?",
       NeurIPS 2019.
"""

from __future__ import annotations

import numpy as np

from .evaluate import check_sentences
from .load import bert_model, geometry

__all__ = [
    "LINEAR_KINDS",
    "encoder_linears",
    "head_importance",
    "linear_kind",
    "magnitude_scores",
    "wanda_scores",
]

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


def encoder_linears(model) -> list[tuple[str, object]]:
    """``(name, nn.Linear)`` for every linear map of the encoder, in forward order.

    Names are relative to the BertModel (``"encoder.layer.0.attention.self.query"``);
    the pooler (unused by the sentence embedding) and the embeddings are excluded.
    """
    from torch import nn

    bert = bert_model(model)
    return [
        (f"encoder.{n}", m) for n, m in bert.encoder.named_modules() if isinstance(m, nn.Linear)
    ]


def linear_kind(name: str) -> tuple[int, str]:
    """``(layer index, kind)`` of an encoder linear name; kind in :data:`LINEAR_KINDS`.

    Examples
    --------
    >>> linear_kind("encoder.layer.3.attention.self.query")
    (3, 'query')
    >>> linear_kind("encoder.layer.0.output.dense")
    (0, 'ffn_out')
    """
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
    from ...pruning.criteria import magnitude

    bert = bert_model(model)
    lins = encoder_linears(model)
    scores = magnitude(bert, [m.weight for _, m in lins])
    return {n: s for (n, _), s in zip(lins, scores, strict=True)}


def token_batches(model, sentences):
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
        Calibration sentences (default data: :func:`.load_calibration`).

    Returns
    -------
    dict
        ``{name: tensor}`` in the order of :func:`encoder_linears`.

    References
    ----------
    .. [1] M. Sun, Z. Liu, A. Bair, J. Z. Kolter, arXiv:2306.11695 (2023), eq. (1).
    """
    from ...pruning.criteria import wanda

    sents = check_sentences(sentences)
    bert = bert_model(model)
    lins = encoder_linears(model)
    data = token_batches(model, sents)
    scores = wanda(_ids_module(bert), [m.weight for _, m in lins], data, n_batches=len(data))
    return {n: s for (n, _), s in zip(lins, scores, strict=True)}


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

    sents = check_sentences(sentences)
    bert = bert_model(model)
    n_layers, n_heads, d_head = geometry(model)
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
            for ids, _ in token_batches(model, sents):
                bert(input_ids=ids)
    finally:
        for h in handles:
            h.remove()
        bert.train(was_training)
    return np.sqrt(acc)
