r"""Streaming EMP over sharded ``.safetensors`` checkpoints larger than memory.

Algorithm 1 of the paper needs two global quantities of a score vector
:math:`s \in \mathbb{R}^N`: the effective number (Algorithm 1, line 2, with the
weights :math:`\omega_i = |s_i| / \sum_j |s_j|` of eq. 2)

.. math::

    N_{\mathrm{eff}} = \Big\lfloor \frac{1}{\sum_i \omega_i^2} \Big\rfloor
                     = \Big\lfloor \frac{(\sum_i a_i)^2}{\sum_i a_i^2} \Big\rfloor,
    \qquad a_i = \frac{|s_i|}{\max_j |s_j|},

and the :math:`k`-th largest magnitude, :math:`k = \mathrm{clip}(\lfloor \beta
N_{\mathrm{eff}} \rfloor, 1, N)` the number of kept entries (Algorithm 1, line 3,
rounded as in :func:`emp_theory.effective.keep_count`). For a checkpoint of tens of
GB neither the scores nor a sort of them fit in memory. :func:`.prune_safetensors`
computes both exactly by streaming over the shards with magnitude scores
:math:`s = w` (the weights themselves), in two passes for 8- and 16-bit floats
(the common bf16/fp16 checkpoint; ``stats="exact"``, the default):

1. **histogram pass** -- every magnitude's bit pattern is counted (:math:`2^{15}` bins
   for 16-bit floats); the histogram gives :math:`N_{\mathrm{eff}}` in exact integer
   arithmetic (the shared decision :func:`!emp_theory._kernels.n_eff_from_sums`), then
   :math:`k` (:func:`!emp_theory._kernels.beta_keep`) and the :math:`k`-th largest
   magnitude, counted from the top;
2. **write pass** -- every entry above the threshold is kept, and of the entries
   equal to it the first ones in the global order, so exactly :math:`k` entries are
   kept with the ties broken as in :func:`emp_theory.effective.emp_mask` (lowest
   flat index of the concatenation first).

With ``stats="core"``, and for 32- and 64-bit floats, the first pass is replaced by a
**max pass** (:math:`m = \max_i |w_i|`), a **statistics pass** (:math:`\sum_i a_i` and
:math:`\sum_i a_i^2` in float64 in the core's chunks, operations and order, so the sums
are bit-for-bit the in-memory ones, with a histogram of the top 16 bits of every
magnitude's bit pattern) and, for 32- and 64-bit floats, **refinement passes** that
find the :math:`k`-th largest magnitude digit by digit from 65536-bin histograms.
Both modes give the same :math:`N_{\mathrm{eff}}`, :math:`k`, threshold and masks
(the floor of the exact ratio).

Which tensors
    By default the linear and convolution weights (floating, ``ndim >= 2``, named
    ``*.weight``, not embeddings, norms, the pooler or ``lm_head``), adjustable with
    ``include``/``exclude`` globs (:mod:`~emp_theory.streaming.rule`); the report and
    the command print the decision and its reason for every tensor.

The package, one idea per module:

=========================================  =============================================
:mod:`~emp_theory.streaming.headers`       safetensors headers, checks of malformed
                                           files (unknown dtypes included)
:mod:`~emp_theory.streaming.folder`        the checkpoint folder: the shards of the
                                           index, untrusted names, the other files
                                           (:func:`.shard_tensors`)
:mod:`~emp_theory.streaming.rule`          which tensors are pruned, and why
:mod:`~emp_theory.streaming.keys`          magnitude bit-pattern keys and their values
:mod:`~emp_theory.streaming.reader`        positioned reads of pieces into per-thread
                                           buffers, on the core's thread pool
:mod:`~emp_theory.streaming.group`         one score vector: a group of tensors
:mod:`~emp_theory.streaming.passes`        passes 1-3: N_eff, k and the exact threshold
:mod:`~emp_theory.streaming.exact`         exact N_eff arithmetic (``stats="exact"``,
                                           and the exact fallback of the core's sums)
:mod:`~emp_theory.streaming.writer`        pass 4: masked writing, byte copy, the
                                           ``O_DIRECT`` writer with buffered fallback
:mod:`~emp_theory.streaming.publish`       the output: lock, partial folder, one
                                           rename, leftovers of killed runs, space
:mod:`~emp_theory.streaming.report`        the JSON report and its per-tensor table
:mod:`~emp_theory.streaming.driver`        :func:`.prune_safetensors`,
                                           :func:`.magnitude_histogram`
=========================================  =============================================

Memory
    Pieces of :math:`2^{20}` entries are read into per-thread buffers, so memory is
    ``O(bins + threads x chunk)`` whatever the shard size; output shards are written
    around the page cache where the OS allows it into a partial folder, published
    whole by one rename.

Paper symbols: ``N`` = :math:`N` (entries of the score vector), ``n_eff`` =
:math:`N_{\mathrm{eff}}`, ``k`` = the kept count :math:`k`, ``beta`` = :math:`\beta`.

``torch`` and ``safetensors`` are imported inside the functions that need them;
importing this package needs only NumPy.

Examples
--------
>>> from emp_theory.streaming import REPORT_NAME
>>> REPORT_NAME
'emp_report.json'

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning",
       arXiv:2509.25606, eq. (2) and Algorithm 1.
.. [2] D. E. Knuth, *The Art of Computer Programming*, vol. 3, Section 5.2.5
       (radix sorting/selection on digit histograms).
.. [3] safetensors file format, https://github.com/huggingface/safetensors
       (8-byte little-endian header length, JSON header, contiguous byte buffer).
"""

from .driver import REPORT_NAME, magnitude_histogram, prune_safetensors
from .folder import shard_tensors
from .rule import DEFAULT_EXCLUDE, PruneRule

__all__ = [
    "DEFAULT_EXCLUDE",
    "REPORT_NAME",
    "PruneRule",
    "magnitude_histogram",
    "prune_safetensors",
    "shard_tensors",
]
