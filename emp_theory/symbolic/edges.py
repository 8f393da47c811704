r"""Proposition 1 on the edges of the ordered simplex: closed forms and the exact minimum over edges.

The proof of Proposition 1 (:mod:`emp_theory.symbolic.proof`) reduces the minimum of
:math:`\varphi_\nu(\omega) = \sum_{i\le\nu}\omega_i` over the closed shell
:math:`\overline{A_\nu}` (eq. 7) to the points where an edge
:math:`[\zeta_{[a]}, \zeta_{[b]}]` of the ordered simplex :math:`\tilde\Delta` meets the
inner sphere :math:`\|\omega\|^2 = 1/(\nu+1)`. This module holds the closed forms of
those points and values, and :func:`edge_minimum`, which minimizes over all of them
for a concrete :math:`(N, \nu)` with every comparison decided rigorously.

On the edge :math:`\omega(t) = t\,\zeta_{[a]} + (1-t)\,\zeta_{[b]}`, :math:`a < b`,
:math:`0 \le t \le 1`,

.. math::

    \|\omega(t)\|^2 = \frac1b + t^2\Big(\frac1a - \frac1b\Big),\qquad
    \varphi_\nu(\omega(t)) = t\,\frac{\min(\nu,a)}{a} + (1-t)\,\frac{\min(\nu,b)}{b},

so the edge meets the inner sphere iff :math:`a \le \nu+1 \le b`, at
:math:`t_{ab}^2 = T(a,b) = \frac{a(b-\nu-1)}{(\nu+1)(b-a)}`. Every such point other
than the vertex :math:`\zeta_{[\nu+1]}` has :math:`1 \le a \le \nu < b \le N`, where

.. math::

    V(a, b) = \frac{\nu}{b} + \frac{b-\nu}{b}\sqrt{T(a,b)},\qquad
    V(1, N) = \text{eq. (14)},\qquad V(a, \nu+1) = \frac{\nu}{\nu+1}\ (\text{the vertex } \zeta_{[\nu+1]}).

Paper symbols: ``N`` is the length, ``nu`` the paper's :math:`\nu`, the shell index of
Proposition 1 / eq. (7); ``a < b`` are the indices of the barycentres
:math:`\zeta_{[a]}, \zeta_{[b]}` (eq. 10) spanning an edge (not kept counts); ``t`` the
position on the edge; ``s`` in :func:`slope_quadratic` is :math:`b - \nu - 1`.

Examples
--------
>>> edge_value(1, 4, 2)  # eq. 14 at N = 4, nu = 2
2/3
>>> edge_value(1, 3, 2)  # the vertex zeta_[3]: the tie at (N, nu) = (4, 2)
2/3
>>> m = edge_minimum(4, 2)
>>> m.value, m.edges, m.points
(2/3, ((1, 3), (1, 4), (2, 3)), ('p_nu', 'zeta_[3]'))
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import mpmath
import sympy as sp

from .formulas import eq14
from .zero import is_zero

__all__ = [
    "EdgeMinimum",
    "edge_minimum",
    "edge_norm_sq",
    "edge_parameter_sq",
    "edge_point",
    "edge_value",
    "endpoint_factor",
    "rigorous_sign",
    "slope_quadratic",
    "stated_infimum",
    "vertex",
    "vertex_phi",
]


def _S(x):
    return sp.sympify(x)


def vertex(j: int, N: int) -> sp.Matrix:
    r"""The vertex :math:`\zeta_{[j]} = \frac1j(e_1 + \dots + e_j)` of :math:`\tilde\Delta` (eq. 10), exactly."""
    return sp.Matrix([sp.Rational(1, j) if i < j else sp.Integer(0) for i in range(N)])


def vertex_phi(nu: int, j: int):
    r""":math:`\varphi_\nu(\zeta_{[j]}) = \min(\nu, j)/j` for concrete integers."""
    return sp.Rational(min(nu, j), j)


def edge_norm_sq(t, a, b):
    r""":math:`\|t\zeta_{[a]} + (1-t)\zeta_{[b]}\|^2 = 1/b + t^2(1/a - 1/b)` for :math:`a \le b`."""
    t, a, b = _S(t), _S(a), _S(b)
    return 1 / b + t**2 * (1 / a - 1 / b)


def edge_parameter_sq(a, b, nu):
    r""":math:`T(a,b) = t_{ab}^2 = \frac{a(b-\nu-1)}{(\nu+1)(b-a)}`: where :math:`[\zeta_{[a]}, \zeta_{[b]}]` meets :math:`\|\omega\|^2 = \frac1{\nu+1}`."""
    a, b, nu = _S(a), _S(b), _S(nu)
    return a * (b - nu - 1) / ((nu + 1) * (b - a))


def edge_value(a, b, nu):
    r""":math:`V(a,b) = \frac{\nu}{b} + \frac{b-\nu}{b}\sqrt{T(a,b)}`, :math:`\varphi_\nu` at that point (:math:`a \le \nu < b`)."""
    a, b, nu = _S(a), _S(b), _S(nu)
    return nu / b + (b - nu) / b * sp.sqrt(edge_parameter_sq(a, b, nu))


def edge_point(a: int, b: int, nu: int, N: int) -> sp.Matrix:
    r"""The point :math:`t_{ab}\zeta_{[a]} + (1 - t_{ab})\zeta_{[b]}` as an exact vector of length ``N``."""
    t = sp.sqrt(edge_parameter_sq(a, b, nu))
    return t * vertex(a, N) + (1 - t) * vertex(b, N)


def slope_quadratic(s, nu):
    r""":math:`R(s) = (4\nu-5)s^2 + 2(2\nu^2-2\nu-1)s - 1`; the slope of :math:`b \mapsto V(1,b)` at
    :math:`b = \nu+1+s > \nu+1` has the sign of :math:`-R(s)`."""
    s, nu = _S(s), _S(nu)
    return (4 * nu - 5) * s**2 + 2 * (2 * nu**2 - 2 * nu - 1) * s - 1


def endpoint_factor(N, nu):
    r""":math:`(N-\nu-1)(\nu^2-\nu-1) - 1`: for :math:`\nu \le N-2`, :math:`\frac{\nu}{\nu+1} - \text{eq. (14)}`
    has its sign."""
    N, nu = _S(N), _S(nu)
    return (N - nu - 1) * (nu**2 - nu - 1) - 1


@dataclass(frozen=True)
class EdgeMinimum:
    r"""The minimum of :math:`\varphi_\nu` over the edge points of the inner sphere, for one :math:`(N, \nu)`.

    Attributes
    ----------
    N, nu : int
        Length and shell index.
    value : sympy.Expr
        The exact minimum (an algebraic number).
    edges : tuple of (int, int)
        Every :math:`(a, b)`, :math:`1 \le a \le \nu < b \le N`, where :math:`V(a, b)` equals it.
    points : tuple of str
        The distinct minimizing points: ``"p_nu"`` (the edge :math:`(1, N)`),
        ``"zeta_[j]"`` (a vertex) or ``"edge (a, b)"``. At :math:`\nu = N-1`,
        :math:`p_\nu = \zeta_{[N]}` is reported as ``"p_nu"``.
    n_edges : int
        How many :math:`(a, b)` were compared: :math:`\nu(N-\nu)`.
    """

    N: int
    nu: int
    value: sp.Expr
    edges: tuple[tuple[int, int], ...]
    points: tuple[str, ...]
    n_edges: int


@contextmanager
def _iv_digits(dps: int):
    """Set mpmath's interval precision for a block (``mpmath.iv`` has no ``workdps``)."""
    old = mpmath.iv.dps
    mpmath.iv.dps = dps
    try:
        yield
    finally:
        mpmath.iv.dps = old


def _enclose(e):
    """An mpmath interval enclosing a concrete expression built from rationals, +, *, integer
    powers and square roots (outward rounding, so the true value lies inside)."""
    iv = mpmath.iv
    if e.is_Rational:
        return iv.mpf(int(e.p)) / iv.mpf(int(e.q))
    if e.is_Add or e.is_Mul:
        parts = [_enclose(x) for x in e.args]
        out = parts[0]
        for x in parts[1:]:
            out = out + x if e.is_Add else out * x
        return out
    if e.is_Pow and e.exp.is_Rational and e.exp.q in (1, 2):
        base = _enclose(e.base)
        if e.exp.q == 2:
            base = iv.sqrt(base)
        k = int(e.exp.p)
        return base**k if k >= 0 else 1 / base ** (-k)
    raise TypeError(f"cannot enclose {e!r}")


def rigorous_sign(x, dps: int = 40) -> int:
    """Sign (-1, 0, 1) of a concrete algebraic number, decided rigorously.

    An outward-rounded mpmath interval (``dps`` digits) decides every sign it separates
    from 0; otherwise :func:`~emp_theory.symbolic.zero.is_zero` decides exactly whether
    the number is 0 (and a non-zero number is compared exactly by SymPy).

    >>> import sympy as sp
    >>> rigorous_sign(sp.sqrt(2) - sp.Rational(99, 70)), rigorous_sign(sp.sqrt(8) - 2 * sp.sqrt(2))
    (-1, 0)
    """
    x = sp.sympify(x)
    try:
        with _iv_digits(dps):
            enc = _enclose(x)
            if enc.a > 0:
                return 1
            if enc.b < 0:
                return -1
    except TypeError:
        pass
    if is_zero(x):
        return 0
    return 1 if bool(x > 0) else -1


def _point_name(a: int, b: int, nu: int, N: int) -> str:
    if b == nu + 1:
        return f"zeta_[{nu + 1}]"
    if (a, b) == (1, N):
        return "p_nu"
    return f"edge ({a}, {b})"


def edge_minimum(N: int, nu: int, dps: int = 50) -> EdgeMinimum:
    r"""Exact minimum of :math:`V(a, b)` over all :math:`1 \le a \le \nu < b \le N`, with every minimizer.

    Each :math:`V(a, b)` is enclosed in an outward-rounded mpmath interval (``dps``
    digits); those whose interval lies above the least upper end are not minimal, and the
    few left are compared with :func:`rigorous_sign` (intervals, then an exact zero test
    for the equalities). Nothing about where the minimum lies is assumed.

    Parameters
    ----------
    N : int
        ``N >= 2``.
    nu : int
        ``1 <= nu <= N - 1``.
    dps : int
        Working precision of the intervals, in decimal digits.

    Returns
    -------
    EdgeMinimum
    """
    if not (isinstance(N, int) and isinstance(nu, int) and 1 <= nu <= N - 1):
        raise ValueError(f"need integers 1 <= `nu` <= `N` - 1, got N={N!r}, nu={nu!r}")
    values = {(a, b): edge_value(a, b, nu) for a in range(1, nu + 1) for b in range(nu + 1, N + 1)}
    with _iv_digits(dps):
        enclosures = {ab: _enclose(x) for ab, x in values.items()}
        # the least upper end bounds the minimum from above; a value whose interval lies
        # wholly above it exceeds some other value, hence is not the minimum
        cut = min(iv.b for iv in enclosures.values())
        near = [ab for ab, iv in enclosures.items() if iv.a <= cut]
    # the few candidates left are compared rigorously: the least, then all equal to it
    best = near[0]
    for ab in near[1:]:
        if rigorous_sign(values[ab] - values[best], dps) < 0:
            best = ab
    value = values[best]
    ties = tuple(sorted(ab for ab in near if rigorous_sign(values[ab] - value, dps) == 0))
    names = {_point_name(a, b, nu, N) for a, b in ties}
    if nu == N - 1:  # every edge point is zeta_[N] = p_{N-1}
        names = {"p_nu"}
    points = tuple(sorted(names, key=lambda x: (x != "p_nu", x)))
    return EdgeMinimum(N, nu, sp.radsimp(value), ties, points, len(enclosures))


def stated_infimum(N, nu):
    """The infimum Proposition 1 states: eq. (14) for ``2 <= nu <= N - 1``, 1/2 for ``nu = 1``."""
    return sp.Rational(1, 2) if nu == 1 else eq14(N, nu)
