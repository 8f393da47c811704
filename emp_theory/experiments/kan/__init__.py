r"""EMP node pruning of Kolmogorov-Arnold Networks (KAN) with ``pykan`` (Section 5.2).

A KAN (Liu et al., 2025) puts a learnable univariate function :math:`\phi_{l,j,i}` on
every edge from node :math:`(l, i)` to node :math:`(l+1, j)`; a node sums its incoming
edges. Following Liu et al. (2025, Section 2.5.1), the size of an edge function is its
mean absolute value over the :math:`n` inputs,

.. math::

    \|\phi_{l,j,i}\|_1 = \frac{1}{n} \sum_{s=1}^{n} \big|\phi_{l,j,i}(x^{(s)}_{l,i})\big| ,

and the paper (Wang et al., 2026, Section 5.2) scores hidden node :math:`(l, i)` by

.. math::

    I_{l,i} = \max_k \|\phi_{l-1,i,k}\|_1, \qquad
    O_{l,i} = \max_j \|\phi_{l,j,i}\|_1, \qquad
    s_{l,i} = \min\{I_{l,i}, O_{l,i}\}

(the paper writes the outgoing edges as :math:`\phi_{l+1,j,i}`; they are the edges
*leaving* node :math:`(l, i)`, which are :math:`\phi_{l,j,i}` in the indexing above).
Liu et al. drop a node when both scores fall below a threshold :math:`\theta`
(:math:`10^{-2}`); EMP instead keeps, in every hidden layer, the
:math:`k_l = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}}(s_l) \rfloor, 1, N_l)` nodes of
largest :math:`s_{l,i}` (Algorithm 1 through :func:`emp_theory.effective.emp_mask`;
:math:`N_l` nodes in layer :math:`l`, :math:`N_{\mathrm{eff}}(s_l)` of their scores,
:math:`\beta` = ``beta``; the input and output layers are never pruned). ``pykan``'s
``k`` argument (``make_kan``, ``train_kan``) is the spline degree, not this kept count.

Which ``pykan`` 0.2.8 quantities are used
-----------------------------------------
``score="l1"`` (default, the paper's definition)
    After a forward pass with ``save_act=True`` (``MultKAN.get_act``),
    ``model.spline_postacts[l]`` holds :math:`\phi_{l,j,i}(x^{(s)})` as an array of shape
    ``(n, width[l+1], width[l])`` (the masked residual-plus-spline value
    ``mask * (scale_base * b(x) + scale_sp * spline(x))``, plus the symbolic branch when
    it is enabled). :math:`\|\phi_{l,j,i}\|_1` is the mean of its absolute value over the
    ``n`` rows.
``score="attribution"``
    ``MultKAN.attribute()`` back-propagates an importance from the outputs and stores
    per-edge scores ``model.edge_scores[l]`` of shape ``(width[l+1], width[l])``
    (Liu et al., "KAN 2.0", 2024). With this option :math:`\|\phi_{l,j,i}\|_1` above is
    replaced by ``edge_scores[l][j, i]``; :math:`I`, :math:`O` and :math:`s` are formed
    the same way.

``pykan``'s own threshold pruning, ``MultKAN.prune_node(threshold=1e-2)``, is a third
rule: it keeps node :math:`(l, i)` when its attribution ``model.node_scores[l][i]`` (the
sum of the attribution of its outgoing edges) exceeds the threshold.
:func:`.threshold_prune_kan` runs it (``rule="pykan"``) or the rule of Liu et al. (2025,
Section 2.5.1), :math:`\min\{I, O\} > \theta` (``rule="io"``).

Side effects of ``pykan`` that this module avoids
-------------------------------------------------
Every model is built with ``auto_save=False`` (``pykan``'s default writes a checkpoint
folder ``./model``), pruned models get ``auto_save=False`` back (``prune_node`` builds
them with ``auto_save=True``), ``MultKAN.copy()`` (which writes ``copy_temp*`` files into
the working directory) is never called, and ``prune_node`` runs on a deep copy because it
zeroes the masks of the model it is called on. ``pykan`` reseeds Python's, NumPy's and
torch's global random generators whenever it builds a model; the functions here restore
the caller's generators (and torch's deterministic-algorithms flag, switched on while
``pykan`` runs) afterwards. Nothing is downloaded: digits ship with scikit-learn and
MNIST is read from a folder the user gives. Files are written only when asked for, by
the checkpoint cache of :func:`.train_kan` (``cache=True``), outside the repository.

Submodules, one idea each: ``backend`` (pykan's import and side effects), ``model``
(building, validating, evaluating), ``data`` (the dataset dict and its fingerprint),
``train`` (``fit``, presets, digits, MNIST), ``cache`` (checkpoints), ``scores``
(:math:`I`, :math:`O`, :math:`s`), ``prune`` (EMP and threshold rules), ``compare``
(the experiment's table).

``torch`` and ``pykan`` are optional (``pip install pykan==0.2.8``); they are imported
only inside the functions.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 5.2 and Algorithm 1.
.. [2] Z. Liu, Y. Wang, S. Vaidya, F. Ruehle, J. Halverson, M. Soljačić, T. Y. Hou,
       M. Tegmark, "KAN: Kolmogorov-Arnold Networks", ICLR 2025, arXiv:2404.19756,
       Section 2.5.1.
.. [3] Z. Liu, P. Ma, Y. Wang, W. Matusik, M. Tegmark, "KAN 2.0: Kolmogorov-Arnold
       Networks meet science", arXiv:2408.10205 (2024) (attribution scores).
"""

from __future__ import annotations

from .cache import CACHE_ENV
from .compare import PAPER_KAN_MNIST, compare_kan_pruning
from .data import kan_dataset
from .model import evaluate_kan, kan_widths, make_kan
from .prune import KANPruneReport, emp_prune_kan, threshold_prune_kan
from .scores import KANNodeScores, kan_edge_norms, kan_node_scores
from .train import KAN_PRESETS, KANRun, train_kan, train_kan_digits, train_kan_mnist

__all__ = [
    "CACHE_ENV",
    "KAN_PRESETS",
    "PAPER_KAN_MNIST",
    "KANNodeScores",
    "KANPruneReport",
    "KANRun",
    "compare_kan_pruning",
    "emp_prune_kan",
    "evaluate_kan",
    "kan_dataset",
    "kan_edge_norms",
    "kan_node_scores",
    "kan_widths",
    "make_kan",
    "threshold_prune_kan",
    "train_kan",
    "train_kan_digits",
    "train_kan_mnist",
]
