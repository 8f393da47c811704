r"""Proposition 1, Theorem 2 and the loss bounds of Sections 3 and 4.2-4.3.

One function per formula of the paper:

=============================  ===================================================
:func:`prop1_infimum`          eq. (14) and the boundary cases of Proposition 1
:func:`p_nu`                   the minimizer :math:`p_\nu` of Proposition 1
:func:`theorem2_bound`         eq. (15), exact form (a lower bound on s_eff)
:func:`theorem2_approx`        eq. (15), the ":math:`\approx`" form
:func:`trivial_bound`          eq. (13), :math:`N_{\mathrm{eff}}/N`
:func:`lemma1_rho_max`         eq. (1) (Lemma 1, Zhang et al. 2025)
:func:`eq17_loss_bound`        eq. (17)
:func:`distance_bound`         the bound on :math:`\|\theta^*-\theta^{N_{\mathrm{eff}}}\|^2` before eq. (18)
:func:`eq18_loss_bound`        eq. (18)
:func:`normalized_loss_bound`  Figure 2 (right): :math:`\epsilon/(\|\theta^*\|_1^2\mathrm{Tr}H)`
=============================  ===================================================

Arguments and paper symbols: ``N`` is the length :math:`N` (an integer of any size;
closed forms are evaluated in float64 from exact integers), ``nu`` the shell index
:math:`\nu` of Proposition 1 (an integer in :math:`[1, N]`), ``n_eff`` is
:math:`N_{\mathrm{eff}}`, ``rho`` is :math:`\rho = N_{\mathrm{eff}}/N`, ``eps`` the loss
change :math:`\epsilon`, ``dist_sq`` the squared distance
:math:`\|\theta^*-\theta^{N_{\mathrm{eff}}}\|_2^2`, ``trace_h`` is :math:`\mathrm{Tr}(H)`,
``theta_l1`` is :math:`\|\theta^*\|_1`, ``s_eff`` is :math:`s_{\mathrm{eff}}`.

Validation and range: every argument is checked by :mod:`!emp_theory._validation`
(booleans, strings, ``None``, complex numbers, object and masked arrays are a
:class:`TypeError`; values outside the documented range a :class:`ValueError`, both
naming the argument). Products and quotients of user magnitudes are formed on
mantissas and exponents, and differences that cancel are compensated
(:mod:`!emp_theory._stable`), so finite inputs from ``1e-300`` to ``1e300`` give the
right finite result, and a result beyond float64 is a :class:`ValueError` naming the
argument that drives it there, never ``inf`` or NaN.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606.
.. [2] Zhang, Zhang, Sun, Liu, "How sparse can we prune a deep network: a
       fundamental limit viewpoint", arXiv:2306.05857 (2025), Lemma 3.5.
"""

from __future__ import annotations

import math

import numpy as np

from ._stable import exact_to_float, n_minus, n_times_minus_one, scaled_product
from ._validation import (
    as_bool,
    as_positive_finite,
    as_real,
    check_alloc,
    check_N,
    check_nu,
    float_array,
    int_array,
    int_to_float,
)

__all__ = [
    "distance_bound",
    "eq17_loss_bound",
    "eq18_loss_bound",
    "lemma1_rho_max",
    "normalized_loss_bound",
    "p_nu",
    "prop1_infimum",
    "theorem2_approx",
    "theorem2_bound",
    "trivial_bound",
]


def _scalar_or_array(out: np.ndarray):
    return float(out) if np.ndim(out) == 0 else out


def prop1_infimum(nu, N):
    r"""Infimum of the kept mass :math:`\varphi_\nu` over the shell :math:`A_\nu` (Proposition 1, eq. 14).

    .. math::

        \inf_{\omega\in A_\nu}\varphi_\nu(\omega) =
        \begin{cases}
        1/2, & \nu = 1 \quad(\text{attained at } \zeta_{[2]}),\\
        \dfrac{\nu}{N} + \dfrac{N-\nu}{N}\sqrt{\dfrac{N-\nu-1}{(\nu+1)(N-1)}},
            & 2 \le \nu \le N-1 \quad(\text{at } p_\nu),\\
        1, & \nu = N \quad(\text{at } \zeta_{[N]}).
        \end{cases}

    Parameters
    ----------
    nu : int or array_like of int
        Shell index, ``1 <= nu <= N``. Vectorized.
    N : int
        Dimension, ``N >= 2``.

    Returns
    -------
    float or numpy.ndarray
        The infimum, in :math:`[\nu/N, 1]`.

    Raises
    ------
    ValueError
        If `N` < 2 or is not an integer, or any `nu` lies outside ``[1, N]``.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Proposition 1.

    Examples
    --------
    >>> prop1_infimum(2, 4)  # 2/4 + 2/4 * sqrt(1/9)
    0.6666666666666666
    """
    n = check_N(N)
    return _prop1(int_array(nu, "nu", 1, n), n)


def _prop1(v: np.ndarray, n: int):
    """Eq. 14 for validated integer `v` (``int64`` or exact Python ints) and `n`."""
    nf = int_to_float(n, "N")
    d = n - v  # N - nu, exact (int64 or Python ints)
    vf, df = exact_to_float(v, "nu"), exact_to_float(d, "N")
    # sqrt((N-nu-1) / ((nu+1)(N-1))) as sqrt((N-nu-1)/(N-1)) / sqrt(nu+1): no overflow
    root = np.sqrt(np.maximum(exact_to_float(d - 1, "N"), 0.0) / float(n - 1)) / np.sqrt(vf + 1.0)
    out = vf / nf + df / nf * root
    out = np.where(vf == 1.0, 0.5, out)
    out = np.where(d == 0, 1.0, out)
    return _scalar_or_array(out)


def p_nu(nu, N) -> np.ndarray:
    r"""The point :math:`p_\nu` of Proposition 1, where :math:`\varphi_\nu` attains its infimum over :math:`A_\nu`.

    For :math:`2 \le \nu \le N-1`,

    .. math::

        p_\nu = \zeta_{[N]} + \frac{r_{\nu+1}}{r_1}\big(\zeta_{[1]} - \zeta_{[N]}\big),
        \qquad
        (p_\nu)_1 = \frac1N + \frac1N\sqrt{\frac{(N-1)(N-\nu-1)}{\nu+1}},\quad
        (p_\nu)_{i\ge2} = \frac1N\Big(1 - \sqrt{\frac{N-\nu-1}{(N-1)(\nu+1)}}\Big),

    the point of the edge :math:`[\zeta_{[1]}, \zeta_{[N]}]` at distance
    :math:`r_{\nu+1}` from :math:`\zeta_{[N]}` (so :math:`\|p_\nu\|^2 = 1/(\nu+1)`).
    The boundary cases are :math:`p_1 = \zeta_{[2]}` and :math:`p_N = \zeta_{[N]}`.

    Parameters
    ----------
    nu : int
        ``1 <= nu <= N``.
    N : int
        ``N >= 2``.

    Returns
    -------
    numpy.ndarray
        Length-``N`` point of the closure of :math:`A_\nu`.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Proposition 1 and Appendix A.
    """
    n = check_N(N)
    check_alloc(n, "N", what="p_nu")
    runs = p_nu_runs(nu, n)
    return np.repeat([v for v, _ in runs], [c for _, c in runs]).astype(np.float64)


def p_nu_runs(nu, N) -> list[tuple[float, int]]:
    r""":math:`p_\nu` of :func:`p_nu` as runs ``[(coordinate, multiplicity), ...]``, for any ``N``.

    :math:`p_1 = \zeta_{[2]}`, :math:`p_{N-1} = p_N = \zeta_{[N]}`; otherwise one coordinate
    :math:`(1 + \sqrt{N-1}\sqrt{(N-\nu-1)/(\nu+1)})/N` and :math:`N-1` equal to
    :math:`(1 - c)/N` with :math:`c = \sqrt{(N-\nu-1)/(N-1)}/\sqrt{\nu+1}` (Appendix A),
    from exact integer quotients (correctly rounded), then square roots. Needs no
    memory of size ``N``, so it serves ``N`` up to the validation layer's limit.

    Examples
    --------
    >>> p_nu_runs(1, 4)
    [(0.5, 2), (0.0, 2)]
    >>> p_nu_runs(3, 4)
    [(0.25, 4)]
    """
    n = check_N(N)
    v = check_nu(nu, n)
    if v == 1:
        return [(0.5, 2)] + ([(0.0, n - 2)] if n > 2 else [])
    if v >= n - 1:  # r_N = 0: p_{N-1} = zeta_[N]; p_N = zeta_[N]
        return [(1.0 / n, n)]
    c = math.sqrt((n - v - 1) / (n - 1)) / math.sqrt(v + 1)
    first = (1.0 + math.sqrt(n - 1) * math.sqrt((n - v - 1) / (v + 1))) / n
    return [(first, 1), ((1.0 - c) / n, n - 1)]


def theorem2_bound(n_eff, N):
    r"""Lower bound on the effective mass :math:`s_{\mathrm{eff}}` (Theorem 2, eq. 15, exact form).

    .. math::

        s_{\mathrm{eff}} \;\ge\; 1 - \frac{N - N_{\mathrm{eff}}}{N}
        \Big(1 - \sqrt{\frac{N - N_{\mathrm{eff}} - 1}{(N_{\mathrm{eff}}+1)(N-1)}}\Big),

    which is :func:`prop1_infimum` at :math:`\nu = N_{\mathrm{eff}}` (eq. 8). The
    theorem states it for :math:`2 \le N_{\mathrm{eff}} < N`; at the boundary this
    function returns Proposition 1's values, :math:`1/2` for
    :math:`N_{\mathrm{eff}} = 1` and :math:`1` for :math:`N_{\mathrm{eff}} = N`.
    Vectorized over `n_eff`.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Theorem 2.
    """
    n = check_N(N)
    return _prop1(int_array(n_eff, "n_eff", 1, n), n)


def theorem2_approx(n_eff, N):
    r"""The approximate form of Theorem 2 (eq. 15, right-hand side after ":math:`\approx`").

    .. math::

        s_{\mathrm{eff}} \gtrsim 1 - \frac{N - N_{\mathrm{eff}}}{N}
        \Big(1 - \sqrt{\frac{N - N_{\mathrm{eff}}}{N\,N_{\mathrm{eff}}}}\Big).

    It differs from :func:`theorem2_bound` by :math:`O(N^{-3/2})` at fixed
    :math:`\rho = N_{\mathrm{eff}}/N` (checked in :mod:`emp_theory.symbolic`).
    `n_eff` may be real-valued here (a continuous curve), in ``[1, N]``.
    """
    n = check_N(N)
    nf = int_to_float(n, "N")
    k = float_array(n_eff, "n_eff", 1.0, nf)
    f = n_minus(n, k) / nf  # (N - N_eff)/N in [0, 1]
    # 1 - f (1 - g) = (1 - f) + f g = N_eff/N + f g: a sum of non-negative terms
    out = k / nf + f * (np.sqrt(f) / np.sqrt(k))
    return _scalar_or_array(out)


def trivial_bound(n_eff, N):
    r"""The trivial bound :math:`s_{\mathrm{eff}} \ge N_{\mathrm{eff}}/N` (eq. 13)."""
    n = check_N(N)
    nf = int_to_float(n, "N")
    k = float_array(n_eff, "n_eff", 1.0, nf)
    return _scalar_or_array(k / nf)


def lemma1_rho_max(eps, N, dist_sq, trace_h):
    r"""Largest pruning ratio allowed by Lemma 1 (eq. 1; Zhang et al., 2025, Lemma 3.5).

    .. math::

        \rho \le 1 - \frac{2\epsilon N}{\|\theta^*-\theta^k\|_2^2\,\mathrm{Tr}(H) + 2\epsilon N}.

    Parameters
    ----------
    eps : float or array_like
        Loss difference :math:`\epsilon \ge 0`.
    N : int
        Number of parameters.
    dist_sq : float
        :math:`\|\theta^* - \theta^k\|_2^2 > 0`.
    trace_h : float
        :math:`\mathrm{Tr}(H) > 0`.
    """
    nf = int_to_float(check_N(N), "N")
    e = float_array(eps, "eps", 0.0, np.inf)
    d = as_positive_finite(dist_sq, "dist_sq")
    t = as_positive_finite(trace_h, "trace_h")
    # 1 - 2 eps N / (D T + 2 eps N) = D T / (D T + 2 eps N): with q = 2 eps N / (D T),
    # 1 / (1 + q) where q <= 1 and p / (1 + p), p = 1/q = D T / (2 eps N), where q > 1
    up = [("eps", e), ("N", nf)]
    down = [("dist_sq", d), ("trace_h", t)]
    q = scaled_product(up, down, "", factor=2.0, saturate=True)
    p = scaled_product(down, up, "", factor=0.5, saturate=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(q <= 1.0, 1.0 / (1.0 + q), p / (1.0 + p))
    return _scalar_or_array(out)


def eq17_loss_bound(rho, N, dist_sq, trace_h):
    r"""Upper bound on the loss change (eq. 17), Lemma 1 solved for :math:`\epsilon`.

    .. math::

        \epsilon \le \frac{1-\rho}{2N\rho}\,\mathrm{Tr}(H)\,\|\theta^* - \theta^{N_{\mathrm{eff}}}\|_2^2.

    Parameters
    ----------
    rho : float or array_like
        :math:`\rho = N_{\mathrm{eff}}/N \in (0, 1]`.
    N : int
    dist_sq : float
        :math:`\|\theta^* - \theta^{N_{\mathrm{eff}}}\|_2^2 \ge 0`.
    trace_h : float
        :math:`\mathrm{Tr}(H) > 0`.
    """
    nf = int_to_float(check_N(N), "N")
    r = float_array(rho, "rho", 0.0, 1.0, open_low=True)
    d = as_real(dist_sq, "dist_sq", low=0.0)
    t = as_positive_finite(trace_h, "trace_h")
    out = scaled_product(
        [("rho", 1.0 - r), ("trace_h", t), ("dist_sq", d)],
        [("N", nf), ("rho", r)],
        "the eq. 17 bound",
        shown={"rho": r, "trace_h": t, "dist_sq": d, "N": nf},
        factor=0.5,
    )
    return _scalar_or_array(out)


def distance_bound(theta_l1, s_eff, n_eff, N):
    r"""Bound on the pruned distance used before eq. 18.

    .. math::

        \|\theta^* - \theta^{N_{\mathrm{eff}}}\|_2^2 \le
        \|\theta^*\|_1^2\,(1 - s_{\mathrm{eff}})^2\,(N - N_{\mathrm{eff}}).

    (Each pruned :math:`\omega_i` is at most :math:`1 - s_{\mathrm{eff}}`, and there are
    :math:`N - N_{\mathrm{eff}}` of them.)
    """
    n = check_N(N)
    nf = int_to_float(n, "N")
    l1 = as_real(theta_l1, "theta_l1", low=0.0)
    se = float_array(s_eff, "s_eff", 0.0, 1.0)
    k = float_array(n_eff, "n_eff", 1.0, nf)
    out = scaled_product(
        [
            ("theta_l1", l1),
            ("theta_l1", l1),
            ("s_eff", 1.0 - se),
            ("s_eff", 1.0 - se),
            ("N", n_minus(n, k)),
        ],
        [],
        "the distance bound",
        shown={"theta_l1": l1, "N": nf},
    )
    return _scalar_or_array(out)


def normalized_loss_bound(rho, N, exact: bool = False):
    r"""The normalized loss bound :math:`\epsilon / (\|\theta^*\|_1^2\,\mathrm{Tr}(H))` of Figure 2 (right).

    With ``exact=False`` (the paper's eq. 18 and Figure 2),

    .. math::

        \frac{\epsilon}{\|\theta^*\|_1^2\mathrm{Tr}(H)} \lesssim
        \frac{(1-\rho)^4}{2\rho}\Big(1 - \sqrt{\frac{1-\rho}{N\rho}}\Big)^2 .

    With ``exact=True`` the :math:`\approx` of Theorem 2 is not taken: eq. 17 and
    :func:`distance_bound` are combined with the exact form of eq. 15 at
    :math:`N_{\mathrm{eff}} = \rho N`,

    .. math::

        \frac{(1-\rho)^4}{2\rho}
        \Big(1 - \sqrt{\frac{N(1-\rho) - 1}{(N\rho+1)(N-1)}}\Big)^2 .

    Parameters
    ----------
    rho : float or array_like
        :math:`\rho = N_{\mathrm{eff}}/N \in [1/N, 1]`.
    N : int
        ``N >= 2``.
    exact : bool, default False
    """
    n = check_N(N)
    nf = int_to_float(n, "N")
    r = float_array(rho, "rho", 1.0 / nf, 1.0)
    if as_bool(exact, "exact"):
        # sqrt((N(1-rho) - 1) / ((N rho + 1)(N - 1))), split so that no product overflows;
        # N(1-rho) - 1 compensated (1 - rho is exact where it cancels, rho >= 1/2)
        num = np.maximum(n_times_minus_one(n, 1.0 - r), 0.0)
        one_minus = 1.0 - np.sqrt(num / float(n - 1)) / np.sqrt(nf * r + 1.0)  # inner < 0.71
    else:
        # 1 - sqrt(x), x = (1 - rho)/(N rho) <= 1, as (1 - x)/(1 + sqrt(x)) with
        # 1 - x = (N rho - 1 + rho)/(N rho): no cancellation even for N rho -> 1
        nr = nf * r  # >= 1: no overflow, no underflow
        x = (1.0 - r) / nr
        one_minus = (n_times_minus_one(n, r) + r) / nr / (1.0 + np.sqrt(x))
    # rho >= 1/N >= 1/1.8e308, so (1 - rho)^4 / (2 rho) <= 0.9e308 stays finite
    out = (1.0 - r) ** 4 / (2.0 * r) * one_minus**2
    return _scalar_or_array(out)


def eq18_loss_bound(rho, N, theta_l1, trace_h, exact: bool = False):
    r"""Asymptotic upper bound on the loss change (eq. 18).

    .. math::

        \epsilon \lesssim \|\theta^*\|_1^2\,\mathrm{Tr}(H)\,
        \frac{(1-\rho)^4}{2\rho}\Big(1 - \sqrt{\frac{1-\rho}{N\rho}}\Big)^2,

    i.e. ``theta_l1**2 * trace_h * normalized_loss_bound(rho, N, exact)``.
    """
    l1 = as_real(theta_l1, "theta_l1", low=0.0)
    t = as_positive_finite(trace_h, "trace_h")
    nb = np.asarray(normalized_loss_bound(rho, N, exact))
    out = scaled_product(
        [("theta_l1", l1), ("theta_l1", l1), ("trace_h", t), ("rho", nb)],
        [],
        "the eq. 18 bound",
        shown={"theta_l1": l1, "trace_h": t, "rho": rho},
    )
    return _scalar_or_array(out)
