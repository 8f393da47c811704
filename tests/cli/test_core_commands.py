"""Tests of the emp-theory command line (neff, bounds)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from emp_theory import exact_infimum, keep_count, n_eff, p_nu, prop1_infimum, s_eff
from emp_theory.cli import main


def run(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "emp_theory.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestNeff:
    def test_npy_json(self, tmp_path, capsys):
        s = np.random.default_rng(0).standard_normal((30, 20))
        f = tmp_path / "s.npy"
        np.save(f, s)
        assert main(["neff", str(f), "--json", "--beta", "1.5"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["N"] == 600
        assert out["n_eff"] == n_eff(s)
        assert out["k"] == keep_count(s, 1.5)
        assert out["s_eff"] == pytest.approx(s_eff(s))

    def test_csv_and_text(self, tmp_path, capsys):
        f = tmp_path / "s.csv"
        f.write_text("2, 1\n1, 1\n1\n")
        assert main(["neff", str(f)]) == 0
        out = capsys.readouterr().out
        assert "N_eff        4" in out

    def test_stdin(self):
        r = run("neff", "-", "--json", stdin="1 1 1 1\n")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["n_eff"] == 4

    @pytest.mark.parametrize(
        ("content", "fragment"),
        [
            (None, "no such file"),
            ("1, 2, abc\n", "is not a number"),
            ("", "no numbers"),
            ("0 0 0", "all zeros"),
            ("1 nan", "finite"),
        ],
    )
    def test_user_errors_exit_2_one_line(self, tmp_path, content, fragment):
        f = tmp_path / "x.txt"
        if content is not None:
            f.write_text(content)
        r = run("neff", str(f))
        assert r.returncode == 2
        assert fragment in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
        assert "Traceback" not in r.stderr

    def test_corrupt_npy(self, tmp_path):
        f = tmp_path / "bad.npy"
        f.write_bytes(b"\x93NUMPY garbage")
        r = run("neff", str(f))
        assert r.returncode == 2 and "cannot read" in r.stderr

    def test_bad_beta(self, tmp_path):
        f = tmp_path / "s.txt"
        f.write_text("1 2 3")
        r = run("neff", str(f), "--beta", "-1")
        assert r.returncode == 2 and "beta" in r.stderr


class TestBounds:
    def test_issue_example(self, capsys):
        assert main(["bounds", "--N", "1000", "--nu", "300", "--json", "--full"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["prop1_infimum"] == prop1_infimum(300, 1000)
        assert out["exact_infimum"] == pytest.approx(exact_infimum(300, 1000), abs=0)
        assert abs(out["prop1_infimum"] - out["exact_infimum"]) <= 1e-12
        assert out["agree"] is True
        np.testing.assert_allclose(out["p_nu"], p_nu(300, 1000))

    def test_table_with_beta(self, capsys):
        assert main(["bounds", "--N", "50", "--nu", "5,10", "--beta", "2"]) == 0
        out = capsys.readouterr().out
        assert "beta bound" in out and "N = 50" in out

    @pytest.mark.parametrize(
        "args",
        [["--N", "1"], ["--N", "10", "--nu", "11"], ["--N", "x"], ["--N", "10", "--nu", "a,b"]],
    )
    def test_bad_args(self, args):
        r = run("bounds", *args)
        assert r.returncode == 2
        assert "Traceback" not in r.stderr


class TestVerify:
    def test_all_checks_pass_and_no_sample_below_the_bound(self, capsys):
        from emp_theory.montecarlo import run as mc_run
        from emp_theory.symbolic import run_all

        assert main(["verify", "--samples", "20000", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["passed"] is True
        assert [c["name"] for c in out["symbolic"]] == [c.name for c in run_all()]
        assert all(c["passed"] for c in out["symbolic"])
        # every reported shell minimum sits on or above Proposition 1 (independent: the closed form)
        for r in out["montecarlo"]:
            if r["n_in_shell"]:
                assert r["min_kept_mass"] >= prop1_infimum(r["nu"], r["N"]) - 1e-12
        assert len(out["montecarlo"]) == len(
            [r for N in (3, 10, 50) for r in mc_run(N, n_samples=10, method="both", seed=0)]
        )

    def test_bad_samples(self):
        r = run("verify", "--samples", "0")
        assert r.returncode == 2 and "Traceback" not in r.stderr
