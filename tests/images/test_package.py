"""The package emp_theory.images and the thin re-export left at emp_theory.features."""

from __future__ import annotations

import emp_theory.features as features
import emp_theory.images as images

OLD_PUBLIC = (
    "PAPER_FIGURE4",
    "ImageQuality",
    "MethodRow",
    "PrunedImage",
    "compare_methods",
    "emp_prune",
    "image_quality",
    "patch_slices",
    "random_prune",
    "topk_prune",
)


def test_old_module_names_are_the_package_objects():
    assert tuple(features.__all__) == OLD_PUBLIC == tuple(images.__all__)
    for name in OLD_PUBLIC:
        assert getattr(features, name) is getattr(images, name), name


def test_no_near_integer_rule_of_its_own():
    # the N_eff decision is the core's (tests/images/test_rows.py checks the routing)
    from emp_theory.images import rows

    assert not [n for n in vars(rows) if "NEAR" in n.upper()]
