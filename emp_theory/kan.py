"""Moved to :mod:`emp_theory.experiments.kan`; this module re-exports its public names."""

from .experiments.kan import *  # noqa: F403
from .experiments.kan import __all__  # noqa: F401
