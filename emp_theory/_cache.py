"""The one cache-folder convention of emp_theory (torch-free).

Trained checkpoints, sweep results and experiment results live under
``<path>``, else ``$EMP_THEORY_CACHE``, else ``~/.cache/emp_theory``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CACHE_ENV", "cache_dir"]

#: Environment variable naming the cache folder.
CACHE_ENV = "EMP_THEORY_CACHE"


def cache_dir(path=None) -> Path:
    """The cache folder: `path`, else ``$EMP_THEORY_CACHE``, else ``~/.cache/emp_theory``."""
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "emp_theory"
