r"""Featurewise EMP: pruning the pixels of an image (Section 5.4, Figure 4); was ``emp_theory.features``.

Section 5.4 of the paper applies Algorithm 1 to an image rather than to a
weight tensor. For each channel :math:`c` the score matrix is the deviation of
the pixel values from a mean,

.. math::

    s \triangleq X_c - \mu_c ,

EMP keeps the :math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}(s)\rfloor, 1, N)`
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
    (:func:`~emp_theory.images.patches.patch_slices`). Each edge patch is pruned with its own EMP over its
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
:func:`~emp_theory.effective.emp_mask` on each channel; patch mode computes the sums
behind :math:`N_{\mathrm{eff}}` of all patches at once with NumPy, exactly as the core
does, and leaves the decision :math:`N_{\mathrm{eff}} = \lfloor 1/\sum\omega_i^2\rfloor`
to the core's one rule (:func:`!emp_theory._kernels.n_eff_from_stats`, round-off guard
included) — this package has no near-integer logic of its own. :math:`N_{\mathrm{eff}}`
becomes the kept count :math:`k` by :func:`~emp_theory.effective.keep_count`, and the
:math:`k` largest magnitudes are kept with ties broken lowest index first, like
:func:`~emp_theory.effective.topk_mask`. The tests check this equals the core's
``emp_mask`` patch by patch.

Layout (a package, because the image code is seven ideas, not one):

==================================  ================================================
:mod:`~emp_theory.images.inputs`    validation of image, patch size, choices, counts
:mod:`~emp_theory.images.patches`   the patch grid, remainder patches at the edges
:mod:`~emp_theory.images.dct`       the transform domain (orthonormal 2-D DCT-II)
:mod:`~emp_theory.images.rows`      per-patch selections: EMP via the core, top-k, random
:mod:`~emp_theory.images.prune`     the engine, :func:`.emp_prune`, the baselines
:mod:`~emp_theory.images.metrics`   PSNR / SSIM (:func:`.image_quality`, scikit-image)
:mod:`~emp_theory.images.compare`   Figure 4's comparison (:func:`.compare_methods`)
==================================  ================================================

The sample images of the book are scikit-image's bundled ``skimage.data`` photographs,
loaded by the book itself; no sample data lives here.

Symbols: ``beta`` is :math:`\beta`; ``patch`` the patch size :math:`p`; ``keep`` / ``k``
the number of KEPT entries (Algorithm 1, line 3); a unit of ``n`` entries is one score
vector of length :math:`N = n` with effective number :math:`N_{\mathrm{eff}}`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning",
       arXiv:2509.25606, Section 5.4, Figure 4 and Algorithm 1.
.. [2] Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality
       assessment: from error visibility to structural similarity", IEEE
       Trans. Image Processing 13(4), 2004 (SSIM).
"""

from .compare import PAPER_FIGURE4, MethodRow, compare_methods
from .metrics import ImageQuality, image_quality
from .patches import patch_slices
from .prune import PrunedImage, emp_prune, random_prune, topk_prune

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
