"""How the book shows things: plotly figures offline, slider steps, rounding, Markdown tables.

The one home of the rendering helpers every figure module and chapter uses.

* :func:`show` / :class:`PlotlyHTML` -- a plotly figure as an offline HTML
  fragment. plotly's default notebook renderer emits only
  ``application/vnd.plotly.v1+json``, which myst-nb drops from the built HTML;
  :func:`show` returns an object whose ``_repr_html_`` is the figure's ``<div>``
  and script *without* plotly.js or MathJax (``include_plotlyjs=False``). The book
  serves ``plotly.min.js`` from its own ``_static`` folder, so nothing is loaded
  from a CDN.
* :func:`slider`, :func:`slider_active`, :func:`distinct_Ns`,
  :data:`LEGEND_BOTTOM_RIGHT` -- the slider (one animation frame per value) and
  the checks of its values shared by the figures with an :math:`N`, :math:`\\nu`
  or :math:`\\beta` slider. ``N`` is the paper's number of scores (the length of
  the score vector).
* :func:`sig` -- rounding to significant digits before values go into a figure's
  JSON (keeps tiny values for log axes, keeps the pages small).
* :func:`markdown_table` / :class:`MarkdownTable` -- a table for a chapter from a
  header and rows of already formatted cells, with ``|`` escaped so that a cell
  such as ``eq. 17 / |ε|`` or ``$|x|$`` stays one cell.

Only NumPy is imported at module level (plotly when a figure is shown).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from .._validation import check_N

__all__ = [
    "LEGEND_BOTTOM_RIGHT",
    "MarkdownTable",
    "PlotlyHTML",
    "distinct_Ns",
    "markdown_table",
    "show",
    "sig",
    "slider",
    "slider_active",
]

_counter = itertools.count()


# ---------------------------------------------------------------------------
# Plotly figures, offline
# ---------------------------------------------------------------------------
class PlotlyHTML:
    """A plotly figure rendered as a self-contained HTML fragment (no JS library inlined)."""

    def __init__(self, fig, *, div_id: str | None = None):
        import plotly.io as pio

        self.figure = fig
        self.div_id = div_id or f"emp-fig-{next(_counter)}"
        self.html = pio.to_html(
            fig,
            include_plotlyjs=False,
            include_mathjax=False,
            full_html=False,
            div_id=self.div_id,
            config={"displaylogo": False, "responsive": True},
            auto_play=False,
        )

    def _repr_html_(self) -> str:
        return self.html


def show(fig, *, div_id: str | None = None) -> PlotlyHTML:
    """Return ``fig`` as an offline HTML fragment for notebooks and the book.

    Use as the last expression of a cell: ``show(fig)``.
    """
    return PlotlyHTML(fig, div_id=div_id)


# ---------------------------------------------------------------------------
# Sliders and plotted values
# ---------------------------------------------------------------------------
#: Legend placement of the figures whose curves rise to the top right.
LEGEND_BOTTOM_RIGHT = {
    "font": {"size": 10},
    "x": 0.99,
    "y": 0.02,
    "xanchor": "right",
    "yanchor": "bottom",
    "bgcolor": "rgba(255,255,255,0.8)",
}


def sig(a, digits: int = 6) -> np.ndarray:
    """Round to `digits` significant digits (keeps tiny values for log axes).

    Zeros, infinities and NaNs are returned unchanged.

    >>> sig([123456.789, 0.000123456789, 0.0], 3).tolist()
    [123000.0, 0.000123, 0.0]
    """
    a = np.asarray(a, dtype=float)
    out = a.copy()
    nz = np.isfinite(a) & (a != 0)
    mag = np.floor(np.log10(np.abs(a[nz])))
    scale = 10.0 ** (digits - 1 - mag)
    out[nz] = np.round(a[nz] * scale) / scale
    return out


def slider(labels, active: int, prefix: str, redraw: bool = True) -> dict:
    """A plotly slider with one step per label; each step animates to the frame named ``str(label)``.

    Parameters
    ----------
    labels : sequence
        Slider values; the figure must have one frame named ``str(label)`` per value.
    active : int
        Index (into `labels`) of the step shown first.
    prefix : str
        Text before the current value, e.g. ``"N = "``.
    redraw : bool, default True
        Redraw on each step (needed for 3-D and filled traces).

    >>> s = slider([10, 100], 1, "N = ")
    >>> [st["label"] for st in s["steps"]], s["active"], s["currentvalue"]["prefix"]
    (['10', '100'], 1, 'N = ')
    """
    steps = []
    for lab in labels:
        steps.append(
            {
                "label": str(lab),
                "method": "animate",
                "args": [
                    [str(lab)],
                    {
                        "mode": "immediate",
                        "frame": {"duration": 0, "redraw": redraw},
                        "transition": {"duration": 0},
                    },
                ],
            }
        )
    return {
        "active": active,
        "currentvalue": {"prefix": prefix, "font": {"size": 14}},
        "pad": {"t": 50},
        "steps": steps,
    }


def slider_active(active, values, name: str = "active"):
    """The element of `values` equal to `active` (to 1e-12), or the first one if `active` is None.

    >>> slider_active(None, [10, 100]), slider_active(100, [10, 100]), slider_active(0.5, [0.25, 0.5])
    (10, 100, 0.5)
    """
    if active is None:
        return values[0]
    for v in values:
        if np.isclose(float(active), float(v), rtol=0, atol=1e-12):
            return v
    raise ValueError(f"`{name}` must be one of {list(values)!r}, got {active!r}")


def distinct_Ns(Ns, name: str = "Ns", low: int = 2) -> list[int]:
    """Slider values of :math:`N`: a non-empty sequence of distinct integers ``>= low``.

    >>> distinct_Ns((10, 1000))
    [10, 1000]
    """
    if isinstance(Ns, str | bytes) or np.ndim(Ns) != 1 or len(Ns) == 0:
        raise ValueError(f"`{name}` must be a non-empty sequence of integers")
    out = [check_N(v, name) for v in Ns]
    if any(v < low for v in out):
        raise ValueError(f"`{name}` must be integers >= {low}, got {list(Ns)!r}")
    if len(set(out)) != len(out):
        raise ValueError(f"`{name}` must not repeat a value")
    return out


# ---------------------------------------------------------------------------
# Markdown tables
# ---------------------------------------------------------------------------
_ALIGN = {"l": ":---", "c": ":---:", "r": "---:", "-": "---"}


def _cell(value) -> str:
    """One table cell: ``str(value)`` on one line with every ``|`` escaped as ``\\|``.

    The GFM table rule splits a row at the unescaped pipes and then drops the
    backslash of ``\\|`` *before* the cell is parsed inline, so the escape is
    undone everywhere, also inside ``$...$`` math and inline code. An existing
    ``\\|`` (LaTeX's ``\\|`` norm) becomes ``\\\\|`` and is parsed back to ``\\|``.
    """
    text = str(value)
    return " ".join(text.replace("|", "\\|").split())


class MarkdownTable:
    """A Markdown (GFM) table; displays as a table in Jupyter and in the book.

    ``text`` is the Markdown source (also ``str(table)``); ``header`` and ``rows``
    are the cells as given (before escaping). IPython shows it through
    ``_repr_markdown_``; the book renders ``text/markdown`` outputs with the
    MyST parser (``nb_render_markdown_format: myst`` in ``_config.yml``), so
    ``$...$`` math, ``**bold**`` and inline code work inside cells.
    """

    def __init__(self, header: list[str], rows: list[list[str]], text: str):
        self.header = header
        self.rows = rows
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


def markdown_table(header: Sequence, rows: Sequence[Sequence], *, align=None) -> MarkdownTable:
    r"""A Markdown table from a header and rows of already formatted cells.

    Cells are MyST Markdown (``$...$`` math, ``**bold**``, inline code); each is
    converted with ``str``, its line breaks become spaces and every ``|`` is
    written ``\|``, which the table parser turns back into ``|`` before the cell
    is rendered (in text, in math and in code alike) -- so ``"eq. 17 / |ε|"`` and
    ``"$|x|$"`` stay one cell each. ``<`` and ``&`` need no escape: where they
    do not start an HTML tag or entity Markdown shows them as typed.

    Parameters
    ----------
    header : sequence
        Column titles.
    rows : sequence of sequences
        Table body; every row must have as many cells as `header`.
    align : str or sequence of str, optional
        One of ``"l"``, ``"c"``, ``"r"`` or ``"-"`` (the renderer's default) per
        column, e.g. ``"lrr"``; a single letter applies to every column. Default:
        ``"-"`` for all.

    Returns
    -------
    MarkdownTable
        Displayed as a table when it is the last expression of a notebook cell.

    Raises
    ------
    ValueError
        If `header` is empty, a row has a different number of cells, or `align`
        has the wrong length or an unknown letter.

    Examples
    --------
    >>> print(markdown_table(["x", "|x|"], [[-2, 2]], align="r"))
    | x | \|x\| |
    |---:|---:|
    | -2 | 2 |
    """
    if isinstance(header, str | bytes):
        raise TypeError("`header` must be a sequence of cells, not a string")
    head = list(header)
    if not head:
        raise ValueError("`header` must have at least one cell")
    body = [list(r) for r in rows]
    for i, r in enumerate(body):
        if len(r) != len(head):
            raise ValueError(f"row {i} has {len(r)} cells, the header {len(head)}")
    if align is None:
        align = "-"
    al = list(align)
    if len(al) == 1:
        al *= len(head)
    if len(al) != len(head) or any(a not in _ALIGN for a in al):
        raise ValueError(
            f"`align` must give one of l, c, r, - per column ({len(head)}), got {align!r}"
        )
    lines = ["| " + " | ".join(_cell(c) for c in head) + " |"]
    lines.append("|" + "|".join(_ALIGN[a] for a in al) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in body]
    return MarkdownTable(head, body, "\n".join(lines))
