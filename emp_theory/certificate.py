r"""Exact infimum of the kept mass over a shell, and the generalized (β) bound.

Beyond the paper. For :math:`1 \le k \le N` let
:math:`\varphi_k(\omega) = \sum_{i\le k}\omega_i` on the ordered simplex
:math:`\tilde\Delta` (eq. 4). :func:`exact_infimum` computes

.. math::

    m_k(\nu, N) = \min_{\omega \in \overline{A_\nu}} \varphi_k(\omega),\qquad
    \overline{A_\nu} = \tilde\Delta \cap \{\tfrac{1}{\nu+1} \le \|\omega\|^2 \le \tfrac{1}{\nu}\},

exactly (up to floating-point rounding), by minimizing over a finite candidate set.
Arguments: ``nu`` is the paper's :math:`\nu`, the shell index of eq. 7 (for a score
vector, :math:`N_{\mathrm{eff}}`); ``N`` the length; ``k`` the number of largest
weights summed (the kept count; ``k = nu`` is Proposition 1).

Why a finite set suffices
-------------------------
:math:`\overline{A_\nu}` is the polytope :math:`\tilde\Delta` intersected with the
ball :math:`B_\nu` and with the complement of the open ball :math:`B_{\nu+1}^\circ`
(eq. 12): a *reverse convex* program (Hillestad & Jacobsen, 1980). The linear
:math:`\varphi_k` attains its minimum over the convex set
:math:`\tilde\Delta \cap B_\nu` only at :math:`\zeta_{[N]}` when :math:`k < N`
(eq. 13: :math:`\varphi_k \ge k/N` with equality only at the barycenter), and
:math:`\zeta_{[N]}` lies inside the removed ball for :math:`\nu < N`. Hence the
reverse constraint binds: the minimum lies on the inner sphere
:math:`\|\omega\|^2 = 1/(\nu+1)`. A minimizer in the relative interior of a face
of dimension :math:`\ge 2` would not be a local minimum (moving away from the
sphere's centre inside the face decreases :math:`\varphi_k` unless it is constant
on the face), so the minimum is attained at a vertex :math:`\zeta_{[j]}` of
:math:`\tilde\Delta` in the shell (:math:`j \in \{\nu, \nu+1\}`) or where an edge
:math:`[\zeta_{[i]}, \zeta_{[j]}]` meets a bounding sphere. Points where edges
meet the outer sphere :math:`\|\omega\|^2 = 1/\nu` are included as well; every
candidate is feasible, so the minimum over candidates is the exact infimum.

On the edge :math:`\omega = a\,\zeta_{[i]} + (1-a)\,\zeta_{[j]}` (:math:`i < j`),
:math:`\|\omega\|^2 = 1/j + a^2 (1/i - 1/j)`, so the edge meets the sphere
:math:`\|\omega\|^2 = 1/m` at :math:`a = \sqrt{(1/m - 1/j)/(1/i - 1/j)}` when
:math:`i \le m \le j`, and :math:`\varphi_k = a\,c_i + (1-a)\,c_j` with
:math:`c_j = \varphi_k(\zeta_{[j]}) = \min(k,j)/j` (non-increasing in :math:`j`).

Which edges: only :math:`[\zeta_{[1]}, \zeta_{[j]}]`
---------------------------------------------------------------
Enumerating every pair costs :math:`O(\nu(N-\nu))` per sphere. Most pairs are
dominated. Write :math:`x = 1/i`, :math:`y = 1/j`, :math:`c = 1/m`
(:math:`y \le c \le x`), so :math:`a^2 = (c-y)/(x-y)`.

* :math:`i, j \le k`: :math:`c_i = c_j = 1`, the value is 1, not below the vertex
  :math:`\zeta_{[m]}` (value :math:`\min(k,m)/m`, on the same sphere).
* :math:`k < i < j`: the value is :math:`k\,(y + \sqrt{(c-y)(x-y)}) \ge k\,(y + (c-y))
  = k/m`, the vertex :math:`\zeta_{[m]}` again.
* :math:`i \le k < j`: the value :math:`c_j + a\,(1 - c_j)` increases with
  :math:`a` (:math:`c_j < 1`), and :math:`a` decreases as :math:`x` grows, so
  :math:`i = 1` (:math:`x = 1`) is best for every :math:`j`.

So on the sphere :math:`\|\omega\|^2 = 1/m` the candidates are the vertex
:math:`\zeta_{[m]}` and the edges :math:`[\zeta_{[1]}, \zeta_{[j]}]`,
:math:`\max(m, k+1, 2) \le j \le N`, with value

.. math::

    g(j) = \frac{k}{j} + \sqrt{u(j)}\,\Big(1 - \frac{k}{j}\Big),\qquad
    u(j) = \frac{1/m - 1/j}{1 - 1/j}.

Both :math:`\sqrt{u(j)}` and :math:`1 - k/j` are non-negative and non-decreasing in
:math:`j`, and :math:`k/j` decreases, so on an index interval
:math:`[j_1, j_2]`

.. math::

    g(j) \;\ge\; \frac{k}{j_2} + \sqrt{u(j_1)}\,\Big(1 - \frac{k}{j_1}\Big),

a rigorous lower bound. :func:`!_best_on_sphere` runs a best-first branch and bound
over :math:`j` with it: an interval is discarded when its bound is at least the best
value found minus :data:`!_TOL` (:math:`10^{-15}`, a few float64 rounding units of
numbers in :math:`[0, 1]`), the others are halved, and intervals of at most
:data:`!_LEAF` indices are evaluated whole (vectorized). So the value returned is the
value of one candidate and lies within :math:`10^{-15}` (plus rounding) of the minimum
over all :math:`N - \max(m,k+1,2) + 1` edges. In practice the bound discards almost
everything (a few thousand evaluations per sphere at any :math:`N` up to
:math:`2^{53}`; ``benchmarks/bench_certificate.py``); in the worst case it evaluates
every :math:`j` once, :math:`O(N)` time, with memory bounded by :data:`!_LEAF` plus the
interval heap. On the sphere :math:`m = 1` every edge from :math:`\zeta_{[1]}` meets
it at :math:`\zeta_{[1]}` itself (:math:`a = 1`), a vertex already counted. The :math:`O(\nu(N-\nu))` enumeration of every
pair is kept in ``tests/core/test_certificate.py`` and the benchmark as the second
algorithm for cross-checks.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Proposition 1.
.. [2] R. J. Hillestad, S. E. Jacobsen, "Reverse convex programming",
       Applied Mathematics and Optimization 6 (1980) 63-78.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from ._validation import as_positive_finite, check_N, check_nu, int_array

__all__ = ["MAX_N", "Certificate", "beta_bound", "exact_infimum", "exact_infimum_point"]

#: Largest ``N`` served: every index ``j <= 2**53`` is an exact float64, so ``1/j``
#: is correctly rounded and distinct indices give distinct candidates.
MAX_N = 2**53
#: Indices evaluated at once in a leaf of the branch and bound (memory bound).
_LEAF = 4096
#: An interval is discarded when its lower bound is at least (best found) - _TOL:
#: the values lie in [0, 1], where one float64 rounding unit is 2.2e-16.
_TOL = 1e-15


@dataclass(frozen=True)
class Certificate:
    r"""The exact infimum and where it is attained (see :func:`exact_infimum_point`).

    The point is :math:`a\,\zeta_{[i]} + (1-a)\,\zeta_{[j]}` with ``(i, j) = edge``;
    it is stored by ``edge`` and ``a``, so a certificate is small at any ``N``:
    :attr:`point` builds the length-``N`` vector on demand, :meth:`runs` gives its
    distinct coordinates and their multiplicities without building it.

    Attributes
    ----------
    nu, N, k : int
        Shell index :math:`\nu`, length :math:`N`, number of largest weights summed.
    value : float
        :math:`\min_{\overline{A_\nu}}\varphi_k`.
    kind : str
        ``"vertex"`` or ``"edge"``.
    edge : tuple of int
        ``(i, j)`` of the edge :math:`[\zeta_{[i]}, \zeta_{[j]}]`; ``(j, j)`` for a vertex.
    sphere : str
        ``"inner"``, ``"outer"`` or ``"vertex"``.
    a : float
        Weight of :math:`\zeta_{[i]}`.
    evaluations : int
        Edge candidates evaluated (all spheres together).
    """

    nu: int
    N: int
    k: int
    value: float
    kind: str
    edge: tuple[int, int]
    sphere: str
    a: float
    evaluations: int = 0

    def runs(self) -> list[tuple[float, int]]:
        """The point as ``[(coordinate, multiplicity), ...]`` in order, e.g. ``[(p1, 1), (b, N-1)]``.

        Consecutive equal coordinates are merged; zero counts are dropped.

        Examples
        --------
        >>> exact_infimum_point(1, 5).runs()  # zeta_[2]
        [(0.5, 2), (0.0, 3)]
        """
        i, j = self.edge
        a = self.a
        raw = [(a / i + (1.0 - a) / j, i), ((1.0 - a) / j, j - i), (0.0, self.N - j)]
        out: list[tuple[float, int]] = []
        for v, c in raw:
            if c <= 0:
                continue
            if out and out[-1][0] == v:
                out[-1] = (v, out[-1][1] + c)
            else:
                out.append((float(v), int(c)))
        return out

    @property
    def point(self) -> np.ndarray:
        """The length-``N`` point attaining ``value`` (built on each access)."""
        i, j = self.edge
        p = np.zeros(self.N)
        p[:i] += self.a / i
        p[:j] += (1.0 - self.a) / j
        return p


def _edge_values(j: np.ndarray, m: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(phi_k, a)`` where the edge [zeta_1, zeta_j] meets ``||w||^2 = 1/m`` (float ``j >= m``)."""
    u = (1.0 / m - 1.0 / j) / (1.0 - 1.0 / j)
    a = np.sqrt(np.clip(u, 0.0, 1.0))
    return a + (1.0 - a) * (np.minimum(k, j) / j), a


def _lower_bound(j1: int, j2: int, m: int, k: int) -> float:
    """A lower bound of ``g(j)`` over ``j1 <= j <= j2`` (all ``> k``); module docstring."""
    u = (1.0 / m - 1.0 / j1) / (1.0 - 1.0 / j1)
    return k / j2 + float(np.sqrt(min(max(u, 0.0), 1.0))) * (1.0 - k / j1)


def _best_on_sphere(m: int, N: int, k: int, leaf: int = _LEAF):
    """Min of phi_k over the edges [zeta_1, zeta_j], ``max(m, k+1, 2) <= j <= N``, at ``||w||^2 = 1/m``.

    Best-first branch and bound over ``j`` (module docstring). Returns
    ``(value, j, a, evaluations)``; ``value`` is ``inf`` when there is no such edge.
    Ties go to the smallest ``j``.
    """
    lo = max(m, k + 1, 2)
    if lo > N or m == 1:  # m = 1: every such edge meets the unit sphere at zeta_1 (a vertex)
        return np.inf, 0, 0.0, 0
    best = [np.inf, 0, 0.0]
    evals = 0

    def consider(js: np.ndarray) -> None:
        nonlocal evals
        vals, a = _edge_values(js.astype(np.float64), m, k)
        evals += js.size
        t = int(np.argmin(vals))
        v = float(vals[t])
        if v < best[0] or (v == best[0] and int(js[t]) < best[1]):
            best[:] = [v, int(js[t]), float(a[t])]

    consider(np.array([lo, N], dtype=np.int64))
    heap = [(_lower_bound(lo, N, m, k), lo, N)]
    while heap:
        bound, j1, j2 = heapq.heappop(heap)
        if bound >= best[0] - _TOL:
            break  # the heap is ordered by bound: nothing left can improve
        if j2 - j1 < leaf:
            consider(np.arange(j1, j2 + 1, dtype=np.int64))
            continue
        mid = (j1 + j2) // 2
        consider(np.array([mid, mid + 1], dtype=np.int64))
        for a1, a2 in ((j1, mid), (mid + 1, j2)):
            b = _lower_bound(a1, a2, m, k)
            if b < best[0] - _TOL:
                heapq.heappush(heap, (b, a1, a2))
    return best[0], best[1], best[2], evals


def _check_size(n: int) -> int:
    if n > MAX_N:
        raise ValueError(f"`N` must be at most 2**53 = {MAX_N} for the certificate, got {n}")
    return n


def exact_infimum_point(nu, N, k=None) -> Certificate:
    r"""Exact :math:`\min_{\overline{A_\nu}} \varphi_k` with the point attaining it.

    See :func:`exact_infimum` for the definition and the module docstring for the
    method. `N` may be as large as :data:`MAX_N` (:math:`2^{53}`).

    Examples
    --------
    >>> c = exact_infimum_point(3, 10)  # p_3 of Proposition 1, on the edge [zeta_1, zeta_10]
    >>> c.edge, c.sphere, round(c.value, 12)
    ((1, 10), 'inner', 0.585773803325)
    >>> exact_infimum_point(2, 4).edge  # a tie: the vertex zeta_3 has p_2's value 2/3
    (3, 3)
    """
    n = _check_size(check_N(N))
    v = check_nu(nu, n)
    kk = v if k is None else check_nu(k, n, "k")
    if v == n:  # the closed shell is the single point zeta_[N]
        return Certificate(v, n, kk, kk / n, "vertex", (n, n), "vertex", 1.0)
    cands = []
    for j in (v, v + 1):  # vertices in the closed shell: ||zeta_j||^2 = 1/j
        cands.append((min(kk, j) / j, j, j, 1.0, "vertex"))
    evals = 0
    for m, label in ((v + 1, "inner"), (v, "outer")):
        val, j, a, e = _best_on_sphere(m, n, kk)
        evals += e
        if np.isfinite(val):
            cands.append((val, 1, j, a, label))
    val, i, j, a, label = min(cands, key=lambda c: c[0])
    kind = "vertex" if label == "vertex" or a in (0.0, 1.0) else "edge"
    return Certificate(v, n, kk, float(val), kind, (i, j), label, float(a), evals)


def exact_infimum(nu, N, k=None):
    r"""Exact infimum of the mass of the :math:`k` largest weights over the shell :math:`A_\nu`.

    .. math::

        m_k(\nu, N) = \inf_{\omega\in A_\nu} \sum_{i=1}^{k} \omega_i
        = \min_{\omega\in\overline{A_\nu}} \varphi_k(\omega),

    the minimum over the vertices of :math:`\tilde\Delta` in the closed shell and the
    points where its edges :math:`[\zeta_{[i]}, \zeta_{[j]}]` cross the spheres
    :math:`\|\omega\|^2 = 1/(\nu+1)` and :math:`1/\nu` (module docstring: a
    reverse-convex program attains its minimum there; only the edges from
    :math:`\zeta_{[1]}` can win, and a branch and bound over their far end finds
    the best). Costs a few thousand candidate evaluations per call in practice and
    :math:`O(N)` at worst, with bounded memory.

    For :math:`k = \nu` this is Proposition 1 (:func:`emp_theory.bounds.prop1_infimum`);
    for :math:`k \ne \nu` it is the guarantee of keeping :math:`k` entries of a
    vector whose effective number is :math:`\nu` (see :func:`beta_bound`).

    Parameters
    ----------
    nu : int or array_like of int
        Shell index, ``1 <= nu <= N``. Vectorized (a loop over `nu`).
    N : int
        ``2 <= N <= 2**53``.
    k : int, optional
        Number of largest weights summed, ``1 <= k <= N``; defaults to ``nu``.

    Returns
    -------
    float or numpy.ndarray

    References
    ----------
    .. [1] Hillestad & Jacobsen, "Reverse convex programming", Appl. Math. Optim. 6 (1980).

    Examples
    --------
    >>> round(exact_infimum(2, 4), 12)  # Proposition 1: 2/4 + 2/4 * 1/3
    0.666666666667
    """
    n = _check_size(check_N(N))
    nus = int_array(nu, "nu", 1, n)
    if k is not None:
        check_nu(k, n, "k")
    if nus.ndim == 0:
        return exact_infimum_point(int(nus), n, k).value
    return np.array([exact_infimum_point(int(x), n, k).value for x in nus.ravel()]).reshape(
        nus.shape
    )


def beta_bound(beta, n_eff, N):
    r"""Guaranteed kept mass when EMP keeps :math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)` entries.

    .. math::

        \varphi_k(\omega) \ge m_k(N_{\mathrm{eff}}, N)
        = \min_{\omega\in\overline{A_{N_{\mathrm{eff}}}}} \sum_{i\le k}\omega_i
        \quad\text{for every } \omega \text{ with effective number } N_{\mathrm{eff}}.

    This is *not* Proposition 1 with :math:`\nu` replaced by :math:`k`: that
    formula bounds the mass of the :math:`k` largest weights of vectors whose
    effective number *is* :math:`k`, i.e. it describes a different shell. The
    shell is fixed by :math:`N_{\mathrm{eff}}` and only the number of kept entries
    changes; at :math:`\beta = 1` both coincide. For :math:`k < N_{\mathrm{eff}}`
    (:math:`\beta < 1`) the substituted formula *overstates* the guarantee (it is
    not a valid bound), and for :math:`k > N_{\mathrm{eff}}` it understates it
    (see ``tests/core/test_certificate.py`` and the book).

    Since :math:`p_{N_{\mathrm{eff}}}` (Proposition 1) lies in the closed shell,
    :math:`m_k \le \varphi_k(p_{N_{\mathrm{eff}}}) = a + (1-a)k/N` with
    :math:`a = r_{N_{\mathrm{eff}}+1}/r_1`; the minimum can sit elsewhere for
    :math:`k \ne N_{\mathrm{eff}}` (e.g. :math:`N = 5, N_{\mathrm{eff}} = 2, k = 1`:
    at the vertex :math:`\zeta_{[3]}`, value :math:`1/3`).

    Parameters
    ----------
    beta : float
        :math:`\beta > 0`.
    n_eff : int or array_like of int
        Effective number(s), ``1 <= n_eff <= N``. Vectorized.
    N : int
        ``2 <= N <= 2**53``.
    """
    from .effective import keep_count

    b = as_positive_finite(beta, "beta")
    n = _check_size(check_N(N))
    ks = int_array(n_eff, "n_eff", 1, n)
    flat = [
        exact_infimum_point(int(x), n, keep_count(beta=b, n_eff=int(x), N=n)).value
        for x in ks.ravel()
    ]
    out = np.array(flat).reshape(ks.shape)
    return float(out) if out.ndim == 0 else out
