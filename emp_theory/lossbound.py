"""Moved to :mod:`emp_theory.experiments.lossbound`; this module re-exports its public names."""

from .experiments.lossbound import *  # noqa: F403
from .experiments.lossbound import __all__  # noqa: F401
