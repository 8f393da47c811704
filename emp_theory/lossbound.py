r"""Does the loss bound bind? Eq. (17) and eq. (18) against the measured loss change.

Beyond the paper. For a trained model, EMP-magnitude pruning over all prunable
weights (one global score vector, :func:`emp_theory.pruning.method.global_emp_unstructured`)
is applied and everything the bounds of Section 4.3 need is measured from the model:

* :math:`\theta^*`: the prunable weights (``nn.Linear`` / ``nn.Conv2d`` weights, no
  biases), :math:`N` their count;
* :math:`N_{\mathrm{eff}}`, :math:`\nu = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)`,
  :math:`s_{\mathrm{eff}}` and the kept mass :math:`\varphi_\nu` (:func:`emp_theory.effective.emp_summary`);
* :math:`\|\theta^*\|_1`, :math:`\|\theta^*-\theta^\nu\|_2^2`;
* :math:`\mathrm{Tr}(H)`, the trace of the Hessian of the mean cross-entropy with
  respect to :math:`\theta` at :math:`\theta^*`, by Hutchinson's estimator
  (:func:`hutchinson_trace`);
* the measured loss change :math:`\epsilon = L(\theta^\nu) - L(\theta^*)` on the test set;
* eq. (17) :math:`\frac{1-\rho}{2N\rho}\mathrm{Tr}(H)\|\theta^*-\theta^\nu\|_2^2` with
  :math:`\rho = \nu/N` (the paper's :math:`k/N`) and the *measured* distance,
  :func:`emp_theory.bounds.eq17_loss_bound`;
* the distance bound before eq. (18),
  :math:`\|\theta^*\|_1^2(1-\varphi_\nu)^2(N-\nu)` (:func:`emp_theory.bounds.distance_bound`;
  at :math:`\beta = 1`, :math:`\varphi_\nu = s_{\mathrm{eff}}` and :math:`\nu = N_{\mathrm{eff}}`,
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

import numpy as np

from . import paper as _paper
from ._validation import as_int, as_positive_finite
from .bounds import distance_bound, eq17_loss_bound, eq18_loss_bound, normalized_loss_bound
from .effective import emp_summary

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


@dataclass(frozen=True)
class TraceEstimate:
    r"""A Hutchinson estimate of :math:`\mathrm{Tr}(H)`.

    Attributes
    ----------
    estimate : float
        :math:`\frac1P\sum_p z_p^\top H z_p`.
    stderr : float
        Standard error of the mean, :math:`\mathrm{sd}(z_p^\top H z_p)/\sqrt P`
        (``nan`` for one probe).
    n_probes : int
    samples : tuple of float
        The :math:`P` values :math:`z_p^\top H z_p`.
    """

    estimate: float
    stderr: float
    n_probes: int
    samples: tuple


def _check_model(model):
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")


def _check_xy(data):
    import torch

    if not (isinstance(data, tuple | list) and len(data) == 2):
        raise TypeError("`data` must be an (x, y) pair of tensors")
    x, y = data
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise TypeError("`data` must be an (x, y) pair of tensors")
    if x.shape[0] == 0 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"`data` must hold the same positive number of inputs and labels, "
            f"got {tuple(x.shape)} and {tuple(y.shape)}"
        )
    return x, y


def prunable_weights(model):
    """The prunable weight tensors of `model` (every ``nn.Linear`` / ``nn.Conv2d`` weight), in order."""
    from .pruning.models import prunable_parameters

    _check_model(model)
    return [getattr(mod, pname) for _, mod, pname in prunable_parameters(model)]


def hutchinson_trace(
    model, data, params=None, *, n_probes: int = 32, seed: int = 0, loss_fn=None, probes=None
) -> TraceEstimate:
    r"""Hutchinson estimate of the trace of the loss Hessian with respect to `params`.

    .. math::

        \mathrm{Tr}(H) \approx \frac1P\sum_{p=1}^{P} z_p^\top H z_p,
        \qquad \mathbb E[z z^\top] = I,

    with :math:`z_p` Rademacher vectors (entries :math:`\pm1`, probability 1/2) over
    all of `params` jointly, so :math:`\mathbb E[z^\top H z] = \mathrm{Tr}(H)` exactly
    and :math:`\mathrm{Var}(z^\top H z) = 2\sum_{i\ne j}H_{ij}^2`. :math:`Hz` is a
    Hessian-vector product by double back-propagation (``torch.autograd.grad`` of the
    gradient, built with ``create_graph=True``). :math:`H` is the Hessian of
    ``loss_fn(model(x), y)`` on the whole of ``data = (x, y)`` (one batch), with the
    parameters not in `params` held fixed. The model is evaluated in ``eval()`` mode.

    Parameters
    ----------
    model : torch.nn.Module
    data : (torch.Tensor, torch.Tensor)
        Inputs and labels.
    params : list of torch.Tensor, optional
        Parameters of `model` (default: :func:`prunable_weights`).
    n_probes : int, default 32
        Number :math:`P \ge 1` of probes (ignored when `probes` is given).
    seed : int, default 0
        Seed of the ``torch.Generator`` drawing the probes.
    loss_fn : callable, optional
        ``loss_fn(logits, y)``; default mean cross-entropy.
    probes : array_like, optional
        Explicit probe vectors, shape ``(P, N)`` with ``N`` the total size of
        `params` (e.g. all :math:`2^N` sign vectors of a tiny model, whose average
        is the exact trace).

    Returns
    -------
    TraceEstimate

    Raises
    ------
    TypeError, ValueError
        If `model` is not a module, `data` not an (x, y) pair, `params` empty or not
        parameters of `model`, `n_probes` not a positive integer, `probes` of the wrong
        shape or non-finite.

    References
    ----------
    .. [1] M. F. Hutchinson, Comm. Stat. Simul. Comput. 19 (1990) 433-450.
    """
    import torch
    from torch.nn import functional as F

    _check_model(model)
    x, y = _check_xy(data)
    ps = prunable_weights(model) if params is None else list(params)
    if not ps:
        raise ValueError("`params` must not be empty")
    own = {id(p) for p in model.parameters()}
    if any(not isinstance(p, torch.Tensor) or id(p) not in own for p in ps):
        raise ValueError("`params` must be parameters of `model`")
    sizes = [p.numel() for p in ps]
    n_total = int(sum(sizes))
    if probes is None:
        P = as_int(n_probes, "n_probes")
        if P < 1:
            raise ValueError(f"`n_probes` must be a positive integer, got {n_probes!r}")
        gen = torch.Generator().manual_seed(as_int(seed, "seed"))
        Z = None
    else:
        Z = torch.as_tensor(np.asarray(probes, dtype=np.float64))
        if Z.ndim != 2 or Z.shape[1] != n_total or Z.shape[0] < 1:
            raise ValueError(f"`probes` must have shape (P, {n_total}), got {tuple(Z.shape)}")
        if not bool(torch.isfinite(Z).all()):
            raise ValueError("`probes` must be finite")
        P = int(Z.shape[0])
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    was = model.training
    model.eval()
    try:
        loss = loss_fn(model(x), y)
        grads = torch.autograd.grad(loss, ps, create_graph=True)
        vals = []
        for p_i in range(P):
            if Z is None:
                zs = [(torch.randint(0, 2, p.shape, generator=gen) * 2 - 1).to(p.dtype) for p in ps]
            else:
                zs = [
                    c.reshape(p.shape).to(p.dtype)
                    for c, p in zip(Z[p_i].split(sizes), ps, strict=True)
                ]
            hz = torch.autograd.grad(grads, ps, grad_outputs=zs, retain_graph=True)
            vals.append(
                float(sum((z * h).sum(dtype=torch.float64) for z, h in zip(zs, hz, strict=True)))
            )
    finally:
        model.train(was)
    arr = np.asarray(vals)
    se = float(arr.std(ddof=1) / math.sqrt(P)) if P > 1 else float("nan")
    return TraceEstimate(float(arr.mean()), se, P, tuple(vals))


def trained_model(name: str, data, *, cache=None, seed: int = 0):
    """The dense `name` model trained on `data` with the pruning path's preset, from its cache.

    A thin wrapper of :func:`emp_theory.pruning.training.load_or_train` with
    :func:`~emp_theory.pruning.training.default_config` (no progress bar).
    """
    from .pruning.training import default_config, load_or_train

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
    N, n_eff, nu : int
        Prunable weights, :math:`N_{\mathrm{eff}}` of their magnitudes, weights kept.
    rho_eff : float
        :math:`N_{\mathrm{eff}}/N` (the paper's :math:`\rho` in eqs. 16-18).
    rho : float
        :math:`\nu/N`, the kept fraction plugged into eq. (17) as the paper's :math:`k/N`
        (equal to ``rho_eff`` at :math:`\beta = 1`).
    sparsity : float
        :math:`1 - \nu/N`.
    theta_l1 : float
        :math:`\|\theta^*\|_1`.
    s_eff, kept_mass : float
        :math:`s_{\mathrm{eff}}` (eq. 5) and :math:`\varphi_\nu` (eq. 9) of :math:`|\theta^*|`.
    dist_sq : float
        :math:`\|\theta^* - \theta^\nu\|_2^2`, measured.
    dist_bound : float
        :math:`\|\theta^*\|_1^2(1-\varphi_\nu)^2(N-\nu)`.
    trace_h, trace_se : float
        Hutchinson :math:`\mathrm{Tr}(H)` and its standard error.
    trace_split : str
        ``"train"`` or ``"test"``: the loss whose Hessian was estimated.
    dense_loss, pruned_loss, eps : float
        Test cross-entropy before and after pruning, and
        :math:`\epsilon = L(\theta^\nu) - L(\theta^*)` (signed).
    dense_acc, pruned_acc : float
        Test accuracies.
    eq17 : float
        Eq. (17) with :math:`\rho = \nu/N` and the measured distance (``nan`` if
        :math:`\mathrm{Tr}(H) \le 0`; 0 if :math:`\nu = N`, where nothing is pruned).
    eq17_dist_bound : float
        Eq. (17) with ``dist_bound`` in place of the measured distance.
    eq18 : float
        Eq. (18) at :math:`\rho = N_{\mathrm{eff}}/N` (the paper's, :math:`\beta = 1`).
    normalized_eq18 : float
        :func:`emp_theory.bounds.normalized_loss_bound` at :math:`\rho = N_{\mathrm{eff}}/N`.
    grad_dot : float
        First-order term :math:`\nabla L(\theta^*)^\top(\theta^\nu - \theta^*)` on the
        ``trace_split`` loss.
    quad_term : float
        Second-order term :math:`\tfrac12(\theta^\nu-\theta^*)^\top H(\theta^\nu-\theta^*)` on
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
    from .pruning.training import evaluate

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
    :func:`emp_theory.pruning.method.global_emp_unstructured` over all prunable
    weights with magnitude scores (Algorithm 1 with :math:`s = \theta^*`), and

    .. math::

        \epsilon = L_{\mathrm{test}}(\theta^\nu) - L_{\mathrm{test}}(\theta^*), \qquad
        \text{eq. (17)} = \frac{1-\rho}{2N\rho}\,\mathrm{Tr}(H)\,\|\theta^*-\theta^\nu\|_2^2,
        \quad \rho = \nu/N,

    .. math::

        \|\theta^*-\theta^\nu\|_2^2 \le \|\theta^*\|_1^2(1-\varphi_\nu)^2(N-\nu), \qquad
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
    :math:`|\epsilon|`. At :math:`\beta \ne 1`, :math:`\rho = \nu/N` is the kept
    fraction plugged into eq. (17) as the lemma's :math:`k/N`, and the distance bound
    uses :math:`\varphi_\nu` and :math:`\nu` (the same derivation), while eq. (18) stays
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

    from .pruning.method import global_emp_unstructured
    from .pruning.models import prunable_parameters

    _check_model(model)
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
