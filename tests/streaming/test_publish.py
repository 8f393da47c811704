"""Fault tests of the output (emp_theory.streaming.publish): lock, kills, full disks, Ctrl-C.

The output folder must be either a whole checkpoint of one run or absent (or the previous
output, untouched). Real processes are killed here: a child prunes with a hook that
pauses it at a chosen point (it writes a "ready" file first), and the parent kills it,
sends SIGINT, or runs a second prune against it.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")

from emp_theory import streaming as S  # noqa: E402
from emp_theory.streaming import publish as P  # noqa: E402
from emp_theory.streaming import writer as W  # noqa: E402

#: The child: ``python -c CHILD MODE SRC OUT READY [LIMIT]``; runs the command via main().
CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    # a test runner started in the background (nohup, `&`) passes SIGINT on as ignored;
    # this test is about what the CLI does with it, so take Python's default again
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from pathlib import Path
    mode, src, out, ready = sys.argv[1:5]
    from emp_theory import cli
    from emp_theory.streaming import driver, publish, writer

    def pause(*a, **k):
        Path(ready).write_text(str(os.getpid()))
        time.sleep(120)
        raise SystemExit("not interrupted")

    if mode == "pause-write":
        writer.write_masked = pause
    elif mode == "pause-analyse":
        driver.analyse = pause
    elif mode in ("fsize", "fsize-at-write"):
        import resource
        lim = int(sys.argv[5])
        resource.setrlimit(resource.RLIMIT_FSIZE, (lim, resource.RLIM_INFINITY))
        if mode == "fsize-at-write":  # a limit the early check cannot see
            publish._fsize_limit = lambda: None
    elif mode == "kill-in-swap":
        real = os.rename
        def rename(a, b):
            real(a, b)
            if ".emp-old-" in str(b):  # the old output is aside, the new not yet in
                os.kill(os.getpid(), signal.SIGKILL)
        os.rename = rename
    elif mode == "enospc-at-write":
        publish._free_bytes = lambda p: None  # let the real write hit the full disk
    rc = cli.main(["prune-safetensors", src, out, "--no-progress", "--overwrite"])
    if mode == "enospc-at-write" or mode == "tmpfs":
        print("LEFT", sorted(os.listdir(Path(out).parent)))
    sys.exit(rc)
    """
)


def _child(mode, src, out, tmp_path, *extra, prefix=()):
    ready = tmp_path / f"ready-{mode}"
    cmd = [*prefix, sys.executable, "-c", CHILD, mode, str(src), str(out), str(ready), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, ready


def _wait_ready(proc, ready, timeout=120.0):
    t0 = time.monotonic()
    while not ready.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"child ended early (rc {proc.returncode}): {out}{err}")
        if time.monotonic() - t0 > timeout:
            proc.kill()
            pytest.fail("child never got ready")
        time.sleep(0.05)


def _snapshot(d):
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def _beside(tmp_path):
    """What lies beside the output: no partial folder, no old folder, no lock file."""
    return sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("ready-"))


@pytest.fixture
def model(tmp_path, make_indexed_model):
    return make_indexed_model(tmp_path / "in", torch.bfloat16, seed=81)


def test_lock_refuses_a_second_run_then_kill_leaves_a_leftover_the_next_run_removes(
    tmp_path, model, cli_main_stream, capsys
):
    out = tmp_path / "out"
    S.prune_safetensors(model, out, beta=0.5, progress=False)
    old = _snapshot(out)
    proc, ready = _child("pause-write", model, out, tmp_path)
    try:
        _wait_ready(proc, ready)
        lock = tmp_path / "out.emp-lock"
        assert lock.read_text().strip() == str(proc.pid)
        with pytest.raises(ValueError, match=f"being written by process {proc.pid}"):
            S.prune_safetensors(model, out, overwrite=True, progress=False)
        assert cli_main_stream([str(model), str(out), "--overwrite", "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert f"process {proc.pid}" in err and err.count("\n") == 1
        proc.send_signal(signal.SIGKILL)  # killed in the middle of writing a shard
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    partial = f".out.emp-partial-{proc.pid}"
    assert partial in _beside(tmp_path)
    assert _snapshot(out) == old  # the previous output is whole and unchanged
    rep = S.prune_safetensors(model, out, overwrite=True, progress=False)
    assert rep["cleaned"] == [f"removed {partial} (left by killed process {proc.pid})"]
    assert _beside(tmp_path) == ["in", "out"]
    assert json.loads((out / S.REPORT_NAME).read_text())["beta"] == 1.0


def test_kill_between_the_two_renames_of_a_swap(tmp_path, model):
    out = tmp_path / "out"
    S.prune_safetensors(model, out, beta=0.5, progress=False)
    old = _snapshot(out)
    proc, _ = _child("kill-in-swap", model, out, tmp_path)
    proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()  # the window of a swap: old aside, new not in
    left = _beside(tmp_path)
    assert f".out.emp-old-{proc.pid}" in left and f".out.emp-partial-{proc.pid}" in left
    # the next run puts the old output back (it is the only whole one) and removes the rest
    with pytest.raises(ValueError, match="already holds"):
        S.prune_safetensors(model, out, progress=False)
    assert _snapshot(out) == old
    assert _beside(tmp_path) == ["in", "out"]


def test_leftover_of_a_live_process_is_named(tmp_path, model):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / f".out.emp-partial-{sleeper.pid}").mkdir()
        with pytest.raises(ValueError, match=f"left by process {sleeper.pid}, which is still"):
            S.prune_safetensors(model, tmp_path / "out", progress=False)
    finally:
        sleeper.kill()
        sleeper.wait()
    rep = S.prune_safetensors(model, tmp_path / "out", progress=False)
    assert rep["cleaned"] == [
        f"removed .out.emp-partial-{sleeper.pid} (left by killed process {sleeper.pid})"
    ]


@pytest.mark.parametrize("where", ["pause-analyse", "pause-write"])
def test_sigint_exits_130_with_one_line(tmp_path, model, where):
    out = tmp_path / "out"
    S.prune_safetensors(model, out, beta=0.5, progress=False)
    old = _snapshot(out)
    proc, ready = _child(where, model, out, tmp_path)
    try:
        _wait_ready(proc, ready)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert stderr == "emp-theory prune-safetensors: interrupted\n"
    assert stdout == ""
    assert _snapshot(out) == old and _beside(tmp_path) == ["in", "out"]


def test_file_size_limit_is_checked_before_the_run(tmp_path, model):
    out = tmp_path / "out"
    S.prune_safetensors(model, out, beta=0.5, progress=False)
    old = _snapshot(out)
    largest = max(p.stat().st_size for p in model.glob("*.safetensors"))
    proc, _ = _child("fsize", model, out, tmp_path, str(largest // 2))
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 2, stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert f"largest file needs {largest} bytes" in stderr and "ulimit -f" in stderr
    assert _snapshot(out) == old and _beside(tmp_path) == ["in", "out"]


def test_file_size_limit_hit_while_writing(tmp_path, model):
    # SIGXFSZ must be ignored so that write() fails with EFBIG instead of killing the run
    out = tmp_path / "out"
    S.prune_safetensors(model, out, beta=0.5, progress=False)
    old = _snapshot(out)
    largest = max(p.stat().st_size for p in model.glob("*.safetensors"))
    proc, _ = _child("fsize-at-write", model, out, tmp_path, str(largest // 2))
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 2, (proc.returncode, stderr)
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert "file too large" in stderr and f"needs {largest} bytes" in stderr
    assert _snapshot(out) == old and _beside(tmp_path) == ["in", "out"]


def test_disk_full_while_writing_keeps_the_old_output(tmp_path, model, monkeypatch):
    out = tmp_path / "out"
    S.prune_safetensors(model, out, beta=0.5, progress=False)
    old = _snapshot(out)
    real = W.os.write
    written = []

    def write(fd, data):
        if sum(written) > 3 << 20:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(len(data))
        return real(fd, data)

    monkeypatch.setattr(W.os, "write", write)
    needed = sum(p.stat().st_size for p in model.rglob("*") if p.is_file())
    with pytest.raises(ValueError, match=f"the output needs {needed} bytes") as ei:
        S.prune_safetensors(model, out, overwrite=True, progress=False)
    assert "no space left" in str(ei.value) and "was left as it was" in str(ei.value)
    assert _snapshot(out) == old and _beside(tmp_path) == ["in", "out"]


def test_too_little_free_space_is_refused_before_the_run(tmp_path, model, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setattr(P, "_free_bytes", lambda p: 1000)
    monkeypatch.setattr(S.driver, "analyse", lambda *a: pytest.fail("analysis started"))
    with pytest.raises(ValueError, match=r"1000 bytes \(1000 B\) were free"):
        S.prune_safetensors(model, out, progress=False)
    assert _beside(tmp_path) == ["in"]


def _tmpfs_prefix(mnt, size):
    """``unshare`` + ``mount`` a tmpfs of `size` at `mnt` for a child, or skip."""
    unshare = shutil.which("unshare")
    if unshare is None or sys.platform != "linux":
        pytest.skip("no unshare(1): cannot mount a small tmpfs")
    probe = subprocess.run(
        [unshare, "-rm", "sh", "-c", f"mount -t tmpfs -o size={size} tmpfs {mnt}"],
        capture_output=True,
    )
    if probe.returncode != 0:
        pytest.skip("mounting a tmpfs in a user namespace is not allowed here")
    return [
        unshare,
        "-rm",
        "sh",
        "-c",
        f'mount -t tmpfs -o size={size} tmpfs {mnt} && exec "$@"',
        "sh",
    ]


@pytest.mark.parametrize("mode", ["tmpfs", "enospc-at-write"])
def test_small_tmpfs(tmp_path, model, mode):
    # a real full disk: refused early (statvfs), or hit while writing (statvfs ignored)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    prefix = _tmpfs_prefix(mnt, "3m")
    proc, _ = _child(mode, model, mnt / "out", tmp_path, prefix=prefix)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 2, stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    needed = sum(p.stat().st_size for p in model.rglob("*") if p.is_file())
    assert "no space left" in stderr and f"the output needs {needed} bytes" in stderr
    why = "not enough free space" if mode == "tmpfs" else "No space left on device"
    assert f"({why})" in stderr  # the early check, or the write that failed
    assert "LEFT []" in stdout  # nothing beside the output, no output


def test_every_file_is_fsynced_before_the_rename(tmp_path, model, monkeypatch):
    # the shards' fsyncs run on the flusher's thread, overlapping the next shard: each
    # must still have finished, for every file of the output, before the folder is
    # published, and no descriptor may be left open
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("no /proc: cannot map descriptors to paths")
    out = tmp_path / "out"
    synced: list[str] = []
    real_fsync, real_rename = os.fsync, os.rename
    at_rename: list[tuple[set, set]] = []

    def fsync(fd):
        path = os.path.realpath(f"/proc/self/fd/{fd}")
        real_fsync(fd)
        synced.append(path)

    def rename(src, dst):
        if Path(dst) == out:
            files = {p.relative_to(src) for p in Path(src).rglob("*") if p.is_file()}
            done = {Path(f).relative_to(src) for f in synced if Path(f).is_relative_to(src)}
            at_rename.append((files, done))
        return real_rename(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", rename)
    n_fds = len(os.listdir("/proc/self/fd"))
    S.prune_safetensors(model, out, progress=False)
    ((files, done),) = at_rename
    assert files == {p.relative_to(out) for p in out.rglob("*") if p.is_file()}
    # the report is fsync-ed by atomic_write under its temporary name, then renamed
    files.discard(Path(S.REPORT_NAME))
    assert len(files) >= 5 and files <= done  # shards, index, config, ...
    assert len(os.listdir("/proc/self/fd")) == n_fds


@pytest.mark.parametrize(
    ("code", "error", "match"),
    [
        (errno.EIO, OSError, "Input/output error"),
        (errno.ENOSPC, ValueError, "no space left .* the output needs"),
    ],
)
def test_a_failed_fsync_keeps_the_old_output(tmp_path, model, monkeypatch, code, error, match):
    # an error reported only by fsync (a failing disk; a delayed allocation that finds
    # the disk full) on the flusher's thread: raised, nothing published, the old output
    # untouched; a full disk is the one-line space error
    out = tmp_path / "out"
    S.prune_safetensors(model, out, beta=0.5, progress=False)
    old = _snapshot(out)
    real = W.os.fsync
    calls = []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(code, os.strerror(code))
        return real(fd)

    monkeypatch.setattr(W.os, "fsync", fsync)
    with pytest.raises(error, match=match):
        S.prune_safetensors(model, out, overwrite=True, progress=False)
    assert len(calls) >= 2
    assert _snapshot(out) == old and _beside(tmp_path) == ["in", "out"]
