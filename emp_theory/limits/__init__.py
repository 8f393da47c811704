r"""Large-:math:`N` limits of the effective number for i.i.d. scores.

Beyond the paper. If the scores :math:`s_1, \dots, s_N` are i.i.d. copies of a
random variable :math:`X` with :math:`\mathbb E[X^2] < \infty`, the definition of
:math:`N_{\mathrm{eff}}` (Algorithm 1, line 2, with eq. 2) gives

.. math::

    \frac{N_{\mathrm{eff}}}{N}
    = \frac{1}{N}\Big\lfloor \frac{(\sum_i |s_i|)^2}{\sum_i s_i^2} \Big\rfloor
    = \frac{\big(\frac1N\sum_i |s_i|\big)^2}{\frac1N\sum_i s_i^2} + O(1/N)
    \;\xrightarrow[N\to\infty]{\text{a.s.}}\;
    \frac{(\mathbb E|X|)^2}{\mathbb E[X^2]}

by the strong law of large numbers (the floor moves the ratio by less than
:math:`1/N`). The limit lies in :math:`(0, 1]` (Cauchy-Schwarz), is invariant
under :math:`X \mapsto cX`, and :math:`1 - (\mathbb E|X|)^2/\mathbb E[X^2]` is the
fraction of entries EMP prunes at :math:`\beta = 1`. If
:math:`\mathbb E[X^2] = \infty` (Cauchy, Student-t with :math:`\nu \le 2`, Pareto
with :math:`\alpha \le 2`) the sum of squares outgrows :math:`N` and
:math:`N_{\mathrm{eff}}/N \to 0`; :func:`.neff_ratio_limit` rejects these cases.

Closed forms of :math:`(\mathbb E|X|)^2/\mathbb E[X^2]` (each derived in
:func:`.neff_ratio_limit`; ``name`` and parameters in brackets):

* ``"gaussian"``: :math:`2/\pi`;
* ``"laplace"``: :math:`1/2`;
* ``"uniform"`` (``low`` :math:`= a <` ``high`` :math:`= b`):
  :math:`\frac{3(b|b|-a|a|)^2}{4(b-a)^2(a^2+ab+b^2)}`;
* ``"student_t"`` (``df`` :math:`= \nu > 2`):
  :math:`\frac{4(\nu-2)}{\pi(\nu-1)^2}
  \big(\Gamma(\frac{\nu+1}{2})/\Gamma(\frac{\nu}{2})\big)^2`;
* ``"lognormal"`` (``sigma`` :math:`> 0`): :math:`e^{-\sigma^2}`;
* ``"exponential"``: :math:`1/2`;
* ``"gamma"`` (``shape`` :math:`= k > 0`): :math:`k/(k+1)`;
* ``"pareto"`` (``alpha`` :math:`> 2`): :math:`\alpha(\alpha-2)/(\alpha-1)^2`;
* ``"cauchy"``: infinite variance, rejected.

For deterministic power-law scores :math:`s_i = i^{-a}` (:func:`.powerlaw_neff_limit`)
:math:`N_{\mathrm{eff}}` itself converges when :math:`a > 1`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning",
       arXiv:2509.25606, eq. (2) and Algorithm 1.
.. [2] L. Kish, *Survey Sampling*, Wiley (1965): the effective sample size
       :math:`(\sum w_i)^2/\sum w_i^2`.
.. [3] N. L. Johnson, S. Kotz, N. Balakrishnan, *Continuous Univariate
       Distributions*, Vols. 1-2, 2nd ed., Wiley (1994, 1995): the moments used below.
"""

from __future__ import annotations

from .families import (
    FAMILIES,
    PAPER_TABLE2_EMP_MAGNITUDE_SPARSITY,
    PAPER_TABLE5_EMP_MAGNITUDE_SPARSITY,
    Family,
    neff_ratio_limit,
    ratio_expression,
    ratio_latex,
)
from .sampling import powerlaw_neff_limit, sample_scores, sampled_neff_ratio
from .sparsity import predicted_sparsity, student_t_df_for_sparsity

__all__ = [
    "FAMILIES",
    "PAPER_TABLE2_EMP_MAGNITUDE_SPARSITY",
    "PAPER_TABLE5_EMP_MAGNITUDE_SPARSITY",
    "Family",
    "neff_ratio_limit",
    "powerlaw_neff_limit",
    "predicted_sparsity",
    "ratio_expression",
    "ratio_latex",
    "sample_scores",
    "sampled_neff_ratio",
    "student_t_df_for_sparsity",
]
