"""Moved to :mod:`emp_theory.experiments.transformer`; this module re-exports its public names."""

from .experiments.transformer import *  # noqa: F403
from .experiments.transformer import __all__  # noqa: F401
