r"""Checks 11-14: the proof of Proposition 1, part 1 — the minimum lies where an edge meets the inner sphere.

Minimize the linear :math:`\varphi_\nu(\omega) = \sum_{i\le\nu}\omega_i` over the shell
:math:`A_\nu = \{\omega\in\tilde\Delta : \tfrac1{\nu+1} < \|\omega\|^2 \le \tfrac1\nu\}`
(eq. 7), :math:`1 \le \nu \le N-1`. Four steps reduce the problem to finitely many
points, the intersections of the edges :math:`[\zeta_{[a]},\zeta_{[b]}]` of the ordered
simplex with the inner sphere:

==================================  ==============================================
:func:`check_prop1_vertices`        11. :math:`\tilde\Delta` is the simplex on :math:`\zeta_{[1]},\dots,\zeta_{[N]}`
:func:`check_prop1_closure`         12. :math:`\inf_{A_\nu} = \min_{\overline{A_\nu}}`; :math:`A_N = \{\zeta_{[N]}\}`
:func:`check_prop1_sphere_binds`    13. every minimizer lies on :math:`\|\omega\|^2 = \frac1{\nu+1}` (reverse convexity)
:func:`check_prop1_on_edges`        14. ... and on an edge, where :math:`\varphi_\nu = V(a,b)`
==================================  ==============================================

Steps 13 and 14 are the reverse-convex argument of :mod:`emp_theory.certificate`
(Hillestad & Jacobsen 1980), written out in each docstring; their algebra is checked
by SymPy for symbolic :math:`N, \nu, a, b` (and scalar symbols standing for inner
products), the rest of the argument is the short reasoning in words stated in the
check. Each check also evaluates its claims exactly on a grid of small :math:`N`.

The four checks stay in one module (a little over 400 lines): they are one argument and
read in order, each step using the previous ones.

Paper symbols: ``N`` is the length, ``nu`` the paper's :math:`\nu`, the shell index of
Proposition 1 / eq. (7); ``a < b`` index the vertices :math:`\zeta_{[a]}, \zeta_{[b]}`
(eq. 10) of an edge; ``j`` a vertex index; ``lam`` the barycentric coordinates
:math:`\lambda_j`; ``w`` a point :math:`\omega` of :math:`\tilde\Delta`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 4.1, eqs. (7)-(13), Proposition 1.
.. [2] R. J. Hillestad, S. E. Jacobsen, "Reverse convex programming",
       Applied Mathematics and Optimization 6 (1980) 63-78.
"""

from __future__ import annotations

import sympy as sp

from .edges import edge_norm_sq, edge_parameter_sq, edge_point, edge_value, vertex, vertex_phi
from .formulas import eq14, p_nu_definition
from .record import CheckResult, Evidence
from .zero import is_zero, split_roots

__all__ = [
    "check_prop1_closure",
    "check_prop1_on_edges",
    "check_prop1_sphere_binds",
    "check_prop1_vertices",
]

# Integer symbols for sums over coordinates; positive real symbols for the parametrisations.
_i, _j, _N = sp.symbols("i j N", integer=True, positive=True)
_w = sp.Function("w")
#: N, nu >= 1 real, written through non-negative offsets so that SymPy can decide signs.
_al, _be, _ga, _s = sp.symbols("alpha beta gamma s", nonnegative=True)
_sp = sp.Symbol("s", positive=True)
_GRID_N = range(2, 13)


def _sum(expr, lo, hi):
    return sp.Sum(expr, (_i, lo, hi))


def _zero_sum(expr) -> bool:
    """Decide an identity between sums over a symbolic range (linearity and telescoping)."""
    e = sp.expand(expr)
    return sp.simplify(e.doit()) == 0 or sp.simplify(e) == 0


def _poly_zero(expr) -> bool:
    """A polynomial with rational coefficients is zero iff its expansion is (exact)."""
    return sp.expand(expr) == 0


def check_prop1_vertices() -> CheckResult:
    r"""Check 11: :math:`\tilde\Delta = \mathrm{conv}(\zeta_{[1]},\dots,\zeta_{[N]})`, a simplex; inner products and :math:`\varphi_\nu` at the vertices.

    For :math:`\omega\in\tilde\Delta` (:math:`\omega_1\ge\dots\ge\omega_N\ge0`,
    :math:`\sum\omega_i = 1`) put :math:`\lambda_j = j(\omega_j - \omega_{j+1})\ge0`,
    :math:`\omega_{N+1} = 0`. Coordinate :math:`i` of :math:`\sum_j\lambda_j\zeta_{[j]}` is
    :math:`\sum_{j\ge i}\lambda_j/j = \omega_i` (telescoping), and
    :math:`\sum_j\lambda_j = \sum_i\omega_i = 1` because each :math:`\zeta_{[j]}` sums to 1;
    conversely every convex combination is ordered and non-negative. The matrix
    :math:`[\zeta_{[1]}\cdots\zeta_{[N]}]` is upper triangular with diagonal
    :math:`1/j \ne 0`, so the :math:`\zeta_{[j]}` are affinely independent:
    :math:`\tilde\Delta` is an :math:`(N-1)`-simplex and *every* pair
    :math:`\zeta_{[a]},\zeta_{[b]}` spans an edge. Further
    :math:`\langle\zeta_{[a]},\zeta_{[b]}\rangle = 1/\max(a,b)` and
    :math:`\varphi_\nu(\zeta_{[j]}) = \min(\nu,j)/j`.

    Symbolic: the sums over a symbolic range (SymPy ``Sum``, symbolic :math:`N, a, b, \nu`).
    Grid: for :math:`2 \le N \le 12`, the determinant and the decomposition with symbolic
    :math:`\omega`.
    """
    ev = Evidence()
    j, a, b, nu = _j, *sp.symbols("a b nu", integer=True, positive=True)
    coord = sp.Sum(j * (_w(j) - _w(j + 1)) / j, (j, _i, _N)).doit()
    ev.symbolic(
        "coordinate i of sum_j lam_j zeta_j = w_i - w_{N+1}", is_zero(coord - (_w(_i) - _w(_N + 1)))
    )
    ev.symbolic("each zeta_j sums to 1", sp.Sum(1 / j, (_i, 1, j)).doit() == 1)
    ev.symbolic("||zeta_a||^2 = 1/a", is_zero(_sum(1 / a**2, 1, a).doit() - 1 / a))
    ev.symbolic("<zeta_a, zeta_b> = 1/b (a <= b)", is_zero(_sum(1 / (a * b), 1, a).doit() - 1 / b))
    ev.symbolic("phi_nu(zeta_a) = 1 (a <= nu)", is_zero(_sum(1 / a, 1, a).doit() - 1))
    ev.symbolic("phi_nu(zeta_b) = nu/b (b >= nu)", is_zero(_sum(1 / b, 1, nu).doit() - nu / b))
    for n in _GRID_N:
        Z = sp.Matrix.hstack(*(vertex(k, n) for k in range(1, n + 1)))
        ok = Z.det() == sp.prod(sp.Rational(1, k) for k in range(1, n + 1))
        w = sp.symbols(f"w1:{n + 1}")
        lam = [k * (w[k - 1] - (w[k] if k < n else 0)) for k in range(1, n + 1)]
        ok = ok and all(_poly_zero(x) for x in (Z * sp.Matrix(lam) - sp.Matrix(w)))
        ok = ok and _poly_zero(sum(lam) - sum(w))
        for v in range(1, n + 1):
            phis = [sum(vertex(k, n)[:v]) for k in range(1, n + 1)]
            ok = ok and phis == [vertex_phi(v, k) for k in range(1, n + 1)]
        ev.grid(f"N = {n}", bool(ok))
    return ev.result(
        "prop1_vertices",
        "Prop. 1 proof, check 11: the ordered simplex is the (N-1)-simplex on zeta_[1..N] "
        "(barycentric coordinates lam_j = j (w_j - w_{j+1})), so every [zeta_a, zeta_b] is an edge; "
        "<zeta_a, zeta_b> = 1/max(a, b), phi_nu(zeta_j) = min(nu, j)/j",
        r"\omega = \sum_{j=1}^N j(\omega_j-\omega_{j+1})\,\zeta_{[j]},\quad "
        r"\langle\zeta_{[a]},\zeta_{[b]}\rangle = \tfrac{1}{\max(a,b)},\quad "
        r"\varphi_\nu(\zeta_{[j]}) = \tfrac{\min(\nu,j)}{j}",
        "symbolic: sums over a symbolic range, for all N, a, b, nu; grid: N = 2..12 "
        "(determinant prod 1/j and the decomposition with symbolic w)",
    )


def check_prop1_closure() -> CheckResult:
    r"""Check 12: :math:`\inf_{A_\nu}\varphi_\nu = \min_{\overline{A_\nu}}\varphi_\nu` (:math:`\nu \le N-1`) and :math:`A_N = \{\zeta_{[N]}\}`.

    :math:`\overline{A_\nu} = \tilde\Delta\cap\{\frac1{\nu+1}\le\|\omega\|^2\le\frac1\nu\}`
    is compact, so the minimum exists; the infimum over :math:`A_\nu` equals it if every
    point :math:`\omega` of the inner sphere is a limit of points of :math:`A_\nu`. Along
    :math:`\omega + t(\zeta_{[1]} - \omega)\in\tilde\Delta`,

    .. math::

        f(t) = \|\omega + t(\zeta_{[1]}-\omega)\|^2
        = \|\omega\|^2 + 2t(\omega_1 - \|\omega\|^2) + t^2\|\zeta_{[1]} - \omega\|^2,

    with :math:`\omega_1 - \|\omega\|^2 = \sum_i\omega_i(\omega_1-\omega_i) \ge 0` and
    :math:`\|\zeta_{[1]}-\omega\|^2 > 0` (:math:`\|\zeta_{[1]}\|^2 = 1 > \frac1{\nu+1}`),
    so :math:`f(t) > f(0) = \frac1{\nu+1}` and, for small :math:`t`,
    :math:`f(t) \le \frac1\nu`: those points lie in :math:`A_\nu`. For :math:`\nu = N`,
    eq. (11) gives :math:`\|\omega\|^2 - \frac1N = \|\omega-\zeta_{[N]}\|^2`, so
    :math:`\|\omega\|^2 \le \frac1N` forces :math:`\omega = \zeta_{[N]}`:
    :math:`A_N = \{\zeta_{[N]}\}` and the infimum :math:`\varphi_N(\zeta_{[N]}) = 1` is attained.

    Symbolic: the identities for a symbolic length :math:`N` (``Sum``) and for inner
    products as scalar symbols. Grid: the same with explicit vectors, :math:`N \le 12`.
    """
    ev = Evidence()
    t, nsq, w1 = sp.symbols("t n w1", real=True)
    c = sp.Symbol("c")
    # f(t) with <w, zeta_1> = w_1, ||zeta_1||^2 = 1, ||w||^2 = n
    f = (1 - t) ** 2 * nsq + 2 * t * (1 - t) * w1 + t**2
    ev.symbolic(
        "f(t) = n + 2t(w_1 - n) + t^2 ||zeta_1 - w||^2",
        is_zero(f - (nsq + 2 * t * (w1 - nsq) + t**2 * (1 - 2 * w1 + nsq))),
    )
    ev.symbolic(
        "w_1 sum w - ||w||^2 = sum_i w_i (w_1 - w_i)",
        _zero_sum(
            _sum(_w(_i) * (c - _w(_i)), 1, _N)
            - (c * _sum(_w(_i), 1, _N) - _sum(_w(_i) ** 2, 1, _N))
        ),
    )
    ev.symbolic(
        "eq. 11: ||w - zeta_N||^2 = ||w||^2 - (2/N) sum w + 1/N",
        _zero_sum(
            _sum((_w(_i) - 1 / _N) ** 2, 1, _N)
            - (_sum(_w(_i) ** 2, 1, _N) - 2 * _sum(_w(_i), 1, _N) / _N + 1 / _N)
        ),
    )
    nu = 1 + _al
    ev.symbolic("1/nu - 1/(nu+1) > 0", bool(sp.factor(1 / nu - 1 / (nu + 1)).is_positive))
    ev.symbolic("||zeta_1||^2 = 1 > 1/(nu+1)", bool(sp.factor(1 - 1 / (nu + 1)).is_positive))
    for n in _GRID_N:  # polynomial identities in w, t: expansion decides them
        w = sp.symbols(f"w1:{n + 1}", real=True)
        tt = sp.Symbol("t", real=True)
        z1 = vertex(1, n)
        W = sp.Matrix(w)
        pt = W + tt * (z1 - W)
        nn = (W.T * W)[0]
        ok = _poly_zero(
            (pt.T * pt)[0] - (nn + 2 * tt * (w[0] - nn) + tt**2 * ((z1 - W).T * (z1 - W))[0])
        )
        ok = ok and _poly_zero(w[0] * sum(w) - nn - sum(x * (w[0] - x) for x in w))
        zN = vertex(n, n)
        on_plane = W.subs(w[-1], 1 - sum(w[:-1]))
        d = on_plane - zN
        ok = ok and _poly_zero((d.T * d)[0] - (on_plane.T * on_plane)[0] + sp.Rational(1, n))
        ok = ok and sum(zN) == 1 and (zN.T * zN)[0] == sp.Rational(1, n)
        ev.grid(f"N = {n}", bool(ok))
    return ev.result(
        "prop1_closure",
        "Prop. 1 proof, check 12: for 1 <= nu <= N-1 every point of the closed shell on the inner sphere "
        "||w||^2 = 1/(nu+1) is a limit of points of A_nu (move towards zeta_[1]), so inf over A_nu "
        "= min over the compact closed shell; A_N = {zeta_[N]} (eq. 11), with value 1",
        r"\inf_{A_\nu}\varphi_\nu = \min_{\overline{A_\nu}}\varphi_\nu\ (\nu<N),\quad "
        r"\omega_1 - \|\omega\|^2 = \textstyle\sum_i \omega_i(\omega_1-\omega_i) \ge 0,\quad "
        r"A_N = \{\zeta_{[N]}\}",
        "symbolic: the identities for a symbolic length N and symbolic inner products; the "
        "limit argument in words; grid: the identities with explicit vectors, N = 2..12",
    )


def check_prop1_sphere_binds() -> CheckResult:
    r"""Check 13: every minimizer of :math:`\varphi_\nu` over :math:`\overline{A_\nu}` lies on the inner sphere.

    Eq. (13) with its equality case: in barycentric coordinates (check 11)
    :math:`\varphi_\nu(\omega) - \frac\nu N = \sum_j\lambda_j\big(\varphi_\nu(\zeta_{[j]}) - \frac\nu N\big)`,
    and :math:`\varphi_\nu(\zeta_{[j]}) - \frac\nu N > 0` for every :math:`j < N`
    (:math:`1 - \frac\nu N` for :math:`j \le \nu`, :math:`\frac\nu j - \frac\nu N` for
    :math:`\nu < j < N`), so :math:`\varphi_\nu \ge \frac\nu N` on :math:`\tilde\Delta` with
    equality only at :math:`\zeta_{[N]}`.

    * :math:`\nu = N-1`: :math:`\|\zeta_{[N]}\|^2 = \frac1N = \frac1{\nu+1}`, so
      :math:`\zeta_{[N]} = p_{N-1}` (:math:`r_N = 0`) is in :math:`\overline{A_\nu}` and is
      its only minimizer, value :math:`\frac{N-1}N` = eq. (14).
    * :math:`\nu \le N-2`: :math:`\frac1N < \frac1{\nu+1}`, :math:`\zeta_{[N]}` lies in the open
      inner ball. If :math:`x\in\overline{A_\nu}` had :math:`\|x\|^2 > \frac1{\nu+1}`, the
      segment from :math:`x` to :math:`\zeta_{[N]}` (inside :math:`\tilde\Delta` and the ball
      :math:`B_\nu`, both convex) crosses the inner sphere at some
      :math:`y = x + t(\zeta_{[N]} - x)`, :math:`0 < t < 1`, a point of
      :math:`\overline{A_\nu}` with
      :math:`\varphi_\nu(y) = \varphi_\nu(x) - t(\varphi_\nu(x) - \frac\nu N) < \varphi_\nu(x)`:
      :math:`x` is not a minimizer (the reverse constraint binds).

    Symbolic: the signs for symbolic :math:`N, \nu, j` and the linear interpolation; the
    crossing argument in words. Grid: exact, :math:`N \le 12`.
    """
    ev = Evidence()
    # nu = 1 + alpha, j <= nu: N = nu + 1 + gamma (N > nu); nu < j < N: j = nu + 1 + beta,
    # N = j + 1 + gamma
    nu = 1 + _al
    N = nu + 1 + _ga
    ev.symbolic("1 - nu/N > 0 (j <= nu < N)", bool(sp.factor(1 - nu / N).is_positive))
    jj = nu + 1 + _be
    N2 = jj + 1 + _ga
    ev.symbolic("nu/j - nu/N > 0 (nu < j < N)", bool(sp.factor(nu / jj - nu / N2).is_positive))
    ev.symbolic(
        "1/N < 1/(nu+1) (nu <= N-2)", bool(sp.factor(1 / (nu + 1) - 1 / (nu + 2 + _ga)).is_positive)
    )
    Ns = sp.Symbol("N", positive=True)
    ev.symbolic("eq. 14 at nu = N-1 is (N-1)/N", is_zero(eq14(Ns, Ns - 1) - (Ns - 1) / Ns))
    p1, q = p_nu_definition(Ns + 1, Ns)  # nu = N - 1 written as (N, nu) = (Ns + 1, Ns)
    ev.symbolic("p_{N-1} = zeta_[N]", is_zero(p1 - 1 / (Ns + 1)) and is_zero(q - 1 / (Ns + 1)))
    t, P, Z = sp.symbols("t P Z", positive=True)
    ev.symbolic(
        "phi(x + t(z - x)) = phi(x) - t(phi(x) - phi(z))",
        is_zero((1 - t) * P + t * Z - (P - t * (P - Z))),
    )
    for n in _GRID_N:
        ok = True
        for v in range(1, n):
            phis = [vertex_phi(v, k) for k in range(1, n)]
            ok = ok and all(x > sp.Rational(v, n) for x in phis)
            ok = ok and vertex_phi(v, n) == sp.Rational(v, n)
            inside = sp.Rational(1, n) < sp.Rational(1, v + 1)
            ok = ok and (inside if v <= n - 2 else sp.Rational(1, n) == sp.Rational(1, v + 1))
        ok = ok and is_zero(eq14(n, n - 1) - sp.Rational(n - 1, n))
        ev.grid(f"N = {n}", bool(ok))
    return ev.result(
        "prop1_sphere_binds",
        "Prop. 1 proof, check 13 (reverse convexity): phi_nu >= nu/N on the ordered simplex with equality only "
        "at zeta_[N] (eq. 13); for nu = N-1 that point is p_{N-1} and in the closed shell; for "
        "nu <= N-2 it lies inside the inner ball, so every minimizer over the closed shell lies "
        "on the inner sphere ||w||^2 = 1/(nu+1)",
        r"\varphi_\nu(\zeta_{[j]}) > \tfrac{\nu}{N}\ (j<N)\ \Rightarrow\ "
        r"\operatorname{argmin}_{\overline{A_\nu}}\varphi_\nu \subset \{\|\omega\|^2 = \tfrac1{\nu+1}\}",
        "symbolic: the signs for symbolic N, nu, j and the interpolation; the crossing argument "
        "in words; grid: exact, N = 2..12, 1 <= nu <= N-1",
    )


def check_prop1_on_edges(n_vectors: int = 6) -> CheckResult:
    r"""Check 14: every minimizer is a point :math:`t_{ab}\zeta_{[a]} + (1-t_{ab})\zeta_{[b]}`, :math:`1\le a\le\nu<b\le N`, where :math:`\varphi_\nu = V(a,b)`.

    *Face lemma.* Let :math:`x` be a minimizer (on the inner sphere, check 13) in the
    relative interior of a face :math:`\mathrm{conv}(\zeta_{[j]} : j\in J)` with
    :math:`|J| \ge 3`. For :math:`j<k<l` in :math:`J` put
    :math:`u = \alpha(\zeta_{[k]}-\zeta_{[j]}) + \beta(\zeta_{[l]}-\zeta_{[j]})` with
    :math:`\alpha = \varphi_l - \varphi_j`, :math:`\beta = -(\varphi_k - \varphi_j)`
    (:math:`\varphi_i = \varphi_\nu(\zeta_{[i]})`), or :math:`u = \zeta_{[k]} - \zeta_{[j]}`
    if both vanish: :math:`u \ne 0` (affine independence, check 11) and
    :math:`\varphi_\nu(x \pm \epsilon u) = \varphi_\nu(x)`. With the sign for which
    :math:`\pm\langle x - \zeta_{[N]}, u\rangle \ge 0`,
    :math:`\|x \pm \epsilon u - \zeta_{[N]}\|^2 \ge \|x - \zeta_{[N]}\|^2 + \epsilon^2\|u\|^2`,
    so for small :math:`\epsilon` the point is in the face, off the inner sphere and inside
    :math:`B_\nu` (:math:`\frac1{\nu+1} < \frac1\nu`): a minimizer off the inner sphere,
    contradicting check 13. Hence :math:`x` lies on an edge or is a vertex.

    *Edges.* By check 11, :math:`\|t\zeta_{[a]} + (1-t)\zeta_{[b]}\|^2 = \frac1b + t^2(\frac1a - \frac1b)`
    (:math:`a<b`), increasing in :math:`t` from :math:`\frac1b` to :math:`\frac1a`; it equals
    :math:`\frac1{\nu+1}` iff :math:`a\le\nu+1\le b`, at :math:`t^2 = T(a,b)`. The vertex on
    the sphere is :math:`\zeta_{[\nu+1]}` (:math:`T(a,\nu+1) = 0`, :math:`T(\nu+1, b) = 1`), so all
    points are covered by :math:`a\le\nu<b`, where
    :math:`\varphi_\nu = t + (1-t)\frac\nu b = V(a,b)`; :math:`V(1,N)` is eq. (14) at
    :math:`p_\nu` (:math:`t_{1N} = r_{\nu+1}/r_1`).

    Symbolic: every identity and sign for symbolic :math:`a, b, \nu, N`; the face lemma's
    conclusion in words. Grid: every edge point built as an exact vector for
    :math:`N \le` ``n_vectors`` (in :math:`\tilde\Delta`, on the sphere, :math:`\varphi_\nu = V`).
    """
    ev = Evidence()
    # face lemma: <1_nu, u> = alpha (phi_k - phi_j) + beta (phi_l - phi_j) = 0
    fj, fk, fl, eps = sp.symbols("f_j f_k f_l epsilon", real=True)
    alpha, beta = fl - fj, -(fk - fj)
    ev.symbolic(
        "phi_nu(u) = 0 for the face direction u", is_zero(alpha * (fk - fj) + beta * (fl - fj))
    )
    y, u = sp.Function("y"), sp.Function("u")
    ev.symbolic(
        "||y + eps u||^2 = ||y||^2 + 2 eps <y,u> + eps^2 ||u||^2 (length N)",
        _zero_sum(
            _sum((y(_i) + eps * u(_i)) ** 2, 1, _N)
            - _sum(y(_i) ** 2, 1, _N)
            - 2 * eps * _sum(y(_i) * u(_i), 1, _N)
            - eps**2 * _sum(u(_i) ** 2, 1, _N)
        ),
    )
    # edges: a < b, 0 <= t <= 1
    t = sp.Symbol("t", real=True)
    a0, b0 = sp.symbols("a b", positive=True)
    norm = t**2 / a0 + 2 * t * (1 - t) / b0 + (1 - t) ** 2 / b0  # <z_a,z_b> = 1/b
    ev.symbolic(
        "||t z_a + (1-t) z_b||^2 = 1/b + t^2 (1/a - 1/b)", is_zero(norm - edge_norm_sq(t, a0, b0))
    )
    # a <= nu + 1 <= b (a < b): the norm identity; the signs for a <= nu < b, parametrised as
    # a = 1 + alpha, nu = a + beta, b = nu + 1 + s (the cases a = nu + 1, b = nu + 1 below)
    a = 1 + _al
    nu = a + _be
    b = nu + 1 + _s
    T = edge_parameter_sq(a, b, nu)
    ev.symbolic(
        "norm at t^2 = T(a,b) is 1/(nu+1)",
        is_zero(edge_norm_sq(sp.sqrt(T), a0, b0).subs({a0: a, b0: b}) - 1 / (nu + 1)),
    )
    ev.symbolic("T(a,b) >= 0", bool(sp.factor(T).is_nonnegative))
    ev.symbolic(
        "1 - T(a,b) = b(nu+1-a)/((nu+1)(b-a)) >= 0",
        is_zero(1 - T - b * (nu + 1 - a) / ((nu + 1) * (b - a)))
        and bool(sp.factor(1 - T).is_nonnegative),
    )
    nus = sp.Symbol("nu", positive=True)
    bs = nus + 1 + _sp
    ev.symbolic(
        "T(a, nu+1) = 0 (the vertex zeta_[nu+1])", is_zero(edge_parameter_sq(a0, nus + 1, nus))
    )
    ev.symbolic(
        "T(nu+1, b) = 1 (the vertex zeta_[nu+1])", is_zero(edge_parameter_sq(nus + 1, bs, nus) - 1)
    )
    ev.symbolic(
        "b <= nu: the edge's norm^2 >= 1/b > 1/(nu+1) (nu = b + beta), no intersection",
        bool(sp.factor(1 / b0 - 1 / (b0 + _be + 1)).is_positive),
    )
    ev.symbolic(
        "a > nu+1: the edge's norm^2 <= 1/a < 1/(nu+1) (a = nu + 1 + s), no intersection",
        bool(sp.factor(1 / (nus + 1) - 1 / (nus + 1 + _sp)).is_positive),
    )
    ev.symbolic(
        "the points are in the closed shell: 1/(nu+1) < 1/nu",
        bool(sp.factor(1 / nus - 1 / (nus + 1)).is_positive),
    )
    # a <= nu < b: phi = t + (1-t) nu/b = V(a,b)
    tt = sp.sqrt(edge_parameter_sq(a, b, nu))
    ev.symbolic(
        "phi_nu = t + (1-t) nu/b = V(a,b)", is_zero(tt + (1 - tt) * nu / b - edge_value(a, b, nu))
    )
    Nn = nu + 1 + _s
    ev.symbolic(
        "V(1, N) = eq. 14", is_zero(split_roots(edge_value(1, Nn, nu)) - split_roots(eq14(Nn, nu)))
    )
    p1, q = p_nu_definition(Nn, nu)
    t1N = sp.sqrt(edge_parameter_sq(1, Nn, nu))
    ev.symbolic(
        "t_1N z_1 + (1-t_1N) z_N = p_nu (first coordinate)", is_zero(t1N + (1 - t1N) / Nn - p1)
    )
    ev.symbolic("t_1N z_1 + (1-t_1N) z_N = p_nu (other coordinates)", is_zero((1 - t1N) / Nn - q))
    for n in range(2, n_vectors + 1):
        ok = True
        for v in range(1, n):
            r = sp.Rational(1, v + 1)
            for ia in range(1, n + 1):
                for ib in range(ia + 1, n + 1):
                    lo, hi = sp.Rational(1, ib), sp.Rational(1, ia)
                    meets = lo <= r <= hi
                    ok = ok and meets == (ia <= v + 1 <= ib)
                    if not (ia <= v < ib):
                        continue
                    # coordinates lie in Q(sqrt(T)); SymPy's canonical form there makes
                    # expansion decide zero, and a sign is decided exactly
                    x = edge_point(ia, ib, v, n)
                    ok = ok and _poly_zero(sum(x) - 1) and bool(x[-1] >= 0)
                    ok = ok and all(bool(x[k] >= x[k + 1]) for k in range(n - 1))
                    ok = ok and _poly_zero((x.T * x)[0] - r)
                    ok = ok and _poly_zero(sum(x[:v]) - edge_value(ia, ib, v))
        ev.grid(f"N = {n}", bool(ok))
    return ev.result(
        "prop1_on_edges",
        "Prop. 1 proof, check 14 (Hillestad-Jacobsen): a minimizer in the relative interior of a face of dimension "
        ">= 2 could move, at constant phi_nu, off the inner sphere (contradicting check 13); so every "
        "minimizer is where an edge [zeta_a, zeta_b], 1 <= a <= nu < b <= N, meets the inner sphere, "
        "at t^2 = T(a,b) = a(b-nu-1)/((nu+1)(b-a)), with phi_nu = V(a,b); V(1,N) = eq. 14 at p_nu",
        r"V(a,b) = \frac{\nu}{b} + \frac{b-\nu}{b}\sqrt{\frac{a(b-\nu-1)}{(\nu+1)(b-a)}},\quad "
        r"1\le a\le\nu<b\le N,\quad V(1,N) = \varphi_\nu(p_\nu)",
        "symbolic: every identity and sign for symbolic a, b, nu, N (the face lemma's conclusion "
        f"in words); grid: every edge point as an exact vector, N = 2..{n_vectors}",
    )
