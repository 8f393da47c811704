"""Tests of emp_theory.images.prune: featurewise EMP and the baselines on images (Section 5.4).

Reference values come from the core's Algorithm 1 applied directly (per channel
or patch by patch in a plain loop over explicit slices), from hand derivations
on constructed images and from scipy.fft called directly.

Image fixtures (``rgb``, ``smooth_rgb``) are in tests/images/conftest.py.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import fft as sfft

from emp_theory.effective import emp_mask, keep_count, topk_mask
from emp_theory.images import emp_prune, patch_slices, random_prune, topk_prune
from emp_theory.images.rows import apportion

RNG = np.random.default_rng(20260923)


def _loop_reference(image, beta, p, center="local", domain="pixel"):
    """Patch-by-patch reference: an explicit loop calling the core's emp_mask."""
    X = np.asarray(image, dtype=np.float64)
    gray = X.ndim == 2
    if gray:
        X = X[:, :, None]
    H, W, C = X.shape
    out = np.empty_like(X)
    mask = np.zeros(X.shape, dtype=bool)
    mu = [X[:, :, c].mean() for c in range(C)]
    tiles = [(slice(0, H), slice(0, W))] if p is None else []
    if p is not None:
        for i in range(0, H, p):
            for j in range(0, W, p):
                tiles.append((slice(i, min(i + p, H)), slice(j, min(j + p, W))))
    for c in range(C):
        for rs, cs in tiles:
            blk = X[rs, cs, c]
            ref = blk.mean() if center == "local" else mu[c]
            s = blk - ref
            if domain == "dct":
                s = sfft.dctn(s, norm="ortho")
            m = np.ones(s.shape, dtype=bool) if not np.any(s) else emp_mask(s, beta)
            mask[rs, cs, c] = m
            if domain == "dct":
                out[rs, cs, c] = sfft.idctn(np.where(m, s, 0.0), norm="ortho") + ref
            else:
                out[rs, cs, c] = np.where(m, blk, ref)
    if gray:
        return out[:, :, 0], mask[:, :, 0]
    return out, mask


class TestEmpPrune:
    def test_global_equals_core_per_channel(self, smooth_rgb):
        img = smooth_rgb(37, 29, seed=1)
        for beta in (0.5, 1.0, 2.0):
            res = emp_prune(img, beta)
            X = img.astype(float)
            for c in range(3):
                s = X[:, :, c] - X[:, :, c].mean()
                np.testing.assert_array_equal(res.mask[:, :, c], emp_mask(s, beta))
                want = np.where(res.mask[:, :, c], X[:, :, c], X[:, :, c].mean())
                np.testing.assert_array_equal(res.image[:, :, c], want)

    def test_global_local_and_channel_centers_coincide(self, smooth_rgb):
        img = smooth_rgb(20, 24, seed=2)
        a, b = emp_prune(img), emp_prune(img, center="channel")
        np.testing.assert_array_equal(a.mask, b.mask)
        np.testing.assert_array_equal(a.image, b.image)

    def test_constructed_image_by_hand(self):
        # mean 10; deviations 8, -8, 4, -4 and zeros.
        # omega = (8, 8, 4, 4)/24, sum omega^2 = 160/576, 1/sum = 3.6 -> N_eff = 3,
        # nu = 3: the two 8s and the first 4 (lowest index) are kept.
        img = np.full((4, 4), 10.0)
        img[0, 0], img[1, 1], img[2, 2], img[3, 3] = 18, 2, 14, 6
        res = emp_prune(img)
        s = img - 10.0
        assert keep_count(s) == 3
        want = np.zeros((4, 4), bool)
        want[0, 0] = want[1, 1] = want[2, 2] = True
        np.testing.assert_array_equal(res.mask, want)
        assert res.sparsity == pytest.approx(13 / 16, abs=0)
        assert res.image[3, 3] == 10.0 and res.image[2, 2] == 14.0
        assert res.kept.tolist() == [3]

    def test_constructed_patches_by_hand(self):
        # 8x8, four 4x4 patches: flat (kept as is), one bright pixel (N_eff = 1),
        # a checkerboard (all |dev| equal: N_eff = 16), and the 18/2/14/6 patch of
        # the test above plus an offset (local mean removes it: 3 kept).
        img = np.zeros((8, 8))
        img[:4, :4] = 50
        img[:4, 4:] = 20
        img[1, 5] = 36  # patch mean 21, deviations 15 and -1 (x15): 1/sum(w^2) = 900/240 = 3.75
        img[4:, :4] = 100 + 10 * (np.indices((4, 4)).sum(0) % 2)
        q = np.full((4, 4), 10.0)
        q[0, 0], q[1, 1], q[2, 2], q[3, 3] = 18, 2, 14, 6
        img[4:, 4:] = q + 30
        res = emp_prune(img, patch=4)
        assert res.mask[:4, :4].all()  # flat: kept as is
        assert res.mask[:4, 4:].sum() == 3  # floor(3.75)
        assert res.mask[1, 5]
        assert res.mask[4:, :4].all()  # checkerboard
        assert res.mask[4:, 4:].sum() == 3
        assert res.kept.tolist() == [16 + 3 + 16 + 3]
        np.testing.assert_array_equal(res.image[:4, :4], img[:4, :4])
        for rs, cs in patch_slices(img.shape, 4):
            s = img[rs, cs] - img[rs, cs].mean()
            if s.any():
                assert res.mask[rs, cs].sum() == keep_count(s)

    @pytest.mark.parametrize("shape", [(13, 17, 3), (13, 17), (16, 16, 3), (9, 30, 2)])
    @pytest.mark.parametrize("p", [1, 3, 4, 8])
    @pytest.mark.parametrize("center", ["local", "channel"])
    def test_patches_equal_loop_over_core(self, shape, p, center):
        img = RNG.integers(0, 256, size=shape).astype(np.uint8)
        res = emp_prune(img, 1.0, p, center=center)
        want_img, want_mask = _loop_reference(img, 1.0, p, center)
        np.testing.assert_array_equal(res.mask, want_mask)
        np.testing.assert_allclose(res.image, want_img, rtol=0, atol=1e-12)

    @pytest.mark.parametrize("p", [None, 4, 8])
    def test_dct_equals_loop_over_core(self, p, smooth_rgb):
        img = smooth_rgb(19, 21, seed=5)
        res = emp_prune(img, 1.0, p, domain="dct")
        want_img, want_mask = _loop_reference(img, 1.0, p, "local", "dct")
        np.testing.assert_array_equal(res.mask, want_mask)
        np.testing.assert_allclose(res.image, want_img, rtol=0, atol=1e-9)

    def test_dct_global_mask_is_emp_of_dctn(self, smooth_rgb):
        img = smooth_rgb(24, 20, seed=6)
        res = emp_prune(img, domain="dct")
        X = img.astype(float)
        for c in range(3):
            coef = sfft.dctn(X[:, :, c] - X[:, :, c].mean(), norm="ortho")
            np.testing.assert_array_equal(res.mask[:, :, c], emp_mask(coef))

    @pytest.mark.parametrize("p", [None, 8, 5])
    def test_dct_all_kept_round_trip(self, p, smooth_rgb):
        img = smooth_rgb(21, 26, seed=8)
        res = emp_prune(img, 1e9, p, domain="dct")  # nu = N everywhere
        assert res.sparsity == 0.0
        np.testing.assert_allclose(res.image, img.astype(float), rtol=0, atol=1e-9)

    def test_sparsity_counted_independently(self, smooth_rgb):
        img = smooth_rgb(30, 22, seed=9)
        for p in (None, 2, 4, 7):
            res = emp_prune(img, 1.0, p)
            assert res.sparsity == 1 - np.count_nonzero(res.mask) / img.size
            assert res.kept.tolist() == [int(np.count_nonzero(res.mask[:, :, c])) for c in range(3)]

    def test_odd_size_covers_every_pixel(self):
        img = RNG.integers(0, 256, size=(13, 17, 3)).astype(np.uint8)
        res = emp_prune(img, 1.0, 4)
        # each patch, including the 1-row and 1-column edge patches, has its own EMP
        for c in range(3):
            for rs, cs in patch_slices(img.shape, 4):
                blk = img[rs, cs, c].astype(float)
                s = blk - blk.mean()
                want = np.ones(s.shape, bool) if not s.any() else emp_mask(s)
                np.testing.assert_array_equal(res.mask[rs, cs, c], want)
        assert res.mask.shape == img.shape and res.image.shape == img.shape

    def test_kept_entries_are_exact_and_pruned_are_means(self, smooth_rgb):
        img = smooth_rgb(16, 16, seed=10)
        res = emp_prune(img, 1.0, 4)
        X = img.astype(float)
        np.testing.assert_array_equal(res.image[res.mask], X[res.mask])
        for c in range(3):
            for rs, cs in patch_slices(img.shape, 4):
                m = res.mask[rs, cs, c]
                assert np.all(res.image[rs, cs, c][~m] == X[rs, cs, c].mean())

    def test_patch_one_keeps_everything(self, smooth_rgb):
        img = smooth_rgb(9, 11, seed=11)
        res = emp_prune(img, 0.5, 1)
        assert res.sparsity == 0.0
        np.testing.assert_array_equal(res.image, img.astype(float))

    def test_constant_image_kept_as_is(self):
        img = np.full((8, 8, 3), 77, dtype=np.uint8)
        for p in (None, 4):
            res = emp_prune(img, 1.0, p)
            assert res.mask.all() and res.sparsity == 0.0
            np.testing.assert_array_equal(res.image, img.astype(float))

    def test_uint8_and_float_agree(self, smooth_rgb):
        img = smooth_rgb(20, 20, seed=12)
        a, b = emp_prune(img, 1.0, 4), emp_prune(img.astype(np.float32) / 255.0, 1.0, 4)
        np.testing.assert_array_equal(a.mask, b.mask)

    def test_sparsity_non_increasing_in_beta(self, smooth_rgb):
        img = smooth_rgb(24, 24, seed=13)
        for p in (None, 4):
            sp = [emp_prune(img, b, p).sparsity for b in (0.25, 0.5, 1.0, 1.5, 2.0, 4.0)]
            assert all(x >= y for x, y in itertools.pairwise(sp))

    def test_grayscale_shapes(self):
        img = RNG.integers(0, 256, size=(10, 12)).astype(np.uint8)
        res = emp_prune(img, 1.0, 3)
        assert res.image.shape == (10, 12) and res.mask.shape == (10, 12)
        assert res.kept.shape == (1,)

    def test_metadata(self, rgb):
        res = emp_prune(rgb(8, 8), 1.5, 4, domain="dct")
        assert (res.method, res.patch, res.center, res.domain, res.beta) == (
            "emp",
            4,
            "local",
            "dct",
            1.5,
        )

    @pytest.mark.parametrize(
        "kwargs,err,word",
        [
            ({"image": np.array([1.0, np.nan, 2.0, 3.0]).reshape(2, 2)}, ValueError, "`image`"),
            ({"image": np.array([[1.0, np.inf], [2.0, 3.0]])}, ValueError, "`image`"),
            ({"image": np.zeros(5)}, ValueError, "`image`"),
            ({"image": np.zeros((2, 2, 2, 2))}, ValueError, "`image`"),
            ({"image": np.zeros((0, 3))}, ValueError, "`image`"),
            ({"image": np.ones((3, 3), bool)}, TypeError, "`image`"),
            ({"image": np.ones((3, 3), complex)}, TypeError, "`image`"),
            ({"image": "abc"}, TypeError, "`image`"),
            ({"image": None}, TypeError, "`image`"),
            ({"beta": 0.0}, ValueError, "`beta`"),
            ({"beta": -1.0}, ValueError, "`beta`"),
            ({"beta": float("nan")}, ValueError, "`beta`"),
            ({"patch": 0}, ValueError, "`patch`"),
            ({"patch": -2}, ValueError, "`patch`"),
            ({"patch": 9}, ValueError, "`patch`"),
            ({"patch": 2.5}, ValueError, "`patch`"),
            ({"patch": "4"}, TypeError, "`patch`"),
            ({"center": "median"}, ValueError, "`center`"),
            ({"domain": "fft"}, ValueError, "`domain`"),
        ],
    )
    def test_bad_inputs(self, kwargs, err, word, rgb):
        args = {"image": rgb(8, 8), "beta": 1.0, "patch": None}
        extra = {k: kwargs.pop(k) for k in list(kwargs) if k in ("center", "domain")}
        args.update(kwargs)
        with pytest.raises(err, match=word):
            emp_prune(args["image"], args["beta"], args["patch"], **extra)


class TestTopkPrune:
    def test_global_equals_core_topk(self, smooth_rgb):
        img = smooth_rgb(21, 19, seed=20)
        keep = [50, 120, 399]
        res = topk_prune(img, keep)
        X = img.astype(float)
        for c in range(3):
            s = X[:, :, c] - X[:, :, c].mean()
            np.testing.assert_array_equal(res.mask[:, :, c], topk_mask(s, keep[c]))
        assert res.kept.tolist() == keep
        assert res.sparsity == 1 - sum(keep) / img.size

    def test_patch_counts_are_apportioned_and_topk_per_patch(self):
        img = RNG.integers(0, 256, size=(13, 17, 3)).astype(np.uint8)
        keep = [70, 101, 150]
        res = topk_prune(img, keep, 4)
        slices = patch_slices(img.shape, 4)
        sizes = [(r.stop - r.start) * (c.stop - c.start) for r, c in slices]
        N = 13 * 17
        for ch in range(3):
            counts = [int(res.mask[rs, cs, ch].sum()) for rs, cs in slices]
            assert sum(counts) == keep[ch]
            for cnt, n in zip(counts, sizes, strict=True):
                q = Fraction(keep[ch] * n, N)
                assert math.floor(q) <= cnt <= math.ceil(q)
            for (rs, cs), cnt in zip(slices, counts, strict=True):
                blk = img[rs, cs, ch].astype(float)
                s = blk - blk.mean()
                if cnt and s.any():
                    np.testing.assert_array_equal(res.mask[rs, cs, ch], topk_mask(s, cnt))

    def test_keep_all_dct_round_trip(self, smooth_rgb):
        img = smooth_rgb(18, 23, seed=21)
        for p in (None, 8):
            res = topk_prune(img, 18 * 23, p, domain="dct")
            np.testing.assert_allclose(res.image, img.astype(float), rtol=0, atol=1e-9)

    def test_keep_zero_gives_means(self, smooth_rgb):
        img = smooth_rgb(8, 8, seed=22)
        res = topk_prune(img, 0)
        X = img.astype(float)
        assert res.sparsity == 1.0
        for c in range(3):
            assert np.all(res.image[:, :, c] == X[:, :, c].mean())

    @pytest.mark.parametrize(
        "keep,err",
        [
            (-1, ValueError),
            (65, ValueError),
            ([1, 2], ValueError),
            (2.5, ValueError),
            ("a", TypeError),
        ],
    )
    def test_bad_keep(self, keep, err, rgb):
        with pytest.raises(err, match="`keep`"):
            topk_prune(rgb(8, 8), keep)


class TestRandomPrune:
    def test_counts_and_values(self, smooth_rgb):
        img = smooth_rgb(15, 14, seed=30)
        keep = [10, 100, 210]
        res = random_prune(img, keep, seed=3)
        assert res.kept.tolist() == keep
        X = img.astype(float)
        np.testing.assert_array_equal(res.image[res.mask], X[res.mask])
        for c in range(3):
            assert np.all(res.image[:, :, c][~res.mask[:, :, c]] == X[:, :, c].mean())

    def test_seeded(self, smooth_rgb):
        img = smooth_rgb(15, 14, seed=31)
        a, b = random_prune(img, 50, seed=1), random_prune(img, 50, seed=1)
        c = random_prune(img, 50, seed=2)
        np.testing.assert_array_equal(a.mask, b.mask)
        assert not np.array_equal(a.mask, c.mask)

    def test_patch_counts(self, smooth_rgb):
        img = smooth_rgb(13, 17, seed=32)
        res = random_prune(img, 100, 4)
        slices = patch_slices(img.shape, 4)
        sizes = np.array([(r.stop - r.start) * (c.stop - c.start) for r, c in slices])
        for ch in range(3):
            counts = np.array([res.mask[rs, cs, ch].sum() for rs, cs in slices])
            np.testing.assert_array_equal(counts, apportion(100, sizes))

    def test_uniform_inclusion_frequency(self, smooth_rgb):
        # each of N entries is kept with probability k/N: over 400 seeds, binomial(400, 0.25)
        img = smooth_rgb(4, 4, seed=33)[:, :, 0]
        freq = np.mean([random_prune(img, 4, seed=s).mask for s in range(400)], axis=0)
        assert np.all(np.abs(freq - 0.25) < 5 * math.sqrt(0.25 * 0.75 / 400))

    def test_bad_seed(self, rgb):
        with pytest.raises(ValueError, match="`seed`"):
            random_prune(rgb(8, 8), 3, seed=-1)
