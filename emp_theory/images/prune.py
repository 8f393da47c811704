r"""Featurewise EMP and its baselines on an image: :func:`emp_prune`, :func:`topk_prune`, :func:`random_prune`.

For each channel :math:`c` and each unit :math:`U` (the whole channel, or each patch of
:func:`~emp_theory.images.patches.patch_slices`) the engine forms the deviations
:math:`s = X_c[U] - m_U` (:math:`m_U` the unit's mean, ``center="local"``, or the channel
mean :math:`\mu_c`, ``center="channel"``), optionally maps them to DCT coefficients
(:mod:`emp_theory.images.dct`), selects with a row-wise rule of
:mod:`emp_theory.images.rows` (Algorithm 1, top-k or random) and writes
:math:`\hat X_c[U] = m_U + M \odot s` back. One idea — the engine and the three
selections that share it — in one module.

Symbols: ``beta`` is :math:`\beta`; ``patch`` the patch size :math:`p`; ``keep`` the number
of KEPT entries per channel (the paper's :math:`k`); a unit of ``n`` entries is one score
vector of length :math:`N = n`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 5.4, Figure 4, eq. (2) and Algorithm 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_int, as_positive_finite
from . import dct
from .inputs import CENTERS, DOMAINS, as_image, check_choice, check_keep, check_patch
from .patches import regions
from .rows import apportion, emp_rows, random_rows, topk_rows

__all__ = ["PrunedImage", "emp_prune", "random_prune", "topk_prune"]


@dataclass(frozen=True)
class PrunedImage:
    """A pruned image and what was pruned.

    Attributes
    ----------
    image : numpy.ndarray
        The pruned image, float64, same shape and units as the input (a uint8
        input gives values in ``[0, 255]``, not rounded).
    mask : numpy.ndarray
        Boolean array of the input's shape, ``True`` where the entry (pixel-
        channel value, or DCT coefficient for ``domain="dct"``) was kept.
    sparsity : float
        Fraction of pruned entries, ``1 - mask.sum() / mask.size``.
    kept : numpy.ndarray
        Number of kept entries per channel (int64, length ``C``; ``C = 1`` for a
        grayscale image).
    method : str
        ``"emp"``, ``"topk"`` or ``"random"``.
    patch : int or None
        Patch size, ``None`` for global.
    center : str
        ``"local"`` or ``"channel"`` (see :mod:`emp_theory.images`).
    domain : str
        ``"pixel"`` or ``"dct"``.
    beta : float or None
        EMP's :math:`\\beta` (``None`` for the baselines).
    """

    image: np.ndarray
    mask: np.ndarray
    sparsity: float
    kept: np.ndarray
    method: str
    patch: int | None
    center: str
    domain: str
    beta: float | None = None


def _prune(
    image,
    patch,
    center: str,
    domain: str,
    select,
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...], np.ndarray]:
    """Run ``select(scores_rows, region_index, row_channels) -> mask_rows`` on every block.

    Returns the pruned ``(C, H, W)`` image, the ``(C, H, W)`` mask, the original
    shape and the float64 ``(C, H, W)`` input.
    """
    X, shape = as_image(image)
    C, H, W = X.shape
    p = check_patch(patch, H, W)
    center = check_choice(center, "center", CENTERS)
    domain = check_choice(domain, "domain", DOMAINS)
    mu = X.mean(axis=(1, 2))
    out = np.empty_like(X)
    mask = np.empty(X.shape, dtype=bool)
    for g, reg in enumerate(regions(H, W, p)):
        blocks = reg.blocks(X)
        nb = reg.nh * reg.nw
        chan = np.repeat(np.arange(C), nb)
        if center == "local":
            ref = blocks.mean(axis=(1, 2))
        else:
            ref = mu[chan]
        dev = blocks - ref[:, None, None]
        scores = dct.forward(dev) if domain == "dct" else dev
        m = select(scores.reshape(len(blocks), -1), g, chan).reshape(blocks.shape)
        if domain == "dct":
            pruned = dct.inverse(scores, m)
            pruned += ref[:, None, None]
        else:
            pruned = np.where(m, blocks, ref[:, None, None])
        reg.put(out, pruned)
        reg.put(mask, m)
    return out, mask, shape, X


def _result(out, mask, shape, method, patch, center, domain, beta) -> PrunedImage:
    C = out.shape[0]
    kept = mask.reshape(C, -1).sum(axis=1).astype(np.int64)
    if len(shape) == 2:
        img, msk = out[0], mask[0]
    else:
        img, msk = np.moveaxis(out, 0, -1), np.moveaxis(mask, 0, -1)
    img = np.ascontiguousarray(img)
    msk = np.ascontiguousarray(msk)
    return PrunedImage(
        image=img,
        mask=msk,
        sparsity=1.0 - float(kept.sum()) / mask.size,
        kept=kept,
        method=method,
        patch=None if patch is None else int(patch),
        center=center,
        domain=domain,
        beta=beta,
    )


def emp_prune(image, beta: float = 1.0, patch=None, *, center="local", domain="pixel"):
    r"""Featurewise EMP on an image, per channel, globally or on ``p x p`` patches (Section 5.4).

    For every channel :math:`c` and every unit :math:`U` (the whole channel if
    ``patch`` is None, else each patch of :func:`~emp_theory.images.patches.patch_slices`), with
    :math:`m_U` the mean of the unit (``center="local"``) or the channel mean
    :math:`\mu_c` (``center="channel"``):

    .. math::

        s = X_c[U] - m_U, \qquad M = \mathrm{EMP}_\beta(s), \qquad
        \hat X_c[U] = m_U + M \odot s,

    where :math:`\mathrm{EMP}_\beta` keeps the
    :math:`k = \mathrm{clip}(\lfloor\beta\lfloor 1/\sum_i\omega_i^2\rfloor\rfloor, 1, |U|)`
    largest :math:`|s_i|`, :math:`\omega = |s|/\|s\|_1` (eq. 2, Algorithm 1).
    In global mode ``"local"`` and ``"channel"`` coincide: :math:`s = X_c - \mu_c`,
    the paper's score matrix. With ``domain="dct"`` the scores are
    :math:`S = \mathrm{DCT}(s)` (orthonormal 2-D DCT-II) and
    :math:`\hat X_c[U] = m_U + \mathrm{DCT}^{-1}(M\odot S)`.

    A unit whose scores are all zero is kept as is (mask all ``True``); edge
    patches of an image whose sides are not multiples of ``p`` are the smaller
    remainder blocks, each pruned with its own EMP (:mod:`emp_theory.images.patches`).

    Parameters
    ----------
    image : array_like
        ``(H, W)`` grayscale or ``(H, W, C)`` image, integer (e.g. uint8) or
        float, finite.
    beta : float, default 1.0
        EMP's coefficient :math:`\beta > 0` (Algorithm 1, line 3).
    patch : int or None, default None
        ``None`` for global EMP per channel, else the patch size
        ``1 <= p <= min(H, W)`` (``p = 1`` keeps everything: a single entry
        has :math:`N_{\mathrm{eff}} = 1`).
    center : {"local", "channel"}, default "local"
        The mean subtracted from the unit (see above).
    domain : {"pixel", "dct"}, default "pixel"
        Prune pixel deviations or their DCT coefficients.

    Returns
    -------
    PrunedImage
        The pruned image (float64, input units), the boolean mask of kept
        entries (input shape), the sparsity :math:`1 - \#\text{kept}/(HWC)`
        and the per-channel kept counts.

    Raises
    ------
    ValueError
        If `image` is not 2-D/3-D, empty or not finite; `beta` <= 0 or not
        finite; `patch` < 1 or larger than ``min(H, W)``; `center` or
        `domain` unknown.
    TypeError
        If `image` is boolean or not real-valued, or `patch` is not an integer.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606,
           Section 5.4, Figure 4, eq. (2) and Algorithm 1.

    Examples
    --------
    One bright pixel: mean 1, deviations 8 and eight times -1, so
    :math:`1/\sum\omega_i^2 = 16^2/(64 + 8) = 3.56` and 3 entries are kept — the
    8 and the first two -1 (ties: lowest index first); the rest become the mean.

    >>> r = emp_prune([[0, 0, 0], [0, 9, 0], [0, 0, 0]])
    >>> r.mask.astype(int).tolist()
    [[1, 1, 0], [0, 1, 0], [0, 0, 0]]
    >>> r.image.tolist()
    [[0.0, 0.0, 1.0], [1.0, 9.0, 1.0], [1.0, 1.0, 1.0]]
    """
    b = as_positive_finite(beta, "beta")

    def select(rows, _g, _chan):
        return emp_rows(rows, b)

    out, mask, shape, _ = _prune(image, patch, center, domain, select)
    return _result(out, mask, shape, "emp", patch, center, domain, b)


def topk_prune(image, keep, patch=None, *, center="local", domain="pixel"):
    r"""Keep a given number of largest-magnitude deviations per channel (equal-sparsity baseline).

    Global (``patch=None``): in each channel keep the ``keep[c]`` largest
    :math:`|s_i|` of :math:`s = X_c - \mu_c` (ties: lowest index first, as
    :func:`~emp_theory.effective.topk_mask`). Patchwise: ``keep[c]`` is split
    over the patches in proportion to their sizes (largest-remainder
    apportionment: patch :math:`j` of :math:`n_j` entries gets
    :math:`\lfloor k n_j/N\rfloor` or one more, the counts summing to
    :math:`k`) and each patch keeps its largest deviations from its own
    mean (``center``). So the count per patch is uniform, while EMP's varies
    with the patch; the kept total, hence the sparsity, is the same.

    Parameters
    ----------
    image : array_like
        ``(H, W)`` or ``(H, W, C)``, integer or float, finite.
    keep : int or sequence of int
        Entries kept per channel, each in ``[0, H*W]``; one value for all
        channels or one per channel (e.g. ``emp_prune(...).kept``).
    patch : int or None, default None
        As in :func:`emp_prune`.
    center, domain : str
        As in :func:`emp_prune`.

    Returns
    -------
    PrunedImage
        ``method="topk"``; ``kept`` equals `keep` per channel exactly.

    Raises
    ------
    ValueError, TypeError
        As :func:`emp_prune`, and if `keep` is out of range or has the wrong length.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.4
           (scores) and Algorithm 1, lines 4-7 (top-k selection).
    """
    X, _ = as_image(image)
    C, H, W = X.shape
    k = check_keep(keep, C, H * W)
    p = check_patch(patch, H, W)
    counts = _block_counts(k, H, W, p)

    def select(rows, g, _chan):
        return topk_rows(rows, counts[g])

    out, mask, shape, _ = _prune(image, patch, center, domain, select)
    return _result(out, mask, shape, "topk", patch, center, domain, None)


def random_prune(image, keep, patch=None, *, center="local", seed=0):
    r"""Keep a given number of entries per channel chosen uniformly at random (seeded baseline).

    Same counts as :func:`topk_prune` (per channel, apportioned over patches
    when `patch` is given); the kept entries are a uniformly random subset of
    each unit, drawn with ``numpy.random.default_rng(seed)``. Pruned entries
    are set to the unit's mean (``center``), as in :func:`emp_prune`.

    Parameters
    ----------
    image : array_like
        ``(H, W)`` or ``(H, W, C)``, integer or float, finite.
    keep : int or sequence of int
        Entries kept per channel, in ``[0, H*W]``.
    patch : int or None, default None
        As in :func:`emp_prune`.
    center : {"local", "channel"}, default "local"
        As in :func:`emp_prune`.
    seed : int, default 0
        Seed of the random generator.

    Returns
    -------
    PrunedImage
        ``method="random"``, pixel domain.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.4.
    """
    X, _ = as_image(image)
    C, H, W = X.shape
    k = check_keep(keep, C, H * W)
    p = check_patch(patch, H, W)
    s = as_int(seed, "seed")
    if s < 0:
        raise ValueError(f"`seed` must be >= 0, got {seed!r}")
    rng = np.random.default_rng(s)
    counts = _block_counts(k, H, W, p)

    def select(rows, g, _chan):
        return random_rows(rows.shape, counts[g], rng)

    out, mask, shape, _ = _prune(image, patch, center, "pixel", select)
    return _result(out, mask, shape, "random", patch, center, "pixel", None)


def _block_counts(k: np.ndarray, H: int, W: int, p: int | None) -> list[np.ndarray]:
    """Per-region arrays of per-block kept counts, in the order ``_prune`` visits blocks."""
    regs = regions(H, W, p)
    sizes = np.concatenate([np.full(r.nh * r.nw, r.ph * r.pw) for r in regs])
    per_chan = [apportion(int(kc), sizes) for kc in k]  # each (nblocks,)
    counts, start = [], 0
    for r in regs:
        nb = r.nh * r.nw
        counts.append(np.concatenate([pc[start : start + nb] for pc in per_chan]))
        start += nb
    return counts
