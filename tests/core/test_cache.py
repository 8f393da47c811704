"""emp_theory._cache: one atomic write, one cache key, digests checked before trust."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from emp_theory._cache import (
    CACHE_ENV,
    atomic_write,
    cache_dir,
    cache_key,
    file_digest,
    verify_digest,
)


class TestAtomicWrite:
    @pytest.mark.parametrize("data", [b"\x00\x01bytes", "text é", lambda fh: fh.write(b"cb")])
    def test_kinds_of_data(self, tmp_path, data):
        p = atomic_write(tmp_path / "sub" / "f.bin", data)
        want = data if isinstance(data, bytes) else b"cb" if callable(data) else data.encode()
        assert p.read_bytes() == want
        assert sorted(x.name for x in p.parent.iterdir()) == ["f.bin"]

    @pytest.mark.parametrize("exc", [RuntimeError("disk said no"), KeyboardInterrupt()])
    def test_failure_leaves_the_old_file_and_no_temporary(self, tmp_path, exc):
        p = tmp_path / "f.json"
        p.write_text("old")

        def writer(fh):
            fh.write(b"half")
            raise exc

        with pytest.raises(type(exc)):
            atomic_write(p, writer)
        assert p.read_text() == "old"
        assert [x.name for x in tmp_path.iterdir()] == ["f.json"]

    def test_permissions_follow_the_umask(self, tmp_path):
        old = os.umask(0o022)
        try:
            p = atomic_write(tmp_path / "r.md", "x")
        finally:
            os.umask(old)
        assert stat.S_IMODE(p.stat().st_mode) == 0o644  # not mkstemp's 0600

    def test_digest_sidecar_and_verification(self, tmp_path):
        p = atomic_write(tmp_path / "ck.pt", b"weights" * 1000, digest=True)
        side = tmp_path / "ck.pt.sha256"
        assert side.read_text().split()[0] == hashlib.sha256(b"weights" * 1000).hexdigest()
        assert file_digest(p) == side.read_text().split()[0]
        assert verify_digest(p)
        raw = bytearray(p.read_bytes())
        raw[100] ^= 1
        p.write_bytes(bytes(raw))
        assert not verify_digest(p)
        side.unlink()
        assert not verify_digest(p)
        assert not verify_digest(tmp_path / "missing")


class TestCacheKey:
    def test_canonical(self):
        assert cache_key({"b": 1, "a": [1, 2]}) == cache_key({"a": (1, 2), "b": 1})
        assert cache_key({"a": 1}) != cache_key({"a": 2})
        assert len(cache_key({})) == 16
        # the key is the first 16 hex digits of SHA-256 of sorted, compact JSON
        assert cache_key({"b": 1, "a": 2}) == hashlib.sha256(b'{"a":2,"b":1}').hexdigest()[:16]

    def test_refuses_unknown_objects(self):
        with pytest.raises(TypeError, match="cannot encode"):
            cache_key({"f": object()})


def test_cache_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env"))
    assert cache_dir() == tmp_path / "env"
    assert cache_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv(CACHE_ENV)
    assert cache_dir().parts[-2:] == (".cache", "emp_theory")
