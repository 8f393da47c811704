"""Figures for the book (plotly, offline) and for ``figures/`` (matplotlib).

Only :func:`show` is imported eagerly; the figure modules import plotly or
matplotlib when used.
"""

from ._render import PlotlyHTML, show

__all__ = ["PlotlyHTML", "show"]
