r"""Data for the pruning experiments: scikit-learn's digits (bundled) and MNIST-style IDX files.

Datasets
--------
``digits``
    scikit-learn's bundled :func:`sklearn.datasets.load_digits` (1797 images of
    8×8 pixels with values 0..16, 10 classes). It ships with scikit-learn, so it
    is the default that needs no files. It has no official split; we use a fixed
    stratified split (:func:`sklearn.model_selection.train_test_split`,
    ``test_size=0.25``, ``random_state=0``): 1347 training and 450 test images.
``mnist`` / ``fashion-mnist``
    The standard IDX files (LeCun et al., 1998; Xiao et al., 2017), read from a
    folder the user gives (``--data-dir``), gzipped or not::

        train-images-idx3-ubyte[.gz]  train-labels-idx1-ubyte[.gz]
        t10k-images-idx3-ubyte[.gz]   t10k-labels-idx1-ubyte[.gz]

    (the dotted spelling ``train-images.idx3-ubyte`` is accepted too). Nothing
    is ever downloaded. On Debian/Ubuntu, ``apt-get install dataset-fashion-mnist``
    installs the four Fashion-MNIST files into ``/usr/share/datasets/fashion-mnist``
    (:data:`DEBIAN_FASHION_MNIST_DIR`), so ``--dataset fashion-mnist --data-dir
    /usr/share/datasets/fashion-mnist`` works out of the box there. MNIST itself is
    not packaged; point ``--data-dir`` at a folder holding its four files.

Every image is scaled to :math:`[0, 1]` (digits: divided by 16; IDX: by 255)
and returned as a ``float32`` tensor of shape ``(n, 1, H, W)``; labels are
``int64``. No other normalisation is applied.

The IDX format
--------------
A file starts with two zero bytes, a type byte (``0x08`` uint8, ``0x09`` int8,
``0x0B`` int16, ``0x0C`` int32, ``0x0D`` float32, ``0x0E`` float64) and the
number of dimensions ``d``; then ``d`` big-endian uint32 sizes; then exactly
:math:`\prod` sizes items, big-endian. :func:`read_idx` checks all of this and
raises :class:`IDXError` (a :class:`ValueError`) naming the file when a file is
missing, truncated (including a truncated gzip stream), has a bad magic number
or trailing bytes.

References
----------
.. [1] Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied
       to document recognition", Proc. IEEE 86 (1998); the IDX format at
       http://yann.lecun.com/exdb/mnist/.
.. [2] H. Xiao, K. Rasul, R. Vollgraf, "Fashion-MNIST: a novel image dataset for
       benchmarking machine learning algorithms", arXiv:1708.07747 (2017).
.. [3] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Appendix B.1.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

__all__ = [
    "DATASETS",
    "DEBIAN_FASHION_MNIST_DIR",
    "Dataset",
    "IDXError",
    "load_dataset",
    "load_digits_split",
    "load_idx_dataset",
    "read_idx",
    "write_idx",
]

#: Where Debian's ``dataset-fashion-mnist`` package installs the four IDX files.
DEBIAN_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

#: Dataset names accepted by :func:`load_dataset`.
from .names import DATASETS  # noqa: E402

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

#: Digits split, fixed.
DIGITS_TEST_SIZE = 0.25
DIGITS_SPLIT_SEED = 0


class IDXError(ValueError):
    """A missing, truncated or malformed IDX file (or data folder)."""


@dataclass(frozen=True)
class Dataset:
    """A train/test split held in memory as tensors.

    Attributes
    ----------
    name : str
        ``"digits"``, ``"mnist"`` or ``"fashion-mnist"``.
    x_train, x_test : torch.Tensor
        ``float32`` images of shape ``(n, 1, H, W)`` with values in ``[0, 1]``.
    y_train, y_test : torch.Tensor
        ``int64`` labels in ``0..9``.
    source : str
        Where the data came from (``"sklearn.datasets.load_digits"`` or the folder).
    """

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    source: str

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` of one image."""
        return tuple(int(d) for d in self.x_train.shape[1:])

    @property
    def in_features(self) -> int:
        """Number of inputs of a fully connected model: ``C * H * W`` (64 or 784)."""
        c, h, w = self.input_shape
        return c * h * w

    @property
    def n_classes(self) -> int:
        return 10

    def fingerprint(self) -> str:
        """SHA-256 (hex, 16 characters) of all four tensors: part of the checkpoint key."""
        h = hashlib.sha256()
        for t in (self.x_train, self.y_train, self.x_test, self.y_test):
            h.update(str(tuple(t.shape)).encode())
            h.update(memoryview(t.contiguous().numpy()).cast("B"))
        return h.hexdigest()[:16]


# ---------------------------------------------------------------------------
# digits
# ---------------------------------------------------------------------------
def load_digits_split(
    test_size: float = DIGITS_TEST_SIZE, seed: int = DIGITS_SPLIT_SEED
) -> Dataset:
    """scikit-learn's 8×8 digits with a fixed, stratified, seeded train/test split.

    Parameters
    ----------
    test_size : float, default 0.25
        Fraction of the 1797 images held out for testing, in ``(0, 1)``.
    seed : int, default 0
        ``random_state`` of :func:`sklearn.model_selection.train_test_split`.

    Returns
    -------
    Dataset
        Images scaled by 1/16 to ``[0, 1]``, shape ``(n, 1, 8, 8)``.

    References
    ----------
    .. [1] E. Alpaydin, C. Kaynak, "Optical recognition of handwritten digits",
           UCI Machine Learning Repository (1998); bundled as
           :func:`sklearn.datasets.load_digits`.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not isinstance(test_size, float) or not 0.0 < test_size < 1.0:
        raise ValueError(f"`test_size` must be a float in (0, 1), got {test_size!r}")
    bunch = load_digits()
    x = (bunch.data.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    y = bunch.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y
    )
    return Dataset(
        name="digits",
        x_train=torch.from_numpy(np.ascontiguousarray(x_tr)),
        y_train=torch.from_numpy(np.ascontiguousarray(y_tr)),
        x_test=torch.from_numpy(np.ascontiguousarray(x_te)),
        y_test=torch.from_numpy(np.ascontiguousarray(y_te)),
        source="sklearn.datasets.load_digits",
    )


# ---------------------------------------------------------------------------
# IDX
# ---------------------------------------------------------------------------
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
    p.write_bytes(gzip.compress(payload, mtime=0) if compress else payload)
    return p


_SPLITS = {
    "x_train": ("train-images", "idx3-ubyte"),
    "y_train": ("train-labels", "idx1-ubyte"),
    "x_test": ("t10k-images", "idx3-ubyte"),
    "y_test": ("t10k-labels", "idx1-ubyte"),
}


def _find(folder: Path, stem: str, kind: str) -> Path | None:
    for sep in ("-", "."):
        for ext in ("", ".gz"):
            cand = folder / f"{stem}{sep}{kind}{ext}"
            if cand.is_file():
                return cand
    return None


def load_idx_dataset(data_dir, name: str = "mnist") -> Dataset:
    """Load MNIST or Fashion-MNIST from the four standard IDX files in `data_dir`.

    The files are looked for in `data_dir` itself, then in ``data_dir/raw`` and
    ``data_dir/<MNIST|FashionMNIST>/raw`` (torchvision's layout).

    Parameters
    ----------
    data_dir : str or os.PathLike
        Folder holding ``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``,
        ``t10k-images-idx3-ubyte[.gz]`` and ``t10k-labels-idx1-ubyte[.gz]``.
        For Fashion-MNIST on Debian: :data:`DEBIAN_FASHION_MNIST_DIR`.
    name : {"mnist", "fashion-mnist"}
        Recorded in the result (the file format is the same).

    Returns
    -------
    Dataset
        Images ``float32`` in ``[0, 1]`` of shape ``(n, 1, H, W)``, labels ``int64``.

    Raises
    ------
    IDXError
        If `data_dir` is missing or not a folder, a file is missing or malformed
        (see :func:`read_idx`), images are not a uint8 ``(n, H, W)`` array, labels
        not a uint8 ``(n,)`` array in ``0..9``, the counts of images and labels differ,
        or train and test images differ in size.
    """
    if name not in ("mnist", "fashion-mnist"):
        raise ValueError(f"`name` must be 'mnist' or 'fashion-mnist', got {name!r}")
    if data_dir is None:
        raise IDXError(f"`data_dir` is required for {name!r} (nothing is downloaded)")
    root = Path(data_dir).expanduser()
    if not root.exists():
        raise IDXError(f"`data_dir` {str(root)!r} does not exist")
    if not root.is_dir():
        raise IDXError(f"`data_dir` {str(root)!r} is not a folder")
    sub = "FashionMNIST" if name == "fashion-mnist" else "MNIST"
    folders = [root, root / "raw", root / sub / "raw"]
    arrays: dict[str, np.ndarray] = {}
    used = None
    for folder in folders:
        found = {k: _find(folder, *v) for k, v in _SPLITS.items()}
        if all(found.values()):
            arrays = {k: read_idx(p) for k, p in found.items()}
            used = folder
            break
    else:
        missing = [f"{s}-{k}[.gz]" for s, k in _SPLITS.values()]
        raise IDXError(
            f"`data_dir` {str(root)!r} does not hold the four IDX files {', '.join(missing)}"
        )
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.ndim != 3:
            raise IDXError(
                f"`data_dir` {split} images must be a uint8 (n, H, W) array, "
                f"got {x.dtype} with shape {x.shape}"
            )
        if y.dtype != np.uint8 or y.ndim != 1:
            raise IDXError(
                f"`data_dir` {split} labels must be a uint8 (n,) array, "
                f"got {y.dtype} with shape {y.shape}"
            )
        if x.shape[0] != y.shape[0]:
            raise IDXError(f"`data_dir` {split} has {x.shape[0]} images but {y.shape[0]} labels")
        if x.shape[0] == 0:
            raise IDXError(f"`data_dir` {split} split is empty")
        if y.max() > 9:
            raise IDXError(f"`data_dir` {split} labels must lie in 0..9, found {int(y.max())}")
    if arrays["x_train"].shape[1:] != arrays["x_test"].shape[1:]:
        raise IDXError(
            f"`data_dir` train images are {arrays['x_train'].shape[1:]} but test images are "
            f"{arrays['x_test'].shape[1:]}"
        )

    def img(a):
        return torch.from_numpy(a.astype(np.float32) / 255.0).unsqueeze(1)

    def lab(a):
        return torch.from_numpy(a.astype(np.int64))

    return Dataset(
        name=name,
        x_train=img(arrays["x_train"]),
        y_train=lab(arrays["y_train"]),
        x_test=img(arrays["x_test"]),
        y_test=lab(arrays["y_test"]),
        source=str(used),
    )


def load_dataset(name: str, data_dir=None) -> Dataset:
    """Load ``"digits"`` (bundled) or ``"mnist"``/``"fashion-mnist"`` from `data_dir`.

    Raises
    ------
    ValueError
        If `name` is unknown, or (:class:`IDXError`) the IDX folder/files are bad.
    """
    if name == "digits":
        return load_digits_split()
    if name in ("mnist", "fashion-mnist"):
        return load_idx_dataset(data_dir, name)
    raise ValueError(f"`name` must be one of {', '.join(DATASETS)}, got {name!r}")
