r"""What EMP decided: one :class:`EMPRecord` per ``compute_mask`` call, and a registry of them.

Symbols (paper, arXiv:2509.25606): ``N`` is the number of candidate entries (the
length of the score vector :math:`s`), ``n_eff`` is :math:`N_{\mathrm{eff}}`
(eq. 2), ``beta`` is :math:`\beta`, ``k`` is the number of KEPT entries
:math:`\mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)` (Algorithm 1,
line 3), ``s_eff`` is the effective mass :math:`s_{\mathrm{eff}}` (eq. 5) and
``bound`` the Theorem 2 lower bound on it (eq. 15).

The registry maps ``(module, parameter name)`` to the records of the EMP calls
that pruned it (weakly keyed by the module, so pruned models can be freed); the
method classes (:mod:`emp_theory.pruning.torch_method`) and the functional
wrappers (:mod:`emp_theory.pruning.functional`) fill it, :func:`emp_records`
reads it back.
"""

from __future__ import annotations

import weakref
from dataclasses import asdict, dataclass

__all__ = ["EMPRecord", "clear_emp_records", "emp_records", "register_records"]


@dataclass(frozen=True)
class EMPRecord:
    """What one EMP ``compute_mask`` call decided for one score vector.

    Attributes
    ----------
    tensor : str
        Parameter name (``"weight"``), ``"global"`` for a pooled call, or
        ``"weight[r]"`` for row ``r`` of a row-wise call.
    scope : str
        ``"tensor"``, ``"global"`` or ``"row"``.
    N : int
        Number of candidate (still unpruned) entries.
    n_eff : int or None
        :math:`N_{\\mathrm{eff}}` of the candidates' scores (None if they were all zero).
    beta : float
    k : int
        Entries kept, :math:`\\mathrm{clip}(\\lfloor\\beta N_{\\mathrm{eff}}\\rfloor, 1, N)`.
    s_eff : float or None
        Effective mass of the candidates (eq. 5).
    kept_mass : float or None
        :math:`\\sum` of the ``k`` largest :math:`\\omega_i` (the mass actually kept).
    bound : float or None
        Theorem 2 lower bound on :math:`s_{\\mathrm{eff}}` (``theorem2_bound(n_eff, N)``;
        1 when ``N == 1``).
    saturated : bool
        ``k == N`` because :math:`\\beta N_{\\mathrm{eff}} \\ge N` was clipped at ``N``:
        nothing pruned (False for an all-zero record).
    all_zero : bool
        The candidates' scores were all zero and ``on_all_zero="keep"`` left them unpruned.

    Examples
    --------
    >>> rec = EMPRecord("weight", "tensor", N=4, n_eff=2, beta=1.0, k=2, s_eff=0.98,
    ...                 kept_mass=0.98, bound=0.5, saturated=False)
    >>> rec.ratio, rec.pruned
    (0.5, 2)
    """

    tensor: str
    scope: str
    N: int
    n_eff: int | None
    beta: float
    k: int
    s_eff: float | None
    kept_mass: float | None
    bound: float | None
    saturated: bool
    all_zero: bool = False

    @property
    def ratio(self) -> float | None:
        """:math:`N_{\\mathrm{eff}}/N` (None for an all-zero record)."""
        return None if self.n_eff is None else self.n_eff / self.N

    @property
    def pruned(self) -> int:
        """Entries this call zeroed: ``N - k``."""
        return self.N - self.k

    def as_dict(self) -> dict:
        d = asdict(self)
        d["ratio"] = self.ratio
        return d


# (module -> {parameter name -> [records]}), weak so pruned models can be freed
_REGISTRY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def register_records(module, name: str, records) -> None:
    """Append `records` to those registered under ``(module, name)``."""
    per_module = _REGISTRY.setdefault(module, {})
    per_module.setdefault(name, []).extend(records)


def emp_records(module, name: str) -> list[EMPRecord]:
    """All :class:`EMPRecord` s of EMP calls on ``module.<name>``, oldest first.

    A :func:`~emp_theory.pruning.functional.global_emp_unstructured` call registers
    its (single, pooled) record under every parameter it pruned; a row-wise call
    registers one record per row.
    """
    return list(_REGISTRY.get(module, {}).get(name, []))


def clear_emp_records(module=None) -> None:
    """Forget the recorded EMP calls of `module` (of every module if None)."""
    if module is None:
        _REGISTRY.clear()
    else:
        _REGISTRY.pop(module, None)
