r"""Safetensors shard headers: parsing and the checks of malformed files.

A ``.safetensors`` file is an 8-byte little-endian header length, a JSON header
(``{name: {"dtype", "shape", "data_offsets"}, "__metadata__": {...}}``) and a
contiguous byte buffer [1]_. :func:`read_shard` parses a header and rejects every file
whose header does not describe its bytes exactly (short, truncated, not JSON, a dtype
the format does not define, a size that does not match the shape, gaps or overlaps
between tensors); the header bytes are kept verbatim so the output shard has the
input's layout and ``__metadata__``. A downloaded checkpoint is untrusted input: a
header is read only up to :data:`MAX_HEADER` bytes and never trusted beyond the file.

Order inside a shard
    Tensors are taken in the order of their bytes in the file (their
    ``data_offsets``); inside a tensor, row-major (flat) order. The order of the
    shards, the index and the other files of a checkpoint folder are
    :mod:`emp_theory.streaming.folder`'s; which tensors are pruned is
    :mod:`emp_theory.streaming.rule`'s.

Torch-free: only the standard library.

Examples
--------
>>> t = TensorEntry("w", "BF16", (3, 4), 0, 24)
>>> t.numel, BITS[t.dtype], t.dtype in FLOATS
(12, 16, True)

References
----------
.. [1] safetensors file format, https://github.com/huggingface/safetensors
       (8-byte little-endian header length, JSON header, contiguous byte buffer).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BITS",
    "FLOATS",
    "MAX_HEADER",
    "NONFINITE",
    "Shard",
    "TensorEntry",
    "corrupt",
    "read_shard",
]

#: Largest header accepted (the safetensors library uses the same 100 MB limit).
MAX_HEADER = 100_000_000

#: Width in bits of every dtype the safetensors format defines (``F4`` and ``F6_*`` are
#: packed: a tensor's byte size is ``numel * bits / 8``). Any other dtype is rejected.
BITS = {
    "F64": 64,
    "F32": 32,
    "F16": 16,
    "BF16": 16,
    "F8_E4M3": 8,
    "F8_E5M2": 8,
    "F8_E4M3FNUZ": 8,
    "F8_E5M2FNUZ": 8,
    "F8_E8M0": 8,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
    "F4": 4,
    "C64": 64,
    "I64": 64,
    "I32": 32,
    "I16": 16,
    "I8": 8,
    "U64": 64,
    "U32": 32,
    "U16": 16,
    "U8": 8,
    "BOOL": 8,
}
#: Floating dtypes that can be pruned (the others are copied byte for byte).
FLOATS = ("F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2")
#: Smallest magnitude bit pattern that is inf or NaN, per float dtype.
NONFINITE = {
    "F64": 0x7FF0000000000000,
    "F32": 0x7F800000,
    "F16": 0x7C00,
    "BF16": 0x7F80,
    "F8_E4M3": 0x7F,  # float8_e4m3fn: no inf, 0x7f is NaN
    "F8_E5M2": 0x7C,
}


@dataclass
class TensorEntry:
    """One tensor of a header: its bytes are ``[begin, end)`` of the shard's data section."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


@dataclass
class Shard:
    """One parsed ``.safetensors`` file; ``name`` is its path relative to the checkpoint folder."""

    path: Path
    header: bytes  # the 8 length bytes and the JSON header, copied verbatim
    tensors: list[TensorEntry]  # sorted by data offset
    name: str = ""

    def __post_init__(self):
        if not self.name:
            self.name = self.path.name

    @property
    def data_start(self) -> int:
        return len(self.header)


def corrupt(path: Path | str, why: str) -> ValueError:
    """The error raised for a file (a path, or its name in the folder) that is not valid."""
    name = path if isinstance(path, str) else path.name
    return ValueError(f"`in_dir`: {name} is not a valid .safetensors file ({why})")


def read_shard(path: Path, name: str = "") -> Shard:
    """Parse and check a safetensors header (format: 8-byte LE length + JSON + data).

    ``name`` is the shard's path relative to its folder (default: the file name); errors
    name the file by it.
    """
    label = name or path.name
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                raise corrupt(label, "shorter than 8 bytes")
            n = int.from_bytes(head, "little")
            if n > min(size - 8, MAX_HEADER):
                raise corrupt(label, f"header length {n} exceeds the file")
            raw = fh.read(n)
    except OSError as exc:
        raise ValueError(f"`in_dir`: cannot read {label}: {exc}") from None
    try:
        hdr = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise corrupt(label, f"header is not JSON: {exc}") from None
    if not isinstance(hdr, dict):
        raise corrupt(label, "header is not a JSON object")
    hdr.pop("__metadata__", None)  # kept verbatim in the copied header bytes
    tensors = []
    for tname, d in hdr.items():
        try:
            dtype = d["dtype"]
            shape = tuple(_int(x) for x in d["shape"])
            b, e = (_int(x) for x in d["data_offsets"])
        except (TypeError, KeyError, ValueError) as exc:
            raise corrupt(label, f"bad entry for tensor {tname!r}: {exc!r}") from None
        if any(x < 0 for x in shape) or not 0 <= b <= e:
            raise corrupt(label, f"bad shape or offsets for tensor {tname!r}")
        bits = BITS.get(dtype) if isinstance(dtype, str) else None
        if bits is None:
            raise corrupt(
                label, f"tensor {tname!r} has dtype {dtype!r}, which the format does not define"
            )
        if (e - b) * 8 != math.prod(shape) * bits:
            raise corrupt(label, f"size of tensor {tname!r} does not match its shape")
        tensors.append(TensorEntry(tname, dtype, shape, b, e))
    tensors.sort(key=lambda t: (t.begin, t.end))
    pos = 0
    for t in tensors:
        if t.begin != pos:
            raise corrupt(label, f"tensor {t.name!r} is not contiguous with the previous one")
        pos = t.end
    if pos != size - 8 - n:
        raise corrupt(label, f"data section holds {size - 8 - n} bytes, header describes {pos}")
    return Shard(path=path, header=head + raw, tensors=tensors, name=label)


def _int(x) -> int:
    """A JSON integer (``bool`` and ``float`` refused: ``int(2.5)`` would truncate)."""
    if isinstance(x, bool) or not isinstance(x, int):
        raise ValueError(f"expected an integer, got {x!r}")
    return x
