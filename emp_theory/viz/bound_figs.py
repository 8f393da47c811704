"""Moved: the figures of the bounds are split by idea into

* :mod:`emp_theory.viz.lower_bound_figs` -- Figure 2 (left), ``lower_bound_figure``,
  ``int_grid``, ``certificate_points``;
* :mod:`emp_theory.viz.beta_bound_figs` -- ``beta_bound_figure``;
* :mod:`emp_theory.viz.normalized_loss_figs` -- Figure 2 (right), ``loss_bound_figure``,
  ``rho_grid``.

This module re-exports their public names.
"""

from .beta_bound_figs import beta_bound_figure
from .lower_bound_figs import certificate_points, int_grid, lower_bound_figure
from .normalized_loss_figs import loss_bound_figure, rho_grid

__all__ = [
    "beta_bound_figure",
    "certificate_points",
    "int_grid",
    "loss_bound_figure",
    "lower_bound_figure",
    "rho_grid",
]
