"""The municipality-profile dashboard in a real browser, served by Voila."""

from __future__ import annotations

import pytest
from conftest import PLOT, wait_until_live

from natsam_analysis import catalog
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.panel import is_synthetic, load_panel

TIMEOUT = 90_000  # ms: kernel start plus first execution on a slow CI machine


def _open(page, voila):
    page.goto(voila.url("kommunprofil.ipynb"), timeout=TIMEOUT)
    wait_until_live(page, ".natsam-kommunprofil", TIMEOUT)
    # map drawn (one path per municipality, grey or coloured), bars and lines drawn
    page.wait_for_function(f"document.querySelectorAll('{PLOT} .choroplethlayer path').length >= 290",
                           timeout=TIMEOUT)
    page.wait_for_selector(f"{PLOT} .barlayer .point", timeout=TIMEOUT)
    page.wait_for_selector(f"{PLOT} .scatterlayer .js-line", timeout=TIMEOUT)


def _figures(page) -> list[dict]:
    """Data of every plotly figure on the page, as plotly.js holds it (arrays decoded)."""
    return page.evaluate(f"""() => Array.from(document.querySelectorAll('{PLOT}')).map(gd => ({{
        title: gd.layout.title && gd.layout.title.text,
        traces: gd._fullData.map(t => ({{type: t.type, name: t.name,
            locations: t.locations ? Array.from(t.locations) : null,
            x: t.x ? Array.from(t.x) : null, y: t.y ? Array.from(t.y) : null}}))
    }}))""")


def test_dashboard_renders_map_and_charts(page, voila):
    _open(page, voila)
    figures = _figures(page)
    assert len(figures) == 3
    map_fig = next(f for f in figures if any(t["type"] == "choropleth" for t in f["traces"]))
    base, data = map_fig["traces"][0]["locations"], map_fig["traces"][1]["locations"]
    assert len(set(base) | set(data)) == len(base) + len(data) == 290  # every municipality drawn, once
    assert map_fig["traces"][2]["locations"] == ["0180"]  # Stockholm outlined
    bars = next(f for f in figures if any(t["type"] == "bar" for t in f["traces"]))
    assert "Stockholm" in bars["title"]
    assert all(0 <= v <= 100 for v in bars["traces"][0]["x"] if v is not None)
    body = page.inner_text("body")
    if is_synthetic(load_panel().attrs["provenance"]):
        assert DEMO_NOTE["sv"] in body
    assert "Kommunprofil" in body
    page.assert_clean()


def test_changing_municipality_updates_charts(page, voila):
    _open(page, voila)
    before = _figures(page)
    field = page.locator(".natsam-kommunprofil input[list]")
    field.fill("Kiruna (2584)")
    field.press("Enter")
    page.wait_for_function(
        f"Array.from(document.querySelectorAll('{PLOT}')).some(gd => gd.layout.title && "
        "String(gd.layout.title.text).startsWith('Kiruna'))", timeout=TIMEOUT)
    page.wait_for_function(
        f"Array.from(document.querySelectorAll('{PLOT}')).some(gd => gd.data.length > 2 && "
        "gd.data[2].locations && gd.data[2].locations[0] === '2584')", timeout=TIMEOUT)
    after = _figures(page)
    assert "Kiruna" in page.inner_text(".natsam-header")
    bars_before = next(f for f in before if any(t["type"] == "bar" for t in f["traces"]))
    bars_after = next(f for f in after if any(t["type"] == "bar" for t in f["traces"]))
    assert bars_after["traces"][0]["x"] != bars_before["traces"][0]["x"]
    series_after = next(f for f in after if f["traces"] and f["traces"][-1]["name"] == "Kiruna")
    assert series_after["traces"][-1]["y"]
    page.assert_clean()


def test_language_toggle_and_pillar(page, voila):
    _open(page, voila)
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("text=Municipality profile", timeout=TIMEOUT)
    page.wait_for_function(
        f"Array.from(document.querySelectorAll('{PLOT}')).some(gd => gd.layout.xaxis && gd.layout.xaxis.title "
        "&& String(gd.layout.xaxis.title.text).startsWith('Percentile'))", timeout=TIMEOUT)
    bars_before = len(next(f for f in _figures(page) if any(t["type"] == "bar" for t in f["traces"]))["traces"][0]["y"])
    page.locator(".widget-dropdown select").first.select_option(label="Climate and built environment")
    page.wait_for_function(
        f"Array.from(document.querySelectorAll('{PLOT}')).some(gd => gd.layout.title && "
        "String(gd.layout.title.text).includes('Climate and built environment'))", timeout=TIMEOUT)
    bars_after = len(next(f for f in _figures(page) if any(t["type"] == "bar" for t in f["traces"]))["traces"][0]["y"])
    # one bar per indicator of the pillar: skills, then climate and built environment
    assert (bars_before, bars_after) == (len(catalog.indicators_of("kompetens")), len(catalog.indicators_of("klimat_stad")))
    page.assert_clean()


@pytest.mark.parametrize("notebook", ["kommunprofil.ipynb"])
def test_server_hides_sources_and_tracebacks(page, voila, notebook):
    _open(page, voila)
    html = page.content()
    assert "KommunprofilApp(" not in html  # sources stripped
    assert voila.url(notebook).startswith("http://127.0.0.1:")
