r"""The exact zero-decision behind every check: is an expression identically zero, is a number >= 0.

An identity is *proved* only by exact simplification (``cancel``, ``radsimp``,
``simplify``, ``equals``); a 60-digit evaluation at one admissible point is used
only to *refute* quickly (a clearly non-zero value disproves an identity, a tiny
one proves nothing).

Radicals are made decidable by :func:`split_roots`: with non-negative symbols,
:math:`\sqrt{xy/z} = \sqrt x\sqrt y/\sqrt z`, so an identity between radicals of
rational functions becomes an identity between rational functions of the roots.
The checks parametrise :math:`\nu = 1 + a`, :math:`N = \nu + 1 + m` with
:math:`a > 0, m \ge 0` (``nu`` is the paper's shell index :math:`\nu`, ``N`` the
length), which makes every radicand a product of non-negative factors.

Examples
--------
>>> import sympy as sp
>>> is_zero(sp.sqrt(2) + sp.sqrt(3) - sp.sqrt(5 + 2 * sp.sqrt(6)))
True
>>> x, y = sp.symbols("x y", positive=True)
>>> is_zero(sp.sqrt(x + y) - sp.sqrt(x) - sp.sqrt(y))
False
>>> is_nonneg_number(sp.sqrt(3) - sp.Rational(17, 10))
True
"""

from __future__ import annotations

import sympy as sp

__all__ = ["clearly_nonzero", "is_nonneg_number", "is_zero", "split_roots"]

#: Sample points (a = 7/3, m = 5/2, ...) for the quick refutation in :func:`is_zero`.
_PROBE = (sp.Rational(7, 3), sp.Rational(5, 2), sp.Rational(11, 7), sp.Rational(13, 5))


def split_roots(expr):
    """Rewrite every square root as the root of its factored radicand.

    With non-negative symbols this splits ``sqrt(x*y/z)`` into
    ``sqrt(x)*sqrt(y)/sqrt(z)``, which makes identities between radicals
    decidable as identities of rational functions of the roots.
    """
    expr = sp.sympify(expr)
    return expr.replace(
        lambda e: e.is_Pow and e.exp.is_Rational and e.exp.q == 2,
        lambda e: sp.factor(sp.together(e.base)) ** e.exp,
    )


def clearly_nonzero(e) -> bool:
    """True if ``e`` evaluates (60 digits) to a clearly non-zero number at a sample point.

    A non-zero value at one admissible point refutes an identity; a tiny value
    proves nothing, so the exact tests of :func:`is_zero` still decide.
    """
    syms = sorted(e.free_symbols, key=lambda s: s.name)
    point = {s: _PROBE[i % len(_PROBE)] + i for i, s in enumerate(syms)}
    try:
        val = sp.N(e.subs(point), 60)
    except (TypeError, ValueError, ZeroDivisionError):  # pragma: no cover - defensive
        return False
    if not val.is_number or val.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return False
    return bool(abs(val) > sp.Float("1e-40", 60))


def is_zero(expr) -> bool:
    """Decide ``expr == 0`` exactly (symbolic or concrete algebraic numbers).

    Identities are *proved* only by exact simplification (``cancel``/``radsimp``/
    ``simplify``/``equals``); a 60-digit evaluation at one point is used only to
    *refute* quickly.
    """
    e = sp.sympify(expr)
    if not e.free_symbols:  # a concrete algebraic number: square roots auto-reduce
        if sp.expand(sp.radsimp(sp.expand(e))) == 0:
            return True
        if clearly_nonzero(e):
            return False
        return sp.simplify(e) == 0 or e.equals(0) is True
    if clearly_nonzero(e):
        return False
    e = split_roots(e)
    if sp.expand(sp.numer(sp.together(e))) == 0:
        return True
    if sp.cancel(sp.expand(e)) == 0:
        return True
    if sp.expand(sp.radsimp(e)) == 0:
        return True
    if sp.simplify(e) == 0:
        return True
    return e.equals(0) is True


def is_nonneg_number(x) -> bool:
    """Exact sign test of a concrete algebraic number (``x >= 0``)."""
    x = sp.sympify(x)
    if is_zero(x):
        return True
    return bool(x > 0)
