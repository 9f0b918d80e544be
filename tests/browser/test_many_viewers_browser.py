"""Many viewers on one server: closed pages free their kernels, a full server says so at once.

A server of its own, started as ``natsam serve`` starts it but with a limit of one viewer's kernel
and culling shortened to seconds, serving a small widget notebook (one ready kernel, which must
never be culled while it waits). A page reports when it has drawn; the successor of the ready
kernel it took starts then.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import DESKTOP, PHONE

from natsam_analysis.dashboard.voila_app import BUSY_RETRY_AFTER, PAGE_DRAWN_PATH, REFILL_TIMEOUT
from natsam_analysis.serve import VoilaServer, free_port

NOTEBOOK = "liten.ipynb"
CULL_IDLE_TIMEOUT = 3
CULL_INTERVAL = 1
BUSY_SV = "Många använder instrumentpanelerna just nu – försök igen om en stund"
BUSY_EN = "Many people are using the dashboards right now"


def write_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider(description='Antal')")]
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def small_server(chromium, tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    write_notebook(folder / NOTEBOOK)
    with VoilaServer(folder, port=free_port(), log_path=folder / "voila.log", pool_size=1, max_kernels=1,
                     cull_idle_timeout=CULL_IDLE_TIMEOUT, cull_interval=CULL_INTERVAL) as server:
        yield server


def kernels(server: VoilaServer) -> dict[str, int]:
    """Kernel id -> process id of every kernel the server runs."""
    found = {}
    for proc in psutil.Process(server.pid).children(recursive=True):
        try:
            found.update({part.split("kernel-")[-1].removesuffix(".json"): proc.pid
                          for part in proc.cmdline() if part.endswith(".json") and "kernel-" in part})
        except psutil.Error:
            continue
    return found


def wait_for(condition, timeout: float, what: str) -> float:
    """Seconds until ``condition()`` holds (checked every 0.1 s); fail after ``timeout`` seconds."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.1)
    return time.monotonic() - start


def open_dashboard(browser, server: VoilaServer):
    """A viewer's page (own context) showing the notebook's widget; returns (context, page, kernel id)."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    response = page.goto(server.url(NOTEBOOK), timeout=120_000)
    assert response.status == 200
    page.wait_for_selector(".widget-slider", timeout=120_000)
    kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    return context, page, kernel_id


def check_busy_page(page, server: VoilaServer) -> None:
    """The busy page, at once: 503, Retry-After, Swedish with English below, nothing off the host."""
    response = page.goto(server.url(NOTEBOOK), timeout=10_000)  # no waiting for a kernel
    assert response.status == 503
    assert response.headers["retry-after"] == str(BUSY_RETRY_AFTER)
    assert "no-store" in response.headers["cache-control"]
    assert page.locator("h1").inner_text() == BUSY_SV
    assert page.locator("html").get_attribute("lang") == "sv"
    assert BUSY_EN in page.locator("section[lang=en] h2").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    record = page.record
    assert record.external_requests == [], f"requests left the machine: {record.external_requests}"
    assert record.requests == [server.url(NOTEBOOK)], "a self-contained page: nothing else is loaded"
    assert record.page_errors == []
    assert all("status of 503" in error for error in record.console_errors), record.console_errors
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    wcag = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
    results = axe.run(page, options=wcag).response
    assert results["passes"] and results["violations"] == [], "accessible (WCAG 2.2 AA as axe-core checks it)"


def test_a_full_server_shows_the_busy_page_and_a_lost_page_frees_its_kernel(small_server, browser, page) -> None:
    wait_for(lambda: len(kernels(small_server)) == 1, 90, "the ready kernel started")
    ready = kernels(small_server)
    time.sleep(CULL_IDLE_TIMEOUT + 2 * CULL_INTERVAL)
    assert kernels(small_server) == ready, "a ready kernel waiting for a viewer is not culled"

    context, viewer, kernel_id = open_dashboard(browser, small_server)
    assert kernel_id in ready, "the viewer got the ready kernel"
    check_busy_page(page, small_server)  # one viewer's kernel is the limit
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone_page = phone.new_page()
    assert phone_page.goto(small_server.url(NOTEBOOK)).status == 503
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    phone.close()

    time.sleep(CULL_IDLE_TIMEOUT + 2 * CULL_INTERVAL)
    assert kernel_id in kernels(small_server), "an open page keeps its kernel, however idle"

    context.close()  # lost, not closed: no beforeunload, so no request to shut the kernel down
    culled = wait_for(lambda: kernel_id not in kernels(small_server), 30, "the lost page's kernel culled")
    print(f"lost page's kernel culled after {culled:.1f} s (timeout {CULL_IDLE_TIMEOUT} s, every {CULL_INTERVAL} s)")
    assert len(kernels(small_server)) == 1, "its successor waits in the pool"

    context, viewer, kernel_id = open_dashboard(browser, small_server)  # room again
    viewer.close(run_before_unload=True)  # closed as a viewer closes a tab: the page asks for a shutdown
    closed = wait_for(lambda: kernel_id not in kernels(small_server), 30, "the closed page's kernel shut down")
    print(f"closed page's kernel shut down after {closed:.1f} s")
    context.close()
    log = small_server.log_path.read_text(encoding="utf-8", errors="replace")
    assert f"({kernel_id}) with" not in log, "shut down at the page's request, not culled later"
    assert "403 POST /voila/api/shutdown" not in log


def test_a_page_reports_when_it_has_drawn_and_then_its_successor_starts(small_server, browser) -> None:
    wait_for(lambda: len(kernels(small_server)) == 1, 90, "the ready kernel waiting")
    context, viewer, kernel_id = open_dashboard(browser, small_server)
    viewer.wait_for_function("() => window.natsamPageDrawn === true", timeout=30_000)
    started = wait_for(lambda: len(kernels(small_server)) == 2, 5, "the successor started once the page had drawn")
    print(f"successor started {started:.1f} s after the page's report (refill timeout {REFILL_TIMEOUT} s)")

    # the report needs the page's XSRF token and one of the server's kernels, like any POST
    report = f"http://{small_server.host}:{small_server.port}/{PAGE_DRAWN_PATH}"
    assert viewer.request.post(f"{report}?kernel_id={kernel_id}").status == 403, "without the XSRF token"
    xsrf = {"X-XSRFToken": next(c["value"] for c in context.cookies() if c["name"] == "_xsrf")}
    assert viewer.request.post(f"{report}?kernel_id=no-such-kernel", headers=xsrf).status == 404
    assert viewer.request.post(f"{report}?kernel_id={kernel_id}", headers=xsrf).status == 204
    viewer.close(run_before_unload=True)
    wait_for(lambda: kernel_id not in kernels(small_server), 30, "the closed page's kernel shut down")
    context.close()
