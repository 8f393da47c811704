"""The one cache and file-writing convention of emp_theory (torch-free).

* :func:`cache_dir` — trained checkpoints, sweep results and experiment results live
  under ``<path>``, else ``$EMP_THEORY_CACHE``, else ``~/.cache/emp_theory``.
* :func:`cache_key` — the key of a cached artefact: the first 16 hex digits of the
  SHA-256 of the configuration written as canonical JSON (sorted keys, no spaces).
* :func:`atomic_write` — write a file under a temporary name in the same folder,
  ``fsync`` it and publish it with one :func:`os.replace`; on any failure (an
  exception, ``KeyboardInterrupt``) the temporary file is removed and nothing is left
  under the final name.
* :func:`verify_digest` — every cached artefact written with ``digest=True`` has a
  sidecar ``<name>.sha256`` holding the SHA-256 of its bytes; a cache is trusted only
  when the digest matches.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "CACHE_ENV",
    "DIGEST_SUFFIX",
    "atomic_write",
    "cache_dir",
    "cache_key",
    "file_digest",
    "fsync_dir",
    "verify_digest",
]

#: Environment variable naming the cache folder.
CACHE_ENV = "EMP_THEORY_CACHE"
#: Suffix of the digest sidecar written beside a cached artefact.
DIGEST_SUFFIX = ".sha256"


def cache_dir(path=None) -> Path:
    """The cache folder: `path`, else ``$EMP_THEORY_CACHE``, else ``~/.cache/emp_theory``."""
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "emp_theory"


def _json_default(o):
    if isinstance(o, tuple | set | frozenset):
        return sorted(o) if isinstance(o, set | frozenset) else list(o)
    if isinstance(o, os.PathLike):
        return os.fspath(o)
    if hasattr(o, "item"):  # NumPy scalars
        return o.item()
    raise TypeError(f"cache_key: cannot encode {type(o).__name__} in a configuration")


def cache_key(config) -> str:
    """First 16 hex digits of the SHA-256 of `config` as canonical JSON.

    Examples
    --------
    >>> cache_key({"b": 1, "a": [1, 2]}) == cache_key({"a": (1, 2), "b": 1})
    True
    >>> len(cache_key({"model": "fc2"}))
    16
    """
    blob = json.dumps(config, sort_keys=True, separators=(",", ":"), default=_json_default)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def file_digest(path) -> str:
    """Hex SHA-256 of the bytes of the file at `path` (read in 1 MiB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fsync_dir(folder: Path) -> None:
    """``fsync`` a folder, so that a rename or a new file in it survives a crash (best effort)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path, data: bytes | str | Callable, *, digest: bool = False) -> Path:
    """Write `data` to `path` atomically; return the path.

    Parameters
    ----------
    path : str or os.PathLike
        Final name. Its folder is created if needed.
    data : bytes, str or callable
        The bytes, a text (written as UTF-8), or a function ``writer(fh)`` that
        writes to a binary file object.
    digest : bool, default False
        Also write the sidecar ``<path>.sha256`` (atomically, after the file), so
        that :func:`verify_digest` can check the artefact before it is trusted.

    Notes
    -----
    The data go to a temporary file beside `path` (so the final rename stays on
    one file system), are flushed and ``fsync``-ed, and are published with one
    :func:`os.replace`. If anything fails — including ``KeyboardInterrupt`` — the
    temporary file is removed and the exception propagates; a file already under
    the final name is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; publish as open() would
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data.encode("utf-8") if isinstance(data, str) else bytes(data))
            fh.flush()
            os.fsync(fh.fileno())
        hexdigest = file_digest(tmp) if digest else None
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if hexdigest is not None:
        atomic_write(_sidecar(path), f"{hexdigest}  {path.name}\n")
    fsync_dir(path.parent)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + DIGEST_SUFFIX)


def verify_digest(path) -> bool:
    """True when `path` and its ``.sha256`` sidecar exist and the digest matches its bytes."""
    path = Path(path)
    side = _sidecar(path)
    try:
        want = side.read_text(encoding="utf-8").split()[0]
        return path.is_file() and file_digest(path) == want
    except (OSError, IndexError, UnicodeDecodeError):
        return False
