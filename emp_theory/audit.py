"""Moved to :mod:`emp_theory.experiments.audit`; this module re-exports its public names."""

from .experiments.audit import *  # noqa: F403
from .experiments.audit import __all__  # noqa: F401
