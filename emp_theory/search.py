r"""A search for :math:`\inf_{A_\nu}\varphi_\nu` that is told only :math:`(N, \nu)` and the shell's definition.

Proposition 1 claims :math:`\inf_{\omega\in A_\nu}\varphi_\nu(\omega)` in closed form
(eq. 14). This module looks for that infimum *without* it: nothing here imports or
calls the closed form, the point :math:`p_\nu`, or the exact certificate
(``tests/core/test_search.py`` checks this by replacing them with functions that
raise). The search is given

* the ordered simplex :math:`\tilde\Delta` (eq. 4) through its vertices
  :math:`\zeta_{[j]} = \frac1j\sum_{i\le j} e_i` (eq. 10,
  :func:`emp_theory.simplex.vertices`); a point is
  :math:`\omega(\lambda) = \sum_j\lambda_j\zeta_{[j]}` with barycentric
  :math:`\lambda \ge 0`, :math:`\sum_j\lambda_j = 1`;
* the shell :math:`A_\nu = \{\omega\in\tilde\Delta : \nu \le \|\omega\|^{-2} < \nu+1\}`
  (eq. 7), i.e. :math:`1/(\nu+1) < \|\omega\|^2 \le 1/\nu`; the search works on its
  closure (both spheres included), whose minimum is the infimum over :math:`A_\nu`;
* the kept mass :math:`\varphi_\nu(\omega) = \sum_{i\le\nu}\omega_i` (eq. 9), the sum
  of the :math:`\nu` largest coordinates, which are the first :math:`\nu` on
  :math:`\tilde\Delta`.

From these alone it builds the Gram matrix :math:`G_{ij} = \langle\zeta_{[i]},
\zeta_{[j]}\rangle` (so :math:`\|\omega(\lambda)\|^2 = \lambda^\top G\lambda`) and the
vertex values :math:`c_j = \varphi_\nu(\zeta_{[j]})` (so
:math:`\varphi_\nu(\omega(\lambda)) = c^\top\lambda`, linear). Every reported value is
recomputed from the reported point by the definitions (a feasible point of the
closed shell), so a search result is always an upper bound on the true infimum; a
result *below* a claimed infimum disproves the claim.

Methods (``method=``)
---------------------
``"faces"``
    Exhaustive over the 2-skeleton of :math:`\tilde\Delta`: every vertex in the
    closed shell, every edge :math:`[\zeta_{[a]}, \zeta_{[b]}]` (a 1-D problem: on
    :math:`t\zeta_{[a]} + (1-t)\zeta_{[b]}` the squared norm is a quadratic in
    :math:`t` and :math:`\varphi_\nu` is linear, so the minimum over the part in the
    shell is at a root of :math:`\|\omega\|^2 = 1/(\nu+1)` or :math:`1/\nu`, solved in
    closed form), and every 2-face :math:`[\zeta_{[a]}, \zeta_{[b]}, \zeta_{[c]}]` (a
    2-D problem: the face meets each sphere in an ellipse in face coordinates, where
    the linear :math:`\varphi_\nu` is stationary at two points given in closed form;
    those inside the triangle are candidates, its sides are the edges). This is the
    exact minimum over the 2-skeleton intersected with the closed shell;
    :math:`O(N^3)` work (:math:`\binom N3` faces), bounded memory (one vertex
    :math:`a` at a time).
``"edges"``
    The vertices and edges only: :math:`O(N^2)`.
``"descent"``
    Uniform samples of :math:`\tilde\Delta` (:func:`emp_theory.montecarlo.samplers.sample_uniform`,
    Dirichlet(1) barycentric coordinates) as starting points of a constrained local
    descent of :math:`c^\top\lambda` in the full :math:`N`-dimensional barycentric
    coordinates (``scipy.optimize.minimize``, SLSQP, exact Jacobians):
    :math:`\lambda\in[0,1]^N`, :math:`\sum\lambda = 1`,
    :math:`1/(\nu+1) \le \lambda^\top G\lambda \le 1/\nu`. A final point slightly
    outside the shell is moved onto it along the segment to :math:`\zeta_{[1]}` (norm
    too small) or to :math:`\zeta_{[N]}` (too large), so it is feasible. Not limited
    to the 2-skeleton, but only local.
``"uniform"``
    Uniform samples only: the smallest kept mass among samples that fall in
    :math:`A_\nu` (``inf`` if none does). Shows how far naive sampling gets.

:func:`check_claim` compares a search result with a claimed infimum and says whether
the claim is confirmed (the search reaches it within ``reach`` and finds nothing below
it, with tolerance ``floor``), refuted (a point below it) or not reached.

Arguments: ``nu`` is the paper's :math:`\nu`, the shell index of eq. 7 (the
:math:`N_{\mathrm{eff}}` of a vector in the shell), ``1 <= nu <= N``; ``N`` the length.
``scipy`` is imported inside :func:`search_infimum` (``import emp_theory`` stays light).
The module is one idea, kept whole (about 450 lines, a third of them docstrings): the
four methods share the one encoding of the definitions (``_Shell``), the result type
and the verdict.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eqs. (4), (7), (9),
       (10) and Proposition 1 (the claim under test).
.. [2] D. Kraft, "A software package for sequential quadratic programming",
       DFVLR-FB 88-28 (1988) (SLSQP).
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass

import numpy as np

from ._validation import as_int, check_N, check_nu
from .montecarlo import sample_uniform
from .simplex import to_barycentric, vertices

__all__ = ["LIMITS", "METHODS", "SearchResult", "Verdict", "check_claim", "search_infimum"]

#: Search methods accepted by :func:`search_infimum`.
METHODS = ("faces", "edges", "descent", "uniform")
#: Largest ``N`` per method (the faces method visits C(N, 3) faces).
LIMITS = {"faces": 600, "edges": 5000, "descent": 1000, "uniform": 100_000}
#: A candidate constructed on a sphere is kept only if lambda^T G lambda agrees with
#: the sphere to this relative tolerance (guards ill-conditioned faces).
_ON_SPHERE = 1e-9


@dataclass(frozen=True)
class SearchResult:
    r"""The smallest kept mass a search found in the closed shell.

    Attributes
    ----------
    nu, N : int
        Shell index :math:`\nu` and length :math:`N`.
    method : str
        One of :data:`METHODS`.
    value : float
        :math:`\varphi_\nu(\text{point})`, recomputed from ``point`` (``inf`` if the
        search found no point of the shell).
    point : numpy.ndarray or None
        A point of :math:`\tilde\Delta` in the closed shell attaining ``value``.
    evaluations : int
        Candidate points examined (faces/edges/uniform) or objective and Jacobian
        evaluations (descent).
    seconds : float
        Wall time of the search.
    shell_violation : float
        :math:`\max(0, 1/(\nu+1) - \|\omega\|^2, \|\omega\|^2 - 1/\nu)` at ``point``
        (0 up to rounding).
    """

    nu: int
    N: int
    method: str
    value: float
    point: np.ndarray | None
    evaluations: int
    seconds: float
    shell_violation: float


@dataclass(frozen=True)
class Verdict:
    """What a search says about a claimed infimum (see :func:`check_claim`).

    ``status`` is ``"confirmed"`` (reached within ``reach``, nothing below it beyond
    ``floor``), ``"refuted"`` (the search found a point below the claim: the claim is
    not a lower bound) or ``"not reached"`` (the search stayed more than ``reach``
    above the claim: it neither confirms tightness nor refutes the bound).
    ``gap = found - claimed``.
    """

    claimed: float
    found: float
    gap: float
    status: str

    @property
    def confirmed(self) -> bool:
        return self.status == "confirmed"


class _Shell:
    """The definitions the search is told: vertices, Gram matrix, vertex values, sphere radii."""

    def __init__(self, nu: int, N: int) -> None:
        self.nu, self.N = nu, N
        self.V = vertices(N)  # rows zeta_[1..N], eq. (10)
        self.G = self.V @ self.V.T  # <zeta_i, zeta_j>
        self.c = self.V[:, :nu].sum(axis=1)  # phi_nu(zeta_j), eq. (9)
        self.lo, self.hi = 1.0 / (nu + 1), 1.0 / nu  # closure of A_nu, eq. (7)

    def result(self, method, lam, evaluations, t0) -> SearchResult:
        """Build the result from barycentric ``lam``; value and slack recomputed from omega."""
        if lam is None:
            return SearchResult(
                self.nu, self.N, method, math.inf, None, evaluations, time.perf_counter() - t0, 0.0
            )
        w = np.asarray(lam, dtype=float) @ self.V
        q = float(w @ w)
        value = float(w[: self.nu].sum())
        slack = max(0.0, self.lo - q, q - self.hi)
        return SearchResult(
            self.nu, self.N, method, value, w, evaluations, time.perf_counter() - t0, slack
        )


def _vertex_candidates(sh: _Shell):
    d = np.diag(sh.G)  # ||zeta_j||^2 up to rounding (a vertex on a sphere must not be lost)
    tol = _ON_SPHERE * 1e-3
    ok = np.flatnonzero((d >= sh.lo * (1 - tol)) & (d <= sh.hi * (1 + tol)))
    if ok.size == 0:
        return math.inf, None, 0
    j = ok[np.argmin(sh.c[ok])]
    lam = np.zeros(sh.N)
    lam[j] = 1.0
    return float(sh.c[j]), lam, sh.N


def _edge_candidates(sh: _Shell):
    """Roots of ||t z_a + (1-t) z_b||^2 = r, r in {lo, hi}, t in [0, 1], for every a < b."""
    G, c, N = sh.G, sh.c, sh.N
    best, arg, count = math.inf, None, 0
    for a in range(N - 1):
        b = np.arange(a + 1, N)
        A = G[a, a] - 2 * G[a, b] + G[b, b]  # ||z_a - z_b||^2 > 0
        B = 2 * (G[a, b] - G[b, b])
        C = G[b, b]
        for r in (sh.lo, sh.hi):
            disc = B * B - 4 * A * (C - r)
            ok = disc >= 0
            root = np.sqrt(np.where(ok, disc, 0.0))
            for sign in (-1.0, 1.0):
                t = (-B + sign * root) / (2 * A)
                q = A * t * t + B * t + C
                good = ok & (t >= 0) & (t <= 1) & (np.abs(q - r) <= _ON_SPHERE * r)
                count += int(ok.sum())
                if not good.any():
                    continue
                val = np.where(good, t * c[a] + (1 - t) * c[b], np.inf)
                i = int(np.argmin(val))
                if val[i] < best:
                    best = float(val[i])
                    arg = np.zeros(N)
                    arg[a] += t[i]
                    arg[b[i]] += 1 - t[i]
    return best, arg, count


def _face_candidates(sh: _Shell):
    """Stationary points of phi on each face's ellipses ||w||^2 = r inside the triangle a < b < c."""
    G, cv, N = sh.G, sh.c, sh.N
    best, arg, count = math.inf, None, 0
    for a in range(N - 2):
        b, c = np.triu_indices(N - a - 1, 1)
        b, c = b + a + 1, c + a + 1
        gaa, gab, gac = G[a, a], G[a, b], G[a, c]
        gbb, gbc, gcc = G[b, b], G[b, c], G[c, c]
        # omega = z_c + s (z_a - z_c) + t (z_b - z_c);  q = gcc + 2 g.x + x^T Q x
        q11 = gaa - 2 * gac + gcc
        q12 = gab - gac - gbc + gcc
        q22 = gbb - 2 * gbc + gcc
        g1, g2 = gac - gcc, gbc - gcc
        det = q11 * q22 - q12 * q12
        i11, i12, i22 = q22 / det, -q12 / det, q11 / det  # Q^{-1}
        x1 = -(i11 * g1 + i12 * g2)  # centre: x0 = -Q^{-1} g
        x2 = -(i12 * g1 + i22 * g2)
        qmin = gcc + g1 * x1 + g2 * x2
        d1, d2 = cv[a] - cv[c], cv[b] - cv[c]  # phi = cv[c] + d.x
        w1, w2 = i11 * d1 + i12 * d2, i12 * d1 + i22 * d2  # Q^{-1} d
        dqd = d1 * w1 + d2 * w2
        flat = dqd <= 1e-300  # phi constant on the face: any point of the ellipse will do
        w1, w2, dqd = np.where(flat, i11, w1), np.where(flat, i12, w2), np.where(flat, i11, dqd)
        for r in (sh.lo, sh.hi):
            rad = r - qmin
            ok = rad >= 0
            tau = np.sqrt(np.where(ok, rad, 0.0) / dqd)
            for sign in (-1.0, 1.0):
                s = x1 + sign * tau * w1
                t = x2 + sign * tau * w2
                u = 1.0 - s - t
                lam_q = (
                    s * s * gaa
                    + t * t * gbb
                    + u * u * gcc
                    + 2 * (s * t * gab + s * u * gac + t * u * gbc)
                )
                good = ok & (s >= 0) & (t >= 0) & (u >= 0) & (np.abs(lam_q - r) <= _ON_SPHERE * r)
                count += int(ok.sum())
                if not good.any():
                    continue
                val = np.where(good, s * cv[a] + t * cv[b] + u * cv[c], np.inf)
                i = int(np.argmin(val))
                if val[i] < best:
                    best = float(val[i])
                    arg = np.zeros(N)
                    arg[a] += s[i]
                    arg[b[i]] += t[i]
                    arg[c[i]] += u[i]
    return best, arg, count


def _skeleton(sh: _Shell, faces: bool):
    found = [_vertex_candidates(sh), _edge_candidates(sh)]
    if faces and sh.N >= 3:
        found.append(_face_candidates(sh))
    evals = sum(f[2] for f in found)
    val, lam, _ = min(found, key=lambda f: f[0])
    return (lam if math.isfinite(val) else None), evals


def _onto_shell(lam: np.ndarray, sh: _Shell) -> np.ndarray:
    """Move ``lam`` onto the closed shell along the segment to zeta_1 (q too small) or zeta_N."""
    lam = np.clip(lam, 0.0, None)
    lam = lam / lam.sum()
    q = float(lam @ sh.G @ lam)
    if sh.lo <= q <= sh.hi:
        return lam
    r, e = (sh.lo, 0) if q < sh.lo else (sh.hi, sh.N - 1)
    # q(s) = ||(1-s) w + s z_e||^2 = q + 2 s (p - q) + s^2 (q - 2 p + g), p = <w, z_e>, g = |z_e|^2
    p, g = float(lam @ sh.G[:, e]), float(sh.G[e, e])
    A, B, C = q - 2 * p + g, 2 * (p - q), q - r
    disc = max(B * B - 4 * A * C, 0.0)
    s = (-B + math.sqrt(disc)) / (2 * A) if A > 0 else -C / B
    s = min(max(s * (1 + 1e-12), 0.0), 1.0)  # a hair further, so the point is inside
    out = (1 - s) * lam
    out[e] += s
    return out


def _one_blas_thread():
    """``threadpoolctl.threadpool_limits(1)`` when threadpoolctl is installed, else a no-op.

    SLSQP's small dense linear algebra gets no faster from BLAS threads and, on a busy
    machine, 10-20x slower (measured at N = 100 on 2 shared cores).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def _descent(sh: _Shell, starts: int, rng: np.random.Generator):
    with _one_blas_thread():
        return _descent_run(sh, starts, rng)


def _descent_run(sh: _Shell, starts: int, rng: np.random.Generator):
    from scipy.optimize import minimize

    G, c, N = sh.G, sh.c, sh.N
    ones = np.ones(N)
    cons = [
        {"type": "eq", "fun": lambda x: x.sum() - 1.0, "jac": lambda x: ones},
        {"type": "ineq", "fun": lambda x: x @ G @ x - sh.lo, "jac": lambda x: 2.0 * (G @ x)},
        {"type": "ineq", "fun": lambda x: sh.hi - x @ G @ x, "jac": lambda x: -2.0 * (G @ x)},
    ]
    x0s = np.clip(to_barycentric(sample_uniform(N, starts, seed=rng)), 0.0, None)
    best, arg, evals = math.inf, None, 0
    for x0 in x0s:
        res = minimize(
            lambda x: c @ x,
            x0 / x0.sum(),
            jac=lambda x: c,
            method="SLSQP",
            bounds=[(0.0, 1.0)] * N,
            constraints=cons,
            options={"ftol": 1e-15, "maxiter": 1000},
        )
        evals += int(res.nfev) + int(res.get("njev", 0))
        lam = _onto_shell(res.x, sh)
        val = float(c @ lam)
        if val < best:
            best, arg = val, lam
    return arg, evals


def _uniform(sh: _Shell, samples: int, rng: np.random.Generator):
    best, arg = math.inf, None
    step = max(1, (1 << 20) // sh.N)
    for s in range(0, samples, step):
        w = sample_uniform(sh.N, min(step, samples - s), seed=rng)
        q = np.einsum("ij,ij->i", w, w)
        inside = (q > sh.lo) & (q <= sh.hi)  # A_nu itself, eq. (7)
        if not inside.any():
            continue
        kept = w[:, : sh.nu].sum(axis=1)
        kept = np.where(inside, kept, np.inf)
        i = int(np.argmin(kept))
        if kept[i] < best:
            best, arg = float(kept[i]), w[i]
    if arg is None:
        return None
    return np.clip(to_barycentric(arg), 0.0, None)


def search_infimum(nu, N, *, method="faces", seed=0, starts=20, samples=200_000) -> SearchResult:
    r"""Smallest :math:`\varphi_\nu` the search finds on the closed shell :math:`\overline{A_\nu}`.

    Told only :math:`(N, \nu)` and the definitions (module docstring); never uses
    Proposition 1.

    Parameters
    ----------
    nu : int
        Shell index, ``1 <= nu <= N``.
    N : int
        Length, ``2 <= N <= LIMITS[method]``.
    method : {"faces", "edges", "descent", "uniform"}
        See the module docstring.
    seed : None, int or numpy.random.Generator
        Randomness of ``"descent"`` (starting points) and ``"uniform"``.
    starts : int
        Starting points of ``"descent"``.
    samples : int
        Samples of ``"uniform"``.

    Returns
    -------
    SearchResult

    Examples
    --------
    >>> r = search_infimum(2, 4)  # two points tie at 2/3: the vertex zeta_3 and one on [zeta_1, zeta_4]
    >>> round(r.value, 12), r.shell_violation
    (0.666666666667, 0.0)
    """
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}, got {method!r}")
    n = check_N(N)
    if n > LIMITS[method]:
        raise ValueError(f"`N` must be at most {LIMITS[method]} for method {method!r}, got {n}")
    v = check_nu(nu, n)
    starts_ = as_int(starts, "starts")
    samples_ = as_int(samples, "samples")
    if starts_ < 1:
        raise ValueError(f"`starts` must be an integer >= 1, got {starts!r}")
    if samples_ < 1:
        raise ValueError(f"`samples` must be an integer >= 1, got {samples!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    t0 = time.perf_counter()
    sh = _Shell(v, n)
    if method in ("faces", "edges"):
        lam, evals = _skeleton(sh, faces=method == "faces")
    elif method == "descent":
        lam, evals = _descent(sh, starts_, rng)
    else:
        lam, evals = _uniform(sh, samples_, rng), samples_
    return sh.result(method, lam, evals, t0)


def check_claim(result: SearchResult, claimed, *, reach=1e-6, floor=1e-12) -> Verdict:
    """Compare a search result with a claimed infimum.

    ``"refuted"`` if ``result.value < claimed - floor`` (a feasible point below the
    claim), ``"confirmed"`` if ``claimed - floor <= result.value <= claimed + reach``,
    ``"not reached"`` otherwise.

    Examples
    --------
    >>> r = search_infimum(1, 50)
    >>> check_claim(r, 0.5).status, check_claim(r, 2 ** -0.5).status, check_claim(r, 0.4).status
    ('confirmed', 'refuted', 'not reached')
    """
    if not isinstance(result, SearchResult):
        raise TypeError(f"`result` must be a SearchResult, got {type(result).__name__}")
    if isinstance(claimed, bool) or not isinstance(claimed, int | float | np.floating):
        raise TypeError(f"`claimed` must be a real number, got {type(claimed).__name__}")
    claimed = float(claimed)
    if not math.isfinite(claimed):
        raise ValueError(f"`claimed` must be finite, got {claimed!r}")
    found = result.value
    if found < claimed - floor:
        status = "refuted"
    elif found <= claimed + reach:
        status = "confirmed"
    else:
        status = "not reached"
    return Verdict(claimed, found, found - claimed, status)
