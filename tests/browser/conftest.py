"""Browser tests: Voila serves the real dashboards, Playwright drives Debian's Chromium.

The tests skip with a reason when Chromium (``/usr/bin/chromium``) is absent, except under
``CI=true``, where they must run. Every page records console errors, uncaught exceptions and every
request; a test fails if a request leaves the local machine (other than those allowed explicitly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from refdata import missing

from natsam_analysis import config
from natsam_analysis.serve import VoilaServer, free_port, prepare_data, prepare_index, prepare_start_page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
#: Requests allowed to leave the machine. None: a dashboard must work fully offline.
ALLOWED_EXTERNAL: set[str] = set()


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is absent; install Debian's chromium (apt-get install chromium) to run browser tests")
    return CHROMIUM


@pytest.fixture(scope="session")
def voila(chromium, tmp_path_factory) -> VoilaServer:
    """One Voila server on the project's dashboards for the whole session, on a free local port."""
    prepare_data()
    prepare_index()
    prepare_start_page()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    # No limit on viewers' kernels: a test's page ends with its context, without the request that
    # shuts its kernel down, so the kernels of a long session add up until they are culled.
    with VoilaServer(config.dashboards_dir(), port=free_port(), log_path=log, max_kernels=0) as server:
        yield server


@pytest.fixture(scope="session")
def browser(chromium):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageRecord:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


#: A plotly figure in a page.
PLOT = ".js-plotly-plot"
#: A drawn mark of any trace type the dashboards and notebooks use (bars, lines, points, violins,
#: funnels, sankey nodes, map areas, heatmap cells).
MARKS = (".barlayer .point path, .scatterlayer .js-line, .scatterlayer .point, .violinlayer path, "
         ".funnellayer .point path, .sankey .sankey-node, .choroplethlayer path.choroplethlocation, "
         ".scattergeolayer .point, .heatmaplayer .hm image")


#: True once a dashboard's live widgets have replaced its preview (natsam-preview.js), which shows the
#: first screen, inert, before them.
LIVE = "() => performance.getEntriesByName('natsam-live').length > 0 && !document.querySelector('.natsam-preview')"


def wait_until_live(page, root: str, timeout: float) -> None:
    """Wait until the dashboard's live widgets have replaced its preview and ``root`` is on screen."""
    page.wait_for_function(LIVE, timeout=timeout)
    page.wait_for_selector(root, timeout=timeout)


def wait_until_drawn(page, n_figures: int, timeout: float) -> list[dict]:
    """Wait until ``n_figures`` figures are drawn, each with marks (an output that failed to render
    shows no plot at all); return each figure's number of marks and its width on screen."""
    page.wait_for_function(
        f"""() => {{
            const plots = Array.from(document.querySelectorAll('{PLOT}'));
            return plots.length >= {n_figures} && plots.every(gd => gd.querySelectorAll('{MARKS}').length > 0);
        }}""", timeout=timeout)
    return page.evaluate(f"""() => Array.from(document.querySelectorAll('{PLOT}')).map(gd => ({{
        marks: gd.querySelectorAll('{MARKS}').length, width: gd.getBoundingClientRect().width}}))""")


#: The two screens every dashboard is checked on.
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page(browser, request):
    """A fresh page (own context) that records errors and requests in ``page.record``.

    Desktop-sized (1280x800) unless parametrised indirectly with another viewport, e.g.
    ``@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True)``.
    """
    viewport = getattr(request, "param", DESKTOP)
    context = browser.new_context(viewport=viewport, locale="sv-SE", is_mobile=viewport["width"] < 600,
                                  has_touch=viewport["width"] < 600)
    page = context.new_page()
    record = PageRecord()

    def on_request(request):
        record.requests.append(request.url)
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname not in LOCAL_HOSTS \
                and request.url not in ALLOWED_EXTERNAL:
            record.external_requests.append(request.url)

    page.on("request", on_request)
    page.on("console", lambda msg: record.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: record.page_errors.append(str(exc)))
    page.record = record

    def assert_clean() -> None:
        """No request off this machine, no page or console error, no stderr output or traceback shown."""
        assert record.external_requests == [], f"requests left the machine: {record.external_requests}"
        assert record.page_errors == [], f"uncaught errors in the page: {record.page_errors}"
        assert record.console_errors == [], f"console errors: {record.console_errors}"
        assert page.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0
        assert page.locator(".natsam-error").count() == 0
        body = page.inner_text("body")
        assert "Traceback" not in body
        assert "Javascript Error" not in body, "an output failed to render in the browser"

    page.assert_clean = assert_clean
    yield page
    context.close()
