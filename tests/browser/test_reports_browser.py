"""Municipality reports and the static site in a browser (``natsam export``).

One report (Lund) is exported as ``natsam export --municipality`` writes it, on the project's data
(the demo in a fresh clone), and opened from its file with every network request refused, on a
desktop and a phone: every figure must be drawn, the demo note visible, and nothing requested off
the file. A static site of three municipalities is served by Python's ``http.server``: its start page
lists them (searchable, in Swedish and English), a link opens a page that draws, and the pages work
from ``file://`` as well.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import pytest
from conftest import DESKTOP, PHONE, wait_until_drawn
from test_notebook_export_browser import TIMEOUT, offline

from natsam_analysis import reports
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.panel import is_synthetic, load_panel
from natsam_analysis.serve import free_port, prepare_data, prepare_index

SITE = ["1281", "2584", "0114"]  # Lund and Kiruna (platforms), Upplands Väsby


@pytest.fixture(scope="session")
def report(chromium, tmp_path_factory) -> reports.ReportResult:
    prepare_data()
    prepare_index()
    out = tmp_path_factory.mktemp("rapport") / "lund.html"
    return reports.export_report("1281", out, images=False)


@pytest.fixture(scope="session")
def site(chromium, tmp_path_factory) -> reports.SiteResult:
    prepare_data()
    prepare_index()
    return reports.export_site(tmp_path_factory.mktemp("site") / "webb", municipalities=SITE, jobs=1, progress=False)


@pytest.fixture(scope="session")
def served(site):
    """The site on a local static web server (Python's http.server), its address."""
    handler = functools.partial(_QuietHandler, directory=str(site.folder))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_the_report_draws_every_figure_offline_with_the_demo_note(page, report):
    refused = offline(page)
    page.goto(report.html.as_uri())
    figures = wait_until_drawn(page, report.figures, TIMEOUT)
    assert len(figures) == report.figures >= 12
    assert page.locator(".natsam-figure-missing").count() == 0
    assert refused == [], f"the report asked the network for {refused}"
    page.assert_clean()
    width = page.viewport_size["width"]
    assert all(0 < f["width"] <= width for f in figures), f"a figure is wider than the {width}px screen: {figures}"
    assert page.locator("h1").first.inner_text().strip() == "Kommunrapport: Lund"
    if is_synthetic(load_panel().attrs["provenance"]):
        banner = page.locator(".natsam-export-note")
        assert banner.is_visible() and DEMO_NOTE["sv"] in banner.inner_text()
        # the note under every figure too (in the figure, as drawn)
        notes = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
            .map(gd => Array.from(gd.querySelectorAll('.annotation-text')).map(a => a.textContent).join(' '))""")
        assert all("Demodata" in n for n in notes)


def test_the_site_lists_its_municipalities_and_a_link_opens_a_page_that_draws(page, site, served):
    page.goto(f"{served}/index.html")
    links = page.locator("#natsam-municipalities a")
    assert links.all_inner_texts() == ["Lund", "Kiruna", "Upplands Väsby"]
    assert page.locator(".cards .card-link").all_inner_texts() == ["Lund", "Kiruna"]  # the platforms as cards
    # the search narrows the list (accents optional), the language toggle switches the text
    page.fill("#natsam-search", "vasby")
    assert [li.is_visible() for li in page.locator("#natsam-municipalities li").all()] == [False, False, True]
    page.fill("#natsam-search", "")
    page.click("#natsam-lang")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("h2:has-text('All municipalities')").is_visible()
    page.click("#natsam-municipalities a:text('Kiruna')")
    page.wait_for_url("**/kommuner/kiruna.html")
    kiruna = next(p for p in site.pages if p.municipality_id == "2584")
    assert len(wait_until_drawn(page, kiruna.figures, TIMEOUT)) == kiruna.figures
    assert all(urlparse(u).hostname == "127.0.0.1" for u in page.record.requests if urlparse(u).scheme.startswith("http"))
    assert any(u.endswith("/assets/plotly-natsam.min.js") for u in page.record.requests)
    page.assert_clean()
    page.click(".natsam-home a")
    page.wait_for_url("**/index.html")


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
def test_the_site_works_from_files_too(page, site):
    refused = offline(page)
    page.goto(site.index.as_uri())
    page.click("#natsam-municipalities a:text('Lund')")
    lund = next(p for p in site.pages if p.municipality_id == "1281")
    figures = wait_until_drawn(page, lund.figures, TIMEOUT)
    assert all(0 < f["width"] <= PHONE["width"] for f in figures)
    assert refused == []
    page.assert_clean()
    assert sum(p.bytes for p in site.pages) < 3 * 400_000, "a site page should not carry plotly.js or large maps"
