r"""Image quality: PSNR and SSIM of a pruned image against the original, by scikit-image.

One idea, :func:`image_quality`; scikit-image (the ``images`` extra) is imported when it
is called, not when :mod:`emp_theory.images` is imported.

References
----------
.. [1] Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality
       assessment: from error visibility to structural similarity", IEEE
       Trans. Image Processing 13(4), 2004 (SSIM).
.. [2] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 5.4 (PSNR and SSIM of Figure 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_positive_finite
from .inputs import as_image

__all__ = ["ImageQuality", "image_quality"]


@dataclass(frozen=True)
class ImageQuality:
    """PSNR (dB) and SSIM of an image against a reference (:func:`image_quality`)."""

    psnr: float
    ssim: float
    data_range: float


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
    ref, shape = as_image(reference, "reference")
    img, shape2 = as_image(image, "image")
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
