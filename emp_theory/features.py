r"""Featurewise EMP: pruning the pixels of an image (Section 5.4, Figure 4).

Section 5.4 of the paper applies Algorithm 1 to an image rather than to a
weight tensor. For each channel :math:`c` the score matrix is the deviation of
the pixel values from a mean,

.. math::

    s \triangleq X_c - \mu_c ,

EMP keeps the :math:`\nu = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}(s)\rfloor, 1, N)`
largest :math:`|s_i|` (Algorithm 1, with :math:`\omega = |s|/\|s\|_1`, eq. 2),
every other deviation is set to zero, and the mean is added back:

.. math::

    \hat X_c = \mu_c + M \odot (X_c - \mu_c), \qquad M = \mathrm{EMP}_\beta(s).

Two strategies (Figure 4): *global* — one EMP per channel over the whole
channel; *patchwise* — the channel is cut into non-overlapping :math:`p\times p`
patches and EMP runs independently inside each patch.

Which mean is subtracted (``center``)
    ``"local"`` (default) subtracts the mean of the unit EMP runs on: the
    channel mean :math:`\mu_c` in global mode (exactly the paper's definition)
    and the patch mean in patch mode. ``"channel"`` always subtracts the
    channel mean :math:`\mu_c`, which is the paper's text read literally ("we
    restored the mean by adding :math:`\mu_c` back to each channel"). Only
    ``"local"`` comes near the paper's patchwise numbers (sparsity 0.323,
    PSNR 38.3 dB); ``"channel"`` gives a sparsity near 0.1 and a lower PSNR than
    global EMP on every sample image we tried (see the book chapter
    "Pruning pixels").

Patches when the size is not divisible by ``p``
    Patches are taken from the top-left corner in steps of ``p``; the last row
    (column) of patches is the remainder of height ``H mod p`` (width
    ``W mod p``), so the edge patches are smaller ``p x r``, ``r x p`` or
    ``r x r'`` blocks, and every pixel belongs to exactly one patch
    (:func:`patch_slices`). Each edge patch is pruned with its own EMP over its
    own (fewer) entries.

All-zero scores
    Algorithm 1 is undefined when all scores are zero (:math:`\omega` divides by
    :math:`\|s\|_1 = 0`). A patch (or channel) whose scores are all zero — a
    flat patch with ``center="local"`` — is kept as is: every entry is marked
    kept in the mask, so it counts as *not* pruned in the sparsity, and the
    image there is unchanged (zeroing a zero deviation would change nothing).

Transform domain (``domain="dct"``)
    The scores are the orthonormal 2-D DCT-II coefficients
    (``scipy.fft.dctn`` with ``norm="ortho"``) of the deviations, over the
    whole channel or over each patch (block); EMP keeps coefficients, the
    inverse DCT (``scipy.fft.idctn``) maps back, and the mean is added. The
    mask then marks kept *coefficients* (coefficient ``(u, v)`` of the block
    whose top-left pixel is at the block's origin is stored at pixel
    ``origin + (u, v)``), and the sparsity is the fraction of pruned
    coefficients.

The selection is Algorithm 1 of :mod:`emp_theory.effective`: global mode calls
:func:`~emp_theory.effective.emp_mask` on each channel; patch mode computes
:math:`N_{\mathrm{eff}}` of all patches at once with NumPy, hands every patch
whose :math:`1/\sum\omega_i^2` lies within :math:`10^{-9}` (relative) of an
integer back to :func:`~emp_theory.effective.n_eff` (so the floor agrees with
the core, round-off guard included), maps :math:`N_{\mathrm{eff}}` to
:math:`\nu` with :func:`~emp_theory.effective.keep_count`, and keeps the
:math:`\nu` largest magnitudes with ties broken lowest index first, like
:func:`~emp_theory.effective.topk_mask`. The tests check this equals the core's
``emp_mask`` patch by patch.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning",
       arXiv:2509.25606, Section 5.4, Figure 4 and Algorithm 1.
.. [2] Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality
       assessment: from error visibility to structural similarity", IEEE
       Trans. Image Processing 13(4), 2004 (SSIM).
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass

import numpy as np
from scipy import fft as sfft

from . import paper as _paper
from ._validation import as_int, as_positive_finite
from .effective import emp_mask, keep_count, n_eff, topk_mask

__all__ = [
    "PAPER_FIGURE4",
    "ImageQuality",
    "MethodRow",
    "PrunedImage",
    "compare_methods",
    "emp_prune",
    "image_quality",
    "patch_slices",
    "random_prune",
    "topk_prune",
]

#: Rows longer than this go through the core one by one (global mode, large patches).
_BATCH_MAX = 4096
#: Relative distance to an integer under which N_eff is recomputed by the core.
_NEAR_INT = 1e-9

#: The paper's Figure 4 caption, from :mod:`emp_theory.paper`.
PAPER_FIGURE4 = _paper.FIGURE4

_CENTERS = ("local", "channel")
_DOMAINS = ("pixel", "dct")


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------
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
        ``"local"`` or ``"channel"`` (see the module docstring).
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


@dataclass(frozen=True)
class ImageQuality:
    """PSNR (dB) and SSIM of an image against a reference (:func:`image_quality`)."""

    psnr: float
    ssim: float
    data_range: float


@dataclass(frozen=True)
class MethodRow:
    """One row of :func:`compare_methods`."""

    key: str
    label: str
    group: str
    sparsity: float
    psnr: float
    ssim: float
    result: PrunedImage


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------
def _as_image(image, name: str = "image") -> tuple[np.ndarray, tuple[int, ...]]:
    """Return the image as float64 ``(C, H, W)`` and its original shape."""
    if image is None or isinstance(image, str | bytes | dict):
        raise TypeError(f"`{name}` must be an array, got {type(image).__name__}")
    try:
        arr = np.asarray(image)
    except (TypeError, ValueError) as exc:  # ragged nested sequences
        raise TypeError(f"`{name}` must be an array of real numbers: {exc}") from None
    if arr.dtype == bool:
        raise TypeError(f"`{name}` must hold numbers, got a boolean array")
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must be a real-valued array, got dtype {arr.dtype}")
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"`{name}` must have shape (H, W) or (H, W, C), got {arr.ndim} dimensions {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"`{name}` must not be empty, got shape {arr.shape}")
    x = arr.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"`{name}` must be finite (found NaN or inf)")
    chw = x[None] if x.ndim == 2 else np.moveaxis(x, -1, 0)
    return np.ascontiguousarray(chw), arr.shape


def _check_patch(patch, H: int, W: int, name: str = "patch") -> int | None:
    if patch is None:
        return None
    p = as_int(patch, name)
    if p < 1:
        raise ValueError(f"`{name}` must be an integer >= 1, got {patch!r}")
    if p > min(H, W):
        raise ValueError(
            f"`{name}` = {p} is larger than the image (H, W) = ({H}, {W}); "
            f"use patch=None for one patch per channel"
        )
    return p


def _check_choice(value, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {choices}, got {value!r}")
    return value


def _check_keep(keep, C: int, N: int) -> np.ndarray:
    if isinstance(keep, numbers.Number) and not isinstance(keep, bool | np.bool_):
        k = as_int(keep, "keep")
        out = np.full(C, k, dtype=np.int64)
    else:
        arr = np.asarray(keep)
        if arr.dtype == bool or arr.dtype.kind not in "iuf":
            raise TypeError(f"`keep` must be an integer or integers, got {keep!r}")
        if arr.shape != (C,):
            raise ValueError(f"`keep` must be an integer or {C} integers (one per channel)")
        if arr.dtype.kind == "f" and (not np.all(np.isfinite(arr)) or np.any(arr != np.floor(arr))):
            raise ValueError(f"`keep` must be integer-valued, got {keep!r}")
        out = arr.astype(np.int64)
    if np.any(out < 0) or np.any(out > N):
        raise ValueError(f"`keep` must lie in [0, H*W] = [0, {N}], got {keep!r}")
    return out


# ---------------------------------------------------------------------------
# Patches
# ---------------------------------------------------------------------------
def patch_slices(shape, patch: int) -> list[tuple[slice, slice]]:
    """Non-overlapping patches covering an image, remainder patches at the edges.

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)`` or ``(H, W, C)`` (only ``H`` and ``W`` are used).
    patch : int
        Patch size ``p``, ``1 <= p <= min(H, W)``.

    Returns
    -------
    list of (slice, slice)
        Row and column slices, row-major. Rows ``[i p, \\min((i+1)p, H))`` for
        ``i = 0, ..., \\lceil H/p \\rceil - 1`` and likewise for columns, so the
        last patches of a row/column are ``H mod p`` (``W mod p``) wide when
        ``p`` does not divide the size, and every pixel is in exactly one patch.

    Raises
    ------
    ValueError
        If `shape` is not ``(H, W[, C])`` with ``H, W >= 1``, or `patch` is not an
        integer in ``[1, min(H, W)]``.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.4
           ("non-overlapping 4x4 patches"); the remainder rule is ours.

    Examples
    --------
    >>> [(r.start, r.stop, c.start, c.stop) for r, c in patch_slices((5, 3), 2)]
    [(0, 2, 0, 2), (0, 2, 2, 3), (2, 4, 0, 2), (2, 4, 2, 3), (4, 5, 0, 2), (4, 5, 2, 3)]
    """
    if not isinstance(shape, tuple | list) or len(shape) not in (2, 3):
        raise ValueError(f"`shape` must be (H, W) or (H, W, C), got {shape!r}")
    H = as_int(shape[0], "shape")
    W = as_int(shape[1], "shape")
    if H < 1 or W < 1:
        raise ValueError(f"`shape` must have H, W >= 1, got {shape!r}")
    p = _check_patch(patch, H, W)
    if p is None:
        raise ValueError("`patch` must be an integer, got None")
    return [
        (slice(i, min(i + p, H)), slice(j, min(j + p, W)))
        for i in range(0, H, p)
        for j in range(0, W, p)
    ]


@dataclass(frozen=True)
class _Region:
    """A rectangle of the image tiled by equal ``ph x pw`` blocks."""

    r0: int
    r1: int
    c0: int
    c1: int
    ph: int
    pw: int

    @property
    def nh(self) -> int:
        return (self.r1 - self.r0) // self.ph

    @property
    def nw(self) -> int:
        return (self.c1 - self.c0) // self.pw

    def blocks(self, A: np.ndarray) -> np.ndarray:
        """``(C, H, W)`` -> ``(C * nh * nw, ph, pw)``, channel-major then row-major."""
        C = A.shape[0]
        sub = A[:, self.r0 : self.r1, self.c0 : self.c1]
        b = sub.reshape(C, self.nh, self.ph, self.nw, self.pw).transpose(0, 1, 3, 2, 4)
        return b.reshape(C * self.nh * self.nw, self.ph, self.pw)

    def put(self, out: np.ndarray, blocks: np.ndarray) -> None:
        C = out.shape[0]
        b = blocks.reshape(C, self.nh, self.nw, self.ph, self.pw).transpose(0, 1, 3, 2, 4)
        out[:, self.r0 : self.r1, self.c0 : self.c1] = b.reshape(
            C, self.nh * self.ph, self.nw * self.pw
        )


def _regions(H: int, W: int, patch: int | None) -> list[_Region]:
    if patch is None:
        return [_Region(0, H, 0, W, H, W)]
    p = patch
    Hf, Wf = (H // p) * p, (W // p) * p
    rows = [(0, Hf, p)] + ([(Hf, H, H - Hf)] if H > Hf else [])
    cols = [(0, Wf, p)] + ([(Wf, W, W - Wf)] if W > Wf else [])
    return [_Region(r0, r1, c0, c1, ph, pw) for r0, r1, ph in rows for c0, c1, pw in cols]


# ---------------------------------------------------------------------------
# Row-wise selections (one row = one patch of one channel)
# ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def _nu_table(beta: float, P: int) -> np.ndarray:
    """``nu[n]`` for ``n = 1..P`` from the core's :func:`~emp_theory.effective.keep_count` (index 0 unused)."""
    table = np.zeros(P + 1, dtype=np.int64)
    table[1:] = [keep_count(beta=beta, n_eff=n, N=P) for n in range(1, P + 1)]
    return table


def _ranks_desc(a: np.ndarray) -> np.ndarray:
    """Per-row rank of each entry in decreasing order, ties by lowest index (0-based)."""
    order = np.argsort(-a, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(a.shape[1]), a.shape), axis=1)
    return ranks


def _n_eff_rows(rows: np.ndarray) -> np.ndarray:
    r""":math:`N_{\mathrm{eff}}` of each non-zero row, equal to the core's :func:`n_eff`.

    Computes :math:`r = (\sum a)^2/\sum a^2` with :math:`a = |s|/\max|s|` per row;
    where ``r`` is within ``_NEAR_INT`` (relative) of an integer the floor could
    depend on round-off, and the core's :func:`n_eff` decides that row.
    """
    a = np.abs(rows)
    m = a.max(axis=1, keepdims=True)
    a = a / m
    l1 = a.sum(axis=1)
    l2 = np.einsum("ij,ij->i", a, a)
    r = l1 * l1 / l2
    f = np.floor(r)
    near = np.minimum(r - f, f + 1.0 - r) <= _NEAR_INT * np.maximum(r, 1.0)
    out = f.astype(np.int64)
    for i in np.flatnonzero(near):
        out[i] = n_eff(rows[i])
    return np.clip(out, 1, rows.shape[1])


def _emp_rows(rows: np.ndarray, beta: float) -> np.ndarray:
    """EMP mask (Algorithm 1) of each row of ``rows`` (n, P); all-zero rows kept whole."""
    n, P = rows.shape
    mask = np.ones((n, P), dtype=bool)
    nz = np.flatnonzero(np.any(rows != 0, axis=1))
    if nz.size == 0:
        return mask
    if P > _BATCH_MAX:
        for i in nz:
            mask[i] = emp_mask(rows[i], beta)
        return mask
    sub = rows[nz]
    nu = _nu_table(beta, P)[_n_eff_rows(sub)]
    mask[nz] = _ranks_desc(np.abs(sub)) < nu[:, None]
    return mask


def _topk_rows(rows: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Keep the ``k[i]`` largest ``|rows[i]|`` (ties: lowest index first), like ``topk_mask``."""
    n, P = rows.shape
    if P > _BATCH_MAX:
        mask = np.zeros((n, P), dtype=bool)
        for i in range(n):
            if k[i] == 0:
                continue
            if np.any(rows[i] != 0):
                mask[i] = topk_mask(rows[i], int(k[i]))
            else:  # all ties: the lowest indices, as topk_mask breaks ties
                mask[i, : k[i]] = True
        return mask
    return _ranks_desc(np.abs(rows)) < k[:, None]


def _random_rows(shape: tuple[int, int], k: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Keep ``k[i]`` entries of row ``i`` chosen uniformly at random without replacement."""
    keys = rng.random(shape)
    return _ranks_desc(keys) < k[:, None]


def _apportion(total: int, sizes: np.ndarray) -> np.ndarray:
    """Split ``total`` over blocks in proportion to ``sizes`` (largest remainder, exact ints).

    Block ``i`` gets ``floor(total * n_i / N)`` plus one for the ``total - sum(floors)``
    largest remainders (ties: lowest index first), so the counts sum to ``total``
    and each differs from its quota ``total * n_i / N`` by less than 1.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    N = int(sizes.sum())
    prod = total * sizes
    base = prod // N
    rem = prod % N
    extra = total - int(base.sum())
    if extra:
        base[np.argsort(-rem, kind="stable")[:extra]] += 1
    return base


# ---------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------
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
    X, shape = _as_image(image)
    C, H, W = X.shape
    p = _check_patch(patch, H, W)
    center = _check_choice(center, "center", _CENTERS)
    domain = _check_choice(domain, "domain", _DOMAINS)
    mu = X.mean(axis=(1, 2))
    out = np.empty_like(X)
    mask = np.empty(X.shape, dtype=bool)
    for g, reg in enumerate(_regions(H, W, p)):
        blocks = reg.blocks(X)
        nb = reg.nh * reg.nw
        chan = np.repeat(np.arange(C), nb)
        if center == "local":
            ref = blocks.mean(axis=(1, 2))
        else:
            ref = mu[chan]
        dev = blocks - ref[:, None, None]
        if domain == "dct":
            scores = sfft.dctn(dev, axes=(1, 2), norm="ortho")
        else:
            scores = dev
        m = select(scores.reshape(len(blocks), -1), g, chan).reshape(blocks.shape)
        if domain == "dct":
            pruned = sfft.idctn(np.where(m, scores, 0.0), axes=(1, 2), norm="ortho")
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


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
def emp_prune(image, beta: float = 1.0, patch=None, *, center="local", domain="pixel"):
    r"""Featurewise EMP on an image, per channel, globally or on ``p x p`` patches (Section 5.4).

    For every channel :math:`c` and every unit :math:`U` (the whole channel if
    ``patch`` is None, else each patch of :func:`patch_slices`), with
    :math:`m_U` the mean of the unit (``center="local"``) or the channel mean
    :math:`\mu_c` (``center="channel"``):

    .. math::

        s = X_c[U] - m_U, \qquad M = \mathrm{EMP}_\beta(s), \qquad
        \hat X_c[U] = m_U + M \odot s,

    where :math:`\mathrm{EMP}_\beta` keeps the
    :math:`\nu = \mathrm{clip}(\lfloor\beta\lfloor 1/\sum_i\omega_i^2\rfloor\rfloor, 1, |U|)`
    largest :math:`|s_i|`, :math:`\omega = |s|/\|s\|_1` (eq. 2, Algorithm 1).
    In global mode ``"local"`` and ``"channel"`` coincide: :math:`s = X_c - \mu_c`,
    the paper's score matrix. With ``domain="dct"`` the scores are
    :math:`S = \mathrm{DCT}(s)` (orthonormal 2-D DCT-II) and
    :math:`\hat X_c[U] = m_U + \mathrm{DCT}^{-1}(M\odot S)`.

    A unit whose scores are all zero is kept as is (mask all ``True``); edge
    patches of an image whose sides are not multiples of ``p`` are the smaller
    remainder blocks, each pruned with its own EMP (module docstring).

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
        return _emp_rows(rows, b)

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
    X, _ = _as_image(image)
    C, H, W = X.shape
    k = _check_keep(keep, C, H * W)
    p = _check_patch(patch, H, W)
    counts = _block_counts(k, H, W, p)

    def select(rows, g, _chan):
        return _topk_rows(rows, counts[g])

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
    X, _ = _as_image(image)
    C, H, W = X.shape
    k = _check_keep(keep, C, H * W)
    p = _check_patch(patch, H, W)
    s = as_int(seed, "seed")
    if s < 0:
        raise ValueError(f"`seed` must be >= 0, got {seed!r}")
    rng = np.random.default_rng(s)
    counts = _block_counts(k, H, W, p)

    def select(rows, g, _chan):
        return _random_rows(rows.shape, counts[g], rng)

    out, mask, shape, _ = _prune(image, patch, center, "pixel", select)
    return _result(out, mask, shape, "random", patch, center, "pixel", None)


def _block_counts(k: np.ndarray, H: int, W: int, p: int | None) -> list[np.ndarray]:
    """Per-region arrays of per-block kept counts, in the order ``_prune`` visits blocks."""
    regs = _regions(H, W, p)
    sizes = np.concatenate([np.full(r.nh * r.nw, r.ph * r.pw) for r in regs])
    per_chan = [_apportion(int(kc), sizes) for kc in k]  # each (nblocks,)
    counts, start = [], 0
    for r in regs:
        nb = r.nh * r.nw
        counts.append(np.concatenate([pc[start : start + nb] for pc in per_chan]))
        start += nb
    return counts


def image_quality(reference, image, data_range=None) -> ImageQuality:
    r"""PSNR and SSIM of `image` against `reference`, by ``skimage.metrics``.

    .. math::

        \mathrm{PSNR} = 10\log_{10}\frac{R^2}{\mathrm{MSE}}, \qquad
        \mathrm{SSIM} = \operatorname{mean}_{\text{windows}}
        \frac{(2\mu_x\mu_y + C_1)(2\sigma_{xy} + C_2)}
             {(\mu_x^2+\mu_y^2+C_1)(\sigma_x^2+\sigma_y^2+C_2)},

    with :math:`R` = `data_range`, :math:`C_1 = (0.01R)^2`,
    :math:`C_2 = (0.03R)^2`, 7x7 uniform windows and sample (co)variances,
    averaged over channels for a color image — the defaults of
    ``skimage.metrics.peak_signal_noise_ratio`` and
    ``skimage.metrics.structural_similarity`` (``channel_axis=-1``), which
    compute both numbers; both images are compared as float64 (a pruned image
    is not rounded back to integers). Identical images give
    ``psnr = inf`` and ``ssim = 1``.

    Parameters
    ----------
    reference : array_like
        ``(H, W)`` or ``(H, W, C)`` image, ``min(H, W) >= 7``.
    image : array_like
        Same shape as `reference`.
    data_range : float, optional
        :math:`R`, the range of possible pixel values. Defaults to the dtype's
        range for an integer `reference` (255 for uint8); required for float
        images.

    Returns
    -------
    ImageQuality
        ``psnr`` (dB), ``ssim`` and the ``data_range`` used.

    References
    ----------
    .. [1] Z. Wang et al., "Image quality assessment: from error visibility to
           structural similarity", IEEE TIP 13(4), 2004.
    .. [2] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.4.
    """
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    ref_raw = np.asarray(reference)
    ref, shape = _as_image(reference, "reference")
    img, shape2 = _as_image(image, "image")
    if shape2 != shape:
        raise ValueError(f"`image` must have the shape of `reference` {shape}, got {shape2}")
    if min(shape[0], shape[1]) < 7:
        raise ValueError(f"`reference` must be at least 7x7 for SSIM's window, got {shape}")
    if data_range is None:
        if ref_raw.dtype.kind in "iu":
            info = np.iinfo(ref_raw.dtype)
            dr = float(info.max) - float(info.min)
        else:
            raise ValueError("`data_range` is required for a float `reference` (e.g. 1.0 or 255.0)")
    else:
        dr = as_positive_finite(data_range, "data_range")
    a = np.moveaxis(ref, 0, -1)
    b = np.moveaxis(img, 0, -1)
    with np.errstate(divide="ignore"):
        psnr = float(peak_signal_noise_ratio(a, b, data_range=dr))
    ssim = float(structural_similarity(a, b, data_range=dr, channel_axis=-1))
    return ImageQuality(psnr=psnr, ssim=ssim, data_range=dr)


def compare_methods(
    image, beta: float = 1.0, patch: int = 4, block: int = 8, *, seed: int = 0, data_range=None
) -> list[MethodRow]:
    """EMP global / patchwise, the equal-sparsity baselines and EMP on DCT coefficients.

    Rows (``key``: what it is):

    * ``emp_global`` — :func:`emp_prune` per channel (Figure 4, middle).
    * ``emp_patch`` — :func:`emp_prune` on ``patch x patch`` patches, local mean
      (Figure 4, right, as reproduced).
    * ``emp_patch_channel`` — the same with the channel mean (paper's text read literally).
    * at the sparsity of ``emp_patch`` (same kept count per channel):
      ``topk_global`` (largest deviations over the whole channel: patch locality
      removed), ``topk_patch`` (uniform count per patch, local mean: EMP's
      adaptive count removed), ``random_patch`` (random entries per patch, local
      mean), ``random_global`` (random entries, channel mean).
    * at the sparsity of ``emp_global``: ``topk_patch_at_global`` and
      ``random_global_at_global``.
    * ``dct_emp_global`` / ``dct_emp_block`` — EMP on the DCT coefficients of
      the whole channel / of ``block x block`` blocks; ``dct_topk_at_global``
      — the largest DCT coefficients at ``emp_global``'s count.

    Parameters
    ----------
    image : array_like
        ``(H, W)`` or ``(H, W, C)``.
    beta : float, default 1.0
        EMP's coefficient.
    patch : int, default 4
        Patch size of the patchwise rows.
    block : int, default 8
        DCT block size.
    seed : int, default 0
        Seed of the random baselines.
    data_range : float, optional
        Passed to :func:`image_quality`.

    Returns
    -------
    list of MethodRow
        ``key``, ``label``, ``group``, ``sparsity``, ``psnr``, ``ssim`` and the
        :class:`PrunedImage`.

    Raises
    ------
    ValueError, TypeError
        As :func:`emp_prune` and :func:`image_quality`; `block` is validated like `patch`.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.4
           and Figure 4 (the two EMP rows); the baselines and the DCT rows are ours.
    """
    b = as_positive_finite(beta, "beta")
    X, _ = _as_image(image)
    _check_patch(patch, X.shape[1], X.shape[2])
    _check_patch(block, X.shape[1], X.shape[2], "block")
    image_quality(image, image, data_range)  # validates data_range / size early
    g = emp_prune(image, b)
    pt = emp_prune(image, b, patch)
    specs = [
        ("emp_global", "EMP global", "EMP", g),
        ("emp_patch", f"EMP {patch}x{patch} patches (patch mean)", "EMP", pt),
        (
            "emp_patch_channel",
            f"EMP {patch}x{patch} patches (channel mean)",
            "EMP",
            emp_prune(image, b, patch, center="channel"),
        ),
        (
            "topk_global",
            "top-k global",
            "at EMP-patch sparsity",
            topk_prune(image, pt.kept),
        ),
        (
            "topk_patch",
            f"top-k uniform per {patch}x{patch} patch",
            "at EMP-patch sparsity",
            topk_prune(image, pt.kept, patch),
        ),
        (
            "random_patch",
            f"random per {patch}x{patch} patch (patch mean)",
            "at EMP-patch sparsity",
            random_prune(image, pt.kept, patch, seed=seed),
        ),
        (
            "random_global",
            "random global",
            "at EMP-patch sparsity",
            random_prune(image, pt.kept, seed=seed),
        ),
        (
            "topk_patch_at_global",
            f"top-k uniform per {patch}x{patch} patch",
            "at EMP-global sparsity",
            topk_prune(image, g.kept, patch),
        ),
        (
            "random_global_at_global",
            "random global",
            "at EMP-global sparsity",
            random_prune(image, g.kept, seed=seed),
        ),
        ("dct_emp_global", "EMP on DCT, global", "DCT", emp_prune(image, b, domain="dct")),
        (
            "dct_emp_block",
            f"EMP on DCT, {block}x{block} blocks",
            "DCT",
            emp_prune(image, b, block, domain="dct"),
        ),
        (
            "dct_topk_at_global",
            "top-k DCT global at EMP-global count",
            "DCT",
            topk_prune(image, g.kept, domain="dct"),
        ),
    ]
    rows = []
    for key, label, group, res in specs:
        q = image_quality(image, res.image, data_range)
        rows.append(MethodRow(key, label, group, res.sparsity, q.psnr, q.ssim, res))
    return rows
