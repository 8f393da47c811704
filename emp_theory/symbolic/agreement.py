r"""Check 10: agreement of the SymPy closed forms with the numeric library :mod:`emp_theory.bounds`.

One idea, :func:`check_library_agreement`: the expressions of
:mod:`emp_theory.symbolic.formulas` (and eq. 18 as composed in
:func:`~emp_theory.symbolic.loss.check_eq18`) are turned into NumPy functions with
``sympy.lambdify`` and compared with ``emp_theory.bounds`` on a grid.

Paper symbols: ``N`` is the length, ``nu`` the paper's :math:`\nu`, the shell index of
Proposition 1; ``n`` in ``theorem2_bound``/``theorem2_approx`` is
:math:`N_{\mathrm{eff}}`; ``rho`` is :math:`\rho = N_{\mathrm{eff}}/N`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       eqs. (1), (14), (15), (17), (18).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .. import bounds
from .formulas import (
    appendix_a_p_nu,
    distance_rhs,
    eq14,
    eq15_approx,
    eq15_exact,
    eq17_rhs,
    lemma1_rhs,
)
from .record import CheckResult, Evidence

__all__ = ["LIBRARY_FUNCTIONS", "check_library_agreement"]

#: The functions of :mod:`emp_theory.bounds` that are compared (keys of ``library=``).
LIBRARY_FUNCTIONS = (
    "prop1_infimum",
    "p_nu",
    "theorem2_bound",
    "theorem2_approx",
    "normalized_loss_bound",
    "lemma1_rho_max",
    "eq17_loss_bound",
    "distance_bound",
    "eq18_loss_bound",
)


def check_library_agreement(library: dict | None = None, rtol: float = 1e-12) -> CheckResult:
    r"""Check 10: :mod:`emp_theory.bounds` computes the formulas checked by checks 1-8.

    The SymPy expressions of this module (eq. 14, the coordinates of
    :math:`p_\nu`, eq. 15 exact and approximate, eq. 1, eq. 17, the distance
    bound, and eq. 18 as *composed* in :func:`~emp_theory.symbolic.loss.check_eq18`) are turned into NumPy
    functions with ``sympy.lambdify`` and compared with the library on a grid of
    :math:`(N, \nu)` (all :math:`\nu` for :math:`N \le 12` and :math:`N = 200`;
    a spread for :math:`N = 10^3, 10^6`) and of :math:`\rho`, to relative
    tolerance `rtol`.

    Parameters
    ----------
    library : dict, optional
        Replace library functions by name (e.g. ``{"prop1_infimum": f}``); used to
        show that a drifting implementation is caught.
    rtol : float
        Relative tolerance (absolute floor ``1e-15``).

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, eqs. (1), (14), (15), (17), (18).
    """
    lib = {name: getattr(bounds, name) for name in LIBRARY_FUNCTIONS}
    if library:
        unknown = set(library) - set(lib)
        if unknown:
            raise ValueError(
                f"`library` has unknown keys {sorted(unknown)}; allowed: {sorted(lib)}"
            )
        lib.update(library)
    ev = Evidence("floating-point grid comparison(s)")
    Nn, nu, k, rho, eps, D, T, L, x = sp.symbols("N nu k rho epsilon D T L x", positive=True)
    f14 = sp.lambdify((Nn, nu), eq14(Nn, nu), "numpy")
    p1_expr, q_expr = appendix_a_p_nu(Nn, nu)
    f_p1 = sp.lambdify((Nn, nu), p1_expr, "numpy")
    f_q = sp.lambdify((Nn, nu), q_expr, "numpy")
    f15 = sp.lambdify((Nn, k), 1 - eq15_exact(Nn, k), "numpy")
    f15a = sp.lambdify((Nn, k), 1 - eq15_approx(Nn, k), "numpy")
    f1 = sp.lambdify((eps, Nn, D, T), lemma1_rhs(eps, Nn, D, T), "numpy")
    f17 = sp.lambdify((rho, Nn, D, T), eq17_rhs(rho, Nn, D, T), "numpy")
    fdist = sp.lambdify((L, x, Nn, k), distance_rhs(L, x, Nn, k), "numpy")
    # eq. 18 as composed from eq. 17, the distance bound and eq. 15 (check 8)
    comp = {
        ex: eq17_rhs(rho, Nn, distance_rhs(L, form(Nn, rho * Nn), Nn, rho * Nn), T)
        for ex, form in ((False, eq15_approx), (True, eq15_exact))
    }
    f18 = {ex: sp.lambdify((rho, Nn, L, T), e, "numpy") for ex, e in comp.items()}

    def close(got, want) -> bool:
        got, want = np.asarray(got, float), np.asarray(want, float)
        return got.shape == want.shape and np.allclose(got, want, rtol=rtol, atol=1e-15)

    sizes = [*range(3, 13), 200, 1000, 10**6]
    for n in sizes:
        nus = (
            np.arange(1, n + 1)
            if n <= 200
            else np.unique(np.r_[1, 2, 3, n // 7, n // 2, n - 2, n - 1, n])
        )
        interior = nus[(nus >= 2) & (nus <= n - 1)]
        want = np.where(nus == 1, 0.5, np.where(nus == n, 1.0, 0.0))
        mid = (nus >= 2) & (nus <= n - 1)
        want[mid] = f14(float(n), interior.astype(float))
        ev.grid(f"prop1_infimum, N = {n}", close(lib["prop1_infimum"](nus, n), want))
        ev.grid(
            f"theorem2_bound, N = {n}",
            close(lib["theorem2_bound"](interior, n), f15(float(n), interior.astype(float))),
        )
        ks = np.linspace(1.0, float(n), 9)
        ev.grid(
            f"theorem2_approx, N = {n}", close(lib["theorem2_approx"](ks, n), f15a(float(n), ks))
        )
        for v in interior[:: max(1, interior.size // 6)]:
            pv = np.full(n, f_q(float(n), float(v)))
            pv[0] = f_p1(float(n), float(v))
            ev.grid(f"p_nu({v}, {n})", close(lib["p_nu"](int(v), n), pv))
    # boundary points of p_nu: zeta_[2] and zeta_[N]
    ev.grid("p_nu(1, N) = zeta_[2]", close(lib["p_nu"](1, 7), [0.5, 0.5, 0, 0, 0, 0, 0]))
    ev.grid("p_nu(N, N) = zeta_[N]", close(lib["p_nu"](7, 7), np.full(7, 1 / 7)))

    rhos = np.array([0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999])
    for n in (10, 1000, 10**6):
        # rho in [1/N, 1 - 1/N]: the radicand of the exact form is >= 0 there
        r = rhos[(rhos >= 1.0 / n) & (rhos <= 1.0 - 1.0 / n)]
        for ex in (False, True):
            ev.grid(
                f"normalized_loss_bound(exact={ex}), N = {n}",
                close(lib["normalized_loss_bound"](r, n, exact=ex), f18[ex](r, float(n), 1.0, 1.0)),
            )
            ev.grid(
                f"eq18_loss_bound(exact={ex}), N = {n}",
                close(
                    lib["eq18_loss_bound"](r, n, 2.5, 3.0, exact=ex), f18[ex](r, float(n), 2.5, 3.0)
                ),
            )
        ev.grid(
            f"eq17_loss_bound, N = {n}",
            close(lib["eq17_loss_bound"](r, n, 0.7, 3.0), f17(r, float(n), 0.7, 3.0)),
        )
    epss = np.array([0.0, 1e-3, 0.1, 1.0, 10.0])
    ev.grid(
        "lemma1_rho_max",
        close(lib["lemma1_rho_max"](epss, 1000, 0.7, 3.0), f1(epss, 1000.0, 0.7, 3.0)),
    )
    for ex in (False, True):  # rho = 1: nothing is pruned, the bound is 0
        ev.grid(
            f"normalized_loss_bound(1, N, exact={ex}) = 0",
            lib["normalized_loss_bound"](1.0, 50, exact=ex) == 0.0,
        )
    ses = np.array([0.2, 0.5, 0.9, 1.0])
    ev.grid(
        "distance_bound",
        close(lib["distance_bound"](2.0, ses, 30.0, 100), fdist(2.0, 1.0 - ses, 100.0, 30.0)),
    )
    return ev.result(
        "library_agreement",
        "emp_theory.bounds (prop1_infimum, p_nu, theorem2_bound, theorem2_approx, lemma1_rho_max, "
        "eq17_loss_bound, distance_bound, normalized_loss_bound, eq18_loss_bound) evaluates the "
        "SymPy expressions (lambdify) on a grid",
        r"\texttt{bounds.f}(x) = \texttt{lambdify}(\text{SymPy expression})(x)\ \text{on a grid}",
        f"relative tolerance {rtol:g}",
    )
