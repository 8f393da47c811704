r"""The rows of a :math:`\beta`-sweep and their JSON round trip: :class:`SweepRow`, :class:`SweepResult`.

One :class:`SweepRow` is one pruned copy of the dense model: EMP at one
(criterion, scope, ``beta`` = :math:`\beta`) (``kind="emp"``) or a fixed-amount
baseline pruned by torch's own methods (``kind="fixed"``, Table 9 of the paper).
``N`` is the number of prunable weights, ``kept`` the number left by the masks,
``sparsity`` :math:`1 - \mathrm{kept}/N`; ``layers`` holds each layer's
:meth:`~emp_theory.pruning.report.LayerStat.as_dict` (its ``k`` is the layer's
kept count :math:`\mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor, 1, N)` in the
block scope) and ``global_stats`` the pooled
:meth:`~emp_theory.pruning.records.EMPRecord.as_dict` in the global scope.
:class:`SweepResult` holds all rows of one model and dataset with the dense model's
numbers; :meth:`SweepResult.as_dict` / :meth:`SweepResult.from_dict` are the JSON
form written by :func:`~emp_theory.pruning.sweep.cached_sweep`.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Tables 4 and 9.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

__all__ = ["SweepResult", "SweepRow"]


@dataclass
class SweepRow:
    """One pruned model: EMP at one (criterion, scope, beta), or a fixed-amount baseline."""

    model: str
    dataset: str
    criterion: str
    scope: str
    kind: str  # "emp" or "fixed"
    beta: float | None
    scheme: str
    dense_acc: float
    acc: float
    loss: float
    sparsity: float
    N: int
    kept: int
    no_pruning: bool
    n_groups: int
    n_saturated: int
    bound_holds: bool | None
    global_stats: dict | None
    layers: list[dict]
    note: str = ""
    mask_diff: int | None = None

    @property
    def delta(self) -> float:
        return self.acc - self.dense_acc

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["delta"] = self.delta
        return d


@dataclass
class SweepResult:
    """All rows of one sweep, plus the dense model's numbers and the settings."""

    model: str
    dataset: str
    dense_acc: float
    dense_loss: float
    train_info: dict
    settings: dict
    rows: list[SweepRow] = field(default_factory=list)

    def emp_rows(self):
        return [r for r in self.rows if r.kind == "emp"]

    def fixed_rows(self):
        return [r for r in self.rows if r.kind == "fixed"]

    def as_dict(self) -> dict:
        return {
            "model": self.model,
            "dataset": self.dataset,
            "dense_acc": self.dense_acc,
            "dense_loss": self.dense_loss,
            "train_info": self.train_info,
            "settings": self.settings,
            "rows": [r.as_dict() for r in self.rows],
        }

    def to_json(self, **kw) -> str:
        return json.dumps(self.as_dict(), **kw)

    @classmethod
    def from_dict(cls, d: dict) -> SweepResult:
        """Rebuild a result from :meth:`as_dict` (e.g. read back from JSON)."""
        fields = set(SweepRow.__dataclass_fields__)
        rows = [SweepRow(**{k: v for k, v in r.items() if k in fields}) for r in d["rows"]]
        return cls(
            model=d["model"],
            dataset=d["dataset"],
            dense_acc=d["dense_acc"],
            dense_loss=d["dense_loss"],
            train_info=d["train_info"],
            settings=d["settings"],
            rows=rows,
        )
