"""The index explorer in a real browser, served by Voila: map, ranking, a weight slider, downloads."""

from __future__ import annotations

import base64

import yaml
from conftest import PLOT, wait_until_live

from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.panel import is_synthetic, load_panel

ROOT = ".natsam-indexutforskaren"
TIMEOUT = 90_000  # ms: kernel start plus first execution on a slow CI machine


def _open(page, voila):
    page.goto(voila.url("indexutforskaren.ipynb"), timeout=TIMEOUT)
    wait_until_live(page, ROOT, TIMEOUT)
    page.wait_for_function(f"document.querySelectorAll('{PLOT} .choroplethlayer path').length >= 290",
                           timeout=TIMEOUT)
    page.wait_for_selector(f"{PLOT} .barlayer .point", timeout=TIMEOUT)


def _ranking_labels(page) -> list[str]:
    """The ranking chart's rows, best first, as plotly.js holds them."""
    return page.evaluate(f"""() => {{
        const gd = Array.from(document.querySelectorAll('{PLOT}')).find(g => g._fullData.some(t => t.type === 'bar'));
        return Array.from(gd.layout.yaxis.categoryarray);
    }}""")


def _set_slider(page, pillar: str, value: float) -> None:
    """Type a weight into a slider's readout field, as a viewer can."""
    readout = page.locator(f"{ROOT} .natsam-weight-{pillar} .widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(f"{value:.2f}")
    page.keyboard.press("Enter")


def test_dashboard_renders_map_and_ranking(page, voila):
    _open(page, voila)
    figures = page.evaluate(f"""() => Array.from(document.querySelectorAll('{PLOT}')).map(gd => ({{
        title: gd.layout.title && gd.layout.title.text,
        types: gd._fullData.map(t => t.type),
        locations: gd._fullData.map(t => t.locations ? t.locations.length : 0)}}))""")
    assert len(figures) == 2
    map_fig = next(f for f in figures if "choropleth" in f["types"])
    assert map_fig["locations"][1] == 290  # every municipality has an index score
    labels = _ranking_labels(page)
    assert labels[0].startswith("1. ") and len(labels) >= 20
    assert any(label.endswith(". Kiruna") for label in labels)  # the platforms are always shown
    body = page.inner_text("body")
    if is_synthetic(load_panel().attrs["provenance"]):
        assert DEMO_NOTE["sv"] in body
    assert "Indexutforskaren" in body and "Stockholm: rang" in page.inner_text(f"{ROOT} .natsam-rank")
    assert page.locator(f"{ROOT} .widget-slider").count() == 8
    page.assert_clean()


def test_moving_a_slider_changes_the_ranking_and_reset_restores_it(page, voila):
    _open(page, voila)
    before = _ranking_labels(page)
    rank_before = page.inner_text(f"{ROOT} .natsam-rank")
    _set_slider(page, "kompetens", 5)
    page.wait_for_function(
        f"() => document.querySelector('{ROOT} .natsam-rank').innerText.includes('egen variant')", timeout=TIMEOUT)
    page.wait_for_function(
        f"""() => Array.from(document.querySelectorAll('{PLOT}')).some(gd => gd.layout.yaxis
            && gd.layout.yaxis.categoryarray && gd.layout.title && String(gd.layout.title.text).includes('egen variant'))""",
        timeout=TIMEOUT)
    after = _ranking_labels(page)
    assert after != before
    assert page.inner_text(f"{ROOT} .natsam-rank") != rank_before
    # the YAML download carries the new weight
    page.wait_for_function(
        f"""() => atob(document.querySelector('{ROOT} a.natsam-download-yaml').href.split(',')[1])
            .includes('kompetens: 5.0')""", timeout=TIMEOUT)
    href = page.get_attribute(f"{ROOT} a.natsam-download-yaml", "href")
    spec = yaml.safe_load(base64.b64decode(href.split(",", 1)[1]).decode("utf-8"))
    assert spec["framework"]["weights"]["kompetens"] == 5.0
    page.locator(f"{ROOT} .natsam-reset").click()
    page.wait_for_function(
        f"() => document.querySelector('{ROOT} .natsam-rank').innerText.includes('publicerat index')", timeout=TIMEOUT)
    page.wait_for_function(
        f"""() => Array.from(document.querySelectorAll('{PLOT}')).some(gd => gd.layout.title
            && String(gd.layout.title.text).startsWith('Rangordning, publicerat index'))""", timeout=TIMEOUT)
    assert _ranking_labels(page) == before
    page.assert_clean()


def test_language_toggle(page, voila):
    _open(page, voila)
    page.locator(ROOT).get_by_role("button", name="English").click()
    page.wait_for_selector("text=Index explorer", timeout=TIMEOUT)
    page.wait_for_function(
        f"""() => Array.from(document.querySelectorAll('{PLOT}')).some(gd => gd.layout.title
            && String(gd.layout.title.text).startsWith('Ranking, published index'))""", timeout=TIMEOUT)
    assert "Stockholm: rank" in page.inner_text(f"{ROOT} .natsam-rank")
    page.assert_clean()
