r"""The IDX file format of MNIST and Fashion-MNIST: :func:`read_idx`, :func:`write_idx` (torch-free).

A file starts with two zero bytes, a type byte (``0x08`` uint8, ``0x09`` int8,
``0x0B`` int16, ``0x0C`` int32, ``0x0D`` float32, ``0x0E`` float64) and the
number of dimensions ``d``; then ``d`` big-endian uint32 sizes; then exactly
:math:`\prod` sizes items, big-endian. :func:`read_idx` checks all of this and
raises :class:`IDXError` (a :class:`ValueError`) naming the file when a file is
missing, truncated (including a truncated gzip stream), has a bad magic number
or trailing bytes.

:func:`write_idx` is the inverse (used by the tests to build tiny datasets); it
writes through :func:`!emp_theory._cache.atomic_write`.

References
----------
.. [1] Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied
       to document recognition", Proc. IEEE 86 (1998); the IDX format at
       http://yann.lecun.com/exdb/mnist/.

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     p = write_idx(Path(d) / "a.idx.gz", np.arange(6, dtype=np.uint8).reshape(2, 3))
...     read_idx(p).tolist()
[[0, 1, 2], [3, 4, 5]]
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from .._cache import atomic_write

__all__ = ["MAX_IDX_BYTES", "IDXError", "read_idx", "write_idx"]

#: IDX type byte -> big-endian NumPy dtype.
_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_IDX_CODES = {v.newbyteorder("="): k for k, v in _IDX_TYPES.items()}


class IDXError(ValueError):
    """A missing, truncated or malformed IDX file (or data folder)."""


#: Largest IDX payload :func:`read_idx` accepts by default (bytes): 1 GiB; MNIST's
#: training images are 47 MB.
MAX_IDX_BYTES = 1 << 30


def _open(path: Path):
    """A binary stream of the IDX bytes: gzip detected from the first two bytes."""
    try:
        fh = open(path, "rb")
        magic = fh.read(2)
        fh.seek(0)
    except OSError as exc:
        raise IDXError(f"`path` {str(path)!r} cannot be read: {exc}") from None
    if magic == b"\x1f\x8b":  # gzip, whatever the file is called
        return gzip.GzipFile(fileobj=fh, mode="rb"), True
    if path.suffix == ".gz":
        fh.close()
        raise IDXError(f"`path` {str(path)!r} ends in .gz but is not gzip-compressed")
    return fh, False


def _read(fh, n: int, p: Path, gz: bool) -> bytes:
    """Up to `n` bytes, decompressing no more than that (a gzip bomb stops here)."""
    try:
        return fh.read(n)
    except EOFError:
        raise IDXError(
            f"`path` {str(p)!r} is a truncated gzip file (the stream ends early)"
        ) from None
    except (OSError, zlib.error) as exc:  # BadGzipFile is an OSError
        kind = "gzip file" if gz else "file"
        raise IDXError(f"`path` {str(p)!r} is a corrupt {kind}: {exc}") from None


def read_idx(path, *, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read one IDX file (gzipped or not) into a native-endian NumPy array.

    The header is read and checked first; the payload size it declares (computed
    with Python integers, so no dimension product overflows) must not exceed
    `max_bytes`, and then exactly that many bytes are read — a gzip stream is
    decompressed only that far, so a small file that expands to gigabytes is refused
    after ``expected + 1`` bytes, not after expanding it all.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Gzip is detected from its first two bytes (``1f 8b``).
    max_bytes : int, default :data:`MAX_IDX_BYTES`
        Largest payload accepted.

    Returns
    -------
    numpy.ndarray
        Array of the dimensions stored in the header.

    Raises
    ------
    IDXError
        If `path` does not exist or is not a file, the gzip stream is truncated or
        corrupt, the magic number is wrong (first two bytes not zero, unknown type
        byte, zero dimensions), the header is cut short, the declared payload is
        larger than `max_bytes`, or the payload is not exactly
        ``prod(dims) * itemsize`` bytes.
    TypeError
        If `path` is not a path.
    """
    if not isinstance(path, str | Path):
        raise TypeError(f"`path` must be a str or Path, got {type(path).__name__}")
    p = Path(path)
    if not p.exists():
        raise IDXError(f"`path` {str(p)!r} does not exist")
    if not p.is_file():
        raise IDXError(f"`path` {str(p)!r} is not a file")
    fh, gz = _open(p)
    with fh:
        head = _read(fh, 4, p, gz)
        if len(head) < 4:
            raise IDXError(f"`path` {str(p)!r} is too short for an IDX header ({len(head)} bytes)")
        if head[0] != 0 or head[1] != 0 or head[2] not in _IDX_TYPES or head[3] == 0:
            raise IDXError(
                f"`path` {str(p)!r} has a bad IDX magic number 0x{head.hex()} "
                "(expected 00 00, a type byte in {08,09,0b,0c,0d,0e}, ndim >= 1)"
            )
        dtype = _IDX_TYPES[head[2]]
        ndim = head[3]
        raw_dims = _read(fh, 4 * ndim, p, gz)
        if len(raw_dims) < 4 * ndim:
            raise IDXError(f"`path` {str(p)!r} is truncated inside its header")
        dims = tuple(int(d) for d in np.frombuffer(raw_dims, dtype=">u4"))
        expected = math.prod(dims) * dtype.itemsize
        if expected > max_bytes:
            raise IDXError(
                f"`path` {str(p)!r}: header dims {dims} declare {expected} data bytes, "
                f"more than the limit of {max_bytes} bytes"
            )
        data = _read(fh, expected + 1, p, gz)
    got = len(data)
    if got != expected:
        what = "truncated" if got < expected else "longer than its header says"
        found = f"found {got}" if got <= expected else "found more"
        raise IDXError(
            f"`path` {str(p)!r} is {what}: header dims {dims} need {expected} data bytes, {found}"
        )
    arr = np.frombuffer(data, dtype=dtype).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))


def write_idx(path, array, *, compress: bool | None = None) -> Path:
    """Write `array` as an IDX file (gzip if `compress`, default: if the name ends in ``.gz``).

    The inverse of :func:`read_idx`; used by the tests to build tiny datasets.
    Supported dtypes: uint8, int8, int16, int32, float32, float64.
    """
    a = np.asarray(array)
    code = _IDX_CODES.get(a.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(f"`array` dtype {a.dtype} has no IDX type code")
    if a.ndim < 1 or a.ndim > 255:
        raise ValueError(f"`array` must have 1..255 dimensions, got {a.ndim}")
    p = Path(path)
    payload = (
        bytes([0, 0, code, a.ndim])
        + np.asarray(a.shape, dtype=">u4").tobytes()
        + a.astype(_IDX_TYPES[code]).tobytes()
    )
    if compress is None:
        compress = p.suffix == ".gz"
    return atomic_write(p, gzip.compress(payload, mtime=0) if compress else payload)
