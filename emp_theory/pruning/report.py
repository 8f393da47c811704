r"""What pruning a model did, per layer: :class:`LayerStat`, :class:`PruneResult` and its tables.

Columns of the per-layer table (``print(result)``, :meth:`PruneResult.to_markdown`,
:meth:`PruneResult.to_pandas`): ``name`` (the fully qualified parameter name),
``shape``, ``N`` (entries), ``N_eff`` (:math:`N_{\mathrm{eff}}` of the layer's own
scores, eq. 2), ``kept`` (ones of the mask), ``sparsity`` (:math:`1 - \mathrm{kept}/N`),
``s_eff`` (effective mass of the layer's own scores, eq. 5), ``Thm 2 bound`` (the
lower bound on it, eq. 15) and ``margin`` (:math:`s_{\mathrm{eff}} - \text{bound}`,
Theorem 2 says it is :math:`\ge 0`). In the ``"row"`` scope ``s_eff`` and the bound are
means over the rows and ``margin`` is the smallest row margin; the ``"structured"``
scope reports EMP over the slice norms (``N_eff`` counts slices). ``beta`` is
:math:`\beta`, ``k`` the kept count :math:`\mathrm{clip}(\lfloor\beta N_{\mathrm{eff}}\rfloor,
1, N)` (Algorithm 1, line 3).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .records import EMPRecord

__all__ = ["LayerStat", "PruneResult"]

_COLUMNS = ("name", "shape", "N", "N_eff", "kept", "sparsity", "s_eff", "Thm 2 bound", "margin")


@dataclass
class LayerStat:
    """One pruned tensor after pruning.

    ``n_eff``/``ratio``/``s_eff``/``bound`` are those of the layer's own scores
    (what block-scope EMP sees, whatever the scope used); ``kept`` is counted from
    the mask (in an integer dtype); ``k`` is the layer's EMP kept count in the block
    scope (None otherwise). For the row scope ``rows`` holds the number of rows,
    ``ratio``, ``s_eff`` and ``bound`` the means over the rows of
    :math:`N_{\\mathrm{eff}}/N`, :math:`s_{\\mathrm{eff}}` and the Theorem 2 bound,
    ``n_eff`` is None, ``k`` the layer's total kept count, and ``min_margin`` the
    smallest :math:`s_{\\mathrm{eff}} - \\text{bound}` over rows. For the structured
    scope the statistics are those of EMP over the slice norms and ``rows`` is the
    number of slices.
    """

    name: str
    N: int
    kept: int
    n_eff: int | None
    ratio: float | None
    s_eff: float | None
    bound: float | None
    k: int | None
    saturated: bool
    rows: int | None = None
    min_margin: float | None = None
    all_zero: int = 0
    shape: tuple = ()

    @property
    def kept_fraction(self) -> float:
        return self.kept / self.N

    @property
    def sparsity(self) -> float:
        """:math:`1 - \\mathrm{kept}/N`."""
        return 1.0 - self.kept / self.N

    @property
    def margin(self) -> float | None:
        """:math:`s_{\\mathrm{eff}} - \\text{bound}` (the smallest over rows in the row scope)."""
        return self.min_margin

    def as_dict(self) -> dict:
        d = asdict(self)
        d["shape"] = list(self.shape)
        d["kept_fraction"] = self.kept_fraction
        d["sparsity"] = self.sparsity
        return d


def _f(v, fmt: str) -> str:
    return "-" if v is None else format(v, fmt)


def _md_cell(text) -> str:
    """One Markdown table cell: line breaks to spaces, ``|`` escaped (as viz._render does)."""
    return " ".join(str(text).splitlines()).replace("|", "\\|")


@dataclass
class PruneResult:
    """What pruning a model did: per-layer statistics and totals.

    ``print(result)`` shows the per-layer table; :meth:`to_markdown`, :meth:`to_dict`
    and :meth:`to_pandas` export it.
    """

    scope: str
    beta: float | None
    layers: list[LayerStat]
    global_record: EMPRecord | None = None
    method: str = "emp"
    amount: float | None = None
    records: list[EMPRecord] = field(default_factory=list, repr=False)
    criterion: str | None = None

    @property
    def N(self) -> int:
        return sum(layer.N for layer in self.layers)

    @property
    def kept(self) -> int:
        return sum(layer.kept for layer in self.layers)

    @property
    def sparsity(self) -> float:
        """:math:`1 - \\sum k/\\sum N` over the pruned tensors (from the masks)."""
        return 1.0 - self.kept / self.N

    @property
    def no_pruning(self) -> bool:
        """True when nothing was pruned (``k`` clipped at ``N`` everywhere)."""
        return self.kept == self.N

    @property
    def n_saturated(self) -> int:
        """Number of EMP groups (the pooled vector, layers or rows) whose ``k`` hit ``N``."""
        if self.scope == "global" and self.global_record is not None:
            return int(self.global_record.saturated)
        return sum(int(r.saturated) for r in self.records)

    @property
    def n_all_zero(self) -> int:
        """Number of EMP groups left unpruned because all their scores were zero."""
        recs = [self.global_record] if self.scope == "global" else self.records
        return sum(int(r.all_zero) for r in recs if r is not None)

    @property
    def n_groups(self) -> int:
        """Number of EMP groups (1 for global, layers for block/structured, rows for row)."""
        if self.scope == "global":
            return 1
        return len(self.records)

    def bound_holds(self) -> bool:
        """Theorem 2 (:math:`s_{\\mathrm{eff}} \\ge` bound) for every EMP group."""
        recs = [self.global_record] if self.scope == "global" else self.records
        return all(
            r.s_eff >= r.bound - 1e-12 for r in recs if r is not None and r.s_eff is not None
        )

    def as_dict(self) -> dict:
        return {
            "scope": self.scope,
            "beta": self.beta,
            "method": self.method,
            "criterion": self.criterion,
            "amount": self.amount,
            "N": self.N,
            "kept": self.kept,
            "sparsity": self.sparsity,
            "no_pruning": self.no_pruning,
            "n_groups": self.n_groups,
            "n_saturated": self.n_saturated,
            "n_all_zero": self.n_all_zero,
            "bound_holds": self.bound_holds(),
            "global": None if self.global_record is None else self.global_record.as_dict(),
            "layers": [layer.as_dict() for layer in self.layers],
        }

    def to_dict(self) -> dict:
        """:meth:`as_dict`: plain Python values (JSON-ready), one dict per layer under ``"layers"``."""
        return self.as_dict()

    # -- tables -------------------------------------------------------------
    def _title(self) -> str:
        if self.method == "emp":
            what = f"EMP, scope={self.scope}, beta={self.beta:g}"
        else:
            what = f"fixed amount {self.amount!r}, scope={self.scope}"
        if self.criterion is not None:
            what += f", criterion={self.criterion}"
        return (
            f"{what}: kept {self.kept:,} of {self.N:,} "
            f"(sparsity {100 * self.sparsity:.2f}%) in {len(self.layers)} "
            f"tensor{'s' if len(self.layers) != 1 else ''}"
        )

    def _cells(self) -> list[list[str]]:
        rows = []
        for la in self.layers:
            rows.append(
                [
                    la.name,
                    "×".join(str(d) for d in la.shape) or "-",
                    f"{la.N:,}",
                    _f(la.n_eff, ","),
                    f"{la.kept:,}",
                    f"{100 * la.sparsity:.2f}%",
                    _f(la.s_eff, ".4f"),
                    _f(la.bound, ".4f"),
                    _f(la.margin, ".4f"),
                ]
            )
        g = self.global_record
        total = ["total", "", f"{self.N:,}", "-", f"{self.kept:,}", f"{100 * self.sparsity:.2f}%"]
        if g is not None and g.n_eff is not None:
            total[3] = f"{g.n_eff:,}"
            total += [f"{g.s_eff:.4f}", f"{g.bound:.4f}", f"{g.s_eff - g.bound:.4f}"]
        else:
            total += ["-", "-", "-"]
        rows.append(total)
        return rows

    def _notes(self) -> list[str]:
        notes = []
        if self.method == "emp" and self.scope == "global":
            notes.append("N_eff, s_eff, bound per layer: the layer's own scores; total: pooled EMP")
        if self.scope == "row":
            notes.append("row scope: s_eff and bound are means over rows, margin the smallest")
        if self.scope == "structured":
            notes.append("structured scope: EMP over the slice norms (N_eff counts slices)")
        if self.n_all_zero:
            notes.append(f"{self.n_all_zero} group(s) with all-zero scores left unpruned")
        return notes

    def format_table(self) -> str:
        """The per-layer table as aligned plain text (what ``print(result)`` shows)."""
        cells = [list(_COLUMNS), *self._cells()]
        widths = [max(len(r[i]) for r in cells) for i in range(len(_COLUMNS))]
        left = {0, 1}

        def line(r):
            return "  ".join(
                c.ljust(w) if i in left else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()

        out = [self._title(), line(cells[0]), "  ".join("-" * w for w in widths)]
        out += [line(r) for r in cells[1:-1]]
        out += ["  ".join("-" * w for w in widths), line(cells[-1])]
        out += [f"({n})" for n in self._notes()]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.format_table()

    def to_markdown(self) -> str:
        """The per-layer table in Markdown (names as code, ``|`` escaped in every cell)."""
        rows = self._cells()
        body = []
        for r in rows:
            name = r[0] if r is rows[-1] else f"`{r[0]}`"
            body.append([name, *r[1:]])
        lines = [
            _md_cell(self._title()),
            "",
            "| " + " | ".join(_md_cell(c) for c in _COLUMNS) + " |",
            "|" + "|".join([":---", ":---"] + ["---:"] * (len(_COLUMNS) - 2)) + "|",
        ]
        lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in body]
        for n in self._notes():
            lines += ["", _md_cell(f"({n})")]
        return "\n".join(lines)

    def to_pandas(self):
        """One row per pruned tensor as a :class:`pandas.DataFrame` (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("PruneResult.to_pandas needs pandas: pip install pandas") from exc
        cols = [
            "name", "shape", "N", "n_eff", "kept", "sparsity", "s_eff", "bound", "margin",
            "k", "ratio", "saturated", "rows", "all_zero",
        ]  # fmt: skip
        data = []
        for la in self.layers:
            d = la.as_dict()
            d["shape"] = tuple(la.shape)
            d["margin"] = la.margin
            data.append({c: d[c] for c in cols})
        return pd.DataFrame(data, columns=cols)
