r"""Patches: how an image is cut into non-overlapping :math:`p \times p` units (Section 5.4).

Patches are taken from the top-left corner in steps of ``p``; the last row (column) of
patches is the remainder of height ``H mod p`` (width ``W mod p``), so the edge patches
are smaller ``p x r``, ``r x p`` or ``r x r'`` blocks, and every pixel belongs to exactly
one patch (:func:`patch_slices`). The pruning engine does not loop over patches: it cuts
the image into at most four :class:`Region` s — the full-patch interior and the edge
strips — each tiled by equal blocks, and reshapes every region into a stack of blocks at
once (:meth:`Region.blocks`, :meth:`Region.put`).

Symbols: ``H, W`` height and width, ``C`` channels, ``patch``/``p`` the patch size; a
block holds ``ph * pw`` entries (the length :math:`N` of one EMP's score vector).

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 5.4 ("non-overlapping 4x4 patches"); the remainder rule is ours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_int
from .inputs import check_patch

__all__ = ["Region", "patch_slices", "regions"]


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
    p = check_patch(patch, H, W)
    if p is None:
        raise ValueError("`patch` must be an integer, got None")
    return [
        (slice(i, min(i + p, H)), slice(j, min(j + p, W)))
        for i in range(0, H, p)
        for j in range(0, W, p)
    ]


@dataclass(frozen=True)
class Region:
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
        """Inverse of :meth:`blocks`: write ``(C * nh * nw, ph, pw)`` back into ``out[:, region]``."""
        C = out.shape[0]
        b = blocks.reshape(C, self.nh, self.nw, self.ph, self.pw).transpose(0, 1, 3, 2, 4)
        out[:, self.r0 : self.r1, self.c0 : self.c1] = b.reshape(
            C, self.nh * self.ph, self.nw * self.pw
        )


def regions(H: int, W: int, patch: int | None) -> list[Region]:
    """The rectangles tiled by equal blocks that cover an ``H x W`` image with ``patch`` patches.

    One region (the whole image, one block) for ``patch=None``; else the full-patch
    interior and, where ``p`` does not divide ``H`` or ``W``, the edge strips and corner.
    Visiting the regions in order and each region's blocks row-major visits every patch of
    :func:`patch_slices` exactly once.

    >>> [(r.r0, r.r1, r.c0, r.c1, r.ph, r.pw) for r in regions(5, 3, 2)]
    [(0, 4, 0, 2, 2, 2), (0, 4, 2, 3, 2, 1), (4, 5, 0, 2, 1, 2), (4, 5, 2, 3, 1, 1)]
    """
    if patch is None:
        return [Region(0, H, 0, W, H, W)]
    p = patch
    Hf, Wf = (H // p) * p, (W // p) * p
    rows = [(0, Hf, p)] + ([(Hf, H, H - Hf)] if H > Hf else [])
    cols = [(0, Wf, p)] + ([(Wf, W, W - Wf)] if W > Wf else [])
    return [Region(r0, r1, c0, c1, ph, pw) for r0, r1, ph in rows for c0, c1, pw in cols]
