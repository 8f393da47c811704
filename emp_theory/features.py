"""Moved to :mod:`emp_theory.images` (featurewise EMP on images, Section 5.4)."""

from .images import *  # noqa: F403
from .images import __all__  # noqa: F401
