"""Tests of emp_theory.features (featurewise EMP on images, Section 5.4) and viz.pixels.

Reference values come from the core's Algorithm 1 applied directly (per channel
or patch by patch in a plain loop over explicit slices), from hand derivations
on constructed images, from scipy.fft / skimage.metrics called directly, and
from exact integer arithmetic (fractions) for the apportioned counts.
"""

from __future__ import annotations

import base64
import io
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import fft as sfft
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from emp_theory.effective import emp_mask, keep_count, n_eff, topk_mask
from emp_theory.features import (
    PAPER_FIGURE4,
    _apportion,
    _emp_rows,
    _n_eff_rows,
    _topk_rows,
    compare_methods,
    emp_prune,
    image_quality,
    patch_slices,
    random_prune,
    topk_prune,
)

RNG = np.random.default_rng(20260923)


def _rgb(h, w, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def _smooth_rgb(h, w, seed=0):
    """A smooth-ish uint8 image (gradients + noise), closer to a photo than white noise."""
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 3.0, y * 2.0, (x + y) * 1.5], axis=-1)
    img = base + r.normal(0, 12, size=(h, w, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


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


# ---------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------
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
            got = _n_eff_rows(nz)
            want = np.array([n_eff(row) for row in nz])
            np.testing.assert_array_equal(got, want)

    @pytest.mark.parametrize("beta", [0.3, 0.5, 1.0, 1.37, 2.0, 50.0])
    def test_emp_rows_equal_core(self, beta):
        for rows in self._rows():
            got = _emp_rows(rows, beta)
            for i, row in enumerate(rows):
                want = np.ones(row.shape, bool) if not row.any() else emp_mask(row, beta)
                np.testing.assert_array_equal(got[i], want)

    def test_emp_rows_zero_row_kept(self):
        rows = np.zeros((2, 9))
        rows[1, 3] = 1.0
        got = _emp_rows(rows, 1.0)
        assert got[0].all()
        assert got[1].tolist() == [False] * 3 + [True] + [False] * 5

    def test_topk_rows_equal_core(self):
        r = np.random.default_rng(3)
        rows = r.integers(-2, 3, size=(200, 16)).astype(float)
        rows = rows[np.any(rows != 0, axis=1)]
        k = r.integers(1, 17, size=len(rows))
        got = _topk_rows(rows, k)
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
        got = _emp_rows(rows, beta)
        for i, row in enumerate(rows):
            want = np.ones(row.shape, bool) if not row.any() else emp_mask(row, beta)
            np.testing.assert_array_equal(got[i], want)


# ---------------------------------------------------------------------------
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
        got = _apportion(total, np.array(sizes))
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
class TestEmpPrune:
    def test_global_equals_core_per_channel(self):
        img = _smooth_rgb(37, 29, seed=1)
        for beta in (0.5, 1.0, 2.0):
            res = emp_prune(img, beta)
            X = img.astype(float)
            for c in range(3):
                s = X[:, :, c] - X[:, :, c].mean()
                np.testing.assert_array_equal(res.mask[:, :, c], emp_mask(s, beta))
                want = np.where(res.mask[:, :, c], X[:, :, c], X[:, :, c].mean())
                np.testing.assert_array_equal(res.image[:, :, c], want)

    def test_global_local_and_channel_centers_coincide(self):
        img = _smooth_rgb(20, 24, seed=2)
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
    def test_dct_equals_loop_over_core(self, p):
        img = _smooth_rgb(19, 21, seed=5)
        res = emp_prune(img, 1.0, p, domain="dct")
        want_img, want_mask = _loop_reference(img, 1.0, p, "local", "dct")
        np.testing.assert_array_equal(res.mask, want_mask)
        np.testing.assert_allclose(res.image, want_img, rtol=0, atol=1e-9)

    def test_dct_global_mask_is_emp_of_dctn(self):
        img = _smooth_rgb(24, 20, seed=6)
        res = emp_prune(img, domain="dct")
        X = img.astype(float)
        for c in range(3):
            coef = sfft.dctn(X[:, :, c] - X[:, :, c].mean(), norm="ortho")
            np.testing.assert_array_equal(res.mask[:, :, c], emp_mask(coef))

    @pytest.mark.parametrize("p", [None, 8, 5])
    def test_dct_all_kept_round_trip(self, p):
        img = _smooth_rgb(21, 26, seed=8)
        res = emp_prune(img, 1e9, p, domain="dct")  # nu = N everywhere
        assert res.sparsity == 0.0
        np.testing.assert_allclose(res.image, img.astype(float), rtol=0, atol=1e-9)

    def test_sparsity_counted_independently(self):
        img = _smooth_rgb(30, 22, seed=9)
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

    def test_kept_entries_are_exact_and_pruned_are_means(self):
        img = _smooth_rgb(16, 16, seed=10)
        res = emp_prune(img, 1.0, 4)
        X = img.astype(float)
        np.testing.assert_array_equal(res.image[res.mask], X[res.mask])
        for c in range(3):
            for rs, cs in patch_slices(img.shape, 4):
                m = res.mask[rs, cs, c]
                assert np.all(res.image[rs, cs, c][~m] == X[rs, cs, c].mean())

    def test_patch_one_keeps_everything(self):
        img = _smooth_rgb(9, 11, seed=11)
        res = emp_prune(img, 0.5, 1)
        assert res.sparsity == 0.0
        np.testing.assert_array_equal(res.image, img.astype(float))

    def test_constant_image_kept_as_is(self):
        img = np.full((8, 8, 3), 77, dtype=np.uint8)
        for p in (None, 4):
            res = emp_prune(img, 1.0, p)
            assert res.mask.all() and res.sparsity == 0.0
            np.testing.assert_array_equal(res.image, img.astype(float))

    def test_uint8_and_float_agree(self):
        img = _smooth_rgb(20, 20, seed=12)
        a, b = emp_prune(img, 1.0, 4), emp_prune(img.astype(np.float32) / 255.0, 1.0, 4)
        np.testing.assert_array_equal(a.mask, b.mask)

    def test_sparsity_non_increasing_in_beta(self):
        img = _smooth_rgb(24, 24, seed=13)
        for p in (None, 4):
            sp = [emp_prune(img, b, p).sparsity for b in (0.25, 0.5, 1.0, 1.5, 2.0, 4.0)]
            assert all(x >= y for x, y in itertools.pairwise(sp))

    def test_grayscale_shapes(self):
        img = RNG.integers(0, 256, size=(10, 12)).astype(np.uint8)
        res = emp_prune(img, 1.0, 3)
        assert res.image.shape == (10, 12) and res.mask.shape == (10, 12)
        assert res.kept.shape == (1,)

    def test_metadata(self):
        res = emp_prune(_rgb(8, 8), 1.5, 4, domain="dct")
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
    def test_bad_inputs(self, kwargs, err, word):
        args = {"image": _rgb(8, 8), "beta": 1.0, "patch": None}
        extra = {k: kwargs.pop(k) for k in list(kwargs) if k in ("center", "domain")}
        args.update(kwargs)
        with pytest.raises(err, match=word):
            emp_prune(args["image"], args["beta"], args["patch"], **extra)


# ---------------------------------------------------------------------------
class TestTopkPrune:
    def test_global_equals_core_topk(self):
        img = _smooth_rgb(21, 19, seed=20)
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

    def test_keep_all_dct_round_trip(self):
        img = _smooth_rgb(18, 23, seed=21)
        for p in (None, 8):
            res = topk_prune(img, 18 * 23, p, domain="dct")
            np.testing.assert_allclose(res.image, img.astype(float), rtol=0, atol=1e-9)

    def test_keep_zero_gives_means(self):
        img = _smooth_rgb(8, 8, seed=22)
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
    def test_bad_keep(self, keep, err):
        with pytest.raises(err, match="`keep`"):
            topk_prune(_rgb(8, 8), keep)


# ---------------------------------------------------------------------------
class TestRandomPrune:
    def test_counts_and_values(self):
        img = _smooth_rgb(15, 14, seed=30)
        keep = [10, 100, 210]
        res = random_prune(img, keep, seed=3)
        assert res.kept.tolist() == keep
        X = img.astype(float)
        np.testing.assert_array_equal(res.image[res.mask], X[res.mask])
        for c in range(3):
            assert np.all(res.image[:, :, c][~res.mask[:, :, c]] == X[:, :, c].mean())

    def test_seeded(self):
        img = _smooth_rgb(15, 14, seed=31)
        a, b = random_prune(img, 50, seed=1), random_prune(img, 50, seed=1)
        c = random_prune(img, 50, seed=2)
        np.testing.assert_array_equal(a.mask, b.mask)
        assert not np.array_equal(a.mask, c.mask)

    def test_patch_counts(self):
        img = _smooth_rgb(13, 17, seed=32)
        res = random_prune(img, 100, 4)
        slices = patch_slices(img.shape, 4)
        sizes = np.array([(r.stop - r.start) * (c.stop - c.start) for r, c in slices])
        for ch in range(3):
            counts = np.array([res.mask[rs, cs, ch].sum() for rs, cs in slices])
            np.testing.assert_array_equal(counts, _apportion(100, sizes))

    def test_uniform_inclusion_frequency(self):
        # each of N entries is kept with probability k/N: over 400 seeds, binomial(400, 0.25)
        img = _smooth_rgb(4, 4, seed=33)[:, :, 0]
        freq = np.mean([random_prune(img, 4, seed=s).mask for s in range(400)], axis=0)
        assert np.all(np.abs(freq - 0.25) < 5 * math.sqrt(0.25 * 0.75 / 400))

    def test_bad_seed(self):
        with pytest.raises(ValueError, match="`seed`"):
            random_prune(_rgb(8, 8), 3, seed=-1)


# ---------------------------------------------------------------------------
class TestImageQuality:
    def test_identical(self):
        img = _rgb(16, 16)
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

    def test_matches_skimage_directly(self):
        a = _smooth_rgb(20, 24, seed=40)
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


# ---------------------------------------------------------------------------
class TestCompareMethods:
    def test_rows_and_equal_sparsity(self):
        img = _smooth_rgb(40, 36, seed=50)
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

    def test_bad_inputs(self):
        with pytest.raises(ValueError, match="`block`"):
            compare_methods(_rgb(10, 10), block=11)
        with pytest.raises(ValueError, match="`beta`"):
            compare_methods(_rgb(10, 10), beta=0)


# ---------------------------------------------------------------------------
class TestPixelsViz:
    def _decode(self, uri):
        from PIL import Image

        data = base64.b64decode(uri.split(",", 1)[1])
        return np.asarray(Image.open(io.BytesIO(data)))

    def test_figure_controls_compose(self):
        from emp_theory.viz.pixels import pixels_figure

        img = _smooth_rgb(40, 30, seed=60)
        betas, patches = (0.5, 1.0, 2.0), (2, 4)
        fig = pixels_figure(img, betas, patches, size=32)
        n = len(fig.data)
        assert n == 2 + 2 * len(betas) + 2 * len(betas) * len(patches)
        steps = fig.layout.sliders[0].steps
        buttons = fig.layout.updatemenus[0].buttons
        for ib, b in enumerate(betas):
            opacity = steps[ib].args[0]["opacity"]
            for ip, p in enumerate(patches):
                vis = [t.visible is not False for t in fig.data]
                upd, idx = buttons[ip].args
                for j, v in zip(idx, upd["visible"], strict=True):
                    vis[j] = v
                shown = [
                    j for j in range(n) if fig.data[j].type == "image" and vis[j] and opacity[j] > 0
                ]
                # original + one global + one patch image, the right ones
                assert len(shown) == 3
                small = self._decode(fig.data[shown[0]].source)
                got_g = self._decode(fig.data[shown[1]].source)
                got_p = self._decode(fig.data[shown[2]].source)
                want_g = np.rint(emp_prune(small, b).image).astype(np.uint8)
                want_p = np.rint(emp_prune(small, b, p).image).astype(np.uint8)
                np.testing.assert_array_equal(got_g, want_g)
                np.testing.assert_array_equal(got_p, want_p)
                assert max(small.shape[:2]) == 32

    def test_tables_and_tradeoff(self):
        from emp_theory.viz.pixels import paper_table, quality_table, tradeoff_figure

        img = _smooth_rgb(24, 24, seed=61)
        rows = compare_methods(img)
        t = quality_table(rows).splitlines()
        assert len(t) == 2 + len(rows)
        for line, r in zip(t[2:], rows, strict=True):
            cells = [c.strip() for c in line.strip("|").split("|")]
            assert cells[0] == r.label and float(cells[2]) == round(r.sparsity, 3)
            assert float(cells[4]) == round(r.ssim, 4)
        pt = paper_table({"smooth": rows}).splitlines()
        paper = [c.strip() for c in pt[2].strip("|").split("|")]
        assert paper[1:7] == ["0.267", "29.4", "0.912", "0.323", "38.3", "0.991"]
        ours = [c.strip() for c in pt[3].strip("|").split("|")]
        assert ours[0] == "smooth" and float(ours[1]) == round(rows[0].sparsity, 3)
        f = tradeoff_figure({"smooth": rows})
        assert len(f.data) == len(rows) + 1

    def test_downsample(self):
        from emp_theory.viz.pixels import downsample

        img = _smooth_rgb(60, 90, seed=62)
        small = downsample(img, 30)
        assert small.shape == (20, 30, 3) and small.dtype == np.uint8
        assert downsample(img, 200) is img

    def test_bad_controls(self):
        from emp_theory.viz.pixels import pixels_figure

        with pytest.raises(ValueError, match="`beta0`"):
            pixels_figure(_rgb(16, 16), betas=(0.5,), patches=(4,))
        with pytest.raises(ValueError, match="`patch0`"):
            pixels_figure(_rgb(16, 16), betas=(1.0,), patches=(2,))
