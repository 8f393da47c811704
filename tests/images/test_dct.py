"""Tests of emp_theory.images.dct: the orthonormal 2-D DCT-II of a stack of blocks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import fft as sfft

from emp_theory.images import dct, emp_prune


class TestDct:
    @pytest.mark.parametrize("shape", [(3, 4, 4), (5, 8, 3), (1, 1, 1)])
    def test_orthonormal_and_round_trip(self, shape):
        dev = np.random.default_rng(1).normal(size=shape)
        S = dct.forward(dev)
        # orthonormal: the energy of each block is preserved (Parseval)
        np.testing.assert_allclose((S**2).sum(axis=(1, 2)), (dev**2).sum(axis=(1, 2)), rtol=1e-12)
        np.testing.assert_allclose(dct.inverse(S, np.ones(shape, bool)), dev, atol=1e-12)

    def test_each_block_is_dctn_of_that_block(self):
        dev = np.random.default_rng(2).normal(size=(4, 3, 5))
        S = dct.forward(dev)
        for i in range(4):
            np.testing.assert_array_equal(S[i], sfft.dctn(dev[i], norm="ortho"))

    def test_inverse_drops_unkept_coefficients(self):
        dev = np.random.default_rng(3).normal(size=(2, 4, 4))
        S = dct.forward(dev)
        mask = np.zeros(S.shape, bool)
        mask[:, 0, 0] = True  # keep the DC coefficient only: the block mean of dev
        np.testing.assert_allclose(
            dct.inverse(S, mask), np.broadcast_to(dev.mean(axis=(1, 2))[:, None, None], S.shape)
        )

    def test_dc_of_a_zero_mean_unit_is_zero(self, smooth_rgb):
        # center="local" removes the block mean, so the DC coefficient is ~0 and pruned first
        res = emp_prune(smooth_rgb(16, 16, seed=4), 1.0, 8, domain="dct")
        assert res.domain == "dct" and 0.0 < res.sparsity < 1.0
        assert not res.mask[::8, ::8, :].any()  # coefficient (0, 0) of every block
