"""Tests of emp_theory.pruning.data and .idx: the bundled digits split and the IDX reader.

Good IDX files are built here byte by byte with ``struct`` (independently of
``write_idx``) following the format description (two zero bytes, type byte, number
of dimensions, big-endian uint32 sizes, big-endian data); bad ones are derived from
them (bad magic, wrong length, truncated or corrupt gzip) and must raise IDXError
naming the file.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from emp_theory.pruning.data import (
    DEBIAN_FASHION_MNIST_DIR,
    load_dataset,
    load_digits_split,
    load_idx_dataset,
)
from emp_theory.pruning.idx import IDXError, read_idx, write_idx


def idx_bytes(arr: np.ndarray, code: int, fmt: str) -> bytes:
    """IDX payload written by hand (fmt: struct code of one big-endian item)."""
    head = bytes([0, 0, code, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    body = struct.pack(">" + fmt * arr.size, *arr.ravel().tolist())
    return head + body


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(7, 4, 3), dtype=np.uint8)


def make_folder(root: Path, n_train=6, n_test=4, shape=(5, 5), gz=True, dotted=False):
    rng = np.random.default_rng(1)
    root.mkdir(parents=True, exist_ok=True)
    ext = ".gz" if gz else ""
    sep = "." if dotted else "-"
    arrays = {
        "train-images": rng.integers(0, 256, (n_train, *shape), dtype=np.uint8),
        "train-labels": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images": rng.integers(0, 256, (n_test, *shape), dtype=np.uint8),
        "t10k-labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for stem, a in arrays.items():
        kind = "idx3-ubyte" if a.ndim == 3 else "idx1-ubyte"
        payload = idx_bytes(a, 0x08, "B")
        data = gzip.compress(payload) if gz else payload
        (root / f"{stem}{sep}{kind}{ext}").write_bytes(data)
    return arrays


class TestReadIDX:
    def test_round_trip_handmade_plain_and_gz(self, tmp_path, images):
        raw = idx_bytes(images, 0x08, "B")
        (tmp_path / "a.idx").write_bytes(raw)
        (tmp_path / "a.idx.gz").write_bytes(gzip.compress(raw))
        for name in ("a.idx", "a.idx.gz"):
            got = read_idx(tmp_path / name)
            assert got.dtype == np.uint8 and got.shape == images.shape
            np.testing.assert_array_equal(got, images)

    @pytest.mark.parametrize(
        ("code", "fmt", "dtype"),
        [(0x09, "b", np.int8), (0x0B, "h", np.int16), (0x0C, "i", np.int32),
         (0x0D, "f", np.float32), (0x0E, "d", np.float64)],
    )  # fmt: skip
    def test_other_types(self, tmp_path, code, fmt, dtype):
        a = (np.arange(24).reshape(2, 3, 4) - 11).astype(dtype)
        (tmp_path / "x").write_bytes(idx_bytes(a, code, fmt))
        got = read_idx(tmp_path / "x")
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got, a)

    def test_write_idx_matches_handmade(self, tmp_path, images):
        write_idx(tmp_path / "w.idx", images)
        assert (tmp_path / "w.idx").read_bytes() == idx_bytes(images, 0x08, "B")
        write_idx(tmp_path / "w.idx.gz", images)
        assert gzip.decompress((tmp_path / "w.idx.gz").read_bytes()) == idx_bytes(images, 0x08, "B")

    @pytest.mark.parametrize(
        "head", [b"\x01\x00\x08\x03", b"\x00\x00\x07\x03", b"\x00\x00\x08\x00", b"\x00\x01\x08\x03"]
    )
    def test_bad_magic(self, tmp_path, images, head):
        raw = bytearray(idx_bytes(images, 0x08, "B"))
        raw[:4] = head
        p = tmp_path / "bad"
        p.write_bytes(bytes(raw))
        with pytest.raises(IDXError, match="bad IDX magic") as exc:
            read_idx(p)
        assert "`path`" in str(exc.value) and str(p) in str(exc.value)

    def test_truncated_and_trailing(self, tmp_path, images):
        raw = idx_bytes(images, 0x08, "B")
        (tmp_path / "short").write_bytes(raw[:-1])
        (tmp_path / "long").write_bytes(raw + b"\x00")
        (tmp_path / "header").write_bytes(raw[:9])
        (tmp_path / "tiny").write_bytes(raw[:3])
        with pytest.raises(IDXError, match="truncated: header dims"):
            read_idx(tmp_path / "short")
        with pytest.raises(IDXError, match="longer than its header"):
            read_idx(tmp_path / "long")
        with pytest.raises(IDXError, match="inside its header"):
            read_idx(tmp_path / "header")
        with pytest.raises(IDXError, match="too short"):
            read_idx(tmp_path / "tiny")

    def test_truncated_gzip(self, tmp_path, images):
        gz = gzip.compress(idx_bytes(images, 0x08, "B"))
        (tmp_path / "t.gz").write_bytes(gz[: len(gz) // 2])
        with pytest.raises(IDXError, match="truncated gzip"):
            read_idx(tmp_path / "t.gz")

    def test_corrupt_gzip(self, tmp_path, images):
        gz = bytearray(gzip.compress(idx_bytes(images, 0x08, "B")))
        gz[-8] ^= 0xFF  # CRC32 of the trailer
        (tmp_path / "c.gz").write_bytes(bytes(gz))
        with pytest.raises(IDXError, match="corrupt gzip"):
            read_idx(tmp_path / "c.gz")

    def test_gz_name_not_gzip(self, tmp_path, images):
        (tmp_path / "x.gz").write_bytes(idx_bytes(images, 0x08, "B"))
        with pytest.raises(IDXError, match="not gzip"):
            read_idx(tmp_path / "x.gz")

    def test_missing_and_directory(self, tmp_path):
        with pytest.raises(IDXError, match="does not exist"):
            read_idx(tmp_path / "nope")
        with pytest.raises(IDXError, match="not a file"):
            read_idx(tmp_path)
        with pytest.raises(TypeError, match="`path`"):
            read_idx(3)


class TestIDXFolder:
    @pytest.mark.parametrize(("gz", "dotted"), [(True, False), (False, False), (False, True)])
    def test_load(self, tmp_path, gz, dotted):
        arrays = make_folder(tmp_path / "mnist", gz=gz, dotted=dotted)
        ds = load_idx_dataset(tmp_path / "mnist", "mnist")
        assert ds.x_train.shape == (6, 1, 5, 5) and ds.x_test.shape == (4, 1, 5, 5)
        assert ds.x_train.dtype == torch.float32 and ds.y_train.dtype == torch.int64
        np.testing.assert_allclose(
            ds.x_train[:, 0].numpy(), arrays["train-images"].astype(np.float32) / 255.0
        )
        np.testing.assert_array_equal(ds.y_test.numpy(), arrays["t10k-labels"])
        assert ds.in_features == 25 and ds.input_shape == (1, 5, 5)

    def test_torchvision_layout(self, tmp_path):
        make_folder(tmp_path / "FashionMNIST" / "raw")
        ds = load_idx_dataset(tmp_path, "fashion-mnist")
        assert ds.name == "fashion-mnist" and ds.x_train.shape[0] == 6

    def test_missing_folder(self, tmp_path):
        with pytest.raises(IDXError, match=r"`data_dir`.*does not exist"):
            load_idx_dataset(tmp_path / "absent")
        with pytest.raises(IDXError, match="`data_dir` is required"):
            load_idx_dataset(None)

    def test_missing_file(self, tmp_path):
        make_folder(tmp_path)
        (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
        with pytest.raises(IDXError, match="does not hold the four IDX files"):
            load_idx_dataset(tmp_path)

    def test_count_mismatch(self, tmp_path):
        make_folder(tmp_path)
        labels = np.zeros(5, dtype=np.uint8)  # 6 images
        (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(
            gzip.compress(idx_bytes(labels, 0x08, "B"))
        )
        with pytest.raises(IDXError, match="6 images but 5 labels"):
            load_idx_dataset(tmp_path)

    def test_bad_labels_and_shapes(self, tmp_path):
        make_folder(tmp_path / "a")
        (tmp_path / "a" / "train-labels-idx1-ubyte.gz").write_bytes(
            gzip.compress(idx_bytes(np.full(6, 12, dtype=np.uint8), 0x08, "B"))
        )
        with pytest.raises(IDXError, match=r"0\.\.9"):
            load_idx_dataset(tmp_path / "a")
        make_folder(tmp_path / "b")
        (tmp_path / "b" / "t10k-images-idx3-ubyte.gz").write_bytes(
            gzip.compress(idx_bytes(np.zeros((4, 6, 6), dtype=np.uint8), 0x08, "B"))
        )
        with pytest.raises(IDXError, match="train images are"):
            load_idx_dataset(tmp_path / "b")
        make_folder(tmp_path / "c")
        (tmp_path / "c" / "train-images-idx3-ubyte.gz").write_bytes(
            gzip.compress(idx_bytes(np.zeros((6, 25), dtype=np.uint8), 0x08, "B"))
        )
        with pytest.raises(IDXError, match=r"uint8 \(n, H, W\)"):
            load_idx_dataset(tmp_path / "c")

    def test_truncated_file_in_folder(self, tmp_path):
        make_folder(tmp_path)
        p = tmp_path / "train-images-idx3-ubyte.gz"
        p.write_bytes(p.read_bytes()[:20])
        with pytest.raises(IDXError, match="truncated gzip"):
            load_idx_dataset(tmp_path)

    @pytest.mark.skipif(
        not Path(DEBIAN_FASHION_MNIST_DIR).is_dir(),
        reason="Debian's dataset-fashion-mnist package is not installed",
    )
    def test_debian_fashion_mnist(self):
        ds = load_idx_dataset(DEBIAN_FASHION_MNIST_DIR, "fashion-mnist")
        assert ds.x_train.shape == (60000, 1, 28, 28) and ds.x_test.shape == (10000, 1, 28, 28)
        assert torch.bincount(ds.y_train).tolist() == [6000] * 10  # balanced classes
        assert 0.0 <= float(ds.x_train.min()) and float(ds.x_train.max()) <= 1.0


class TestDigits:
    def test_split(self):
        ds = load_digits_split()
        assert ds.x_train.shape == (1347, 1, 8, 8) and ds.x_test.shape == (450, 1, 8, 8)
        assert float(ds.x_train.min()) == 0.0 and float(ds.x_train.max()) == 1.0
        assert ds.in_features == 64
        # stratified: every class has 25% +- one image in the test set
        from sklearn.datasets import load_digits

        full = np.bincount(load_digits().target)
        test = np.bincount(ds.y_test.numpy(), minlength=10)
        assert np.all(np.abs(test - 0.25 * full) <= 1)

    def test_fixed_and_fingerprint(self):
        a, b = load_digits_split(), load_digits_split()
        assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_test, b.y_test)
        assert a.fingerprint() == b.fingerprint()
        c = load_digits_split(seed=1)
        assert c.fingerprint() != a.fingerprint()

    def test_load_dataset_names(self):
        assert load_dataset("digits").name == "digits"
        with pytest.raises(ValueError, match="`name`"):
            load_dataset("cifar10")
        with pytest.raises(ValueError, match="`test_size`"):
            load_digits_split(test_size=1.5)
