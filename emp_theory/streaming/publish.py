r"""An output folder that is either whole or absent: lock, partial folder, one rename.

:class:`Output` owns the output folder ``OUT`` of one run:

Lock
    An exclusive ``fcntl.flock`` on ``OUT.emp-lock`` beside the folder (the file holds
    the PID of its owner; it is removed when the run ends, and the kernel releases
    the lock if the process dies). A second run into the same folder is refused at
    once with a one-line error naming the process that holds it.

Partial folder and publication
    Everything is written into ``.OUT.emp-partial-PID`` beside the folder (same file
    system), every file ``fsync``-ed, then published with one :func:`os.rename`. With
    ``overwrite`` an existing output is swapped: renamed aside to
    ``.OUT.emp-old-PID``, the new folder renamed in, the old one deleted, so the
    folder under the final name always holds the files of exactly one run. Only an
    empty folder or a previous output (it holds the report) is ever replaced.

Leftovers of killed runs
    A run killed (SIGKILL, power loss) leaves ``.OUT.emp-partial-PID`` (and, if it
    died between the two renames of a swap, ``.OUT.emp-old-PID`` with no ``OUT``).
    The next run, holding the lock, finds them: a leftover of a process that is no
    longer alive is removed, an old output with no new one in place is renamed back
    (``Output.cleaned`` says what was done); a leftover of a live process is
    named in a one-line error.

Space
    :meth:`Output.check_space` refuses, before any analysis pass, a run whose output
    cannot fit: the bytes needed against the free space of the file system
    (``statvfs``) and the largest file against the file-size limit
    (``RLIMIT_FSIZE``). A write that still fails for lack of space (``ENOSPC``,
    ``EDQUOT``) or size (``EFBIG``; ``SIGXFSZ`` is ignored meanwhile so that the write
    fails instead of the process being killed) becomes the same one-line error
    (:func:`space_error`), the partial folder is removed and an old output is left
    untouched.

Examples
--------
>>> partial_name("pruned", 123), old_name("pruned", 123)
('.pruned.emp-partial-123', '.pruned.emp-old-123')
>>> leftover_pid("pruned", ".pruned.emp-partial-77"), leftover_pid("pruned", "x")
(('partial', 77), None)
>>> human(3 * 2**30)
'3.00 GiB'
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import threading
from pathlib import Path

from .._cache import fsync_dir

__all__ = [
    "Output",
    "human",
    "leftover_pid",
    "old_name",
    "partial_name",
    "pid_alive",
    "space_error",
]

_SPACE_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def partial_name(name: str, pid: int) -> str:
    return f".{name}.emp-partial-{pid}"


def old_name(name: str, pid: int) -> str:
    return f".{name}.emp-old-{pid}"


def leftover_pid(name: str, entry: str):
    """``(kind, pid)`` if `entry` is a partial or old folder of output `name`, else None."""
    m = re.fullmatch(rf"\.{re.escape(name)}\.emp-(partial|old)-(\d+)", entry)
    return (m.group(1), int(m.group(2))) if m else None


def human(n: int) -> str:
    """A byte count for people: ``'3.00 GiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n} B" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def pid_alive(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie has exited: its leftovers are leftovers
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def space_error(exc: OSError, out: Path, needed: int, largest: int, free: int | None):
    """The one-line error for a write that failed for lack of space or a size limit."""
    keep = f"{out} was left as it was"
    if exc.errno == errno.EFBIG:
        lim = _fsize_limit()
        limit = f"the file-size limit (ulimit -f) is {human(lim)}" if lim else "a size limit"
        return ValueError(
            f"`out_dir`: file too large: the output's largest file needs {largest} bytes "
            f"({human(largest)}) and {limit}; {keep}"
        )
    have = f", {free} bytes ({human(free)}) were free" if free is not None else ""
    return ValueError(
        f"`out_dir`: no space left on the file system of {out.parent} ({exc.strerror}): the "
        f"output needs {needed} bytes ({human(needed)}){have}; {keep}"
    )


def _fsize_limit() -> int | None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return None
    soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return None if soft == resource.RLIM_INFINITY else int(soft)


def _free_bytes(path: Path) -> int | None:
    try:
        st = os.statvfs(path)
    except (OSError, AttributeError):  # pragma: no cover - not POSIX
        return None
    blocks = st.f_bfree if hasattr(os, "geteuid") and os.geteuid() == 0 else st.f_bavail
    return blocks * st.f_frsize


def _empty_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not os.listdir(path)


class Output:
    """The output folder of one run (module docstring); a context manager.

    Parameters
    ----------
    out_dir : path-like
        The final folder ``OUT``; its parent is created if missing.
    overwrite : bool
        Replace a previous output (a folder holding `report_name`).
    report_name : str
        File name of the report inside the folder: marks a previous output.
    """

    def __init__(self, out_dir, *, overwrite: bool, report_name: str):
        out = Path(os.path.abspath(out_dir))
        if out.is_symlink():
            raise ValueError(f"`out_dir` is a symbolic link; give the folder itself: {out}")
        self.parent = out.parent.resolve()
        self.name = out.name
        self.out = self.parent / self.name
        self.overwrite = overwrite
        self.report_name = report_name
        self.lock_path = self.parent / f"{self.name}.emp-lock"
        self.partial: Path | None = None
        self.cleaned: list[str] = []
        self.free: int | None = None
        self._fd: int | None = None
        self._sigxfsz = None

    # -- lock ------------------------------------------------------------------------
    def __enter__(self):
        self.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock()
            self._clean_leftovers()
            self._check_existing()
            self._ignore_sigxfsz()
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if self.partial is not None:
                shutil.rmtree(self.partial, ignore_errors=True)
                self.partial = None
        finally:
            self._restore_sigxfsz()
            self._release()

    def _lock(self) -> None:
        import fcntl

        while True:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0))
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = os.read(fd, 32).decode("ascii", "replace").strip()
                os.close(fd)
                who = f"process {owner}" if owner.isdigit() else "another process"
                raise ValueError(
                    f"`out_dir` {self.out} is being written by {who} (lock {self.lock_path}); "
                    "wait for it to finish or choose another folder"
                ) from None
            except BaseException:
                os.close(fd)
                raise
            try:  # the file may have been removed by its previous owner meanwhile
                same = os.fstat(fd).st_ino == os.stat(self.lock_path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        self._fd = fd  # released by _release() even if writing the PID fails
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())

    def _release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):  # unlinked while still held: no race
            os.unlink(self.lock_path)
        os.close(self._fd)
        self._fd = None

    # -- leftovers and the folder already there -----------------------------------------
    def _clean_leftovers(self) -> None:
        found = []
        for entry in sorted(os.listdir(self.parent)):
            lp = leftover_pid(self.name, entry)
            if lp is not None:
                found.append((entry, *lp))
        for entry, kind, pid in found:
            path = self.parent / entry
            if pid != os.getpid() and pid_alive(pid):
                raise ValueError(
                    f"`out_dir`: {path} is left by process {pid}, which is still running but "
                    "does not hold the lock; remove it once you know it is not writing it"
                )
            if kind == "old" and (not self.out.exists() or _empty_dir(self.out)):
                if self.out.exists():
                    self.out.rmdir()
                os.rename(path, self.out)  # a swap killed between its two renames
                self.cleaned.append(f"restored {self.name} from {entry} (left by process {pid})")
            else:
                shutil.rmtree(path)
                self.cleaned.append(f"removed {entry} (left by killed process {pid})")
        if found:
            fsync_dir(self.parent)

    def _check_existing(self) -> None:
        """Refuse a folder that is not empty and not (with `overwrite`) a previous output."""
        out = self.out
        if not out.exists():
            return
        if not out.is_dir():
            raise ValueError(f"`out_dir` exists and is not a directory: {out}")
        entries = os.listdir(out)
        if not entries:
            return  # an empty folder is replaced by the rename
        if not (out / self.report_name).is_file():
            raise ValueError(
                f"`out_dir` {out} is not empty and holds no {self.report_name}, so it is not "
                "an output of this command; refusing to write there (choose a new folder)"
            )
        if not self.overwrite:
            shown = ", ".join(sorted(entries)[:3]) + (" ..." if len(entries) > 3 else "")
            raise ValueError(f"`out_dir` already holds {shown} (pass overwrite=True / --overwrite)")

    # -- space -------------------------------------------------------------------------
    def check_space(self, needed: int, largest: int) -> None:
        """Refuse a run whose `needed` bytes (largest file `largest`) cannot be written."""
        self.needed, self.largest = needed, largest
        self.free = _free_bytes(self.parent)
        if self.free is not None and self.free < needed:
            raise space_error(
                OSError(errno.ENOSPC, "not enough free space"), self.out, needed, largest, self.free
            )
        lim = _fsize_limit()
        if lim is not None and largest > lim:
            raise space_error(
                OSError(errno.EFBIG, "File too large"), self.out, needed, largest, None
            )

    def wrap(self, exc: OSError):
        """`exc` as the one-line space error if it is one (ENOSPC, EDQUOT, EFBIG), else None."""
        if exc.errno not in _SPACE_ERRNOS:
            return None
        return space_error(
            exc, self.out, getattr(self, "needed", 0), getattr(self, "largest", 0), self.free
        )

    def _ignore_sigxfsz(self) -> None:
        sig = getattr(signal, "SIGXFSZ", None)
        if sig is not None and threading.current_thread() is threading.main_thread():
            self._sigxfsz = signal.signal(sig, signal.SIG_IGN)

    def _restore_sigxfsz(self) -> None:
        if self._sigxfsz is not None:
            signal.signal(signal.SIGXFSZ, self._sigxfsz)
            self._sigxfsz = None

    # -- writing and publishing ----------------------------------------------------------
    def begin(self) -> Path:
        """Create and return the empty partial folder."""
        p = self.parent / partial_name(self.name, os.getpid())
        if p.exists():
            shutil.rmtree(p)
        p.mkdir()
        self.partial = p
        return p

    def publish(self) -> None:
        """Publish the partial folder under the final name (swapping out an old output)."""
        src = self.partial
        assert src is not None
        self._check_existing()  # again: the folder may have changed during the run
        for dirpath, _, _ in os.walk(src):
            fsync_dir(Path(dirpath))
        old = None
        if self.out.exists() and os.listdir(self.out):
            old = self.parent / old_name(self.name, os.getpid())
            os.rename(self.out, old)
            try:
                os.rename(src, self.out)
            except BaseException:
                os.rename(old, self.out)
                raise
        else:
            os.rename(src, self.out)  # an empty folder there is replaced
        self.partial = None
        fsync_dir(self.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
