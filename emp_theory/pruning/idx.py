r"""The IDX file format of MNIST and Fashion-MNIST: :func:`read_idx`, :func:`write_idx` (torch-free).

A file starts with two zero bytes, a type byte (``0x08`` uint8, ``0x09`` int8,
``0x0B`` int16, ``0x0C`` int32, ``0x0D`` float32, ``0x0E`` float64) and the
number of dimensions ``d``; then ``d`` big-endian uint32 sizes; then exactly
:math:`\prod` sizes items, big-endian. :func:`read_idx` checks all of this and
raises :class:`IDXError` (a :class:`ValueError`) naming the file when a file is
missing, truncated (including a truncated gzip stream), has a bad magic number
or trailing bytes.

:func:`write_idx` is the inverse (used by the tests to build tiny datasets); it
writes through :func:`emp_theory._cache.atomic_write`.

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
import zlib
from pathlib import Path

import numpy as np

from .._cache import atomic_write

__all__ = ["IDXError", "read_idx", "write_idx"]

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


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IDXError(f"`path` {str(path)!r} cannot be read: {exc}") from None
    if raw[:2] == b"\x1f\x8b":  # gzip magic, whatever the file is called
        try:
            return gzip.decompress(raw)
        except EOFError:
            raise IDXError(
                f"`path` {str(path)!r} is a truncated gzip file (the stream ends early)"
            ) from None
        except (OSError, zlib.error) as exc:  # BadGzipFile is an OSError
            raise IDXError(f"`path` {str(path)!r} is a corrupt gzip file: {exc}") from None
    if path.suffix == ".gz":
        raise IDXError(f"`path` {str(path)!r} ends in .gz but is not gzip-compressed")
    return raw


def read_idx(path) -> np.ndarray:
    """Read one IDX file (gzipped or not) into a native-endian NumPy array.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Gzip is detected from its first two bytes (``1f 8b``).

    Returns
    -------
    numpy.ndarray
        Array of the dimensions stored in the header.

    Raises
    ------
    IDXError
        If `path` does not exist or is not a file, the gzip stream is truncated or
        corrupt, the magic number is wrong (first two bytes not zero, unknown type
        byte, zero dimensions), the header is cut short, or the payload is not
        exactly ``prod(dims) * itemsize`` bytes.
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
    raw = _read_bytes(p)
    if len(raw) < 4:
        raise IDXError(f"`path` {str(p)!r} is too short for an IDX header ({len(raw)} bytes)")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES or raw[3] == 0:
        raise IDXError(
            f"`path` {str(p)!r} has a bad IDX magic number 0x{raw[:4].hex()} "
            "(expected 00 00, a type byte in {08,09,0b,0c,0d,0e}, ndim >= 1)"
        )
    dtype = _IDX_TYPES[raw[2]]
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"`path` {str(p)!r} is truncated inside its header")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    got = len(raw) - header
    if got != expected:
        what = "truncated" if got < expected else "longer than its header says"
        raise IDXError(
            f"`path` {str(p)!r} is {what}: header dims {dims} need {expected} data bytes, "
            f"found {got}"
        )
    arr = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
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
