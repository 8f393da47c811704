"""What every ``emp-theory`` command shares: the parser class, the user-error type and
the argument types (one β parser, one list parser, one name parser).

User mistakes raise :class:`UsageError`; :func:`emp_theory.cli.main` prints it as one
line on stderr and exits with status 2, never a traceback. Argument types raise
:class:`argparse.ArgumentTypeError`, which argparse turns into the same one line.
"""

from __future__ import annotations

import argparse
import math
import sys

__all__ = [
    "Parser",
    "UsageError",
    "choose",
    "dispatch",
    "float_list",
    "positive_float",
    "positive_int",
]


class UsageError(Exception):
    """A user mistake: reported as one line on stderr, exit status 2."""


class Parser(argparse.ArgumentParser):
    """``argparse`` parser whose errors are one line and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def positive_int(text: str) -> int:
    """An integer >= 1 (``argparse`` type)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def positive_float(text: str) -> float:
    """A finite number > 0, such as β (``argparse`` type)."""
    v = _number(text)
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return v


def float_list(
    text: str, what: str, *, low: float = 0.0, high: float = math.inf, open_low: bool = True
) -> list[float]:
    """Comma-separated finite numbers in ``(low, high]`` (``[low, high]`` if not `open_low`).

    Raises :class:`UsageError` naming ``--what`` on an empty list, a non-number or a
    value out of range.
    """
    out = []
    for t in text.split(","):
        t = t.strip()
        if not t:
            continue
        try:
            v = float(t)
        except ValueError:
            raise UsageError(f"--{what}: {t!r} is not a number") from None
        bad = (v <= low if open_low else v < low) or v > high or not math.isfinite(v)
        if bad:
            lo = "(" if open_low else "["
            raise UsageError(f"--{what}: {t} is outside {lo}{low:g}, {high:g}]")
        out.append(v)
    if not out:
        raise UsageError(f"--{what} is empty")
    return out


def int_list(text: str | None, what: str) -> list[int] | None:
    """Comma- or space-separated integers, or None when `text` is None."""
    if text is None:
        return None
    try:
        return [int(x) for x in text.replace(",", " ").split()]
    except ValueError:
        raise UsageError(
            f"--{what} must be a comma-separated list of integers, got {text!r}"
        ) from None


def choose(text: str, allowed, what: str) -> list[str]:
    """Comma-separated names from `allowed` (or ``all``), in order, without repeats."""
    items = [t.strip().lower() for t in text.split(",") if t.strip()]
    if items == ["all"]:
        return list(allowed)
    if not items:
        raise UsageError(f"--{what} is empty")
    for it in items:
        if it not in allowed:
            raise UsageError(f"unknown {what} {it!r} (choose from {', '.join(allowed)} or 'all')")
    return list(dict.fromkeys(items))


def dispatch(args, prog: str) -> int:
    """Run the command parsed into `args`; map user errors and Ctrl-C to one line.

    Returns the command's status (0, or 1 for a failed check), 2 after a
    :class:`UsageError` (printed as ``<prog>: error: <message>``), 130 after
    ``KeyboardInterrupt`` (``<prog>: interrupted``), never a traceback for either.
    """
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0
