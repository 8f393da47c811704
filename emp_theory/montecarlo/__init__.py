r"""Monte Carlo sampling of the ordered simplex and an empirical check of Proposition 1.

The ordered simplex :math:`\tilde\Delta = \{\omega\in\Delta : \omega_1\ge\dots\ge\omega_N\}`
(eq. 4) is itself a simplex, with vertices :math:`\zeta_{[1]}, \dots, \zeta_{[N]}`
(eq. 10), and :func:`emp_theory.simplex.from_barycentric` maps barycentric
coordinates :math:`\lambda` (rows of the standard simplex) to
:math:`\omega_i = \sum_{j\ge i}\lambda_j/j`. Because the map is affine,

* **uniform** points of :math:`\tilde\Delta` are images of Dirichlet(1, ..., 1)
  coordinates, :math:`\lambda = E/\sum_j E_j` with i.i.d. standard exponentials
  :math:`E_j` — no sorting. (This is Rényi's representation of the order
  statistics of exponentials: the result has the law of the decreasingly sorted
  Dirichlet(1) vector, the textbook method, which the tests compare against.)
* **targeted** points concentrate where the infimum of Proposition 1 is
  approached: along the edge :math:`[\zeta_{[1]}, \zeta_{[k]}]` through the
  minimizer (:math:`k = N` for :math:`\nu\ge2`, where the minimizer is
  :math:`p_\nu`; :math:`k = 2` for :math:`\nu = 1`, where it is
  :math:`\zeta_{[2]}`), at :math:`\omega = a\,\zeta_{[1]} + (1-a)\,\zeta_{[k]}`
  with :math:`a` just above the value :math:`a_\nu` where the edge crosses the
  inner sphere :math:`\|\omega\|^2 = 1/(\nu+1)` (for :math:`\nu\ge2`,
  :math:`a_\nu = r_{\nu+1}/r_1`), plus small random perturbations of the
  barycentric coordinates. Naive uniform sampling does not get near the
  infimum for :math:`N \gtrsim 20`: the uniform measure of a neighbourhood of
  an edge vanishes quickly with :math:`N`.
* **edge** points use Dirichlet(:math:`\alpha`) coordinates with
  :math:`\alpha \ll 1`, which concentrate near the low-dimensional faces
  (vertices and edges) of :math:`\tilde\Delta`.

Every sample is a point of :math:`\tilde\Delta`: non-negative barycentric
coordinates map to a non-increasing, non-negative vector (adding non-negative
numbers is monotone in floating point too) whose coordinates sum to 1 up to
rounding.

:func:`.run` classifies each sample into its shell :math:`A_\nu`, with
:math:`\nu = \lfloor\|\omega\|^{-2}\rfloor` (eqs. 7-8,
:func:`emp_theory.simplex.shell_index`), records its kept mass
:math:`\varphi_\nu(\omega) = \sum_{i\le\nu}\omega_i` (eq. 9) and compares the
smallest kept mass found in each shell with
:func:`emp_theory.bounds.prop1_infimum` (eq. 14). One sample set covers every
shell at once; memory is bounded by the chunk size.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Section 4.1 (eqs. 4, 7-10) and Proposition 1 (eq. 14).
.. [2] A. Rényi, "On the theory of order statistics", Acta Math. Acad. Sci.
       Hungar. 4 (1953) 191-231.
.. [3] L. Devroye, *Non-Uniform Random Variate Generation*, Springer 1986,
       Ch. V (uniform spacings and the Dirichlet distribution).
"""

from __future__ import annotations

from .samplers import METHODS, sample_edges, sample_targeted, sample_uniform
from .shells import ShellReport, run, summary_table

__all__ = [
    "METHODS",
    "ShellReport",
    "run",
    "sample_edges",
    "sample_targeted",
    "sample_uniform",
    "summary_table",
]
