"""Tests of ``emp-theory bounds`` at every size a user can type: bounded time and output,
p_nu summarized unless --full, the certificate by default up to 10**6 and with --certify
beyond, and one-line errors naming ``--N`` where a size cannot be served."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from emp_theory import beta_bound, exact_infimum, keep_count, p_nu, prop1_infimum
from emp_theory.bounds import p_nu_runs as _p_nu_runs
from emp_theory.certificate import MAX_N
from emp_theory.cli import main
from emp_theory.cli.core import CERTIFY_DEFAULT_MAX, FULL_MAX, MAX_NUS


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "emp_theory.cli", "bounds", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def bounds_json(capsys, *args):
    assert main(["bounds", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def expand(summary) -> np.ndarray:
    return np.repeat(summary["values"], summary["counts"])


class TestSummary:
    @pytest.mark.parametrize("N", [2, 3, 4, 5, 17, 300])
    def test_runs_are_p_nu(self, N):
        # independent reference: Appendix A's p_nu = zeta_[N] + (r_{nu+1}/r_1)(zeta_[1] - zeta_[N])
        # in exact arithmetic (SymPy), evaluated to float; p_1 = zeta_[2] (Prop. 1)
        import sympy as sp

        for nu in range(1, N + 1):
            runs = _p_nu_runs(nu, N)
            got = np.repeat([v for v, _ in runs], [c for _, c in runs])
            if nu == 1:
                want = np.array([0.5, 0.5] + [0.0] * (N - 2))
            else:
                r = lambda j: sp.sqrt(sp.Rational(1, j) - sp.Rational(1, N))  # noqa: E731
                t = r(min(nu + 1, N)) / r(1) if nu + 1 <= N else 0
                head = sp.Rational(1, N) + t * (1 - sp.Rational(1, N))
                tail = sp.Rational(1, N) + t * (0 - sp.Rational(1, N))
                want = np.array([float(head)] + [float(tail)] * (N - 1))
            np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-16)
            np.testing.assert_array_equal(got, p_nu(nu, N))

    def test_default_json_summarizes_p_nu(self, capsys):
        rows = bounds_json(capsys, "--N", "1000")
        assert len(rows) == 6
        for r in rows:
            np.testing.assert_allclose(expand(r["p_nu"]), p_nu(r["nu"], 1000), rtol=1e-14)
            assert r["certified"] is True and r["agree"] is True
            assert r["exact_infimum"] == exact_infimum(r["nu"], 1000)
        mid = next(r for r in rows if r["nu"] == 250)
        assert mid["p_nu"]["counts"] == [1, 999]  # p_nu = (a, b, ..., b)
        assert mid["certificate"]["edge"] == [1, 1000]

    def test_full_prints_the_vector(self, capsys):
        r = bounds_json(capsys, "--N", "50", "--nu", "7", "--full")
        np.testing.assert_array_equal(r["p_nu"], p_nu(7, 50))


class TestSizes:
    def test_large_N_is_fast_and_small(self):
        """N = 10**9 (the size that was killed at 23.7 GB): prop. 1 only, a few hundred bytes."""
        t0 = time.perf_counter()
        r = run("--N", str(10**9), "--json")
        assert r.returncode == 0, r.stderr
        assert time.perf_counter() - t0 < 60
        assert len(r.stdout) < 5000
        rows = json.loads(r.stdout)
        for row in rows:
            assert row["certified"] is False and row["exact_infimum"] is None
            assert row["prop1_infimum"] == prop1_infimum(row["nu"], 10**9)
            assert sum(row["p_nu"]["counts"]) == 10**9

    @pytest.mark.parametrize("N", [CERTIFY_DEFAULT_MAX + 1, 10**12, MAX_N])
    def test_certify_beyond_the_default_size(self, capsys, N):
        rows = bounds_json(capsys, "--N", str(N), "--certify", "--beta", "0.5")
        for row in rows:
            assert row["certified"] is True and row["agree"] is True
            assert row["exact_infimum"] == pytest.approx(row["prop1_infimum"], abs=1e-12)
            assert row["k"] == keep_count(beta=0.5, n_eff=row["nu"], N=N)
            assert row["beta_bound"] == beta_bound(0.5, row["nu"], N)

    def test_default_size_is_certified_without_asking(self, capsys):
        rows = bounds_json(capsys, "--N", str(CERTIFY_DEFAULT_MAX), "--nu", "2,1000,500000")
        assert all(r["certified"] and r["agree"] for r in rows)

    def test_text_notes_when_not_certified(self, capsys):
        assert main(["bounds", "--N", str(CERTIFY_DEFAULT_MAX + 1)]) == 0
        out = capsys.readouterr().out
        assert "--certify" in out

    @pytest.mark.parametrize(
        ("args", "fragment"),
        [
            (["--N", str(MAX_N + 1)], "--N"),
            (["--N", str(2**63 - 1)], "--N"),
            (["--N", str(10**30)], "--N"),
            (["--N", "1"], "--N"),
            (["--N", str(FULL_MAX + 1), "--full"], "--N"),
            (["--N", str(10**7), "--beta", "0.5"], "--certify"),
            (["--N", "10", "--nu", "0"], "--nu"),
            (["--N", "5000", "--nu", ",".join(["7"] * (MAX_NUS + 1))], "--nu"),
        ],
    )
    def test_sizes_that_cannot_be_served_are_one_line_errors(self, args, fragment):
        r = run(*args)
        assert r.returncode == 2
        assert fragment in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
        assert "Traceback" not in r.stderr
        assert r.stdout == ""
