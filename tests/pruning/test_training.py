"""Tests of emp_theory.pruning.training: the Appendix B.1 presets, reproducibility, the cache.

The checkpoint cache is checked for its round trip, its key, its atomic write and
its digest: a checkpoint whose bytes no longer match its ``.sha256`` sidecar (one
flipped byte, or a missing sidecar) is retrained with a warning naming the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from emp_theory._cache import atomic_write, verify_digest
from emp_theory.paper import APPENDIX_B1_EPOCHS
from emp_theory.pruning.data import load_digits_split
from emp_theory.pruning.training import (
    CACHE_ENV,
    PAPER_EPOCHS,
    TrainConfig,
    cache_dir,
    default_config,
    load_or_train,
    train,
)

TINY = TrainConfig("fc2", "digits", epochs=1, lr=1e-3, batch_size=256, seed=0)


class TestTraining:
    def test_paper_presets(self):
        # Appendix B.1: Adam, lr 1e-4, batch 128; FC2/FC5 5 epochs, FC12 10 epochs
        for ds in ("mnist", "fashion-mnist"):
            for name, ep in (("fc2", 5), ("fc5", 5), ("fc12", 10)):
                c = default_config(name, ds)
                assert (c.epochs, c.lr, c.batch_size, c.weight_decay, c.schedule) == (
                    ep, 1e-4, 128, 0.0, "none",
                )  # fmt: skip
        assert default_config("fc2", "digits").schedule == "cosine"
        # the FC epochs are the paper's (emp_theory.paper); the CNN's 5 are ours
        assert {m: PAPER_EPOCHS[m] for m in APPENDIX_B1_EPOCHS} == APPENDIX_B1_EPOCHS
        assert default_config("cnn", "mnist").epochs == 5

    def test_config_validation(self):
        with pytest.raises(ValueError, match="`epochs`"):
            TrainConfig("fc2", "digits", 0, 1e-3, 64)
        with pytest.raises(ValueError, match="`lr`"):
            TrainConfig("fc2", "digits", 1, -1.0, 64)
        with pytest.raises(ValueError, match="`model`"):
            TrainConfig("vgg", "digits", 1, 1e-3, 64)
        with pytest.raises(ValueError, match="`schedule`"):
            TrainConfig("fc2", "digits", 1, 1e-3, 64, schedule="step")
        with pytest.raises(ValueError, match="`dataset`"):
            default_config("fc2", "cifar")

    def test_reproducible(self, digits):
        a, _ = train(TINY, digits, progress=False)
        b, _ = train(TINY, digits, progress=False)
        for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
            assert ka == kb and torch.equal(va, vb)

    def test_plain_lines_when_not_a_terminal(self, digits, capsys):
        train(TINY, digits, progress=None)  # stderr is captured: not a terminal
        lines = capsys.readouterr().err.splitlines()
        assert lines[0].startswith(f"train {TINY.model}/{TINY.dataset}: {TINY.epochs} epochs")
        assert lines[-1].startswith(f"trained {TINY.model}/{TINY.dataset} in ")
        assert "test accuracy" in lines[-1] and len(lines) == 2

    def test_cache_round_trip(self, digits, tmp_path):
        m1, i1 = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        m2, i2 = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        assert (i1["cached"], i2["cached"]) == (False, True)
        assert i1["path"] == i2["path"] and i2["test_accuracy"] == i1["test_accuracy"]
        for va, vb in zip(m1.state_dict().values(), m2.state_dict().values(), strict=True):
            assert torch.equal(va, vb)
        files = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
        assert len(files) == 2 and files[0].endswith(".pt") and files[0].startswith("fc2-digits-")
        assert files[1] == files[0] + ".sha256"  # the digest sidecar
        assert verify_digest(i1["path"])
        _, i3 = load_or_train(TINY, digits, cache=tmp_path, use_cache=False, progress=False)
        assert i3["cached"] is False

    def test_key_depends_on_config_and_data(self, digits):
        other = TrainConfig("fc2", "digits", epochs=2, lr=1e-3, batch_size=256)
        assert TINY.key(digits) != other.key(digits)
        assert TINY.key(digits) != TINY.key(load_digits_split(seed=1))
        assert TINY.key(digits) == TrainConfig(**TINY.__dict__).key(digits)

    def test_corrupt_checkpoint_is_retrained(self, digits, tmp_path):
        # a foreign file whose digest sidecar matches: it passes the digest check but
        # torch.load fails on it
        _, info = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        atomic_write(info["path"], b"not a checkpoint", digest=True)
        with pytest.warns(UserWarning, match="ignoring unreadable checkpoint"):
            _, again = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        assert again["cached"] is False
        _, third = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        assert third["cached"] is True

    def test_flipped_byte_is_retrained(self, digits, tmp_path):
        m1, info = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        path = Path(info["path"])
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] ^= 0x01  # one bit of one byte in the middle of the checkpoint
        path.write_bytes(bytes(raw))
        assert not verify_digest(path)
        with pytest.warns(UserWarning, match="does not match") as rec:
            m2, again = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        assert any(str(path) in str(w.message) for w in rec)  # the warning names the file
        assert again["cached"] is False and again["path"] == str(path)
        for va, vb in zip(m1.state_dict().values(), m2.state_dict().values(), strict=True):
            assert torch.equal(va, vb)  # retrained (deterministic), not the damaged bytes
        assert verify_digest(path)  # rewritten with a fresh sidecar
        _, third = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        assert third["cached"] is True

    @pytest.mark.parametrize("kind", ["zero", "nan"])
    def test_degenerate_checkpoint_is_retrained(self, digits, tmp_path, kind):
        # a checkpoint with a valid digest whose weights are all zero (or hold a NaN):
        # one warning naming the file and the reason, then a retrain
        m1, info = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        ckpt = torch.load(info["path"], map_location="cpu", weights_only=True)
        weights = [v for name, v in ckpt["state_dict"].items() if name.endswith("weight")]
        assert weights
        for v in weights if kind == "zero" else weights[:1]:
            if kind == "zero":
                v.zero_()
            else:
                v.view(-1)[0] = float("nan")
        atomic_write(info["path"], lambda fh: torch.save(ckpt, fh), digest=True)
        reason = "all zero" if kind == "zero" else "NaN or inf"
        with pytest.warns(UserWarning, match=reason) as rec:
            m2, again = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        assert [str(info["path"]) in str(w.message) for w in rec] == [True]
        assert again["cached"] is False
        for va, vb in zip(m1.state_dict().values(), m2.state_dict().values(), strict=True):
            assert torch.equal(va, vb)

    def test_missing_digest_is_retrained(self, digits, tmp_path):
        _, info = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        Path(info["path"] + ".sha256").unlink()
        with pytest.warns(UserWarning, match="does not match"):
            _, again = load_or_train(TINY, digits, cache=tmp_path, progress=False)
        assert again["cached"] is False and verify_digest(info["path"])

    def test_interrupted_write_leaves_nothing(self, digits, tmp_path, monkeypatch):
        real_save = torch.save

        def broken_save(obj, fh, *a, **k):
            fh.write(b"partial")
            raise KeyboardInterrupt

        monkeypatch.setattr(torch, "save", broken_save)
        with pytest.raises(KeyboardInterrupt):
            load_or_train(TINY, digits, cache=tmp_path, progress=False)
        monkeypatch.setattr(torch, "save", real_save)
        assert list((tmp_path / "checkpoints").iterdir()) == []

    def test_cache_dir_resolution(self, tmp_path, monkeypatch):
        monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env"))
        assert cache_dir() == tmp_path / "env"
        assert cache_dir(tmp_path / "arg") == tmp_path / "arg"
        monkeypatch.delenv(CACHE_ENV)
        assert cache_dir().parts[-2:] == (".cache", "emp_theory")
