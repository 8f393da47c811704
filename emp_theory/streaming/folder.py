r"""A checkpoint folder: its shards (from the index when there is one), and every other file.

A Hugging Face checkpoint is a folder: weight shards, often a
``model.safetensors.index.json`` whose ``weight_map`` names the shard of every tensor,
and the files that make it loadable (``config.json``, tokenizer files,
``generation_config.json``, ``modules.json`` and ``1_Pooling/`` of a
sentence-transformers model, ...). :func:`open_checkpoint` reads it as a
:class:`Checkpoint`:

The shards
    With an index (``model.safetensors.index.json``, else the one
    ``*.safetensors.index.json`` of the folder) its ``weight_map`` defines the tensors
    and the shards: every listed shard must exist, and every listed tensor must be in
    its listed shard and in no other; a shard holding a tensor the index does not
    list is refused too. Without an index the shards are the ``*.safetensors`` files
    directly in the folder. Either way they are taken sorted by name (the *global
    order*: shards by name, tensors by data offset, entries row-major; Algorithm 1
    with ``scope="global"`` treats this concatenation as one score vector).

Untrusted names
    A downloaded checkpoint is untrusted input. A shard name of the index must be a
    plain relative path (no ``..``, not absolute, normalized) ending in
    ``.safetensors``, and every file that is read — shard or other file — must lie
    inside the folder once symbolic links are resolved (one exception: in the Hugging
    Face cache layout ``<repo>/snapshots/<rev>/`` the files are links into
    ``<repo>/blobs/``, which is accepted). Anything else is refused with a one-line
    ``ValueError``.

The other files
    Every other regular file, in sub-folders too, is copied byte for byte into the
    output, except (each reported in ``Checkpoint.ignored`` with the reason):
    ``*.safetensors`` files that are not shards (outside the index), weights in other
    formats (:data:`OTHER_WEIGHTS`: a pruned folder must not carry a dense copy of the
    weights, e.g. ``pytorch_model.bin``), other index files, hidden folders (``.git``,
    ``.cache``), folders reached through symbolic links, files that are not regular
    (FIFOs, devices) and a previous report of the same name. The index itself is
    copied unchanged: the output shards have the input's byte layout, so its
    ``metadata.total_size`` stays right.

Torch-free: only the standard library.

Examples
--------
>>> is_weight_file("pytorch_model-00001-of-00002.bin"), is_weight_file("config.json")
(True, False)
>>> is_weight_file("model.safetensors.index.json")
True
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .headers import Shard, read_shard
from .rule import PruneRule

__all__ = [
    "INDEX_NAME",
    "INDEX_SUFFIX",
    "MAX_INDEX",
    "OTHER_WEIGHTS",
    "Checkpoint",
    "is_weight_file",
    "open_checkpoint",
    "shard_tensors",
]

#: The index file name of a sharded Hugging Face checkpoint.
INDEX_NAME = "model.safetensors.index.json"
#: The ending of every safetensors index file name.
INDEX_SUFFIX = ".safetensors.index.json"
#: Largest index file accepted, in bytes.
MAX_INDEX = 100_000_000
#: File name endings of weights (in any format) that are never copied to the output.
OTHER_WEIGHTS = (
    ".safetensors",
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".h5",
    ".msgpack",
    ".onnx",
    ".onnx_data",
    ".ot",
    ".gguf",
    ".tflite",
)


@dataclass
class Checkpoint:
    """A checkpoint folder as :func:`open_checkpoint` reads it (paths relative, POSIX)."""

    root: Path  # the folder, symbolic links resolved
    shards: list[Shard]  # sorted by name
    index: str | None = None  # the index file, if any (also in `files`)
    files: list[str] = field(default_factory=list)  # copied byte for byte
    ignored: list[dict] = field(default_factory=list)  # {"path", "why"}: not read, not copied

    @property
    def shard_bytes(self) -> int:
        return sum(sh.path.stat().st_size for sh in self.shards)

    @property
    def file_bytes(self) -> int:
        return sum((self.root / f).stat().st_size for f in self.files)


def is_weight_file(name: str) -> bool:
    """Whether `name` is a weight file (or a weight index) in one of :data:`OTHER_WEIGHTS`."""
    low = name.lower()
    if low.endswith(".index.json"):
        low = low[: -len(".index.json")]
    return low.endswith(OTHER_WEIGHTS)


def _roots(root: Path) -> list[Path]:
    """Where the files of `root` may lie: the folder, and ``../../blobs`` of an HF snapshot."""
    roots = [root]
    if root.parent.name == "snapshots":
        roots.append(root.parent.parent / "blobs")
    return roots


def _inside(p: str, roots: list[Path]) -> bool:
    return any(os.path.commonpath([p, str(r)]) == str(r) for r in roots)


def _member(root: Path, rel: str, roots: list[Path]) -> Path:
    """The real path of file `rel` of the folder; refused if it leaves the folder."""
    real = os.path.realpath(root / rel)
    if not _inside(real, roots):
        raise ValueError(
            f"`in_dir`: {rel} is a symbolic link out of the folder (to {real}); refused"
        )
    return Path(real)


def _safe_shard_name(name, index: str) -> str:
    if not isinstance(name, str):
        raise ValueError(f"`in_dir`: {index} maps a tensor to {name!r}, not a file name")
    pp = PurePosixPath(name)
    if (
        not name
        or "\0" in name
        or "\\" in name
        or pp.is_absolute()
        or ".." in pp.parts
        or str(pp) != name
        or not name.endswith(".safetensors")
    ):
        raise ValueError(
            f"`in_dir`: {index} names the shard {name!r}, which is not a plain relative "
            "*.safetensors path inside the folder; refused"
        )
    return name


def _read_index(root: Path, index: str) -> dict[str, str]:
    path = _member(root, index, _roots(root))
    try:
        if path.stat().st_size > MAX_INDEX:
            raise ValueError(f"`in_dir`: {index} is larger than {MAX_INDEX} bytes")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"`in_dir`: cannot read {index}: {exc}") from None
    wm = data.get("weight_map") if isinstance(data, dict) else None
    if not isinstance(wm, dict) or not wm:
        raise ValueError(f"`in_dir`: {index} has no non-empty 'weight_map' object")
    return {str(k): _safe_shard_name(v, index) for k, v in wm.items()}


def _find_index(root: Path) -> tuple[str | None, list[str]]:
    """The index file to use and the other index files (ignored)."""
    found = sorted(
        p.name for p in root.iterdir() if p.name.endswith(INDEX_SUFFIX) and not p.is_dir()
    )
    if not found:
        return None, []
    if INDEX_NAME in found:
        return INDEX_NAME, [f for f in found if f != INDEX_NAME]
    if len(found) > 1:
        raise ValueError(
            f"`in_dir`: several index files ({', '.join(found)}) and no {INDEX_NAME}; "
            "keep the one to prune"
        )
    return found[0], []


def _shards_from_index(root: Path, index: str) -> list[Shard]:
    wm = _read_index(root, index)
    roots = _roots(root)
    listed: dict[str, set[str]] = {}
    for tensor, shard in wm.items():
        listed.setdefault(shard, set()).add(tensor)
    shards = []
    where: dict[str, str] = {}
    for name in sorted(listed):
        real = _member(root, name, roots)
        if not real.exists():
            raise ValueError(f"`in_dir`: shard {name} listed in {index} is missing")
        if not real.is_file():
            raise ValueError(f"`in_dir`: shard {name} listed in {index} is not a regular file")
        sh = read_shard(real, name)
        names = {t.name for t in sh.tensors}
        for t in sorted(names):
            if t in where:
                raise ValueError(f"`in_dir`: tensor {t!r} is in both {where[t]} and {name}")
            where[t] = name
        absent = sorted(listed[name] - names)
        if absent:
            raise ValueError(
                f"`in_dir`: tensor {absent[0]!r} listed in {index} is not in its shard {name}"
                + (f" ({len(absent) - 1} more missing)" if len(absent) > 1 else "")
            )
        extra = sorted(names - listed[name])
        if extra:
            shard_of = wm.get(extra[0])
            also = f" (the index puts it in {shard_of})" if shard_of else ""
            raise ValueError(
                f"`in_dir`: shard {name} holds tensor {extra[0]!r}, which {index} does "
                f"not list there{also}"
            )
        shards.append(sh)
    return shards


def _shards_from_folder(root: Path) -> list[Shard]:
    roots = _roots(root)
    shards = []
    for p in sorted(root.iterdir(), key=lambda p: p.name):
        if not p.name.endswith(".safetensors") or p.is_dir():
            continue
        real = _member(root, p.name, roots)
        if not real.is_file():
            raise ValueError(f"`in_dir`: {p.name} is not a regular file")
        shards.append(read_shard(real, p.name))
    if not shards:
        raise ValueError(f"`in_dir` holds no .safetensors files: {root}")
    return shards


def open_checkpoint(in_dir, *, report_name: str = "emp_report.json") -> Checkpoint:
    """Read the checkpoint folder `in_dir` (module docstring): shards, other files, ignored.

    Raises
    ------
    ValueError
        If `in_dir` is missing or not a folder, holds no shard, a shard is missing
        or corrupt, a tensor is missing or found twice, or a name of the index or a
        file leaves the folder.
    """
    p = Path(in_dir)
    if not p.exists():
        raise ValueError(f"`in_dir` does not exist: {in_dir}")
    if not p.is_dir():
        raise ValueError(f"`in_dir` is not a directory: {in_dir}")
    root = p.resolve()
    index, other_indexes = _find_index(root)
    shards = _shards_from_index(root, index) if index else _shards_from_folder(root)
    ck = Checkpoint(root=root, shards=shards, index=index)
    _walk(ck, set(other_indexes), report_name)
    return ck


def _walk(ck: Checkpoint, other_indexes: set[str], report_name: str) -> None:
    """Sort every file of the folder into shards, copied files and ignored ones."""
    root = ck.root
    roots = _roots(root)
    shard_names = {sh.name for sh in ck.shards}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        rel_dir = here.relative_to(root)
        keep = []
        for d in sorted(dirnames):
            rel = (rel_dir / d).as_posix()
            if d.startswith("."):
                ck.ignored.append({"path": rel + "/", "why": "hidden folder"})
            elif (here / d).is_symlink():
                ck.ignored.append({"path": rel + "/", "why": "symbolic link to a folder"})
            else:
                keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            rel = (rel_dir / f).as_posix()
            if rel in shard_names:
                continue
            why = None
            if rel == ck.index:
                pass
            elif rel in other_indexes:
                why = "another index (its shards are not pruned)"
            elif f.endswith(".safetensors"):
                why = f"not listed in {ck.index}" if ck.index else "not a shard (in a sub-folder)"
            elif is_weight_file(f):
                why = "weights in another format (not pruned, so not copied)"
            elif rel == report_name:
                why = "a previous report (replaced by this run's)"
            if why is None:
                real = _member(root, rel, roots)
                try:
                    mode = os.stat(real).st_mode
                except FileNotFoundError:
                    why = "broken symbolic link"
                else:
                    if not stat.S_ISREG(mode):
                        why = "not a regular file"
            if why is None:
                ck.files.append(rel)
            else:
                ck.ignored.append({"path": rel, "why": why})


def shard_tensors(in_dir, *, include_1d: bool = False, include=(), exclude=()) -> list[dict]:
    """List the tensors of a checkpoint folder in the global order used by EMP.

    The order is the one of the concatenation that
    :func:`~emp_theory.streaming.driver.prune_safetensors` treats as one score vector: shards
    sorted by name (those of the index when there is one), tensors by their data
    offset inside the shard, entries row-major.

    Parameters
    ----------
    in_dir : str or path-like
        The checkpoint folder.
    include_1d : bool, default False
        Also prune the biases (:class:`~emp_theory.streaming.rule.PruneRule`).
    include, exclude : sequence of str
        ``fnmatch`` globs on tensor names (:mod:`emp_theory.streaming.rule`).

    Returns
    -------
    list of dict
        One dict per tensor: ``shard``, ``name``, ``dtype``, ``shape``, ``numel``,
        ``pruned`` (whether EMP selects its entries) and ``reason``.

    Raises
    ------
    ValueError
        If `in_dir` is not a readable checkpoint folder (:func:`open_checkpoint`).
    """
    rule = PruneRule(tuple(include), tuple(exclude), include_1d)
    out = []
    for sh in open_checkpoint(in_dir).shards:
        for t in sh.tensors:
            pruned, why = rule.decide(t.name, t.dtype, t.shape)
            out.append(
                {
                    "shard": sh.name,
                    "name": t.name,
                    "dtype": t.dtype,
                    "shape": list(t.shape),
                    "numel": t.numel,
                    "pruned": pruned,
                    "reason": why,
                }
            )
    return out
