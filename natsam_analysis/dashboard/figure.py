"""Figures on a dashboard: a place where a plotly figure is shown and replaced by callbacks.

Served by Voila with the ``natsam`` template (``natsam serve``), a figure is a small widget,
:class:`PlotlyView`: the figure goes to the browser as JSON and is drawn there by a partial
plotly.js bundle (``plotly-natsam.min.js``, core plus :data:`TRACE_TYPES`, a third of the full
bundle) that the template starts loading in the page's head. It is drawn once on first display and
with ``Plotly.react`` on every change. Anywhere else (JupyterLab, nbconvert, the test suite) the
figure goes out as plotly's MIME bundle into an ``Output`` widget, drawn by the plotly extension
of that front end. :class:`FigureOutput` chooses; dashboards only call ``show``.

The bundle is built from ``tools/plotly-bundle`` (``make plotly-bundle``) for the plotly.js
version of the installed plotly package.

Examples
--------
>>> import plotly.graph_objects as go
>>> place = FigureOutput(go.Figure(go.Bar(x=[1, 2], y=[3, 4])), widget=True)
>>> place.widget.figure[:9]
'{"data":['
>>> FigureOutput(go.Figure(go.Scatter3d()), widget=True)
Traceback (most recent call last):
...
natsam_analysis.errors.NatsamError: The dashboards' plotly.js cannot draw scatter3d traces (it holds bar, box, choropleth, funnel, heatmap, histogram, pie, sankey, scatter, scattergeo, sunburst, treemap). Use one of those, or add the trace type to tools/plotly-bundle/entry.js and TRACE_TYPES and run make plotly-bundle.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

import anywidget
import ipywidgets as widgets
import plotly.graph_objects as go
import plotly.io as pio
import traitlets
from IPython.display import display

from natsam_analysis.errors import NatsamError
from natsam_analysis.viz.theme import figure_payload, mimebundle

#: The trace types of the dashboards' plotly.js bundle (``tools/plotly-bundle/entry.js``).
TRACE_TYPES = frozenset({"bar", "box", "choropleth", "funnel", "heatmap", "histogram", "pie", "sankey",
                         "scatter", "scattergeo", "sunburst", "treemap"})
#: The bundle, inside the ``natsam`` template's static folder (served by Voila).
BUNDLE = Path(__file__).resolve().parent / "share" / "voila" / "templates" / "natsam" / "static" / "plotly-natsam.min.js"
#: How a trace's ``geojson`` names an asset of its :class:`PlotlyView` (see :func:`split_assets`).
ASSET_PREFIX = "natsam-asset:"
#: Shown in place of a figure when the page could not load plotly.js.
NOT_LOADED = ("Diagrammet kunde inte visas: ladda om sidan. / "
              "The chart could not be shown: reload the page.")


def in_voila() -> bool:
    """True in a kernel that Voila started (it sets ``VOILA_PREHEAT`` for every kernel)."""
    return "VOILA_PREHEAT" in os.environ


class PlotlyView(anywidget.AnyWidget):
    """A plotly figure drawn by the page's partial plotly.js (see the module doc).

    ``figure`` is the figure's JSON text (:func:`natsam_analysis.viz.theme.figure_payload`) with
    large GeoJSON replaced by names of ``assets``: GeoJSON texts sent to the page once, however many
    traces and redraws use them (see :func:`split_assets`).
    """

    _esm = Path(__file__).with_name("figure.js")
    figure = traitlets.Unicode("{}").tag(sync=True)
    assets = traitlets.Dict().tag(sync=True)
    error_text = traitlets.Unicode(NOT_LOADED).tag(sync=True)


def check_trace_types(fig: go.Figure) -> None:
    """Raise a ``NatsamError`` if ``fig`` has a trace type the dashboards' plotly.js cannot draw."""
    missing = sorted({trace.type for trace in fig.data} - TRACE_TYPES)
    if missing:
        raise NatsamError(
            f"The dashboards' plotly.js cannot draw {', '.join(missing)} traces (it holds "
            f"{', '.join(sorted(TRACE_TYPES))}). Use one of those, or add the trace type to "
            "tools/plotly-bundle/entry.js and TRACE_TYPES and run make plotly-bundle."
        )


@lru_cache(maxsize=8)
def _asset(url: str) -> tuple[str, str]:
    """(name, GeoJSON text) of a base64 ``data:`` URL."""
    text = base64.b64decode(url.split(",", 1)[1]).decode("utf-8")
    return hashlib.sha256(url.encode("ascii")).hexdigest()[:16], text


def split_assets(fig: go.Figure) -> tuple[str, dict[str, str]]:
    """The figure's JSON text with every GeoJSON ``data:`` URL replaced by an asset name, and the
    assets (name -> GeoJSON text).

    A map of the municipalities carries their boundaries (about 200 kB) in two traces; sent as an
    asset they travel once per page instead of twice per drawing, and the page parses them once.

    Examples
    --------
    >>> url = "data:application/json;base64," + base64.b64encode(b'{"type": "FeatureCollection"}').decode()
    >>> text, assets = split_assets(go.Figure(go.Choropleth(geojson=url, locations=["0180"], z=[1])))
    >>> name = next(iter(assets)); assets[name]
    '{"type": "FeatureCollection"}'
    >>> json.loads(text)["data"][0]["geojson"] == ASSET_PREFIX + name
    True
    """
    payload = figure_payload(fig)
    assets = {}
    data = []
    for trace in payload["data"]:
        url = trace.get("geojson")
        if isinstance(url, str) and url.startswith("data:") and ";base64," in url:
            name, geojson = _asset(url)
            assets[name] = geojson
            trace = {**trace, "geojson": ASSET_PREFIX + name}
        data.append(trace)
    return pio.json.to_json_plotly({**payload, "data": data}), assets


class FigureOutput:
    """A place on a dashboard where a plotly figure is shown and replaced by callbacks.

    Parameters
    ----------
    fig
        The first figure.
    widget
        ``True``: a :class:`PlotlyView`; ``False``: an ``Output`` with plotly's MIME bundle;
        ``None`` (default): the view under Voila, the MIME bundle elsewhere.

    Attributes
    ----------
    widget
        The ipywidget to place in the dashboard's layout.
    figure
        The ``go.Figure`` last shown.
    """

    def __init__(self, fig: go.Figure, *, widget: bool | None = None):
        self.drawn_by_page = in_voila() if widget is None else widget
        self.widget: widgets.DOMWidget = PlotlyView() if self.drawn_by_page else widgets.Output()
        self.figure = fig
        self.show(fig)

    def show(self, fig: go.Figure) -> None:
        """Replace the figure (the old one stays on screen until the new one is drawn)."""
        if self.drawn_by_page:
            check_trace_types(fig)
            text, assets = split_assets(fig)
            if not assets.keys() <= self.widget.assets.keys():
                self.widget.assets = {**self.widget.assets, **assets}  # synced before the figure
            self.widget.figure = text
        else:
            with self.widget:
                self.widget.clear_output(wait=True)
                display(mimebundle(fig), raw=True)
        self.figure = fig
