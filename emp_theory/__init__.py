"""emp_theory: the theory and practice of Effective Model Pruning (EMP).

The public API of the theory core is re-exported here; the PyTorch pruning path
lives in :mod:`emp_theory.pruning` and imports torch on its own.
"""

from .bounds import (
    distance_bound,
    eq17_loss_bound,
    eq18_loss_bound,
    lemma1_rho_max,
    normalized_loss_bound,
    p_nu,
    prop1_infimum,
    theorem2_approx,
    theorem2_bound,
    trivial_bound,
)
from .certificate import Certificate, beta_bound, exact_infimum, exact_infimum_point
from .effective import (
    EMPSummary,
    emp_mask,
    emp_summary,
    keep_count,
    n_eff,
    nu_from_n_eff,
    s_eff,
    top_mass,
    topk_mask,
    weights,
)
from .simplex import (
    barycenter,
    from_barycentric,
    in_ordered_simplex,
    in_shell,
    plane_basis,
    plane_coords,
    radius,
    shell_index,
    to_barycentric,
    vertices,
    zeta,
)

__version__ = "0.1.0"

__all__ = [
    "Certificate",
    "EMPSummary",
    "barycenter",
    "beta_bound",
    "distance_bound",
    "emp_mask",
    "emp_summary",
    "eq17_loss_bound",
    "eq18_loss_bound",
    "exact_infimum",
    "exact_infimum_point",
    "from_barycentric",
    "in_ordered_simplex",
    "in_shell",
    "keep_count",
    "lemma1_rho_max",
    "n_eff",
    "normalized_loss_bound",
    "nu_from_n_eff",
    "p_nu",
    "plane_basis",
    "plane_coords",
    "prop1_infimum",
    "radius",
    "s_eff",
    "shell_index",
    "theorem2_approx",
    "theorem2_bound",
    "to_barycentric",
    "top_mass",
    "topk_mask",
    "trivial_bound",
    "vertices",
    "weights",
    "zeta",
]
