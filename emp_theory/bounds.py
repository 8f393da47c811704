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

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606.
.. [2] Zhang, Zhang, Sun, Liu, "How sparse can we prune a deep network: a
       fundamental limit viewpoint", arXiv:2306.05857 (2025), Lemma 3.5.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_positive_finite, check_N, check_nu, float_array, int_array

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
    v = int_array(nu, "nu", 1, n).astype(np.float64)
    with np.errstate(invalid="ignore"):
        root = np.sqrt(np.maximum(n - v - 1.0, 0.0) / ((v + 1.0) * (n - 1.0)))
    out = v / n + (n - v) / n * root
    out = np.where(v == 1, 0.5, out)
    out = np.where(v == n, 1.0, out)
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
    v = check_nu(nu, n)
    if v == 1:
        p = np.zeros(n)
        p[:2] = 0.5
        return p
    if v >= n - 1:  # r_N = 0: p_{N-1} = zeta_[N]; p_N = zeta_[N]
        return np.full(n, 1.0 / n)
    c = np.sqrt((n - v - 1.0) / ((n - 1.0) * (v + 1.0)))
    p = np.full(n, (1.0 - c) / n)
    p[0] = (1.0 + np.sqrt((n - 1.0) * (n - v - 1.0) / (v + 1.0))) / n
    return p


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
    return prop1_infimum(_check_neff(n_eff, N), N)


def _check_neff(n_eff, N):
    n = check_N(N)
    return int_array(n_eff, "n_eff", 1, n)


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
    k = float_array(n_eff, "n_eff", 1.0, float(n))
    out = 1.0 - (n - k) / n * (1.0 - np.sqrt((n - k) / (n * k)))
    return _scalar_or_array(out)


def trivial_bound(n_eff, N):
    r"""The trivial bound :math:`s_{\mathrm{eff}} \ge N_{\mathrm{eff}}/N` (eq. 13)."""
    n = check_N(N)
    k = float_array(n_eff, "n_eff", 1.0, float(n))
    return _scalar_or_array(k / n)


def _check_rho(rho):
    return float_array(rho, "rho", 0.0, 1.0, open_low=True)


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
    n = check_N(N)
    e = float_array(eps, "eps", 0.0, np.inf)
    d = as_positive_finite(dist_sq, "dist_sq")
    t = as_positive_finite(trace_h, "trace_h")
    out = 1.0 - 2.0 * e * n / (d * t + 2.0 * e * n)
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
    n = check_N(N)
    r = _check_rho(rho)
    d = float(float_array(dist_sq, "dist_sq", 0.0, np.inf))
    t = as_positive_finite(trace_h, "trace_h")
    return _scalar_or_array((1.0 - r) / (2.0 * n * r) * t * d)


def distance_bound(theta_l1, s_eff, n_eff, N):
    r"""Bound on the pruned distance used before eq. 18.

    .. math::

        \|\theta^* - \theta^{N_{\mathrm{eff}}}\|_2^2 \le
        \|\theta^*\|_1^2\,(1 - s_{\mathrm{eff}})^2\,(N - N_{\mathrm{eff}}).

    (Each pruned :math:`\omega_i` is at most :math:`1 - s_{\mathrm{eff}}`, and there are
    :math:`N - N_{\mathrm{eff}}` of them.)
    """
    n = check_N(N)
    l1 = float(float_array(theta_l1, "theta_l1", 0.0, np.inf))
    se = float_array(s_eff, "s_eff", 0.0, 1.0)
    k = float_array(n_eff, "n_eff", 1.0, float(n))
    return _scalar_or_array(l1**2 * (1.0 - se) ** 2 * (n - k))


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
    r = float_array(rho, "rho", 1.0 / n, 1.0)
    if exact:
        inner = np.sqrt(np.maximum(n * (1.0 - r) - 1.0, 0.0) / ((n * r + 1.0) * (n - 1.0)))
    else:
        inner = np.sqrt((1.0 - r) / (n * r))
    out = (1.0 - r) ** 4 / (2.0 * r) * (1.0 - inner) ** 2
    return _scalar_or_array(out)


def eq18_loss_bound(rho, N, theta_l1, trace_h, exact: bool = False):
    r"""Asymptotic upper bound on the loss change (eq. 18).

    .. math::

        \epsilon \lesssim \|\theta^*\|_1^2\,\mathrm{Tr}(H)\,
        \frac{(1-\rho)^4}{2\rho}\Big(1 - \sqrt{\frac{1-\rho}{N\rho}}\Big)^2,

    i.e. ``theta_l1**2 * trace_h * normalized_loss_bound(rho, N, exact)``.
    """
    l1 = float(float_array(theta_l1, "theta_l1", 0.0, np.inf))
    t = as_positive_finite(trace_h, "trace_h")
    return _scalar_or_array(l1**2 * t * np.asarray(normalized_loss_bound(rho, N, exact)))
