"""Tests of emp_theory.viz.pixels on images pruned by emp_theory.images (the "Pruning pixels" figures).

Image fixtures (``rgb``, ``smooth_rgb``) are in tests/images/conftest.py.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest

from emp_theory.images import compare_methods, emp_prune


class TestPixelsViz:
    def _decode(self, uri):
        from PIL import Image

        data = base64.b64decode(uri.split(",", 1)[1])
        return np.asarray(Image.open(io.BytesIO(data)))

    def test_figure_controls_compose(self, smooth_rgb):
        from emp_theory.viz.pixels import pixels_figure

        img = smooth_rgb(40, 30, seed=60)
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

    def test_tables_and_tradeoff(self, smooth_rgb):
        from emp_theory.viz.pixels import paper_table, quality_table, tradeoff_figure

        img = smooth_rgb(24, 24, seed=61)
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

    def test_downsample(self, smooth_rgb):
        from emp_theory.viz.pixels import downsample

        img = smooth_rgb(60, 90, seed=62)
        small = downsample(img, 30)
        assert small.shape == (20, 30, 3) and small.dtype == np.uint8
        assert downsample(img, 200) is img

    def test_bad_controls(self, rgb):
        from emp_theory.viz.pixels import pixels_figure

        with pytest.raises(ValueError, match="`beta0`"):
            pixels_figure(rgb(16, 16), betas=(0.5,), patches=(4,))
        with pytest.raises(ValueError, match="`patch0`"):
            pixels_figure(rgb(16, 16), betas=(1.0,), patches=(2,))
