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
``int64``. :func:`load_idx_dataset` stops there. :func:`load_dataset`, the loader of
the sweep and the command line, then standardizes MNIST and Fashion-MNIST as the
paper's public code does (``train_models.ipynb`` of github.com/noMushroomw/Effective-model-pruning,
its grayscale transforms): :math:`x \mapsto (x - \mu)/\sigma` with the fixed
:data:`IDX_STANDARDIZATION` constants, MNIST :math:`(0.1307, 0.3081)` and
Fashion-MNIST :math:`(0.2860, 0.3530)` (the mean and standard deviation of the training
pixels), the same on the training and the test images, and no augmentation
(:func:`standardized`; ``standardize=False`` keeps :math:`[0, 1]`). Appendix B.1 of the
paper does not say how inputs are normalised; the digits are not standardized (their
recipe is ours).

The IDX files are read by :mod:`emp_theory.pruning.idx` (:func:`.read_idx`, which raises
:class:`.IDXError`, a :class:`ValueError` naming the file, for a missing, truncated or
malformed file); :func:`load_idx_dataset` also checks the four arrays fit together.

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

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .idx import IDXError, read_idx, write_idx
from .names import DATASETS, DEBIAN_FASHION_MNIST, IDX_DATASETS

__all__ = [
    "DATASETS",
    "DEBIAN_FASHION_MNIST_DIR",
    "IDX_STANDARDIZATION",
    "Dataset",
    "IDXError",
    "load_dataset",
    "load_digits_split",
    "load_idx_dataset",
    "read_idx",
    "standardized",
    "write_idx",
]

#: Where Debian's ``dataset-fashion-mnist`` package installs the four IDX files
#: (:data:`emp_theory.pruning.names.DEBIAN_FASHION_MNIST`).
DEBIAN_FASHION_MNIST_DIR = DEBIAN_FASHION_MNIST

#: ``(mean, std)`` of the training pixels in :math:`[0, 1]`, as the paper's public code
#: standardizes its inputs (``train_models.ipynb``: ``MNIST_MEAN, MNIST_STD`` and
#: ``FASHION_MEAN, FASHION_STD``).
IDX_STANDARDIZATION = {"mnist": (0.1307, 0.3081), "fashion-mnist": (0.2860, 0.3530)}

#: Digits split, fixed.
DIGITS_TEST_SIZE = 0.25
DIGITS_SPLIT_SEED = 0


@dataclass(frozen=True)
class Dataset:
    """A train/test split held in memory as tensors.

    Attributes
    ----------
    name : str
        ``"digits"``, ``"mnist"`` or ``"fashion-mnist"``.
    x_train, x_test : torch.Tensor
        ``float32`` images of shape ``(n, 1, H, W)`` with values in ``[0, 1]``, or
        standardized as `transform` says.
    y_train, y_test : torch.Tensor
        ``int64`` labels in ``0..9``.
    source : str
        Where the data came from (``"sklearn.datasets.load_digits"`` or the folder).
    transform : str, default ""
        ``""`` for pixels in ``[0, 1]``, else what was applied to both splits (e.g.
        ``"(x - 0.286) / 0.353"``, see :func:`standardized`).
    """

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    source: str
    transform: str = ""

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
        (see :func:`.read_idx`), images are not a uint8 ``(n, H, W)`` array, labels
        not a uint8 ``(n,)`` array in ``0..9``, the counts of images and labels differ,
        or train and test images differ in size.
    """
    if name not in IDX_DATASETS:
        raise ValueError(f"`name` must be one of {', '.join(IDX_DATASETS)}, got {name!r}")
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


def standardized(data: Dataset, mean: float, std: float) -> Dataset:
    """Return `data` with both splits mapped by :math:`x \\mapsto (x - \\mu)/\\sigma`.

    Parameters
    ----------
    data : Dataset
        Images in ``[0, 1]`` (``data.transform == ""``).
    mean, std : float
        :math:`\\mu` and :math:`\\sigma > 0`, e.g. :data:`IDX_STANDARDIZATION` ``[data.name]``.

    Raises
    ------
    ValueError
        If `data` is already transformed or `std` is not a finite number > 0.
    """
    if data.transform:
        raise ValueError(f"`data` is already transformed ({data.transform})")
    if not (isinstance(std, int | float) and 0 < std < float("inf")):
        raise ValueError(f"`std` must be a finite number > 0, got {std!r}")
    if not (isinstance(mean, int | float) and abs(mean) < float("inf")):
        raise ValueError(f"`mean` must be a finite number, got {mean!r}")
    return Dataset(
        name=data.name,
        x_train=(data.x_train - mean) / std,
        y_train=data.y_train,
        x_test=(data.x_test - mean) / std,
        y_test=data.y_test,
        source=data.source,
        transform=f"(x - {mean:g}) / {std:g}",
    )


def load_dataset(name: str, data_dir=None, *, standardize: bool = True) -> Dataset:
    """Load ``"digits"`` (bundled) or ``"mnist"``/``"fashion-mnist"`` from `data_dir`.

    Parameters
    ----------
    name : {"digits", "mnist", "fashion-mnist"}
    data_dir : path, optional
        The IDX folder (:func:`load_idx_dataset`); unused for the digits.
    standardize : bool, default True
        Standardize MNIST / Fashion-MNIST with :data:`IDX_STANDARDIZATION`, as the
        paper's public code does; False keeps the pixels in ``[0, 1]``. The digits are
        never standardized.

    Raises
    ------
    ValueError
        If `name` is unknown, or (:class:`.IDXError`) the IDX folder/files are bad.
    """
    if name == "digits":
        return load_digits_split()
    if name in IDX_DATASETS:
        data = load_idx_dataset(data_dir, name)
        if standardize:
            data = standardized(data, *IDX_STANDARDIZATION[name])
        return data
    raise ValueError(f"`name` must be one of {', '.join(DATASETS)}, got {name!r}")
