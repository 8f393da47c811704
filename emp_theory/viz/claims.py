r"""The book's qualitative sentences as functions of the data they describe.

A chapter that writes "the substituted formula lies *above* the guarantee" or "above
:math:`\beta = 1` the accuracy *rises*" computes the word with one of these
functions on the data it shows and asserts it in a hidden cell; the unit tests
(``tests/viz/test_claims.py``) call the same function on the same data. So a sentence
cannot drift from its figure: if the data change, the build fails.

* :func:`relation` -- where one curve lies relative to another ("above", "below",
  "equal", "crosses").
* :func:`trend` -- the shape of a sequence ("rises", "falls", "flat", "mixed").
* :func:`substitution_excess` -- eq. 14 with :math:`\nu := k` minus the exact
  guarantee :func:`emp_theory.certificate.beta_bound`, over every
  :math:`N_{\mathrm{eff}} = 1, \dots, N` (the maxima the lower-bound chapter quotes).
* :func:`beta_accuracy` -- what Figure 3 (accuracy against :math:`\beta`) shows for
  one model and scope, from :func:`emp_theory.experiments.audit.beta_profile`.

Arguments: ``N`` the number of scores, ``beta`` the paper's :math:`\beta`, ``k`` the
number of kept entries :math:`\mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)`
(Algorithm 1 line 3), :math:`N_{\mathrm{eff}}` the effective number (= the shell
index :math:`\nu`).

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Proposition 1, Algorithm 1 and Figure 3.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_positive_finite, check_N
from ..bounds import prop1_infimum
from ..certificate import beta_bound
from ..effective import keep_count

__all__ = ["beta_accuracy", "relation", "substitution_excess", "trend"]


def _tol(tol) -> float:
    t = float(tol)
    if not np.isfinite(t) or t < 0:
        raise ValueError(f"`tol` must be a finite number >= 0, got {tol!r}")
    return t


def relation(a, b, tol=1e-12) -> str:
    """Where the curve `a` lies relative to `b` (same abscissae), up to `tol`.

    Returns
    -------
    str
        ``"equal"`` if ``|a - b| <= tol`` everywhere; ``"above"`` if ``a >= b - tol``
        everywhere (and ``a > b + tol`` somewhere); ``"below"`` symmetrically;
        ``"crosses"`` otherwise.

    Examples
    --------
    >>> relation([1, 2, 3], [1, 1, 1]), relation([0, 1], [0, 1]), relation([0, 2], [1, 1])
    ('above', 'equal', 'crosses')
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if x.shape != y.shape or x.size == 0:
        raise ValueError("`a` and `b` must be non-empty and of the same shape")
    t = _tol(tol)
    d = x - y
    if np.all(np.abs(d) <= t):
        return "equal"
    if np.all(d >= -t):
        return "above"
    if np.all(d <= t):
        return "below"
    return "crosses"


def trend(values, tol=0.0) -> str:
    """The shape of a sequence, up to `tol`.

    Returns
    -------
    str
        ``"flat"`` if all values lie within `tol` of each other; else ``"rises"`` if
        no step falls by more than `tol`, ``"falls"`` if no step rises by more than
        `tol`, and ``"mixed"`` otherwise.

    Examples
    --------
    >>> trend([1, 2, 2, 3]), trend([3, 2.9, 3], tol=0.2), trend([1, 3, 2])
    ('rises', 'flat', 'mixed')
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or v.size == 0:
        raise ValueError("`values` must be a non-empty 1-D sequence")
    t = _tol(tol)
    if np.ptp(v) <= t:
        return "flat"
    d = np.diff(v)
    if np.all(d >= -t):
        return "rises"
    if np.all(d <= t):
        return "falls"
    return "mixed"


def substitution_excess(beta, N) -> tuple[np.ndarray, np.ndarray]:
    r"""Eq. 14 with :math:`\nu := k` minus the exact guarantee, at every :math:`N_{\mathrm{eff}} = 1, \dots, N`.

    .. math::

        \mathrm{prop1\_infimum}(k, N) - m_k(N_{\mathrm{eff}}, N),\qquad
        k = \mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N).

    Positive where substituting :math:`k` into Proposition 1 overstates the kept
    mass guaranteed by :func:`~emp_theory.certificate.beta_bound`. Costs :math:`N`
    exact minimizations (about 0.1 s for :math:`N = 1000`).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        :math:`N_{\mathrm{eff}} = 1, \dots, N` and the excess at each.

    Examples
    --------
    >>> x, d = substitution_excess(0.5, 1000)
    >>> round(float(d.max()), 6), int(x[d.argmax()])
    (0.25, 3)
    """
    b = as_positive_finite(beta, "beta")
    n = check_N(N)
    x = np.arange(1, n + 1)
    k = np.array([keep_count(beta=b, n_eff=int(v), N=n) for v in x])
    return x, np.asarray(prop1_infimum(k, n), dtype=float) - np.asarray(beta_bound(b, x, n))


def beta_accuracy(profile, tol) -> dict:
    r"""What a Figure 3 curve (accuracy against :math:`\beta`) shows, up to `tol`.

    Parameters
    ----------
    profile : list of dict
        :func:`emp_theory.experiments.audit.beta_profile` of one model, criterion and
        scope (keys ``beta``, ``acc``, ``dense_acc``, ``no_pruning``), with
        :math:`\beta = 1` among its values.
    tol : float
        Differences up to `tol` count as equal (e.g. one test image, ``1 / n_test``).

    Returns
    -------
    dict
        ``falls_below_one`` -- the accuracy at the smallest :math:`\beta` is below the
        one at :math:`\beta = 1` by more than `tol`; ``drop_below_one`` -- that
        difference; ``above_one`` -- :func:`trend` of the accuracies at
        :math:`\beta \ge 1`; ``flat_above_one`` -- whether they all lie within `tol`
        of the :math:`\beta = 1` value; ``rise_above_one`` -- the largest accuracy at
        :math:`\beta > 1` minus the one at :math:`\beta = 1`; ``ends_dense`` -- the
        largest :math:`\beta` prunes nothing (:math:`k` clipped at :math:`N`) and its
        accuracy is the dense one (to `tol`).

    Examples
    --------
    >>> prof = [{"beta": b, "acc": a, "dense_acc": 0.9, "no_pruning": b == 2}
    ...         for b, a in [(0.5, 0.6), (1.0, 0.85), (1.5, 0.89), (2.0, 0.9)]]
    >>> c = beta_accuracy(prof, tol=0.005)
    >>> c["falls_below_one"], c["above_one"], c["flat_above_one"], c["ends_dense"]
    (True, 'rises', False, True)
    """
    t = _tol(tol)
    rows = sorted(profile, key=lambda p: p["beta"])
    at_one = [p for p in rows if abs(p["beta"] - 1.0) <= 1e-12]
    if len(at_one) != 1:
        raise ValueError("`profile` must contain beta = 1 exactly once")
    a1 = float(at_one[0]["acc"])
    below = [float(p["acc"]) for p in rows if p["beta"] < 1.0 - 1e-12]
    above = [float(p["acc"]) for p in rows if p["beta"] > 1.0 + 1e-12]
    if not below or not above:
        raise ValueError("`profile` must have values of beta below and above 1")
    last = rows[-1]
    return {
        "falls_below_one": a1 - below[0] > t,
        "drop_below_one": a1 - below[0],
        "above_one": trend([a1, *above], t),
        "flat_above_one": bool(all(abs(a - a1) <= t for a in above)),
        "rise_above_one": max(above) - a1,
        "ends_dense": bool(last["no_pruning"]) and abs(last["acc"] - last["dense_acc"]) <= t,
    }
