"""Tests of emp_theory.images.rows: the per-patch selections equal the core row by row.

Reference values come from the core (n_eff, emp_mask, topk_mask) called on each row, and
from exact integer arithmetic (fractions) for the apportioned counts.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from emp_theory._kernels import n_eff_from_stats, stats
from emp_theory.effective import emp_mask, n_eff, topk_mask
from emp_theory.images import rows as rows_mod
from emp_theory.images.rows import apportion, emp_rows, n_eff_rows, row_sums, topk_rows


class TestBatchedAgreesWithCore:
    """The vectorized per-patch N_eff / EMP / top-k equal the core row by row."""

    @staticmethod
    def _rows():
        r = np.random.default_rng(7)
        blocks = [
            r.normal(size=(300, 16)),
            r.integers(-3, 4, size=(300, 16)).astype(float),  # many ties, exact ratios
            r.integers(-1, 2, size=(300, 4)).astype(float),
            np.abs(r.standard_cauchy(size=(200, 64))),
            r.integers(0, 256, size=(200, 16)) - 127.5,
        ]
        special = np.array(
            [
                [1, 1, 0, 0] * 4,  # N_eff = 8 exactly
                [5] * 16,  # constant: N_eff = N
                [0] * 15 + [3],  # single non-zero
                [1, -1] * 8,
                [1e-300, 2e-300] * 8,
                [1e300, -3e299] * 8,
            ],
            dtype=float,
        )
        return [b for b in blocks if np.ndim(b) == 2] + [special]

    def test_n_eff_rows_equal_core(self):
        for rows in self._rows():
            nz = rows[np.any(rows != 0, axis=1)]
            got = n_eff_rows(nz)
            want = np.array([n_eff(row) for row in nz])
            np.testing.assert_array_equal(got, want)

    @pytest.mark.parametrize("beta", [0.3, 0.5, 1.0, 1.37, 2.0, 50.0])
    def test_emp_rows_equal_core(self, beta):
        for rows in self._rows():
            got = emp_rows(rows, beta)
            for i, row in enumerate(rows):
                want = np.ones(row.shape, bool) if not row.any() else emp_mask(row, beta)
                np.testing.assert_array_equal(got[i], want)

    def test_emp_rows_zero_row_kept(self):
        rows = np.zeros((2, 9))
        rows[1, 3] = 1.0
        got = emp_rows(rows, 1.0)
        assert got[0].all()
        assert got[1].tolist() == [False] * 3 + [True] + [False] * 5

    def test_topk_rows_equal_core(self):
        r = np.random.default_rng(3)
        rows = r.integers(-2, 3, size=(200, 16)).astype(float)
        rows = rows[np.any(rows != 0, axis=1)]
        k = r.integers(1, 17, size=len(rows))
        got = topk_rows(rows, k)
        for i in range(len(rows)):
            np.testing.assert_array_equal(got[i], topk_mask(rows[i], int(k[i])))

    @settings(max_examples=60, deadline=None)
    @given(
        hnp.arrays(
            np.float64,
            st.tuples(st.integers(1, 6), st.integers(1, 20)),
            elements=st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: float(round(v, 1))),
        ),
        st.sampled_from([0.5, 1.0, 1.5, 2.0]),
    )
    def test_emp_rows_property(self, rows, beta):
        got = emp_rows(rows, beta)
        for i, row in enumerate(rows):
            want = np.ones(row.shape, bool) if not row.any() else emp_mask(row, beta)
            np.testing.assert_array_equal(got[i], want)


class TestApportion:
    @pytest.mark.parametrize(
        "total,sizes",
        [
            (10, [16, 16, 16, 4]),
            (0, [4, 4]),
            (37, [16] * 12 + [4, 4, 1]),
            (221, [16] * 12 + [4] * 3 + [1]),
        ],
    )
    def test_largest_remainder_exact(self, total, sizes):
        got = apportion(total, np.array(sizes))
        N = sum(sizes)
        quotas = [Fraction(total * n, N) for n in sizes]
        assert int(got.sum()) == total
        for g, q in zip(got, quotas, strict=True):
            assert math.floor(q) <= g <= math.ceil(q)
        # the blocks rounded up are those with the largest fractional parts
        up = [i for i, (g, q) in enumerate(zip(got, quotas, strict=True)) if g > math.floor(q)]
        fr = [q - math.floor(q) for q in quotas]
        down = [i for i in range(len(sizes)) if i not in up]
        if up and down:
            assert min(fr[i] for i in up) >= max(fr[i] for i in down)


# ---------------------------------------------------------------------------
class TestNEffDecisionIsTheCore:
    """The image code has no N_eff decision of its own: it hands every row to the core's."""

    @pytest.mark.parametrize("P", [1, 2, 7, 8, 9, 16, 17, 64, 127, 128, 129, 300, 4096])
    def test_row_sums_equal_core_stats_bit_for_bit(self, P):
        r = np.random.default_rng(P)
        rows = r.standard_cauchy(size=(40, P)) * r.choice([1e-300, 1.0, 1e300], size=(40, 1))
        m, l1, l2sq = row_sums(rows)
        for i, row in enumerate(rows):
            st = stats(row)
            assert (st.scale, st.l1, st.l2sq) == (m[i], l1[i], l2sq[i])

    def test_every_row_goes_to_n_eff_from_stats(self, monkeypatch):
        seen = []

        def spy(st):
            seen.append((st.N, st.l1, st.l2sq))
            return n_eff_from_stats(st)

        monkeypatch.setattr(rows_mod, "n_eff_from_stats", spy)
        rows = np.random.default_rng(5).normal(size=(25, 16))
        got = n_eff_rows(rows)
        assert len(seen) == 25 and all(s[0] == 16 for s in seen)
        np.testing.assert_array_equal(got, [n_eff(row) for row in rows])

    def test_decision_follows_the_core(self, monkeypatch):
        # replacing the core's decision changes the image code's N_eff: no second rule
        monkeypatch.setattr(rows_mod, "n_eff_from_stats", lambda st: 1)
        rows = np.random.default_rng(6).normal(size=(10, 16))
        assert n_eff_rows(rows).tolist() == [1] * 10
        assert emp_rows(rows, 1.0).sum(axis=1).tolist() == [1] * 10

    def test_integer_ratios_at_round_off(self):
        # rows whose exact (sum a)^2 / sum a^2 is an integer, in float64 possibly a hair below
        rows = []
        for n in range(2, 40):
            for v in (0.1, 1 / 3, 0.7, 1e-7):
                rows.append(np.r_[np.full(n, v), np.zeros(40 - n)])
        rows = np.array(rows)
        np.testing.assert_array_equal(n_eff_rows(rows), [n_eff(row) for row in rows])
