r"""Magnitude bit-pattern keys of IEEE floats, and their values.

Non-negative IEEE floats order like their bit patterns read as unsigned integers, so
the magnitude :math:`|w_i|` of a weight is represented by its *key*, the bit pattern
with the sign bit cleared (:func:`magnitude_keys`); comparing keys compares magnitudes,
and histograms of keys (or of their 16-bit digits) find the :math:`k`-th largest
magnitude exactly [1]_. A group of tensors of one dtype uses that dtype's keys; mixed
dtypes use float32 keys, or float64 ones if any tensor is F64
(:func:`common_key_dtype`): every narrower float widens exactly.

Arguments named ``dtype`` / ``key_dtype`` are safetensors dtype names ("F32", "BF16",
...); ``raw`` is the flat unsigned-integer view of a tensor's bytes.

``torch`` is imported only to decode float8 values.

Examples
--------
>>> import numpy as np
>>> raw = np.array([0xBF80, 0x4000], dtype=np.uint16)  # bf16 -1.0 and 2.0
>>> [hex(int(k)) for k in magnitude_keys(raw, "BF16", "BF16")]
['0x3f80', '0x4000']
>>> key_value(0x3F80, "BF16")
1.0
>>> common_key_dtype({"BF16", "F16"}), common_key_dtype({"BF16", "F64"})
('F32', 'F64')

References
----------
.. [1] D. E. Knuth, *The Art of Computer Programming*, vol. 3, Section 5.2.5
       (radix sorting/selection on digit histograms).
"""

from __future__ import annotations

import numpy as np

from .headers import BITS

__all__ = [
    "FLOAT_NP",
    "UINT",
    "abs_mask",
    "as_float",
    "common_key_dtype",
    "key_value",
    "magnitude_keys",
    "torch_dtype",
    "torch_view",
]

#: Unsigned integer type of each bit width.
UINT = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}
#: NumPy float type of each bit width (no NumPy bf16/fp8).
FLOAT_NP = {16: np.float16, 32: np.float32, 64: np.float64}


def torch_dtype(dtype: str):
    """The torch dtype of a floating safetensors dtype name."""
    import torch

    return {
        "F64": torch.float64,
        "F32": torch.float32,
        "F16": torch.float16,
        "BF16": torch.bfloat16,
        "F8_E4M3": torch.float8_e4m3fn,
        "F8_E5M2": torch.float8_e5m2,
    }[dtype]


def torch_view(raw: np.ndarray, dtype: str):
    """The raw bit patterns ``raw`` seen as a torch tensor of float dtype ``dtype`` (no copy)."""
    import torch

    signed = {1: np.uint8, 2: np.int16, 4: np.int32, 8: np.int64}[raw.itemsize]
    return torch.from_numpy(raw.view(signed)).view(torch_dtype(dtype))


def as_float(raw: np.ndarray, dtype: str, target) -> np.ndarray:
    """Values (exactly) of the raw bit patterns ``raw`` of ``dtype``, as ``target`` floats."""
    if dtype == "F64":
        return raw.view(np.float64)
    with np.errstate(invalid="ignore"):  # signalling NaNs are rejected later, not here
        if dtype == "F32":
            return raw.view(np.float32).astype(target, copy=False)
        if dtype == "F16":
            return raw.view(np.float16).astype(target)
        if dtype == "BF16":  # bf16 is the upper half of a float32
            return (raw.astype(np.uint32) << 16).view(np.float32).astype(target, copy=False)
    import torch  # float8: let torch decode it (exact, as the core's `.float()`)

    t = torch.from_numpy(np.ascontiguousarray(raw)).view(torch_dtype(dtype))
    return t.to(torch.float64 if target is np.float64 else torch.float32).numpy()


def abs_mask(bits: int) -> int:
    """The bit mask that clears the sign bit of a ``bits``-wide float."""
    return (1 << (bits - 1)) - 1


def magnitude_keys(raw: np.ndarray, dtype: str, key_dtype: str, scratch=None) -> np.ndarray:
    """Magnitude bit patterns of ``raw`` in the key format ``key_dtype``.

    Non-negative IEEE floats order like their bit patterns read as unsigned
    integers, so comparing keys compares magnitudes. Same-format keys are written
    into ``scratch`` (a :class:`~emp_theory.streaming.reader.Scratch`) when given.
    """
    if dtype == key_dtype:
        if scratch is None:
            return raw & abs_mask(BITS[dtype])
        out = scratch.uint(BITS[dtype], "key", raw.size)
        return np.bitwise_and(raw, abs_mask(BITS[dtype]), out=out)
    bits = BITS[key_dtype]
    vals = as_float(raw, dtype, FLOAT_NP[bits])
    return vals.view(UINT[bits]) & abs_mask(bits)


def key_value(key: int, key_dtype: str) -> float:
    """The magnitude whose bit pattern in ``key_dtype`` is ``key``."""
    bits = BITS[key_dtype]
    return float(as_float(np.array([key], dtype=UINT[bits]), key_dtype, np.float64)[0])


def common_key_dtype(dtypes: set[str]) -> str:
    """Common key format of a group: its dtype if unique, else float32 (float64 if any F64)."""
    if len(dtypes) == 1:
        return next(iter(dtypes))
    return "F64" if "F64" in dtypes else "F32"
