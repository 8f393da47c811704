r"""The effective number :math:`N_{\mathrm{eff}}`, the effective mass and EMP masks.

This module is the ground layer of :mod:`emp_theory`: Algorithm 1 of the paper
and the quantities of its Section 4.1, computed in one or two streaming passes
over the scores and a selection (never a full sort).

Notation (Wang et al., 2026, eq. 2, eq. 5 and Algorithm 1): for a score vector
:math:`s \in \mathbb{R}^N`,

.. math::

    \omega_i = \frac{|s_i|}{\|s\|_1}, \qquad
    N_{\mathrm{eff}} = \Big\lfloor \frac{1}{\sum_i \omega_i^2} \Big\rfloor, \qquad
    s_{\mathrm{eff}} = \sum_{i=1}^{N_{\mathrm{eff}}} \omega_{\sigma(i)},

where :math:`\sigma` orders :math:`\omega` decreasingly.

Inputs may be Python sequences, NumPy arrays of any integer or floating dtype
and any shape (they are flattened), or ``torch`` tensors; ``torch`` is never
imported by this module. Booleans, strings, ``None``, complex numbers, object arrays
and masked arrays are a :class:`TypeError` naming the argument
(:mod:`!emp_theory._validation`); pass ``arr.compressed()`` for the unmasked entries
of a masked array.

Arguments: ``s`` the scores, ``beta`` is :math:`\beta`, ``k`` the number of kept
entries (:math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)`,
Algorithm 1 line 3, for :func:`emp_mask`; any ``1 <= k <= N`` for :func:`topk_mask`
and :func:`top_mass`), ``n_eff`` is :math:`N_{\mathrm{eff}}`, ``N`` the length.
All sums are taken of :math:`|s_i|/\max_j|s_j|`, so scores from ``1e-300`` to
``1e300`` (and up to the float64 maximum) neither overflow nor underflow.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning",
       arXiv:2509.25606 (preprint, 2025), Section 4.1 and Algorithm 1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from . import _kernels
from ._kernels import beta_keep, is_torch, stats
from ._validation import as_int, as_positive_finite, check_nu, int_to_float

__all__ = [
    "EMPSummary",
    "emp_mask",
    "emp_summary",
    "keep_count",
    "n_eff",
    "nu_from_n_eff",
    "s_eff",
    "top_mass",
    "topk_mask",
    "weights",
]


def _kernels_for(s):
    """The kernels for `s`: NumPy's, or for a torch tensor the torch-native ones on its device.

    :mod:`!emp_theory._torch_kernels` (imported only for a tensor) computes on the tensor's
    own device with no host copy; N_eff, k and masks are bit-identical to the NumPy path,
    float64 sums (s_eff, kept mass) equal to a few ulps.
    """
    if is_torch(s):
        from . import _torch_kernels

        if _torch_kernels.native(s):
            return _torch_kernels
    return _kernels


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
def weights(s) -> np.ndarray:
    r"""Normalized weights :math:`\omega = |s| / \|s\|_1` (eq. 2).

    Parameters
    ----------
    s : array_like or torch.Tensor
        Scores, any shape and any real dtype. Must be finite and not all zero.

    Returns
    -------
    numpy.ndarray
        float64 array of the input's shape with :math:`\omega_i \ge 0` and
        :math:`\sum_i \omega_i = 1`. Computed as :math:`(|s_i|/m) / \sum_j (|s_j|/m)`
        with :math:`m = \max_j |s_j|`, so extreme magnitudes neither overflow nor
        underflow.

    Raises
    ------
    ValueError
        If `s` is empty, contains NaN or inf, or is all zeros.
    TypeError
        If `s` is not real-valued.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. (2).

    Examples
    --------
    >>> weights([1, -1, 2]).tolist()
    [0.25, 0.25, 0.5]
    """
    st = stats(s)
    w = np.abs(st.flat, dtype=np.float64) / st.scale / st.l1
    shape = tuple(s.shape) if is_torch(s) else np.shape(s)
    return w.reshape(shape)


def n_eff(s) -> int:
    r"""Effective number :math:`N_{\mathrm{eff}} = \lfloor 1/\sum_i \omega_i^2 \rfloor` (Algorithm 1, line 2).

    The inverse Simpson index (Laakso & Taagepera, 1979) of :math:`\omega = |s|/\|s\|_1`.
    It is computed as :math:`\lfloor (\sum_i a_i)^2 / \sum_i a_i^2 \rfloor` with
    :math:`a = |s|` (float32 input) or :math:`a = |s|/\max|s|` (float64) accumulated in
    float64, which equals :math:`\lfloor 1/\sum\omega_i^2 \rfloor` in exact
    arithmetic. The floor is decided exactly: when the float64 ratio lies within its
    rigorous rounding-error bound of an integer, exact integer sums of the same float
    values decide (so a constant vector of any length gives exactly ``N``, and
    ``[1, 0.9999999]`` gives 1). The result is clipped to ``[1, N]``.

    Parameters
    ----------
    s : array_like or torch.Tensor
        Scores, any shape and any real dtype; finite and not all zero.

    Returns
    -------
    int
        :math:`1 \le N_{\mathrm{eff}} \le N`.

    Raises
    ------
    ValueError
        If `s` is empty, contains NaN or inf, or is all zeros.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 4.1.
    .. [2] M. Laakso, R. Taagepera, "'Effective' number of parties", Comparative
           Political Studies 12 (1979).

    Examples
    --------
    >>> n_eff([1, 1, 1, 1])
    4
    >>> n_eff([3, 1, 0, 0])  # 1 / (9/16 + 1/16) = 1.6
    1
    """
    K = _kernels_for(s)
    return K.n_eff_from_stats(K.stats(s))


def keep_count(s=None, beta: float = 1.0, *, n_eff=None, N=None) -> int:
    r"""Number of kept entries :math:`k = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N)` (Algorithm 1, line 3).

    The one kept-count rule of the package. Give either the scores `s`, or
    :math:`N_{\mathrm{eff}}` and :math:`N` (`n_eff` and `N`, keyword-only) when they
    are already known (bounds, figures, streaming).

    Rounding: Algorithm 1 writes :math:`\mathrm{clip}(\beta N_{\mathrm{eff}}, 1, N)`
    and then selects that many entries, so a non-integer :math:`\beta N_{\mathrm{eff}}`
    must be rounded. We use the floor: it reproduces :math:`k = N_{\mathrm{eff}}`
    at :math:`\beta = 1`, never keeps more than :math:`\beta N_{\mathrm{eff}}`
    entries, and makes :math:`k` non-decreasing in :math:`\beta`. The floor is
    guarded against round-off (``0.29 * 100`` counts as 29).

    Parameters
    ----------
    s : array_like or torch.Tensor, optional
        Scores (finite, not all zero).
    beta : float, default 1.0
        Scaling coefficient :math:`\beta > 0`.
    n_eff, N : int, optional (keyword-only)
        A known effective number ``1 <= n_eff <= N`` and length ``N >= 1``,
        instead of `s`.

    Returns
    -------
    int
        :math:`k \in [1, N]`.

    Raises
    ------
    ValueError
        If `beta` is not a finite positive number, `s` is invalid, or `n_eff`
        is outside ``[1, N]``.
    TypeError
        If neither or both of `s` and (`n_eff`, `N`) are given.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1.

    Examples
    --------
    >>> keep_count([1, 1, 1, 1], beta=0.5)
    2
    >>> keep_count([1, 1, 1, 1], beta=2.0)  # clipped at N
    4
    >>> keep_count(beta=0.29, n_eff=100, N=1000)
    29
    """
    b = as_positive_finite(beta, "beta")
    if s is not None:
        if n_eff is not None or N is not None:
            raise TypeError("give either `s` or (`n_eff`, `N`), not both")
        K = _kernels_for(s)
        st = K.stats(s)
        return _keep(b, K.n_eff_from_stats(st), st.N)
    if n_eff is None or N is None:
        raise TypeError("give either `s` or both `n_eff` and `N`")
    n_total = as_int(N, "N", low=1)
    int_to_float(n_total, "N")  # beta * n_eff is formed in float64
    k = check_nu(n_eff, n_total, "n_eff")
    return _keep(b, k, n_total)


def _keep(beta: float, n: int, N: int) -> int:
    """:func:`beta_keep`, safe when ``beta * n`` overflows (then ``k = N``)."""
    if beta * n >= N:  # includes beta * n == inf (e.g. beta = 1e300, n = 1e300)
        return N
    return beta_keep(beta, n, N)


def nu_from_n_eff(n_eff, N, beta: float = 1.0) -> int:
    """``keep_count(beta=beta, n_eff=n_eff, N=N)``, under the name earlier releases used.

    Examples
    --------
    >>> nu_from_n_eff(600, 1000, 2.0)
    1000
    """
    return keep_count(beta=beta, n_eff=n_eff, N=N)


def top_mass(s, k) -> float:
    r"""Mass :math:`\varphi_k(\omega) = \sum_{i=1}^{k} \omega_{\sigma(i)}` of the ``k`` largest weights (eq. 9).

    Parameters
    ----------
    s : array_like or torch.Tensor
        Scores (finite, not all zero).
    k : int
        Number of largest weights summed, ``1 <= k <= N``.

    Returns
    -------
    float
        :math:`\sum` of the ``k`` largest :math:`\omega_i`, in :math:`(0, 1]`.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. (9).

    Examples
    --------
    >>> top_mass([4, 3, 2, 1], 2)
    0.7
    """
    K = _kernels_for(s)
    st = K.stats(s, with_hist=True)
    kk = check_nu(k, st.N, "k")
    return min(K.topk_sum(st.flat, kk, st.scale, st.hist) / st.l1, 1.0)


def s_eff(s) -> float:
    r"""Effective mass :math:`s_{\mathrm{eff}} = \sum_{i=1}^{N_{\mathrm{eff}}} \omega_{\sigma(i)}` (eq. 5).

    The total weight of the :math:`N_{\mathrm{eff}}` largest entries of
    :math:`\omega = |s|/\|s\|_1`; Theorem 2 bounds it from below.

    Parameters
    ----------
    s : array_like or torch.Tensor
        Scores (finite, not all zero).

    Returns
    -------
    float
        :math:`s_{\mathrm{eff}} \in (0, 1]`.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eqs. (5)-(6).

    Examples
    --------
    >>> s_eff([1, 1, 1, 1])
    1.0
    """
    K = _kernels_for(s)
    st = K.stats(s, with_hist=True)
    k = K.n_eff_from_stats(st)
    return min(K.topk_sum(st.flat, k, st.scale, st.hist) / st.l1, 1.0)


def topk_mask(s, k):
    r"""Boolean mask keeping the ``k`` largest :math:`|s_i|` (Algorithm 1, lines 4-7).

    Selection, not sorting: for float32 scores of 65 536 entries or more (and float16/
    bfloat16, widened exactly) the ``k``-th largest magnitude is found by counting bit
    patterns (a compiled radix select, :mod:`!emp_theory._kernels.jit`, three reads of
    the scores); otherwise by a sample-bracketed ``np.partition`` (expected linear
    time). Ties at the threshold are broken deterministically, lowest flat index first,
    so exactly ``k`` entries are kept.

    Parameters
    ----------
    s : array_like or torch.Tensor
        Scores (finite, not all zero), any shape.
    k : int
        Number of entries kept, ``1 <= k <= N``.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        Boolean mask of the input's shape (a ``torch.bool`` tensor on the input's
        device when `s` is a tensor) with exactly ``k`` true entries.
    """
    K = _kernels_for(s)
    st = K.stats(s, with_hist=True)
    kk = check_nu(k, st.N, "k")
    return K.restore(K.topk_mask_flat(st.flat, kk, st.hist), s)


def emp_mask(s, beta: float = 1.0):
    r"""EMP mask: keep the :math:`k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)` largest :math:`|s_i|` (Algorithm 1).

    Parameters
    ----------
    s : array_like or torch.Tensor
        Scores, any shape (flattened for the selection), finite and not all zero.
    beta : float, default 1.0
        Scaling coefficient :math:`\beta > 0` of Algorithm 1.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        Boolean mask of the input's shape with exactly :math:`\nu` true entries
        (see :func:`keep_count` for the rounding); ties at the threshold keep the
        lowest flat index first.

    Raises
    ------
    ValueError
        If `s` is empty, non-finite or all zeros, or `beta` is not finite and > 0.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1.

    Examples
    --------
    >>> emp_mask([0.1, 5.0, -4.0, 0.2]).tolist()
    [False, True, True, False]
    """
    b = as_positive_finite(beta, "beta")
    K = _kernels_for(s)
    st = K.stats(s, with_hist=True)
    k = _keep(b, K.n_eff_from_stats(st), st.N)
    return K.restore(K.topk_mask_flat(st.flat, k, st.hist), s)


@dataclass(frozen=True)
class EMPSummary:
    """What EMP decides for one score vector (see :func:`emp_summary`)."""

    N: int
    n_eff: int
    beta: float
    k: int
    s_eff: float
    kept_mass: float
    sparsity: float
    bound: float
    trivial_bound: float

    def as_dict(self) -> dict:
        return asdict(self)


def emp_summary(s, beta: float = 1.0) -> EMPSummary:
    r"""Everything EMP computes for `s`, from one pass of statistics.

    Returns :math:`N`, :math:`N_{\mathrm{eff}}`, :math:`\nu` (:func:`keep_count`),
    :math:`s_{\mathrm{eff}}` (eq. 5), the mass actually kept
    :math:`\varphi_\nu(\omega)`, the sparsity :math:`1 - \nu/N`, the Theorem 2
    lower bound on :math:`s_{\mathrm{eff}}` (:func:`emp_theory.bounds.theorem2_bound`)
    and the trivial bound :math:`N_{\mathrm{eff}}/N` (eq. 13).
    """
    from .bounds import theorem2_bound  # bounds imports nothing from here

    b = as_positive_finite(beta, "beta")
    K = _kernels_for(s)
    st = K.stats(s, with_hist=True)
    n = K.n_eff_from_stats(st)
    k = _keep(b, n, st.N)
    # sums of |s| / max|s| (<= N, never overflow), divided by l1 = sum |s| / max|s|
    seff = min(K.topk_sum(st.flat, n, st.scale, st.hist) / st.l1, 1.0)
    kept = seff if k == n else min(K.topk_sum(st.flat, k, st.scale, st.hist) / st.l1, 1.0)
    return EMPSummary(
        N=st.N,
        n_eff=n,
        beta=b,
        k=k,
        s_eff=seff,
        kept_mass=kept,
        sparsity=1.0 - k / st.N,
        bound=float(theorem2_bound(n, st.N)) if st.N >= 2 else 1.0,
        trivial_bound=n / st.N,
    )
