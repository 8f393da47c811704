"""IDX files a user hands us: sizes checked from the header before any payload is read."""

from __future__ import annotations

import gzip
import time
import zlib

import numpy as np
import pytest

from emp_theory.pruning.idx import IDXError, read_idx


def header(code: int, dims) -> bytes:
    return bytes([0, 0, code, len(dims)]) + np.asarray(dims, dtype=">u4").tobytes()


def test_huge_dims_do_not_overflow(tmp_path):
    # (2^22, 2^21, 2^21) uint8 = 2^64 bytes: an int64 product overflows to 0
    p = tmp_path / "huge-idx3-ubyte"
    p.write_bytes(header(0x08, (2**22, 2**21, 2**21)) + b"\0" * 16)
    with pytest.raises(IDXError, match=r"declare 18446744073709551616 data bytes") as e:
        read_idx(p)
    assert str(p) in str(e.value)


def test_gzip_bomb_is_refused_without_expanding_it(tmp_path):
    # header says 10 x 28 x 28 = 7840 bytes; the stream expands to 256 MiB of zeros
    p = tmp_path / "bomb-idx3-ubyte.gz"
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
    out = [comp.compress(header(0x08, (10, 28, 28)))]
    block = b"\0" * (1 << 20)
    out += [comp.compress(block) for _ in range(256)]
    out.append(comp.flush())
    p.write_bytes(b"".join(out))
    assert p.stat().st_size < 1 << 20
    t0 = time.perf_counter()
    with pytest.raises(IDXError, match="longer than its header says"):
        read_idx(p)
    assert time.perf_counter() - t0 < 5  # only expected + 1 bytes were decompressed


def test_max_bytes_limit(tmp_path):
    p = tmp_path / "a-idx1-ubyte"
    p.write_bytes(header(0x08, (100,)) + bytes(100))
    assert read_idx(p).shape == (100,)
    with pytest.raises(IDXError, match="more than the limit of 99 bytes"):
        read_idx(p, max_bytes=99)


def test_truncated_gzip_names_the_file(tmp_path):
    p = tmp_path / "t-idx1-ubyte.gz"
    p.write_bytes(gzip.compress(header(0x08, (1000,)) + bytes(1000))[:-30])
    with pytest.raises(IDXError, match="truncated") as e:
        read_idx(p)
    assert str(p) in str(e.value)
