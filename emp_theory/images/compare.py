r"""The comparison of Section 5.4 / Figure 4: EMP global and patchwise, equal-sparsity baselines, DCT.

One idea, :func:`compare_methods`: every row prunes the same image one way and is scored
with :func:`~emp_theory.images.metrics.image_quality`. :data:`PAPER_FIGURE4` holds the
paper's Figure 4 numbers (from :mod:`emp_theory.paper`) to put next to the rows.

Symbols: ``beta`` is :math:`\beta`; ``patch`` the patch size :math:`p` of the patchwise
rows, ``block`` the DCT block size; the baselines keep the same number of entries per
channel (the paper's :math:`k`) as the EMP row they are compared with.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 5.4 and Figure 4 (the two EMP rows); the baselines and the DCT rows are ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import paper as _paper
from .._validation import as_positive_finite
from .inputs import as_image, check_patch
from .metrics import image_quality
from .prune import PrunedImage, emp_prune, random_prune, topk_prune

__all__ = ["PAPER_FIGURE4", "MethodRow", "compare_methods"]

#: The paper's Figure 4 caption, from :mod:`emp_theory.paper`.
PAPER_FIGURE4 = _paper.FIGURE4


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


def compare_methods(
    image, beta: float = 1.0, patch: int = 4, block: int = 8, *, seed: int = 0, data_range=None
) -> list[MethodRow]:
    """EMP global / patchwise, the equal-sparsity baselines and EMP on DCT coefficients.

    Rows (``key``: what it is):

    * ``emp_global`` — :func:`~emp_theory.images.prune.emp_prune` per channel (Figure 4, middle).
    * ``emp_patch`` — :func:`.emp_prune` on ``patch x patch`` patches, local mean
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
        Passed to :func:`~emp_theory.images.metrics.image_quality`.

    Returns
    -------
    list of MethodRow
        ``key``, ``label``, ``group``, ``sparsity``, ``psnr``, ``ssim`` and the
        :class:`~emp_theory.images.prune.PrunedImage`.

    Raises
    ------
    ValueError, TypeError
        As :func:`.emp_prune` and :func:`.image_quality`; `block` is validated like `patch`.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 5.4
           and Figure 4 (the two EMP rows); the baselines and the DCT rows are ours.
    """
    b = as_positive_finite(beta, "beta")
    X, _ = as_image(image)
    check_patch(patch, X.shape[1], X.shape[2])
    check_patch(block, X.shape[1], X.shape[2], "block")
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
