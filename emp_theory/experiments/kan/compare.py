r"""The KAN experiment: dense vs EMP vs threshold pruning of one trained KAN (Section 5.2).

:func:`compare_kan_pruning` prunes a :class:`~emp_theory.experiments.kan.train.KANRun`'s
model with EMP (:math:`\beta` = ``beta``, L1 and attribution edge sizes) and with both
threshold rules (:math:`\theta` = ``threshold``) and reports width, test accuracy, test
cross-entropy and training accuracy of each. The paper's result on MNIST,
[784, 64, 10] -> [784, 47, 10], is :data:`PAPER_KAN_MNIST` (from :mod:`emp_theory.paper`).
"""

from __future__ import annotations

from ... import paper as _paper
from ..._validation import as_int
from .model import evaluate_kan, kan_widths
from .prune import emp_prune_kan, threshold_prune_kan
from .train import KANRun

__all__ = ["PAPER_KAN_MNIST", "compare_kan_pruning"]

#: Section 5.2 of the paper (MNIST): width, accuracy (%) and loss, dense and EMP.
PAPER_KAN_MNIST = _paper.KAN_MNIST


def compare_kan_pruning(
    run: KANRun, *, beta: float = 1.0, threshold: float = 1e-2, n_score: int | None = None
) -> list:
    r"""Dense vs EMP vs threshold pruning of a trained KAN: width, accuracy and loss.

    The node scores are measured on the training inputs (the first `n_score` of them);
    accuracy and cross-entropy on the test split, and the training accuracy on the same
    `n_score` rows. No pruned model is retrained.

    Parameters
    ----------
    run : KANRun
        From :func:`.train_kan`, :func:`.train_kan_digits` or :func:`.train_kan_mnist`.
    beta : float, default 1.0
        EMP coefficient.
    threshold : float, default 1e-2
        :math:`\theta` of both threshold rules (``pykan``'s default).
    n_score : int, optional
        Number of training rows the scores are measured on (default: all). ``pykan``'s
        attribution keeps about four ``(n, width[l+1], width[l])`` float32 arrays, so on
        MNIST ([784, 64, 10]) use a few thousand rows at most.

    Returns
    -------
    list of dict
        Rows ``dense``, ``emp`` (:math:`s = \min\{I, O\}`, L1 edge sizes),
        ``emp-attribution`` (the same with ``pykan``'s edge attributions), ``pykan``
        (``prune_node(threshold)``) and ``io`` (:math:`\min\{I, O\} > \theta`), each with
        ``method``, ``width``, ``test_accuracy``, ``test_loss``, ``train_accuracy`` and
        ``report`` (a :class:`.KANPruneReport`, ``None`` for the dense model).

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.2.
    """
    if not isinstance(run, KANRun):
        raise TypeError(f"`run` must be a KANRun, got {type(run).__name__}")
    d = run.data
    xtr = d["train_input"]
    if n_score is not None:
        ns = as_int(n_score, "n_score")
        if ns < 1:
            raise ValueError(f"`n_score` must be >= 1, got {n_score!r}")
        xs = xtr[:ns]
    else:
        xs = xtr
    candidates = [
        ("dense", run.model, None),
        ("emp", *emp_prune_kan(run.model, xs, beta)),
        ("emp-attribution", *emp_prune_kan(run.model, xs, beta, score="attribution")),
        ("pykan", *threshold_prune_kan(run.model, xs, threshold, rule="pykan")),
        ("io", *threshold_prune_kan(run.model, xs, threshold, rule="io")),
    ]
    rows = []
    for name, m, rep in candidates:
        te = evaluate_kan(m, d["test_input"], d["test_label"])
        tr = evaluate_kan(m, xs, d["train_label"][: xs.shape[0]])
        rows.append(
            {
                "method": name,
                "width": kan_widths(m),
                "test_accuracy": te["accuracy"],
                "test_loss": te["loss"],
                "train_accuracy": tr["accuracy"],
                "report": rep,
            }
        )
    return rows
