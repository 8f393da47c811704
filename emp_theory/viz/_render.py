"""Offline display of plotly figures in executed notebooks and the static book.

plotly's default notebook renderer emits only ``application/vnd.plotly.v1+json``,
which myst-nb drops from the built HTML. :func:`show` instead returns an object
whose ``_repr_html_`` is the figure's ``<div>`` and script *without* plotly.js or
MathJax (``include_plotlyjs=False``); the book serves ``plotly.min.js`` from its
own ``_static`` folder, so nothing is loaded from a CDN.
"""

from __future__ import annotations

import itertools

__all__ = ["PlotlyHTML", "show"]

_counter = itertools.count()


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
