r"""Does the loss bound bind? Eq. (17) and eq. (18) against the measured loss change.

Beyond the paper. For a trained model, EMP-magnitude pruning over all prunable
weights (one global score vector, :func:`emp_theory.pruning.functional.global_emp_unstructured`)
is applied and everything the bounds of Section 4.3 need is measured from the model:

* :math:`\theta^*`: the prunable weights (``nn.Linear`` / ``nn.Conv2d`` weights, no
  biases), :math:`N` their count;
* :math:`N_{\mathrm{eff}}`, the kept count :math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)`,
  :math:`s_{\mathrm{eff}}` and the kept mass :math:`\varphi_k` (:func:`emp_theory.effective.emp_summary`);
* :math:`\|\theta^*\|_1`, :math:`\|\theta^*-\theta^k\|_2^2`;
* :math:`\mathrm{Tr}(H)`, the trace of the Hessian of the mean cross-entropy with
  respect to :math:`\theta` at :math:`\theta^*`, by Hutchinson's estimator
  (:func:`~emp_theory.experiments.hutchinson.hutchinson_trace`);
* the measured loss change :math:`\epsilon = L(\theta^k) - L(\theta^*)` on the test set;
* eq. (17) :math:`\frac{1-\rho}{2N\rho}\mathrm{Tr}(H)\|\theta^*-\theta^k\|_2^2` with
  :math:`\rho = k/N` (the paper's eq. 17, :math:`k` kept weights) and the *measured* distance,
  :func:`emp_theory.bounds.eq17_loss_bound`;
* the distance bound before eq. (18),
  :math:`\|\theta^*\|_1^2(1-\varphi_k)^2(N-k)` (:func:`emp_theory.bounds.distance_bound`;
  at :math:`\beta = 1`, :math:`\varphi_k = s_{\mathrm{eff}}` and :math:`k = N_{\mathrm{eff}}`,
  the paper's form), and eq. (17) evaluated with it;
* eq. (18) at :math:`\rho = N_{\mathrm{eff}}/N` (:func:`emp_theory.bounds.eq18_loss_bound`),
  which the paper derives for :math:`k = N_{\mathrm{eff}}` only, i.e. for :math:`\beta = 1`.

torch is imported inside the functions, so importing this module does not import it.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Lemma 1 (eq. 1), eqs. (16)-(18), Table 1.
.. [2] Zhang, Zhang, Sun, Liu, "How sparse can we prune a deep network: a fundamental
       limit viewpoint", arXiv:2306.05857 (2025), Lemma 3.5.
.. [3] M. F. Hutchinson, "A stochastic estimator of the trace of the influence matrix for
       Laplacian smoothing splines", Comm. Stat. Simul. Comput. 19 (1990) 433-450.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from .. import paper as _paper
from .._validation import as_positive_finite
from ..bounds import distance_bound, eq17_loss_bound, eq18_loss_bound, normalized_loss_bound
from ..effective import emp_summary
from .hutchinson import TraceEstimate, check_model, hutchinson_trace, prunable_weights

__all__ = [
    "PAPER_TABLE1",
    "LossBoundMeasurement",
    "TraceEstimate",
    "hutchinson_trace",
    "measure_loss_bound",
    "prunable_weights",
    "trained_model",
]

#: Table 1 of the paper, from :mod:`emp_theory.paper`.
PAPER_TABLE1 = _paper.TABLE1


def trained_model(name: str, data, *, cache=None, seed: int = 0):
    """The dense `name` model trained on `data` with the pruning path's preset, from its cache.

    A thin wrapper of :func:`emp_theory.pruning.training.load_or_train` with
    :func:`~emp_theory.pruning.training.default_config` (no progress bar).
    """
    from ..pruning.training import default_config, load_or_train

    model, _ = load_or_train(
        default_config(name, data.name, seed=seed), data, cache=cache, progress=False
    )
    return model


@dataclass(frozen=True)
class LossBoundMeasurement:
    r"""Everything eqs. (17)-(18) need, measured on one model at one :math:`\beta`.

    Attributes
    ----------
    beta : float
    N, n_eff, k : int
        Prunable weights, :math:`N_{\mathrm{eff}}` of their magnitudes, weights kept.
    rho_eff : float
        :math:`N_{\mathrm{eff}}/N` (the paper's :math:`\rho` in eqs. 16-18).
    rho : float
        :math:`k/N`, the kept fraction plugged into eq. (17) as the paper's :math:`k/N`
        (equal to ``rho_eff`` at :math:`\beta = 1`).
    sparsity : float
        :math:`1 - k/N`.
    theta_l1 : float
        :math:`\|\theta^*\|_1`.
    s_eff, kept_mass : float
        :math:`s_{\mathrm{eff}}` (eq. 5) and :math:`\varphi_k` (eq. 9) of :math:`|\theta^*|`.
    dist_sq : float
        :math:`\|\theta^* - \theta^k\|_2^2`, measured.
    dist_bound : float
        :math:`\|\theta^*\|_1^2(1-\varphi_k)^2(N-k)`.
    trace_h, trace_se : float
        Hutchinson :math:`\mathrm{Tr}(H)` and its standard error.
    trace_split : str
        ``"train"`` or ``"test"``: the loss whose Hessian was estimated.
    dense_loss, pruned_loss, eps : float
        Test cross-entropy before and after pruning, and
        :math:`\epsilon = L(\theta^k) - L(\theta^*)` (signed).
    dense_acc, pruned_acc : float
        Test accuracies.
    eq17 : float
        Eq. (17) with :math:`\rho = k/N` and the measured distance (``nan`` if
        :math:`\mathrm{Tr}(H) \le 0`; 0 if :math:`k = N`, where nothing is pruned).
    eq17_dist_bound : float
        Eq. (17) with ``dist_bound`` in place of the measured distance.
    eq18 : float
        Eq. (18) at :math:`\rho = N_{\mathrm{eff}}/N` (the paper's, :math:`\beta = 1`).
    normalized_eq18 : float
        :func:`emp_theory.bounds.normalized_loss_bound` at :math:`\rho = N_{\mathrm{eff}}/N`.
    grad_dot : float
        First-order term :math:`\nabla L(\theta^*)^\top(\theta^k - \theta^*)` on the
        ``trace_split`` loss.
    quad_term : float
        Second-order term :math:`\tfrac12(\theta^k-\theta^*)^\top H(\theta^k-\theta^*)` on
        the ``trace_split`` loss (one Hessian-vector product).
    """

    beta: float
    N: int
    n_eff: int
    k: int
    rho_eff: float
    rho: float
    sparsity: float
    theta_l1: float
    s_eff: float
    kept_mass: float
    dist_sq: float
    dist_bound: float
    trace_h: float
    trace_se: float
    trace_split: str
    dense_loss: float
    pruned_loss: float
    eps: float
    dense_acc: float
    pruned_acc: float
    eq17: float
    eq17_dist_bound: float
    eq18: float
    normalized_eq18: float
    grad_dot: float
    quad_term: float

    def ratio(self, which: str = "eq17") -> float:
        r"""``bound / |eps|`` for ``which`` in ``{"eq17", "eq17_dist_bound", "eq18"}`` (inf if :math:`\epsilon = 0`)."""
        if which not in ("eq17", "eq17_dist_bound", "eq18"):
            raise ValueError(f"`which` must be 'eq17', 'eq17_dist_bound' or 'eq18', got {which!r}")
        b = getattr(self, which)
        return float("inf") if self.eps == 0 else b / abs(self.eps)

    def as_dict(self) -> dict:
        return asdict(self)


def _test_loss(model, x, y):
    from ..pruning.training import evaluate

    acc, loss = evaluate(model, x, y)
    return acc, loss


def measure_loss_bound(
    model,
    dataset,
    beta: float = 1.0,
    *,
    n_probes: int = 16,
    seed: int = 0,
    trace_split: str = "test",
    trace=None,
) -> LossBoundMeasurement:
    r"""Measure :math:`\epsilon` and evaluate eqs. (17)-(18) for global EMP-magnitude on `model`.

    The dense `model` is copied and pruned with
    :func:`emp_theory.pruning.functional.global_emp_unstructured` over all prunable
    weights with magnitude scores (Algorithm 1 with :math:`s = \theta^*`), and

    .. math::

        \epsilon = L_{\mathrm{test}}(\theta^k) - L_{\mathrm{test}}(\theta^*), \qquad
        \text{eq. (17)} = \frac{1-\rho}{2N\rho}\,\mathrm{Tr}(H)\,\|\theta^*-\theta^k\|_2^2,
        \quad \rho = k/N,

    .. math::

        \|\theta^*-\theta^k\|_2^2 \le \|\theta^*\|_1^2(1-\varphi_k)^2(N-k), \qquad
        \text{eq. (18)} = \|\theta^*\|_1^2\mathrm{Tr}(H)\frac{(1-\rho_e)^4}{2\rho_e}
        \Big(1-\sqrt{\frac{1-\rho_e}{N\rho_e}}\Big)^2,\quad \rho_e = N_{\mathrm{eff}}/N.

    **Assumptions and what is approximated.** Lemma 1 (Zhang et al., 2025, Lemma 3.5)
    is stated for a "well-trained" network: it rests on a second-order expansion of
    :math:`L` at :math:`\theta^*` with a vanishing gradient and a positive
    semi-definite Hessian whose largest eigenvalue is bounded by :math:`\mathrm{Tr}(H)`.
    None of this holds exactly here: the ReLU networks' loss is not twice
    differentiable everywhere (not globally :math:`L`-smooth), the gradient at
    :math:`\theta^*` is not zero (``grad_dot`` reports its first-order contribution),
    and :math:`H` is indefinite in general (the Hutchinson trace can in principle be
    negative; then the bounds are ``nan``). :math:`\mathrm{Tr}(H)` is estimated (with
    its standard error) on the ``trace_split`` loss at :math:`\theta^*`; with
    ``"test"`` (default) it is the Hessian of the same function whose change
    :math:`\epsilon` measures, with ``"train"`` that of the training loss the paper
    calls the empirical loss. :math:`\epsilon` is signed; the lemma bounds
    :math:`|\epsilon|`. At :math:`\beta \ne 1`, :math:`\rho = k/N` is the kept
    fraction plugged into eq. (17) as the lemma's :math:`k/N`, and the distance bound
    uses :math:`\varphi_k` and :math:`k` (the same derivation), while eq. (18) stays
    the paper's :math:`\beta = 1` value.

    Parameters
    ----------
    model : torch.nn.Module
        Trained dense model (not modified).
    dataset : emp_theory.pruning.data.Dataset
    beta : float, default 1.0
    n_probes : int, default 16
        Hutchinson probes (ignored if `trace` is given).
    seed : int, default 0
    trace_split : {"test", "train"}
    trace : TraceEstimate, optional
        A precomputed trace of the dense model on ``trace_split`` (the trace does not
        depend on :math:`\beta`; pass it to reuse it across a sweep).

    Returns
    -------
    LossBoundMeasurement

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eqs. (1), (16)-(18).
    """
    import copy

    import torch
    from torch.nn import functional as F
    from torch.nn.utils import prune

    from ..pruning.functional import global_emp_unstructured
    from ..pruning.models import prunable_parameters

    check_model(model)
    b = as_positive_finite(beta, "beta")
    if trace_split not in ("train", "test"):
        raise ValueError(f"`trace_split` must be 'train' or 'test', got {trace_split!r}")
    for attr in ("x_train", "y_train", "x_test", "y_test"):
        if not hasattr(dataset, attr):
            raise TypeError("`dataset` must be an emp_theory.pruning.data.Dataset")
    if trace is not None and not isinstance(trace, TraceEstimate):
        raise TypeError(f"`trace` must be a TraceEstimate, got {type(trace).__name__}")
    targets = prunable_parameters(model)
    if not targets:
        raise ValueError("`model` has no prunable weights")
    theta = torch.cat([getattr(m, n).detach().reshape(-1) for _, m, n in targets]).double()
    summ = emp_summary(theta.numpy(), b)
    N, k = summ.N, summ.k

    xs = (
        (dataset.x_test, dataset.y_test)
        if trace_split == "test"
        else (dataset.x_train, dataset.y_train)
    )
    if trace is None:
        trace = hutchinson_trace(model, xs, n_probes=n_probes, seed=seed)

    pruned = copy.deepcopy(model)
    ptargets = [(m, n) for _, m, n in prunable_parameters(pruned)]
    global_emp_unstructured(ptargets, beta=b)
    for m, n in ptargets:
        prune.remove(m, n)
    theta_k = torch.cat([getattr(m, n).detach().reshape(-1) for m, n in ptargets]).double()
    delta = theta_k - theta
    dist_sq = float((delta * delta).sum())

    dense_acc, dense_loss = _test_loss(model, dataset.x_test, dataset.y_test)
    pruned_acc, pruned_loss = _test_loss(pruned, dataset.x_test, dataset.y_test)

    # first- and second-order terms of the expansion on the trace_split loss
    ps = prunable_weights(model)
    was = model.training
    model.eval()
    try:
        loss = F.cross_entropy(model(xs[0]), xs[1])
        grads = torch.autograd.grad(loss, ps, create_graph=True)
        d_parts = [
            c.reshape(p.shape).to(p.dtype)
            for c, p in zip(delta.split([p.numel() for p in ps]), ps, strict=True)
        ]
        grad_dot = float(
            sum(
                (g.detach().double() * d.double()).sum()
                for g, d in zip(grads, d_parts, strict=True)
            )
        )
        hd = torch.autograd.grad(grads, ps, grad_outputs=d_parts)
        quad = 0.5 * float(
            sum((h.double() * d.double()).sum() for h, d in zip(hd, d_parts, strict=True))
        )
    finally:
        model.train(was)

    theta_l1 = float(theta.abs().sum())
    rho = k / N
    dbound = float(distance_bound(theta_l1, min(summ.kept_mass, 1.0), k, N))
    t = trace.estimate
    ok = t > 0 and math.isfinite(t)
    nan = float("nan")
    eq17 = float(eq17_loss_bound(rho, N, dist_sq, t)) if ok else nan
    eq17d = float(eq17_loss_bound(rho, N, dbound, t)) if ok else nan
    rho_eff = summ.n_eff / N
    eq18 = float(eq18_loss_bound(rho_eff, N, theta_l1, t)) if ok else nan
    return LossBoundMeasurement(
        beta=b,
        N=N,
        n_eff=summ.n_eff,
        k=k,
        rho_eff=rho_eff,
        rho=rho,
        sparsity=1.0 - rho,
        theta_l1=theta_l1,
        s_eff=summ.s_eff,
        kept_mass=summ.kept_mass,
        dist_sq=dist_sq,
        dist_bound=dbound,
        trace_h=t,
        trace_se=trace.stderr,
        trace_split=trace_split,
        dense_loss=dense_loss,
        pruned_loss=pruned_loss,
        eps=pruned_loss - dense_loss,
        dense_acc=dense_acc,
        pruned_acc=pruned_acc,
        eq17=eq17,
        eq17_dist_bound=eq17d,
        eq18=eq18,
        normalized_eq18=float(normalized_loss_bound(rho_eff, N)),
        grad_dot=grad_dot,
        quad_term=quad,
    )
