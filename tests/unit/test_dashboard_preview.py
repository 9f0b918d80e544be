"""A dashboard's preview: its widget tree as static HTML laid out like ipywidgets' views, sent with
the dashboard's display under Voila only, with the first figure to draw. (That the preview matches
the live dashboard on screen is checked in the browser, tests/browser/test_dashboards_render_browser.py.)"""

from __future__ import annotations

import doctest
import json
import logging
import shutil

import ipywidgets as widgets
import plotly.graph_objects as go
import pytest

from natsam_analysis.dashboard import KommunprofilApp
from natsam_analysis.dashboard import preview as preview_mod
from natsam_analysis.dashboard.figure import FigureOutput
from natsam_analysis.dashboard.preview import (
    DEFAULT_FIGURE_HEIGHT,
    DRAW_ATTRIBUTE,
    PREVIEW_MIME,
    DashboardBox,
    figures,
    preview,
    static_html,
)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def in_voila(monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "False")  # Voila sets it in every kernel it starts


def test_doctests():
    assert doctest.testmod(preview_mod).failed == 0


def test_controls_are_rendered_with_their_state_and_layout():
    dropdown = widgets.Dropdown(options=[("Alla plattformar", "all"), ("Lund", "1281")], value="1281",
                                description="Plattform", style={"description_width": "110px"},
                                layout=widgets.Layout(width="100%", max_width="320px"))
    dropdown.add_class("natsam-platform")
    slider = widgets.FloatSlider(value=1.0, min=0.0, max=5.0, readout_format=".2f", description="Kompetens")
    toggle = widgets.ToggleButtons(options=[("Svenska", "sv"), ("English", "en")], value="en",
                                   style={"button_width": "80px"})
    picker = widgets.Combobox(options=["Lund (1281)"], value="Lund (1281)", placeholder="Välj kommun")
    html = static_html(widgets.HBox([dropdown, slider, toggle, picker, widgets.Button(description="Återställ", icon="undo")]))
    assert html.startswith('<div class="lm-Widget lm-Panel jupyter-widgets widget-container widget-box widget-hbox">')
    assert ('<div class="lm-Widget jupyter-widgets widget-inline-hbox widget-dropdown natsam-platform" '
            'style="max-width: 320px; width: 100%">') in html
    assert '<label class="widget-label" style="width: 110px;">Plattform</label>' in html
    assert "<option>Alla&nbsp;plattformar</option><option selected>Lund</option>" in html
    # the handle at 1 of 0-5: its origin (a tenth of the track) moved back by 8 of its widths
    assert 'style="transform: translate(-800%, 0px); z-index: 4;"' in html
    assert '<div class="widget-readout">1.00</div>' in html
    assert ('<button type="button" class="widget-toggle-button jupyter-button mod-active" '
            'style="width: 80px;">English<i></i></button>') in html
    assert 'value="Lund (1281)"' in html and 'placeholder="Välj kommun"' in html
    assert '<i class="fa fa-undo"></i>Återställ</button>' in html


def test_text_and_values_are_escaped_html_values_are_not():
    html = static_html(widgets.VBox([widgets.HTML("<b>fet</b>"), widgets.Dropdown(options=["<a & b>"])]))
    assert "<b>fet</b>" in html  # an HTML widget's value is HTML, as in its live view
    assert "<option selected>&lt;a&nbsp;&amp;&nbsp;b&gt;</option>" in html


def test_figures_keep_their_height_and_the_first_is_drawn(in_voila):
    tall = FigureOutput(go.Figure(go.Bar(x=[1], y=[2]), layout={"height": 520}))
    plain = FigureOutput(go.Figure(go.Scatter(x=[1], y=[2])))
    root = widgets.VBox([widgets.HBox([tall.widget]), plain.widget])
    assert figures(root) == [tall.widget, plain.widget]
    shown = preview(root)
    assert shown["html"].count(DRAW_ATTRIBUTE) == 1
    assert f'class="lm-Widget natsam-preview-figure" {DRAW_ATTRIBUTE} style="height: 520px"' in shown["html"]
    assert f'class="lm-Widget natsam-preview-figure" style="height: {DEFAULT_FIGURE_HEIGHT}px"' in shown["html"]
    assert shown["figure"] == tall.widget.figure and shown["assets"] == {}
    assert preview(widgets.VBox([widgets.HTML("x")])) == {"html": static_html(widgets.VBox([widgets.HTML("x")]))}


def test_the_root_sends_a_preview_under_voila_only(monkeypatch):
    root = DashboardBox([widgets.HTML("<h1>Kommunprofil</h1>")])
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    assert PREVIEW_MIME not in root._repr_mimebundle_() and WIDGET_VIEW in root._repr_mimebundle_()
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    bundle = root._repr_mimebundle_()
    assert bundle[WIDGET_VIEW]["model_id"] == root.model_id
    assert "<h1>Kommunprofil</h1>" in bundle[PREVIEW_MIME]["html"]
    json.dumps(bundle)  # goes into the page as JSON


def test_a_widget_the_preview_cannot_show_leaves_the_dashboard_without_preview(in_voila, caplog):
    root = DashboardBox([widgets.IntText()])
    with caplog.at_level(logging.ERROR):
        bundle = root._repr_mimebundle_()
    assert PREVIEW_MIME not in bundle and WIDGET_VIEW in bundle  # shown as before, only later
    assert "preview could not be made" in caplog.text


def test_a_dashboard_sends_its_whole_first_screen(in_voila, data_dir, demo_store):
    shutil.copytree(demo_store[0], data_dir / "demo")
    app = KommunprofilApp()
    shown = app.widget._repr_mimebundle_()[PREVIEW_MIME]
    views = figures(app.widget)
    assert len(views) == 3 and shown["html"].count("natsam-preview-figure") == 3
    assert 'widget-vbox natsam-kommunprofil"' in shown["html"] and "natsam-site-header" in shown["html"]
    assert "<h1 class='natsam-site-title'>Kommunprofil</h1>" in shown["html"]
    assert 'value="Stockholm (0180)"' in shown["html"]
    assert shown["figure"] == views[0].figure and json.loads(shown["figure"])["data"]
