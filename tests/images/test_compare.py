"""Tests of emp_theory.images.compare: the Figure 4 comparison rows.

Image fixtures (``rgb``, ``smooth_rgb``) are in tests/images/conftest.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from emp_theory.images import PAPER_FIGURE4, compare_methods


class TestCompareMethods:
    def test_rows_and_equal_sparsity(self, smooth_rgb):
        img = smooth_rgb(40, 36, seed=50)
        rows = {r.key: r for r in compare_methods(img)}
        assert set(rows) == {
            "emp_global",
            "emp_patch",
            "emp_patch_channel",
            "topk_global",
            "topk_patch",
            "random_patch",
            "random_global",
            "topk_patch_at_global",
            "random_global_at_global",
            "dct_emp_global",
            "dct_emp_block",
            "dct_topk_at_global",
        }
        for k in ("topk_global", "topk_patch", "random_patch", "random_global"):
            np.testing.assert_array_equal(rows[k].result.kept, rows["emp_patch"].result.kept)
            assert rows[k].sparsity == rows["emp_patch"].sparsity
        for k in ("topk_patch_at_global", "random_global_at_global", "dct_topk_at_global"):
            np.testing.assert_array_equal(rows[k].result.kept, rows["emp_global"].result.kept)
        X = img.astype(float)
        for r in rows.values():
            assert r.psnr == peak_signal_noise_ratio(X, r.result.image, data_range=255)
            assert r.ssim == structural_similarity(
                X, r.result.image, data_range=255, channel_axis=-1
            )
        assert rows["emp_patch"].result.patch == 4 and rows["dct_emp_block"].result.patch == 8

    def test_paper_constants(self):
        assert PAPER_FIGURE4 == {"global": (0.267, 29.4, 0.912), "patch4": (0.323, 38.3, 0.991)}

    def test_bad_inputs(self, rgb):
        with pytest.raises(ValueError, match="`block`"):
            compare_methods(rgb(10, 10), block=11)
        with pytest.raises(ValueError, match="`beta`"):
            compare_methods(rgb(10, 10), beta=0)
