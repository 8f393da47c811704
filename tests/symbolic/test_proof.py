"""Tests of the proof of Proposition 1 (checks 11-18, emp_theory.symbolic.{edges,reduction,minimum,proof}).

Every step must pass and the assembled statement must say "PROVED" with the tie at
(N, nu) = (4, 2); the machinery must fail on a wrong claim (eq. 14 used at nu = 1, a missed
tie); and the closed form on the edges is cross-checked in floating point against a second
algorithm, :func:`emp_theory.certificate.exact_infimum_point`, and against a brute-force
enumeration of the faces of the ordered simplex.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import re
from contextlib import redirect_stdout

import numpy as np
import pytest
import sympy as sp

from emp_theory import symbolic as S
from emp_theory.certificate import exact_infimum_point
from emp_theory.symbolic import edges as E
from emp_theory.symbolic import minimum as M
from emp_theory.symbolic.proof import PROOF_CHECKS, PROP1_THEOREM

STEP_NAMES = [
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
def step_results():
    return [PROOF_CHECKS[name]() for name in STEP_NAMES]


@pytest.fixture(scope="module")
def proof(step_results):
    return S.prop1_proof(step_results)


def _V(a, b, nu):
    """V(a, b) in floating point, written independently of emp_theory.symbolic."""
    return nu / b + (b - nu) / b * math.sqrt(a * (b - nu - 1) / ((nu + 1) * (b - a)))


def _zeta(j, N):
    z = np.zeros(N)
    z[:j] = 1.0 / j
    return z


class TestSteps:
    def test_every_step_passes(self, step_results):
        failed = {r.name: r.detail for r in step_results if not r.passed}
        assert not failed, failed

    def test_each_step_has_both_kinds_of_evidence(self, step_results):
        for r in step_results:
            assert "held" in r.detail and "FAILED" not in r.detail
            want_symbolic = r.name != "prop1_edge_grid"
            n_sym = int(re.search(r"(\d+) symbolic statement", r.detail).group(1))
            n_grid = int(re.search(r"(\d+) exact grid", r.detail).group(1))
            assert (n_sym > 0) == want_symbolic and n_grid > 0, r.name
            json.dumps(r.as_dict())

    def test_details_say_what_is_symbolic_and_what_is_grid(self, step_results):
        for r in step_results:
            assert "grid" in r.detail
            if r.name != "prop1_edge_grid":
                assert "symbolic" in r.detail

    def test_proof_checks_in_order(self):
        names = [c.__name__ for c in PROOF_CHECKS.values()]
        assert names == [f"check_{n}" for n in STEP_NAMES]


class TestProof:
    def test_proved(self, proof):
        assert proof.passed
        assert [s.name for s in proof.steps] == STEP_NAMES
        assert [s.number for s in proof.steps] == list(range(11, 19))

    def test_reuses_given_results(self, step_results, proof):
        assert all(a is b for a, b in zip(proof.results, step_results, strict=True))

    def test_statement(self, proof):
        text = "\n".join(proof.lines())
        assert text.startswith("Proposition 1: PROVED -- checks 11-18")
        assert "(N, nu) = (4, 2)" in text and "the only tie" in text
        assert "zeta_[2]" in text and "nu = N: A_N = {zeta_[N]}" in text
        for s in proof.steps:
            row = next(line for line in proof.lines() if f" {s.name} " in line)
            assert s.kind in row and s.scope in row and row.rstrip().endswith("PASS")
        kinds = {s.kind for s in proof.steps}
        assert kinds == {"symbolic", "symbolic + argument", "exact grid"}
        assert all(len(line) <= 100 for line in proof.lines())

    def test_a_failed_step_is_not_proved(self, proof):
        bad = S.CheckResult("prop1_endpoints", "s", "l", False, "FAILED")
        broken = S.prop1_proof([*proof.results, bad])  # a later result of the same name wins
        assert not broken.passed
        assert "NOT PROVED" in broken.lines()[0]
        assert next(x for x in broken.lines() if " prop1_endpoints " in x).endswith("FAIL")

    def test_as_dict(self, proof):
        d = proof.as_dict()
        json.dumps(d)
        assert d["passed"] is True and d["theorem"] == list(PROP1_THEOREM)
        assert [s["name"] for s in d["steps"]] == STEP_NAMES


class TestTheStatedFacts:
    """The numbers the statement quotes, recomputed directly."""

    def test_tie_points_at_4_2(self):
        p2 = S.p_nu_definition(4, 2)
        assert p2 == (sp.Rational(1, 2), sp.Rational(1, 6))
        assert sum(E.vertex(3, 4)[:2]) == sp.Rational(2, 3) == S.eq14(4, 2)

    def test_ties_exactly_at_4_2(self):
        # E = (N-nu-1)(nu^2-nu-1) - 1 vanishes for 2 <= nu <= N-2 only at (4, 2)
        zeros = [
            (n, v) for n in range(3, 200) for v in range(2, n - 1) if E.endpoint_factor(n, v) == 0
        ]
        assert zeros == [(4, 2)]

    def test_eq14_at_nu_1_is_larger(self):
        for n in range(3, 50):
            assert S.eq14(n, 1) > sp.Rational(1, 2)


class TestCatchesWrongClaims:
    def test_eq14_at_nu_1_fails(self, monkeypatch):
        # the mistake issue 12 names: eq. 14 used at nu = 1 (0.707 instead of 1/2 for large N)
        monkeypatch.setattr(M, "stated_infimum", lambda N, nu: S.eq14(N, nu))
        r = M.check_prop1_edge_grid(n_max=6)
        assert not r.passed and "(N, nu) = (3, 1)" in r.detail

    def test_missed_tie_fails(self, monkeypatch):
        monkeypatch.setattr(
            M, "expected_minimizers", lambda N, nu: ("zeta_[2]",) if nu == 1 < N - 1 else ("p_nu",)
        )
        r = M.check_prop1_edge_grid(n_max=6)
        assert not r.passed and "(N, nu) = (4, 2)" in r.detail and "FAILED (1)" in r.detail

    def test_rigorous_sign_sees_tiny_differences(self):
        tiny = sp.Rational(1, 10**30)
        assert E.rigorous_sign(S.eq14(4, 2) - sp.Rational(2, 3)) == 0
        assert E.rigorous_sign(S.eq14(4, 2) - sp.Rational(2, 3) + tiny) == 1
        assert E.rigorous_sign(sp.sqrt(2) * sp.sqrt(3) - sp.sqrt(6) - tiny) == -1


class TestEdgeMinimum:
    def test_rejects_bad_arguments(self):
        for N, nu in [(3, 3), (3, 0), (2.0, 1), (1, 1)]:
            with pytest.raises(ValueError, match="`nu`"):
                E.edge_minimum(N, nu)

    def test_counts(self):
        m = E.edge_minimum(10, 4)
        assert m.n_edges == 4 * 6 and m.edges == ((1, 10),) and m.points == ("p_nu",)

    def test_nu_boundary_cases(self):
        assert E.edge_minimum(9, 8).points == ("p_nu",)  # zeta_[N] = p_{N-1}
        assert E.edge_minimum(9, 8).value == sp.Rational(8, 9)
        assert E.edge_minimum(9, 1).points == ("zeta_[2]",)


class TestAgainstCertificate:
    """The closed form on the edges against a second algorithm (floating point)."""

    @pytest.mark.parametrize("N", [2, 3, 4, 5, 8, 13, 30])
    def test_min_over_edges_is_the_certificate(self, N):
        for nu in range(1, N):
            cert = exact_infimum_point(nu, N)
            vals = {(a, b): _V(a, b, nu) for a in range(1, nu + 1) for b in range(nu + 1, N + 1)}
            assert min(vals.values()) == pytest.approx(cert.value, rel=1e-12, abs=1e-15)
            exact = E.edge_minimum(N, nu)
            assert float(exact.value) == pytest.approx(cert.value, rel=1e-12)
            # the certificate's point is one of the minimizers the proof names
            mine = [
                (lambda t: t * _zeta(a, N) + (1 - t) * _zeta(b, N))(
                    math.sqrt(a * (b - nu - 1) / ((nu + 1) * (b - a)))
                )
                for a, b in exact.edges
            ]
            assert any(np.allclose(cert.point, x, atol=1e-12) for x in mine), (N, nu)
            if cert.sphere == "inner" and cert.kind == "edge":
                i, j = cert.edge
                assert _V(i, j, nu) == pytest.approx(cert.value, rel=1e-12)

    def test_closed_form_is_the_geometry(self):
        rng = np.random.default_rng(0)
        N = 50
        for _ in range(200):
            nu = int(rng.integers(1, N))
            a = int(rng.integers(1, nu + 1))
            b = int(rng.integers(nu + 1, N + 1))
            t = math.sqrt(a * (b - nu - 1) / ((nu + 1) * (b - a)))
            x = t * _zeta(a, N) + (1 - t) * _zeta(b, N)
            assert x @ x == pytest.approx(1 / (nu + 1), rel=1e-13)
            assert np.all(np.diff(x) <= 1e-15) and x[-1] >= 0
            assert x[:nu].sum() == pytest.approx(_V(a, b, nu), rel=1e-13)
            assert float(E.edge_value(a, b, nu)) == pytest.approx(_V(a, b, nu), rel=1e-14)

    def test_tie_at_4_2_in_floating_point(self):
        assert _V(1, 4, 2) == pytest.approx(_V(1, 3, 2), abs=1e-15)
        assert exact_infimum_point(2, 4).value == pytest.approx(2 / 3, abs=1e-15)


@pytest.mark.parametrize("N", [3, 4, 5, 6])
def test_no_face_interior_point_beats_the_edges(N):
    """Brute force over every face of dimension >= 2 (numerically): the least phi_nu on the
    inner sphere within the face's affine hull, where it lies in the face's relative
    interior, is never below the minimum over the edges (step 14's face lemma)."""
    for nu in range(1, N - 1):
        best_edge = float(E.edge_minimum(N, nu).value)
        c = np.zeros(N)
        c[:nu] = 1.0
        for size in range(3, N + 1):
            for J in itertools.combinations(range(1, N + 1), size):
                Z = np.stack([_zeta(j, N) for j in J], axis=1)
                D = Z[:, 1:] - Z[:, :1]  # directions of the face
                Q, _ = np.linalg.qr(D)
                o = Z[:, 0] - Q @ (Q.T @ Z[:, 0])  # the point of the affine hull nearest 0
                rho_sq = 1 / (nu + 1) - o @ o
                g = Q @ (Q.T @ c)
                if rho_sq < 0 or np.linalg.norm(g) < 1e-12:
                    continue
                x = o - math.sqrt(rho_sq) * g / np.linalg.norm(g)
                lam, *_ = np.linalg.lstsq(Z, x, rcond=None)
                if np.all(lam > 1e-9):  # relative interior of the face
                    assert c @ x >= best_edge - 1e-12, (N, nu, J)


def test_verify_prints_the_proof(monkeypatch, step_results):
    """``emp-theory verify`` prints the proof's statement (run_all replaced by cached results)."""
    from emp_theory.cli import main

    cached = S.run_all(checks=[S.check_p_nu]) + step_results
    monkeypatch.setattr(S, "run_all", lambda: cached)
    buf = io.StringIO()
    with redirect_stdout(buf):
        rc = main(["verify", "--samples", "2000"])
    out = buf.getvalue()
    assert rc == 0
    assert "Proposition 1: PROVED -- checks 11-18" in out
    assert "(N, nu) = (4, 2)" in out and "symbolic + argument" in out and "exact grid" in out
    buf = io.StringIO()
    with redirect_stdout(buf):
        rc = main(["verify", "--samples", "2000", "--json"])
    d = json.loads(buf.getvalue())
    assert rc == 0 and d["proposition1"]["passed"] is True
    assert [s["name"] for s in d["proposition1"]["steps"]] == STEP_NAMES


@pytest.mark.slow
def test_edge_grid_to_40():
    r = M.check_prop1_edge_grid(n_max=40)
    assert r.passed, r.detail


@pytest.mark.slow
def test_edge_vectors_to_9():
    from emp_theory.symbolic.reduction import check_prop1_on_edges

    r = check_prop1_on_edges(n_vectors=9)
    assert r.passed, r.detail
