r"""The transform domain (``domain="dct"``): EMP on orthonormal 2-D DCT-II coefficients.

With ``domain="dct"`` the scores of a unit (a whole channel or one patch/block) are the
orthonormal 2-D DCT-II coefficients :math:`S = \mathrm{DCT}(s)` of its deviations
:math:`s = X_c[U] - m_U` (``scipy.fft.dctn`` with ``norm="ortho"``); EMP keeps
coefficients, the inverse DCT (``scipy.fft.idctn``) maps back, and the mean is added:
:math:`\hat X_c[U] = m_U + \mathrm{DCT}^{-1}(M \odot S)`. The mask then marks kept
*coefficients* (coefficient ``(u, v)`` of the block whose top-left pixel is at the block's
origin is stored at pixel ``origin + (u, v)``), and the sparsity is the fraction of
pruned coefficients. The transform is orthonormal, so keeping every coefficient gives the
image back up to round-off.

Both functions act on a stack of blocks ``(n, ph, pw)`` (axes 1 and 2 transformed).

Examples
--------
>>> import numpy as np
>>> dev = np.array([[[1.0, -1.0], [-1.0, 1.0]]])
>>> forward(dev).round(12).tolist()
[[[0.0, 0.0], [0.0, 2.0]]]
>>> inverse(forward(dev), np.ones(dev.shape, bool)).round(12).tolist()
[[[1.0, -1.0], [-1.0, 1.0]]]

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 5.4 (the pixel-domain scores); the DCT domain is ours.
"""

from __future__ import annotations

import numpy as np
from scipy import fft as sfft

__all__ = ["forward", "inverse"]


def forward(dev: np.ndarray) -> np.ndarray:
    """Orthonormal 2-D DCT-II of each block of ``dev`` ``(n, ph, pw)``: the scores."""
    return sfft.dctn(dev, axes=(1, 2), norm="ortho")


def inverse(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Inverse DCT of the kept coefficients (``mask`` True), the others set to zero."""
    return sfft.idctn(np.where(mask, scores, 0.0), axes=(1, 2), norm="ortho")
