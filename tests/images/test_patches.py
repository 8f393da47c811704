"""Tests of emp_theory.images.patches: the patch grid and its remainder patches."""

from __future__ import annotations

import numpy as np
import pytest

from emp_theory.images import patch_slices
from emp_theory.images.patches import regions


class TestPatchSlices:
    def test_odd_size_boundaries_by_hand(self):
        sl = patch_slices((13, 17), 4)
        rows = sorted({(r.start, r.stop) for r, _ in sl})
        cols = sorted({(c.start, c.stop) for _, c in sl})
        assert rows == [(0, 4), (4, 8), (8, 12), (12, 13)]
        assert cols == [(0, 4), (4, 8), (8, 12), (12, 16), (16, 17)]
        assert len(sl) == 4 * 5

    @pytest.mark.parametrize("shape,p", [((13, 17), 4), ((13, 17, 3), 5), ((7, 7), 7), ((9, 4), 1)])
    def test_every_pixel_exactly_once(self, shape, p):
        count = np.zeros(shape[:2], dtype=int)
        for rs, cs in patch_slices(shape, p):
            count[rs, cs] += 1
        assert np.all(count == 1)

    def test_doc_example(self):
        got = [(r.start, r.stop, c.start, c.stop) for r, c in patch_slices((5, 3), 2)]
        assert got == [
            (0, 2, 0, 2),
            (0, 2, 2, 3),
            (2, 4, 0, 2),
            (2, 4, 2, 3),
            (4, 5, 0, 2),
            (4, 5, 2, 3),
        ]

    @pytest.mark.parametrize(
        "shape,p,err,word",
        [
            ((5, 5), 0, ValueError, "`patch`"),
            ((5, 5), 6, ValueError, "`patch`"),
            ((5, 5), 2.5, ValueError, "`patch`"),
            ((5, 5), None, ValueError, "`patch`"),
            ((5,), 2, ValueError, "`shape`"),
            ((0, 5), 1, ValueError, "`shape`"),
        ],
    )
    def test_bad_inputs(self, shape, p, err, word):
        with pytest.raises(err, match=word):
            patch_slices(shape, p)


class TestRegions:
    @pytest.mark.parametrize("H,W,p", [(13, 17, 4), (8, 8, 4), (5, 3, 2), (9, 9, None), (7, 11, 7)])
    def test_cover_once_and_blocks_round_trip(self, H, W, p):
        count = np.zeros((H, W), dtype=int)
        X = np.random.default_rng(0).normal(size=(3, H, W))
        out = np.full_like(X, np.nan)
        n_blocks = 0
        for reg in regions(H, W, p):
            count[reg.r0 : reg.r1, reg.c0 : reg.c1] += 1
            b = reg.blocks(X)
            assert b.shape == (3 * reg.nh * reg.nw, reg.ph, reg.pw)
            reg.put(out, b)
            n_blocks += reg.nh * reg.nw
        assert np.all(count == 1)
        np.testing.assert_array_equal(out, X)
        assert n_blocks == (1 if p is None else len(patch_slices((H, W), p)))

    def test_blocks_are_the_patches(self):
        X = np.arange(2 * 5 * 3, dtype=float).reshape(2, 5, 3)
        got = sorted(tuple(b.ravel()) for reg in regions(5, 3, 2) for b in reg.blocks(X))
        want = sorted(
            tuple(X[c, rs, cs].ravel()) for c in range(2) for rs, cs in patch_slices((5, 3), 2)
        )
        assert got == want
