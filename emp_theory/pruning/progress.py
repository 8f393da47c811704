"""Progress that logs can read: tqdm bars on a terminal, one plain line per step elsewhere.

tqdm's ``disable=None`` hides its bars when the stream is not a terminal (CI, a log
file), which leaves a long sweep silent. With ``progress=None`` ("auto") the sweep and
the training therefore print one plain line per finished step (a trained model, a
pruned setting) to standard error when it is not a terminal, and show bars when it
is; ``progress=True`` forces bars, ``progress=False`` shows nothing. No paper symbol
is involved.
"""

from __future__ import annotations

import sys

__all__ = ["bar_disabled", "log_line", "plain_lines"]


def bar_disabled(progress: bool | None) -> bool | None:
    """tqdm's ``disable`` for `progress` (None: tqdm decides, hidden off a terminal)."""
    return None if progress is None else not progress


def plain_lines(progress: bool | None) -> bool:
    """True when plain progress lines replace the bars: auto mode and stderr is no terminal."""
    if progress is not None:
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    return not (callable(isatty) and isatty())


def log_line(progress: bool | None, text: str) -> None:
    """Print `text` as one flushed line on stderr when :func:`plain_lines` says so."""
    if plain_lines(progress):
        print(text, file=sys.stderr, flush=True)
