"""Tests of emp_theory.images.metrics: PSNR / SSIM against skimage.metrics and hand computations.

Image fixtures (``rgb``, ``smooth_rgb``) are in tests/images/conftest.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from emp_theory.images import emp_prune, image_quality

RNG = np.random.default_rng(20260923)


class TestImageQuality:
    def test_identical(self, rgb):
        img = rgb(16, 16)
        q = image_quality(img, img.astype(float))
        assert q.psnr == math.inf and q.ssim == 1.0 and q.data_range == 255.0

    def test_psnr_offset_by_hand(self):
        # MSE = 1 -> PSNR = 10 log10(255^2)
        a = np.full((10, 10), 100, np.uint8)
        q = image_quality(a, a.astype(float) + 1)
        assert q.psnr == pytest.approx(20 * math.log10(255), rel=1e-12)

    def test_ssim_constant_images_by_hand(self):
        # zero variances: SSIM = (2 mx my + C1) / (mx^2 + my^2 + C1), C1 = (0.01 R)^2
        a = np.full((9, 9, 3), 100, np.uint8)
        b = np.stack([np.full((9, 9), v, float) for v in (110, 100, 90)], axis=-1)
        C1 = (0.01 * 255) ** 2
        want = np.mean([(2 * 100 * v + C1) / (100**2 + v**2 + C1) for v in (110, 100, 90)])
        assert image_quality(a, b).ssim == pytest.approx(want, rel=1e-12)

    def test_matches_skimage_directly(self, smooth_rgb):
        a = smooth_rgb(20, 24, seed=40)
        b = emp_prune(a, 1.0, 4).image
        q = image_quality(a.astype(float) / 255, b / 255, data_range=1.0)
        A, B = a.astype(float) / 255, b / 255
        assert q.psnr == peak_signal_noise_ratio(A, B, data_range=1.0)
        assert q.ssim == structural_similarity(A, B, data_range=1.0, channel_axis=-1)

    def test_grayscale_matches_skimage_2d(self):
        a = RNG.integers(0, 256, size=(15, 18)).astype(np.uint8)
        b = emp_prune(a, 1.0, 3).image
        q = image_quality(a, b)
        A = a.astype(float)
        assert q.psnr == peak_signal_noise_ratio(A, b, data_range=255)
        assert q.ssim == pytest.approx(structural_similarity(A, b, data_range=255), rel=1e-12)

    @pytest.mark.parametrize(
        "ref,img,dr,word",
        [
            (np.zeros((8, 8)), np.zeros((8, 8)), None, "`data_range`"),
            (np.zeros((8, 8), np.uint8), np.zeros((8, 8)), 0.0, "`data_range`"),
            (np.zeros((8, 8), np.uint8), np.zeros((8, 9)), None, "`image`"),
            (np.zeros((6, 8), np.uint8), np.zeros((6, 8)), None, "`reference`"),
            (np.zeros((8, 8), np.uint8), np.full((8, 8), np.nan), None, "`image`"),
        ],
    )
    def test_bad_inputs(self, ref, img, dr, word):
        with pytest.raises(ValueError, match=word):
            image_quality(ref, img, dr)
