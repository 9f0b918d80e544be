"""Figure builders (plotly ``go.Figure``). They format and draw; they compute no statistics.

:func:`save_figure` and :func:`save_figures` (``viz.files``) write the figures to PNG, SVG or PDF files.
"""

from natsam_analysis.viz.files import save_figure, save_figures

__all__ = ["save_figure", "save_figures"]
