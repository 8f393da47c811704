r"""Which tensors of a checkpoint are pruned: the linear and convolution weights, by name and shape.

Algorithm 1 selects entries of the score vector of the *weight matrices* (the paper
prunes the linear layers of a network; its LLaMA runs leave the embeddings, norms and
output head dense). A safetensors checkpoint holds much more: token, position and
token-type embedding tables, norm scales, biases, a pooler, sometimes the LM head and
buffers. :class:`PruneRule` decides, per tensor, from its name, dtype and shape.

The default rule
    A tensor is pruned when all of these hold:

    1. its dtype is one of the prunable floats (F64, F32, F16, BF16, F8_E4M3,
       F8_E5M2) and it has at least one entry;
    2. it has ``ndim >= 2`` (a weight matrix or a convolution kernel);
    3. the last dot-separated part of its name is ``weight`` (``"…dense.weight"``,
       ``"…conv.weight"``; PyTorch's naming of ``nn.Linear`` / ``nn.ConvNd``
       parameters), so buffers such as GPT-2's causal mask ``attn.bias`` or ViT's
       ``cls_token`` are not;
    4. its name, lower-cased, matches none of :data:`DEFAULT_EXCLUDE` (``fnmatch``
       globs): embedding tables (``*embed*``, GPT-2's ``*wte*``/``*wpe*``, T5's
       ``shared``), position and token-type tables, norms (``*norm*``, ``*ln_*``), the
       pooler and the output head ``lm_head`` (often tied to the input embedding).

    With ``include_1d`` the shape condition 2 becomes ``ndim >= 1`` and condition 3
    also admits ``bias``: the biases of the pruned layers are pruned too. Norm
    vectors stay excluded by condition 4.

Patterns of the user (``--include`` / ``--exclude``)
    ``fnmatch`` globs matched against the exact (case-sensitive) tensor name. A name
    matching an ``exclude`` pattern is never pruned; otherwise one matching an
    ``include`` pattern is pruned whatever its name and shape (it must still satisfy
    condition 1), so ``include`` wins over the default rule. ``include=["*"]``
    prunes every floating tensor.

Every decision comes with its reason (:meth:`PruneRule.decide`), which the report and
the command's table print.

Torch-free: only the standard library.

Examples
--------
>>> rule = PruneRule()
>>> rule.decide("encoder.layer.0.attention.self.query.weight", "F32", (384, 384))
(True, 'linear/conv weight')
>>> rule.decide("embeddings.word_embeddings.weight", "F32", (30522, 384))
(False, 'embedding/norm/pooler/head (matches *embed*)')
>>> rule.decide("encoder.layer.0.output.dense.bias", "F32", (384,))
(False, '1-D (bias or norm vector)')
>>> PruneRule(include=("*word_embeddings*",)).decide(
...     "embeddings.word_embeddings.weight", "F32", (30522, 384))
(True, '--include *word_embeddings*')
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from .headers import FLOATS, TensorEntry

__all__ = ["DEFAULT_EXCLUDE", "PruneRule"]

#: Name patterns (``fnmatch``, on the lower-cased name) the default rule never prunes:
#: embeddings, position/token-type tables, norms, the pooler and the LM head.
DEFAULT_EXCLUDE = (
    "*embed*",
    "*wte*",
    "*wpe*",
    "shared.weight",
    "*.shared.weight",
    "*position*",
    "*token_type*",
    "*relative_attention_bias*",
    "*norm*",
    "ln_*",
    "*.ln_*",
    "*_ln.*",
    "*pooler*",
    "lm_head.*",
    "*.lm_head.*",
)


@dataclass(frozen=True)
class PruneRule:
    """The pruning rule of the module docstring.

    Parameters
    ----------
    include, exclude : tuple of str
        ``fnmatch`` globs on the exact tensor name; ``exclude`` first, then
        ``include``, then the default rule.
    include_1d : bool
        Also prune the 1-D ``*.weight`` / ``*.bias`` vectors the default rule admits
        by name (biases; norms stay excluded).
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    include_1d: bool = False

    def __post_init__(self):
        for what in ("include", "exclude"):
            pats = getattr(self, what)
            if isinstance(pats, str) or not all(isinstance(p, str) and p for p in pats):
                raise TypeError(f"`{what}` must be a sequence of non-empty glob strings")
            object.__setattr__(self, what, tuple(pats))

    def decide(self, name: str, dtype: str, shape) -> tuple[bool, str]:
        """``(pruned, reason)`` for a tensor of this name, safetensors dtype and shape."""
        if dtype not in FLOATS:
            return False, f"{dtype} is not a prunable float"
        if any(int(x) == 0 for x in shape):
            return False, "empty"
        for p in self.exclude:
            if fnmatchcase(name, p):
                return False, f"--exclude {p}"
        for p in self.include:
            if fnmatchcase(name, p):
                return True, f"--include {p}"
        low = name.lower()
        for p in DEFAULT_EXCLUDE:
            if fnmatchcase(low, p):
                return False, f"embedding/norm/pooler/head (matches {p})"
        last = name.rsplit(".", 1)[-1]
        nd = len(shape)
        if nd == 0:
            return False, "scalar"
        if nd == 1:
            if self.include_1d and last in ("weight", "bias"):
                return True, "1-D weight/bias (include_1d)"
            return False, "1-D (bias or norm vector)"
        if last != "weight":
            return False, "name does not end in .weight"
        return True, "linear/conv weight"

    def __call__(self, t: TensorEntry) -> bool:
        """Whether tensor entry `t` is pruned."""
        return self.decide(t.name, t.dtype, t.shape)[0]
