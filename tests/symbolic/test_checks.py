"""Tests of emp_theory.symbolic (the package): the SymPy proofs of Proposition 1, Theorem 2 and eqs. 17-18.

Every check must pass; and the same machinery must reject a deliberately wrong
formula (so a check can fail). Independent numerical evidence (NumPy, the
paper's closed forms) backs the statements the checks make, e.g. the KKT
multipliers and the O(N^{-3/2}) coefficient of eq. 15.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp

from emp_theory import bounds, p_nu, theorem2_approx, theorem2_bound
from emp_theory import symbolic as S

EXPECTED_NAMES = [
    "p_nu",
    "inner_sphere",
    "prop1_value",
    "kkt",
    "theorem2_exact",
    "theorem2_approx_order",
    "eq17",
    "eq18",
    "prop1_boundary",
    "library_agreement",
    # the proof of Proposition 1 (tests/symbolic/test_proof.py)
    "prop1_vertices",
    "prop1_closure",
    "prop1_sphere_binds",
    "prop1_on_edges",
    "prop1_first_index",
    "prop1_last_index",
    "prop1_endpoints",
    "prop1_edge_grid",
]


@pytest.fixture(scope="module")
def results():
    return {r.name: r for r in S.run_all()}


def _wrong_eq14(N, nu):
    # eq. 14 with (nu - 1) in place of (nu + 1)
    return nu / N + (N - nu) / N * sp.sqrt((N - nu - 1) / ((nu - 1) * (N - 1)))


class TestCheckResult:
    def test_fields_and_as_dict(self):
        r = S.CheckResult("x", "stmt", r"a = b", True, "ok")
        d = r.as_dict()
        assert d == {
            "name": "x",
            "statement": "stmt",
            "latex": "a = b",
            "passed": True,
            "detail": "ok",
        }
        json.dumps(d)

    def test_frozen(self):
        r = S.CheckResult("x", "s", "l", True, "d")
        with pytest.raises(AttributeError):
            r.passed = False


class TestRunAll:
    def test_every_check_passes(self, results):
        failed = {k: r.detail for k, r in results.items() if not r.passed}
        assert not failed, failed

    def test_empty_subset(self):
        assert S.run_all(checks=[]) == []

    def test_all_expected_checks_present(self, results):
        assert list(results) == EXPECTED_NAMES

    def test_results_are_complete(self, results):
        for r in results.values():
            assert isinstance(r, S.CheckResult)
            assert r.statement and r.latex and r.detail
            assert "held" in r.detail
            json.dumps(r.as_dict())

    def test_subset(self):
        out = S.run_all(checks=[S.check_theorem2, S.check_eq17])
        assert [r.name for r in out] == ["theorem2_exact", "eq17"]
        assert all(r.passed for r in out)


class TestCheckPNu:
    def test_passes(self, results):
        r = results["p_nu"]
        assert r.passed
        assert "67 exact grid" in r.detail

    def test_appendix_coordinates_numerically(self):
        # independent: the library's p_nu against Appendix A evaluated in floating point
        for N, nu in [(5, 2), (10, 3), (50, 49), (1000, 321)]:
            p1 = 1 / N + math.sqrt((N - 1) * (N - nu - 1) / (nu + 1)) / N
            q = (1 - math.sqrt((N - nu - 1) / ((N - 1) * (nu + 1)))) / N
            want = np.full(N, q)
            want[0] = p1
            np.testing.assert_allclose(p_nu(nu, N), want, rtol=1e-13, atol=1e-16)


class TestCheckInnerSphere:
    def test_passes(self, results):
        assert results["inner_sphere"].passed

    def test_numeric(self):
        for N, nu in [(7, 3), (200, 150)]:
            p = p_nu(nu, N)
            assert p @ p == pytest.approx(1 / (nu + 1), rel=1e-13)


class TestCheckProp1Value:
    def test_passes(self, results):
        assert results["prop1_value"].passed

    def test_explicit_eq14_passes(self):
        assert S.check_prop1_value(claimed=S.eq14).passed

    def test_wrong_formula_is_caught(self):
        r = S.check_prop1_value(claimed=_wrong_eq14)
        assert not r.passed
        assert "FAILED" in r.detail
        assert "symbolic" in r.detail and "grid" in r.detail

    def test_wrong_by_tiny_constant_is_caught(self):
        r = S.check_prop1_value(claimed=lambda N, nu: S.eq14(N, nu) + sp.Rational(1, 10**20))
        assert not r.passed


class TestCheckKKT:
    def test_passes(self, results):
        r = results["kkt"]
        assert r.passed
        assert "multipliers are correct" in r.detail
        assert "nu = N-1" in r.detail

    @staticmethod
    def _multipliers(N, nu):
        p = p_nu(nu, N)
        p1, q = p[0], p[1]
        mu = (N - nu) / (2 * (N - 1) * (p1 - q))
        lam = (nu - 1) / (N - 1) - 2 * mu * q
        eta = np.zeros(N + 1)  # eta[0..N]; eta_0 = eta_1 = eta_N = 0
        for j in range(2, N):
            eta[j] = (j - 1) * (N - nu) / (N - 1) if j <= nu else (nu - 1) * (N - j) / (N - 1)
        return p, lam, mu, eta

    @pytest.mark.parametrize(("N", "nu"), [(4, 2), (30, 7), (200, 2), (200, 198), (500, 250)])
    def test_stationarity_numerically(self, N, nu):
        # independent of SymPy: residual of g_j = lambda + 2 mu w_j + eta_j - eta_{j-1}
        p, lam, mu, eta = self._multipliers(N, nu)
        g = (np.arange(1, N + 1) <= nu).astype(float)
        resid = g - (lam + 2 * mu * p + eta[1:] - eta[:-1])
        assert np.max(np.abs(resid)) < 1e-10
        assert mu > 0 and np.all(eta >= 0)

    def test_wrong_multipliers_are_caught(self):
        r = S.check_kkt(multipliers={"eta_high": lambda N, nu, j: nu * (N - j) / (N - 1)})
        assert not r.passed
        assert "do NOT satisfy" in r.detail

    def test_bad_key(self):
        with pytest.raises(ValueError, match="`multipliers`"):
            S.check_kkt(multipliers={"bogus": None})


class TestCheckTheorem2:
    def test_passes(self, results):
        assert results["theorem2_exact"].passed


class TestCheckTheorem2Approx:
    def test_passes_and_reports_coefficient(self, results):
        r = results["theorem2_approx_order"]
        assert r.passed
        assert "rho**2 - rho + 1" in r.detail

    @pytest.mark.parametrize("rho", [0.1, 0.25, 0.5, 0.8])
    def test_coefficient_against_library(self, rho):
        # theorem2_bound - theorem2_approx (bounds on s_eff) ~ -C(rho) N^{-3/2}
        N = 40_000
        k = round(rho * N)
        got = (theorem2_approx(k, N) - theorem2_bound(k, N)) * N**1.5
        want = float(S.theorem2_gap_coefficient(sp.Float(rho)))
        assert got == pytest.approx(want, rel=2e-3)

    def test_coefficient_closed_form(self):
        rho = sp.Rational(1, 4)
        want = (1 - rho + rho**2) * sp.sqrt(1 - rho) / (2 * rho ** sp.Rational(3, 2))
        assert sp.simplify(S.theorem2_gap_coefficient(rho) - want) == 0


class TestCheckEq17:
    def test_passes(self, results):
        assert results["eq17"].passed

    def test_inverse_numerically(self):
        # eq. 17 inverts eq. 1: at eps = eq17 bound, Lemma 1 gives rho back
        for rho in (0.1, 0.5, 0.9):
            eps = bounds.eq17_loss_bound(rho, 1000, 0.7, 3.0)
            assert bounds.lemma1_rho_max(eps, 1000, 0.7, 3.0) == pytest.approx(rho, rel=1e-13)


class TestCheckEq18:
    def test_passes(self, results):
        assert results["eq18"].passed


class TestCheckProp1Boundary:
    def test_passes(self, results):
        r = results["prop1_boundary"]
        assert r.passed
        assert "not attained" in r.detail


class TestCheckLibraryAgreement:
    def test_passes(self, results):
        assert results["library_agreement"].passed

    def test_drifted_prop1_is_caught(self):
        drift = {
            "prop1_infimum": lambda nu, N: np.asarray(bounds.prop1_infimum(nu, N)) * (1 + 1e-9)
        }
        r = S.check_library_agreement(library=drift)
        assert not r.passed
        assert "prop1_infimum" in r.detail

    def test_drifted_p_nu_is_caught(self):
        def p_bad(nu, N):
            p = bounds.p_nu(nu, N).copy()
            p[-1] += 1e-8
            return p

        assert not S.check_library_agreement(library={"p_nu": p_bad}).passed

    def test_bad_key(self):
        with pytest.raises(ValueError, match="`library`"):
            S.check_library_agreement(library={"nope": None})


class TestPackage:
    """The package keeps every name the single module ``emp_theory/symbolic.py`` had."""

    OLD_PUBLIC = (
        "CheckResult",
        "appendix_a_p_nu",
        "check_eq17",
        "check_eq18",
        "check_inner_sphere",
        "check_kkt",
        "check_library_agreement",
        "check_p_nu",
        "check_prop1_boundary",
        "check_prop1_value",
        "check_theorem2",
        "check_theorem2_approx",
        "eq14",
        "eq15_approx",
        "eq15_exact",
        "eq17_rhs",
        "eq18_rhs",
        "lemma1_rhs",
        "p_nu_definition",
        "run_all",
        "theorem2_gap_coefficient",
    )

    def test_old_public_names_resolve(self):
        assert set(self.OLD_PUBLIC) <= set(S.__all__)
        for name in S.__all__:
            assert getattr(S, name) is not None, name

    def test_from_import_run_all(self):
        from emp_theory.symbolic import run_all

        assert run_all is S.run_all
