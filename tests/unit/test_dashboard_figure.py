"""Dashboard figures: the page-drawn view under Voila, the MIME bundle elsewhere, GeoJSON sent once,
the partial plotly.js bundle in step with the plotly package and with the trace types it holds."""

from __future__ import annotations

import doctest
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go
import plotly.offline
import pytest
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

from natsam_analysis import geography
from natsam_analysis.dashboard import figure as figure_mod
from natsam_analysis.dashboard.figure import (
    ASSET_PREFIX,
    BUNDLE,
    TRACE_TYPES,
    FigureOutput,
    PlotlyView,
    split_assets,
)
from natsam_analysis.dashboard.kernel_socket import NoDelayKernelConnection
from natsam_analysis.errors import NatsamError
from natsam_analysis.viz import maps
from natsam_analysis.viz.theme import figure_json

ROOT = Path(__file__).resolve().parents[2]
BUNDLE_TOOLS = ROOT / "tools" / "plotly-bundle"


PLOTLY_MIME = "application/vnd.plotly.v1+json"


@pytest.fixture
def municipality_map(data_dir):
    names = geography.municipality_names()
    values = pd.Series({mid: float(i) for i, mid in enumerate(sorted(names)) if i % 3})
    return maps.municipality_map(values, names, note="Demodata", title="Karta", highlight="0180")


def test_module_examples():
    assert doctest.testmod(figure_mod).failed == 0


def test_under_voila_a_figure_is_drawn_by_the_page(monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    place = FigureOutput(go.Figure(go.Bar(x=[1, 2], y=["a", "b"])))
    assert isinstance(place.widget, PlotlyView) and place.drawn_by_page
    payload = json.loads(place.widget.figure)
    assert payload["data"][0]["type"] == "bar" and payload["config"]["displaylogo"] is False
    place.show(go.Figure(go.Scatter(x=[1], y=[2])))
    assert json.loads(place.widget.figure)["data"][0]["type"] == "scatter"
    assert place.figure.data[0].type == "scatter"


def test_elsewhere_a_figure_is_plotlys_mime_bundle(monkeypatch, shown):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    place = FigureOutput(go.Figure(go.Bar(x=[1], y=[2])))
    assert not place.drawn_by_page and not isinstance(place.widget, PlotlyView)
    assert list(shown[-1]) == [PLOTLY_MIME] and shown[-1][PLOTLY_MIME]["data"][0]["type"] == "bar"


def test_a_map_sends_its_boundaries_once(municipality_map):
    text, assets = split_assets(municipality_map)
    assert len(assets) == 1
    name, geojson = next(iter(assets.items()))
    assert len(json.loads(geojson)["features"]) == 290
    traces = json.loads(text)["data"]
    full = [t for t in traces if t.get("geojson") == ASSET_PREFIX + name]
    assert len(full) == 2  # the grey base and the coloured municipalities share one asset
    assert len(text) + len(geojson) < len(figure_json(municipality_map)) * 0.6


def test_a_redrawn_map_does_not_send_its_boundaries_again(municipality_map):
    place = FigureOutput(municipality_map, widget=True)
    assets = place.widget.assets
    sent = []
    place.widget.observe(lambda change: sent.append(change["name"]), names=["assets", "figure"])
    municipality_map.update_layout(title_text="Ny karta")
    place.show(municipality_map)
    assert sent == ["figure"] and place.widget.assets is assets


def test_trace_types_outside_the_bundle_are_refused():
    with pytest.raises(NatsamError, match="cannot draw scatter3d traces.*make plotly-bundle"):
        FigureOutput(go.Figure(go.Scatter3d(x=[1], y=[1], z=[1])), widget=True)


def test_trace_types_are_those_of_the_bundle_entry():
    entry = (BUNDLE_TOOLS / "entry.js").read_text(encoding="utf-8")
    registered = set(re.findall(r"require\('plotly\.js/lib/([a-z0-9]+)'\)", entry))
    assert registered - {"core"} | {"scatter"} == TRACE_TYPES  # the core holds scatter


def test_bundle_is_the_plotly_js_of_the_installed_plotly_package():
    version = plotly.offline.get_plotlyjs_version()
    package = json.loads((BUNDLE_TOOLS / "package.json").read_text(encoding="utf-8"))
    assert package["devDependencies"]["plotly.js"] == version
    lock = json.loads((BUNDLE_TOOLS / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/plotly.js"]["version"] == version
    with BUNDLE.open(encoding="utf-8") as handle:
        banner = handle.readline()
    assert banner.startswith(f"/*! plotly.js {version},") and "MIT License" in banner
    assert BUNDLE.stat().st_size < 2_500_000  # a partial bundle, not the full 4.8 MB


def test_the_kernel_websocket_sends_small_messages_at_once(monkeypatch):
    calls = []
    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "connect", lambda self: calls.append("connected") or "future")
    connection = NoDelayKernelConnection.__new__(NoDelayKernelConnection)
    handler = SimpleNamespace(set_nodelay=lambda value: calls.append(("nodelay", value)))
    monkeypatch.setattr(NoDelayKernelConnection, "websocket_handler", handler, raising=False)
    assert connection.connect() == "future"
    assert calls == [("nodelay", True), "connected"]
