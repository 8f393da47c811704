r"""KAN node scores :math:`s_{l,i} = \min\{I_{l,i}, O_{l,i}\}` (paper, Section 5.2).

With :math:`E_l[j, i]` the size of the edge from node :math:`(l, i)` to node
:math:`(l+1, j)`,

.. math::

    I_{l,i} = \max_k E_{l-1}[i, k], \qquad O_{l,i} = \max_j E_l[j, i], \qquad
    s_{l,i} = \min\{I_{l,i}, O_{l,i}\},

for every hidden layer :math:`l = 1 .. L-1`, where :math:`E_l[j, i]` is

* ``score="l1"`` (the paper's definition, Liu et al. 2025, Section 2.5.1): the mean
  absolute value :math:`\|\phi_{l,j,i}\|_1 = \frac1n\sum_s|\phi_{l,j,i}(x^{(s)})|` of the
  edge function over the :math:`n` inputs, read from ``model.spline_postacts[l]`` after
  ``MultKAN.get_act`` (:func:`kan_edge_norms`);
* ``score="attribution"``: ``pykan``'s ``model.edge_scores[l][j, i]`` after
  ``MultKAN.attribute()`` (Liu et al., "KAN 2.0", 2024).

(The paper writes the outgoing edges as :math:`\phi_{l+1,j,i}`; they are the edges
*leaving* node :math:`(l, i)`, :math:`\phi_{l,j,i}` in this indexing.)

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606, Section 5.2.
.. [2] Z. Liu et al., "KAN: Kolmogorov-Arnold Networks", arXiv:2404.19756, Section 2.5.1.
.. [3] Z. Liu et al., "KAN 2.0: Kolmogorov-Arnold Networks meet science", arXiv:2408.10205.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backend import import_kan, quiet_and_seeded
from .model import as_inputs, check_model, chunk_rows

__all__ = ["KANNodeScores", "kan_edge_norms", "kan_node_scores"]

SCORES = ("l1", "attribution")


def forward_with_acts(model, xt):
    torch, _ = import_kan()
    with quiet_and_seeded(), torch.no_grad():
        model.get_act(xt)


def kan_edge_norms(model, x) -> list[np.ndarray]:
    r"""Edge sizes :math:`\|\phi_{l,j,i}\|_1 = \frac1n \sum_s |\phi_{l,j,i}(x^{(s)})|` (Liu et al., 2025, Sec. 2.5.1).

    Runs forward passes on `x` with ``save_act=True`` (``MultKAN.get_act``; ``pykan``
    caches the activations of the last chunk on the model, its parameters are not
    changed) and averages the absolute values of ``model.spline_postacts[l]`` over all
    rows, accumulating in float64 over chunks of rows so that memory stays bounded
    (the mean is the same as in one pass).

    Parameters
    ----------
    model : kan.MultKAN
        A sum-node KAN.
    x : array_like or torch.Tensor, shape (n, width[0])
        The inputs over which the norms are averaged (e.g. the training images).

    Returns
    -------
    list of numpy.ndarray
        One float64 array per layer of edges ``l = 0 .. L-1``, of shape
        ``(width[l+1], width[l])``; entry ``[j, i]`` is :math:`\|\phi_{l,j,i}\|_1`.

    References
    ----------
    .. [1] Liu et al., "KAN: Kolmogorov-Arnold Networks", arXiv:2404.19756, Sec. 2.5.1.
    """
    check_model(model)
    xt = as_inputs(x, model)
    step = chunk_rows(model)
    sums = None
    for i in range(0, xt.shape[0], step):
        forward_with_acts(model, xt[i : i + step])
        part = [p.detach().abs().double().sum(dim=0) for p in model.spline_postacts]
        sums = part if sums is None else [a + b for a, b in zip(sums, part, strict=True)]
    return [(t / xt.shape[0]).cpu().numpy() for t in sums]


def edge_attributions(model, x) -> list[np.ndarray]:
    torch, _ = import_kan()
    xt = as_inputs(x, model)
    forward_with_acts(model, xt)
    with quiet_and_seeded(), torch.no_grad():
        model.attribute()
    return [e.detach().double().cpu().numpy() for e in model.edge_scores]


@dataclass(frozen=True)
class KANNodeScores:
    r"""Incoming, outgoing and EMP scores of the hidden nodes of a KAN.

    Attributes
    ----------
    layers : list of int
        Hidden layer indices ``l = 1 .. L-1``.
    incoming, outgoing, scores : list of numpy.ndarray
        Per hidden layer: :math:`I_{l,i}`, :math:`O_{l,i}` and
        :math:`s_{l,i} = \min\{I_{l,i}, O_{l,i}\}`, one entry per node.
    edges : list of numpy.ndarray
        The per-edge quantities they were formed from, per layer of edges, shape
        ``(width[l+1], width[l])``.
    score : str
        ``"l1"`` or ``"attribution"``.
    """

    layers: list
    incoming: list
    outgoing: list
    scores: list
    edges: list
    score: str


def kan_node_scores(model, x, *, score: str = "l1") -> KANNodeScores:
    r"""Node scores :math:`s_{l,i} = \min\{I_{l,i}, O_{l,i}\}` of every hidden layer (Section 5.2).

    With :math:`E_l[j, i]` the size of edge :math:`(l, i) \to (l+1, j)`,

    .. math::

        I_{l,i} = \max_k E_{l-1}[i, k], \qquad O_{l,i} = \max_j E_l[j, i], \qquad
        s_{l,i} = \min\{I_{l,i}, O_{l,i}\},

    where :math:`E_l[j, i] = \|\phi_{l,j,i}\|_1` (``score="l1"``, the paper's definition,
    :func:`kan_edge_norms`) or ``pykan``'s ``model.edge_scores[l][j, i]`` after
    ``MultKAN.attribute()`` (``score="attribution"``).

    Parameters
    ----------
    model : kan.MultKAN
        A sum-node KAN with at least one hidden layer.
    x : array_like or torch.Tensor, shape (n, width[0])
        Inputs for the forward pass (e.g. the training set).
    score : {"l1", "attribution"}, default "l1"

    Returns
    -------
    KANNodeScores

    Raises
    ------
    ValueError
        If `score` is unknown, `x` is empty, non-finite or of the wrong width, or the
        model has no hidden layer or has multiplication nodes.
    TypeError
        If `model` is not a ``pykan`` model or `x` is not numeric.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.2.
    .. [2] Liu et al., "KAN: Kolmogorov-Arnold Networks", arXiv:2404.19756, Sec. 2.5.1.
    """
    if score not in SCORES:
        raise ValueError(f"`score` must be one of {', '.join(SCORES)}, got {score!r}")
    check_model(model)
    edges = kan_edge_norms(model, x) if score == "l1" else edge_attributions(model, x)
    layers = list(range(1, model.depth))
    incoming = [edges[l - 1].max(axis=1) for l in layers]
    outgoing = [edges[l].max(axis=0) for l in layers]
    scores = [np.minimum(a, b) for a, b in zip(incoming, outgoing, strict=True)]
    return KANNodeScores(layers, incoming, outgoing, scores, edges, score)
