"""``python -m emp_theory.cli``: the ``emp-theory`` command."""

import sys

from . import main

sys.exit(main())
