r"""Exact infimum of the kept mass over a shell, and the generalized (β) bound.

Beyond the paper. For :math:`1 \le k \le N` let
:math:`\varphi_k(\omega) = \sum_{i\le k}\omega_i` on the ordered simplex
:math:`\tilde\Delta`. :func:`exact_infimum` computes

.. math::

    m_k(\nu, N) = \min_{\omega \in \overline{A_\nu}} \varphi_k(\omega),\qquad
    \overline{A_\nu} = \tilde\Delta \cap \{\tfrac{1}{\nu+1} \le \|\omega\|^2 \le \tfrac{1}{\nu}\},

exactly, by enumerating a finite candidate set.

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
meet the outer sphere :math:`\|\omega\|^2 = 1/\nu` are enumerated as well; every
candidate is feasible, so the minimum over candidates is the exact infimum.

On the edge :math:`\omega = a\,\zeta_{[i]} + (1-a)\,\zeta_{[j]}` (:math:`i < j`),
:math:`\|\omega\|^2 = 1/j + a^2 (1/i - 1/j)`, so the edge meets the sphere
:math:`\|\omega\|^2 = 1/m` at :math:`a = \sqrt{(1/m - 1/j)/(1/i - 1/j)}` when
:math:`i \le m \le j`, and :math:`\varphi_k = a \min(k,i)/i + (1-a)\min(k,j)/j`.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Proposition 1.
.. [2] R. J. Hillestad, S. E. Jacobsen, "Reverse convex programming",
       Applied Mathematics and Optimization 6 (1980) 63-78.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_positive_finite, check_N, check_nu, int_array

__all__ = ["Certificate", "beta_bound", "exact_infimum", "exact_infimum_point"]

_BLOCK = 1 << 21  # candidate pairs evaluated at once


@dataclass(frozen=True)
class Certificate:
    """The exact infimum and where it is attained (see :func:`exact_infimum_point`)."""

    nu: int
    N: int
    k: int
    value: float
    point: np.ndarray
    kind: str  # "vertex" or "edge"
    edge: tuple[int, int]  # (i, j) of the edge [zeta_i, zeta_j]; (j, j) for a vertex
    sphere: str  # "inner", "outer" or "vertex"


def _phi_vertex(k: int, j: np.ndarray) -> np.ndarray:
    return np.minimum(k, j) / j


def _best_on_sphere(m: int, N: int, k: int):
    """Min of phi_k over the points where edges [z_i, z_j] (i < m < j... ) meet ||w||^2 = 1/m.

    Returns (value, i, j, a) of the best candidate with i <= m <= j, i < j.
    """
    best = (np.inf, 0, 0, 0.0)
    i_all = np.arange(1, m + 1, dtype=np.float64)
    j_all = np.arange(m, N + 1, dtype=np.float64)
    rows = max(1, _BLOCK // max(j_all.size, 1))
    for start in range(0, i_all.size, rows):
        i = i_all[start : start + rows, None]
        j = j_all[None, :]
        valid = j > i
        with np.errstate(divide="ignore", invalid="ignore"):
            u = (1.0 / m - 1.0 / j) / (1.0 / i - 1.0 / j)
        u = np.where(valid, np.clip(u, 0.0, 1.0), 0.0)
        a = np.sqrt(u)
        val = a * _phi_vertex(k, i) + (1.0 - a) * _phi_vertex(k, j)
        val = np.where(valid, val, np.inf)
        idx = np.unravel_index(np.argmin(val), val.shape)
        v = float(val[idx])
        if v < best[0]:
            best = (v, int(i[idx[0], 0]), int(j[0, idx[1]]), float(a[idx]))
    return best


def exact_infimum_point(nu, N, k=None) -> Certificate:
    r"""Exact :math:`\min_{\overline{A_\nu}} \varphi_k` with the point attaining it.

    See :func:`exact_infimum` for the definition and the method.
    """
    n = check_N(N)
    v = check_nu(nu, n)
    kk = v if k is None else check_nu(k, n, "k")
    if v == n:  # the closed shell is the single point zeta_[N]
        return Certificate(v, n, kk, kk / n, np.full(n, 1.0 / n), "vertex", (n, n), "vertex")
    cands = []
    for j in (v, v + 1):  # vertices in the closed shell: ||zeta_j||^2 = 1/j
        cands.append((float(_phi_vertex(kk, np.array(j))), j, j, 1.0, "vertex"))
    for m, label in ((v + 1, "inner"), (v, "outer")):
        if m <= n:
            val, i, j, a = _best_on_sphere(m, n, kk)
            if np.isfinite(val):
                cands.append((val, i, j, a, label))
    val, i, j, a, label = min(cands, key=lambda c: c[0])
    point = np.zeros(n)
    point[:i] += a / i
    point[:j] += (1.0 - a) / j
    kind = "vertex" if label == "vertex" or a in (0.0, 1.0) else "edge"
    return Certificate(v, n, kk, float(val), point, kind, (i, j), label)


def exact_infimum(nu, N, k=None):
    r"""Exact infimum of the mass of the :math:`k` largest weights over the shell :math:`A_\nu`.

    .. math::

        m_k(\nu, N) = \inf_{\omega\in A_\nu} \sum_{i=1}^{k} \omega_i
        = \min_{\omega\in\overline{A_\nu}} \varphi_k(\omega),

    computed by enumerating the vertices of :math:`\tilde\Delta` in the closed
    shell and the intersections of its edges :math:`[\zeta_{[i]}, \zeta_{[j]}]`
    with the spheres :math:`\|\omega\|^2 = 1/(\nu+1)` and :math:`1/\nu` (module
    docstring: a reverse-convex program attains its minimum there). Costs
    :math:`O(\nu(N-\nu))` per call.

    For :math:`k = \nu` this is Proposition 1 (:func:`emp_theory.bounds.prop1_infimum`);
    for :math:`k \ne \nu` it is the guarantee of keeping :math:`k` entries of a
    vector whose effective number is :math:`\nu` (see :func:`beta_bound`).

    Parameters
    ----------
    nu : int or array_like of int
        Shell index, ``1 <= nu <= N``. Vectorized (a loop over `nu`).
    N : int
        ``N >= 2``.
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
    n = check_N(N)
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
    (see ``tests/test_certificate.py`` and the book).

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
        ``N >= 2``.
    """
    from .effective import keep_count

    b = as_positive_finite(beta, "beta")
    n = check_N(N)
    ks = int_array(n_eff, "n_eff", 1, n)
    flat = [
        exact_infimum_point(int(x), n, keep_count(beta=b, n_eff=int(x), N=n)).value
        for x in ks.ravel()
    ]
    out = np.array(flat).reshape(ks.shape)
    return float(out) if out.ndim == 0 else out
