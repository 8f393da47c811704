"""Figures and tables for the book (plotly, offline) and for ``figures/`` (matplotlib).

Only the rendering helpers of :mod:`!emp_theory.viz._render` are imported eagerly
(:func:`show` for a plotly figure, :func:`markdown_table` for a chapter's table);
the figure modules import plotly or matplotlib when used.
"""

from ._render import MarkdownTable, PlotlyHTML, markdown_table, show

__all__ = ["MarkdownTable", "PlotlyHTML", "markdown_table", "show"]
