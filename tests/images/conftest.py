"""Fixtures of the image tests: small deterministic uint8 images.

* ``rgb(h, w, seed=0)`` — white noise, ``(h, w, 3)`` uint8;
* ``smooth_rgb(h, w, seed=0)`` — gradients plus noise, closer to a photo than white noise.

Both are plain functions handed out by session-scoped fixtures (so Hypothesis tests may
use them too); each call draws from its own seeded generator.
"""

from __future__ import annotations

import numpy as np
import pytest


def _rgb(h, w, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def _smooth_rgb(h, w, seed=0):
    """A smooth-ish uint8 image (gradients + noise), closer to a photo than white noise."""
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 3.0, y * 2.0, (x + y) * 1.5], axis=-1)
    img = base + r.normal(0, 12, size=(h, w, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


@pytest.fixture(scope="session")
def rgb():
    return _rgb


@pytest.fixture(scope="session")
def smooth_rgb():
    return _smooth_rgb
