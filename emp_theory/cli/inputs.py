"""Reading a score vector from a file a user names, with bounded cost.

``emp-theory neff FILE`` accepts:

* ``.npy`` — NumPy's format. The header (shape, dtype) is read first and checked
  against the file's size, so a header that claims 10^12 values in a 64-byte file is
  refused before anything is allocated; the data are then memory-mapped.
* any other file, or ``-`` for standard input — text: numbers separated by commas,
  semicolons or whitespace, one or more per line; ``#`` starts a comment; a UTF-8
  byte-order mark is ignored. An empty cell (``1,,2``) is an error naming its line.
  Binary data (NUL bytes, e.g. ``/dev/zero``) is refused at the first block; text larger
  than :data:`MAX_TEXT_BYTES` (an endless stream such as ``yes 1``) is refused once that
  many bytes were read. Memory stays within one block of lines (8 MiB) plus the numbers.

Every problem is a :class:`~emp_theory.cli.UsageError`: one line on stderr and exit
status 2, never a traceback or a memory error.
"""

from __future__ import annotations

import io
import re
import sys
import warnings
from pathlib import Path

import numpy as np

from ._args import UsageError

__all__ = ["MAX_TEXT_BYTES", "load_scores"]

#: Largest text input read (bytes): 1 GiB, about 10^8 numbers.
MAX_TEXT_BYTES = 1 << 30
_SPLIT = re.compile(r"[,;]")


def load_scores(path: str) -> np.ndarray:
    """Read a score vector from ``.npy``, a text file, or ``-`` (stdin); see the module docstring.

    Raises
    ------
    UsageError
        If the file is missing, unreadable, inconsistent, too large, empty or not numeric.
    """
    if path == "-":
        return parse_stream(sys.stdin.buffer, "<stdin>")
    p = Path(path)
    if not p.exists():
        raise UsageError(f"no such file: {path}")
    if p.is_dir():
        raise UsageError(f"expected a file, got a directory: {path}")
    if p.suffix == ".npy":
        return _load_npy(p)
    try:
        with open(p, "rb") as fh:
            return parse_stream(fh, path)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _load_npy(p: Path) -> np.ndarray:
    fmt = np.lib.format
    try:
        with open(p, "rb") as fh:
            version = fmt.read_magic(fh)
            if version == (1, 0):
                shape, _fortran, dtype = fmt.read_array_header_1_0(fh)
            elif version in ((2, 0), (3, 0)):
                shape, _fortran, dtype = fmt.read_array_header_2_0(fh)
            else:  # pragma: no cover - NumPy refuses other versions in read_magic
                raise ValueError(f"unsupported .npy version {version}")
            offset = fh.tell()
    except (ValueError, OSError, EOFError) as exc:
        raise UsageError(f"cannot read {p} as .npy: {exc}") from None
    if dtype.hasobject:
        raise UsageError(f"{p}: .npy holds Python objects; only numeric arrays are read")
    count = 1
    for d in shape:
        count *= int(d)
    need = count * dtype.itemsize
    have = p.stat().st_size - offset
    if need != have:
        raise UsageError(
            f"{p}: the .npy header declares shape {tuple(shape)} of {dtype} ({need} bytes) "
            f"but the file holds {have} bytes of data"
        )
    if count == 0:
        raise UsageError(f"{p} holds no numbers")
    try:
        arr = np.load(p, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise UsageError(f"cannot read {p} as .npy: {exc}") from None
    return np.asarray(arr)


_COMMENT = re.compile(r"#[^\n]*")
_EMPTY_CELL = re.compile(r"(?:^|[,;])[ \t\r]*(?:[,;]|$)", re.M)
#: Text is parsed in blocks of about this many characters (whole lines), so memory stays
#: bounded by the block, not by the file.
_BLOCK = 1 << 23


def parse_text(raw: bytes, where: str) -> np.ndarray:
    """Numbers separated by commas, semicolons or whitespace; ``#`` comments; errors name the line.

    Examples
    --------
    >>> parse_text(b"\\xef\\xbb\\xbf1, 2; 3\\n# comment\\n4 5\\n", "x").tolist()
    [1.0, 2.0, 3.0, 4.0, 5.0]
    """
    return parse_stream(io.BytesIO(raw), where)


def parse_stream(fh, where: str) -> np.ndarray:
    """:func:`!parse_text` over a binary stream, read in blocks of whole lines (bounded memory)."""
    out: list[np.ndarray] = []
    first_line, total, carry, first = 1, 0, b"", True
    while True:
        chunk = fh.read(_BLOCK)
        total += len(chunk)
        if total > MAX_TEXT_BYTES:
            raise UsageError(
                f"{where} holds more than {MAX_TEXT_BYTES} bytes of text; save large score "
                "vectors as .npy"
            )
        if b"\0" in chunk:
            raise UsageError(f"{where} holds binary data (NUL bytes), not numbers as text")
        data = carry + chunk
        if chunk:
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            data, carry = data[:cut], data[cut:]
        else:
            carry = b""
        if data:
            try:
                block = data.decode("utf-8-sig" if first else "utf-8")
            except UnicodeDecodeError as exc:
                raise UsageError(
                    f"{where} is not UTF-8 text ({exc.reason} near line {first_line})"
                ) from None
            first = False
            out.append(_parse_block(block, where, first_line))
            first_line += block.count("\n")
        if not chunk:
            break
    arr = np.concatenate(out) if out else np.empty(0)
    if arr.size == 0:
        raise UsageError(f"{where} holds no numbers")
    return arr


def _parse_block(text: str, where: str, first_line: int) -> np.ndarray:
    block = _COMMENT.sub("", text)
    for m in _EMPTY_CELL.finditer(block):
        if "," in m.group(0) or ";" in m.group(0):
            lineno = first_line + block.count("\n", 0, m.start())
            raise UsageError(f"{where}, line {lineno}: empty cell (write a number, e.g. 0)")
    flat = block.replace(",", " ").replace(";", " ")
    n_tokens = len(flat.split())
    if n_tokens == 0:
        return np.empty(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            values = np.fromstring(flat, dtype=np.float64, sep=" ")
        if values.size != n_tokens:
            raise ValueError("unparsed tokens")
        return values
    except (ValueError, DeprecationWarning):
        for tok in flat.split():
            try:
                float(tok)
            except ValueError:
                lineno = first_line + block.count("\n", 0, block.find(tok))
                raise UsageError(f"{where}, line {lineno}: {tok!r} is not a number") from None
        raise  # pragma: no cover - numpy refused a token Python accepts
