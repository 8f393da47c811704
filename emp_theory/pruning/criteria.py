r"""Pruning criteria: score tensors that EMP (or any fixed-amount rule) thresholds.

Every criterion is a function ``criterion(model, param, data=None, **options)``
returning a score tensor of the parameter's shape (or a list of them when
``param`` is a list). ``param`` is a parameter name (``"fc1.weight"``; a unique
suffix of a name from ``model.named_parameters()`` is enough), the parameter
itself, or a list of those. EMP uses :math:`|s|` (Algorithm 1, line 1).

===============  ==============================================================  ==============================
name             score :math:`s_i` of weight :math:`\theta_i`                     reference
===============  ==============================================================  ==============================
``magnitude``    :math:`|\theta_i|`                                              Han et al. (2015, 2016)
``taylor``       :math:`|\theta_i\, \bar g_i|`, first-order loss change           Molchanov et al. (2017)
``saliency``     :math:`|\bar g_i|`, gradient saliency                           (Table 8 of the paper)
``obd``          :math:`\tfrac12 \theta_i^2 \hat H_{ii}`, Hutchinson diag(H)      LeCun et al. (1990)
``wanda``        :math:`|W_{ij}|\,\|X_j\|_2`, input-activation norm               Sun et al. (2023)
===============  ==============================================================  ==============================

Here :math:`\bar g = \frac1B\sum_{b=1}^{B} \nabla_\theta L_b(\theta)` is the
gradient of the mean cross-entropy loss :math:`L_b` of batch :math:`b`,
averaged over the first ``n_batches`` :math:`= B` batches of ``data`` (default
:data:`DEFAULT_N_BATCHES`). ``data`` is either one ``(x, y)`` batch or an
iterable of batches (a list, a :class:`torch.utils.data.DataLoader`, ...). The
model is put in ``eval()`` mode while scoring and restored afterwards.

References
----------
.. [1] S. Han, J. Pool, J. Tran, W. Dally, "Learning both weights and connections for
       efficient neural networks", NeurIPS 2015; S. Han, H. Mao, W. Dally, "Deep
       compression", ICLR 2016.
.. [2] P. Molchanov, S. Tyree, T. Karras, T. Aila, J. Kautz, "Pruning convolutional
       neural networks for resource efficient inference", ICLR 2017.
.. [3] Y. LeCun, J. Denker, S. Solla, "Optimal brain damage", NeurIPS 1990.
.. [4] M. Hutchinson, "A stochastic estimator of the trace of the influence matrix for
       Laplacian smoothing splines", Comm. Stat. Simul. Comput. 19 (1990); C. Bekas,
       E. Kokiopoulou, Y. Saad, "An estimator for the diagonal of a matrix", Appl.
       Numer. Math. 57 (2007).
.. [5] M. Sun, Z. Liu, A. Bair, J. Z. Kolter, "A simple and effective pruning approach
       for large language models" (Wanda), arXiv:2306.11695 (2023).
.. [6] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.1, Tables 8-9.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from . import names as _names

__all__ = [
    "CRITERIA",
    "DEFAULT_N_BATCHES",
    "DEFAULT_N_PROBES",
    "compute_scores",
    "gradient_average",
    "hutchinson_diag_hessian",
    "magnitude",
    "obd",
    "saliency",
    "taylor",
    "wanda",
]

#: Batches over which gradients (and Hessian probes, activation norms) are taken by default.
DEFAULT_N_BATCHES = 4
#: Rademacher probes per batch of the Hutchinson estimator by default.
DEFAULT_N_PROBES = 16


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _resolve(model: nn.Module, param):
    """Return ([(qualified name, Parameter)], single?)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    single = not isinstance(param, list | tuple)
    items = [param] if single else list(param)
    if not items:
        raise ValueError("`param` must not be an empty list")
    named = list(model.named_parameters())
    out = []
    for p in items:
        if isinstance(p, str):
            hits = [(n, t) for n, t in named if n == p]
            if not hits:
                hits = [(n, t) for n, t in named if n.endswith("." + p)]
            if len(hits) != 1:
                what = "no" if not hits else f"{len(hits)}"
                raise ValueError(f"`param` {p!r} matches {what} parameters of the model")
            out.append(hits[0])
        elif isinstance(p, torch.Tensor):
            hits = [(n, t) for n, t in named if t is p]
            if not hits:
                raise ValueError("`param` is a tensor that is not a parameter of `model`")
            out.append(hits[0])
        else:
            raise TypeError(f"`param` must be a name or a parameter, got {type(p).__name__}")
    return out, single


def _batches(data, n_batches: int, criterion: str):
    if data is None:
        raise ValueError(f"`data` is required by the {criterion!r} criterion")
    if not isinstance(n_batches, int) or isinstance(n_batches, bool) or n_batches < 1:
        raise ValueError(f"`n_batches` must be a positive integer, got {n_batches!r}")
    if (
        isinstance(data, tuple | list)
        and len(data) == 2
        and all(isinstance(t, torch.Tensor) for t in data)
    ):
        batches = [tuple(data)]
    else:
        batches = []
        for b in data:
            if not (isinstance(b, tuple | list) and len(b) >= 2):
                raise TypeError("`data` must be an (x, y) batch or an iterable of (x, y) batches")
            batches.append((b[0], b[1]))
            if len(batches) == n_batches:
                break
    if not batches:
        raise ValueError("`data` holds no batches")
    return batches


class _EvalMode:
    """Put ``model`` in eval mode; restore every submodule's own ``training`` flag on exit."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        self.flags = [(m, m.training) for m in self.model.modules()]
        self.model.eval()

    def __exit__(self, *exc):
        for m, flag in self.flags:
            m.training = flag


def _device(model):
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def _out(scores, single):
    return scores[0] if single else scores


def gradient_average(
    model: nn.Module,
    params: Sequence[torch.Tensor],
    data,
    *,
    n_batches: int = DEFAULT_N_BATCHES,
    loss_fn: Callable | None = None,
) -> list[torch.Tensor]:
    r""":math:`\bar g = \frac1B\sum_{b=1}^{B}\nabla_\theta L_b(\theta)` over the first `n_batches` batches.

    :math:`L_b` is ``loss_fn(model(x_b), y_b)`` (default: mean cross-entropy). Returns
    one tensor per parameter in `params` (detached).
    """
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    batches = _batches(data, n_batches, "gradient")
    dev = _device(model)
    acc = [torch.zeros_like(p) for p in params]
    with _EvalMode(model):
        for x, y in batches:
            loss = loss_fn(model(x.to(dev)), y.to(dev))
            grads = torch.autograd.grad(loss, list(params), allow_unused=True)
            for a, g in zip(acc, grads, strict=True):
                if g is not None:
                    a.add_(g.detach())
    return [a / len(batches) for a in acc]


# ---------------------------------------------------------------------------
# criteria
# ---------------------------------------------------------------------------
def magnitude(model: nn.Module, param, data=None):
    r"""Magnitude score :math:`s_i = |\theta_i|` (Han et al., 2015; 2016).

    Parameters
    ----------
    model : torch.nn.Module
    param : str, torch.nn.Parameter or list of them
    data : ignored
        Accepted for a uniform signature.

    Returns
    -------
    torch.Tensor or list of torch.Tensor
        :math:`|\theta|`, detached, of each parameter's shape.

    References
    ----------
    .. [1] S. Han, J. Pool, J. Tran, W. Dally, "Learning both weights and connections for
           efficient neural networks", NeurIPS 2015.
    """
    items, single = _resolve(model, param)
    return _out([p.detach().abs() for _, p in items], single)


def taylor(
    model: nn.Module,
    param,
    data,
    *,
    n_batches: int = DEFAULT_N_BATCHES,
    loss_fn: Callable | None = None,
):
    r"""First-order Taylor (loss-change) score :math:`s_i = |\theta_i\,\bar g_i|` (Molchanov et al., 2017).

    Removing weight :math:`i` changes the loss by
    :math:`L(\theta - \theta_i e_i) - L(\theta) = -\theta_i g_i + O(\theta_i^2)`;
    the score is the magnitude of the first-order term, with the gradient
    :math:`\bar g` averaged over `n_batches` batches (:func:`gradient_average`).
    It equals :math:`|\tfrac{d}{dt} L(\theta + t\,\theta_i e_i)|_{t=0}|`, which the
    tests check by central finite differences.

    Parameters
    ----------
    model : torch.nn.Module
    param : str, torch.nn.Parameter or list of them
    data : (x, y) batch or iterable of batches
    n_batches : int, default 4
        Number of batches the gradient is averaged over.
    loss_fn : callable, optional
        ``loss_fn(logits, y)``; default :func:`torch.nn.functional.cross_entropy` (mean).

    Returns
    -------
    torch.Tensor or list of torch.Tensor

    References
    ----------
    .. [1] P. Molchanov, S. Tyree, T. Karras, T. Aila, J. Kautz, "Pruning convolutional
           neural networks for resource efficient inference", ICLR 2017.
    """
    items, single = _resolve(model, param)
    ps = [p for _, p in items]
    grads = gradient_average(model, ps, data, n_batches=n_batches, loss_fn=loss_fn)
    return _out([(p.detach() * g).abs() for p, g in zip(ps, grads, strict=True)], single)


def saliency(
    model: nn.Module,
    param,
    data,
    *,
    n_batches: int = DEFAULT_N_BATCHES,
    loss_fn: Callable | None = None,
):
    r"""Gradient saliency :math:`s_i = |\bar g_i|` (the "gradient saliency" criterion of Tables 8-9).

    :math:`\bar g` is the loss gradient averaged over `n_batches` batches
    (:func:`gradient_average`); arguments as :func:`taylor`.

    References
    ----------
    .. [1] K. Simonyan, A. Vedaldi, A. Zisserman, "Deep inside convolutional networks:
           visualising image classification models and saliency maps", ICLR workshop 2014.
    .. [2] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Tables 8-9.
    """
    items, single = _resolve(model, param)
    ps = [p for _, p in items]
    grads = gradient_average(model, ps, data, n_batches=n_batches, loss_fn=loss_fn)
    return _out([g.abs() for g in grads], single)


def hutchinson_diag_hessian(
    model: nn.Module,
    param,
    data,
    *,
    n_batches: int = DEFAULT_N_BATCHES,
    n_probes: int = DEFAULT_N_PROBES,
    seed: int = 0,
    loss_fn: Callable | None = None,
):
    r"""Hutchinson estimate of the Hessian diagonal, :math:`\hat H_{ii} = \frac{1}{BP}\sum_{b,p} z^{(p)}_i (H_b z^{(p)})_i`.

    :math:`z^{(p)}` are Rademacher vectors (entries :math:`\pm1` with probability
    1/2, drawn from ``torch.Generator().manual_seed(seed)``) over all requested
    parameters jointly, and :math:`H_b z` is a Hessian-vector product of the batch
    loss computed by double back-propagation (``torch.autograd.grad`` with
    ``create_graph=True``). :math:`\mathbb E[z_i (Hz)_i] = H_{ii}` and the variance of
    one term is :math:`\sum_{j\ne i} H_{ij}^2`, so the error shrinks like
    :math:`(BP)^{-1/2}`. The Hessian is that of the requested parameters'
    block (cross terms with other parameters are not probed).

    Parameters
    ----------
    n_probes : int, default 16
        Probes :math:`P` per batch.
    seed : int, default 0
    Other parameters as :func:`taylor`.

    References
    ----------
    .. [1] M. Hutchinson, Comm. Stat. Simul. Comput. 19 (1990).
    .. [2] C. Bekas, E. Kokiopoulou, Y. Saad, "An estimator for the diagonal of a matrix",
           Appl. Numer. Math. 57 (2007).
    """
    if not isinstance(n_probes, int) or isinstance(n_probes, bool) or n_probes < 1:
        raise ValueError(f"`n_probes` must be a positive integer, got {n_probes!r}")
    items, single = _resolve(model, param)
    ps = [p for _, p in items]
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    batches = _batches(data, n_batches, "obd")
    gen = torch.Generator().manual_seed(int(seed))
    dev = _device(model)
    acc = [torch.zeros_like(p) for p in ps]
    with _EvalMode(model):
        for x, y in batches:
            loss = loss_fn(model(x.to(dev)), y.to(dev))
            grads = torch.autograd.grad(loss, ps, create_graph=True)
            for _ in range(n_probes):
                zs = [
                    (torch.randint(0, 2, p.shape, generator=gen) * 2 - 1).to(p.dtype).to(p.device)
                    for p in ps
                ]
                hz = torch.autograd.grad(grads, ps, grad_outputs=zs, retain_graph=True)
                for a, z, h in zip(acc, zs, hz, strict=True):
                    a.add_(z * h.detach())
    n = len(batches) * n_probes
    return _out([a / n for a in acc], single)


def obd(
    model: nn.Module,
    param,
    data,
    *,
    n_batches: int = DEFAULT_N_BATCHES,
    n_probes: int = DEFAULT_N_PROBES,
    seed: int = 0,
    loss_fn: Callable | None = None,
):
    r"""Optimal-Brain-Damage saliency :math:`s_i = \tfrac12\,\theta_i^2\,\hat H_{ii}` (LeCun et al., 1990).

    The second-order loss change of removing weight :math:`i` at a minimum
    (gradient term dropped, off-diagonal Hessian ignored), with :math:`\hat H_{ii}`
    the Hutchinson estimate of :func:`hutchinson_diag_hessian`. The score is
    returned signed (a noisy :math:`\hat H_{ii}` can be negative); EMP and
    magnitude-style thresholds use :math:`|s_i|`.

    Parameters
    ----------
    model, param, data, n_batches, loss_fn
        As :func:`taylor`.
    n_probes, seed
        As :func:`hutchinson_diag_hessian`.

    References
    ----------
    .. [1] Y. LeCun, J. Denker, S. Solla, "Optimal brain damage", NeurIPS 1990.
    """
    items, single = _resolve(model, param)
    ps = [p for _, p in items]
    diag = hutchinson_diag_hessian(
        model, ps, data, n_batches=n_batches, n_probes=n_probes, seed=seed, loss_fn=loss_fn
    )
    return _out([0.5 * p.detach() ** 2 * h for p, h in zip(ps, diag, strict=True)], single)


def _owner(model: nn.Module, qualname: str):
    mod_name, _, pname = qualname.rpartition(".")
    return model.get_submodule(mod_name) if mod_name else model, pname


def wanda(model: nn.Module, param, data, *, n_batches: int = DEFAULT_N_BATCHES):
    r"""Wanda score :math:`s_{ij} = |W_{ij}|\,\|X_j\|_2` (Sun et al., 2023).

    :math:`X_j` is input feature :math:`j` of the layer over every calibration
    sample (the first `n_batches` batches of `data`): :math:`\|X_j\|_2 =
    (\sum_{\text{samples}} x_j^2)^{1/2}`, captured by a forward pre-hook on the
    layer. For ``nn.Linear`` (weight :math:`(d_{out}, d_{in})`) :math:`j` is the
    input coordinate. For ``nn.Conv2d`` (weight :math:`(C_{out}, C_{in}, k_h, k_w)`)
    the input is unfolded into patches with :func:`torch.nn.functional.unfold`
    (same kernel size, dilation, padding and stride), so :math:`j = (c, u, v)`
    runs over the :math:`C_{in} k_h k_w` patch entries and the norm is over all
    samples and spatial positions: the convolution is the matrix product of the
    reshaped weight with those patches, exactly the linear-layer case. Grouped
    convolutions and non-zero padding modes are rejected.

    Sun et al. compare scores within each output row; use the ``"row"`` scope for
    that, the ``"global"``/``"block"`` scopes pool them.

    Parameters
    ----------
    model : torch.nn.Module
    param : str, torch.nn.Parameter or list of them
        Weights of ``nn.Linear`` or ``nn.Conv2d`` layers.
    data : (x, y) batch or iterable of batches
        Calibration data (labels unused).
    n_batches : int, default 4

    References
    ----------
    .. [1] M. Sun, Z. Liu, A. Bair, J. Z. Kolter, "A simple and effective pruning approach
           for large language models", arXiv:2306.11695 (2023).
    """
    items, single = _resolve(model, param)
    batches = _batches(data, n_batches, "wanda")
    layers = []
    for qn, p in items:
        mod, pname = _owner(model, qn)
        if pname != "weight" or not isinstance(mod, nn.Linear | nn.Conv2d):
            raise ValueError(
                f"`param` {qn!r}: Wanda scores weights of nn.Linear or nn.Conv2d layers only"
            )
        if isinstance(mod, nn.Conv2d):
            if mod.groups != 1 or mod.padding_mode != "zeros" or isinstance(mod.padding, str):
                raise ValueError(
                    f"`param` {qn!r}: Wanda supports Conv2d with groups=1, zero padding given "
                    "as integers"
                )
        layers.append((mod, p))
    sums = {id(m): None for m, _ in layers}

    def hook(mod, inputs):
        x = inputs[0].detach()
        if isinstance(mod, nn.Conv2d):
            cols = F.unfold(
                x, mod.kernel_size, dilation=mod.dilation, padding=mod.padding, stride=mod.stride
            )  # (B, C*kh*kw, L)
            sq = (cols.double() ** 2).sum(dim=(0, 2))
        else:
            sq = (x.reshape(-1, x.shape[-1]).double() ** 2).sum(dim=0)
        prev = sums[id(mod)]
        sums[id(mod)] = sq if prev is None else prev + sq

    handles = [
        m.register_forward_pre_hook(hook) for m, _ in {id(m): (m, p) for m, p in layers}.values()
    ]
    dev = _device(model)
    try:
        with _EvalMode(model), torch.no_grad():
            for x, _y in batches:
                model(x.to(dev))
    finally:
        for h in handles:
            h.remove()
    out = []
    for mod, p in layers:
        sq = sums[id(mod)]
        if sq is None:
            raise ValueError("`data` never reached one of the requested layers in the forward pass")
        norm = sq.sqrt().to(p.dtype)
        w = p.detach().abs()
        out.append(w * norm.view(1, *w.shape[1:]))
    return _out(out, single)


#: Criterion name -> function ``(model, param, data=None, **options) -> scores``.
CRITERIA: dict[str, Callable] = {name: globals()[name] for name in _names.CRITERIA}


def compute_scores(model: nn.Module, criterion: str, params, data=None, **options):
    """Scores of `criterion` (a name in :data:`CRITERIA`) for the list `params`, as a list.

    One backward pass (or Hessian-vector product) serves all parameters.
    """
    if criterion not in CRITERIA:
        raise ValueError(f"`criterion` must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    out = CRITERIA[criterion](model, list(params), data, **options)
    return list(out)
