r"""Validation of the image-side arguments: the image, the patch size, the choices, the kept counts.

Scalar arguments (``beta``, ``seed``, ``data_range``) go through the one validation layer,
:mod:`!emp_theory._validation`; this module adds what only images have. Shapes: an image is
``(H, W)`` or ``(H, W, C)`` and is handled internally as float64 ``(C, H, W)``;
``N = H * W`` is the number of entries of one channel, ``patch`` is the patch size
:math:`p`, ``keep`` the number of KEPT entries per channel (the paper's :math:`k`).

Examples
--------
>>> X, shape = as_image([[0, 1], [2, 3]])
>>> X.shape, shape
((1, 2, 2), (2, 2))
>>> check_patch(None, 5, 5) is None, check_patch(4, 5, 5)
(True, 4)
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import as_int

__all__ = ["CENTERS", "DOMAINS", "as_image", "check_choice", "check_keep", "check_patch"]

#: The means that can be subtracted (``center=``): see :mod:`emp_theory.images`.
CENTERS = ("local", "channel")
#: The domains the scores live in (``domain=``): see :mod:`emp_theory.images.dct`.
DOMAINS = ("pixel", "dct")


def as_image(image, name: str = "image") -> tuple[np.ndarray, tuple[int, ...]]:
    """Return the image as float64 ``(C, H, W)`` and its original shape.

    Raises
    ------
    TypeError
        If `image` is not an array of real numbers (booleans rejected).
    ValueError
        If it is not 2-D or 3-D, is empty, or holds NaN or inf.
    """
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


def check_patch(patch, H: int, W: int, name: str = "patch") -> int | None:
    """``None`` (global) or the patch size as an int in ``[1, min(H, W)]``."""
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


def check_choice(value, name: str, choices: tuple[str, ...]) -> str:
    """`value` if it is one of `choices`, else ``ValueError`` naming them."""
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {choices}, got {value!r}")
    return value


def check_keep(keep, C: int, N: int) -> np.ndarray:
    """Kept counts per channel as int64 ``(C,)``, each in ``[0, N]`` (one value or ``C`` values)."""
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
