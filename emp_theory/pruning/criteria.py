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

The module is kept whole (about 500 lines, most of it docstrings): the five
criteria are one idea, share the parameter resolution, batch iteration and
eval-mode handling, and are read side by side against the table above.

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
from torch.nn.attention import SDPBackend, sdpa_kernel

from . import names as _names
from .calibration import EvalMode, batch_loss, forward, iter_batches, resolve_params
from .targets import is_hf_conv1d

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
# helpers (the batches, devices and eval mode: emp_theory.pruning.calibration)
# ---------------------------------------------------------------------------
def _out(scores, single):
    return scores[0] if single else scores


def _data_batches(data, n_batches, criterion, calibration, progress):
    return iter_batches(
        data, n_batches, criterion, generic=calibration is not None, progress=progress
    )


def gradient_average(
    model: nn.Module,
    params: Sequence[torch.Tensor],
    data,
    *,
    n_batches: int | None = DEFAULT_N_BATCHES,
    loss_fn: Callable | None = None,
    calibration: Callable | None = None,
    progress: bool | None = False,
    desc: str = "gradient",
) -> list[torch.Tensor]:
    r""":math:`\bar g = \frac1B\sum_{b=1}^{B}\nabla_\theta L_b(\theta)` over the first `n_batches` batches.

    :math:`L_b` is ``loss_fn(model(x_b), y_b)`` (default: mean cross-entropy), or
    ``calibration(model, batch_b)`` when a calibration function is given. Returns
    one tensor per parameter in `params` (detached). `desc` labels the progress bar.
    """
    acc = [torch.zeros_like(p) for p in params]
    n = 0
    with EvalMode(model):
        for b in _data_batches(data, n_batches, desc, calibration, progress):
            loss = batch_loss(model, b, loss_fn, calibration)
            grads = torch.autograd.grad(loss, list(params), allow_unused=True)
            for a, g in zip(acc, grads, strict=True):
                if g is not None:
                    a.add_(g.detach())
            n += 1
    return [a / n for a in acc]


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
    items, single = resolve_params(model, param)
    return _out([p.detach().abs() for _, p in items], single)


def taylor(
    model: nn.Module,
    param,
    data,
    *,
    n_batches: int | None = DEFAULT_N_BATCHES,
    loss_fn: Callable | None = None,
    calibration: Callable | None = None,
    progress: bool | None = False,
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
        A list, a :class:`torch.utils.data.DataLoader`, any iterable; ``x`` may be a
        tensor or a dict / list of tensors (moved to the model's device).
    n_batches : int or None, default 4
        Number of batches the gradient is averaged over (None: all of `data`).
    loss_fn : callable, optional
        ``loss_fn(model(x), y)``; default :func:`torch.nn.functional.cross_entropy` (mean).
    calibration : callable, optional
        ``calibration(model, batch) -> scalar loss`` for batches of any form (token
        dicts, models with keyword inputs): replaces ``loss_fn(model(x), y)``.
    progress : bool or None, default False
        A tqdm bar over the batches (None: only on a terminal).

    Returns
    -------
    torch.Tensor or list of torch.Tensor

    References
    ----------
    .. [1] P. Molchanov, S. Tyree, T. Karras, T. Aila, J. Kautz, "Pruning convolutional
           neural networks for resource efficient inference", ICLR 2017.
    """
    items, single = resolve_params(model, param)
    ps = [p for _, p in items]
    grads = gradient_average(
        model,
        ps,
        data,
        n_batches=n_batches,
        loss_fn=loss_fn,
        calibration=calibration,
        progress=progress,
        desc="taylor",
    )
    return _out([(p.detach() * g).abs() for p, g in zip(ps, grads, strict=True)], single)


def saliency(
    model: nn.Module,
    param,
    data,
    *,
    n_batches: int | None = DEFAULT_N_BATCHES,
    loss_fn: Callable | None = None,
    calibration: Callable | None = None,
    progress: bool | None = False,
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
    items, single = resolve_params(model, param)
    ps = [p for _, p in items]
    grads = gradient_average(
        model,
        ps,
        data,
        n_batches=n_batches,
        loss_fn=loss_fn,
        calibration=calibration,
        progress=progress,
        desc="saliency",
    )
    return _out([g.abs() for g in grads], single)


def hutchinson_diag_hessian(
    model: nn.Module,
    param,
    data,
    *,
    n_batches: int | None = DEFAULT_N_BATCHES,
    n_probes: int = DEFAULT_N_PROBES,
    seed: int = 0,
    loss_fn: Callable | None = None,
    calibration: Callable | None = None,
    progress: bool | None = False,
):
    r"""Hutchinson estimate of the Hessian diagonal, :math:`\hat H_{ii} = \frac{1}{BP}\sum_{b,p} z^{(p)}_i (H_b z^{(p)})_i`.

    :math:`z^{(p)}` are Rademacher vectors (entries :math:`\pm1` with probability
    1/2, drawn from ``torch.Generator().manual_seed(seed)``) over all requested
    parameters jointly, and :math:`H_b z` is a Hessian-vector product of the batch
    loss computed by double back-propagation (``torch.autograd.grad`` with
    ``create_graph=True``). :math:`\mathbb E[z_i (Hz)_i] = H_{ii}` and the variance of
    one term is :math:`\sum_{j\ne i} H_{ij}^2`, so the error shrinks like
    :math:`(BP)^{-1/2}`. The Hessian is that of the requested parameters'
    block (cross terms with other parameters are not probed). Scaled-dot-product
    attention runs on its math kernel here (the fused kernels have no double backward).

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
    items, single = resolve_params(model, param)
    ps = [p for _, p in items]
    gen = torch.Generator().manual_seed(int(seed))
    acc = [torch.zeros_like(p) for p in ps]
    n = 0
    # the fused scaled-dot-product attention kernels have no double backward: attention
    # models (BERT, GPT-2) run on the math kernel here, which is differentiable twice
    with EvalMode(model), sdpa_kernel(SDPBackend.MATH):
        for b in _data_batches(data, n_batches, "obd", calibration, progress):
            loss = batch_loss(model, b, loss_fn, calibration)
            grads = torch.autograd.grad(loss, ps, create_graph=True, allow_unused=True)
            used = [i for i, g in enumerate(grads) if g is not None and g.requires_grad]
            for _ in range(n_probes):
                zs = [
                    (torch.randint(0, 2, p.shape, generator=gen) * 2 - 1).to(p.dtype).to(p.device)
                    for p in ps
                ]
                if not used:  # the loss is linear in (or independent of) every parameter
                    continue
                hz = torch.autograd.grad(
                    [grads[i] for i in used],
                    [ps[i] for i in used],
                    grad_outputs=[zs[i] for i in used],
                    retain_graph=True,
                    allow_unused=True,
                )
                for i, h in zip(used, hz, strict=True):
                    if h is not None:
                        acc[i].add_(zs[i] * h.detach())
            n += 1
    n *= n_probes
    return _out([a / n for a in acc], single)


def obd(
    model: nn.Module,
    param,
    data,
    *,
    n_batches: int | None = DEFAULT_N_BATCHES,
    n_probes: int = DEFAULT_N_PROBES,
    seed: int = 0,
    loss_fn: Callable | None = None,
    calibration: Callable | None = None,
    progress: bool | None = False,
):
    r"""Optimal-Brain-Damage saliency :math:`s_i = \tfrac12\,\theta_i^2\,\hat H_{ii}` (LeCun et al., 1990).

    The second-order loss change of removing weight :math:`i` at a minimum
    (gradient term dropped, off-diagonal Hessian ignored), with :math:`\hat H_{ii}`
    the Hutchinson estimate of :func:`hutchinson_diag_hessian`. The score is
    returned signed (a noisy :math:`\hat H_{ii}` can be negative); EMP and
    magnitude-style thresholds use :math:`|s_i|`.

    Parameters
    ----------
    model, param, data, n_batches, loss_fn, calibration, progress
        As :func:`taylor`.
    n_probes, seed
        As :func:`hutchinson_diag_hessian`.

    References
    ----------
    .. [1] Y. LeCun, J. Denker, S. Solla, "Optimal brain damage", NeurIPS 1990.
    """
    items, single = resolve_params(model, param)
    ps = [p for _, p in items]
    diag = hutchinson_diag_hessian(
        model,
        ps,
        data,
        n_batches=n_batches,
        n_probes=n_probes,
        seed=seed,
        loss_fn=loss_fn,
        calibration=calibration,
        progress=progress,
    )
    return _out([0.5 * p.detach() ** 2 * h for p, h in zip(ps, diag, strict=True)], single)


def _owner(model: nn.Module, qualname: str):
    mod_name, _, pname = qualname.rpartition(".")
    if pname.endswith("_orig"):  # a pruned tensor (torch's reparametrization)
        pname = pname[: -len("_orig")]
    return model.get_submodule(mod_name) if mod_name else model, pname


def _wanda_layer(mod, qn):
    """Check that Wanda applies to `mod`; return its kind."""
    if is_hf_conv1d(mod):
        return "conv1d_hf"
    if isinstance(mod, nn.Linear):
        return "linear"
    if isinstance(mod, nn.Conv1d | nn.Conv2d):
        if mod.groups != 1 or mod.padding_mode != "zeros" or isinstance(mod.padding, str):
            raise ValueError(
                f"`param` {qn!r}: Wanda supports Conv1d/Conv2d with groups=1, zero padding "
                "given as integers"
            )
        return "conv"
    raise ValueError(
        f"`param` {qn!r}: Wanda scores weights of nn.Linear, nn.Conv1d, nn.Conv2d and GPT-2 "
        f"Conv1D layers only, not {type(mod).__name__}"
    )


def _input_sq(mod, kind, x):
    """Squared input norms :math:`\\sum x_j^2` per input feature j of one forward call."""
    if kind == "conv":
        ks, dil, pad, st = mod.kernel_size, mod.dilation, mod.padding, mod.stride
        if isinstance(mod, nn.Conv1d):  # as a Conv2d of height 1
            x = x.unsqueeze(-2)
            ks, dil, pad, st = (1, ks[0]), (1, dil[0]), (0, pad[0]), (1, st[0])
        cols = F.unfold(x, ks, dilation=dil, padding=pad, stride=st)  # (B, C*k, L)
        return (cols.double() ** 2).sum(dim=(0, 2))
    return (x.reshape(-1, x.shape[-1]).double() ** 2).sum(dim=0)


def wanda(
    model: nn.Module,
    param,
    data,
    *,
    n_batches: int | None = DEFAULT_N_BATCHES,
    calibration: Callable | None = None,
    progress: bool | None = False,
):
    r"""Wanda score :math:`s_{ij} = |W_{ij}|\,\|X_j\|_2` (Sun et al., 2023).

    :math:`X_j` is input feature :math:`j` of the layer over every calibration
    sample (the first `n_batches` batches of `data`): :math:`\|X_j\|_2 =
    (\sum_{\text{samples}} x_j^2)^{1/2}`, captured by a forward pre-hook on the
    layer. For ``nn.Linear`` (weight :math:`(d_{out}, d_{in})`) :math:`j` is the
    input coordinate; for a GPT-2 ``Conv1D`` (weight :math:`(d_{in}, d_{out})`,
    transposed) too, so the norm multiplies its rows. For ``nn.Conv2d`` (weight
    :math:`(C_{out}, C_{in}, k_h, k_w)`) the input is unfolded into patches with
    :func:`torch.nn.functional.unfold` (same kernel size, dilation, padding and
    stride), so :math:`j = (c, u, v)` runs over the :math:`C_{in} k_h k_w` patch
    entries and the norm is over all samples and spatial positions: the convolution
    is the matrix product of the reshaped weight with those patches, exactly the
    linear-layer case (``nn.Conv1d`` is unfolded as a Conv2d of height 1). Grouped
    convolutions, non-zero padding modes, ``Conv3d``, transposed convolutions and
    embeddings are rejected.

    Sun et al. compare scores within each output row; use the ``"row"`` scope for
    that, the ``"global"``/``"block"`` scopes pool them.

    Parameters
    ----------
    model : torch.nn.Module
    param : str, torch.nn.Parameter or list of them
        Weights of the layers above.
    data : (x, y) batch or iterable of batches
        Calibration data (labels unused).
    n_batches : int or None, default 4
    calibration : callable, optional
        ``calibration(model, batch)`` runs the forward pass for batches of any form
        (its return value is ignored).
    progress : bool or None, default False

    References
    ----------
    .. [1] M. Sun, Z. Liu, A. Bair, J. Z. Kolter, "A simple and effective pruning approach
           for large language models", arXiv:2306.11695 (2023).
    """
    items, single = resolve_params(model, param)
    layers = []
    for qn, p in items:
        mod, pname = _owner(model, qn)
        if pname != "weight":
            raise ValueError(f"`param` {qn!r}: Wanda scores layer weights only")
        layers.append((mod, _wanda_layer(mod, qn), p))
    sums = {id(m): None for m, _, _ in layers}
    kinds = {id(m): k for m, k, _ in layers}

    def hook(mod, inputs):
        sq = _input_sq(mod, kinds[id(mod)], inputs[0].detach())
        prev = sums[id(mod)]
        sums[id(mod)] = sq if prev is None else prev + sq

    unique = {id(m): m for m, _, _ in layers}.values()
    handles = [m.register_forward_pre_hook(hook) for m in unique]
    try:
        with EvalMode(model), torch.no_grad():
            for b in _data_batches(data, n_batches, "wanda", calibration, progress):
                forward(model, b, calibration)
    finally:
        for h in handles:
            h.remove()
    out = []
    for mod, kind, p in layers:
        sq = sums[id(mod)]
        if sq is None:
            raise ValueError("`data` never reached one of the requested layers in the forward pass")
        norm = sq.sqrt().to(p.dtype)
        w = p.detach().abs()
        if kind == "conv1d_hf":
            out.append(w * norm.view(-1, 1))
        else:
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
