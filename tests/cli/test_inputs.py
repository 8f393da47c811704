"""``emp-theory neff FILE``: bad files end in one line and exit 2, with bounded cost."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from emp_theory.cli import inputs
from emp_theory.cli._args import UsageError


def run_cli(*args, stdin=None, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "emp_theory.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
    )


def one_line_error(proc) -> str:
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


class TestNpy:
    def test_header_claiming_more_than_the_file_holds(self, tmp_path):
        # a valid v1.0 header declaring 10^12 float64 values, followed by 64 bytes
        p = tmp_path / "huge.npy"
        with open(p, "wb") as fh:
            np.lib.format.write_array_header_1_0(
                fh, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
            )
            fh.write(b"\0" * 64)
        err = one_line_error(run_cli("neff", str(p)))
        assert "declares shape (1000000000000,)" in err and "holds 64 bytes" in err

    def test_truncated_data(self, tmp_path):
        p = tmp_path / "t.npy"
        np.save(p, np.arange(100.0))
        p.write_bytes(p.read_bytes()[:-8])
        assert "declares shape (100,)" in one_line_error(run_cli("neff", str(p)))

    def test_object_arrays_refused(self, tmp_path):
        p = tmp_path / "o.npy"
        np.save(p, np.array([1, "a"], dtype=object), allow_pickle=True)
        assert "Python objects" in one_line_error(run_cli("neff", str(p)))

    def test_good_file_is_read(self, tmp_path):
        p = tmp_path / "g.npy"
        np.save(p, np.array([3.0, 1.0, 0.0, 0.0], dtype=np.float32))
        assert inputs.load_scores(str(p)).tolist() == [3.0, 1.0, 0.0, 0.0]


class TestText:
    @pytest.mark.parametrize(
        ("raw", "want"),
        [
            (b"\xef\xbb\xbf1,2,3\n", [1, 2, 3]),  # UTF-8 byte-order mark
            (b"1; 2\n# note\n3 4\n", [1, 2, 3, 4]),
            (b"1\r\n2\r\n", [1, 2]),
            (b"-1e-300, 1e300\n", [-1e-300, 1e300]),
        ],
    )
    def test_layouts(self, raw, want):
        assert inputs.parse_text(raw, "x").tolist() == want

    @pytest.mark.parametrize(
        ("raw", "line"),
        [(b"1,,2\n", 1), (b"1,2\n3,\n", 2), (b"1\n2\n, 3\n", 3), (b"1;;2", 1)],
    )
    def test_empty_cell_names_its_line(self, raw, line):
        with pytest.raises(UsageError, match=f"line {line}: empty cell"):
            inputs.parse_text(raw, "x")

    def test_bad_token_names_its_line(self, monkeypatch):
        monkeypatch.setattr(inputs, "_BLOCK", 5)  # lines spread over several blocks
        with pytest.raises(UsageError, match=r"line 4: 'abc' is not a number"):
            inputs.parse_text(b"1,2\n3,4\n5\nabc\n", "x")

    def test_blocks_give_the_same_numbers(self, monkeypatch):
        rng = np.random.default_rng(0)
        x = rng.standard_normal(2000)
        raw = "\n".join(",".join(repr(float(v)) for v in row) for row in x.reshape(-1, 5))
        whole = inputs.parse_text(raw.encode(), "x")
        monkeypatch.setattr(inputs, "_BLOCK", 97)
        np.testing.assert_array_equal(inputs.parse_text(raw.encode(), "x"), whole)
        np.testing.assert_array_equal(whole, x)

    def test_endless_stdin_stops_at_the_limit(self, monkeypatch):
        monkeypatch.setattr(inputs, "MAX_TEXT_BYTES", 1 << 16)

        class Endless:
            def read(self, n):
                return b"1 " * (n // 2)

        with pytest.raises(UsageError, match="more than 65536 bytes"):
            inputs.parse_stream(Endless(), "<stdin>")

    def test_dev_zero_is_refused_not_read_forever(self):
        # /dev/zero is NUL bytes: not UTF-8 numbers, refused within the first block
        err = one_line_error(run_cli("neff", "/dev/zero", timeout=120))
        assert "/dev/zero" in err

    def test_stdin(self):
        proc = run_cli("neff", "-", "--json", stdin=b"1 1 1 1\n")
        assert proc.returncode == 0 and b'"n_eff": 4' in proc.stdout
