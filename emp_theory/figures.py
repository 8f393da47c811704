"""Moved to :mod:`emp_theory.viz.paper_figures`; ``python -m emp_theory.figures`` still works."""

import sys

from .viz.paper_figures import *  # noqa: F403
from .viz.paper_figures import __all__, main  # noqa: F401

if __name__ == "__main__":
    sys.exit(main())
